//! Scenario tests of the `webapp` charm: one state in, one event, the state out, and
//! the config file it leaves in the charm directory.

use std::fs;
use std::path::PathBuf;

use charm_runtime::testing::{
    self as scenario, bag, Bag, Event, PeerRelation, Relation, Secret, State,
};
use charm_runtime::{SecretContent, Status, StatusKind};
use tempfile::TempDir;
use webapp::Webapp;

/// A charm directory of its own for each test, and a context running in it.
struct Setup {
    dir: TempDir,
    ctx: scenario::Context<Webapp>,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ctx = scenario::Context::new().charm_dir(dir.path());
        Setup { dir, ctx }
    }
    /// The default config file, `<charm dir>/webapp.conf`.
    fn config_file(&self) -> PathBuf {
        self.dir.path().join("webapp.conf")
    }
    fn config(&self) -> Option<String> {
        fs::read_to_string(self.config_file()).ok()
    }
    /// Runs `event`, which must succeed.
    fn run(&self, event: Event, state: &State) -> scenario::Output {
        let out = self.ctx.run(event, state).unwrap();
        out.assert_ok();
        out
    }
}

fn creds(username: &str, password: &str) -> SecretContent {
    SecretContent::new()
        .with("username", username)
        .with("password", password)
}

/// The credentials the database granted us.
fn db_secret() -> Secret {
    Secret::new(creds("webapp_user", "s3cret"))
}

/// A `db` relation whose provider published `database` and `credentials`.
fn db(secret: &Secret) -> Relation {
    Relation::new("db")
        .remote_app_name("database")
        .remote_unit(0, Bag::new())
        .remote_app_data(bag([
            ("database", "webapp"),
            ("credentials", secret.id.as_str()),
            ("endpoints", "database-0.database:5432"),
        ]))
}

const DB_LINES: &str = "database=webapp\nusername=webapp_user\npassword=s3cret\n";

/// A leader with a ready `db` relation and its secret.
fn ready_state() -> (State, Relation, Secret) {
    let secret = db_secret();
    let db = db(&secret);
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .secret(secret.clone());
    (state, db, secret)
}

// --- step 1: no db relation -----------------------------------------------------------

#[test]
fn without_a_db_relation_it_is_blocked_and_removes_the_config() {
    let setup = Setup::new();
    fs::write(setup.config_file(), "stale").unwrap();
    let out = setup.run(Event::config_changed(), &State::new());
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
    assert_eq!(setup.config(), None);
    // And when there was no file, nothing to remove.
    let out = setup.run(Event::upgrade_charm(), &State::new());
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
}

#[test]
fn db_relation_broken_blocks_and_removes_the_config() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    setup.run(Event::relation_changed(&db), &state);
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));

    let mut broken = state.clone();
    broken
        .get_relation_mut(db.id)
        .unwrap()
        .remote_units_data
        .clear();
    let out = setup.run(Event::relation_broken(&db), &broken);
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
    assert_eq!(setup.config(), None);
}

#[test]
fn a_vanished_db_relation_reads_as_missing() {
    // The event names a relation Juju no longer has.
    let setup = Setup::new();
    let (_, db, secret) = ready_state();
    let state = State::new().leader(true).secret(secret);
    let out = setup
        .ctx
        .run_unchecked(&Event::relation_changed(&db), state);
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
}

// --- step 2: no credentials yet -------------------------------------------------------

#[test]
fn without_credentials_it_waits() {
    let setup = Setup::new();
    for data in [
        Bag::new(),
        bag([("database", "webapp")]),
        bag([("credentials", "secret:d0testsecret00000001")]),
    ] {
        let db = Relation::new("db")
            .remote_app_name("database")
            .remote_app_data(data);
        let state = State::new().relation(db.clone());
        let out = setup.run(Event::relation_changed(&db), &state);
        assert_eq!(
            out.state.unit_status,
            Status::waiting("waiting for database credentials")
        );
        assert_eq!(setup.config(), None);
    }
}

// --- steps 3, 5, 6, 7: credentials, config file, ready ----------------------------------

#[test]
fn with_credentials_it_writes_the_config_and_is_ready() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    let out = setup.run(Event::relation_changed(&db), &state);
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert_eq!(out.state.app_status, Status::active("1 of 1 units ready"));
    assert!(out.log_text().contains("wrote"), "{}", out.log_text());
}

#[test]
fn every_observed_event_reconciles() {
    let (state, db, secret) = ready_state();
    let peers = PeerRelation::new("replicas").peer_unit(1, Bag::new());
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(0, Bag::new());
    let state = state.relation(peers.clone()).relation(smtp.clone());
    let events = [
        Event::config_changed(),
        Event::upgrade_charm(),
        Event::secret_changed(&secret),
        Event::relation_changed(&db),
        Event::relation_changed_unit(&smtp, 0),
        Event::relation_departed(&smtp, 0),
        Event::relation_changed_unit(&peers, 1),
    ];
    for event in events {
        let setup = Setup::new();
        let name = event.name();
        let out = setup.run(event, &state);
        assert_eq!(out.handlers, ["Webapp::reconcile"], "{name}");
        assert_eq!(setup.config().as_deref(), Some(DB_LINES), "{name}");
        assert_eq!(out.state.unit_status, Status::active("ready"), "{name}");
    }
}

#[test]
fn an_unchanged_config_is_not_rewritten() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    setup.run(Event::relation_changed(&db), &state);
    let before = fs::metadata(setup.config_file())
        .unwrap()
        .modified()
        .unwrap();
    let out = setup.run(Event::config_changed(), &state);
    assert!(!out.log_text().contains("wrote"), "{}", out.log_text());
    let after = fs::metadata(setup.config_file())
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_new_secret_revision_is_picked_up() {
    let setup = Setup::new();
    let secret = db_secret().new_revision(creds("webapp_user", "rotated"));
    let db = db(&secret);
    let state = State::new().relation(db).secret(secret.clone());
    let out = setup.run(Event::secret_changed(&secret), &state);
    assert_eq!(
        setup.config().as_deref(),
        Some("database=webapp\nusername=webapp_user\npassword=rotated\n")
    );
    // It now tracks the latest revision.
    assert_eq!(
        out.state.get_secret(&secret.id).unwrap().tracked_revision,
        2
    );
}

#[test]
fn config_path_relative_to_the_charm_dir_or_absolute() {
    let setup = Setup::new();
    fs::create_dir(setup.dir.path().join("etc")).unwrap();
    let (state, db, _) = ready_state();
    setup.run(
        Event::relation_changed(&db),
        &state.clone().config("config-path", "etc/app.conf"),
    );
    let relative = setup.dir.path().join("etc/app.conf");
    assert_eq!(fs::read_to_string(relative).unwrap(), DB_LINES);

    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = elsewhere.path().join("app.conf");
    setup.run(
        Event::config_changed(),
        &state.config("config-path", absolute.to_str().unwrap()),
    );
    assert_eq!(fs::read_to_string(absolute).unwrap(), DB_LINES);
}

#[test]
fn an_unwritable_config_path_blocks_and_leaves_no_file() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    let state = state.config("config-path", "no/such/dir/webapp.conf");
    let out = setup.run(Event::relation_changed(&db), &state);
    assert_eq!(out.state.unit_status.kind(), StatusKind::Blocked);
    assert!(out.state.unit_status.message().starts_with("cannot write "));
    assert!(out
        .state
        .unit_status
        .message()
        .contains("no/such/dir/webapp.conf"));
    assert_eq!(fs::read_dir(setup.dir.path()).unwrap().count(), 0);
}

#[test]
fn peers_hear_it_is_ready_and_the_leader_counts_them() {
    let setup = Setup::new();
    let (state, _, _) = ready_state();
    let peers = PeerRelation::new("replicas")
        .peer_unit(1, bag([("ready", "true")]))
        .peer_unit(2, Bag::new())
        .peer_unit(3, bag([("ready", "false")]));
    let state = state.relation(peers.clone());
    let out = setup.run(Event::relation_changed_unit(&peers, 1), &state);
    assert_eq!(out.relation(peers.id).local_unit_data["ready"], "true");
    assert_eq!(out.state.app_status, Status::active("2 of 4 units ready"));
}

#[test]
fn a_non_leader_is_ready_but_sets_no_application_status() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    let peers = PeerRelation::new("replicas").peer_unit(0, bag([("ready", "true")]));
    let state = state.leader(false).unit_id(1).relation(peers.clone());
    let out = setup.run(Event::relation_changed(&db), &state);
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert_eq!(out.relation(peers.id).local_unit_data["ready"], "true");
    assert_eq!(out.state.app_status.kind(), StatusKind::Unknown);
    assert!(!out.calls.iter().any(|c| c.contains("--application=True")));
}

#[test]
fn a_unit_that_is_no_longer_ready_says_so() {
    let setup = Setup::new();
    let peers = PeerRelation::new("replicas").local_unit_data(bag([("ready", "true")]));
    let state = State::new().relation(peers.clone());
    let out = setup.run(Event::relation_changed(&peers), &state);
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
    assert!(!out.relation(peers.id).local_unit_data.contains_key("ready"));
}

// --- bad input ------------------------------------------------------------------------

/// Runs `event` on `state` where a config file already exists: the hook must succeed,
/// block with a message containing `expected`, and leave the file as it was.
fn assert_blocked_and_untouched(state: &State, event: Event, expected: &str) {
    let setup = Setup::new();
    fs::write(setup.config_file(), "previous\n").unwrap();
    let out = setup.run(event, state);
    assert_eq!(
        out.state.unit_status.kind(),
        StatusKind::Blocked,
        "{expected}"
    );
    let message = out.state.unit_status.message();
    assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    assert_eq!(setup.config().as_deref(), Some("previous\n"));
    assert!(!out.log_text().contains("panicked"), "{}", out.log_text());
}

#[test]
fn credentials_that_are_not_a_secret_id_block() {
    let db = Relation::new("db")
        .remote_app_name("database")
        .remote_app_data(bag([
            ("database", "webapp"),
            ("credentials", "username=admin"),
        ]));
    let state = State::new().relation(db.clone());
    assert_blocked_and_untouched(
        &state,
        Event::relation_changed(&db),
        "`credentials` from database is not a secret id",
    );
}

#[test]
fn a_credentials_secret_that_cannot_be_read_blocks() {
    // Not granted to this unit.
    let secret = db_secret().not_granted();
    let db = db(&secret);
    let state = State::new().relation(db.clone()).secret(secret);
    assert_blocked_and_untouched(
        &state,
        Event::relation_changed(&db),
        "cannot read the database credentials",
    );
    // Gone altogether.
    let db = self::db(&db_secret());
    let state = State::new().relation(db.clone());
    assert_blocked_and_untouched(
        &state,
        Event::relation_changed(&db),
        "cannot read the database credentials",
    );
}

#[test]
fn a_credentials_secret_without_a_password_blocks() {
    let secret = Secret::new(SecretContent::new().with("username", "webapp_user"));
    let db = db(&secret);
    let state = State::new().relation(db.clone()).secret(secret);
    assert_blocked_and_untouched(&state, Event::relation_changed(&db), "`password`");
}

// --- step 4: smtp -----------------------------------------------------------------------

/// A mailserver unit's bag offering `webapp/0` the user in `secret`.
fn offer(secret: &Secret, host: &str) -> Bag {
    bag([("user-webapp-0", secret.id.as_str()), ("host", host)])
}

#[test]
fn smtp_credentials_from_the_first_unit_by_name_are_added() {
    let setup = Setup::new();
    let (state, _, _) = ready_state();
    let (s2, s10, other) = (
        Secret::new(creds("webapp-0", "from-2")),
        Secret::new(creds("webapp-0", "from-10")),
        Secret::new(creds("webapp-0", "from-blog")),
    );
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(10, offer(&s10, "mailserver-10.mail"))
        .remote_unit(2, offer(&s2, "mailserver-2.mail"))
        // Offers a user to another unit only: not ours.
        .remote_unit(
            1,
            bag([("user-webapp-1", "secret:x"), ("host", "mailserver-1.mail")]),
        );
    let later = Relation::new("smtp")
        .remote_app_name("relay")
        .remote_unit(0, offer(&other, "relay-0.mail"));
    let state = state
        .relation(later.clone())
        .relation(smtp.clone())
        .secret(s2)
        .secret(s10)
        .secret(other);
    let out = setup.run(Event::relation_changed_unit(&smtp, 2), &state);
    assert_eq!(
        setup.config().unwrap(),
        format!(
            "{DB_LINES}smtp_host=mailserver-2.mail\nsmtp_username=webapp-0\nsmtp_password=from-2\n"
        )
    );
    assert_eq!(out.state.unit_status, Status::active("ready"));

    // mailserver/2 departs: mailserver/10 is next.
    let out = setup.run(Event::relation_departed(&smtp, 2), &out.state);
    assert!(setup.config().unwrap().ends_with(
        "smtp_host=mailserver-10.mail\nsmtp_username=webapp-0\nsmtp_password=from-10\n"
    ));
    assert_eq!(out.state.unit_status, Status::active("ready"));
}

#[test]
fn smtp_without_a_user_for_this_unit_adds_no_smtp_lines() {
    let setup = Setup::new();
    let (state, _, _) = ready_state();
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(0, bag([("host", "mailserver-0.mail")]));
    let state = state.relation(smtp.clone());
    setup.run(Event::relation_changed_unit(&smtp, 0), &state);
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));
}

#[test]
fn the_last_smtp_unit_departing_removes_the_smtp_lines() {
    let setup = Setup::new();
    let (state, _, _) = ready_state();
    let secret = Secret::new(creds("webapp-0", "p"));
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(0, offer(&secret, "mailserver-0.mail"));
    let state = state.relation(smtp.clone()).secret(secret);
    setup.run(Event::relation_changed_unit(&smtp, 0), &state);
    assert!(setup.config().unwrap().contains("smtp_host="));
    setup.run(Event::relation_departed(&smtp, 0), &state);
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));
}

#[test]
fn bad_smtp_data_blocks() {
    let (state, _, _) = ready_state();
    let secret = Secret::new(creds("webapp-0", "p"));
    let cases = [
        (
            bag([("user-webapp-0", secret.id.as_str())]),
            "smtp credentials from mailserver/0: `host` is not set",
        ),
        (
            bag([("user-webapp-0", "hunter2"), ("host", "h")]),
            "smtp credentials from mailserver/0: `user-webapp-0` is not a secret id",
        ),
        (
            bag([
                ("user-webapp-0", "secret:d0nosuchsecret000001"),
                ("host", "h"),
            ]),
            "cannot read the smtp credentials from mailserver/0",
        ),
    ];
    for (data, expected) in cases {
        let smtp = Relation::new("smtp")
            .remote_app_name("mailserver")
            .remote_unit(0, data);
        let state = state.clone().relation(smtp.clone()).secret(secret.clone());
        assert_blocked_and_untouched(&state, Event::relation_changed_unit(&smtp, 0), expected);
    }
    // A secret granted to another unit, not this one.
    let hidden = Secret::new(creds("webapp-0", "p")).not_granted();
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(0, offer(&hidden, "h"));
    let state = state.relation(smtp.clone()).secret(hidden);
    assert_blocked_and_untouched(
        &state,
        Event::relation_changed_unit(&smtp, 0),
        "cannot read the smtp credentials from mailserver/0",
    );
}

#[test]
fn garbage_in_the_databags_never_panics() {
    let garbage = [
        "",
        " ",
        "secret:",
        "secret://",
        "secret://uuid/",
        "secret:not-alnum!",
        "\"secret:d0testsecret00000001\"",
        "null",
        "é😀",
        "\n",
    ];
    let long = "x".repeat(100_000);
    for value in garbage.iter().copied().chain([long.as_str()]) {
        let setup = Setup::new();
        let (state, db, secret) = ready_state();
        let mut state = state;
        state
            .get_relation_mut(db.id)
            .unwrap()
            .remote_app_data
            .insert("credentials".into(), value.into());
        let smtp = Relation::new("smtp")
            .remote_app_name("mailserver")
            .remote_unit(0, bag([("user-webapp-0", value), ("host", value)]));
        let state = state
            .relation(smtp.clone())
            .secret(Secret::new(creds(value, value)));
        for event in [
            Event::relation_changed(&db),
            Event::relation_changed_unit(&smtp, 0),
            Event::secret_changed(&secret),
        ] {
            let out = setup.ctx.run(event, &state).unwrap();
            assert!(
                !out.log_text().contains("panicked"),
                "{value:?}: {}",
                out.log_text()
            );
            if out.exit_code == 0 {
                assert_ne!(out.state.unit_status, Status::active("ready"), "{value:?}");
            }
            assert_eq!(setup.config(), None, "{value:?}");
        }
    }
}
