//! `charmcraft.yaml` is generated from the charm's declarations: the committed file
//! must be what the binary prints (`cargo run -p greeter --bin greeter -- charmcraft-yaml`).
//!
//! To refresh it: `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test -p greeter --test charmcraft`.

use charm_runtime::Charm;
use serde_json::{json, Value};

#[test]
fn committed_charmcraft_yaml_is_up_to_date() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<greeter::Greeter>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}

#[test]
fn charmcraft_yaml_declares_the_container_and_its_image() {
    let yaml: Value =
        serde_saphyr::from_str(&<greeter::Greeter as Charm>::metadata().charmcraft_yaml())
            .expect("generated YAML parses");
    assert_eq!(yaml["name"], "greeter");
    assert_eq!(
        yaml["containers"]["greeter"],
        json!({"resource": "greeter-image"})
    );
    assert_eq!(yaml["resources"]["greeter-image"]["type"], "oci-image");
    assert_eq!(yaml["config"]["options"]["port"]["default"], 8080);
    assert_eq!(yaml["actions"]["greet"]["required"], json!(["name"]));
}
