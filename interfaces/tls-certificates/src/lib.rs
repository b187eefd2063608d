//! The `tls-certificates` interface, v4: a certificate authority and the units (or
//! applications) it signs certificates for, exact to Canonical's Python library
//! (`charmlibs-interfaces-tls-certificates` 1.12.0, `TLSCertificatesRequiresV4` and
//! `TLSCertificatesProvidesV4`): components a charm attaches to its endpoint, over
//! plain functions on databags.
//!
//! - [`CertificatesRequires`] and [`CertificatesProvides`] are the components: a charm
//!   declares `#[requires(certificates(..))] certificates: CertificatesRequires` (or
//!   `#[provides(..)]` with the provider) and handles their events
//!   (`certificates::certificate_available`, `certificates::certificate_creation_request`,
//!   ...); the interface name, `tls-certificates`, comes from here.
//!
//! - The requirer ([`requirer`]) keeps a private key (in a secret the framework stores),
//!   puts certificate signing requests in its unit databag (unit mode) or application
//!   databag (app mode, leader only) as the JSON list `certificate_signing_requests`, and
//!   takes the certificates the provider publishes for them.
//! - The provider ([`provider`]) reads every requirer's CSRs, publishes a certificate for
//!   each (`certificates` in its application databag: certificate, CA, chain, CSR) and
//!   withdraws those whose CSR is gone.
//!
//! X.509 is [`rcgen`]'s (keys, CSRs, signing) and [`x509_parser`]'s (reading).
//!
//! ```
//! use charm_tls_certificates::{CertificateAuthority, CertificateRequestAttributes, KeyAlgorithm, PrivateKey};
//! let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
//! let csr = CertificateRequestAttributes::new("blog-1").with_dns("blog-1").generate_csr(&key).unwrap();
//! let ca = CertificateAuthority::generate("minica", time::Duration::days(365)).unwrap();
//! let cert = ca.sign(&csr, time::Duration::days(90), false).unwrap();
//! assert_eq!(cert.common_name().as_deref(), Some("blog-1"));
//! assert!(cert.matches_private_key(&key));
//! ```

mod ca;
mod certificate;
mod csr;
mod databag;
mod error;
mod key;
pub mod provider;
mod provides;
pub mod requirer;
mod requires;

use std::collections::BTreeMap;

pub use ca::CertificateAuthority;
pub use certificate::Certificate;
pub use csr::{CertificateRequestAttributes, CertificateSigningRequest};
pub use databag::{
    CertificateError, ProviderCapabilities, ProviderCertificate, RequestError, RequirerCsr,
};
pub use error::Error;
pub use key::{KeyAlgorithm, PrivateKey};
pub use provides::{CertificateCreationRequest, CertificatesProvides, IssuedCertificate};
pub use requirer::AvailableCertificate;
pub use requires::{
    CertificateAvailable, CertificateDenied, CertificateWithdrawn, CertificatesRequires,
};

/// A databag as `relation-get` returns it.
pub type Bag = BTreeMap<String, String>;

/// Writes to a databag: a key mapped to `None` is deleted (`relation-set key=`).
pub type BagWrites = BTreeMap<String, Option<String>>;

/// The library's id, which prefixes every secret label it makes
/// (`LIBID` of the Charmhub library it replaced).
pub const LIBID: &str = "afd8c2bccf834997afce12c2706d2ede";

/// Whose certificates the requirer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Each unit its own key, CSRs and certificates, in its unit databag (the default).
    Unit,
    /// One key and certificate for the application, kept by the leader, in the
    /// application databag.
    App,
}

/// Applies `writes` to a databag of this hook (`None`: delete the key).
pub(crate) fn write_bag(
    bag: &charm_runtime::databag::DataBag<'_, charm_runtime::databag::ReadWrite>,
    writes: &BagWrites,
) {
    for (key, value) in writes {
        match value {
            Some(value) => bag.set(key, value),
            None => bag.remove(key),
        }
    }
}

/// A PEM block as the library writes it: 64-column base64, `\n` line ends, no final
/// newline (`str(...)` of its objects strips it).
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(label, der.to_vec()), config)
        .trim_end()
        .to_string()
}

/// The DER of the first PEM block of `label` in `text`.
pub(crate) fn pem_der(text: &str, label: &'static str) -> Result<Vec<u8>, Error> {
    let block = ::pem::parse(text.trim()).map_err(|e| Error::Pem {
        label,
        reason: e.to_string(),
    })?;
    if block.tag() != label {
        return Err(Error::Pem {
            label,
            reason: format!("found a {} block", block.tag()),
        });
    }
    Ok(block.into_contents())
}
