#!/usr/bin/env python3
"""webapp: renders its config file from a database and, optionally, an SMTP account.

Reference implementation in Python ops of the `webapp` example charm
(its behaviour: `examples/webapp/README.md`). One holistic handler
reconciles everything.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import tempfile

import ops

logger = logging.getLogger(__name__)

DB = 'db'
SMTP = 'smtp'
PEER = 'replicas'


def slug(name: str) -> str:
    """`webapp/1` -> `webapp-1`."""
    return name.replace('/', '-')


@dataclasses.dataclass(frozen=True)
class WebappConfig:
    config_path: str = 'webapp.conf'

    def __post_init__(self):
        if not self.config_path:
            raise ValueError('config-path must not be empty')


@dataclasses.dataclass(frozen=True)
class DatabaseData:
    """The database app's databag on `db`: plain strings (loaded with `decoder=str`)."""

    database: str | None = None
    credentials: str | None = None
    endpoints: str | None = None


@dataclasses.dataclass(frozen=True)
class PeerUnitData:
    """Our unit databag on `replicas`: `ready=true` (ops' default JSON encoding)."""

    ready: bool = False


class Stop(Exception):
    """Stop reconciling and show this status."""

    def __init__(self, status: ops.StatusBase):
        super().__init__(status.message)
        self.status = status


class WebappCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        for event in (
            self.on.config_changed,
            self.on.upgrade_charm,
            self.on.secret_changed,
            self.on[DB].relation_changed,
            self.on[DB].relation_broken,
            self.on[SMTP].relation_changed,
            self.on[SMTP].relation_departed,
            self.on[PEER].relation_changed,
        ):
            framework.observe(event, self._reconcile)

    def _reconcile(self, event: ops.EventBase):
        config = self.load_config(WebappConfig, errors='blocked')
        path = pathlib.Path(config.config_path)
        if not path.is_absolute():
            path = self.charm_dir / path
        try:
            self._reconcile_config_file(event, path)
        except Stop as stop:
            self.unit.status = stop.status
            return
        except ops.ModelError as e:
            # E.g. a relation that vanished mid-hook: let Juju retry the hook.
            logger.error('%s: %s', event.handle.kind, e)
            raise SystemExit(1) from None

        peer = self.model.get_relation(PEER)
        if peer is not None:
            peer.save(PeerUnitData(ready=True), self.unit)
        self.unit.status = ops.ActiveStatus('ready')

        if self.unit.is_leader():
            units = [self.unit, *(peer.units if peer is not None else ())]
            ready = sum(1 for unit in units if peer is not None and self._is_ready(peer, unit))
            self.app.status = ops.ActiveStatus(f'{ready} of {len(units)} units ready')

    def _reconcile_config_file(self, event: ops.EventBase, path: pathlib.Path):
        # 1. The database relation.
        try:
            db = self.model.get_relation(DB)
        except ops.TooManyRelatedAppsError:
            raise Stop(ops.BlockedStatus('more than one db relation')) from None
        if db is None or (isinstance(event, ops.RelationBrokenEvent) and event.relation.name == DB):
            if path.exists():
                path.unlink()
            raise Stop(ops.BlockedStatus('missing db relation'))

        # 2. What the database published.
        if db.app is None:
            raise Stop(ops.WaitingStatus('waiting for database credentials'))
        try:
            data = db.load(DatabaseData, db.app, decoder=str)
        except ValueError as e:
            raise Stop(ops.BlockedStatus(f'invalid db relation data: {e}')) from None
        if not data.database or not data.credentials:
            raise Stop(ops.WaitingStatus('waiting for database credentials'))

        # 3. The database credentials.
        username, password = self._read_credentials(data.credentials, 'database')
        lines = [f'database={data.database}', f'username={username}', f'password={password}']

        # 4. The first SMTP unit, by unit name, that has an account for us.
        key = f'user-{slug(self.unit.name)}'
        offers = sorted(
            (unit.name, relation.data[unit])
            for relation in self.model.relations[SMTP]
            for unit in relation.units
            if key in relation.data[unit]
        )
        if offers:
            unit_name, bag = offers[0]
            host = bag.get('host')
            if not host:
                raise Stop(ops.WaitingStatus(f'waiting for smtp host from {unit_name}'))
            smtp_username, smtp_password = self._read_credentials(bag[key], 'smtp')
            lines += [
                f'smtp_host={host}',
                f'smtp_username={smtp_username}',
                f'smtp_password={smtp_password}',
            ]

        # 5. The config file, rewritten only when it changes.
        content = ''.join(f'{line}\n' for line in lines)
        try:
            self._write_if_changed(path, content)
        except OSError as e:
            raise Stop(ops.BlockedStatus(f'cannot write {path}: {e.strerror}')) from None

    def _read_credentials(self, secret_id: str, what: str) -> tuple[str, str]:
        try:
            content = self.model.get_secret(id=secret_id).get_content(refresh=True)
        except ops.SecretNotFoundError:
            logger.warning('%s credentials secret %s not found', what, secret_id)
            raise Stop(ops.BlockedStatus(f'{what} credentials secret not found')) from None
        except ops.ModelError as e:
            logger.warning('cannot read %s credentials secret %s: %s', what, secret_id, e)
            raise Stop(ops.BlockedStatus(f'cannot read {what} credentials secret')) from None
        username, password = content.get('username'), content.get('password')
        if not username or not password:
            raise Stop(ops.BlockedStatus(f'{what} credentials secret lacks username or password'))
        return username, password

    @staticmethod
    def _write_if_changed(path: pathlib.Path, content: str) -> None:
        try:
            if path.read_text() == content:
                return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a temporary file and rename it: never leave half a config file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
        try:
            with os.fdopen(fd, 'w') as f:
                f.write(content)
            os.replace(tmp, path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
        logger.info('wrote %s', path)

    @staticmethod
    def _is_ready(peer: ops.Relation, unit: ops.Unit) -> bool:
        try:
            return peer.load(PeerUnitData, unit).ready is True
        except (ValueError, TypeError):  # not JSON, or unexpected keys/types
            return False


if __name__ == '__main__':  # pragma: nocover
    ops.main(WebappCharm)
