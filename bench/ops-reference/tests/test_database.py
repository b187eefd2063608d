import json
import re

import ops
import pytest
from ops import testing

from conftest import load_charm

charm, META = load_charm('database')


@pytest.fixture
def ctx():
    return testing.Context(charm.DatabaseCharm, meta=META)


def peer(databases=None, **app):
    data = dict(app)
    if databases is not None:
        data['databases'] = json.dumps(databases)
    return testing.PeerRelation('replicas', local_app_data=data)


def db(app='my-app', **kw):
    return testing.Relation('db', remote_app_name=app, **kw)


def test_created_leader_creates_database(ctx):
    rel, p = db('my-app'), peer(['zeta', 'alpha'])
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel, p}))

    secret = out.get_secret(label=f'db-{rel.id}')
    assert secret.owner == 'app'
    assert secret.tracked_content['username'] == 'my_app_user'
    assert re.fullmatch(r'[A-Za-z0-9]{24}', secret.tracked_content['password'])
    assert set(secret.tracked_content) == {'username', 'password'}
    assert secret.remote_grants == {rel.id: {'my-app'}}

    local = out.get_relation(rel.id).local_app_data
    assert local == {
        'database': 'my_app',
        'credentials': secret.id,
        'endpoints': 'database-0.database:5432',
    }
    peer_data = out.get_relation(p.id).local_app_data
    assert json.loads(peer_data['databases']) == ['alpha', 'my_app', 'zeta']
    assert out.unit_status == testing.ActiveStatus('primary, 3 databases')


def test_created_no_duplicates(ctx):
    rel, p = db('my-app'), peer(['my_app'])
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel, p}))
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == ['my_app']
    assert out.unit_status == testing.ActiveStatus('primary, 1 databases')


def test_created_first_database_with_empty_peer_bag(ctx):
    rel, p = db('web'), peer()
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel, p}))
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == ['web']
    assert out.unit_status == testing.ActiveStatus('primary, 1 databases')


def test_created_too_many(ctx):
    rel, p = db('my-app'), peer(['a', 'b'])
    state = testing.State(leader=True, relations={rel, p}, config={'max-databases': 2})
    out = ctx.run(ctx.on.relation_created(rel), state)
    assert out.unit_status == testing.BlockedStatus('too many databases')
    assert not out.secrets
    assert out.get_relation(rel.id).local_app_data == {}
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == ['a', 'b']


def test_created_default_limit_is_ten(ctx):
    rel, p = db('my-app'), peer([f'db{i}' for i in range(10)])
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel, p}))
    assert out.unit_status == testing.BlockedStatus('too many databases')


def test_created_follower_does_nothing(ctx):
    rel, p = db('my-app'), peer(['a'])
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=False, relations={rel, p}))
    assert not out.secrets
    assert out.get_relation(rel.id).local_app_data == {}
    assert out.unit_status == testing.ActiveStatus('replica')


def test_created_invalid_peer_data_blocks(ctx):
    rel = db('my-app')
    p = testing.PeerRelation('replicas', local_app_data={'databases': 'not json'})
    out = ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel, p}))
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('invalid peer data')
    assert not out.secrets


def test_invalid_config_blocks(ctx):
    rel, p = db('my-app'), peer([])
    state = testing.State(leader=True, relations={rel, p}, config={'max-databases': -1})
    out = ctx.run(ctx.on.relation_created(rel), state)
    assert out.unit_status == testing.BlockedStatus(
        'Invalid config: max-databases must not be negative'
    )


def test_broken_drops_database(ctx):
    rel, p = db('my-app'), peer(['my_app', 'other'])
    secret = testing.Secret(
        {'username': 'my_app_user', 'password': 'x' * 24}, owner='app', label=f'db-{rel.id}'
    )
    keep = testing.Secret({'username': 'other_user', 'password': 'y' * 24}, owner='app',
                          label='db-999')
    state = testing.State(leader=True, relations={rel, p}, secrets={secret, keep})
    out = ctx.run(ctx.on.relation_broken(rel), state)
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == ['other']
    assert [s.label for s in out.secrets] == ['db-999']
    assert out.unit_status == testing.ActiveStatus('primary, 1 databases')


def test_broken_without_secret_still_drops_name(ctx):
    rel, p = db('my-app'), peer(['my_app'])
    out = ctx.run(ctx.on.relation_broken(rel), testing.State(leader=True, relations={rel, p}))
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == []
    assert out.unit_status == testing.ActiveStatus('primary, 0 databases')


def test_broken_follower_does_nothing(ctx):
    rel, p = db('my-app'), peer(['my_app'])
    secret = testing.Secret({'username': 'my_app_user', 'password': 'x' * 24}, owner='app',
                            label=f'db-{rel.id}')
    state = testing.State(leader=False, relations={rel, p}, secrets={secret})
    out = ctx.run(ctx.on.relation_broken(rel), state)
    assert len(out.secrets) == 1
    assert json.loads(out.get_relation(p.id).local_app_data['databases']) == ['my_app']
    assert out.unit_status == testing.ActiveStatus('replica')


def test_leader_elected_publishes_primary():
    ctx = testing.Context(charm.DatabaseCharm, meta=META, unit_id=2)
    p = peer(['a'], primary='database/0')
    out = ctx.run(ctx.on.leader_elected(), testing.State(leader=True, relations={p}))
    assert out.get_relation(p.id).local_app_data['primary'] == 'database/2'
    assert out.unit_status == testing.ActiveStatus('primary, 1 databases')


@pytest.mark.parametrize('event', ['joined', 'changed'])
def test_peer_joined_changed_publishes_primary(ctx, event):
    p = testing.PeerRelation('replicas', peers_data={1: {}})
    run = getattr(ctx.on, f'relation_{event}')
    out = ctx.run(run(p, remote_unit=1), testing.State(leader=True, relations={p}))
    assert out.get_relation(p.id).local_app_data == {'primary': 'database/0'}
    assert out.unit_status == testing.ActiveStatus('primary, 0 databases')


@pytest.mark.parametrize('event', ['joined', 'changed'])
def test_peer_joined_changed_follower(ctx, event):
    p = testing.PeerRelation('replicas', peers_data={0: {}}, local_app_data={'primary': 'database/0'})
    ctx = testing.Context(charm.DatabaseCharm, meta=META, unit_id=1)
    run = getattr(ctx.on, f'relation_{event}')
    out = ctx.run(run(p, remote_unit=0), testing.State(leader=False, relations={p}))
    assert out.get_relation(p.id).local_app_data == {'primary': 'database/0'}
    assert out.unit_status == testing.ActiveStatus('replica')


@pytest.mark.parametrize('leader', [True, False])
def test_peer_created_publishes_host(leader):
    ctx = testing.Context(charm.DatabaseCharm, meta=META, unit_id=3)
    p = testing.PeerRelation('replicas')
    out = ctx.run(ctx.on.relation_created(p), testing.State(leader=leader, relations={p}))
    assert out.get_relation(p.id).local_unit_data['host'] == 'database-3.database'


@pytest.mark.parametrize('leader,status', [(True, 'primary, 2 databases'), (False, 'replica')])
def test_status_every_hook(ctx, leader, status):
    state = testing.State(leader=leader, relations={peer(['a', 'b'])})
    for event in (ctx.on.install(), ctx.on.start(), ctx.on.update_status(), ctx.on.config_changed()):
        assert ctx.run(event, state).unit_status == testing.ActiveStatus(status)


def test_status_without_peer_relation(ctx):
    out = ctx.run(ctx.on.install(), testing.State(leader=True))
    assert out.unit_status == testing.ActiveStatus('primary, 0 databases')


def test_install_peer_data_unreadable(ctx, monkeypatch):
    """Juju refuses peer relation-get during install: still set a status, exit 0."""
    from scenario import mocking

    def denied(self, *args, **kwargs):
        raise ops.ModelError('ERROR permission denied')

    monkeypatch.setattr(mocking._MockModelBackend, 'relation_get', denied)
    out = ctx.run(ctx.on.install(), testing.State(leader=True, relations={peer(['a'])}))
    assert out.unit_status == testing.ActiveStatus('primary, 0 databases')


def test_created_without_peer_relation_exits_nonzero(ctx):
    """The peer relation should exist; if it does not, fail the hook so that Juju retries."""
    rel = db('my-app')
    with pytest.raises(SystemExit) as exc:
        ctx.run(ctx.on.relation_created(rel), testing.State(leader=True, relations={rel}))
    assert exc.value.code == 1
    assert any(
        line.level == 'ERROR' and 'peer relation' in line.message for line in ctx.juju_log
    )
