#!/usr/bin/env python3
"""Scale, ops side: replicas-relation-changed on webapp's leader with N peer units.

The ops reference webapp (bench/ops-reference/webapp) in ops.testing, with the same state
as examples/webapp/benches/peers.rs: a ready `db` relation and its secret, and N peer
units that all say `ready=true`. Hook-tool calls are counted as calls into the mocked
model backend's tool methods (relation_get, relation_list, ...), which stand for one hook
tool each in a real hook.

Usage: python peers_bench.py      (bench/run.sh scale runs it in target/venv-ops)
"""

from __future__ import annotations

import functools
import pathlib
import statistics
import sys
import tempfile
import time

import yaml

HERE = pathlib.Path(__file__).resolve().parent
WEBAPP = HERE.parent / 'ops-reference' / 'webapp'
sys.path.insert(0, str(WEBAPP / 'src'))

import ops  # noqa: E402
from ops import testing as scenario  # noqa: E402
from ops.model import _ModelBackend  # noqa: E402

import charm as webapp  # noqa: E402

TOOLS = [
    name
    for name in vars(_ModelBackend)
    if not name.startswith('_')
    and callable(getattr(_ModelBackend, name))
    and name not in ('add_metrics',)
]
CALLS = [0]


def count_backend_calls() -> None:
    """Wrap the tool methods of Scenario's mocked backend to count them."""
    from scenario._ops_main_mock import _MockModelBackend  # type: ignore  # noqa: PLC0415

    for name in TOOLS:
        fn = getattr(_MockModelBackend, name, None)
        if fn is None or not callable(fn):
            continue

        def wrap(fn):
            @functools.wraps(fn)
            def counted(*args, **kwargs):
                CALLS[0] += 1
                return fn(*args, **kwargs)

            return counted

        setattr(_MockModelBackend, name, wrap(fn))


def main() -> None:
    try:
        count_backend_calls()
        counting = True
    except ImportError:
        counting = False
    meta = yaml.safe_load((WEBAPP / 'charmcraft.yaml').read_text())
    config = meta.pop('config', None)
    root = tempfile.mkdtemp(prefix='webapp-bench-')
    ctx = scenario.Context(webapp.WebappCharm, meta=meta, config=config, charm_root=root)
    secret = scenario.Secret({'username': 'webapp_user', 'password': 's3cret'})
    db = scenario.Relation(
        'db',
        remote_app_name='database',
        remote_units_data={0: {}},
        remote_app_data={
            'database': 'webapp',
            'credentials': secret.id,
            'endpoints': 'database-0.database:5432',
        },
    )
    print('| peer units N | hook-tool calls | median µs | p95 µs | µs per peer (median) |')
    print('|---:|---:|---:|---:|---:|')
    for n in (1, 10, 100, 1000):
        peers = scenario.PeerRelation('replicas', peers_data={i: {'ready': 'true'} for i in range(1, n + 1)})
        state = scenario.State(leader=True, relations={db, peers}, secrets={secret})
        CALLS[0] = 0
        out = ctx.run(ctx.on.relation_changed(peers, remote_unit=1), state)
        calls = CALLS[0] if counting else -1
        assert out.app_status == ops.ActiveStatus(f'{n + 1} of {n + 1} units ready'), out.app_status
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < 1.0 or len(times) < 5:
            t = time.perf_counter()
            ctx.run(ctx.on.relation_changed(peers, remote_unit=1), state)
            times.append((time.perf_counter() - t) * 1e6)
        times.sort()
        med = statistics.median(times)
        p95 = times[max(0, -(-len(times) * 95 // 100) - 1)]
        print(f'| {n} | {calls} | {med:.0f} | {p95:.0f} | {med / n:.2f} |')


if __name__ == '__main__':
    main()
