//! Errors: bad keys, CSRs, certificates and databags, saying which.

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Text that should hold a PEM block of some kind does not.
    #[error("not a PEM {label}: {reason}")]
    Pem {
        /// The PEM label expected (`CERTIFICATE`, ...).
        label: &'static str,
        /// Why.
        reason: String,
    },
    /// A CSR or certificate that does not parse, or whose signature is wrong.
    #[error("invalid {what}: {reason}")]
    X509 {
        /// `certificate signing request`, `certificate`, ...
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A private key rcgen cannot use (only unencrypted PKCS#8, `BEGIN PRIVATE KEY`, is
    /// read; the Python library stores `BEGIN RSA PRIVATE KEY`/`BEGIN EC PRIVATE KEY`).
    #[error("unusable private key: {0}")]
    Key(String),
    /// Key generation, CSR generation or signing failed.
    #[error("cannot {what}: {reason}")]
    Crypto {
        /// What was being done.
        what: &'static str,
        /// rcgen's reason.
        reason: String,
    },
    /// A databag field that does not hold what the protocol says.
    #[error("relation data field `{field}` is invalid: {reason}")]
    Databag {
        /// The field.
        field: &'static str,
        /// Why (cut to 200 characters).
        reason: String,
    },
    /// A request the library refuses (no name at all, a renewal fraction out of range).
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn crypto(what: &'static str) -> impl Fn(rcgen::Error) -> Error {
    move |e| Error::Crypto {
        what,
        reason: e.to_string(),
    }
}

pub(crate) fn x509<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::X509 {
        what,
        reason: e.to_string(),
    }
}

pub(crate) fn databag(field: &'static str, reason: impl std::fmt::Display) -> Error {
    Error::Databag {
        field,
        reason: reason.to_string().chars().take(200).collect(),
    }
}
