"""The ecosystem examples (examples/blog, minipg, minica) against Canonical's charms.

blog requires `postgresql_client` (v0) and `tls-certificates`; minipg provides
`postgresql_client` (v0 and v1); minica provides `tls-certificates`. Each runs against
the real `postgresql` and `self-signed-certificates` charms from Charmhub, and Canonical's
requirers (`data-integrator`, `tls-certificates-requirer`). Skipped while the examples
are absent from this checkout. Charmhub channels can be changed with the environment
variables CHARM_RS_POSTGRESQL_CHANNEL (default 16/stable) and
CHARM_RS_CERTIFICATES_CHANNEL (default 1/stable).
"""

from __future__ import annotations

import os

import jubilant
import pytest

from charms import needs_examples

pytestmark = pytest.mark.juju

POSTGRESQL = os.environ.get("CHARM_RS_POSTGRESQL_CHANNEL", "16/stable")
CERTIFICATES = os.environ.get("CHARM_RS_CERTIFICATES_CHANNEL", "1/stable")


def messages(status: jubilant.Status, app: str) -> set[tuple[str, str]]:
    return {
        (s.workload_status.current, s.workload_status.message)
        for s in status.get_units(app).values()
    }


def charm_file(juju: jubilant.Juju, unit: str, name: str) -> str | None:
    task = juju.exec(f'cat "$JUJU_CHARM_DIR/{name}" 2>/dev/null || true', unit=unit)
    return task.stdout or None


def verify_certificate(juju: jubilant.Juju, unit: str, cert: str, ca: str) -> str:
    """`openssl verify` of the files *cert* against *ca* in *unit*'s charm directory."""
    task = juju.exec(
        f'cd "$JUJU_CHARM_DIR" && openssl verify -CAfile {ca} {cert}'
        f" && openssl x509 -noout -subject -in {cert}",
        unit=unit,
    )
    return task.stdout


@needs_examples("blog")
def test_blog_with_postgresql_and_self_signed_certificates(juju: jubilant.Juju, packed) -> None:
    charms = packed("blog")
    juju.deploy(charms["blog"], "blog", num_units=2)
    juju.deploy("postgresql", channel=POSTGRESQL)
    juju.deploy("self-signed-certificates", channel=CERTIFICATES)
    juju.integrate("blog:database", "postgresql:database")
    juju.integrate("blog:certificates", "self-signed-certificates:certificates")
    status = juju.wait(jubilant.all_active, error=jubilant.any_error)
    assert messages(status, "blog") == {("active", "ready (tls)")}
    for unit in status.get_units("blog"):
        conf = charm_file(juju, unit, "blog.conf")
        assert conf is not None and conf.startswith("database-uri = postgresql://"), conf
        assert conf.splitlines()[0].endswith("/blog") and "tls = on" in conf, conf
        out = verify_certificate(juju, unit, "blog.crt", "blog-ca.crt")
        assert "blog.crt: OK" in out and f"CN = {unit.replace('/', '-')}" in out, out

    # Certificates relation removed: the files go, `tls = off`, still ready.
    juju.remove_relation("blog:certificates", "self-signed-certificates:certificates")
    status = juju.wait(lambda s: messages(s, "blog") == {("active", "ready")})
    for unit in status.get_units("blog"):
        assert "tls = off" in (charm_file(juju, unit, "blog.conf") or ""), unit
        assert charm_file(juju, unit, "blog.key") is None, unit

    # Database relation removed: blocked, blog.conf removed, no hook failed.
    juju.remove_relation("blog:database", "postgresql:database")
    status = juju.wait(
        lambda s: messages(s, "blog") == {("blocked", "missing database relation")},
        error=jubilant.any_error,
    )
    for unit in status.get_units("blog"):
        assert charm_file(juju, unit, "blog.conf") is None, unit


@needs_examples("minipg")
def test_minipg_serves_canonical_requirers(juju: jubilant.Juju, packed) -> None:
    charms = packed("minipg")
    juju.deploy(charms["minipg"], "minipg")
    juju.deploy("data-integrator", config={"database-name": "app"})
    juju.integrate("data-integrator:postgresql", "minipg:database")
    status = juju.wait(
        lambda s: jubilant.all_active(s, "minipg", "data-integrator"), error=jubilant.any_error
    )
    assert messages(status, "minipg") == {("active", "serving 1 databases")}
    creds = juju.run("data-integrator/leader", "get-credentials").results["postgresql"]
    assert creds["database"] == "app"
    assert creds["username"].startswith("relation_id_")
    assert creds["endpoints"].endswith(":5432")

    juju.remove_relation("data-integrator:postgresql", "minipg:database")
    juju.wait(lambda s: messages(s, "minipg") == {("active", "serving 0 databases")})


@needs_examples("minica")
def test_minica_signs_for_canonical_requirers(juju: jubilant.Juju, packed) -> None:
    charms = packed("minica")
    juju.deploy(charms["minica"], "minica")
    juju.deploy("tls-certificates-requirer", "requirer", num_units=2)
    juju.integrate("requirer:certificates", "minica:certificates")
    status = juju.wait(
        lambda s: jubilant.all_active(s, "minica", "requirer"), error=jubilant.any_error
    )
    assert messages(status, "minica") == {("active", "2 certificates issued")}
    ca = juju.run("minica/leader", "get-ca-certificate").results["ca-certificate"]
    assert ca.startswith("-----BEGIN CERTIFICATE-----"), ca


@needs_examples("blog", "minipg", "minica")
def test_blog_with_minipg_and_minica(juju: jubilant.Juju, packed) -> None:
    charms = packed("blog", "minipg", "minica")
    juju.deploy(charms["blog"], "blog2")
    if "minipg" not in juju.status().apps:
        juju.deploy(charms["minipg"], "minipg")
    if "minica" not in juju.status().apps:
        juju.deploy(charms["minica"], "minica")
    juju.integrate("blog2:database", "minipg:database")
    juju.integrate("blog2:certificates", "minica:certificates")
    status = juju.wait(lambda s: jubilant.all_active(s, "blog2"), error=jubilant.any_error)
    assert messages(status, "blog2") == {("active", "ready (tls)")}
