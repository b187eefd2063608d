//! A certificate authority: a key and a self-signed certificate that signs CSRs, with the
//! extensions the library's `generate_self_signed_ca` and `Certificate.generate` give.

use time::{Duration, OffsetDateTime};

use crate::error::crypto;
use crate::{Certificate, CertificateSigningRequest, Error, KeyAlgorithm, PrivateKey};

/// A CA: its certificate and private key.
#[derive(Debug)]
pub struct CertificateAuthority {
    certificate: Certificate,
    key: PrivateKey,
}

impl CertificateAuthority {
    /// A new CA with a P-256 key: subject `CN=<common_name>`, `CA:TRUE` (critical), key
    /// usage digitalSignature and keyCertSign (critical), subject key identifier, valid
    /// from now for `validity`.
    pub fn generate(common_name: &str, validity: Duration) -> Result<CertificateAuthority, Error> {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now;
        params.not_after = now + validity;
        params.serial_number = Some(random_serial()?);
        let cert = params
            .self_signed(&key.pair)
            .map_err(crypto("make the CA certificate"))?;
        let certificate = Certificate::from_der(cert.der().to_vec())?;
        Ok(CertificateAuthority { certificate, key })
    }

    /// A CA from its certificate and key (as kept in a secret).
    pub fn from_pem(certificate: &str, key: &str) -> Result<CertificateAuthority, Error> {
        let certificate = Certificate::from_pem(certificate)?;
        let key = PrivateKey::from_pem(key)?;
        if !certificate.matches_private_key(&key) {
            return Err(Error::Key("the CA key is not the CA certificate's".into()));
        }
        Ok(CertificateAuthority { certificate, key })
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs `csr` (`Certificate.generate`): the CSR's subject and subject alternative
    /// names, authority and subject key identifiers, `CA:<is_ca>` (critical), for a CA key
    /// usage keyCertSign and cRLSign, for an EC key digitalSignature (critical); valid
    /// from now for `validity`.
    pub fn sign(
        &self,
        csr: &CertificateSigningRequest,
        validity: Duration,
        is_ca: bool,
    ) -> Result<Certificate, Error> {
        let mut request =
            rcgen::CertificateSigningRequestParams::from_der(&csr.der().to_vec().into())
                .map_err(crypto("read the certificate signing request"))?;
        let params = &mut request.params;
        let now = OffsetDateTime::now_utc();
        params.not_before = now;
        params.not_after = now + validity;
        params.serial_number = Some(random_serial()?);
        params.use_authority_key_identifier_extension = true;
        params.extended_key_usages.clear();
        if is_ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params.key_usages = vec![
                rcgen::KeyUsagePurpose::KeyCertSign,
                rcgen::KeyUsagePurpose::CrlSign,
            ];
        } else {
            params.is_ca = rcgen::IsCa::ExplicitNoCa;
            let ec = csr_is_ec(csr);
            if ec && params.key_usages.is_empty() {
                params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
            }
        }
        let issuer = rcgen::Issuer::from_ca_cert_der(
            &self.certificate.der().to_vec().into(),
            &self.key.pair,
        )
        .map_err(crypto("use the CA certificate"))?;
        let cert = request
            .signed_by(&issuer)
            .map_err(crypto("sign the certificate"))?;
        Certificate::from_der(cert.der().to_vec())
    }
}

fn csr_is_ec(csr: &CertificateSigningRequest) -> bool {
    use x509_parser::prelude::FromDer;
    let spki = csr.public_key_der();
    x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki).is_ok_and(|(_, k)| {
        k.algorithm.algorithm == x509_parser::oid_registry::OID_KEY_TYPE_EC_PUBLIC_KEY
    })
}

/// A random positive 159-bit serial number (RFC 5280 allows 20 octets; `x509.random_serial_number`).
fn random_serial() -> Result<rcgen::SerialNumber, Error> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 20];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Crypto {
            what: "draw a serial number",
            reason: "no randomness".into(),
        })?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(rcgen::SerialNumber::from_slice(&bytes))
}
