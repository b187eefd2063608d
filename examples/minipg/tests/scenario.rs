//! Scenario tests of every event minipg observes: a request on `database` (v0 and v1
//! requirers, leader and not), the same request again, `rotate-password`, the relation
//! broken; the status after each.

use charm_runtime::network::Network;
use charm_runtime::testing::{self as scenario, bag, Event, Output, Relation, State};
use charm_runtime::Status;
use minipg::Minipg;

const V0_REQUEST: [(&str, &str); 3] = [
    ("database", "blog"),
    ("provided-secrets", r#"["mtls-cert"]"#),
    (
        "requested-secrets",
        r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#,
    ),
];

fn v0_requirer() -> Relation {
    Relation::new("database")
        .remote_app_name("blog")
        .remote_app_data(bag(V0_REQUEST))
}

fn v1_requirer() -> Relation {
    Relation::new("database").remote_app_name("shop").remote_app_data(bag([
        ("version", "v1"),
        (
            "requests",
            r#"[{"resource": "shop", "request-id": "fee38e812a5c971a", "salt": "pej0L48OHebXPVJP", "extra-user-roles": null, "external-node-connectivity": false}]"#,
        ),
    ]))
}

fn leader_with(relation: &Relation) -> State {
    State::new()
        .leader(true)
        .relation(relation.clone())
        .network("database", Network::single("10.0.0.7"))
}

fn run(event: Event, state: State) -> Output {
    let out = scenario::Context::<Minipg>::new()
        .run(event, state)
        .unwrap();
    out.assert_ok();
    out
}

#[test]
fn the_leader_answers_a_v0_request_with_credentials_in_a_granted_secret() {
    let rel = v0_requirer();
    let out = run(Event::relation_changed(&rel), leader_with(&rel));
    assert_eq!(
        out.handlers,
        [
            "DatabaseProvides::requested",
            "Minipg::serve",
            "Minipg::status"
        ]
    );
    let label = format!("database.{}.user.secret", rel.id);
    let secret = out.state.get_secret_by_label(&label).expect("user secret");
    assert!(secret.grants[&rel.id].contains("blog"));
    let content = secret.latest_content().unwrap();
    assert_eq!(
        content.get("username"),
        Some(format!("relation_id_{}", rel.id).as_str())
    );
    let password = content.get("password").unwrap();
    assert!(password.len() == 24 && password.chars().all(|c| c.is_ascii_alphanumeric()));
    let bag = &out.relation(rel.id).local_app_data;
    assert_eq!(bag["secret-user"], secret.id.as_str());
    assert_eq!(bag["endpoints"], "10.0.0.7:5432");
    assert_eq!(bag["version"], "16.0");
    assert_eq!(bag["database"], "blog");
    assert!(!bag.contains_key("password") && !bag.contains_key("username"));
    assert_eq!(out.state.unit_status, Status::active("serving 1 databases"));

    // The same request again: answered already, nothing changes.
    let again = run(Event::relation_changed(&rel), out.state.clone());
    assert_eq!(
        again.handlers,
        ["DatabaseProvides::requested", "Minipg::status"]
    );
    let same = again.state.get_secret_by_label(&label).unwrap();
    assert_eq!(same.latest_revision(), secret.latest_revision());
}

#[test]
fn the_leader_answers_each_v1_request_in_requests() {
    let rel = v1_requirer();
    let out = run(Event::relation_changed(&rel), leader_with(&rel));
    let label = format!("database.{}.fee38e812a5c971a.user.secret", rel.id);
    let secret = out.state.get_secret_by_label(&label).expect("user secret");
    assert!(secret.grants[&rel.id].contains("shop"));
    let bag = &out.relation(rel.id).local_app_data;
    assert_eq!(bag["version"], "v1");
    let requests: serde_json::Value = serde_json::from_str(&bag["requests"]).unwrap();
    let answer = &requests[0];
    assert_eq!(answer["request-id"], "fee38e812a5c971a");
    assert_eq!(answer["resource"], "shop");
    assert_eq!(answer["secret-user"], secret.id.as_str());
    assert_eq!(answer["endpoints"], "10.0.0.7:5432");
    assert_eq!(answer["version"], "16.0");
    assert_eq!(out.state.unit_status, Status::active("serving 1 databases"));
}

#[test]
fn a_follower_answers_nothing() {
    let rel = v0_requirer();
    let state = leader_with(&rel).leader(false);
    let out = run(Event::relation_changed(&rel), state);
    assert_eq!(
        out.handlers,
        ["DatabaseProvides::requested", "Minipg::status"]
    );
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(rel.id).local_app_data.is_empty());
    assert_eq!(out.state.unit_status, Status::active("serving 0 databases"));
}

#[test]
fn rotate_password_adds_a_revision_with_a_new_password() {
    let rel = v0_requirer();
    let served = run(Event::relation_changed(&rel), leader_with(&rel));
    let label = format!("database.{}.user.secret", rel.id);
    let before = served.state.get_secret_by_label(&label).unwrap().clone();

    let out = run(
        Event::action("rotate-password").param("relation-id", rel.id.number()),
        served.state.clone(),
    );
    let action = out.action.as_ref().unwrap();
    assert_eq!(action.failure, None);
    assert_eq!(
        action.results["username"],
        format!("relation_id_{}", rel.id)
    );
    let after = out.state.get_secret_by_label(&label).unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.latest_revision(), before.latest_revision() + 1);
    let (old, new) = (
        before.latest_content().unwrap(),
        after.latest_content().unwrap(),
    );
    assert_eq!(new.get("username"), old.get("username"));
    assert_ne!(new.get("password"), old.get("password"));
    // The databag points at the same secret.
    assert_eq!(
        out.relation(rel.id).local_app_data["secret-user"],
        served.relation(rel.id).local_app_data["secret-user"]
    );
}

#[test]
fn rotate_password_of_an_unknown_relation_fails_the_action_not_the_unit() {
    let rel = v0_requirer();
    let served = run(Event::relation_changed(&rel), leader_with(&rel));
    let out = run(
        Event::action("rotate-password").param("relation-id", 999),
        served.state.clone(),
    );
    let failure = out.action.as_ref().unwrap().failure.clone().unwrap();
    assert_eq!(failure, "no `database` relation with id 999");

    let follower = leader_with(&rel).leader(false);
    let out = run(
        Event::action("rotate-password").param("relation-id", rel.id.number()),
        follower,
    );
    let failure = out.action.as_ref().unwrap().failure.clone().unwrap();
    assert!(failure.starts_with("only the leader"), "{failure}");
}

#[test]
fn relation_broken_removes_the_relations_secret() {
    let rel = v0_requirer();
    let served = run(Event::relation_changed(&rel), leader_with(&rel));
    let label = format!("database.{}.user.secret", rel.id);
    assert!(served.state.get_secret_by_label(&label).is_some());
    let out = run(Event::relation_broken(&rel), served.state.clone());
    assert_eq!(out.handlers, ["DatabaseProvides::broken", "Minipg::status"]);
    assert!(out.state.get_secret_by_label(&label).is_none());
    assert_eq!(out.state.unit_status, Status::active("serving 0 databases"));
}

#[test]
fn relation_broken_of_a_v1_requirer_removes_each_requests_secret() {
    let rel = v1_requirer();
    let served = run(Event::relation_changed(&rel), leader_with(&rel));
    assert_eq!(served.state.secrets.len(), 1);
    let out = run(Event::relation_broken(&rel), served.state.clone());
    assert!(out.state.secrets.is_empty());
}
