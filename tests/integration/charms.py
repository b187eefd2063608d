"""The suite's plumbing: is there a Juju controller, and this repository's charms, packed.

Pure Python, tested without Juju by test_suite_helpers.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# `cargo charm pack` prints one line per charm: `packed <path> (<size> bytes)`.
_PACKED = re.compile(r"^packed (?P<path>\S+\.charm) \((?P<size>\d+) bytes\)$")


def controller_unavailable(juju: str | None = None) -> str | None:
    """Why the suite cannot use a Juju controller, or None when it can.

    The controller is the one the `juju` CLI on PATH (or *juju*) talks to; it must
    answer `juju show-controller`.
    """
    if os.environ.get("CHARM_RS_SKIP_JUJU"):
        return "CHARM_RS_SKIP_JUJU is set"
    juju = juju or shutil.which("juju")
    if not juju:
        return "no `juju` CLI on PATH (install it and bootstrap a controller: `juju bootstrap localhost`)"
    try:
        out = subprocess.run(
            [juju, "show-controller", "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"`juju show-controller` did not answer: {e}"
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"no Juju controller reachable: `juju show-controller` says {last}"
    return None


def missing_examples(*names: str) -> list[str]:
    """The example charms of *names* that this checkout does not have."""
    return [n for n in names if not (REPO / "examples" / n / "Cargo.toml").is_file()]


def needs_examples(*names: str) -> pytest.MarkDecorator:
    """A mark that skips a test unless this checkout has the example charms *names*."""
    missing = missing_examples(*names)
    return pytest.mark.skipif(
        bool(missing),
        reason="absent in this checkout: " + ", ".join(f"examples/{n}" for n in missing),
    )


def parse_pack_output(stdout: str) -> dict[str, list[Path]]:
    """Charm name -> the `.charm` files `cargo charm pack` reported, one per platform."""
    packed: dict[str, list[Path]] = {}
    for line in stdout.splitlines():
        m = _PACKED.match(line.strip())
        if m:
            path = Path(m["path"])
            # `<name>_<platform>.charm`; a charm's name has no `_`.
            packed.setdefault(path.name.split("_", 1)[0], []).append(path)
    return packed


def pack(packages: Iterable[str], cargo: str | None = None) -> dict[str, Path]:
    """Pack *packages* with `cargo charm pack -p ...` at the repository root.

    Returns each charm's `.charm` file (the first platform's, when it declares several).
    Raises RuntimeError with cargo's output when packing fails or a charm is missing.
    """
    packages = list(packages)
    cmd = [cargo or os.environ.get("CARGO", "cargo"), "charm", "pack"]
    for p in packages:
        cmd += ["-p", p]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({out.returncode}):\n{out.stderr}")
    packed = parse_pack_output(out.stdout)
    missing = [p for p in packages if p not in packed]
    if missing:
        raise RuntimeError(f"`{' '.join(cmd)}` packed no charm for {missing}:\n{out.stdout}")
    return {p: packed[p][0] for p in packages}
