#!/usr/bin/env python3
"""tls-provider: a tls-certificates provider (CA) written with charmlibs-interfaces-tls-certificates.

The leader creates a CA (private key and self-signed certificate valid 365 days) once,
keeps it in an application secret labelled `ca`, and signs every outstanding CSR
(`get_outstanding_certificate_requests`) for 90 days, publishing certificate, CA and chain
through `set_relation_certificate`. The library withdraws certificates whose CSR is gone.
"""

from __future__ import annotations

import datetime
import logging

import ops
from charmlibs.interfaces.tls_certificates import (
    Certificate,
    CertificateRequestAttributes,
    PrivateKey,
    ProviderCertificate,
    TLSCertificatesProvidesV4,
)

logger = logging.getLogger(__name__)


class ProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificates = TLSCertificatesProvidesV4(self, 'certificates')
        for event in (
            self.on.leader_elected,
            self.on.config_changed,
            self.on.certificates_relation_changed,
            self.on.update_status,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.get_ca_certificate_action, self._on_get_ca)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _ca(self) -> tuple[Certificate, PrivateKey] | None:
        try:
            content = self.model.get_secret(label='ca').get_content(refresh=True)
        except ops.SecretNotFoundError:
            return None
        return (
            Certificate.from_string(content['certificate']),
            PrivateKey.from_string(content['private-key']),
        )

    def _reconcile(self, _: ops.EventBase):
        if not self.unit.is_leader():
            return
        ca = self._ca()
        if ca is None:
            key = PrivateKey.generate()
            attributes = CertificateRequestAttributes(
                common_name=str(self.config['ca-common-name']), is_ca=True
            )
            certificate = Certificate.generate_self_signed_ca(
                attributes, key, datetime.timedelta(days=365)
            )
            self.app.add_secret(
                {'certificate': str(certificate), 'private-key': str(key)}, label='ca'
            )
            ca = (certificate, key)
        ca_certificate, ca_key = ca
        for request in self.certificates.get_outstanding_certificate_requests():
            certificate = request.certificate_signing_request.sign(
                ca_certificate, ca_key, datetime.timedelta(days=90), is_ca=request.is_ca
            )
            self.certificates.set_relation_certificate(
                ProviderCertificate(
                    relation_id=request.relation_id,
                    certificate=certificate,
                    certificate_signing_request=request.certificate_signing_request,
                    ca=ca_certificate,
                    chain=[certificate, ca_certificate],
                )
            )

    def _on_get_ca(self, event: ops.ActionEvent):
        ca = self._ca()
        if ca is None:
            event.fail('no CA yet')
            return
        event.set_results({'ca-certificate': str(ca[0])})

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        issued = len(self.certificates.get_issued_certificates()) if self.unit.is_leader() else 0
        event.add_status(ops.ActiveStatus(f'{issued} certificates issued'))


if __name__ == '__main__':
    ops.main(ProviderCharm)
