//! Typed databags: `load` (the custom deserializer) of arbitrary bags into several types
//! never panics, and whatever loads survives `save` (`encode`) and `load` unchanged; and
//! `to_python_json` writes JSON that reads back as the same value.
#![no_main]

use std::collections::{BTreeMap, HashMap};

use charm_runtime::databag::{decode, encode, to_python_json};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Creds {
    database: String,
    port: u16,
    #[serde(rename = "read-only")]
    read_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replica: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Mode {
    Primary,
    Replica { of: String },
    Weight(i64),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Rich {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    mode: Mode,
    #[serde(default)]
    ratio: Option<i32>,
    #[serde(default)]
    nested: Option<Box<Creds>>,
    #[serde(default)]
    unit: (),
    #[serde(default)]
    pair: (u8, char),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: u64,
}

fn roundtrip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    bag: &BTreeMap<String, String>,
) {
    let Ok(value) = decode::<T>(bag) else { return };
    let encoded = encode(&value).expect("a loaded value saves");
    let saved: BTreeMap<String, String> = encoded
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    for value in saved.values() {
        assert!(!value.is_empty(), "save wrote an empty value (a deletion in Juju)");
        assert!(value.is_ascii(), "save wrote non-ASCII: ops escapes it");
    }
    let again: T = decode(&saved).expect("a saved value loads");
    assert_eq!(again, value);
}

fuzz_target!(|bag: BTreeMap<String, String>| {
    roundtrip::<Creds>(&bag);
    roundtrip::<Rich>(&bag);
    roundtrip::<Strict>(&bag);
    roundtrip::<HashMap<String, serde_json::Value>>(&bag);
    roundtrip::<BTreeMap<String, Option<f64>>>(&bag);
    let _ = decode::<String>(&bag);
    let _ = decode::<Vec<u8>>(&bag);
    for raw in bag.values() {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(raw) {
            let python = to_python_json(&value).expect("a JSON value encodes");
            let back: serde_json::Value = serde_json::from_str(&python).expect("reads back");
            assert_eq!(back, value);
        }
    }
});
