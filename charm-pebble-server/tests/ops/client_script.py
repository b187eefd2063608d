"""ops.pebble.Client (ops 3.9, unchanged) against charm-pebble-server.

Usage: python3 client_script.py <socket>. Exits non-zero on the first failed check.
"""

import sys
import time

import ops.pebble as pebble

c = pebble.Client(socket_path=sys.argv[1])

# System info and layers.
assert c.get_system_info().version.startswith('charm-pebble-server/')
c.add_layer(
    'base',
    {
        'summary': 'base',
        'services': {
            'svc': {
                'override': 'replace',
                'command': "sh -c 'echo $$ > pid; exec sleep 300'",
                'startup': 'enabled',
            },
        },
    },
    combine=True,
)
c.add_layer('base', 'services:\n  svc:\n    override: merge\n    environment: {A: "1"}\n', combine=True)
plan = c.get_plan()
assert plan.services['svc'].environment == {'A': '1'}, plan.to_yaml()
try:
    c.add_layer('bad', {'services': {'x': {'command': 'y'}}})
    raise AssertionError('a layer without override was accepted')
except pebble.APIError as e:
    assert e.code == 400 and 'must define "override"' in e.message, e.message

# Services.
change_id = c.replan_services()
assert c.get_change(change_id).ready
[svc] = c.get_services(['svc'])
assert svc.is_running() and svc.startup == pebble.ServiceStartup.ENABLED
c.send_signal('SIGCONT', ['svc'])
c.stop_services(['svc'])
assert not c.get_services(['svc'])[0].is_running()
c.start_services(['svc'])
c.restart_services(['svc'])
assert c.get_services()[0].current == pebble.ServiceStatus.ACTIVE
try:
    c.start_services(['nope'])
    raise AssertionError('an unknown service started')
except pebble.APIError as e:
    assert 'service "nope" does not exist' in e.message, e.message
assert c.wait_change(change_id, timeout=5).status == 'Done'

# Files.
c.push('/etc/app/app.conf', 'port = 80\n', make_dirs=True, permissions=0o600)
with c.pull('/etc/app/app.conf') as f:
    assert f.read() == 'port = 80\n'
[info] = c.list_files('/etc/app/app.conf')
assert info.permissions == 0o600 and info.size == 10 and info.type == pebble.FileType.FILE
assert info.user == 'root' and info.user_id == 0
c.make_dir('/data/x', make_parents=True, permissions=0o750)
assert [i.name for i in c.list_files('/data')] == ['x']
assert c.list_files('/data', itself=True)[0].type == pebble.FileType.DIRECTORY
c.remove_path('/data', recursive=True)
try:
    c.pull('/nope')
    raise AssertionError('pulled a missing file')
except pebble.PathError as e:
    assert e.kind == 'not-found', e
big = bytes(range(256)) * 4000
c.push('/big', big)
with c.pull('/big', encoding=None) as f:
    assert f.read() == big

# Exec.
p = c.exec(['sh', '-c', 'cat; echo err >&2'], stdin='hello')
out, err = p.wait_output()
assert (out, err) == ('hello', 'err\n'), (out, err)
try:
    c.exec(['sh', '-c', 'exit 3']).wait()
    raise AssertionError('a failing command succeeded')
except pebble.ExecError as e:
    assert e.exit_code == 3
p = c.exec(['sh', '-c', 'while read l; do echo got $l; done'])
p.stdin.write('a\n')
p.stdin.flush()
assert p.stdout.readline() == 'got a\n'
p.stdin.close()
p.wait()
p = c.exec(['pwd'], working_dir='/etc')
out, _ = p.wait_output()
assert out.strip().endswith('/etc'), out
try:
    c.exec(['no-such-program'])
    raise AssertionError('a missing program ran')
except pebble.APIError as e:
    assert 'cannot find executable' in e.message

# Checks.
c.add_layer(
    'checks',
    {'checks': {'alive': {'override': 'replace', 'period': '1h', 'threshold': 1, 'exec': {'command': 'true'}}}},
)
[chk] = c.get_checks()
assert chk.name == 'alive' and chk.status == pebble.CheckStatus.UP and chk.threshold == 1
assert c.stop_checks(['alive']) == ['alive']
assert c.get_checks()[0].status == pebble.CheckStatus.INACTIVE
assert c.start_checks(['alive']) == ['alive']

# Notices.
nid = c.notify(pebble.NoticeType.CUSTOM, 'example.com/ready', data={'a': 'b'})
n = c.get_notice(nid)
assert n.key == 'example.com/ready' and n.last_data == {'a': 'b'} and n.occurrences == 1
assert [x.id for x in c.get_notices(types=[pebble.NoticeType.CUSTOM])] == [nid]
assert c.get_notices(keys=['example.com/other']) == []
updates = c.get_notices(types=[pebble.NoticeType.CHANGE_UPDATE])
assert any(u.last_data.get('kind') == 'replan' for u in updates)

print('ops client: all checks passed')
