//! Encoding: one key per field, each value as Python's `json.dumps` writes it.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use crate::error::{Error, Result};

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
