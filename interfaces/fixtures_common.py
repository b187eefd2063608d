"""Shared by the fixture generators of the interface crates (see generate-fixtures.sh).

Runs the Python interop charms of `tests/python-charms` (the real libraries, unmodified)
under `ops.testing` (Scenario 8, the state-transition testing of ops 3.9) and records
what they read and wrote. Input databags are given with their keys sorted, as real Juju
hands them to a charm (`relation-get --format=json` prints a Go map: sorted keys), since
the libraries' JSON encodings keep the order in which they read keys.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import random
import sys
import tempfile

import yaml
from ops import testing

REPO = pathlib.Path(__file__).resolve().parent.parent
CHARMS = REPO / 'tests' / 'python-charms'
JUJU_VERSION = '3.6.8'

# Unit databags that Juju fills in itself (Scenario's defaults).
JUJU_UNIT_KEYS = {'egress-subnets', 'ingress-address', 'private-address'}

os.chdir(tempfile.mkdtemp(prefix='fixtures-'))  # the charms write files in their cwd
sys.path.insert(0, str(CHARMS / 'lib'))


def load_charm(name: str):
    """Import `tests/python-charms/<name>/src/charm.py` as a module."""
    module_name = name.replace('-', '_')
    spec = importlib.util.spec_from_file_location(module_name, CHARMS / name / 'src' / 'charm.py')
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def context(charm_class, name: str, app: str, unit_id: int = 0) -> testing.Context:
    directory = CHARMS / name
    kwargs = {'meta': yaml.safe_load((directory / 'metadata.yaml').read_text())}
    for key in ('config', 'actions'):
        path = directory / f'{key}.yaml'
        if path.exists():
            kwargs[key] = yaml.safe_load(path.read_text())
    return testing.Context(
        charm_class, app_name=app, unit_id=unit_id, juju_version=JUJU_VERSION, **kwargs
    )


def sorted_bag(bag) -> dict[str, str]:
    return {k: bag[k] for k in sorted(bag)}


def charm_keys(bag) -> dict[str, str]:
    """A unit databag without the keys Juju writes itself."""
    return {k: v for k, v in sorted(bag.items()) if k not in JUJU_UNIT_KEYS}


def secret_record(secret: testing.Secret) -> dict:
    return {
        'id': secret.id,
        'label': secret.label,
        'owner': secret.owner,
        'content': dict(sorted(secret.latest_content.items())),
        'grants': {str(k): sorted(v) for k, v in secret.remote_grants.items()},
        'expire': secret.expire.isoformat() if secret.expire else None,
    }


def event_kinds(ctx: testing.Context) -> list[str]:
    return [e.handle.kind for e in ctx.emitted_events]


def seed(n: int):
    """Salts (`random.choices`) and Scenario's secret ids (`random.choice`) repeat per run."""
    random.seed(n)


def write(directory: pathlib.Path, name: str, fixture: dict):
    fixture = {'generated-by': GENERATED_BY, **fixture}
    (directory / name).write_text(json.dumps(fixture, indent=2, sort_keys=False) + '\n')
    print(f'wrote {directory.name}/{name}')


GENERATED_BY = (
    'interfaces/generate-fixtures.sh: the charms of tests/python-charms under ops.testing '
    '(ops 3.9.0, Scenario 8); do not edit'
)
