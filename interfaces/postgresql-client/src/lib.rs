//! The `postgresql_client` interface: a database (PostgreSQL, MySQL, ...) and its clients,
//! exact to Canonical's Python libraries, as plain functions over databags and secret
//! contents.
//!
//! - The requirer ([`requirer`]) speaks **v0**, the protocol of `data_platform_libs`
//!   `v0/data_interfaces.py` (LIBPATCH 59), which both v0 providers and v1 providers
//!   (`dpcharmlibs-interfaces`) serve.
//! - The provider ([`provider`]) serves v0 requirers (the request is the requirer's
//!   application databag) and v1 requirers (each entry of the JSON list `requests`),
//!   answering each the way that version's library does.
//!
//! Two components glue them to a charm: [`DatabaseRequires`] and [`DatabaseProvides`],
//! attached to an endpoint, observe its events and emit the libraries' events
//! ([`DatabaseCreated`], [`DatabaseEntityCreated`], [`PrefixDatabasesChanged`],
//! [`DatabaseRequested`], ...).
//!
//! The protocol modules call no hook tool: each function takes the databags (`BTreeMap<String,
//! String>`, as `relation-get` returns them) and returns what to write (a key mapped to
//! `None` is deleted), the events the libraries would emit, and the secrets to create,
//! update or label; the values are those the Python
//! libraries read and write, byte for byte (see the fixtures in `tests/fixtures/`,
//! recorded from the libraries themselves).
//!
//! ```
//! use charm_postgresql_client::requirer::DatabaseRequest;
//! // The requirer's leader, on relation-created:
//! let writes = DatabaseRequest::new("blog").relation_created(false);
//! assert_eq!(writes.app["database"].as_deref(), Some("blog"));
//! assert_eq!(
//!     writes.unit["provided-secrets"].as_deref(),
//!     Some(r#"["mtls-cert"]"#)
//! );
//! ```

use std::collections::BTreeMap;

pub mod diff;
mod error;
mod glue;
mod json;
pub mod provider;
pub mod provides;
pub mod requirer;
pub mod requires;
mod secret;

pub use diff::Diff;
pub use error::Error;
pub use provider::{Answer, Request, Response};
pub use provides::{DatabaseProvides, DatabaseRequested};
pub use requires::{
    CredentialsChanged, DatabaseCreated, DatabaseEntityCreated, DatabaseRequires, EndpointsChanged,
    PrefixDatabasesChanged, ReadOnlyEndpointsChanged,
};
pub use secret::{SecretGroup, SecretLabel, SECRET_FIELD_PREFIX};

/// A databag as `relation-get` returns it.
pub type Bag = BTreeMap<String, String>;

/// Writes to a databag: a key mapped to `None` is deleted (`relation-set key=`).
pub type BagWrites = BTreeMap<String, Option<String>>;

/// The relation a call is about: its endpoint (relation name) and id, which name its secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationRef<'a> {
    /// The endpoint, e.g. `database`.
    pub endpoint: &'a str,
    /// The relation id.
    pub id: u32,
}

impl<'a> RelationRef<'a> {
    /// The relation `id` on `endpoint`.
    pub fn new(endpoint: &'a str, id: u32) -> RelationRef<'a> {
        RelationRef { endpoint, id }
    }
}

/// A secret of the other side: look it up by its label, else by its id (giving it the
/// label: `secret-get <uri> --label <label>`), as the libraries' `CachedSecret.meta` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    /// Its group.
    pub group: SecretGroup,
    /// The label the libraries give it (see [`SecretGroup::label`]).
    pub label: String,
    /// Its id, as published in the databag field `secret-<group>`, if it is there.
    pub uri: Option<String>,
}

/// A status the provider raised on the relation (`status` field: a JSON list of these).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct RelationStatus {
    /// `1xxx` informational, `4xxx` transitory, `5xxx` fatal.
    pub code: i64,
    /// What happened.
    pub message: String,
    /// What to do about it.
    pub resolution: String,
}

/// The `status` field: the statuses the provider currently raises.
const STATUS_FIELD: &str = "status";

/// `json.loads(bag.get(field, "{}"))`, which must be an object.
fn json_object(bag: &Bag, field: &str) -> Result<json::Object, Error> {
    match bag.get(field) {
        None => Ok(json::Object::new()),
        Some(text) => match json::Json::parse(text) {
            Ok(json::Json::Object(o)) => Ok(o),
            _ => Err(error::bad_field(field, "a JSON object", text)),
        },
    }
}

/// `json.loads(bag.get(field, "[]"))` as a list of strings.
fn json_string_list(bag: &Bag, field: &str) -> Result<Option<Vec<String>>, Error> {
    match bag.get(field) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|_| error::bad_field(field, "a JSON list of strings", text)),
    }
}

/// The bag as a JSON object (keys in the bag's order: sorted, as Juju hands them over),
/// without the `data` field.
fn bag_object(bag: &Bag) -> json::Object {
    bag.iter()
        .filter(|(k, _)| k.as_str() != diff::DATA_FIELD)
        .map(|(k, v)| (k.clone(), json::Json::str(v.as_str())))
        .collect()
}
