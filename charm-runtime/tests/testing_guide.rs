//! The tests of the upstream guide "How to add an integration to a charm", in Rust, with
//! the originals' bugs fixed.
#![cfg(feature = "testing")]

mod common;

use charm_runtime::testing::{
    self as scenario, bag, Event, Harness, HarnessError, Relation, State,
};
use charm_runtime::{SecretContent, Status};
use common::MyCharm;

/// Guide: `test_new_smtp_relation`. The original called `add_relation_unit()` without
/// arguments and asserted on the *remote* unit's bag; the credentials are in ours.
#[test]
fn test_new_smtp_relation() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    let relation_id = harness.add_relation("smtp", "consumer_app")?;
    harness.begin();
    harness.add_relation_unit(relation_id, "consumer_app/0")?;
    assert_eq!(
        harness.fired(),
        ["smtp-relation-joined", "smtp-relation-changed"]
    );
    let mine = harness
        .get_relation_data(relation_id, "mycharm/0")
        .expect("our unit bag");
    let secret_id = mine.get("smtp_credentials").expect("credentials published");
    // The remote unit's bag is untouched: we cannot write it.
    assert!(harness
        .get_relation_data(relation_id, "consumer_app/0")
        .unwrap()
        .is_empty());
    // The secret exists and was granted to the joining unit.
    let secret = harness
        .state()
        .secrets
        .iter()
        .find(|s| s.id.to_string() == *secret_id)
        .expect("the secret was created");
    assert_eq!(
        secret.grants[&relation_id].iter().collect::<Vec<_>>(),
        ["consumer_app/0"]
    );
    Ok(())
}

#[test]
fn scenario_smoke() {
    let ctx = scenario::Context::<MyCharm>::new();
    let smtp = Relation::new("smtp").remote_unit(1, bag::<&str, &str>([]));
    let out = ctx
        .run(
            Event::relation_joined(&smtp, 1),
            State::new().relation(smtp.clone()),
        )
        .unwrap();
    out.assert_ok();
    assert!(out
        .relation(smtp.id)
        .local_unit_data
        .contains_key("smtp_credentials"));
    let _ = (SecretContent::new(), Status::active(""));
}
