//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p minica -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p minica --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

fn generated() -> String {
    <minica::Minica as Charm>::metadata().charmcraft_yaml()
}

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<minica::Minica>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_has_the_keys_of_the_spec() {
    let yaml: Value = serde_saphyr::from_str(&generated()).expect("generated YAML parses");
    assert_eq!(yaml["name"], "minica");
    assert_eq!(
        yaml["provides"]["certificates"],
        json!({"interface": "tls-certificates"})
    );
    let option = &yaml["config"]["options"]["ca-common-name"];
    assert_eq!(
        (&option["type"], &option["default"]),
        (&json!("string"), &json!("minica"))
    );
    assert!(yaml["actions"]["get-ca-certificate"].is_object());
    assert_eq!(yaml["parts"]["charm"]["organize"]["bin/minica"], "dispatch");
    assert!(yaml.get("requires").is_none());
}
