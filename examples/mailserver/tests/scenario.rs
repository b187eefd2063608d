//! Scenario tests of the `mailserver` charm: one state in, one event, the state out.

use charm_runtime::testing::{self as scenario, bag, Bag, Event, Relation, Secret, State};
use charm_runtime::{SecretContent, SecretId, Status};
use mailserver::Mailserver;

fn ctx() -> scenario::Context<Mailserver> {
    scenario::Context::new()
}

/// An `smtp` relation with `webapp`, whose units `units` are in it.
fn smtp(units: &[u32]) -> Relation {
    units
        .iter()
        .fold(Relation::new("smtp").remote_app_name("webapp"), |r, &n| {
            r.remote_unit(n, Bag::new())
        })
}

#[test]
fn joined_creates_a_user_for_that_unit_only() {
    for leader in [true, false] {
        let smtp = smtp(&[0, 1]);
        let state = State::new().leader(leader).relation(smtp.clone());
        let out = ctx().run(Event::relation_joined(&smtp, 1), state).unwrap();
        out.assert_ok();

        let secret = out
            .state
            .get_secret_by_label("smtp-webapp-1")
            .expect("a secret labelled smtp-<unit>");
        assert_eq!(secret.owner, scenario::SecretOwner::Unit);
        let content = secret.latest_content().unwrap();
        assert_eq!(content.get("username"), Some("webapp-1"));
        let password = content.get("password").unwrap();
        assert_eq!(password.len(), 24);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
        // Granted to the joining unit, not to its application.
        assert_eq!(
            secret.grants[&smtp.id].iter().collect::<Vec<_>>(),
            ["webapp/1"]
        );

        let local = &out.relation(smtp.id).local_unit_data;
        assert_eq!(
            SecretId::parse(&local["user-webapp-1"]),
            Some(secret.id.clone())
        );
        assert_eq!(local["host"], "mailserver-0.mail");
        assert_eq!(local.len(), 2);
        assert!(out.relation(smtp.id).local_app_data.is_empty());
        assert_eq!(out.state.unit_status, Status::active("1 smtp users"));
    }
}

#[test]
fn each_joining_unit_gets_its_own_user() {
    let smtp = smtp(&[0, 1]);
    let state = State::new().relation(smtp.clone()).unit_id(2);
    let out = ctx().run(Event::relation_joined(&smtp, 0), state).unwrap();
    out.assert_ok();
    let out = ctx()
        .run(Event::relation_joined(&smtp, 1), out.state)
        .unwrap();
    out.assert_ok();
    let local = &out.relation(smtp.id).local_unit_data;
    assert_ne!(local["user-webapp-0"], local["user-webapp-1"]);
    assert_eq!(local["host"], "mailserver-2.mail");
    assert_eq!(out.state.secrets.len(), 2);
    let passwords: Vec<_> = out
        .state
        .secrets
        .iter()
        .map(|s| s.latest_content().unwrap().get("password").unwrap())
        .collect();
    assert_ne!(passwords[0], passwords[1]);
    assert_eq!(out.state.unit_status, Status::active("2 smtp users"));
}

#[test]
fn joined_on_a_vanished_relation_keeps_nothing() {
    // The relation is gone from the model, so the test backend cannot name the joining
    // unit (Juju would, and the grant would then fail the hook): an unnamed unit is
    // refused before anything is created.
    let smtp = smtp(&[0]);
    let out = ctx().run_unchecked(&Event::relation_joined(&smtp, 0), State::new());
    out.assert_ok();
    assert_eq!(
        out.state.unit_status.kind(),
        charm_runtime::StatusKind::Blocked
    );
    assert!(out.state.secrets.is_empty());
}

/// The state after `webapp/0` and `webapp/1` joined.
fn with_two_users() -> (State, Relation) {
    let smtp = smtp(&[0, 1]);
    let mut state = State::new().relation(smtp.clone());
    for unit in [0, 1] {
        let out = ctx()
            .run(Event::relation_joined(&smtp, unit), state)
            .unwrap();
        out.assert_ok();
        state = out.state;
    }
    (state, smtp)
}

#[test]
fn departed_removes_the_user_of_the_departing_unit() {
    let (state, smtp) = with_two_users();
    let out = ctx()
        .run(Event::relation_departed(&smtp, 1), state)
        .unwrap();
    out.assert_ok();
    let local = &out.relation(smtp.id).local_unit_data;
    assert!(!local.contains_key("user-webapp-1"));
    assert!(local.contains_key("user-webapp-0"));
    assert!(out.state.get_secret_by_label("smtp-webapp-1").is_none());
    assert!(out.state.get_secret_by_label("smtp-webapp-0").is_some());
    assert_eq!(out.state.unit_status, Status::active("1 smtp users"));
}

#[test]
fn departed_when_this_unit_leaves_keeps_everything() {
    let (state, smtp) = with_two_users();
    let out = ctx()
        .run(Event::relation_departed_self(&smtp, 1), state.clone())
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.relation(smtp.id).local_unit_data,
        state.get_relation(smtp.id).unwrap().local_unit_data
    );
    assert_eq!(out.state.secrets, state.secrets);
    assert_eq!(out.state.unit_status, Status::active("2 smtp users"));
}

#[test]
fn departed_without_a_secret_still_cleans_up() {
    // The secret is already gone (removed by hand): the key goes, the hook succeeds.
    let smtp = smtp(&[0]).local_unit_data(bag([
        ("user-webapp-0", "secret:d0nosuchsecret000001"),
        ("host", "mailserver-0.mail"),
    ]));
    let state = State::new().relation(smtp.clone());
    let out = ctx()
        .run(Event::relation_departed(&smtp, 0), state)
        .unwrap();
    out.assert_ok();
    assert!(!out
        .relation(smtp.id)
        .local_unit_data
        .contains_key("user-webapp-0"));
    assert_eq!(out.state.unit_status, Status::active("0 smtp users"));
}

#[test]
fn status_counts_users_over_every_smtp_relation() {
    let a = smtp(&[0]).local_unit_data(bag([
        ("user-webapp-0", "secret:a"),
        ("host", "mailserver-0.mail"),
    ]));
    let b = Relation::new("smtp")
        .remote_app_name("blog")
        .remote_unit(0, Bag::new())
        .remote_unit(1, Bag::new())
        .local_unit_data(bag([
            ("user-blog-0", "secret:b"),
            ("user-blog-1", "secret:c"),
            ("host", "mailserver-0.mail"),
        ]));
    let state = State::new().relation(a).relation(b);
    let out = ctx().run(Event::update_status(), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("3 smtp users"));
}

#[test]
fn status_leaves_out_a_broken_relation() {
    let gone = smtp(&[]).local_unit_data(bag([("user-webapp-0", "secret:a")]));
    let state = State::new().relation(gone.clone());
    let out = ctx().run(Event::relation_broken(&gone), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("0 smtp users"));
}

#[test]
fn departed_never_touches_a_secret_it_does_not_own() {
    // A secret this unit reads under the same label, owned by another application: the
    // unit cannot manage it, finds no secret of its own to remove, and leaves it alone.
    let smtp = smtp(&[0]).local_unit_data(bag([("user-webapp-0", "secret:x")]));
    let foreign = Secret::new(SecretContent::new().with("password", "x")).label("smtp-webapp-0");
    let state = State::new().relation(smtp.clone()).secret(foreign.clone());
    let out = ctx()
        .run(Event::relation_departed(&smtp, 0), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.get_secret(&foreign.id), Some(&foreign));
    assert!(!out
        .relation(smtp.id)
        .local_unit_data
        .contains_key("user-webapp-0"));
}

#[test]
fn a_client_unit_whose_name_juju_would_not_give_gets_no_user() {
    // The name would become a key (`user-<name>`), a secret label and an SMTP user.
    for app in [
        "webapp\nhost=evil.example",
        "../webapp",
        "WebApp",
        "web--app",
    ] {
        let smtp = Relation::new("smtp")
            .remote_app_name(app)
            .remote_unit(0, Bag::new());
        let state = State::new().relation(smtp.clone());
        let out = ctx().run(Event::relation_joined(&smtp, 0), state).unwrap();
        out.assert_ok();
        assert_eq!(
            out.state.unit_status,
            Status::blocked(format!(
                "smtp:{}: a client unit's name is not a Juju unit name",
                smtp.id
            )),
            "{app:?}"
        );
        assert!(out.state.secrets.is_empty(), "{app:?}");
        assert!(out.relation(smtp.id).local_unit_data.is_empty(), "{app:?}");
        // Its departure removes nothing.
        let out = ctx()
            .run(Event::relation_departed(&smtp, 0), out.state)
            .unwrap();
        out.assert_ok();
        assert_eq!(out.state.unit_status, Status::active("0 smtp users"));
    }
}
