//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p mailserver -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p mailserver --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

fn generated() -> String {
    <mailserver::Mailserver as Charm>::metadata().charmcraft_yaml()
}

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<mailserver::Mailserver>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_has_the_keys_of_the_spec() {
    let yaml: Value = serde_saphyr::from_str(&generated()).expect("generated YAML parses");
    assert_eq!(yaml["name"], "mailserver");
    assert_eq!(yaml["type"], "charm");
    assert!(yaml["summary"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(yaml["description"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        yaml["parts"]["charm"]["organize"]["bin/mailserver"],
        "dispatch"
    );
    assert_eq!(yaml["provides"]["smtp"], json!({"interface": "smtp"}));
    for section in ["requires", "peers", "config"] {
        assert!(yaml.get(section).is_none(), "{section}");
    }
}
