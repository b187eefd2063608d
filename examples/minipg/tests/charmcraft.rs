//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p minipg -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p minipg --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<minipg::Minipg>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_declares_the_endpoint_and_the_action() {
    let yaml: Value =
        serde_saphyr::from_str(&<minipg::Minipg as Charm>::metadata().charmcraft_yaml())
            .expect("generated YAML parses");
    assert_eq!(yaml["name"], "minipg");
    assert_eq!(
        yaml["provides"]["database"],
        json!({"interface": "postgresql_client"})
    );
    let action = &yaml["actions"]["rotate-password"];
    assert_eq!(action["params"]["relation-id"]["type"], "integer");
    assert_eq!(action["required"], json!(["relation-id"]));
    assert!(yaml.get("requires").is_none());
}
