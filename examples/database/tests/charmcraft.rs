//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p database -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p database --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

fn generated() -> String {
    <database::Database as Charm>::metadata().charmcraft_yaml()
}

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<database::Database>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_has_the_keys_of_the_spec() {
    let yaml: Value = serde_saphyr::from_str(&generated()).expect("generated YAML parses");
    assert_eq!(yaml["name"], "database");
    assert_eq!(yaml["type"], "charm");
    assert!(yaml["summary"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(yaml["description"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        yaml["parts"]["charm"]["organize"]["bin/database"],
        "dispatch"
    );
    assert_eq!(
        yaml["provides"]["db"],
        json!({"interface": "postgresql_client"})
    );
    assert_eq!(
        yaml["peers"]["replicas"],
        json!({"interface": "database_peers"})
    );
    let option = &yaml["config"]["options"]["max-databases"];
    assert_eq!(
        (&option["type"], &option["default"]),
        (&json!("int"), &json!(10))
    );
    assert!(yaml.get("requires").is_none());
}
