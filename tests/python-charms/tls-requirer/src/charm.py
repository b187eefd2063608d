#!/usr/bin/env python3
"""tls-requirer: a tls-certificates requirer written with charmlibs-interfaces-tls-certificates.

`TLSCertificatesRequiresV4` in unit mode: the library keeps the unit's private key in a
unit-owned secret, puts the CSR in the unit databag and emits `certificate_available`,
which is appended to `events.log`. The assigned certificate, its CA and the private key
are written to `tls.crt`, `tls-ca.crt` and `tls.key`.
"""

from __future__ import annotations

import logging
import os
import pathlib

import ops
from charmlibs.interfaces.tls_certificates import (
    CertificateAvailableEvent,
    CertificateRequestAttributes,
    Mode,
    TLSCertificatesRequiresV4,
)

logger = logging.getLogger(__name__)

FILES = ('tls.crt', 'tls-ca.crt', 'tls.key')


def write_atomically(path: pathlib.Path, text: str, mode: int = 0o644):
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class RequirerCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        name = self.unit.name.replace('/', '-')
        self.certificates = TLSCertificatesRequiresV4(
            self,
            'certificates',
            certificate_requests=[CertificateRequestAttributes(common_name=name, sans_dns=[name])],
            mode=Mode.UNIT,
        )
        framework.observe(self.certificates.on.certificate_available, self._on_available)
        framework.observe(self.on.certificates_relation_broken, self._on_broken)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_available(self, event: CertificateAvailableEvent):
        with open('events.log', 'a') as log:
            log.write(f'certificate_available {event.certificate.common_name}\n')
        certificates, key = self.certificates.get_assigned_certificates()
        if not certificates or key is None:
            return
        write_atomically(pathlib.Path('tls.crt'), str(certificates[0].certificate) + '\n')
        write_atomically(pathlib.Path('tls-ca.crt'), str(certificates[0].ca) + '\n')
        write_atomically(pathlib.Path('tls.key'), str(key) + '\n', 0o600)

    def _on_broken(self, _: ops.RelationBrokenEvent):
        for name in FILES:
            pathlib.Path(name).unlink(missing_ok=True)

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        if not self.model.get_relation('certificates'):
            event.add_status(ops.BlockedStatus('missing certificates relation'))
        elif pathlib.Path('tls.crt').exists():
            event.add_status(ops.ActiveStatus('certificate ready'))
        else:
            event.add_status(ops.WaitingStatus('waiting for certificate'))


if __name__ == '__main__':
    ops.main(RequirerCharm)
