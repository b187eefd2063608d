//! YAML output, behind one small module so the YAML crate can be swapped in one place.
//! `serde-saphyr` is used: maintained, pure Rust, no `unsafe` (`serde_yaml` is archived,
//! `serde_yml` unsound).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// An ordered YAML node: maps keep insertion order, so generated files are stable.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `null` (YAML's empty value).
    Null,
    /// A sequence.
    Seq(Vec<Node>),
    /// A map, in this order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A string node.
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }
    /// Converts JSON (a config default) to a node.
    pub fn from_json(v: &serde_json::Value) -> Node {
        match v {
            serde_json::Value::Null => Node::Null,
            serde_json::Value::Bool(b) => Node::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Node::Int(i),
                None => Node::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Node::Str(s.clone()),
            serde_json::Value::Array(a) => Node::Seq(a.iter().map(Node::from_json).collect()),
            serde_json::Value::Object(o) => Node::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Str(v) => s.serialize_str(v),
            Node::Int(v) => s.serialize_i64(*v),
            Node::Float(v) => s.serialize_f64(*v),
            Node::Bool(v) => s.serialize_bool(*v),
            Node::Null => s.serialize_unit(),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Renders a node as a YAML document.
pub fn to_string(node: &Node) -> String {
    serde_saphyr::to_string(node).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}
