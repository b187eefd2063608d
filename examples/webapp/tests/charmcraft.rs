//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p webapp -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p webapp --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

fn generated() -> String {
    <webapp::Webapp as Charm>::metadata().charmcraft_yaml()
}

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<webapp::Webapp>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_has_the_keys_of_the_spec() {
    let yaml: Value = serde_saphyr::from_str(&generated()).expect("generated YAML parses");
    assert_eq!(yaml["name"], "webapp");
    assert_eq!(yaml["type"], "charm");
    assert!(yaml["summary"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(yaml["description"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(yaml["parts"]["charm"]["organize"]["bin/webapp"], "dispatch");
    assert_eq!(
        yaml["requires"]["db"],
        json!({"interface": "postgresql_client", "limit": 1})
    );
    assert_eq!(
        yaml["requires"]["smtp"],
        json!({"interface": "smtp", "optional": true})
    );
    assert_eq!(
        yaml["peers"]["replicas"],
        json!({"interface": "charm_gossip"})
    );
    let option = &yaml["config"]["options"]["config-path"];
    assert_eq!(
        (&option["type"], &option["default"]),
        (&json!("string"), &json!("webapp.conf"))
    );
    assert!(yaml.get("provides").is_none());
}
