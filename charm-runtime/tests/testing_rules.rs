//! The testing module's rules: each consistency rule and each permission rule, with the
//! error text; relation membership per hook; Juju's commit rule.
#![cfg(feature = "testing")]

mod common;

use std::collections::BTreeMap;

use charm_runtime::backend::HookTools;
use charm_runtime::secret::{NewSecret, SecretOwner as RuntimeOwner};
use charm_runtime::testing::{
    self as scenario, bag, Bag, Event, PeerRelation, Relation, Secret, SecretOwner, State,
    SubordinateRelation,
};
use charm_runtime::{Error, RelationId, SecretContent, Status};
use common::MyCharm;

mod probe {
    //! A charm that does, on update-status, what its charm state's `op` says.
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "probe",
        summary = "Probe",
        description = "Does what the test asks."
    )]
    #[peers(cluster(interface = "probe_peers"))]
    #[requires(db(interface = "postgresql", limit = 1))]
    pub struct Probe;

    #[handlers]
    impl Probe {
        #[on(update_status)]
        fn probe(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let op = ctx.state_get("op")?.unwrap_or_default();
            let secret = || {
                ctx.state_get("secret")
                    .map(|s| SecretId::parse(&s.unwrap_or_default()).expect("a secret id"))
            };
            match op.as_str() {
                "fail-after-writes" => {
                    let db = ctx.relation(Self::DB)?.expect("a db relation");
                    db.local_unit_data().set("written", "yes");
                    ctx.state_set("written", "yes")?;
                    ctx.add_unit_secret(SecretContent::new().with("token", "t"), Some("tok"))?;
                    ctx.set_status(Status::maintenance("working"));
                    ctx.info("about to fail");
                    Err(Error::msg("the workload is on fire"))
                }
                "set-app-secret" => {
                    ctx.secret(&secret()?)
                        .set_content(SecretContent::new().with("password", "new"))?;
                    Ok(())
                }
                "read-secret" => {
                    let c = ctx.secret(&secret()?).content()?;
                    ctx.state_set("read", c.require("password")?)?;
                    Ok(())
                }
                "peer-app-data-on-db" => {
                    let db = ctx.relations_named("db")?.pop().expect("a db relation");
                    db.peer_app_data()?.get("x")?;
                    Ok(())
                }
                "peer-app-data" => {
                    let peers = ctx.relation(Self::CLUSTER)?.expect("peers");
                    let v = peers.peer_app_data()?.get("leader")?.unwrap_or_default();
                    ctx.state_set("seen-leader", v)?;
                    Ok(())
                }
                _ => Ok(()),
            }
        }

        #[on(
            db_relation_joined,
            db_relation_changed,
            db_relation_departed,
            db_relation_broken
        )]
        fn members(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            let rel = event.relation().expect("a relation event");
            ctx.state_set("units", rel.units()?.join(","))?;
            ctx.state_set("listed", ctx.relations(Self::DB)?.len().to_string())?;
            Ok(())
        }
    }
}
use probe::Probe;

fn ctx() -> scenario::Context<MyCharm> {
    scenario::Context::<MyCharm>::new()
}

/// The consistency error's text, for `event` on `state`.
fn inconsistency(event: Event, state: State) -> String {
    ctx()
        .run(event, state)
        .expect_err("the state should be rejected")
        .to_string()
}

fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

// ---------------------------------------------------------------------------------------
// Consistency rules

#[test]
fn rejects_a_relation_on_an_undeclared_endpoint() {
    let rel = Relation::new("dbb");
    let text = inconsistency(Event::update_status(), State::new().relation(rel.clone()));
    assert_eq!(
        text,
        format!(
            "inconsistent state: relation {id} (dbb:{id}): endpoint `dbb` is not declared by charm `mycharm` (declared: replicas, smtp, db, log-forwarder)",
            id = rel.id
        )
    );
}

#[test]
fn rejects_a_peer_relation_given_a_remote_app() {
    let rel = PeerRelation::new("replicas").remote_app_name("other");
    let text = inconsistency(Event::update_status(), State::new().relation(rel));
    assert_contains(
        &text,
        "a peer relation has no remote application, but remote_app_name is `other`",
    );
}

#[test]
fn rejects_the_wrong_kind_of_relation_for_an_endpoint() {
    let text = inconsistency(
        Event::update_status(),
        State::new().relation(Relation::new("replicas")),
    );
    assert_contains(
        &text,
        "endpoint `replicas` is a peers endpoint, so its relation must be a PeerRelation, not a Relation",
    );
    let text = inconsistency(
        Event::update_status(),
        State::new().relation(Relation::new("log-forwarder")),
    );
    assert_contains(&text, "must be a SubordinateRelation");
    let two_units = SubordinateRelation::new("log-forwarder").remote_unit(1, Bag::new());
    let text = inconsistency(Event::update_status(), State::new().relation(two_units));
    assert_contains(&text, "a subordinate relation sees at most one remote unit (the one in this unit's container), not 2");
}

#[test]
fn rejects_more_relations_than_the_limit() {
    let text = inconsistency(
        Event::update_status(),
        State::new().relations([Relation::new("db"), Relation::new("db")]),
    );
    assert_eq!(
        text,
        "inconsistent state: endpoint `db` has 2 relations but its limit is 1 (Juju refuses the extra `juju integrate`: quota limit exceeded)"
    );
}

#[test]
fn rejects_a_departing_unit_that_is_not_in_the_relation() {
    let rel = Relation::new("smtp").remote_unit(0, Bag::new());
    let text = inconsistency(
        Event::relation_departed(&rel, 3),
        State::new().relation(rel.clone()),
    );
    assert_eq!(
        text,
        "inconsistent state: the departing unit remote/3 is not in relation 1 (its units: remote/0): only a member can depart"
    );
}

#[test]
fn rejects_a_joining_unit_that_is_not_in_the_relation() {
    let rel = Relation::new("smtp");
    let text = inconsistency(
        Event::relation_joined(&rel, 2),
        State::new().relation(rel.clone()),
    );
    assert_contains(
        &text,
        "the event smtp-relation-joined is about remote unit remote/2, which is not in relation 1 (its units: none)",
    );
}

#[test]
fn rejects_secret_events_for_secrets_the_unit_cannot_see() {
    let content = SecretContent::new().with("password", "x");
    let absent = Secret::new(content.clone());
    let text = inconsistency(Event::secret_changed(&absent), State::new());
    assert_contains(&text, "which is not in the state: this unit cannot see it");

    let hidden = Secret::new(content.clone()).not_granted();
    let text = inconsistency(
        Event::secret_changed(&hidden),
        State::new().secret(hidden.clone()),
    );
    assert_contains(
        &text,
        "which was not granted to this unit: it cannot see it",
    );

    let owned = Secret::new(content.clone()).app_owned();
    let text = inconsistency(
        Event::secret_changed(&owned),
        State::new().leader(true).secret(owned.clone()),
    );
    assert_contains(&text, "secret-changed goes to the consumers of a secret");

    let theirs = Secret::new(content.clone());
    let text = inconsistency(
        Event::secret_rotate(&theirs),
        State::new().secret(theirs.clone()),
    );
    assert_contains(&text, "secret-rotate goes to the owner of a secret");

    let text = inconsistency(
        Event::secret_rotate(&owned),
        State::new().secret(owned.clone()),
    );
    assert_contains(&text, "secret-rotate of application-owned secret");
    assert_contains(
        &text,
        "goes to the leader only; this unit is not the leader",
    );

    let text = inconsistency(
        Event::secret_remove(&owned, 7),
        State::new().leader(true).secret(owned.clone()),
    );
    assert_contains(&text, "secret-remove is about revision 7");
}

#[test]
fn rejects_local_app_data_a_follower_could_not_read() {
    let rel = Relation::new("db").local_app_data(bag([("database", "x")]));
    let text = inconsistency(Event::update_status(), State::new().relation(rel.clone()));
    assert_contains(
        &text,
        "this unit is not the leader, yet local_app_data is set: a non-leader cannot read its application's bag on a non-peer relation (Juju answers `permission denied`)",
    );
    // The leader may know it; on a peer relation every unit may.
    ctx()
        .run(
            Event::update_status(),
            State::new().leader(true).relation(rel),
        )
        .unwrap()
        .assert_ok();
    let peers = PeerRelation::new("replicas").local_app_data(bag([("leader", "mycharm/1")]));
    ctx()
        .run(Event::update_status(), State::new().relation(peers))
        .unwrap()
        .assert_ok();
}

#[test]
fn rejects_an_event_whose_relation_is_not_in_the_state() {
    let rel = Relation::new("db");
    let text = inconsistency(Event::relation_changed(&rel), State::new());
    assert_eq!(
        text,
        format!(
            "inconsistent state: the event db-relation-changed is about relation {id} (db:{id}), which is not in the state (add the relation to State::relations)",
            id = rel.id
        )
    );
}

#[test]
fn rejects_duplicate_ids_unknown_config_and_wrong_types_listing_every_problem() {
    let state = State::new()
        .relations([Relation::new("smtp").id(4), Relation::new("smtp").id(4)])
        .config("colour", "blue")
        .config("port", "twenty-five")
        .relation(PeerRelation::new("replicas").peer_unit(0, Bag::new()));
    let text = inconsistency(Event::update_status(), state);
    assert!(text.starts_with("inconsistent state: \n  - "), "{text}");
    assert_contains(&text, "two relations have id 4");
    assert_contains(
        &text,
        "config option `colour` is not declared by charm `mycharm` (declared: domain, port); Juju refuses it: unknown option \"colour\"",
    );
    assert_contains(
        &text,
        "config option `port` is of type int, and Juju refuses the state's \"twenty-five\": option \"port\" expected int, got \"twenty-five\"",
    );
    assert_contains(&text, "the peer units include this unit's own id 0");
}

// ---------------------------------------------------------------------------------------
// Permission rules, on the backend directly (as Juju answers them) and through the runtime.

fn probe_ctx() -> scenario::Context<Probe> {
    scenario::Context::<Probe>::new()
}

#[test]
fn a_follower_cannot_read_its_app_bag_on_a_non_peer_relation() {
    let db = Relation::new("db").remote_app_name("postgresql");
    let state = State::new().relation(db.clone());
    let tools = probe_ctx()
        .backend(&Event::update_status(), &state)
        .unwrap();
    let err = tools.relation_get(db.id, "probe", true).unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "permission denied: relation-get --format=json -r {} --app - probe",
            db.id
        )
    );
    // The leader can; on the peer relation a follower can too.
    let leader = probe_ctx()
        .backend(&Event::update_status(), &state.clone().leader(true))
        .unwrap();
    assert!(leader
        .relation_get(db.id, "probe", true)
        .unwrap()
        .is_empty());

    // Through the runtime: `peer_app_data` on a non-peer relation is refused.
    let out = probe_ctx()
        .run(
            Event::update_status(),
            state.clone().charm_state("op", "peer-app-data-on-db"),
        )
        .unwrap();
    assert_contains(
        out.error.as_deref().unwrap(),
        "permission denied: reading this application's databag on db:1 without leadership",
    );
}

#[test]
fn a_follower_reads_the_peer_app_bag() {
    let peers = PeerRelation::new("cluster").local_app_data(bag([("leader", "probe/1")]));
    let out = probe_ctx()
        .run(
            Event::update_status(),
            State::new()
                .relation(peers)
                .charm_state("op", "peer-app-data"),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["seen-leader"], "probe/1");
}

#[test]
fn a_follower_cannot_write_its_app_bag() {
    let db = Relation::new("db");
    let state = State::new().relation(db.clone());
    let tools = probe_ctx()
        .backend(&Event::update_status(), &state)
        .unwrap();
    let err = tools
        .relation_set(db.id, true, &bag([("k", "v")]))
        .unwrap_err();
    assert!(matches!(err, Error::NotLeader { .. }), "{err:?}");
    let finished = tools.finish(0);
    assert_eq!(
        finished.tool_errors[0].message,
        "cannot write relation settings"
    );
    assert_eq!(finished.tool_errors[0].code, 1);
    assert_eq!(
        finished.tool_errors[0].call,
        format!("relation-set -r {} --app --file -", db.id)
    );
    assert!(finished.state.relations[0].local_app_data.is_empty());
    // Its own unit bag, yes.
    let tools = probe_ctx()
        .backend(&Event::update_status(), &state)
        .unwrap();
    tools
        .relation_set(db.id, false, &bag([("k", "v")]))
        .unwrap();
    assert_eq!(tools.finish(0).state.relations[0].local_unit_data["k"], "v");
}

#[test]
fn a_follower_cannot_set_the_app_status() {
    let tools = probe_ctx()
        .backend(&Event::update_status(), &State::new())
        .unwrap();
    let err = tools
        .status_set(true, &Status::active("all good"))
        .unwrap_err();
    assert!(matches!(err, Error::NotLeader { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "status-set --application=True active -- all good: this unit is not the leader"
    );
    let err = tools.status_get(true).unwrap_err();
    assert_contains(&err.to_string(), "this unit is not the leader");
    assert_eq!(
        tools.finish(0).tool_errors[1].message,
        "finding application status: this unit is not the leader"
    );
}

#[test]
fn a_follower_cannot_add_or_change_app_secrets() {
    let tools = probe_ctx()
        .backend(&Event::update_status(), &State::new())
        .unwrap();
    let err = tools
        .secret_add(&NewSecret {
            content: SecretContent::new().with("password", "x"),
            owner: RuntimeOwner::Application,
            label: None,
            description: None,
            expire: None,
            rotate: None,
        })
        .unwrap_err();
    assert!(matches!(err, Error::NotLeader { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "secret-add --owner application password#file=<tmp>/password: this unit is not the leader"
    );
    // A unit secret is fine.
    tools
        .secret_add(&NewSecret {
            content: SecretContent::new().with("password", "x"),
            owner: RuntimeOwner::Unit,
            label: None,
            description: None,
            expire: None,
            rotate: None,
        })
        .unwrap();

    // Through the runtime: changing an app-owned secret as a follower.
    let secret = Secret::new(SecretContent::new().with("password", "old")).app_owned();
    let state = State::new()
        .secret(secret.clone())
        .charm_state("op", "set-app-secret")
        .charm_state("secret", secret.id.to_string());
    let out = probe_ctx().run(Event::update_status(), &state).unwrap();
    assert_contains(
        out.error.as_deref().unwrap(),
        &format!(
            "secret-set {} password#file=<tmp>/password: this unit is not the leader",
            secret.id
        ),
    );
    assert!(matches!(out.tool_errors[0].error, Error::NotLeader { .. }));
    assert_eq!(out.state.secrets[0].latest_revision(), 1);
    // The leader can.
    let out = probe_ctx()
        .run(Event::update_status(), state.leader(true))
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.secrets[0]
            .latest_content()
            .unwrap()
            .get("password"),
        Some("new")
    );
}

#[test]
fn a_unit_cannot_read_a_secret_it_was_not_granted() {
    let secret = Secret::new(SecretContent::new().with("password", "hunter2")).not_granted();
    let state = State::new()
        .secret(secret.clone())
        .charm_state("op", "read-secret")
        .charm_state("secret", secret.id.to_string());
    let out = probe_ctx().run(Event::update_status(), &state).unwrap();
    assert_contains(
        out.error.as_deref().unwrap(),
        &format!("permission denied: secret-get --format=json {}", secret.id),
    );
    assert!(matches!(
        out.tool_errors[0].error,
        Error::PermissionDenied { .. }
    ));
    assert_eq!(out.tool_errors[0].message, "permission denied");
    // Granted, it reads the tracked revision.
    let mut granted = state.clone();
    granted.secrets[0].granted = true;
    let out = probe_ctx().run(Event::update_status(), granted).unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["read"], "hunter2");
    // Unknown: not found.
    let tools = probe_ctx()
        .backend(&Event::update_status(), &State::new())
        .unwrap();
    let err = tools
        .secret_get(
            Some(&secret.id),
            None,
            charm_runtime::secret::SecretRead::Tracked,
        )
        .unwrap_err();
    assert!(matches!(err, Error::SecretNotFound { .. }), "{err:?}");
}

#[test]
fn unknown_relations_are_not_found() {
    let tools = probe_ctx()
        .backend(&Event::update_status(), &State::new())
        .unwrap();
    let err = tools.relation_list(RelationId::new(9)).unwrap_err();
    assert!(
        matches!(err, Error::RelationNotFound { ref relation } if relation == "9"),
        "{err:?}"
    );
    assert_eq!(
        tools.finish(0).tool_errors[0].message,
        "invalid value \"9\" for flag -r: relation not found"
    );
}

// ---------------------------------------------------------------------------------------
// Membership and commit semantics

#[test]
fn relation_membership_follows_the_hook() {
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_unit(0, Bag::new())
        .remote_unit(1, Bag::new());
    let state = State::new().relation(db.clone());
    let run = |event: Event| {
        let out = probe_ctx().run(event, &state).unwrap();
        out.assert_ok();
        (
            out.state.charm_state["units"].clone(),
            out.state.charm_state["listed"].clone(),
        )
    };
    // joined: the joining unit is already listed.
    assert_eq!(
        run(Event::relation_joined(&db, 1)),
        ("postgresql/0,postgresql/1".into(), "1".into())
    );
    // departed: the departing unit is not.
    assert_eq!(
        run(Event::relation_departed(&db, 1)),
        ("postgresql/0".into(), "1".into())
    );
    // broken: no unit, and the runtime drops the relation...
    assert_eq!(run(Event::relation_broken(&db)), ("".into(), "0".into()));
    // ...which relation-ids still lists.
    let tools = probe_ctx()
        .backend(&Event::relation_broken(&db), &state)
        .unwrap();
    assert_eq!(tools.relation_ids("db").unwrap(), [db.id]);
    assert!(tools.relation_list(db.id).unwrap().is_empty());
    // The departing unit's bag stays readable.
    let tools = probe_ctx()
        .backend(&Event::relation_departed(&db, 1), &state)
        .unwrap();
    assert!(tools.relation_get(db.id, "postgresql/1", false).is_ok());
}

#[test]
fn subordinate_and_self_departing_membership() {
    let sub = SubordinateRelation::new("log-forwarder").remote_app_name("rsyslog");
    let state = State::new().relation(sub.clone());
    let tools = ctx()
        .backend(&Event::relation_joined(&sub, 0), &state)
        .unwrap();
    assert_eq!(tools.relation_list(sub.id).unwrap(), ["rsyslog/0"]);

    // This unit leaves: departed runs per remote unit, JUJU_DEPARTING_UNIT is this unit.
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_unit(0, Bag::new())
        .remote_unit(1, Bag::new());
    let state = State::new().relation(db.clone());
    let event = Event::relation_departed_self(&db, 0);
    let env = probe_ctx().env(&event, &state);
    let rel = env.relation.unwrap();
    assert_eq!(rel.departing_unit.as_deref(), Some("probe/0"));
    assert_eq!(rel.remote_unit.as_deref(), Some("postgresql/0"));
    let out = probe_ctx().run(event, &state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["units"], "postgresql/1");
}

#[test]
fn a_failed_hook_keeps_statuses_and_logs_and_drops_buffered_changes() {
    let db = Relation::new("db").remote_app_name("postgresql");
    let state = State::new()
        .relation(db.clone())
        .charm_state("op", "fail-after-writes");
    let out = probe_ctx().run(Event::update_status(), &state).unwrap();
    assert_eq!(out.exit_code, 1);
    assert_contains(
        out.error.as_deref().unwrap(),
        "handler `Probe::probe` failed: the workload is on fire",
    );
    // The secret added mid-hook and every buffered write are gone...
    assert_eq!(out.state, state);
    // ...the log lines stay.
    assert_eq!(out.logs[0].message, "about to fail");
    assert_contains(&out.logs[1].message, "the workload is on fire");

    // On the backend: status-set is immediate, relation-set and state-set are not.
    let tools = probe_ctx()
        .backend(&Event::update_status(), &state)
        .unwrap();
    tools
        .relation_set(db.id, false, &bag([("k", "v")]))
        .unwrap();
    tools.state_set(&bag([("k", "v")])).unwrap();
    tools.status_set(false, &Status::blocked("broken")).unwrap();
    tools.juju_log(charm_runtime::LogLevel::Info, "hi").unwrap();
    // The hook sees its own pending writes.
    assert_eq!(
        tools.relation_get(db.id, "probe/0", false).unwrap()["k"],
        "v"
    );
    let finished = tools.finish(1);
    assert!(finished.state.relations[0].local_unit_data.is_empty());
    assert!(!finished.state.charm_state.contains_key("k"));
    assert_eq!(finished.state.unit_status, Status::blocked("broken"));
    assert_eq!(finished.logs.len(), 1);
}

#[test]
fn secret_tracking_peek_and_refresh() {
    let secret = Secret::new(SecretContent::new().with("password", "old"))
        .new_revision(SecretContent::new().with("password", "new"));
    let state = State::new().secret(secret.clone());
    let tools = probe_ctx()
        .backend(&Event::secret_changed(&secret), &state)
        .unwrap();
    use charm_runtime::secret::SecretRead::*;
    let get = |read| {
        tools
            .secret_get(Some(&secret.id), None, read)
            .unwrap()
            .get("password")
            .unwrap()
            .to_string()
    };
    assert_eq!(get(Tracked), "old");
    assert_eq!(get(Peek), "new");
    assert_eq!(get(Tracked), "old");
    assert_eq!(get(Refresh), "new");
    assert_eq!(get(Tracked), "new");
    assert_eq!(tools.finish(0).state.secrets[0].tracked_revision, 2);
}

#[test]
fn owner_secret_events_reach_the_owner() -> Result<(), scenario::InconsistentState> {
    let secret = Secret::new(SecretContent::new().with("password", "x"))
        .unit_owned()
        .label("mine");
    assert_eq!(secret.owner, SecretOwner::Unit);
    let state = State::new().secret(secret.clone());
    for event in [
        Event::secret_rotate(&secret),
        Event::secret_expired(&secret, 1),
        Event::secret_remove(&secret, 1),
    ] {
        probe_ctx().run(event, &state)?.assert_ok();
    }
    let env = probe_ctx().env(&Event::secret_remove(&secret, 1), &state);
    assert_eq!(env.secret.unwrap().label.as_deref(), Some("mine"));
    Ok(())
}

#[test]
fn config_defaults_and_overrides_reach_the_charm() {
    let c = ctx();
    let tools = c
        .backend(&Event::config_changed(), &State::new().config("port", 2525))
        .unwrap();
    let config = tools.config_get().unwrap();
    let expected: BTreeMap<String, serde_json::Value> = [
        ("domain".to_string(), serde_json::json!("example.com")),
        ("port".to_string(), serde_json::json!(2525)),
    ]
    .into();
    assert_eq!(config.into_iter().collect::<BTreeMap<_, _>>(), expected);
}

#[test]
fn events_name_their_hooks() {
    let db = Relation::new("db");
    let state = State::new().relation(db.clone());
    let c = probe_ctx();
    for (event, path) in [
        (Event::install(), "hooks/install"),
        (Event::upgrade_charm(), "hooks/upgrade-charm"),
        (Event::relation_broken(&db), "hooks/db-relation-broken"),
        (
            Event::hook("leader-settings-changed"),
            "hooks/leader-settings-changed",
        ),
    ] {
        let env = c.env(&event, &state);
        assert_eq!(env.dispatch_path, path);
        assert_eq!(env.hook, charm_runtime::env::Hook::parse(path));
        c.run(event, &state).unwrap().assert_ok();
    }
    // Actions and storage hooks are named too (and checked against the declarations).
    let env = c.env(&Event::action("snapshot"), &state);
    assert_eq!(env.dispatch_path, "actions/snapshot");
    let err = c
        .run(Event::hook("data-storage-attached"), &state)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("storage `data`, which charm `probe` does not declare"),
        "{err}"
    );
}

#[test]
fn the_backend_refuses_what_juju_refuses_with_juju_s_texts() {
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_unit(0, Bag::new());
    let owned = Secret::new(SecretContent::new().with("password", "x"))
        .unit_owned()
        .label("mine");
    let theirs = Secret::new(SecretContent::new().with("password", "y"));
    let state = State::new()
        .relation(db.clone())
        .secret(owned.clone())
        .secret(theirs.clone());
    let tools = probe_ctx()
        .backend(&Event::update_status(), &state)
        .unwrap();
    let r = db.id;
    assert!(tools.relation_get(r, "postgresql", false).is_err());
    assert!(tools.relation_get(r, "postgresql/9", false).is_err());
    assert!(tools.secret_grant(&owned.id, r, Some("mysql/0")).is_err());
    assert!(tools.secret_info_get(Some(&theirs.id), None).is_err());
    assert!(tools
        .secret_set(
            &theirs.id,
            Some(&SecretContent::new().with("password", "z")),
            None
        )
        .is_err());
    assert!(tools
        .secret_add(&NewSecret {
            content: SecretContent::new().with("password", "x"),
            owner: RuntimeOwner::Unit,
            label: Some("mine".into()),
            description: None,
            expire: None,
            rotate: None,
        })
        .is_err());
    assert!(tools
        .status_set(false, &Status::new(charm_runtime::StatusKind::Error, "x"))
        .is_err());
    assert!(tools.storage_get("data/0", "location").is_err());
    // The owner can: grant to a remote unit, read its info, publish a new revision.
    tools
        .secret_grant(&owned.id, r, Some("postgresql/0"))
        .unwrap();
    assert_eq!(
        tools.secret_info_get(None, Some("mine")).unwrap().revision,
        1
    );
    tools
        .secret_set(
            &owned.id,
            Some(&SecretContent::new().with("password", "w")),
            None,
        )
        .unwrap();
    let finished = tools.finish(0);
    let texts: Vec<(i32, &str)> = finished
        .tool_errors
        .iter()
        .map(|e| (e.code, e.message.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (2, "expected unit name, got application name \"postgresql\""),
            // The controller names the relation by its key, the requirer first.
            (
                1,
                "cannot read settings for unit \"postgresql/9\" in relation \"probe:db postgresql:db\": unit \"postgresql/9\": settings not found"
            ),
            (
                2,
                "cannot specify unit \"mysql/0\" in relation to application \"postgresql\""
            ),
            (1, &*format!("secret \"{}\" not found", theirs.id.xid())),
            (1, "permission denied"),
            (1, "secret with label \"mine\" already exists"),
            (
                2,
                "invalid status \"error\", expected one of [maintenance blocked waiting active]"
            ),
            (2, "invalid value \"data/0\" for flag -s: storage not found"),
        ]
    );
    let secret = finished.state.get_secret(&owned.id).unwrap();
    assert_eq!(secret.latest_revision(), 2);
    assert!(secret.grants[&r].contains("postgresql/0"));
}

#[test]
fn struct_literals_work_too() {
    let db = Relation {
        endpoint: "db".into(),
        remote_app_name: Some("postgresql".into()),
        remote_app_data: bag([("credentials-id", "nonsense")]),
        ..Default::default()
    };
    let state = State {
        leader: true,
        relations: vec![db.clone()],
        ..State::default()
    };
    let out = ctx().run(Event::relation_changed(&db), &state).unwrap();
    assert!(out.error.unwrap().contains("`nonsense` is not a secret id"));
}
