"""The suite's own plumbing (charms.py), tested without Juju: this runs everywhere,
and in `cargo test` (tests/integration_suite.rs), so the suite does not rot."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import charms


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_parse_pack_output_takes_every_packed_line() -> None:
    out = (
        "packed /t/charms/database_amd64.charm (1234 bytes)\n"
        "packed /t/charms/multi-base_ubuntu@22.04-amd64.charm (9 bytes)\n"
        "packed /t/charms/multi-base_ubuntu@24.04-amd64.charm (9 bytes)\n"
        "laid out /t/charms/database\n"
    )
    assert charms.parse_pack_output(out) == {
        "database": [Path("/t/charms/database_amd64.charm")],
        "multi-base": [
            Path("/t/charms/multi-base_ubuntu@22.04-amd64.charm"),
            Path("/t/charms/multi-base_ubuntu@24.04-amd64.charm"),
        ],
    }


def test_pack_runs_cargo_charm_pack_at_the_repository_root(tmp_path: Path) -> None:
    argv = tmp_path / "argv"
    cargo = script(
        tmp_path / "cargo",
        f'pwd > {argv}; echo "$@" >> {argv}\n'
        'echo "packed /t/charms/database_amd64.charm (10 bytes)"\n'
        'echo "packed /t/charms/webapp_amd64.charm (20 bytes)"\n',
    )
    assert charms.pack(["database", "webapp"], cargo=str(cargo)) == {
        "database": Path("/t/charms/database_amd64.charm"),
        "webapp": Path("/t/charms/webapp_amd64.charm"),
    }
    cwd, args = argv.read_text().splitlines()
    assert Path(cwd) == charms.REPO
    assert args == "charm pack -p database -p webapp"


def test_pack_says_why_it_failed(tmp_path: Path) -> None:
    failing = script(tmp_path / "cargo", 'echo "error: no package blog" >&2; exit 1\n')
    with pytest.raises(RuntimeError, match="no package blog"):
        charms.pack(["blog"], cargo=str(failing))
    silent = script(tmp_path / "cargo2", "exit 0\n")
    with pytest.raises(RuntimeError, match=r"packed no charm for \['blog'\]"):
        charms.pack(["blog"], cargo=str(silent))


def test_a_controller_is_what_juju_show_controller_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHARM_RS_SKIP_JUJU", raising=False)
    none = script(tmp_path / "juju-none", 'echo "ERROR No controllers registered." >&2; exit 1\n')
    assert charms.controller_unavailable(str(none)) == (
        "no Juju controller reachable: `juju show-controller` says "
        "ERROR No controllers registered."
    )
    ok = script(tmp_path / "juju-ok", 'echo "{}"\n')
    assert charms.controller_unavailable(str(ok)) is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert "no `juju` CLI on PATH" in charms.controller_unavailable()
    monkeypatch.setenv("CHARM_RS_SKIP_JUJU", "1")
    assert charms.controller_unavailable(str(ok)) == "CHARM_RS_SKIP_JUJU is set"


def test_examples_are_found_in_the_checkout() -> None:
    assert charms.missing_examples("database", "webapp") == []
    assert charms.missing_examples("database", "no-such-example") == ["no-such-example"]
    mark = charms.needs_examples("no-such-example")
    assert mark.kwargs["reason"] == "absent in this checkout: examples/no-such-example"


def test_every_test_that_deploys_is_marked_juju() -> None:
    # Without the `juju` mark a test that deploys would fail, not skip, where there is
    # no controller: collecting the deploying modules without it selects nothing.
    here = Path(__file__).parent
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
         "-m", "not juju", "test_examples.py", "test_ecosystem.py"],
        cwd=here, capture_output=True, text=True,
    )
    assert re.search(r"no tests collected \(\d+ deselected\)", out.stdout), out.stdout + out.stderr
