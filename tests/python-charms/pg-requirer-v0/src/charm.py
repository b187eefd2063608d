#!/usr/bin/env python3
"""pg-requirer-v0: a postgresql_client requirer written with the v0 library, unmodified.

Every event the library emits is appended to `events.log` (`<event> <relation id>`), and
whatever the provider answered (read through the library: secret fields come from the
`secret-user` secret) is written to `db.json`.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib

import ops
from charms.data_platform_libs.v0.data_interfaces import DatabaseRequires

logger = logging.getLogger(__name__)

FIELDS = ['username', 'password', 'endpoints', 'read-only-endpoints', 'version', 'database']


def write_atomically(path: pathlib.Path, text: str):
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text)
    os.replace(tmp, path)


class RequirerCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        name = self.config.get('database') or self.app.name.replace('-', '_')
        self.database = DatabaseRequires(self, relation_name='database', database_name=name)
        for event in (
            self.database.on.database_created,
            self.database.on.endpoints_changed,
            self.database.on.read_only_endpoints_changed,
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
        data = self.database.fetch_relation_data([relation.id], FIELDS).get(relation.id, {})
        if not (data.get('username') and data.get('password')):
            self.unit.status = ops.WaitingStatus('waiting for database')
            return
        write_atomically(path, json.dumps(data, sort_keys=True) + '\n')
        self.unit.status = ops.ActiveStatus(f'database {data.get("database", "")} ready')


if __name__ == '__main__':
    ops.main(RequirerCharm)
