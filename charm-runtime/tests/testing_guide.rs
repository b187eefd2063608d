//! The tests of the upstream guide "How to add an integration to a charm"
//! (`test_new_smtp_relation`, `test_db_relation_broken`, `test_receive_db_credentials`
//! and the Scenario relation-joined test), in Rust, with the originals' bugs fixed.
#![cfg(feature = "testing")]

mod common;

use charm_runtime::testing::{
    self as scenario, bag, Bag, Event, Harness, HarnessError, Relation, State,
};
use charm_runtime::{SecretContent, Status};
use common::MyCharm;

/// Guide: `test_new_smtp_relation`. The original called `add_relation_unit()` without
/// arguments and asserted on the *remote* unit's bag (which the charm cannot write); the
/// credentials are in this unit's bag, and the secret is granted to the joining unit. The
/// original's `consumer_app` is no application name Juju accepts (`secret-grant` refuses
/// `consumer_app/0`): `consumer-app` here.
#[test]
fn test_new_smtp_relation() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    let relation_id = harness.add_relation("smtp", "consumer-app")?;
    harness.begin();
    harness.add_relation_unit(relation_id, "consumer-app/0")?;
    assert_eq!(
        harness.fired(),
        ["smtp-relation-joined", "smtp-relation-changed"]
    );
    let mine = harness
        .get_relation_data(relation_id, "mycharm/0")
        .expect("our unit bag");
    let secret_id = mine.get("smtp_credentials").expect("credentials published");
    // The remote unit's bag is untouched: a unit cannot write it.
    assert!(harness
        .get_relation_data(relation_id, "consumer-app/0")
        .unwrap()
        .is_empty());
    let secret = harness
        .state()
        .secrets
        .iter()
        .find(|s| s.id.to_string() == *secret_id)
        .expect("the secret was created");
    assert_eq!(
        secret.grants[&relation_id].iter().collect::<Vec<_>>(),
        ["consumer-app/0"]
    );
    assert_eq!(
        secret.latest_content().unwrap().get("username"),
        Some("consumer-app-0")
    );

    // And when the unit leaves, its user is removed.
    harness.remove_relation_unit(relation_id, "consumer-app/0")?;
    assert!(harness.state().secrets.is_empty());
    assert_eq!(harness.charm_state("smtp-user-consumer-app-0"), None);
    Ok(())
}

/// Guide: `test_db_relation_broken`. The original's charm called `self.is_leader()` (no
/// such method); here the leader drops the database and, in relation-broken, the charm no
/// longer sees the relation (`get_db() is None`).
#[test]
fn test_db_relation_broken() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    harness.set_leader(true)?;
    let relation_id = harness.add_relation("db", "postgresql")?;
    harness.begin();
    harness.remove_relation(relation_id)?;
    assert_eq!(harness.fired(), ["db-relation-broken"]);
    // get_db() is None: the holistic handler saw no db relation.
    assert_eq!(
        harness.unit_status(),
        &Status::blocked("missing db relation")
    );
    assert_eq!(harness.charm_state("dropped-database"), Some("postgresql"));
    assert!(harness.state().get_relation(relation_id).is_none());
    Ok(())
}

/// A follower does not drop the database.
#[test]
fn test_db_relation_broken_on_a_follower() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    let relation_id = harness.add_relation("db", "postgresql")?;
    harness.begin();
    harness.remove_relation(relation_id)?;
    assert_eq!(harness.charm_state("dropped-database"), None);
    assert_eq!(
        harness.unit_status(),
        &Status::blocked("missing db relation")
    );
    Ok(())
}

/// Guide: `test_receive_db_credentials`. The original wrote `credentials-id` into the
/// charm's *own* application bag (`harness.charm.app`), and its charm read it from there;
/// the database publishes it in *its* application bag, pointing to a secret it granted.
#[test]
fn test_receive_db_credentials() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    let relation_id = harness.add_relation("db", "postgresql")?;
    let secret = harness.add_model_secret(
        "postgresql",
        SecretContent::new()
            .with("username", "mycharm_user")
            .with("password", "s3cret"),
    )?;
    harness.grant_secret(&secret, "mycharm")?;
    harness.begin();
    harness.update_relation_data(
        relation_id,
        "postgresql",
        bag([("credentials-id", secret.to_string())]),
    )?;
    assert_eq!(harness.fired(), ["db-relation-changed"]);
    assert_eq!(harness.charm_state("db-tables-created"), Some("true"));
    assert_eq!(harness.charm_state("db-user"), Some("mycharm_user"));
    assert_eq!(
        harness.unit_status(),
        &Status::active("serving example.com")
    );
    Ok(())
}

/// The original's mistake, replayed: data in our own app bag is not the database's
/// answer; nothing fires (our own bag) and no table is created.
#[test]
fn credentials_in_our_own_app_bag_are_not_credentials() -> Result<(), HarnessError> {
    let mut harness = Harness::<MyCharm>::new();
    harness.set_leader(true)?;
    let relation_id = harness.add_relation("db", "postgresql")?;
    harness.begin();
    harness.update_relation_data(
        relation_id,
        "mycharm",
        bag([("credentials-id", "secret:xxx")]),
    )?;
    assert!(harness.fired().is_empty());
    assert_eq!(harness.charm_state("db-tables-created"), None);
    Ok(())
}

/// Guide: the Scenario test. The original asserted on `remote_units_data[1]`, the remote
/// unit's bag; the credentials are in this unit's bag.
#[test]
fn scenario_smtp_relation_joined() -> Result<(), scenario::InconsistentState> {
    let ctx = scenario::Context::<MyCharm>::new();
    let relation = Relation::new("smtp").id(1).remote_unit(1, Bag::new());
    let state_in = State::new().relation(relation.clone());
    let state_out = ctx.run(Event::relation_joined(&relation, 1), state_in)?;
    state_out.assert_ok();
    let out_rel = state_out.relation(relation.id);
    assert!(out_rel.local_unit_data.contains_key("smtp_credentials"));
    assert!(out_rel.remote_units_data[&1].is_empty());
    assert_eq!(
        state_out.calls,
        [
            "secret-add --label smtp-user-remote-1 --owner unit password#file=<tmp>/password username#file=<tmp>/username",
            // The collect-status handler reads the charm state.
            "state-get --format=json",
            // Secret changes are flushed with the other writes, when the hook succeeded.
            &format!(
                "secret-grant --relation 1 --unit remote/1 {}",
                state_out.state.secrets[0].id
            ),
            // Writes are blind and batched: no relation-get before relation-set.
            "relation-set -r 1 --file -",
            "state-set --file -",
        ]
    );
    Ok(())
}
