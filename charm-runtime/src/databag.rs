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

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::ser::{self, Impossible, Serialize};

use crate::error::{Error, Result};
use crate::relation::Relation;
use crate::secret::{Secret, SecretId};

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

/// Decodes a raw bag as [`DataBag::load`] does, without a relation: for the fuzz targets
/// and tests. The error names the key.
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(map: &BTreeMap<String, String>) -> Result<T> {
    T::deserialize(BagDeserializer { map }).map_err(|e| Error::Databag {
        relation: "-".into(),
        owner: "-".into(),
        key: e.key.unwrap_or_else(|| "*".into()),
        detail: e.message,
    })
}

// ---------------------------------------------------------------------------------------
// Decoding: a map deserializer that decodes each value as JSON, only for the keys asked.

#[derive(Debug)]
struct DecodeError {
    key: Option<String>,
    message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for DecodeError {}
impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError {
            key: None,
            message: msg.to_string(),
        }
    }
}

struct BagDeserializer<'a> {
    map: &'a BTreeMap<String, String>,
}

impl<'a> de::Deserializer<'a> for BagDeserializer<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        // A map (or a `#[serde(flatten)]` struct) takes every key but Juju's own.
        let entries: Vec<(&str, &str)> = self
            .map
            .iter()
            .filter(|(k, _)| !JUJU_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        visitor.visit_map(BagMap {
            entries: entries.into_iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        // Only the keys the type names: `ingress-address` and friends are not JSON, and a
        // field naming one gets its plain string (below).
        let entries: Vec<(&str, &str)> = self
            .map
            .iter()
            .filter(|(k, _)| fields.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        visitor.visit_map(BagMap {
            entries: entries.into_iter(),
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'a>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

struct BagMap<'a, I: Iterator<Item = (&'a str, &'a str)>> {
    entries: I,
    value: Option<(&'a str, &'a str)>,
}

impl<'a, I: Iterator<Item = (&'a str, &'a str)>> MapAccess<'a> for BagMap<'a, I> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some((k, v));
                let de: de::value::StrDeserializer<'_, DecodeError> = k.into_deserializer();
                seed.deserialize(de).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'a>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, DecodeError> {
        let (key, raw) = self.value.take().ok_or_else(|| DecodeError {
            key: None,
            message: "value requested before key".into(),
        })?;
        if JUJU_KEYS.contains(&key) {
            return seed
                .deserialize(serde_json::Value::String(raw.to_string()))
                .map_err(|e| DecodeError {
                    key: Some(key.to_string()),
                    message: format!("value {}: {}", preview(raw), clip(&e)),
                });
        }
        let mut de = serde_json::Deserializer::from_str(raw);
        let value = seed.deserialize(&mut de).map_err(|e| DecodeError {
            key: Some(key.to_string()),
            message: if e.is_syntax() || e.is_eof() {
                format!("value {} is not JSON ({})", preview(raw), clip(&e))
            } else {
                format!("value {}: {}", preview(raw), clip(&e))
            },
        })?;
        de.end().map_err(|e| DecodeError {
            key: Some(key.to_string()),
            message: format!(
                "value {} has trailing characters ({})",
                preview(raw),
                clip(&e)
            ),
        })?;
        Ok(value)
    }
}

/// An error message cut to 200 characters: serde's messages quote the offending value
/// whole, and a 1 MiB value must not make a 1 MiB log line.
pub(crate) fn clip(e: &dyn fmt::Display) -> String {
    const MAX: usize = 200;
    let text = e.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}… ({} bytes)", text.len())
    }
}

/// `raw`, quoted, cut to its first 60 characters (with its length in bytes when cut).
pub(crate) fn preview(raw: &str) -> String {
    const MAX: usize = 60;
    if raw.chars().count() <= MAX {
        format!("{raw:?}")
    } else {
        let head: String = raw.chars().take(MAX).collect();
        format!("{head:?}… ({} bytes)", raw.len())
    }
}

// ---------------------------------------------------------------------------------------
// Encoding: one key per field, each value as Python's json.dumps writes it.

/// Encodes a struct or map as `ops`' `Relation.save` does. `None` values are keys to
/// delete (fields serde skipped).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<BTreeMap<String, Option<String>>> {
    let mut out = BTreeMap::new();
    value
        .serialize(TopSerializer { out: &mut out })
        .map_err(|e| Error::msg(format!("cannot encode databag: {e}")))?;
    Ok(out)
}

/// JSON as Python's `json.dumps` writes it (`", "` and `": "` separators, non-ASCII as
/// `\uXXXX`), so bags written by Rust and by `ops` are byte-for-byte the same.
///
/// ```
/// let s = charm_runtime::databag::to_python_json(&vec!["a", "b"]).unwrap();
/// assert_eq!(s, r#"["a", "b"]"#);
/// ```
pub fn to_python_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, PythonFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::msg(format!("cannot encode as JSON: {e}")))?;
    String::from_utf8(buf).map_err(|e| Error::msg(e.to_string()))
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct EncodeError(String);
impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for EncodeError {}
impl ser::Error for EncodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

struct TopSerializer<'a> {
    out: &'a mut BTreeMap<String, Option<String>>,
}

fn not_a_struct<T>(what: &str) -> Result<T, EncodeError> {
    Err(EncodeError(format!(
        "a databag is encoded from a struct or a map with string keys, not {what}"
    )))
}

fn encode_value<T: Serialize + ?Sized>(value: &T) -> Result<String, EncodeError> {
    to_python_json(value).map_err(|e| EncodeError(e.to_string()))
}

struct FieldsSerializer<'a> {
    out: &'a mut BTreeMap<String, Option<String>>,
    key: Option<String>,
}

impl ser::SerializeStruct for FieldsSerializer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.out.insert(key.to_string(), Some(encode_value(value)?));
        Ok(())
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), EncodeError> {
        self.out.insert(key.to_string(), None);
        Ok(())
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl ser::SerializeMap for FieldsSerializer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        let v = serde_json::to_value(key).map_err(|e| EncodeError(e.to_string()))?;
        match v {
            serde_json::Value::String(s) => {
                self.key = Some(s);
                Ok(())
            }
            other => Err(EncodeError(format!(
                "databag keys are strings, not {other}"
            ))),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| EncodeError("value without a key".into()))?;
        self.out.insert(key, Some(encode_value(value)?));
        Ok(())
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl<'a> ser::Serializer for TopSerializer<'a> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Impossible<(), EncodeError>;
    type SerializeTuple = Impossible<(), EncodeError>;
    type SerializeTupleStruct = Impossible<(), EncodeError>;
    type SerializeTupleVariant = Impossible<(), EncodeError>;
    type SerializeMap = FieldsSerializer<'a>;
    type SerializeStruct = FieldsSerializer<'a>;
    type SerializeStructVariant = Impossible<(), EncodeError>;

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, EncodeError> {
        Ok(FieldsSerializer {
            out: self.out,
            key: None,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Ok(FieldsSerializer {
            out: self.out,
            key: None,
        })
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), EncodeError> {
        not_a_struct("a bool")
    }
    fn serialize_i8(self, _: i8) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_i16(self, _: i16) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_i32(self, _: i32) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_i64(self, _: i64) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_u8(self, _: u8) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_u16(self, _: u16) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_u32(self, _: u32) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_u64(self, _: u64) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_f32(self, _: f32) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_f64(self, _: f64) -> Result<(), EncodeError> {
        not_a_struct("a number")
    }
    fn serialize_char(self, _: char) -> Result<(), EncodeError> {
        not_a_struct("a char")
    }
    fn serialize_str(self, _: &str) -> Result<(), EncodeError> {
        not_a_struct("a string")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), EncodeError> {
        not_a_struct("bytes")
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        not_a_struct("None")
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        not_a_struct("()")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EncodeError> {
        not_a_struct("a unit struct")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), EncodeError> {
        not_a_struct("an enum")
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), EncodeError> {
        not_a_struct("an enum")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, EncodeError> {
        not_a_struct("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, EncodeError> {
        not_a_struct("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, EncodeError> {
        not_a_struct("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        not_a_struct("an enum")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        not_a_struct("an enum")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Creds {
        database: String,
        port: u16,
        #[serde(rename = "read-only")]
        read_only: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replica: Option<String>,
    }

    fn decode<T: DeserializeOwned>(pairs: &[(&str, &str)]) -> Result<T, DecodeError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        T::deserialize(BagDeserializer { map: &map })
    }

    #[test]
    fn load_ignores_unknown_keys_that_are_not_json() {
        let c: Creds = decode(&[
            ("database", "\"db0\""),
            ("port", "5432"),
            ("read-only", "false"),
            ("ingress-address", "10.0.0.1"),
        ])
        .unwrap();
        assert_eq!(c.database, "db0");
        assert_eq!(c.replica, None);
    }

    /// What Juju puts in every unit's bag, beside the charm's own (JSON) keys.
    const UNIT_BAG: [(&str, &str); 5] = [
        ("egress-subnets", "10.0.0.7/32"),
        ("ingress-address", "10.0.0.7"),
        ("private-address", "10.0.0.7"),
        ("host", "\"db-0\""),
        ("port", "5432"),
    ];

    #[test]
    fn maps_and_flattened_structs_load_unit_bags() {
        let map: BTreeMap<String, serde_json::Value> = decode(&UNIT_BAG).unwrap();
        assert_eq!(
            map,
            BTreeMap::from([
                ("host".to_string(), serde_json::json!("db-0")),
                ("port".to_string(), serde_json::json!(5432)),
            ])
        );

        #[derive(Debug, Deserialize, PartialEq)]
        struct Endpoint {
            host: String,
            #[serde(flatten)]
            rest: BTreeMap<String, u16>,
        }
        let e: Endpoint = decode(&UNIT_BAG).unwrap();
        assert_eq!(e.host, "db-0");
        assert_eq!(e.rest, BTreeMap::from([("port".to_string(), 5432)]));
    }

    #[test]
    fn a_field_naming_a_juju_key_gets_its_plain_string() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Address {
            #[serde(rename = "ingress-address")]
            ingress: String,
            #[serde(rename = "private-address")]
            private: Option<String>,
            port: u16,
        }
        let a: Address = decode(&UNIT_BAG).unwrap();
        assert_eq!(
            a,
            Address {
                ingress: "10.0.0.7".into(),
                private: Some("10.0.0.7".into()),
                port: 5432
            }
        );
    }

    #[test]
    fn one_line_values() {
        assert_eq!(check_line(""), Ok(()));
        assert_eq!(check_line(&"é".repeat(MAX_LINE / 2)), Ok(()));
        for bad in ["a\nb", "a\rb", "a\0b", "\n"] {
            assert_eq!(check_line(bad), Err(BadValue::NotOneLine), "{bad:?}");
        }
        let long = "x".repeat(MAX_LINE + 1);
        assert_eq!(
            check_line(&long),
            Err(BadValue::TooLong { len: MAX_LINE + 1 })
        );
        let bad = BadRemoteValue {
            relation: "db:1".into(),
            owner: "database".into(),
            key: "database".into(),
            problem: BadValue::NotOneLine,
        };
        assert_eq!(
            bad.to_string(),
            "relation db:1, databag of database: `database` is not one line (it has a line break or a NUL)"
        );
        let bad = BadRemoteValue {
            problem: BadValue::SecretOfAnotherRelation {
                relation: "db:1".into(),
            },
            ..bad
        };
        assert_eq!(bad.reason(), "secret was not issued for this relation");
    }

    #[test]
    fn load_error_names_the_key() {
        let e = decode::<Creds>(&[
            ("database", "db0"),
            ("port", "5432"),
            ("read-only", "false"),
        ])
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("database"));
        assert!(e.message.contains("not JSON"), "{}", e.message);
        let e = decode::<Creds>(&[
            ("database", "\"x\""),
            ("port", "\"high\""),
            ("read-only", "true"),
        ])
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("port"));
    }

    #[test]
    fn save_matches_ops_encoding() {
        let bag = encode(&Creds {
            database: "db0".into(),
            port: 5432,
            read_only: true,
            replica: None,
        })
        .unwrap();
        let expected: BTreeMap<String, Option<String>> = [
            ("database", Some("\"db0\"")),
            ("port", Some("5432")),
            ("read-only", Some("true")),
            ("replica", None),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
        assert_eq!(bag, expected);
        let nested = to_python_json(&serde_json::json!({"a": [1, 2], "b": "ü😀"})).unwrap();
        assert_eq!(nested, r#"{"a": [1, 2], "b": "\u00fc\ud83d\ude00"}"#);
    }

    #[test]
    fn save_rejects_non_structs() {
        assert!(encode(&vec![1, 2]).is_err());
        assert!(encode(&5).is_err());
    }

    /// Found by `fuzz/databag`: serde_json's default float parser was 1 ULP off for this
    /// number, so a float written by Python's `json.dumps` did not survive load and save.
    #[test]
    fn floats_survive_a_round_trip() {
        let raw = "999999999900000074052841041379327";
        let map: BTreeMap<String, String> = [("x".to_string(), raw.to_string())].into();
        let loaded: BTreeMap<String, f64> = super::decode(&map).unwrap();
        let saved = encode(&loaded).unwrap();
        let again: BTreeMap<String, f64> =
            super::decode(&saved.into_iter().map(|(k, v)| (k, v.unwrap())).collect()).unwrap();
        assert_eq!(again["x"].to_bits(), loaded["x"].to_bits());
        // What Python reads too: `float("999999999900000074052841041379327")`.
        assert_eq!(loaded["x"], 9.999999999000001e32);
    }
}
