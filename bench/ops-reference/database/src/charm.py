#!/usr/bin/env python3
"""database: hands out one database, with credentials in a Juju secret, per related app.

Reference implementation in Python ops of the `database` example charm
(its behaviour: `examples/database/README.md`).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import string

import ops

logger = logging.getLogger(__name__)

PEER = 'replicas'
PORT = 5432
PASSWORD_LENGTH = 24


def slug(name: str) -> str:
    """`database/0` -> `database-0`."""
    return name.replace('/', '-')


def random_password(length: int = PASSWORD_LENGTH) -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


@dataclasses.dataclass(frozen=True)
class DatabaseConfig:
    max_databases: int = 10

    def __post_init__(self):
        if self.max_databases < 0:
            raise ValueError('max-databases must not be negative')


@dataclasses.dataclass
class PeerAppData:
    """Peer app databag: `databases` is a JSON list of names (ops' default JSON encoding)."""

    databases: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if not isinstance(self.databases, list) or not all(
            isinstance(name, str) for name in self.databases
        ):
            raise ValueError("peer databag key 'databases' is not a JSON list of strings")


@dataclasses.dataclass(frozen=True)
class ProviderAppData:
    """What we publish on `db`: plain strings, not JSON (saved with `encoder=str`)."""

    database: str
    credentials: str
    endpoints: str


class InvalidPeerData(Exception):
    pass


class DatabaseCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self._blocked: ops.BlockedStatus | None = None
        framework.observe(self.on.db_relation_created, self._on_db_relation_created)
        framework.observe(self.on.db_relation_broken, self._on_db_relation_broken)
        framework.observe(self.on.leader_elected, self._publish_primary)
        framework.observe(self.on[PEER].relation_joined, self._publish_primary)
        framework.observe(self.on[PEER].relation_changed, self._publish_primary)
        framework.observe(self.on[PEER].relation_created, self._on_peer_relation_created)
        framework.observe(self.on.collect_unit_status, self._on_collect_unit_status)

    # -- peer data ---------------------------------------------------------

    @property
    def _peer(self) -> ops.Relation | None:
        return self.model.get_relation(PEER)

    def _load_databases(self, peer: ops.Relation) -> list[str]:
        try:
            return peer.load(PeerAppData, self.app).databases
        except ValueError as e:  # JSONDecodeError is a ValueError
            raise InvalidPeerData(str(e)) from e

    def _save_databases(self, peer: ops.Relation, databases: list[str]) -> None:
        peer.save(PeerAppData(sorted(set(databases))), self.app)

    # -- handlers ----------------------------------------------------------

    def _on_db_relation_created(self, event: ops.RelationCreatedEvent):
        if not self.unit.is_leader():
            return
        peer = self._peer
        if peer is None:
            # Juju creates the peer relation at deploy time; if it is not visible
            # yet, fail the hook so that Juju retries it.
            logger.error('db-relation-created: peer relation %r not available yet', PEER)
            raise SystemExit(1)
        config = self.load_config(DatabaseConfig, errors='blocked')
        try:
            databases = self._load_databases(peer)
        except InvalidPeerData as e:
            self._blocked = ops.BlockedStatus(f'invalid peer data: {e}')
            return
        if len(databases) >= config.max_databases:
            self._blocked = ops.BlockedStatus('too many databases')
            return

        relation = event.relation
        dbname = event.app.name.replace('-', '_')
        secret = self.app.add_secret(
            {'username': f'{dbname}_user', 'password': random_password()},
            label=f'db-{relation.id}',
        )
        secret.grant(relation)
        assert secret.id is not None  # secret-add always returns the id
        relation.save(
            ProviderAppData(
                database=dbname,
                credentials=secret.id,
                endpoints=f'{slug(self.unit.name)}.database:{PORT}',
            ),
            self.app,
            encoder=str,
        )
        self._save_databases(peer, [*databases, dbname])

    def _on_db_relation_broken(self, event: ops.RelationBrokenEvent):
        if not self.unit.is_leader():
            return
        label = f'db-{event.relation.id}'
        try:
            secret: ops.Secret | None = self.model.get_secret(label=label)
        except ops.SecretNotFoundError:
            logger.warning('no secret labelled %r to remove', label)
            secret = None

        dbname = None
        if event.app is not None:
            dbname = event.app.name.replace('-', '_')
        elif secret is not None:
            # Juju did not tell us the remote app: the secret knows the name.
            username = secret.get_content().get('username', '')
            dbname = username.removesuffix('_user') or None

        peer = self._peer
        if dbname is not None and peer is not None:
            try:
                databases = self._load_databases(peer)
            except InvalidPeerData as e:
                self._blocked = ops.BlockedStatus(f'invalid peer data: {e}')
                return
            if dbname in databases:
                self._save_databases(peer, [n for n in databases if n != dbname])
        if secret is not None:
            secret.remove_all_revisions()

    def _publish_primary(self, event: ops.EventBase):
        if not self.unit.is_leader():
            return
        peer = self._peer
        if peer is None:
            return
        peer.data[self.app]['primary'] = self.unit.name

    def _on_peer_relation_created(self, event: ops.RelationCreatedEvent):
        event.relation.data[self.unit]['host'] = f'{slug(self.unit.name)}.database'

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent):
        if self._blocked is not None:
            event.add_status(self._blocked)
        if not self.unit.is_leader():
            event.add_status(ops.ActiveStatus('replica'))
            return
        peer = self._peer
        count = 0
        if peer is not None:
            try:
                count = len(self._load_databases(peer))
            except InvalidPeerData as e:
                event.add_status(ops.BlockedStatus(f'invalid peer data: {e}'))
            except ops.ModelError as e:
                # Juju does not let a unit read peer data during `install`.
                logger.debug('peer data not readable in this hook: %s', e)
        event.add_status(ops.ActiveStatus(f'primary, {count} databases'))


if __name__ == '__main__':  # pragma: nocover
    ops.main(DatabaseCharm)
