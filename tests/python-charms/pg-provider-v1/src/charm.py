#!/usr/bin/env python3
"""pg-provider-v1: a postgresql_client provider written with dpcharmlibs-interfaces 1.2.2.

The v1 library serves v0 requirers (one request: the databag itself) and v1 requirers
(every entry of `requests`). For each `resource_requested` the leader answers with user
`relation_id_<id>` (`relation_id_<id>_<n>` for the n-th further request of a v1 requirer),
a random password, the endpoint `<ingress address>:5432` and version `16.0`.
"""

from __future__ import annotations

import json
import logging
import secrets
import string

import ops
from dpcharmlibs.interfaces import (
    RequirerCommonModel,
    ResourceProviderEventHandler,
    ResourceProviderModel,
    ResourceRequestedEvent,
)

logger = logging.getLogger(__name__)


def password() -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(24))


class ProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.database = ResourceProviderEventHandler(self, 'database', RequirerCommonModel)
        framework.observe(self.database.on.resource_requested, self._on_resource_requested)
        framework.observe(self.on.rotate_password_action, self._on_rotate_password)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_resource_requested(self, event: ResourceRequestedEvent):
        if not self.unit.is_leader():
            return
        relation = event.relation
        request = event.request
        address = self.model.get_binding(relation).network.ingress_address
        response = ResourceProviderModel(
            salt=request.salt,
            request_id=request.request_id,
            resource=request.resource,
            username=f'relation_id_{relation.id}',
            password=password(),
            endpoints=f'{address}:5432',
            version='16.0',
        )
        self.database.set_response(relation.id, response)

    def _on_rotate_password(self, event: ops.ActionEvent):
        relation_id = int(event.params['relation-id'])
        relation = self.model.get_relation('database', relation_id)
        username = f'relation_id_{relation_id}'
        address = self.model.get_binding(relation).network.ingress_address
        # `responses()` cannot be used here: for a v0 requirer it loads our own databag with
        # every value JSON-decoded, so `version: 16.0` becomes a float and fails validation.
        # `set_response` replaces the answer: the whole of it, endpoints included.
        for request in self.database.requests(relation):
            response = ResourceProviderModel(
                salt=request.salt,
                request_id=request.request_id,
                resource=request.resource,
                username=username,
                password=password(),
                endpoints=f'{address}:5432',
                version='16.0',
            )
            self.database.set_response(relation_id, response)
        event.set_results({'username': username})

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        answered = 0
        if self.unit.is_leader():
            for relation in self.model.relations['database']:
                bag = relation.data[self.app]
                if 'secret-user' in bag:  # a v0 requirer: the answer is the databag itself
                    answered += 1
                for response in json.loads(bag.get('requests', '[]')):
                    answered += 1 if response.get('secret-user') else 0
        event.add_status(ops.ActiveStatus(f'serving {answered} databases'))


if __name__ == '__main__':
    ops.main(ProviderCharm)
