//! The Harness fires what Juju fires, in Juju's order (as `ops.testing.Harness` does).
#![cfg(feature = "testing")]

mod common;

use charm_runtime::testing::{bag, Harness, HarnessError};
use charm_runtime::{SecretContent, Status};
use common::MyCharm;

#[test]
fn begin_with_initial_hooks_fires_the_deploy_sequence() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    h.set_leader(true)?;
    let db = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(db, "postgresql/0")?;
    h.update_relation_data(db, "postgresql", bag([("version", "16")]))?;
    h.add_relation("smtp", "consumer")?;
    assert!(h.fired().is_empty(), "nothing fires before begin");
    h.begin_with_initial_hooks()?;
    assert_eq!(
        h.fired(),
        [
            "install",
            "db-relation-created",
            "smtp-relation-created",
            "replicas-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "db-relation-changed",
            "db-relation-joined",
            "db-relation-changed",
        ]
    );
    // leader-elected saw the peer relation the Harness added.
    let peers = h.state().get_relations("replicas").next().unwrap();
    assert_eq!(peers.local_app_data["leader"], "mycharm/0");
    // db-relation-created: the leader asked for a database in its own app bag.
    assert_eq!(
        h.get_relation_data(db, "mycharm").unwrap()["database"],
        "mycharm-db"
    );
    assert!(h
        .get_relation_data(db, "postgresql")
        .unwrap()
        .get("database")
        .is_none());
    assert_eq!(
        h.unit_status(),
        &Status::waiting("waiting for database credentials")
    );
    assert!(matches!(
        h.begin_with_initial_hooks(),
        Err(HarnessError::Invalid(_))
    ));
    Ok(())
}

#[test]
fn relation_lifecycle_fires_in_order() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    h.begin();
    let smtp = h.add_relation("smtp", "consumer")?;
    h.add_relation_unit(smtp, "consumer/0")?;
    h.add_relation_unit(smtp, "consumer/1")?;
    // Our own unit bag: no event; a remote unit's: changed; the same data again: nothing.
    h.update_relation_data(smtp, "mycharm/0", bag([("k", "v")]))?;
    h.update_relation_data(smtp, "consumer/1", bag([("k", "v")]))?;
    h.update_relation_data(smtp, "consumer/1", bag([("k", "v")]))?;
    h.remove_relation(smtp)?;
    assert_eq!(
        h.fired(),
        [
            "smtp-relation-created",
            "smtp-relation-joined",
            "smtp-relation-changed",
            "smtp-relation-joined",
            "smtp-relation-changed",
            "smtp-relation-changed",
            "smtp-relation-departed",
            "smtp-relation-departed",
            "smtp-relation-broken",
        ]
    );
    // Each departed unit's user was removed.
    assert!(h.state().secrets.is_empty());
    assert!(h.state().relations.is_empty());
    Ok(())
}

#[test]
fn peers_leadership_and_config() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    let peers = h.add_relation("replicas", "ignored")?;
    h.begin();
    h.add_relation_unit(peers, "mycharm/1")?;
    assert_eq!(h.charm_state("peers"), Some("1"));
    // Our own app bag on the peer relation, written by the leader (another unit): changed.
    h.update_relation_data(peers, "mycharm", bag([("leader", "mycharm/1")]))?;
    assert_eq!(h.charm_state("known-leader"), Some("mycharm/1"));
    h.set_leader(true)?;
    h.set_leader(true)?;
    h.update_config([("domain", "mail.example.org")])?;
    h.unset_config(&["domain"])?;
    assert_eq!(
        h.fired(),
        [
            "replicas-relation-joined",
            "replicas-relation-changed",
            "replicas-relation-changed",
            "leader-elected",
            "config-changed",
            "config-changed",
        ]
    );
    assert_eq!(
        h.get_relation_data(peers, "mycharm").unwrap()["leader"],
        "mycharm/0"
    );
    h.remove_relation_unit(peers, "mycharm/1")?;
    assert_eq!(h.charm_state("peers"), Some("0"));
    Ok(())
}

#[test]
fn a_failing_hook_is_an_error_and_rolls_back() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    let db = h.add_relation("db", "postgresql")?;
    h.begin();
    let err = h
        .update_relation_data(db, "postgresql", bag([("credentials-id", "nonsense")]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "hook `db-relation-changed` failed: hooks/db-relation-changed: handler `MyCharm::update_configuration` failed: `nonsense` is not a secret id. Nothing it wrote was saved; Juju will retry the hook."
    );
    // The remote side's change stays; the hook's own changes do not exist.
    assert_eq!(
        h.get_relation_data(db, "postgresql").unwrap()["credentials-id"],
        "nonsense"
    );
    assert_eq!(h.charm_state("db-tables-created"), None);
    assert_eq!(h.last_output().unwrap().exit_code, 1);
    Ok(())
}

#[test]
fn secrets_and_status() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    let db = h.add_relation("db", "postgresql")?;
    let secret = h.add_model_secret(
        "postgresql",
        SecretContent::new()
            .with("username", "one")
            .with("password", "p"),
    )?;
    h.grant_secret(&secret, "mycharm/0")?;
    h.update_relation_data(
        db,
        "postgresql",
        bag([("credentials-id", secret.to_string())]),
    )?;
    h.begin();
    h.update_config([("port", 2525)])?;
    assert_eq!(h.charm_state("db-user"), Some("one"));
    // The database rotates the credentials: secret-changed, and the charm refreshes.
    h.set_secret_content(
        &secret,
        SecretContent::new()
            .with("username", "two")
            .with("password", "q"),
    )?;
    assert_eq!(h.fired().last().unwrap(), "secret-changed");
    assert_eq!(h.charm_state("db-user"), Some("two"));
    // Revoked: the next read fails, as in Juju.
    h.revoke_secret(&secret, "mycharm")?;
    let err = h.update_config([("port", 2526)]).unwrap_err();
    assert!(
        err.to_string().contains("permission denied: secret-get"),
        "{err}"
    );

    // Owner events need an owned secret.
    let mine = h.add_model_secret("mycharm/0", SecretContent::new().with("token", "t"))?;
    h.trigger_secret_rotation(&mine)?;
    h.trigger_secret_expiration(&mine, 1)?;
    let theirs = h.add_model_secret("other", SecretContent::new().with("token", "t"))?;
    let err = h.trigger_secret_rotation(&theirs).unwrap_err();
    assert!(
        err.to_string().contains("secret-rotate goes to the owner"),
        "{err}"
    );

    // evaluate_status runs the collect-status handlers only.
    h.state_mut()
        .charm_state
        .insert("maintenance".into(), "upgrading".into());
    h.evaluate_status()?;
    assert_eq!(h.unit_status(), &Status::maintenance("upgrading"));
    assert_eq!(h.last_output().unwrap().handlers, ["MyCharm::collect"]);
    Ok(())
}

#[test]
fn bad_input_is_an_error_that_says_why() {
    let mut h = Harness::<MyCharm>::new();
    let err = h.add_relation("dbb", "postgresql").unwrap_err();
    assert_eq!(
        err.to_string(),
        "add_relation: endpoint `dbb` is not declared by charm `mycharm` (declared: replicas, smtp, db, log-forwarder)"
    );
    let db = h.add_relation("db", "postgresql").unwrap();
    let err = h.add_relation_unit(db, "mysql/0").unwrap_err();
    assert!(
        err.to_string()
            .contains("`mysql/0` is not a unit of `postgresql`"),
        "{err}"
    );
    let err = h
        .update_relation_data(db, "postgresql/3", bag([("k", "v")]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("add it with add_relation_unit first"),
        "{err}"
    );
    // A second db relation exceeds `limit: 1`: the next hook says so.
    h.add_relation("db", "other").unwrap();
    h.begin();
    let err = h.update_config([("port", 1)]).unwrap_err();
    assert!(err.to_string().contains("its limit is 1"), "{err}");
}

#[test]
fn hooks_can_be_disabled_and_user_secrets_granted() -> Result<(), HarnessError> {
    let mut h = Harness::<MyCharm>::new();
    h.begin();
    let db = h.with_hooks_disabled(|h| h.add_relation("db", "postgresql"))?;
    assert!(h.fired().is_empty());
    let secret = h.add_user_secret(
        SecretContent::new()
            .with("username", "admin")
            .with("password", "p"),
    )?;
    h.grant_secret(&secret, "mycharm")?;
    h.update_relation_data(
        db,
        "postgresql",
        bag([("credentials-id", secret.to_string())]),
    )?;
    assert_eq!(h.charm_state("db-user"), Some("admin"));
    assert_eq!(h.secret_revisions(&secret), [1]);

    let smtp = h.add_relation("smtp", "consumer")?;
    h.add_relation_unit(smtp, "consumer/0")?;
    let mine = h
        .state()
        .secrets
        .iter()
        .find(|s| s.is_owned())
        .unwrap()
        .id
        .clone();
    assert_eq!(h.secret_grants(&mine, smtp), ["consumer/0"]);
    Ok(())
}
