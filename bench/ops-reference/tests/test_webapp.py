import os

import pytest
from ops import testing

from conftest import load_charm

charm, META = load_charm('webapp')

DB_CONTENT = {'username': 'webapp_user', 'password': 'dbpass'}


@pytest.fixture
def root(tmp_path):
    return tmp_path


@pytest.fixture
def ctx(root):
    return testing.Context(charm.WebappCharm, meta=META, charm_root=root, unit_id=1)


def db_secret(**kw):
    return testing.Secret(dict(DB_CONTENT), **kw)


def db_rel(secret=None, **extra):
    data = dict(extra)
    if secret is not None:
        data.update(database='webapp', credentials=secret.id,
                    endpoints='database-0.database:5432')
    return testing.Relation('db', remote_app_name='database', remote_app_data=data)


def peers(**units):
    return testing.PeerRelation('replicas', peers_data={int(k[1:]): v for k, v in units.items()})


def smtp_rel(units, app='mailserver'):
    return testing.Relation('smtp', remote_app_name=app, remote_units_data=units)


def conf(root):
    return (root / 'webapp.conf').read_text()


def test_ready_with_database_only(ctx, root):
    secret = db_secret()
    db, p = db_rel(secret), peers(u0={})
    state = testing.State(leader=True, relations={db, p}, secrets={secret})
    out = ctx.run(ctx.on.relation_changed(db), state)
    assert conf(root) == 'database=webapp\nusername=webapp_user\npassword=dbpass\n'
    assert out.get_relation(p.id).local_unit_data['ready'] == 'true'
    assert out.unit_status == testing.ActiveStatus('ready')
    assert out.app_status == testing.ActiveStatus('1 of 2 units ready')


def test_leader_counts_ready_peers(ctx, root):
    secret = db_secret()
    db = db_rel(secret)
    p = peers(u0={'ready': 'true'}, u2={'ready': 'false'}, u3={'ready': 'garbage'})
    state = testing.State(leader=True, relations={db, p}, secrets={secret})
    out = ctx.run(ctx.on.relation_changed(p, remote_unit=0), state)
    assert out.app_status == testing.ActiveStatus('2 of 4 units ready')


def test_follower_sets_no_app_status(ctx, root):
    secret = db_secret()
    db, p = db_rel(secret), peers(u0={'ready': 'true'})
    state = testing.State(leader=False, relations={db, p}, secrets={secret})
    out = ctx.run(ctx.on.config_changed(), state)
    assert out.unit_status == testing.ActiveStatus('ready')
    assert out.app_status == testing.UnknownStatus()


def test_with_smtp_first_unit_by_name(ctx, root):
    secret = db_secret()
    mail0 = testing.Secret({'username': 'webapp-1', 'password': 'mail0pass'})
    mail1 = testing.Secret({'username': 'webapp-1', 'password': 'mail1pass'})
    other = testing.Secret({'username': 'webapp-1', 'password': 'zzz'})
    s1 = smtp_rel({1: {'user-webapp-1': mail1.id, 'host': 'mailserver-1.mail'},
                   0: {'user-webapp-1': mail0.id, 'host': 'mailserver-0.mail'},
                   2: {'user-webapp-0': 'secret:notours', 'host': 'mailserver-2.mail'}})
    s2 = smtp_rel({0: {'user-webapp-1': other.id, 'host': 'zmail-0.mail'}}, app='zmail')
    db, p = db_rel(secret), peers()
    state = testing.State(leader=True, relations={db, p, s1, s2},
                          secrets={secret, mail0, mail1, other})
    out = ctx.run(ctx.on.relation_changed(s1, remote_unit=1), state)
    assert conf(root) == (
        'database=webapp\nusername=webapp_user\npassword=dbpass\n'
        'smtp_host=mailserver-0.mail\nsmtp_username=webapp-1\nsmtp_password=mail0pass\n'
    )
    assert out.unit_status == testing.ActiveStatus('ready')
    assert out.app_status == testing.ActiveStatus('1 of 1 units ready')


def test_smtp_departed_drops_smtp_lines(ctx, root):
    secret = db_secret()
    (root / 'webapp.conf').write_text('database=webapp\nsmtp_host=old\n')
    # Juju no longer lists the departing unit in relation-list.
    s = smtp_rel({})
    db, p = db_rel(secret), peers()
    state = testing.State(leader=True, relations={db, p, s}, secrets={secret})
    event = ctx.on.relation_departed(s, remote_unit=0, departing_unit=0)
    out = ctx.run(event, state)
    assert conf(root) == 'database=webapp\nusername=webapp_user\npassword=dbpass\n'
    assert out.unit_status == testing.ActiveStatus('ready')


def test_secret_changed_reads_latest(ctx, root):
    secret = testing.Secret({'username': 'webapp_user', 'password': 'old'},
                            latest_content={'username': 'webapp_user', 'password': 'new'})
    db, p = db_rel(secret), peers()
    state = testing.State(leader=True, relations={db, p}, secrets={secret})
    ctx.run(ctx.on.secret_changed(secret), state)
    assert conf(root) == 'database=webapp\nusername=webapp_user\npassword=new\n'


def test_upgrade_charm(ctx, root):
    secret = db_secret()
    db, p = db_rel(secret), peers()
    out = ctx.run(ctx.on.upgrade_charm(),
                  testing.State(relations={db, p}, secrets={secret}))
    assert conf(root).startswith('database=webapp\n')
    assert out.unit_status == testing.ActiveStatus('ready')


def test_rewrites_only_when_changed(ctx, root):
    secret = db_secret()
    db, p = db_rel(secret), peers()
    path = root / 'webapp.conf'
    path.write_text('database=webapp\nusername=webapp_user\npassword=dbpass\n')
    os.utime(path, (1_000_000, 1_000_000))
    inode = path.stat().st_ino
    ctx.run(ctx.on.config_changed(), testing.State(relations={db, p}, secrets={secret}))
    assert path.stat().st_mtime == 1_000_000
    assert path.stat().st_ino == inode

    path.write_text('stale\n')
    ctx.run(ctx.on.config_changed(), testing.State(relations={db, p}, secrets={secret}))
    assert conf(root) == 'database=webapp\nusername=webapp_user\npassword=dbpass\n'
    assert [f.name for f in root.iterdir() if f.name.startswith('.webapp.conf')] == []


def test_absolute_and_nested_config_path(ctx, root, tmp_path_factory):
    target = tmp_path_factory.mktemp('etc') / 'app' / 'web.conf'
    secret = db_secret()
    db, p = db_rel(secret), peers()
    state = testing.State(relations={db, p}, secrets={secret}, config={'config-path': str(target)})
    ctx.run(ctx.on.config_changed(), state)
    assert target.read_text().startswith('database=webapp\n')
    assert not (root / 'webapp.conf').exists()


def test_no_db_relation_blocks_and_deletes(ctx, root):
    (root / 'webapp.conf').write_text('database=webapp\n')
    out = ctx.run(ctx.on.config_changed(), testing.State(relations={peers()}))
    assert out.unit_status == testing.BlockedStatus('missing db relation')
    assert not (root / 'webapp.conf').exists()


def test_db_broken_blocks_and_deletes(ctx, root):
    (root / 'webapp.conf').write_text('database=webapp\n')
    secret = db_secret()
    db, p = db_rel(secret), peers()
    out = ctx.run(ctx.on.relation_broken(db), testing.State(relations={db, p}, secrets={secret}))
    assert out.unit_status == testing.BlockedStatus('missing db relation')
    assert not (root / 'webapp.conf').exists()
    assert 'ready' not in out.get_relation(p.id).local_unit_data


@pytest.mark.parametrize('data', [{}, {'database': 'webapp'}, {'credentials': 'secret:x'}])
def test_waiting_for_credentials(ctx, root, data):
    db = testing.Relation('db', remote_app_name='database', remote_app_data=data)
    out = ctx.run(ctx.on.relation_changed(db), testing.State(relations={db, peers()}))
    assert out.unit_status == testing.WaitingStatus('waiting for database credentials')
    assert not (root / 'webapp.conf').exists()


def test_unreadable_secret_blocks_without_writing(ctx, root):
    db = testing.Relation('db', remote_app_name='database',
                          remote_app_data={'database': 'webapp',
                                           'credentials': 'secret:aaaaaaaaaaaaaaaaaaaa'})
    out = ctx.run(ctx.on.relation_changed(db), testing.State(relations={db, peers()}))
    assert out.unit_status == testing.BlockedStatus('database credentials secret not found')
    assert not (root / 'webapp.conf').exists()


def test_secret_without_password_blocks(ctx, root):
    secret = testing.Secret({'username': 'webapp_user'})
    db = db_rel(secret)
    out = ctx.run(ctx.on.relation_changed(db),
                  testing.State(relations={db, peers()}, secrets={secret}))
    assert out.unit_status == testing.BlockedStatus(
        'database credentials secret lacks username or password'
    )
    assert not (root / 'webapp.conf').exists()


def test_smtp_without_host_waits(ctx, root):
    secret = db_secret()
    mail = testing.Secret({'username': 'webapp-1', 'password': 'm'})
    s = smtp_rel({0: {'user-webapp-1': mail.id}})
    db = db_rel(secret)
    out = ctx.run(ctx.on.relation_changed(s, remote_unit=0),
                  testing.State(relations={db, s, peers()}, secrets={secret, mail}))
    assert out.unit_status == testing.WaitingStatus('waiting for smtp host from mailserver/0')
    assert not (root / 'webapp.conf').exists()


def test_unobserved_event_does_nothing(ctx, root):
    out = ctx.run(ctx.on.install(), testing.State(relations={peers()}))
    assert out.unit_status == testing.UnknownStatus()
    assert not (root / 'webapp.conf').exists()


def _events(ctx, db, smtp, p, secret):
    return {
        'config_changed': ctx.on.config_changed(),
        'upgrade_charm': ctx.on.upgrade_charm(),
        'secret_changed': ctx.on.secret_changed(secret),
        'db_relation_changed': ctx.on.relation_changed(db),
        'db_relation_broken': ctx.on.relation_broken(db),
        'smtp_relation_changed': ctx.on.relation_changed(smtp, remote_unit=0),
        'smtp_relation_departed': ctx.on.relation_departed(smtp, remote_unit=0, departing_unit=0),
        'replicas_relation_changed': ctx.on.relation_changed(p, remote_unit=0),
        # Not observed:
        'install': ctx.on.install(),
        'start': ctx.on.start(),
        'update_status': ctx.on.update_status(),
        'leader_elected': ctx.on.leader_elected(),
        'db_relation_created': ctx.on.relation_created(db),
        'db_relation_joined': ctx.on.relation_joined(db, remote_unit=0),
        'smtp_relation_joined': ctx.on.relation_joined(smtp, remote_unit=0),
        'smtp_relation_broken': ctx.on.relation_broken(smtp),
        'replicas_relation_joined': ctx.on.relation_joined(p, remote_unit=0),
        'replicas_relation_departed': ctx.on.relation_departed(p, remote_unit=0, departing_unit=0),
    }


OBSERVED = {
    'config_changed', 'upgrade_charm', 'secret_changed', 'db_relation_changed',
    'db_relation_broken', 'smtp_relation_changed', 'smtp_relation_departed',
    'replicas_relation_changed',
}


@pytest.mark.parametrize('name', sorted(_events(testing.Context(charm.WebappCharm, meta=META),
                                                db_rel(), smtp_rel({0: {}}), peers(u0={}),
                                                testing.Secret({'a': 'b'}))))
def test_observed_events(ctx, root, name):
    """Exactly the spec's events run the holistic handler (the db relation has no data)."""
    secret = db_secret()
    db, s, p = db_rel(), smtp_rel({0: {}}), peers(u0={})
    state = testing.State(leader=True, relations={db, s, p}, secrets={secret})
    out = ctx.run(_events(ctx, db, s, p, secret)[name], state)
    if name == 'db_relation_broken':
        assert out.unit_status == testing.BlockedStatus('missing db relation')
    elif name in OBSERVED:
        assert out.unit_status == testing.WaitingStatus('waiting for database credentials')
    else:
        assert out.unit_status == testing.UnknownStatus()
        assert out.app_status == testing.UnknownStatus()
