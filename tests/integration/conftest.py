"""Fixtures: a temporary Juju model per test module, and the charms, packed once.

Tests marked `juju` need a controller; without one they are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import jubilant
import pytest

from charms import controller_unavailable, pack


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--keep-models",
        action="store_true",
        help="keep the temporary Juju models the tests make (to look at them afterwards)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "juju: needs a reachable Juju controller")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any("juju" in item.keywords for item in items):
        return
    reason = controller_unavailable()
    if reason:
        for item in items:
            if "juju" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def packed() -> Callable[..., dict[str, Path]]:
    """`packed("database", "webapp")`: those charms' `.charm` files, packed once per run."""
    cache: dict[str, Path] = {}

    def get(*names: str) -> dict[str, Path]:
        todo = [n for n in names if n not in cache]
        if todo:
            cache.update(pack(todo))
        return {n: cache[n] for n in names}

    return get


@pytest.fixture(scope="module")
def juju(request: pytest.FixtureRequest) -> Iterator[jubilant.Juju]:
    """A temporary model, destroyed after the module (kept with --keep-models)."""
    with jubilant.temp_model(keep=request.config.getoption("--keep-models")) as juju:
        juju.wait_timeout = 20 * 60
        yield juju
        if request.session.testsfailed:
            print(juju.debug_log(limit=300), end="")
