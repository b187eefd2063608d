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
        bag([("credentials", "secret:d0testsecret00000010")]),
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
fn config_path_relative_to_the_charm_dir_or_absolute_inside_it() {
    let setup = Setup::new();
    fs::create_dir(setup.dir.path().join("etc")).unwrap();
    let (state, db, _) = ready_state();
    setup.run(
        Event::relation_changed(&db),
        &state.clone().config("config-path", "etc/app.conf"),
    );
    let relative = setup.dir.path().join("etc/app.conf");
    assert_eq!(fs::read_to_string(&relative).unwrap(), DB_LINES);

    let absolute = setup.dir.path().join("etc/other.conf");
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
        &format!(
            "relation db:{}, databag of database: `credentials` is not a secret id",
            db.id
        ),
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
                ("user-webapp-0", "secret:d0nosuchsecret000000"),
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
        "\"secret:d0testsecret00000010\"",
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

// --- untrusted input: values, secret ids, config-path -----------------------------------

#[test]
fn a_value_that_is_not_one_line_blocks_and_reaches_no_file() {
    let (state, db, _) = ready_state();
    let long = "w".repeat(5000);
    for (value, problem) in [
        (
            "webapp\nsmtp_host=evil.example",
            "is not one line (it has a line break or a NUL)",
        ),
        ("webapp\r", "is not one line (it has a line break or a NUL)"),
        ("web\0app", "is not one line (it has a line break or a NUL)"),
        (long.as_str(), "is too long (5000 bytes, at most 4096)"),
    ] {
        let mut state = state.clone();
        state
            .get_relation_mut(db.id)
            .unwrap()
            .remote_app_data
            .insert("database".into(), value.into());
        assert_blocked_and_untouched(
            &state,
            Event::relation_changed(&db),
            &format!(
                "relation db:{}, databag of database: `database` {problem}",
                db.id
            ),
        );
    }

    // The smtp provider's `host`, and a password in a secret: the same.
    let smtp_secret = Secret::new(creds("webapp-0", "p"));
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(
            0,
            offer(&smtp_secret, "mail.example\nsmtp_host=evil.example"),
        );
    let with_smtp = state
        .clone()
        .relation(smtp.clone())
        .secret(smtp_secret.clone());
    assert_blocked_and_untouched(
        &with_smtp,
        Event::relation_changed_unit(&smtp, 0),
        "smtp credentials from mailserver/0: `host` is not one line",
    );
    let bad_password = Secret::new(creds("webapp_user", "pw\nsmtp_host=evil.example"));
    let db = self::db(&bad_password);
    let state = State::new().relation(db.clone()).secret(bad_password);
    assert_blocked_and_untouched(
        &state,
        Event::relation_changed(&db),
        "database credentials: `password` is not one line",
    );
}

#[test]
fn an_smtp_provider_naming_the_database_secret_is_refused() {
    // The mail relay publishes, as this unit's SMTP user, the id of the credentials
    // secret the database granted on `db`.
    let (state, db, secret) = ready_state();
    let smtp = Relation::new("smtp")
        .remote_app_name("mailserver")
        .remote_unit(0, offer(&secret, "evil.example"));
    let state = state.relation(smtp.clone());
    // Whichever event: `db` is read first, in every hook, and keeps its secret.
    for event in [
        Event::relation_changed_unit(&smtp, 0),
        Event::relation_changed(&db),
        Event::secret_changed(&secret),
    ] {
        assert_blocked_and_untouched(
            &state,
            event,
            "smtp credentials from mailserver/0: secret was not issued for this relation",
        );
    }
    let setup = Setup::new();
    let out = setup.run(Event::relation_changed_unit(&smtp, 0), &state);
    assert_eq!(
        out.state.unit_status,
        Status::blocked(
            "smtp credentials from mailserver/0: secret was not issued for this relation"
        )
    );
    assert_eq!(setup.config(), None);
}

/// A file outside the charm directory, as a root-owned file the hook must never touch.
struct Victim {
    _dir: TempDir,
    path: PathBuf,
}

impl Victim {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root-only");
        fs::write(&path, "keep").unwrap();
        Victim { _dir: dir, path }
    }
    fn intact(&self) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|s| s == "keep")
    }
}

#[cfg(unix)]
#[test]
fn a_config_path_that_is_not_a_file_inside_the_charm_dir_blocks_and_touches_nothing() {
    use std::os::unix::fs::symlink;
    let (ready, _, _) = ready_state();
    type Plant = fn(&Setup, &Victim) -> String;
    let cases: [(&str, Plant); 6] = [
        ("absolute, elsewhere", |_, v| v.path.display().to_string()),
        ("`..` out of it", |s, v| {
            let up = s.dir.path().components().count();
            format!("{}{}", "../".repeat(up), v.path.display())
        }),
        ("a symbolic link to the file", |s, v| {
            symlink(&v.path, s.dir.path().join("link.conf")).unwrap();
            "link.conf".into()
        }),
        ("through a symbolic link to its directory", |s, v| {
            symlink(v.path.parent().unwrap(), s.dir.path().join("etc")).unwrap();
            "etc/root-only".into()
        }),
        ("a directory", |s, _| {
            fs::create_dir(s.dir.path().join("conf.d")).unwrap();
            "conf.d".into()
        }),
        ("a FIFO", |s, _| {
            let ok = std::process::Command::new("mkfifo")
                .arg(s.dir.path().join("fifo"))
                .status()
                .unwrap();
            assert!(ok.success());
            "fifo".into()
        }),
    ];
    for (what, plant) in cases {
        // With a db relation (the file would be read and written), and without (deleted).
        for state in [ready.clone(), State::new().leader(true)] {
            let setup = Setup::new();
            let victim = Victim::new();
            let path = plant(&setup, &victim);
            let out = setup.run(Event::config_changed(), &state.config("config-path", path));
            assert_eq!(
                out.state.unit_status,
                Status::blocked("config-path must name a file inside the charm directory"),
                "{what}"
            );
            assert!(victim.intact(), "{what}");
            assert!(
                out.log_text().contains("config-path"),
                "{what}: {}",
                out.log_text()
            );
        }
    }
}

#[test]
fn the_old_config_file_goes_when_the_path_changes() {
    let setup = Setup::new();
    let (state, db, _) = ready_state();
    let out = setup.run(Event::relation_changed(&db), &state);
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));

    // Elsewhere in the charm directory: written there, the old one (a password) removed.
    let out = setup.run(
        Event::config_changed(),
        &out.state.config("config-path", "other.conf"),
    );
    assert_eq!(setup.config(), None);
    let other = setup.dir.path().join("other.conf");
    assert_eq!(fs::read_to_string(&other).unwrap(), DB_LINES);
    assert_eq!(out.state.unit_status, Status::active("ready"));

    // A path it may not use: blocked, and the file it wrote removed as well.
    let out = setup.run(
        Event::config_changed(),
        &out.state.config("config-path", "../escape.conf"),
    );
    assert!(!other.exists());
    assert_eq!(out.state.unit_status.kind(), StatusKind::Blocked);

    // Back to a good path: written again, and nothing is left to remove.
    let out = setup.run(
        Event::config_changed(),
        &out.state.config("config-path", "webapp.conf"),
    );
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));
    assert_eq!(fs::read_dir(setup.dir.path()).unwrap().count(), 1);
    assert_eq!(out.state.unit_status, Status::active("ready"));
}

#[test]
fn a_file_put_where_the_old_config_was_is_left_alone() {
    // The path recorded as written before is checked again before it is removed.
    let setup = Setup::new();
    let victim = Victim::new();
    let (state, db, _) = ready_state();
    let state = state.charm_state("webapp.config-file", victim.path.display().to_string());
    let out = setup.run(Event::relation_changed(&db), &state);
    assert!(victim.intact());
    assert_eq!(setup.config().as_deref(), Some(DB_LINES));
    assert_eq!(
        out.state.charm_state["webapp.config-file"],
        setup.config_file().display().to_string()
    );
}

// --- scale: the leader reads the peer that changed, not every peer ------------------------

/// `n` peers, all ready, and the leader's record of them.
fn many_peers(n: u32, record: Option<&str>) -> (State, Relation) {
    let (state, _, _) = ready_state();
    let mut peers = PeerRelation::new("replicas");
    for id in 1..=n {
        peers = peers.peer_unit(id, bag([("ready", "true")]));
    }
    let mut state = state.relation(peers.clone());
    if let Some(record) = record {
        state = state.charm_state("webapp.ready-peers", record);
    }
    (state, peers)
}

fn peer_reads(out: &scenario::Output) -> Vec<&String> {
    out.calls
        .iter()
        .filter(|c| c.starts_with("relation-get") && c.contains(" webapp/"))
        .collect()
}

#[test]
fn the_leader_reads_only_the_peer_that_changed() {
    let setup = Setup::new();
    let (mut state, peers) = many_peers(3, Some("[1, 3]"));
    // webapp/2 says it is ready.
    let out = setup.run(Event::relation_changed_unit(&peers, 2), &state);
    assert_eq!(out.state.app_status, Status::active("4 of 4 units ready"));
    assert_eq!(
        peer_reads(&out),
        [&format!(
            "relation-get --format=json -r {} - webapp/2",
            peers.id
        )]
    );
    assert_eq!(out.state.charm_state["webapp.ready-peers"], "[1,2,3]");

    // webapp/3 is no longer ready.
    state = out.state;
    state
        .get_relation_mut(peers.id)
        .unwrap()
        .remote_units_data
        .get_mut(&3)
        .unwrap()
        .remove("ready");
    let out = setup.run(Event::relation_changed_unit(&peers, 3), &state);
    assert_eq!(out.state.app_status, Status::active("3 of 4 units ready"));
    assert_eq!(peer_reads(&out).len(), 1);

    // Another event reads no peer at all.
    let out = setup.run(Event::config_changed(), &out.state);
    assert_eq!(out.state.app_status, Status::active("3 of 4 units ready"));
    assert!(peer_reads(&out).is_empty(), "{:?}", peer_reads(&out));
}

#[test]
fn a_leader_without_a_record_reads_every_peer_once() {
    let setup = Setup::new();
    let (state, peers) = many_peers(3, None);
    let out = setup.run(Event::relation_changed_unit(&peers, 1), &state);
    assert_eq!(out.state.app_status, Status::active("4 of 4 units ready"));
    assert_eq!(peer_reads(&out).len(), 3);
    assert_eq!(out.state.charm_state["webapp.ready-peers"], "[1,2,3]");
    let out = setup.run(Event::relation_changed_unit(&peers, 1), &out.state);
    assert_eq!(peer_reads(&out).len(), 1);
}

#[test]
fn peers_that_left_are_dropped_from_the_record() {
    let setup = Setup::new();
    let (state, _) = many_peers(2, Some("[1, 2, 7, 9]"));
    let out = setup.run(Event::config_changed(), &state);
    assert_eq!(out.state.app_status, Status::active("3 of 3 units ready"));
    assert_eq!(out.state.charm_state["webapp.ready-peers"], "[1,2]");
}

#[test]
fn a_unit_that_is_not_the_leader_keeps_no_record() {
    let setup = Setup::new();
    let (state, peers) = many_peers(2, Some("[1]"));
    let out = setup.run(
        Event::relation_changed_unit(&peers, 2),
        &state.leader(false).unit_id(5),
    );
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert!(!out.state.charm_state.contains_key("webapp.ready-peers"));
    assert!(peer_reads(&out).is_empty());
}

#[test]
fn a_leader_hook_with_1000_peers_makes_a_bounded_number_of_calls() {
    let setup = Setup::new();
    let record = format!(
        "[{}]",
        (1..=1000)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let (state, peers) = many_peers(1000, Some(&record));
    let out = setup.run(Event::relation_changed_unit(&peers, 1), &state);
    assert_eq!(
        out.state.app_status,
        Status::active("1001 of 1001 units ready")
    );
    assert!(
        out.calls.len() < 25,
        "{} calls: {:#?}",
        out.calls.len(),
        out.calls
    );
}
