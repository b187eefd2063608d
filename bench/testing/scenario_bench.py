#!/usr/bin/env python3
"""How many Scenario runs per second ops.testing (ops 3.9, ops-scenario 8.9) does.

The same charm, state and event as charm-runtime/benches/scenario.rs: a relation-changed
on `db` for a charm with 3 relations (peer `replicas`, provides `website`, requires
`db`); the handler loads typed remote app data, saves its app data (leader) and sets its
status. Warm up, then measure for ~2 s, timing each run.

Usage: python scenario_bench.py [seconds]      (bench/run.sh testing runs it in target/venv-ops)
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import ops
from ops import testing as scenario

META = {
    'name': 'bench',
    'summary': 'Benchmark charm',
    'description': 'Three relations.',
    'peers': {'replicas': {'interface': 'bench_peers'}},
    'provides': {'website': {'interface': 'http'}},
    'requires': {'db': {'interface': 'postgresql_client', 'limit': 1}},
}


@dataclasses.dataclass
class DbData:
    host: str
    port: int


@dataclasses.dataclass
class Published:
    url: str
    port: int


class BenchCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on['db'].relation_changed, self._on_db_changed)

    def _on_db_changed(self, event: ops.RelationChangedEvent):
        db = event.relation.load(DbData, event.relation.app)
        if self.unit.is_leader():
            event.relation.save(
                Published(url=f'postgresql://{db.host}:{db.port}', port=db.port), self.app
            )
        self.unit.status = ops.ActiveStatus(f'db at {db.host}')


def main() -> None:
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    ctx = scenario.Context(BenchCharm, meta=META)
    db = scenario.Relation(
        'db',
        remote_app_name='postgresql',
        remote_app_data={'host': '"db0"', 'port': '5432'},
        remote_units_data={0: {'ingress-address': '10.0.0.5'}},
    )
    website = scenario.Relation(
        'website',
        remote_app_name='haproxy',
        remote_units_data={0: {'ingress-address': '10.0.0.9'}, 1: {'ingress-address': '10.0.0.10'}},
    )
    peers = scenario.PeerRelation('replicas', peers_data={1: {'ready': 'true'}})
    state = scenario.State(leader=True, relations={db, website, peers})
    event = ctx.on.relation_changed(db, remote_unit=0)

    # Check once that the run does what it should.
    out = ctx.run(event, state)
    assert out.get_relation(db.id).local_app_data['url'] == '"postgresql://db0:5432"', out
    assert out.unit_status == ops.ActiveStatus('db at db0')

    for _ in range(50):
        ctx.run(ctx.on.relation_changed(db, remote_unit=0), state)
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget:
        t = time.perf_counter()
        ctx.run(ctx.on.relation_changed(db, remote_unit=0), state)
        times.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    times.sort()
    p95 = times[max(0, -(-len(times) * 95 // 100) - 1)]
    print(
        f'ops.testing: relation-changed on a charm with 3 relations: {len(times) / elapsed:.0f} runs/s '
        f'(median {statistics.median(times) * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms per run, '
        f'{len(times)} runs in {elapsed:.2f} s; ops {ops.__version__})'
    )


if __name__ == '__main__':
    main()
