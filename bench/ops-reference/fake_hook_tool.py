#!/usr/bin/env python3
"""A tiny stand-in for Juju's hook tools, enough to dispatch the reference charms.

smoke.sh symlinks every tool name (juju-log, relation-get, secret-add, ...) to
this file. State lives in the JSON file $FAKE_JUJU_STATE:

    {"unit": "database/0", "leader": true, "config": {...},
     "relations": {"<id>": {"endpoint": "db", "app": "webapp", "units": ["webapp/0"],
                            "data": {"<unit or app name>": {"k": "v"}}}},
     "secrets": {"<id>": {"owner": "application", "label": "...", "content": {...},
                          "grants": [[<relation id>, <unit or null>]]}},
     "status": {"unit": [status, message], "app": [...]},
     "log": [[level, message]], "calls": [[tool, arg, ...]]}

Writes happen at once (no commit-at-exit): good enough for a smoke test.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys

STATE = pathlib.Path(os.environ['FAKE_JUJU_STATE'])


def fail(msg: str, code: int = 1):
    print(f'ERROR {msg}', file=sys.stderr)
    sys.exit(code)


def rel_id(ref: str) -> str:
    return ref.rsplit(':', 1)[-1]


def pop_opt(args: list[str], name: str) -> str | None:
    for i, a in enumerate(args):
        if a == name:
            args.pop(i)
            return args.pop(i)
        if a.startswith(name + '='):
            args.pop(i)
            return a.split('=', 1)[1]
    return None


def pop_flag(args: list[str], name: str) -> bool:
    if name in args:
        args.remove(name)
        return True
    return False


def main() -> None:
    tool = pathlib.Path(sys.argv[0]).name
    args = sys.argv[1:]
    state = json.loads(STATE.read_text())
    state.setdefault('calls', []).append([tool, *args])
    out = None
    pop_flag(args, '--format=json')
    env_rel = os.environ.get('JUJU_RELATION_ID', '')
    if tool == 'juju-log':
        level = pop_opt(args, '--log-level') or 'INFO'
        pop_flag(args, '--')
        state.setdefault('log', []).append([level, ' '.join(args)])
    elif tool == 'is-leader':
        out = state.get('leader', False)
    elif tool == 'config-get':
        out = state.get('config', {})
    elif tool == 'relation-ids':
        out = [f'{r["endpoint"]}:{i}' for i, r in state['relations'].items() if r['endpoint'] == args[0]]
    elif tool in ('relation-list', 'relation-get', 'relation-set'):
        ref = pop_opt(args, '-r') or env_rel
        rel = state['relations'].get(rel_id(ref))
        if rel is None:
            fail(f'relation not found: {ref!r}', 2)
        app = pop_flag(args, '--app')
        if tool == 'relation-list':
            out = [rel['app']] if app else rel['units']
        elif tool == 'relation-get':
            key, owner = (args + ['-', os.environ.get('JUJU_REMOTE_UNIT', '')])[:2]
            bag = rel['data'].get(owner, {})
            out = bag if key == '-' else bag.get(key)
        else:
            pop_opt(args, '--file')
            me = state['unit'].split('/')[0] if app else state['unit']
            bag = rel['data'].setdefault(me, {})
            for k, v in json.loads(sys.stdin.read()).items():
                if v == '':
                    bag.pop(k, None)
                else:
                    bag[k] = v
    elif tool == 'status-set':
        app = pop_opt(args, '--application') == 'True'
        pop_flag(args, '--')
        state.setdefault('status', {})['app' if app else 'unit'] = [args[0], ' '.join(args[1:])]
    elif tool == 'secret-add':
        label = pop_opt(args, '--label')
        owner = pop_opt(args, '--owner') or 'application'
        content = {}
        for a in args:
            k, v = a.split('=', 1)
            if k.endswith('#file'):
                k, v = k[: -len('#file')], pathlib.Path(v).read_text()
            content[k] = v
        state['next-secret'] = state.get('next-secret', 0) + 1
        xid = f'd{state["next-secret"]:019d}'
        state.setdefault('secrets', {})
        sid = f'secret:{xid}'
        state['secrets'][xid] = {'owner': owner, 'label': label, 'content': content, 'grants': []}
        out = sid
    elif tool in ('secret-get', 'secret-info-get', 'secret-grant', 'secret-remove'):
        label = pop_opt(args, '--label')
        relation = pop_opt(args, '--relation')
        unit = pop_opt(args, '--unit')
        pop_flag(args, '--refresh')
        pop_flag(args, '--peek')
        secrets = state.setdefault('secrets', {})
        # ops sends `secret://<model-uuid>/<xid>`; Juju also takes `secret:<xid>`.
        sid = next((a.rsplit('/', 1)[-1].rsplit(':', 1)[-1] for a in args if a.startswith('secret:')), None)
        if sid is None and label is not None:
            sid = next((i for i, s in secrets.items() if s['label'] == label), None)
        if sid not in secrets:
            fail(f'secret {sid or label!r} not found', 2)
        if tool == 'secret-get':
            out = secrets[sid]['content']
        elif tool == 'secret-info-get':
            info = secrets[sid]
            out = {f'secret:{sid}': {'label': info['label'], 'owner': info['owner'], 'revision': 1}}
        elif tool == 'secret-grant':
            secrets[sid]['grants'].append([int(relation), unit])
        else:
            del secrets[sid]
    else:
        fail(f'fake_hook_tool: unsupported tool {tool}')
    STATE.write_text(json.dumps(state, indent=1, sort_keys=True))
    if out is not None:
        print(out if isinstance(out, str) else json.dumps(out))


if __name__ == '__main__':
    main()
