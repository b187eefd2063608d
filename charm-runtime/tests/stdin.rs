//! Every string a charm writes to a databag or its charm state reaches Juju as it was:
//! the stdin production writes for `relation-set --file -` and `state-set --file -`
//! ([`argv::settings_stdin`]) read back by `juju_model::goyaml`, which reads it as Juju's
//! go-yaml v2 does (and is checked against go-yaml itself by juju-model's
//! `tests/goyaml_oracle.rs`).
#![cfg(feature = "testing")]

use std::collections::BTreeMap;

use charm_runtime::backend::argv;
use juju_model::goyaml::read_settings;
use proptest::prelude::*;

/// Any string: every `char`, control characters included (`any::<String>()` leaves them
/// out).
fn any_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_string_round_trips_byte_for_byte(
        values in prop::collection::btree_map(any_string(), any_string(), 0..6)
    ) {
        let stdin = argv::settings_stdin(&values);
        prop_assert_eq!(read_settings(&stdin), Ok(values.clone()));
        // And it is JSON, which ops and the fake tools of tests/hook_tools.rs read too.
        let json: BTreeMap<String, String> = serde_json::from_str(&stdin).unwrap();
        prop_assert_eq!(json, values);
    }

    #[test]
    fn the_characters_go_yaml_treats_apart_round_trip(
        value in prop::collection::vec(
            prop::sample::select(vec![
                '\u{0}', '\u{1f}', '\t', '\n', '\r', ' ', '"', '\\', '\u{7f}', '\u{80}', '\u{85}',
                '\u{9f}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffe}', '\u{ffff}',
                '\u{1F600}', 'a', ':', '#', '-',
            ]),
            0..24,
        ).prop_map(String::from_iter)
    ) {
        let values = BTreeMap::from([(value.clone(), value)]);
        prop_assert_eq!(read_settings(&argv::settings_stdin(&values)), Ok(values));
    }
}

/// What `serde_json` alone wrote before: Juju refuses or rewrites these.
#[test]
fn plain_json_is_not_enough() {
    let read =
        |s: &str| read_settings(&serde_json::to_string(&BTreeMap::from([("k", s)])).unwrap());
    assert_eq!(
        read("\u{7f}").unwrap_err(),
        "yaml: control characters are not allowed"
    );
    assert_eq!(read("a\u{85}b").unwrap()["k"], "a b");
    assert_eq!(read("a \u{2028} b").unwrap()["k"], "a\u{2028}b");
    // ops' `json.dumps` escapes beyond the BMP as surrogate pairs, which go-yaml v2 refuses.
    assert_eq!(
        read_settings(r#"{"k": "\ud83d\ude00"}"#).unwrap_err(),
        "yaml: found invalid Unicode character escape code"
    );
}
