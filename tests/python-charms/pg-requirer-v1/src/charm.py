#!/usr/bin/env python3
"""pg-requirer-v1: a postgresql_client requirer written with dpcharmlibs-interfaces 1.2.2.

Sends one v1 request (`requests`, resource = the database) on relation-created. Every
event the library emits is appended to `events.log` (`<event> <relation id>`), and the
response (secret fields read from the response's `secret-user` secret) goes to `db.json`.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib

import ops
from dpcharmlibs.interfaces import (
    RequirerCommonModel,
    ResourceProviderModel,
    ResourceRequirerEventHandler,
)

logger = logging.getLogger(__name__)


def write_atomically(path: pathlib.Path, text: str):
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text)
    os.replace(tmp, path)


class RequirerCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        name = self.config.get('database') or self.app.name.replace('-', '_')
        self.database = ResourceRequirerEventHandler(
            self,
            'database',
            [RequirerCommonModel(resource=name)],
            response_model=ResourceProviderModel,
        )
        for event in (
            self.database.on.resource_created,
            self.database.on.endpoints_changed,
            self.database.on.read_only_endpoints_changed,
            self.database.on.authentication_updated,
        ):
            framework.observe(event, self._on_library_event)
        for event in (
            self.on.database_relation_changed,
            self.on.database_relation_broken,
            self.on.secret_changed,
            self.on.config_changed,
        ):
            framework.observe(event, self._reconcile)

    def _on_library_event(self, event: ops.RelationEvent):
        with open('events.log', 'a') as log:
            log.write(f'{event.handle.kind} {event.relation.id}\n')
        self._reconcile(event)

    def _reconcile(self, event: ops.EventBase):
        path = pathlib.Path('db.json')
        relation = self.model.get_relation('database')
        if relation is None or isinstance(event, ops.RelationBrokenEvent):
            path.unlink(missing_ok=True)
            self.unit.status = ops.BlockedStatus('missing database relation')
            return
        model = self.database.interface.build_model(relation.id, component=relation.app)
        response = next((r for r in model.requests if r.username and r.password), None)
        if response is None:
            self.unit.status = ops.WaitingStatus('waiting for database')
            return
        data = {
            'username': response.username,
            'password': response.password,
            'endpoints': response.endpoints,
            'version': response.version,
            'database': response.resource,
        }
        data = {k: v for k, v in data.items() if v}
        write_atomically(path, json.dumps(data, sort_keys=True) + '\n')
        self.unit.status = ops.ActiveStatus(f'database {response.resource} ready')


if __name__ == '__main__':
    ops.main(RequirerCharm)
