import re

import ops
import pytest
from ops import testing

from conftest import load_charm

charm, META = load_charm('mailserver')


@pytest.fixture
def ctx():
    return testing.Context(charm.MailserverCharm, meta=META)


def test_joined_creates_account_for_that_unit(ctx):
    rel = testing.Relation('smtp', remote_app_name='webapp', remote_units_data={0: {}, 1: {}})
    out = ctx.run(ctx.on.relation_joined(rel, remote_unit=1), testing.State(relations={rel}))

    secret = out.get_secret(label='smtp-webapp-1')
    assert secret.owner == 'unit'
    assert secret.tracked_content['username'] == 'webapp-1'
    assert re.fullmatch(r'[A-Za-z0-9]{24}', secret.tracked_content['password'])
    assert set(secret.tracked_content) == {'username', 'password'}
    # Granted to the relation, for remote unit webapp/1 only.
    assert secret.remote_grants == {rel.id: {'webapp/1'}}

    local = out.get_relation(rel.id).local_unit_data
    assert local['user-webapp-1'] == secret.id
    assert local['host'] == 'mailserver-0.mail'
    assert out.unit_status == testing.ActiveStatus('1 smtp users')


def test_joined_second_unit(ctx):
    rel = testing.Relation(
        'smtp',
        remote_app_name='webapp',
        remote_units_data={0: {}, 1: {}},
        local_unit_data={'user-webapp-0': 'secret:old', 'host': 'mailserver-0.mail'},
    )
    out = ctx.run(ctx.on.relation_joined(rel, remote_unit=1), testing.State(relations={rel}))
    local = out.get_relation(rel.id).local_unit_data
    assert local['user-webapp-0'] == 'secret:old'
    assert local['user-webapp-1'] == out.get_secret(label='smtp-webapp-1').id
    assert out.unit_status == testing.ActiveStatus('2 smtp users')


def test_departed_removes_account(ctx):
    secret = testing.Secret({'username': 'webapp-1', 'password': 'p' * 24}, owner='unit',
                            label='smtp-webapp-1')
    other = testing.Secret({'username': 'webapp-0', 'password': 'q' * 24}, owner='unit',
                           label='smtp-webapp-0')
    rel = testing.Relation(
        'smtp',
        remote_app_name='webapp',
        remote_units_data={0: {}, 1: {}},
        local_unit_data={'user-webapp-0': other.id, 'user-webapp-1': secret.id,
                         'host': 'mailserver-0.mail'},
    )
    state = testing.State(relations={rel}, secrets={secret, other})
    out = ctx.run(ctx.on.relation_departed(rel, remote_unit=1, departing_unit=1), state)
    local = out.get_relation(rel.id).local_unit_data
    assert 'user-webapp-1' not in local
    assert local['user-webapp-0'] == other.id
    assert local['host'] == 'mailserver-0.mail'
    assert [s.label for s in out.secrets] == ['smtp-webapp-0']
    assert out.unit_status == testing.ActiveStatus('1 smtp users')


def test_departed_falls_back_to_label(ctx):
    secret = testing.Secret({'username': 'webapp-1', 'password': 'p' * 24}, owner='unit',
                            label='smtp-webapp-1')
    rel = testing.Relation('smtp', remote_app_name='webapp', remote_units_data={1: {}})
    state = testing.State(relations={rel}, secrets={secret})
    out = ctx.run(ctx.on.relation_departed(rel, remote_unit=1, departing_unit=1), state)
    assert not out.secrets
    assert out.unit_status == testing.ActiveStatus('0 smtp users')


def test_departed_when_we_are_leaving(ctx, monkeypatch):
    # Scenario 8 always names the departing unit `<remote app>/<id>`, so it cannot say
    # "this unit is leaving": make the event report our own unit instead.
    monkeypatch.setattr(
        ops.RelationDepartedEvent, 'departing_unit', property(lambda ev: ev.framework.model.unit)
    )
    secret = testing.Secret({'username': 'webapp-1', 'password': 'p' * 24}, owner='unit',
                            label='smtp-webapp-1')
    rel = testing.Relation(
        'smtp', remote_app_name='webapp', remote_units_data={1: {}},
        local_unit_data={'user-webapp-1': secret.id, 'host': 'mailserver-0.mail'},
    )
    state = testing.State(relations={rel}, secrets={secret})
    out = ctx.run(ctx.on.relation_departed(rel, remote_unit=1, departing_unit=1), state)
    assert out.get_relation(rel.id).local_unit_data['user-webapp-1'] == secret.id
    assert len(out.secrets) == 1
    assert out.unit_status == testing.ActiveStatus('1 smtp users')


def test_status_counts_all_smtp_relations(ctx):
    a = testing.Relation('smtp', remote_app_name='webapp',
                         local_unit_data={'user-webapp-0': 'secret:a', 'user-webapp-1': 'secret:b',
                                          'host': 'mailserver-0.mail'})
    b = testing.Relation('smtp', remote_app_name='blog',
                         local_unit_data={'user-blog-0': 'secret:c', 'host': 'mailserver-0.mail'})
    state = testing.State(relations={a, b})
    for event in (ctx.on.install(), ctx.on.start(), ctx.on.update_status(), ctx.on.config_changed()):
        assert ctx.run(event, state).unit_status == testing.ActiveStatus('3 smtp users')


def test_status_no_relations(ctx):
    out = ctx.run(ctx.on.install(), testing.State())
    assert out.unit_status == testing.ActiveStatus('0 smtp users')
