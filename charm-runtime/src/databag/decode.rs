//! Decoding: a map deserializer that decodes each value as JSON, only for the keys asked.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

use super::JUJU_KEYS;
use crate::error::{Error, Result};

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

#[derive(Debug)]
pub(super) struct DecodeError {
    pub(super) key: Option<String>,
    pub(super) message: String,
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

pub(super) struct BagDeserializer<'a> {
    pub(super) map: &'a BTreeMap<String, String>,
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
