#!/usr/bin/env python3
"""mailserver: gives every related remote unit its own SMTP account, as a Juju secret.

Reference implementation in Python ops of the `mailserver` example charm
(its behaviour: `examples/mailserver/README.md`).
"""

from __future__ import annotations

import logging
import secrets
import string

import ops

logger = logging.getLogger(__name__)

SMTP = 'smtp'
PASSWORD_LENGTH = 24


def slug(name: str) -> str:
    """`webapp/1` -> `webapp-1`."""
    return name.replace('/', '-')


def random_password(length: int = PASSWORD_LENGTH) -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


class MailserverCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on[SMTP].relation_joined, self._on_smtp_relation_joined)
        framework.observe(self.on[SMTP].relation_departed, self._on_smtp_relation_departed)
        framework.observe(self.on.collect_unit_status, self._on_collect_unit_status)

    def _on_smtp_relation_joined(self, event: ops.RelationJoinedEvent):
        remote = event.unit
        if remote is None:  # Juju always sets JUJU_REMOTE_UNIT for joined
            logger.error('smtp-relation-joined without a remote unit')
            raise SystemExit(1)
        user = slug(remote.name)
        secret = self.unit.add_secret(
            {'username': user, 'password': random_password()},
            label=f'smtp-{user}',
        )
        secret.grant(event.relation, unit=remote)
        assert secret.id is not None  # secret-add always returns the id
        event.relation.data[self.unit].update({
            f'user-{user}': secret.id,
            'host': f'{slug(self.unit.name)}.mail',
        })

    def _on_smtp_relation_departed(self, event: ops.RelationDepartedEvent):
        departing = event.departing_unit
        if event.unit is None or (departing is not None and departing.name == self.unit.name):
            return
        user = slug(event.unit.name)
        key = f'user-{user}'
        bag = event.relation.data[self.unit]
        secret_id = bag.get(key)
        if key in bag:
            del bag[key]
        try:
            secret = (
                self.model.get_secret(id=secret_id)
                if secret_id
                else self.model.get_secret(label=f'smtp-{user}')
            )
        except ops.SecretNotFoundError:
            logger.warning('no secret for smtp user %r to remove', user)
            return
        secret.remove_all_revisions()

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent):
        users = sum(
            1
            for relation in self.model.relations[SMTP]
            for key in relation.data[self.unit]
            if key.startswith('user-')
        )
        event.add_status(ops.ActiveStatus(f'{users} smtp users'))


if __name__ == '__main__':  # pragma: nocover
    ops.main(MailserverCharm)
