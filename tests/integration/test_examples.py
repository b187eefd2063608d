"""The three example charms (examples/database, mailserver, webapp) on a real Juju.

The story tests/examples_sim.rs runs in the simulator, checked the same way: deploy
database x2, mailserver x1, webapp x3, integrate `webapp:db database:db` and
`webapp:smtp mailserver:smtp`, wait for active, then every status, the offer on `db`,
the rendered `webapp.conf`, the `backup` action, and removing the `db` relation.
"""

from __future__ import annotations

import jubilant
import pytest

from charms import needs_examples

pytestmark = [pytest.mark.juju, needs_examples("database", "mailserver", "webapp")]


def slug(unit: str) -> str:
    return unit.replace("/", "-")


def messages(status: jubilant.Status, app: str) -> dict[str, tuple[str, str]]:
    """unit -> (workload status, message)."""
    return {
        u: (s.workload_status.current, s.workload_status.message)
        for u, s in status.get_units(app).items()
    }


def leader(status: jubilant.Status, app: str) -> str:
    return next(u for u, s in status.get_units(app).items() if s.leader)


def charm_file(juju: jubilant.Juju, unit: str, name: str) -> str | None:
    """The file *name* in *unit*'s charm directory, or None if there is none."""
    task = juju.exec(f'cat "$JUJU_CHARM_DIR/{name}" 2>/dev/null || true', unit=unit)
    return task.stdout or None


def test_the_examples_settle_active(juju: jubilant.Juju, packed) -> None:
    charms = packed("database", "mailserver", "webapp")
    juju.deploy(charms["database"], "database", num_units=2)
    juju.deploy(charms["mailserver"], "mailserver")
    juju.deploy(charms["webapp"], "webapp", num_units=3)
    juju.integrate("webapp:db", "database:db")
    juju.integrate("webapp:smtp", "mailserver:smtp")
    status = juju.wait(jubilant.all_active, error=jubilant.any_error)

    primary = leader(status, "database")
    assert messages(status, "database") == {
        u: ("active", "primary, 1 databases" if u == primary else "replica")
        for u in status.get_units("database")
    }
    assert set(messages(status, "mailserver").values()) == {("active", "3 smtp users")}
    assert set(messages(status, "webapp").values()) == {("active", "ready")}
    assert status.apps["webapp"].app_status.message == "3 of 3 units ready"

    # The offer on `db`, in the database's application bag as webapp sees it.
    db = next(r for r in juju.show_unit("webapp/0").relation_info if r.endpoint == "db")
    assert db.app_data["database"] == "webapp"
    assert db.app_data["credentials"].startswith("secret:")
    assert db.app_data["endpoints"] == f"{slug(primary)}.database:5432"

    for unit in status.get_units("webapp"):
        conf = charm_file(juju, unit, "webapp.conf")
        assert conf is not None, f"{unit} has no webapp.conf"
        keys = [line.split("=", 1)[0] for line in conf.splitlines()]
        assert keys == [
            "database",
            "username",
            "password",
            "smtp_host",
            "smtp_username",
            "smtp_password",
        ], conf
        assert conf.startswith("database=webapp\nusername=webapp_user\n"), conf
        assert f"\nsmtp_username={slug(unit)}\n" in conf, conf


def test_backup_writes_the_databases(juju: jubilant.Juju) -> None:
    primary = leader(juju.status(), "database")
    task = juju.run(primary, "backup", {"path": "backup.txt"})
    assert task.status == "completed", task
    assert task.results["databases"] == "1"
    assert charm_file(juju, primary, "backup.txt") == "webapp\n"


def test_without_the_db_relation_webapp_blocks_and_forgets(juju: jubilant.Juju) -> None:
    juju.remove_relation("webapp:db", "database:db")
    status = juju.wait(
        lambda s: jubilant.all_blocked(s, "webapp") and jubilant.all_active(s, "database"),
        error=jubilant.any_error,
    )
    assert set(messages(status, "webapp").values()) == {("blocked", "missing db relation")}
    primary = leader(status, "database")
    assert messages(status, "database")[primary] == ("active", "primary, 0 databases")
    for unit in status.get_units("webapp"):
        assert charm_file(juju, unit, "webapp.conf") is None, unit
