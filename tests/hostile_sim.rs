//! Hostile related applications, end to end in the simulator: `webapp` (the real example
//! charm) integrated with providers that publish what a malicious or broken charm would.
//! The providers are shell-script charms driving the hook tools directly; what they
//! publish comes from their config, set by the test.
//!
//! - `relay`, an SMTP provider, names as `webapp/0`'s SMTP user the id of the credentials
//!   secret the database granted `webapp` on `db`: webapp refuses it (blocked, the hook
//!   succeeds, the config file keeps only what the database gave).
//! - `rogue-db`, a database provider, publishes a `database` that would add a line
//!   `smtp_host=evil.example` to webapp's `key=value` file: webapp refuses it (blocked,
//!   nothing of it in a file).

use std::path::{Path, PathBuf};

use cargo_charm::sim::Model;
use charm_tests::{deploy, examples, failures, model, unit_status};

/// Writes a shell-script charm: `metadata.yaml`, `config.yaml` and `dispatch`.
fn shell_charm(dir: &Path, metadata: &str, config: &str, script: &str) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("metadata.yaml"), metadata).unwrap();
    std::fs::write(dir.join("config.yaml"), config).unwrap();
    let dispatch = dir.join("dispatch");
    std::fs::write(&dispatch, format!("#!/bin/sh\nset -e\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.to_path_buf()
}

/// An SMTP provider that publishes `host` and `user-webapp-0` as its config says, in its
/// unit bag on every `smtp` relation, in every hook.
fn relay(dir: &Path) -> PathBuf {
    shell_charm(
        dir,
        "name: relay\nsummary: A hostile SMTP relay\ndescription: Publishes what its config says.\nprovides:\n  smtp:\n    interface: smtp\n",
        "options:\n  host:\n    type: string\n    default: relay.example\n  user:\n    type: string\n    default: \"\"\n",
        r#"host=$(config-get host)
user=$(config-get user)
for rid in $(relation-ids smtp); do
  relation-set -r "$rid" "host=$host" "user-webapp-0=$user"
done"#,
    )
}

/// A database provider that grants a secret of its own, as the real one does, but
/// publishes the `database` its config says.
fn rogue_db(dir: &Path) -> PathBuf {
    shell_charm(
        dir,
        "name: rogue-db\nsummary: A hostile database\ndescription: Publishes what its config says.\nprovides:\n  db:\n    interface: postgresql_client\n",
        "options:\n  database:\n    type: string\n    default: webapp\n",
        r#"[ "$(is-leader)" = "True" ] || exit 0
if [ "$JUJU_HOOK_NAME" = db-relation-created ]; then
  id=$(secret-add --owner application username=webapp_user password=rogue-pw)
  secret-grant -r "$JUJU_RELATION_ID" "$id"
  relation-set -r "$JUJU_RELATION_ID" --app "credentials=$id"
fi
database=$(config-get database)
for rid in $(relation-ids db); do
  relation-set -r "$rid" --app "database=$database"
done"#,
    )
}

fn config_file(m: &Model) -> Option<String> {
    m.read_unit_file("webapp/0", "webapp.conf").unwrap()
}

#[test]
fn webapp_refuses_a_secret_an_smtp_provider_did_not_issue() {
    let charms = examples();
    let scratch = tempfile::tempdir().unwrap();
    let mut m = model("hostile-relay");
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 1);
    deploy(&mut m, "relay", relay(&scratch.path().join("relay")), 1);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    m.settle().unwrap();
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");
    let before = config_file(&m).expect("webapp.conf");

    // The relay learns the id of the database's credentials secret, and offers it to
    // webapp/0 as its SMTP user.
    let stolen = m.relation_data(db, "database").unwrap()["credentials"].clone();
    m.set_config("relay", [("user", stolen.as_str())]).unwrap();
    m.integrate("webapp:smtp", "relay:smtp").unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    assert_eq!(
        unit_status(&m, "webapp/0"),
        "blocked: smtp credentials from relay/0: secret was not issued for this relation"
    );
    // Nothing of the relay's reached the file (webapp keeps the file it had).
    assert_eq!(config_file(&m).as_deref(), Some(before.as_str()));
    assert!(!before.contains("relay"));

    // The relay stops: webapp is ready again, without SMTP.
    m.set_config("relay", [("user", "")]).unwrap();
    m.settle().unwrap();
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");
    assert_eq!(config_file(&m).as_deref(), Some(before.as_str()));
}

#[test]
fn webapp_refuses_a_database_name_that_is_not_one_line() {
    let charms = examples();
    let scratch = tempfile::tempdir().unwrap();
    let mut m = model("hostile-db");
    deploy(&mut m, "webapp", charms.dir("webapp"), 1);
    deploy(
        &mut m,
        "rogue-db",
        rogue_db(&scratch.path().join("rogue-db")),
        1,
    );
    let db = m.integrate("webapp:db", "rogue-db:db").unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");
    assert_eq!(
        config_file(&m).as_deref(),
        Some("database=webapp\nusername=webapp_user\npassword=rogue-pw\n")
    );

    m.set_config("rogue-db", [("database", "webapp\nsmtp_host=evil.example")])
        .unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    assert_eq!(
        unit_status(&m, "webapp/0"),
        format!(
            "blocked: relation db:{db}, databag of rogue-db: `database` is not one line (it has a line break or a NUL)"
        )
    );
    let file = config_file(&m).unwrap();
    assert!(!file.contains("evil"), "{file}");
}
