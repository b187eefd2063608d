//! Certificate signing requests, and the attributes a requirer asks for.

use std::collections::BTreeSet;
use std::net::IpAddr;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use crate::error::{crypto, x509};
use crate::{pem, pem_der, Error, PrivateKey};

/// `x500UniqueIdentifier` (2.5.4.45): the library puts a random UUID there, so that two
/// CSRs for the same names differ.
const UNIQUE_IDENTIFIER: [u64; 4] = [2, 5, 4, 45];

/// A certificate signing request, as PEM.
#[derive(Clone, Debug)]
pub struct CertificateSigningRequest {
    der: Vec<u8>,
    pem: String,
}

/// Two CSRs are the same request when their DER is (the library compares their PEM).
impl PartialEq for CertificateSigningRequest {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for CertificateSigningRequest {}

/// Serialized as its PEM (how a deferred event keeps it); read back with
/// [`CertificateSigningRequest::from_pem`].
impl serde::Serialize for CertificateSigningRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pem)
    }
}

impl<'de> serde::Deserialize<'de> for CertificateSigningRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CertificateSigningRequest::from_pem(&text).map_err(serde::de::Error::custom)
    }
}

impl CertificateSigningRequest {
    /// Reads a PEM CSR (`-----BEGIN CERTIFICATE REQUEST-----`) and checks its signature.
    pub fn from_pem(text: &str) -> Result<CertificateSigningRequest, Error> {
        let der = pem_der(text, "CERTIFICATE REQUEST")?;
        let (_, csr) = X509CertificationRequest::from_der(&der)
            .map_err(x509("certificate signing request"))?;
        csr.verify_signature()
            .map_err(x509("certificate signing request signature"))?;
        Ok(CertificateSigningRequest {
            pem: pem("CERTIFICATE REQUEST", &der),
            der,
        })
    }

    fn parsed(&self) -> X509CertificationRequest<'_> {
        X509CertificationRequest::from_der(&self.der)
            .expect("parsed when made")
            .1
    }

    /// The PEM, as the library writes it in the databag (no final newline).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<String> {
        common_name(&self.parsed().certification_request_info.subject)
    }

    /// Whether the subject has an `x500UniqueIdentifier`.
    pub fn has_unique_identifier(&self) -> bool {
        self.parsed()
            .certification_request_info
            .subject
            .iter_attributes()
            .any(|a| {
                a.attr_type()
                    .iter()
                    .is_some_and(|i| i.eq(UNIQUE_IDENTIFIER))
            })
    }

    /// The DNS and IP subject alternative names.
    pub fn sans(&self) -> (BTreeSet<String>, BTreeSet<IpAddr>) {
        let mut dns = BTreeSet::new();
        let mut ips = BTreeSet::new();
        if let Some(exts) = self.parsed().requested_extensions() {
            for ext in exts {
                if let ParsedExtension::SubjectAlternativeName(san) = ext {
                    collect_sans(&san.general_names, &mut dns, &mut ips);
                }
            }
        }
        (dns, ips)
    }

    /// The DER `SubjectPublicKeyInfo` of the requester's key.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.parsed()
            .certification_request_info
            .subject_pki
            .raw
            .to_vec()
    }

    /// Whether `key` is the key this CSR was made with.
    pub fn matches_private_key(&self, key: &PrivateKey) -> bool {
        self.public_key_der() == key.public_key_der()
    }

    /// SHA-256 of the PEM, in hex: names the requirer's certificate secret.
    pub fn sha256_hex(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.pem.as_bytes());
        digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

pub(crate) fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

pub(crate) fn collect_sans(
    names: &[GeneralName<'_>],
    dns: &mut BTreeSet<String>,
    ips: &mut BTreeSet<IpAddr>,
) {
    for name in names {
        match name {
            GeneralName::DNSName(d) => {
                dns.insert(d.to_string());
            }
            GeneralName::IPAddress(bytes) => {
                if let Ok(b) = <[u8; 4]>::try_from(*bytes) {
                    ips.insert(IpAddr::from(b));
                } else if let Ok(b) = <[u8; 16]>::try_from(*bytes) {
                    ips.insert(IpAddr::from(b));
                }
            }
            _ => {}
        }
    }
}

/// What a requirer asks a certificate for (`CertificateRequestAttributes`): a common
/// name and/or subject alternative names, and whether it is a CA.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateRequestAttributes {
    /// The subject's common name (empty: none).
    pub common_name: String,
    /// DNS subject alternative names.
    pub sans_dns: BTreeSet<String>,
    /// IP subject alternative names.
    pub sans_ip: BTreeSet<IpAddr>,
    /// Ask for a CA certificate.
    pub is_ca: bool,
    /// Put a random `x500UniqueIdentifier` in the subject (the library's default; keep it).
    pub add_unique_id_to_subject_name: bool,
}

impl CertificateRequestAttributes {
    /// A request for `common_name` (add SANs with [`with_dns`](Self::with_dns) and
    /// [`with_ip`](Self::with_ip)).
    pub fn new(common_name: impl Into<String>) -> CertificateRequestAttributes {
        CertificateRequestAttributes {
            common_name: common_name.into(),
            sans_dns: BTreeSet::new(),
            sans_ip: BTreeSet::new(),
            is_ca: false,
            add_unique_id_to_subject_name: true,
        }
    }

    /// Adds a DNS subject alternative name.
    pub fn with_dns(mut self, name: impl Into<String>) -> Self {
        self.sans_dns.insert(name.into());
        self
    }

    /// Adds an IP subject alternative name.
    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        self.sans_ip.insert(ip);
        self
    }

    /// The attributes a CSR asks for (`CertificateRequestAttributes.from_csr`); `is_ca`
    /// comes from the databag entry, not the CSR.
    pub fn from_csr(csr: &CertificateSigningRequest, is_ca: bool) -> CertificateRequestAttributes {
        let (sans_dns, sans_ip) = csr.sans();
        CertificateRequestAttributes {
            common_name: csr.common_name().unwrap_or_default(),
            sans_dns,
            sans_ip,
            is_ca,
            add_unique_id_to_subject_name: csr.has_unique_identifier(),
        }
    }

    /// Whether the library accepts these attributes: a common name or a SAN.
    pub fn is_valid(&self) -> bool {
        !self.common_name.is_empty() || !self.sans_dns.is_empty() || !self.sans_ip.is_empty()
    }

    /// A CSR for these attributes signed with `key` (`CertificateSigningRequest.generate`):
    /// subject `CN`, then a random `x500UniqueIdentifier`; the SANs in one extension.
    pub fn generate_csr(&self, key: &PrivateKey) -> Result<CertificateSigningRequest, Error> {
        if !self.is_valid() {
            return Err(Error::Invalid(
                "At least one of common_name, sans_dns, sans_ip, or sans_oid must be provided"
                    .into(),
            ));
        }
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        if !self.common_name.is_empty() {
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, self.common_name.as_str());
        }
        if self.add_unique_id_to_subject_name {
            params.distinguished_name.push(
                rcgen::DnType::CustomDnType(UNIQUE_IDENTIFIER.to_vec()),
                rcgen::DnValue::Utf8String(uuid::Uuid::new_v4().to_string()),
            );
        }
        for ip in &self.sans_ip {
            params
                .subject_alt_names
                .push(rcgen::SanType::IpAddress(*ip));
        }
        for name in &self.sans_dns {
            let name = name.clone().try_into().map_err(crypto("use a DNS name"))?;
            params.subject_alt_names.push(rcgen::SanType::DnsName(name));
        }
        let csr = params
            .serialize_request(&key.pair)
            .map_err(crypto("make a certificate signing request"))?;
        let der = csr.der().to_vec();
        Ok(CertificateSigningRequest {
            pem: pem("CERTIFICATE REQUEST", &der),
            der,
        })
    }
}
