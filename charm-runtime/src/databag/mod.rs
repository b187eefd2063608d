//! Relation databags: string maps Juju stores per unit and per application, with a raw
//! view (`get`/`set`) and a typed one (`load`/`save`) encoded exactly as `ops` 3.x
//! `Relation.load`/`Relation.save` encode it: each field is a key, its value the field's
//! JSON (as Python's `json.dumps` writes it), a field left out deletes its key, and keys
//! the type does not name are ignored on load. Rust and Python charms read each other's
//! bags.
//!
//! Juju writes three plain-string keys into every unit's bag itself, [`JUJU_KEYS`]
//! (`ingress-address` and friends): a map or `#[serde(flatten)]` load leaves them out, a
//! field that names one gets the string as it is.
//!
//! **What a related application writes is untrusted.** It may be malicious or broken, and
//! retrying a hook does not change it. [`DataBag::get_line`] takes a value only if it fits
//! on one line (no line break, no NUL, at most [`MAX_LINE`] bytes), so it cannot add lines
//! to a `key=value` file; [`DataBag::get_secret`] takes a secret id only in a form Juju
//! issues and only on the relation that first brought it. Both report a bad value as
//! [`Error::BadRemoteValue`], which names the relation, the bag and the key: a charm turns
//! it into a blocked status, and the hook succeeds.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::relation::Relation;
use crate::secret::{Secret, SecretId};

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use decode::decode;
use decode::BagDeserializer;
pub(crate) use decode::{clip, preview};
pub use encode::{encode, to_python_json};

/// The keys Juju writes into every unit's databag itself, as plain strings (not JSON).
pub const JUJU_KEYS: [&str; 3] = ["egress-subnets", "ingress-address", "private-address"];

/// The longest value [`DataBag::get_line`] takes, in bytes: host names, database names and
/// URLs fit many times over; a longer "line" from another application is a bug or an
/// attack.
pub const MAX_LINE: usize = 4096;

/// What is wrong with a value another application wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadValue {
    /// It has a line break (`\n`, `\r`) or a NUL byte: in a `key=value` file it would
    /// add lines of its own.
    NotOneLine,
    /// It is longer than [`MAX_LINE`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// It is not a secret id as Juju issues them (see [`SecretId`]).
    NotASecretId,
    /// It names a secret this unit first received over another relation (see
    /// [`DataBag::get_secret`]).
    SecretOfAnotherRelation {
        /// That relation, as `endpoint:id`.
        relation: String,
    },
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::NotOneLine => f.write_str("is not one line (it has a line break or a NUL)"),
            BadValue::TooLong { len } => {
                write!(f, "is too long ({len} bytes, at most {MAX_LINE})")
            }
            BadValue::NotASecretId => f.write_str("is not a secret id"),
            BadValue::SecretOfAnotherRelation { relation } => {
                write!(f, "names a secret received over {relation}")
            }
        }
    }
}

/// Checks that `value` fits on one line: no `\n`, `\r` or NUL, at most [`MAX_LINE`] bytes.
/// For untrusted text that does not come from a databag, such as a secret's content.
///
/// ```
/// use charm_runtime::databag::{check_line, BadValue};
/// assert_eq!(check_line("db.example:5432"), Ok(()));
/// assert_eq!(check_line("webapp\nsmtp_host=evil.example"), Err(BadValue::NotOneLine));
/// ```
pub fn check_line(value: &str) -> Result<(), BadValue> {
    if value.len() > MAX_LINE {
        Err(BadValue::TooLong { len: value.len() })
    } else if value.contains(['\n', '\r', '\0']) {
        Err(BadValue::NotOneLine)
    } else {
        Ok(())
    }
}

/// A value another application wrote that is not what this charm expects: which relation,
/// whose bag, which key, and what is wrong. Never the value itself, which may be huge,
/// multi-line or crafted to mislead whoever reads the status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("relation {relation}, databag of {owner}: {}", self.reason())]
pub struct BadRemoteValue {
    /// The relation, as `endpoint:id`.
    pub relation: String,
    /// Whose bag: a unit or application name.
    pub owner: String,
    /// The key.
    pub key: String,
    /// What is wrong.
    pub problem: BadValue,
}

impl BadRemoteValue {
    /// What is wrong, short enough for a status: `` `host` is not one line (...)``, and for
    /// a secret id first received over another relation, `secret was not issued for this
    /// relation`.
    pub fn reason(&self) -> String {
        match &self.problem {
            BadValue::SecretOfAnotherRelation { .. } => {
                "secret was not issued for this relation".into()
            }
            problem => format!("`{}` {problem}", self.key),
        }
    }
}

/// Marker: a databag this unit may only read (the remote application's or a remote
/// unit's; the application's own bag on a peer relation for a non-leader).
#[derive(Debug)]
pub struct ReadOnly;
/// Marker: a databag this unit may write (its own unit bag; its application's bag, for
/// the leader).
#[derive(Debug)]
pub struct ReadWrite;

/// A view of one databag of one relation. `A` is [`ReadOnly`] or [`ReadWrite`]: writing
/// a read-only bag does not compile.
///
/// ```compile_fail
/// # use charm_runtime::Relation;
/// fn write_remote(relation: &Relation) -> charm_runtime::Result<()> {
///     relation.remote_app_data()?.set("password", "x"); // error: no method `set` on a read-only bag
///     Ok(())
/// }
/// ```
pub struct DataBag<'r, A> {
    relation: &'r Relation,
    owner: String,
    app: bool,
    _access: PhantomData<A>,
}

impl<A> fmt::Debug for DataBag<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataBag({} of {})", self.relation.key(), self.owner)
    }
}

impl<'r, A> DataBag<'r, A> {
    pub(crate) fn new(relation: &'r Relation, owner: String, app: bool) -> Self {
        DataBag {
            relation,
            owner,
            app,
            _access: PhantomData,
        }
    }

    /// Whose bag this is: a unit or application name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The whole bag, with this hook's pending writes applied.
    pub fn to_map(&self) -> Result<BTreeMap<String, String>> {
        self.relation.model.bag_read(
            self.relation.id,
            &self.relation.key(),
            &self.owner,
            self.app,
            self.relation.active,
        )
    }

    /// One value, or `None` if the key is not set.
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.to_map()?.remove(key))
    }

    /// One value that must be set; the error names the relation, the bag and the key.
    pub fn require(&self, key: &str) -> Result<String> {
        self.get(key)?.ok_or_else(|| self.error(key, "not set"))
    }

    /// One value that must fit on one line ([`check_line`]): what a charm may write into a
    /// `key=value` file or a command line. `None` if the key is not set; a value that does
    /// not fit is [`Error::BadRemoteValue`], and nothing of it is returned.
    ///
    /// ```
    /// # use charm_runtime::prelude::*;
    /// # fn f(relation: &Relation) -> Result<()> {
    /// match relation.remote_app_data()?.get_line("host") {
    ///     Ok(Some(host)) => { /* one line, at most 4 KiB: safe in a config file */ }
    ///     Ok(None) => { /* not published yet */ }
    ///     Err(Error::BadRemoteValue(bad)) => { /* blocked: `bad` names the relation and key */ }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_line(&self, key: &str) -> Result<Option<String>> {
        let Some(value) = self.get(key)? else {
            return Ok(None);
        };
        check_line(&value).map_err(|problem| self.bad(key, problem))?;
        Ok(Some(value))
    }

    /// The secret whose id another application published under `key`, read through this
    /// relation. `None` if the key is not set.
    ///
    /// Refused with [`Error::BadRemoteValue`]: a value that is not a secret id in a form
    /// Juju issues ([`BadValue::NotASecretId`]), and the id of a secret this unit first
    /// received over another relation that still exists
    /// ([`BadValue::SecretOfAnotherRelation`]): an SMTP provider naming the database's
    /// credentials secret gets nothing. Juju tells a consumer nothing of who granted a
    /// secret, so the tie is made on first use: the first relation an id is read through
    /// is recorded in the unit's charm state (key `charm-rs.secret-relations`, committed
    /// with the hook), and the id is refused on any other relation until that one is gone
    /// (its grants go with it). Reads earlier in the same hook count too.
    ///
    /// ```
    /// # use charm_runtime::prelude::*;
    /// # fn f(ctx: &Context<impl Charm>, db: &Relation) -> Result<()> {
    /// match db.remote_app_data()?.get_secret("credentials") {
    ///     Ok(Some(secret)) => {
    ///         let content = secret.refresh_content()?;
    ///         # let _ = content;
    ///     }
    ///     Ok(None) => ctx.set_status(Status::waiting("waiting for database credentials")),
    ///     Err(Error::BadRemoteValue(bad)) => ctx.set_status(Status::blocked(bad.to_string())),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_secret(&self, key: &str) -> Result<Option<Secret>> {
        let Some(value) = self.get(key)? else {
            return Ok(None);
        };
        let id = SecretId::parse(&value).ok_or_else(|| self.bad(key, BadValue::NotASecretId))?;
        if let Some(relation) = self.relation.bind_secret(&id)? {
            return Err(self.bad(key, BadValue::SecretOfAnotherRelation { relation }));
        }
        Ok(Some(Secret {
            model: std::rc::Rc::clone(&self.relation.model),
            id: Some(id),
            label: None,
        }))
    }

    fn bad(&self, key: &str, problem: BadValue) -> Error {
        Error::BadRemoteValue(BadRemoteValue {
            relation: self.relation.key(),
            owner: self.owner.clone(),
            key: key.to_string(),
            problem,
        })
    }

    /// Decodes the bag into `T` as `ops`' `Relation.load` does: each of `T`'s fields from
    /// the key of the same name (serde renames apply), its value parsed as JSON; other
    /// keys ignored.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Endpoint { host: String, port: u16 }
    /// fn endpoint(bag: charm_runtime::DataBag<'_, charm_runtime::ReadOnly>) -> charm_runtime::Result<Endpoint> {
    ///     // bag: {"host": "\"db-0\"", "port": "5432", "ingress-address": "10.0.0.1"}
    ///     bag.load()
    /// }
    /// ```
    pub fn load<T: DeserializeOwned>(&self) -> Result<T> {
        let map = self.to_map()?;
        T::deserialize(BagDeserializer { map: &map }).map_err(|e| {
            self.error(
                e.key.as_deref().unwrap_or("*"),
                &format!(
                    "cannot decode as {}: {}",
                    std::any::type_name::<T>(),
                    clip(&e.message)
                ),
            )
        })
    }

    fn error(&self, key: &str, detail: &str) -> Error {
        Error::Databag {
            relation: self.relation.key(),
            owner: self.owner.clone(),
            key: key.to_string(),
            detail: detail.to_string(),
        }
    }
}

impl DataBag<'_, ReadWrite> {
    /// Sets a key (an empty value deletes it, as in Juju). Written when the hook succeeds.
    pub fn set(&self, key: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        let value = if value.is_empty() { None } else { Some(value) };
        self.relation
            .model
            .bag_write(self.relation.id, &self.owner, self.app, key.into(), value);
    }

    /// Deletes a key. Written when the hook succeeds.
    pub fn remove(&self, key: impl Into<String>) {
        self.relation
            .model
            .bag_write(self.relation.id, &self.owner, self.app, key.into(), None);
    }

    /// Encodes `value` as `ops`' `Relation.save` does: each field (or map entry) one key,
    /// its value that field's JSON as Python's `json.dumps` writes it; a field serde skips
    /// (`skip_serializing_if`) deletes its key.
    ///
    /// ```
    /// # use charm_runtime::databag::encode;
    /// #[derive(serde::Serialize)]
    /// struct Db { database: String, port: u16, tags: Vec<String>, #[serde(skip_serializing_if = "Option::is_none")] replica: Option<String> }
    /// let bag = encode(&Db { database: "db0".into(), port: 5432, tags: vec!["a".into(), "é".into()], replica: None }).unwrap();
    /// assert_eq!(bag["database"].as_deref(), Some("\"db0\""));
    /// assert_eq!(bag["port"].as_deref(), Some("5432"));
    /// assert_eq!(bag["tags"].as_deref(), Some("[\"a\", \"\\u00e9\"]"));
    /// assert_eq!(bag["replica"], None); // deleted
    /// ```
    pub fn save<T: Serialize>(&self, value: &T) -> Result<()> {
        let encoded = encode(value).map_err(|e| self.error("*", &e.to_string()))?;
        for (key, value) in encoded {
            self.relation
                .model
                .bag_write(self.relation.id, &self.owner, self.app, key, value);
        }
        Ok(())
    }
}
