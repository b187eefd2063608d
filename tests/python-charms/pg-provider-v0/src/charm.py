#!/usr/bin/env python3
"""pg-provider-v0: a postgresql_client provider written with the v0 library, unmodified.

For each `database_requested` the leader creates user `relation_id_<id>` with a random
password (`set_credentials`: a secret in the `user` group, granted to the relation), and
publishes the endpoint (`<ingress address>:5432`), the version `16.0` and the database.
"""

from __future__ import annotations

import logging
import secrets
import string

import ops
from charms.data_platform_libs.v0.data_interfaces import DatabaseProvides, DatabaseRequestedEvent

logger = logging.getLogger(__name__)


def password() -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(24))


class ProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.database = DatabaseProvides(self, relation_name='database')
        framework.observe(self.database.on.database_requested, self._on_database_requested)
        framework.observe(self.on.rotate_password_action, self._on_rotate_password)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_database_requested(self, event: DatabaseRequestedEvent):
        if not self.unit.is_leader():
            return
        relation_id = event.relation.id
        address = self.model.get_binding(event.relation).network.ingress_address
        self.database.set_credentials(relation_id, f'relation_id_{relation_id}', password())
        self.database.set_endpoints(relation_id, f'{address}:5432')
        self.database.set_version(relation_id, '16.0')
        self.database.set_database(relation_id, event.database or '')

    def _on_rotate_password(self, event: ops.ActionEvent):
        relation_id = int(event.params['relation-id'])
        username = f'relation_id_{relation_id}'
        self.database.set_credentials(relation_id, username, password())
        event.set_results({'username': username})

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        answered = 0
        if self.unit.is_leader():
            data = self.database.fetch_my_relation_data(fields=['database'])
            answered = sum(1 for fields in data.values() if fields.get('database'))
        event.add_status(ops.ActiveStatus(f'serving {answered} databases'))


if __name__ == '__main__':
    ops.main(ProviderCharm)
