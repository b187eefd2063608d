//! The databag models of the library (`_RequirerData`, `_ProviderApplicationData`), each
//! field JSON-encoded as its `_DatabagModel.dump` writes it: `json.dumps` of the pydantic
//! dump with defaults left out (`exclude_defaults=True`), so empty lists and unset fields
//! are absent, and fields in model order. One difference: `dump` clears the whole databag
//! before writing (in a unit databag that deletes Juju's own `ingress-address` and the
//! like); here only the model's fields are written or deleted.

use serde::{Deserialize, Serialize};

use crate::error::databag;
use crate::{Bag, BagWrites, Certificate, CertificateSigningRequest, Error};

/// The requirer's field: the JSON list of its CSRs.
pub(crate) const CSRS_FIELD: &str = "certificate_signing_requests";
/// The provider's field: the JSON list of issued certificates.
pub(crate) const CERTIFICATES_FIELD: &str = "certificates";
/// The provider's field: the JSON list of refused CSRs.
pub(crate) const ERRORS_FIELD: &str = "request_errors";
/// The provider's field: what it can issue.
pub(crate) const CAPABILITIES_FIELD: &str = "capabilities";

/// One entry of `certificate_signing_requests` (`_CertificateSigningRequest`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirerCsr {
    /// The CSR, PEM.
    pub certificate_signing_request: String,
    /// Whether a CA certificate is asked for (`null` counts as `false`).
    pub ca: Option<bool>,
}

/// One entry of `certificates` (`_Certificate`): a certificate issued for a CSR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCertificate {
    /// The CA certificate, PEM.
    pub ca: String,
    /// The CSR it answers, PEM.
    pub certificate_signing_request: String,
    /// The certificate, PEM.
    pub certificate: String,
    /// The chain, leaf first (the library writes `[certificate, ca]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Vec<String>>,
    /// Set by a provider that revoked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
}

impl ProviderCertificate {
    /// The entry for `certificate`, signed by `ca`, answering `csr`, with the chain
    /// `[certificate, ca]`.
    pub fn new(
        certificate: &Certificate,
        csr: &CertificateSigningRequest,
        ca: &Certificate,
    ) -> ProviderCertificate {
        ProviderCertificate {
            ca: ca.pem().to_string(),
            certificate_signing_request: csr.pem().to_string(),
            certificate: certificate.pem().to_string(),
            chain: Some(vec![certificate.pem().to_string(), ca.pem().to_string()]),
            revoked: None,
        }
    }

    /// The CSR it answers.
    pub fn csr(&self) -> Result<CertificateSigningRequest, Error> {
        CertificateSigningRequest::from_pem(&self.certificate_signing_request)
    }

    /// The certificate.
    pub fn certificate(&self) -> Result<Certificate, Error> {
        Certificate::from_pem(&self.certificate)
    }

    /// The CA certificate.
    pub fn ca_certificate(&self) -> Result<Certificate, Error> {
        Certificate::from_pem(&self.ca)
    }
}

/// Why a provider refused a CSR (`CertificateError`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateError {
    /// 1xx: the CSR; 2xx: the server; 9xx: other.
    pub code: i64,
    /// Name of the code.
    pub name: String,
    /// What happened.
    pub message: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Where to look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// One entry of `request_errors` (`_RequestError`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestError {
    /// The refused CSR, PEM.
    pub csr: String,
    /// Why.
    pub error: CertificateError,
}

/// What a provider says it can issue (`ProviderCapabilities`); every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCapabilities {
    /// IP addresses in SANs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_ip_sans: Option<bool>,
    /// Wildcard DNS names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_wildcard_dns: Option<bool>,
    /// Subdomain certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_subdomain: Option<bool>,
    /// CA certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_ca_certificates: Option<bool>,
    /// The DNS domains it signs for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_domains: Option<Vec<String>>,
    /// `acme`, `vault`, `self-signed`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
}

/// The provider's application databag (`_ProviderApplicationData`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProviderData {
    pub(crate) certificates: Vec<ProviderCertificate>,
    pub(crate) request_errors: Vec<RequestError>,
    pub(crate) capabilities: Option<ProviderCapabilities>,
}

fn load<T: for<'de> Deserialize<'de>>(bag: &Bag, field: &'static str) -> Result<Option<T>, Error> {
    bag.get(field)
        .map(|text| serde_json::from_str(text).map_err(|e| databag(field, e)))
        .transpose()
}

/// `json.dumps(value)`, or delete the key when the value is the default.
fn dump<T: Serialize>(out: &mut BagWrites, field: &str, value: Option<&T>) {
    let text = value.map(|v| charm_runtime::databag::to_python_json(v).expect("models encode"));
    out.insert(field.to_string(), text);
}

/// The CSR entries of a requirer databag.
pub(crate) fn load_csrs(bag: &Bag) -> Result<Vec<RequirerCsr>, Error> {
    Ok(load(bag, CSRS_FIELD)?.unwrap_or_default())
}

/// The write that stores `csrs` (the key goes when the list is empty).
pub(crate) fn dump_csrs(csrs: &[RequirerCsr]) -> BagWrites {
    let mut out = BagWrites::new();
    dump(&mut out, CSRS_FIELD, (!csrs.is_empty()).then_some(&csrs));
    out
}

impl ProviderData {
    pub(crate) fn load(bag: &Bag) -> Result<ProviderData, Error> {
        Ok(ProviderData {
            certificates: load(bag, CERTIFICATES_FIELD)?.unwrap_or_default(),
            request_errors: load(bag, ERRORS_FIELD)?.unwrap_or_default(),
            capabilities: load(bag, CAPABILITIES_FIELD)?,
        })
    }

    pub(crate) fn dump(&self) -> BagWrites {
        let mut out = BagWrites::new();
        let certs = &self.certificates;
        dump(
            &mut out,
            CERTIFICATES_FIELD,
            (!certs.is_empty()).then_some(&certs),
        );
        let errors = &self.request_errors;
        dump(
            &mut out,
            ERRORS_FIELD,
            (!errors.is_empty()).then_some(&errors),
        );
        dump(&mut out, CAPABILITIES_FIELD, self.capabilities.as_ref());
        out
    }
}
