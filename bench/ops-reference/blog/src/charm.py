#!/usr/bin/env python3
"""blog: a postgresql_client and tls-certificates requirer that writes blog.conf.

Reference implementation in Python ops of the `blog` example charm (its behaviour:
`examples/blog/README.md`), with Canonical's libraries unmodified: `data_platform_libs`
v0 `data_interfaces.py` (`DatabaseRequires`, database `blog`) and PyPI
`charmlibs-interfaces-tls-certificates` (`TLSCertificatesRequiresV4`, unit mode, one
certificate with common name and DNS SAN `<unit name with / replaced by ->`, an ECDSA
P-256 key like the Rust component's). One holistic handler reconciles everything:

    database-uri = postgresql://<username>:<password>@<first endpoint>/blog
    tls = on | off

plus `blog.crt`, `blog-ca.crt` and `blog.key` while the unit holds a certificate for its key.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import tempfile
import urllib.parse

import ops
from charmlibs.interfaces.tls_certificates import (
    CertificateRequestAttributes,
    KeyAlgorithm,
    Mode,
    TLSCertificatesRequiresV4,
)
from charms.data_platform_libs.v0.data_interfaces import DatabaseRequires

logger = logging.getLogger(__name__)

DATABASE = 'blog'
CONF = 'blog.conf'
TLS_FILES = ('blog.crt', 'blog-ca.crt', 'blog.key')
FIELDS = ['username', 'password', 'endpoints']


@dataclasses.dataclass(frozen=True)
class Tls:
    certificate: str
    ca: str
    private_key: str


def database_uri(username: str, password: str, endpoint: str) -> str:
    """The credentials percent-encoded as RFC 3986 userinfo (unreserved characters stay)."""
    user = urllib.parse.quote(username, safe='')
    pw = urllib.parse.quote(password, safe='')
    return f'postgresql://{user}:{pw}@{endpoint}/{DATABASE}'


def first_endpoint(endpoints: str) -> str | None:
    """The first `host:port` of `endpoints`, unless it would change what the URI says."""
    first = endpoints.split(',')[0].strip()
    if not first or any(c.isspace() or not c.isprintable() or c in '/@?#' for c in first):
        return None
    return first


def write_if_changed(path: pathlib.Path, content: str) -> None:
    """Atomically (a temporary file beside it, mode 0600, renamed over it), if it changed."""
    try:
        if path.read_text() == content:
            return
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def remove(*names: str) -> None:
    for name in names:
        pathlib.Path(name).unlink(missing_ok=True)


class BlogCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.database = DatabaseRequires(self, relation_name='database', database_name=DATABASE)
        name = self.unit.name.replace('/', '-')
        self.certificates = TLSCertificatesRequiresV4(
            self,
            'certificates',
            certificate_requests=[CertificateRequestAttributes(common_name=name, sans_dns=[name])],
            mode=Mode.UNIT,
            key_algorithm=KeyAlgorithm.ECDSA,
        )
        for event in (
            self.on.start,
            self.on.upgrade_charm,
            self.on.database_relation_created,
            self.on.database_relation_broken,
            self.database.on.database_created,
            self.database.on.endpoints_changed,
            # A new password: the provider's secret has a new revision.
            self.on.secret_changed,
            self.on.certificates_relation_created,
            self.on.certificates_relation_broken,
            self.certificates.on.certificate_available,
        ):
            framework.observe(event, self._reconcile)

    def _reconcile(self, _: ops.EventBase):
        """Make blog.conf, the TLS files and the status say what the model says."""
        relation = self.model.get_relation('database')
        if relation is None:
            remove(CONF, *TLS_FILES)
            self.unit.status = ops.BlockedStatus('missing database relation')
            return
        data = self.database.fetch_relation_data([relation.id], FIELDS).get(relation.id, {})
        username, password, endpoints = (data.get(f) for f in FIELDS)
        if not (username and password and endpoints):
            remove(CONF)
            self.unit.status = ops.WaitingStatus('waiting for database')
            return
        endpoint = first_endpoint(endpoints)
        if endpoint is None:
            logger.warning('the database endpoints are not host:port: %r', endpoints)
            remove(CONF)
            self.unit.status = ops.BlockedStatus('database endpoints are not host:port')
            return
        tls = self._tls()
        conf = f'database-uri = {database_uri(username, password, endpoint)}\n'
        conf += f'tls = {"on" if tls else "off"}\n'
        if tls is None and self.model.get_relation('certificates') is not None:
            remove(*TLS_FILES)
            write_if_changed(pathlib.Path(CONF), conf)
            self.unit.status = ops.WaitingStatus('waiting for certificate')
            return
        if tls is None:
            remove(*TLS_FILES)
        else:
            for name, pem in zip(TLS_FILES, (tls.certificate, tls.ca, tls.private_key)):
                write_if_changed(pathlib.Path(name), pem.rstrip() + '\n')
        write_if_changed(pathlib.Path(CONF), conf)
        self.unit.status = ops.ActiveStatus('ready (tls)' if tls else 'ready')

    def _tls(self) -> Tls | None:
        """The certificate the CA issued for this unit's current key, its CA and the key."""
        if self.model.get_relation('certificates') is None:
            return None
        certificates, key = self.certificates.get_assigned_certificates()
        if not certificates or key is None:
            return None
        return Tls(str(certificates[0].certificate), str(certificates[0].ca), str(key))


if __name__ == '__main__':
    ops.main(BlogCharm)
