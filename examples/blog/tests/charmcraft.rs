//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p blog -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p blog --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<blog::Blog>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_requires_one_database() {
    let yaml: Value = serde_saphyr::from_str(&<blog::Blog as Charm>::metadata().charmcraft_yaml())
        .expect("generated YAML parses");
    assert_eq!(yaml["name"], "blog");
    assert_eq!(
        yaml["requires"]["database"],
        json!({"interface": "postgresql_client", "limit": 1})
    );
    assert!(yaml.get("provides").is_none());
}
