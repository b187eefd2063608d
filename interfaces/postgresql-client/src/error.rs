//! Errors: what in the relation data broke the protocol, and where.

/// A databag that does not follow the protocol.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field that must hold JSON of some shape does not.
    #[error("relation data field `{field}` is not {expected}: {value:?}")]
    BadField {
        /// The databag field.
        field: String,
        /// What it should hold.
        expected: &'static str,
        /// What it holds (cut to 200 characters).
        value: String,
    },
    /// The requirer changed a field that may only be set once (the libraries raise
    /// `ValueError: Cannot change <field> after relation has already been created`).
    #[error("Cannot change {0} after relation has already been created")]
    ImmutableField(String),
    /// The provider answered before the requirer asked for a database (the v0 library's
    /// `PrematureDataAccessError`).
    #[error("Premature access to relation data, update is forbidden before the connection is initialized.")]
    Premature,
    /// A secret the answer needs was not given to [`crate::Answer::bag_writes`].
    #[error("no id for the `{0}` secret: create or look it up first (Answer::secrets)")]
    MissingSecret(crate::SecretGroup),
}

pub(crate) fn bad_field(field: &str, expected: &'static str, value: &str) -> Error {
    Error::BadField {
        field: field.to_string(),
        expected,
        value: value.chars().take(200).collect(),
    }
}
