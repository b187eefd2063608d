"""Dispatch the built reference charms through `./dispatch` with fake hook tools.

Usage: python3 smoke.py <outdir>   (the dir build.sh wrote; see smoke.sh)

Checks that the built charm dirs run under ops 3.9 the way Juju runs them
(cwd = charm dir, JUJU_DISPATCH_PATH=hooks/<hook>, hook tools on PATH), that
the observable results match the spec, and times each dispatch.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
TOOLS = (
    'juju-log is-leader config-get relation-ids relation-list relation-get relation-set '
    'status-set secret-add secret-get secret-info-get secret-grant secret-remove'
).split()
timings: list[tuple[str, float, int]] = []


class Unit:
    def __init__(self, outdir: pathlib.Path, charm: str, unit: str, state: dict, tmp: pathlib.Path):
        self.dir = tmp / unit.replace('/', '-')
        shutil.copytree(outdir / charm, self.dir, symlinks=True)
        self.bin = tmp / 'bin'
        if not self.bin.exists():
            self.bin.mkdir()
            for tool in TOOLS:
                (self.bin / tool).symlink_to(HERE / 'fake_hook_tool.py')
        self.state_file = tmp / f'{unit.replace("/", "-")}.json'
        self.unit = unit
        self.state_file.write_text(json.dumps({'unit': unit, **state}))

    @property
    def state(self) -> dict:
        return json.loads(self.state_file.read_text())

    def dispatch(self, hook: str, relation: str | None = None, remote_unit: str = '',
                 departing: str = '') -> dict:
        env = {
            # The interpreter running this script first: `#!/usr/bin/env python3` must not
            # go through a slow shim (pyenv) or the timings measure the shim.
            'PATH': f'{self.bin}:{pathlib.Path(sys.executable).parent}:{os.environ["PATH"]}',
            'FAKE_JUJU_STATE': str(self.state_file),
            'JUJU_UNIT_NAME': self.unit,
            'JUJU_CHARM_DIR': str(self.dir),
            'JUJU_DISPATCH_PATH': f'hooks/{hook}',
            'JUJU_HOOK_NAME': hook,
            'JUJU_MODEL_NAME': 'smoke',
            'JUJU_MODEL_UUID': '00000000-0000-4000-8000-000000000000',
            'JUJU_VERSION': '3.6.14',
        }
        if relation is not None:
            rel = self.state['relations'][relation]
            env.update(JUJU_RELATION=rel['endpoint'], JUJU_RELATION_ID=f'{rel["endpoint"]}:{relation}',
                       JUJU_REMOTE_APP=rel['app'], JUJU_REMOTE_UNIT=remote_unit)
            if departing:
                env['JUJU_DEPARTING_UNIT'] = departing
        calls = len(self.state.get('calls', []))
        start = time.perf_counter()
        proc = subprocess.run(['./dispatch'], cwd=self.dir, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        timings.append((f'{self.unit} {hook}', elapsed, len(self.state.get('calls', [])) - calls))
        if proc.returncode != 0:
            sys.exit(f'{self.unit} {hook}: exit {proc.returncode}\n{proc.stderr}\n{self.state.get("log")}')
        return self.state


def check(cond: bool, what: str):
    if not cond:
        sys.exit(f'smoke: FAILED: {what}')


def database(outdir, tmp):
    u = Unit(outdir, 'database', 'database/0', {
        'leader': True, 'config': {'max-databases': 10},
        'relations': {'0': {'endpoint': 'replicas', 'app': 'database', 'units': [], 'data': {}}},
    }, tmp)
    s = u.dispatch('install')
    check(s['status']['unit'] == ['active', 'primary, 0 databases'], f'install status {s["status"]}')
    s = u.dispatch('replicas-relation-created', '0')
    check(s['relations']['0']['data']['database/0'] == {'host': 'database-0.database'}, 'peer host')
    s = u.dispatch('leader-elected')
    check(s['relations']['0']['data']['database']['primary'] == 'database/0', 'primary')
    st = u.state
    st['relations']['3'] = {'endpoint': 'db', 'app': 'my-web', 'units': [], 'data': {}}
    u.state_file.write_text(json.dumps(st))
    s = u.dispatch('db-relation-created', '3')
    [(xid, secret)] = s['secrets'].items()
    check(secret['label'] == 'db-3' and secret['owner'] == 'application', f'secret {secret}')
    check(secret['content']['username'] == 'my_web_user' and len(secret['content']['password']) == 24,
          'secret content')
    check(secret['grants'] == [[3, None]], f'grant {secret["grants"]}')
    bag = s['relations']['3']['data']['database']
    check(bag['database'] == 'my_web' and bag['endpoints'] == 'database-0.database:5432'
          and bag['credentials'].endswith(xid), f'db app bag {bag}')
    check(json.loads(s['relations']['0']['data']['database']['databases']) == ['my_web'], 'databases')
    check(s['status']['unit'] == ['active', 'primary, 1 databases'], f'status {s["status"]}')
    s = u.dispatch('db-relation-broken', '3')
    check(json.loads(s['relations']['0']['data']['database']['databases']) == [], 'databases after broken')
    check(s['secrets'] == {}, 'secret removed')
    check(s['status']['unit'] == ['active', 'primary, 0 databases'], f'status {s["status"]}')


def mailserver(outdir, tmp):
    u = Unit(outdir, 'mailserver', 'mailserver/0', {
        'leader': True, 'config': {},
        'relations': {'5': {'endpoint': 'smtp', 'app': 'webapp', 'units': ['webapp/1'], 'data': {}}},
    }, tmp)
    s = u.dispatch('smtp-relation-joined', '5', remote_unit='webapp/1')
    [(xid, secret)] = s['secrets'].items()
    check(secret['label'] == 'smtp-webapp-1' and secret['owner'] == 'unit', f'secret {secret}')
    check(secret['grants'] == [[5, 'webapp/1']], f'grant {secret["grants"]}')
    bag = s['relations']['5']['data']['mailserver/0']
    check(bag['host'] == 'mailserver-0.mail' and bag['user-webapp-1'].endswith(xid), f'bag {bag}')
    check(s['status']['unit'] == ['active', '1 smtp users'], f'status {s["status"]}')
    st = u.state
    st['relations']['5']['units'] = []
    u.state_file.write_text(json.dumps(st))
    s = u.dispatch('smtp-relation-departed', '5', remote_unit='webapp/1', departing='webapp/1')
    check(s['relations']['5']['data']['mailserver/0'] == {'host': 'mailserver-0.mail'}, 'key removed')
    check(s['secrets'] == {}, 'secret removed')
    check(s['status']['unit'] == ['active', '0 smtp users'], f'status {s["status"]}')


def webapp(outdir, tmp):
    u = Unit(outdir, 'webapp', 'webapp/0', {
        'leader': True, 'config': {'config-path': 'webapp.conf'},
        'relations': {
            '0': {'endpoint': 'replicas', 'app': 'webapp', 'units': ['webapp/1'],
                  'data': {'webapp/1': {'ready': 'true'}}},
            '1': {'endpoint': 'db', 'app': 'database', 'units': ['database/0'],
                  'data': {'database': {}}},
            '2': {'endpoint': 'smtp', 'app': 'mailserver', 'units': ['mailserver/0'],
                  'data': {'mailserver/0': {'user-webapp-0': 'secret:d0000000000000000002',
                                            'host': 'mailserver-0.mail'}}},
        },
        'secrets': {
            'd0000000000000000001': {'owner': 'application', 'label': None, 'grants': [],
                                     'content': {'username': 'webapp_user', 'password': 'pw1'}},
            'd0000000000000000002': {'owner': 'unit', 'label': None, 'grants': [],
                                     'content': {'username': 'webapp-0', 'password': 'pw2'}},
        },
    }, tmp)
    conf = u.dir / 'webapp.conf'
    s = u.dispatch('config-changed')
    check(s['status']['unit'] == ['waiting', 'waiting for database credentials'], f'{s["status"]}')
    st = u.state
    st['relations']['1']['data']['database'] = {
        'database': 'webapp', 'credentials': 'secret:d0000000000000000001',
        'endpoints': 'database-0.database:5432'}
    u.state_file.write_text(json.dumps(st))
    s = u.dispatch('db-relation-changed', '1')
    check(conf.read_text() == 'database=webapp\nusername=webapp_user\npassword=pw1\n'
          'smtp_host=mailserver-0.mail\nsmtp_username=webapp-0\nsmtp_password=pw2\n',
          f'config file {conf.read_text()!r}')
    check(s['relations']['0']['data']['webapp/0'] == {'ready': 'true'}, 'ready')
    check(s['status'] == {'unit': ['active', 'ready'], 'app': ['active', '2 of 2 units ready']},
          f'status {s["status"]}')
    mtime = conf.stat().st_mtime_ns
    u.dispatch('upgrade-charm')
    check(conf.stat().st_mtime_ns == mtime, 'config file rewritten although unchanged')
    st = u.state
    del st['relations']['1']
    u.state_file.write_text(json.dumps(st))
    s = u.dispatch('config-changed')
    check(s['status']['unit'] == ['blocked', 'missing db relation'], f'{s["status"]}')
    check(not conf.exists(), 'config file deleted')


def main(outdir: str):
    out = pathlib.Path(outdir).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        for fn in (database, mailserver, webapp):
            sub = pathlib.Path(tmp, fn.__name__)
            sub.mkdir()
            fn(out, sub)
            print(f'smoke: {fn.__name__}: OK')
    # Wall time of ./dispatch, including the fake hook tools (each a Python process).
    for name, secs, calls in timings:
        print(f'  {secs * 1000:7.1f} ms  {calls:3d} hook-tool calls  {name}')
    total = sorted(t for _, t, _ in timings)
    print(f'smoke: {len(total)} dispatches, median {total[len(total) // 2] * 1000:.1f} ms '
          '(fake hook tools included)')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'target/ops-reference')
