//! Scenario tests of the `database` charm: one state in, one event, the state out.

use charm_runtime::testing::{self as scenario, bag, Event, PeerRelation, Relation, State};
use charm_runtime::{SecretId, Status};
use database::Database;

fn ctx() -> scenario::Context<Database> {
    scenario::Context::new()
}

/// A `db` relation with the client application `app`.
fn db(app: &str) -> Relation {
    Relation::new("db").remote_app_name(app)
}

/// The peer relation, its application bag holding `databases` (JSON, as `ops` writes it).
fn peers(databases: &str) -> Relation {
    PeerRelation::new("replicas").local_app_data(bag([("databases", databases)]))
}

// --- db-relation-created --------------------------------------------------------------

#[test]
fn created_creates_the_database_and_shares_the_credentials() {
    let db = db("my-web-app");
    let peers = peers(r#"["alpha", "zeta"]"#);
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();

    // The secret: application-owned, labelled after the relation, granted to the client.
    let label = format!("db-{}", db.id);
    let secret = out
        .state
        .get_secret_by_label(&label)
        .expect("a secret labelled db-<relation id>");
    assert_eq!(secret.owner, scenario::SecretOwner::App);
    let content = secret.latest_content().unwrap();
    assert_eq!(content.get("username"), Some("my_web_app_user"));
    let password = content.get("password").unwrap();
    assert_eq!(password.len(), 24);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(content.keys().count(), 2);
    assert!(secret.grants[&db.id].contains("my-web-app"));

    // Our OWN application bag on the relation: plain strings.
    let local = &out.relation(db.id).local_app_data;
    assert_eq!(local["database"], "my_web_app");
    assert_eq!(
        SecretId::parse(&local["credentials"]),
        Some(secret.id.clone())
    );
    assert_eq!(local["endpoints"], "database-0.database:5432");
    assert_eq!(local.len(), 3);
    assert!(out.relation(db.id).remote_app_data.is_empty());

    // The peer list: JSON, sorted, as Python's json.dumps writes it.
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["alpha", "my_web_app", "zeta"]"#
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 3 databases")
    );
}

#[test]
fn created_starts_the_list_when_there_is_none() {
    let db = db("webapp");
    let peers = PeerRelation::new("replicas");
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["webapp"]"#
    );
    assert_eq!(out.relation(db.id).local_app_data["database"], "webapp");
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 1 databases")
    );
}

#[test]
fn created_on_a_non_leader_does_nothing() {
    let db = db("webapp");
    let peers = peers(r#"["a"]"#);
    let state = State::new()
        .leader(false)
        .unit_id(1)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(db.id).local_app_data.is_empty());
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["a"]"#
    );
    assert!(!out.calls.iter().any(|c| c.starts_with("relation-set")));
    assert_eq!(out.state.unit_status, Status::active("replica"));
}

#[test]
fn created_beyond_max_databases_blocks_and_creates_nothing() {
    let db = db("webapp");
    let peers = peers(r#"["a", "b"]"#);
    let state = State::new()
        .leader(true)
        .config("max-databases", 2)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::blocked("too many databases"));
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(db.id).local_app_data.is_empty());
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["a", "b"]"#
    );
}

#[test]
fn the_default_max_databases_is_10() {
    let names: Vec<String> = (0..10).map(|i| format!("\"db{i}\"")).collect();
    let full = format!("[{}]", names.join(", "));
    let db = db("webapp");
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers(&full));
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::blocked("too many databases"));
}

#[test]
fn created_with_a_corrupt_databases_list_fails_clearly_and_writes_nothing() {
    let db = db("webapp");
    let peers = peers("webapp, other");
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    assert_eq!(out.exit_code, 1);
    let error = out.error.as_deref().unwrap();
    assert!(error.contains("key `databases`"), "{error}");
    assert!(error.contains("not JSON"), "{error}");
    assert!(out.log_text().contains("ERROR"), "{}", out.log_text());
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(db.id).local_app_data.is_empty());
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        "webapp, other"
    );
}

#[test]
fn created_before_the_peer_relation_fails_so_juju_retries() {
    let db = db("webapp");
    let state = State::new().leader(true).relation(db.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    assert_eq!(out.exit_code, 1);
    assert!(out
        .error
        .as_deref()
        .unwrap()
        .contains("`replicas` peer relation"));
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(db.id).local_app_data.is_empty());
}

#[test]
fn created_on_a_vanished_relation_fails_clearly() {
    // The relation was removed while the hook was queued: Juju no longer knows it.
    let db = db("webapp");
    let state = State::new().leader(true).relation(peers("[]"));
    let out = ctx().run_unchecked(&Event::relation_created(&db), state);
    assert_eq!(out.exit_code, 1);
    let error = out.error.unwrap();
    assert!(error.contains("not found"), "{error}");
    assert!(out.state.secrets.is_empty());
}

// --- db-relation-broken ---------------------------------------------------------------

/// The state after `created` ran for `app`: what `broken` starts from.
fn with_database(app: &str) -> (State, Relation, Relation) {
    let db = db(app);
    let peers = peers(r#"["other"]"#);
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    (out.state, db, peers)
}

#[test]
fn broken_drops_the_database_and_its_secret() {
    let (state, db, peers) = with_database("webapp");
    assert_eq!(
        state.get_relation(peers.id).unwrap().local_app_data["databases"],
        r#"["other", "webapp"]"#
    );
    let out = ctx().run(Event::relation_broken(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["other"]"#
    );
    assert!(out
        .state
        .get_secret_by_label(&format!("db-{}", db.id))
        .is_none());
    assert!(out.state.secrets.is_empty());
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 1 databases")
    );
}

#[test]
fn broken_after_a_refused_database_is_harmless() {
    let db = db("webapp");
    let peers = peers(r#"["a"]"#);
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_broken(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"["a"]"#
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 1 databases")
    );
}

#[test]
fn broken_on_a_non_leader_does_nothing() {
    let (mut state, db, peers) = with_database("webapp");
    state.leader = false;
    state.unit_id = 1;
    // A non-leader cannot read its application's bag on `db`: Juju would not show it.
    state
        .get_relation_mut(db.id)
        .unwrap()
        .local_app_data
        .clear();
    let out = ctx()
        .run(Event::relation_broken(&db), state.clone())
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.secrets, state.secrets);
    assert_eq!(
        out.relation(peers.id).local_app_data,
        state.get_relation(peers.id).unwrap().local_app_data
    );
    assert_eq!(out.state.unit_status, Status::active("replica"));
}

// --- the peer relation ----------------------------------------------------------------

#[test]
fn every_unit_publishes_its_host_when_it_sees_the_peer_relation() {
    for (leader, unit) in [(true, 0), (false, 3)] {
        let peers = PeerRelation::new("replicas");
        let state = State::new()
            .leader(leader)
            .unit_id(unit)
            .relation(peers.clone());
        let out = ctx().run(Event::relation_created(&peers), state).unwrap();
        out.assert_ok();
        assert_eq!(
            out.relation(peers.id).local_unit_data["host"],
            format!("database-{unit}.database")
        );
    }
}

#[test]
fn the_leader_is_the_primary() {
    let peers = PeerRelation::new("replicas").peer_unit(1, bag([("host", "database-1.database")]));
    let events = [
        Event::leader_elected(),
        Event::relation_joined(&peers, 1),
        Event::relation_changed_unit(&peers, 1),
    ];
    for event in events {
        let name = event.name();
        let state = State::new().leader(true).relation(peers.clone());
        let out = ctx().run(event, state).unwrap();
        out.assert_ok();
        assert_eq!(
            out.relation(peers.id).local_app_data["primary"],
            "database/0",
            "{name}"
        );
        assert_eq!(
            out.state.unit_status,
            Status::active("primary, 0 databases"),
            "{name}"
        );
    }
}

#[test]
fn a_replica_does_not_claim_primary() {
    let peers = PeerRelation::new("replicas")
        .local_app_data(bag([("primary", "database/0")]))
        .peer_unit(0, bag([("host", "database-0.database")]));
    for event in [
        Event::leader_elected(),
        Event::relation_joined(&peers, 0),
        Event::relation_changed_unit(&peers, 0),
    ] {
        let state = State::new().unit_id(1).relation(peers.clone());
        let out = ctx().run(event, state).unwrap();
        out.assert_ok();
        assert_eq!(
            out.relation(peers.id).local_app_data["primary"],
            "database/0"
        );
        assert!(!out.calls.iter().any(|c| c.starts_with("relation-set")));
        assert_eq!(out.state.unit_status, Status::active("replica"));
    }
}

#[test]
fn leader_elected_before_the_peer_relation_only_sets_status() {
    let out = ctx()
        .run(Event::leader_elected(), State::new().leader(true))
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 0 databases")
    );
}

#[test]
fn status_says_when_the_databases_list_is_corrupt() {
    let peers = peers(r#"{"not": "a list"}"#);
    let state = State::new().leader(true).relation(peers.clone());
    let out = ctx().run(Event::update_status(), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status.kind(),
        charm_runtime::StatusKind::Blocked
    );
    assert!(out.state.unit_status.message().contains("`databases`"));
    assert!(
        out.log_text().contains("key `databases`"),
        "{}",
        out.log_text()
    );
    // Reported, not "repaired": the data stays for the operator to look at.
    assert_eq!(
        out.relation(peers.id).local_app_data["databases"],
        r#"{"not": "a list"}"#
    );
}

#[test]
fn every_malformed_databases_list_is_an_error_naming_the_key() {
    for value in [
        "",
        "null",
        r#""webapp""#,
        r#"["a", 1]"#,
        "[",
        r#"{"a": 1}"#,
        "é😀",
    ] {
        let db = db("webapp");
        let state = State::new()
            .leader(true)
            .relation(db.clone())
            .relation(peers(value));
        let out = ctx().run(Event::relation_created(&db), state).unwrap();
        assert_eq!(out.exit_code, 1, "{value:?}");
        let error = out.error.as_deref().unwrap();
        assert!(error.contains("key `databases`"), "{value:?}: {error}");
        assert!(!error.contains("panicked"), "{value:?}: {error}");
        assert!(out.state.secrets.is_empty(), "{value:?}");
    }
}

// --- backup action -------------------------------------------------------------------

#[test]
fn backup_writes_the_databases_and_returns_path_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let state = State::new().relation(peers(r#"["blog", "shop"]"#));
    let out = scenario::Context::<Database>::new()
        .charm_dir(dir.path())
        .run(Event::action("backup").param("path", "dbs.txt"), state)
        .unwrap();
    out.assert_ok();
    let action = out.action.unwrap();
    let path = dir.path().join("dbs.txt");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "blog\nshop\n");
    assert_eq!(action.results["path"], path.display().to_string());
    assert_eq!(action.results["databases"], "2");
    assert_eq!(action.failure, None);
}

#[test]
fn backup_fails_the_action_not_the_unit_on_bad_input() {
    // A directory that does not exist.
    let dir = tempfile::tempdir().unwrap();
    let state = State::new().relation(peers(r#"["blog"]"#));
    let out = scenario::Context::<Database>::new()
        .charm_dir(dir.path())
        .run(
            Event::action("backup").param("path", "nonexistent/dir/dbs.txt"),
            state,
        )
        .unwrap();
    out.assert_ok();
    let failure = out.action.unwrap().failure.unwrap();
    let expected = format!(
        "cannot write {}: ",
        dir.path().join("nonexistent/dir/dbs.txt").display()
    );
    assert!(failure.starts_with(&expected), "{failure}");

    // A peer list someone corrupted.
    let out = ctx()
        .run(
            Event::action("backup").param("path", "dbs.txt"),
            State::new().relation(peers("blog,shop")),
        )
        .unwrap();
    out.assert_ok();
    let failure = out.action.unwrap().failure.unwrap();
    assert!(failure.contains("key `databases`"), "{failure}");

    // A missing (required) parameter.
    let out = ctx()
        .run(Event::action("backup"), State::new().relation(peers("[]")))
        .unwrap_err();
    assert!(out.to_string().contains("path"), "{out}");
}

/// A file outside the charm directory that a root hook must never touch.
fn victim() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("root-only");
    std::fs::write(&path, "keep").unwrap();
    (dir, path)
}

#[cfg(unix)]
#[test]
fn backup_refuses_a_path_outside_the_charm_dir_or_through_a_link() {
    use std::os::unix::fs::symlink;
    let (_keep, victim) = victim();
    let charm = tempfile::tempdir().unwrap();
    symlink(&victim, charm.path().join("link.txt")).unwrap();
    symlink(victim.parent().unwrap(), charm.path().join("out")).unwrap();
    std::fs::create_dir(charm.path().join("dir")).unwrap();
    let up = "../".repeat(charm.path().components().count());
    let cases = [
        (
            victim.display().to_string(),
            "is outside the charm directory",
        ),
        (
            format!("{up}{}", victim.display()),
            "is outside the charm directory",
        ),
        ("link.txt".to_string(), "is a symbolic link"),
        ("out/root-only".to_string(), "is a symbolic link"),
        ("dir".to_string(), "is a directory, not a regular file"),
    ];
    for (path, why) in cases {
        let out = scenario::Context::<Database>::new()
            .charm_dir(charm.path())
            .run(
                Event::action("backup").param("path", path.as_str()),
                State::new().relation(peers(r#"["blog"]"#)),
            )
            .unwrap();
        out.assert_ok();
        let failure = out.action.unwrap().failure.unwrap();
        assert!(
            failure.starts_with("`path` must name a file inside the charm directory: ")
                && failure.ends_with(why),
            "{path}: {failure}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep", "{path}");
    }
}

#[cfg(unix)]
#[test]
fn backup_never_follows_a_link_planted_beside_the_file() {
    // The temporary file of an earlier version had a predictable name: a link planted
    // there made root overwrite its target.
    let (_keep, victim) = victim();
    let charm = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&victim, charm.path().join(".dbs.txt.tmp")).unwrap();
    let out = scenario::Context::<Database>::new()
        .charm_dir(charm.path())
        .run(
            Event::action("backup").param("path", "dbs.txt"),
            State::new().relation(peers(r#"["blog", "shop"]"#)),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.action.unwrap().failure, None);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert_eq!(
        std::fs::read_to_string(charm.path().join("dbs.txt")).unwrap(),
        "blog\nshop\n"
    );
}

#[test]
fn backup_refuses_a_list_with_a_name_that_is_not_one_line() {
    let charm = tempfile::tempdir().unwrap();
    let out = scenario::Context::<Database>::new()
        .charm_dir(charm.path())
        .run(
            Event::action("backup").param("path", "dbs.txt"),
            State::new().relation(peers(r#"["blog\nevil", "shop"]"#)),
        )
        .unwrap();
    out.assert_ok();
    let failure = out.action.unwrap().failure.unwrap();
    assert!(failure.contains("not a database name"), "{failure}");
    assert!(!charm.path().join("dbs.txt").exists());
}

#[test]
fn a_client_whose_name_juju_would_not_give_gets_no_database() {
    let db = db("Web\napp");
    let peers = peers("[]");
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers.clone());
    let out = ctx().run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    let expected = Status::blocked(format!(
        "db:{}: the client application's name is not a Juju application name",
        db.id
    ));
    assert_eq!(out.state.unit_status, expected);
    assert!(out.state.secrets.is_empty());
    assert!(out.relation(db.id).local_app_data.is_empty());
    assert_eq!(out.relation(peers.id).local_app_data["databases"], "[]");
    // It stays so in the relation's later hooks, and its broken hook drops nothing.
    let out = ctx().run(Event::relation_changed(&db), out.state).unwrap();
    assert_eq!(out.state.unit_status, expected);
    let out = ctx().run(Event::relation_broken(&db), out.state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 0 databases")
    );
}
