use super::decode::{BagDeserializer, DecodeError};
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
