//! Certificates.

use std::collections::BTreeSet;
use std::net::IpAddr;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::csr::{collect_sans, common_name};
use crate::error::x509;
use crate::{pem, pem_der, Error, PrivateKey};

/// A certificate, as PEM.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    pem: String,
}

/// Two certificates are the same when their DER is (the library compares their PEM).
impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

/// Serialized as its PEM (how a deferred event keeps it); read back with [`Certificate::from_pem`].
impl serde::Serialize for Certificate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pem)
    }
}

impl<'de> serde::Deserialize<'de> for Certificate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Certificate::from_pem(&text).map_err(serde::de::Error::custom)
    }
}

impl Certificate {
    /// Reads a PEM certificate (`-----BEGIN CERTIFICATE-----`).
    pub fn from_pem(text: &str) -> Result<Certificate, Error> {
        Certificate::from_der(pem_der(text, "CERTIFICATE")?)
    }

    pub(crate) fn from_der(der: Vec<u8>) -> Result<Certificate, Error> {
        X509Certificate::from_der(&der).map_err(x509("certificate"))?;
        Ok(Certificate {
            pem: pem("CERTIFICATE", &der),
            der,
        })
    }

    fn parsed(&self) -> X509Certificate<'_> {
        X509Certificate::from_der(&self.der)
            .expect("parsed when made")
            .1
    }

    /// The PEM, as the library writes it (no final newline).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<String> {
        common_name(self.parsed().subject())
    }

    /// The DNS and IP subject alternative names.
    pub fn sans(&self) -> (BTreeSet<String>, BTreeSet<IpAddr>) {
        let mut dns = BTreeSet::new();
        let mut ips = BTreeSet::new();
        if let Ok(Some(san)) = self.parsed().subject_alternative_name() {
            collect_sans(&san.value.general_names, &mut dns, &mut ips);
        }
        (dns, ips)
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.parsed().validity().not_before.to_datetime()
    }

    /// End of validity (the library's `expiry_time`).
    pub fn not_after(&self) -> OffsetDateTime {
        self.parsed().validity().not_after.to_datetime()
    }

    /// Whether basic constraints say `CA:TRUE`.
    pub fn is_ca(&self) -> bool {
        matches!(self.parsed().basic_constraints(), Ok(Some(bc)) if bc.value.ca)
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.parsed().public_key().raw.to_vec()
    }

    /// Whether the certificate is for `key`.
    pub fn matches_private_key(&self, key: &PrivateKey) -> bool {
        self.public_key_der() == key.public_key_der()
    }

    /// Whether `issuer`'s key signed this certificate.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        let issuer = issuer.parsed();
        self.parsed()
            .verify_signature(Some(issuer.public_key()))
            .is_ok()
    }
}
