//! The webapp's life as Juju would drive it, Harness-style: one evolving state, each
//! change firing the hooks Juju would fire.

use std::fs;

use charm_runtime::testing::{self as scenario, bag, Harness};
use charm_runtime::{SecretContent, Status};
use webapp::Webapp;

#[test]
fn deploy_relate_rotate_remove() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("webapp.conf");
    let mut harness =
        Harness::with_context(scenario::Context::<Webapp>::new().charm_dir(dir.path()));
    harness.set_leader(true)?;
    harness.begin_with_initial_hooks()?;
    assert_eq!(
        harness.unit_status(),
        &Status::blocked("missing db relation")
    );

    // The database is integrated; its leader publishes the database and credentials.
    let db = harness.add_relation("db", "database")?;
    harness.add_relation_unit(db, "database/0")?;
    assert_eq!(
        harness.unit_status(),
        &Status::waiting("waiting for database credentials")
    );
    let secret = harness.add_model_secret(
        "database",
        SecretContent::new()
            .with("username", "webapp_user")
            .with("password", "first"),
    )?;
    harness.grant_secret(&secret, "webapp")?;
    harness.update_relation_data(
        db,
        "database",
        bag([
            ("database", "webapp"),
            ("credentials", secret.as_str()),
            ("endpoints", "database-0.database:5432"),
        ]),
    )?;
    assert_eq!(harness.unit_status(), &Status::active("ready"));
    assert_eq!(harness.app_status(), &Status::active("1 of 1 units ready"));
    assert_eq!(
        fs::read_to_string(&config)?,
        "database=webapp\nusername=webapp_user\npassword=first\n"
    );

    // The database rotates the password: secret-changed, and the file follows.
    harness.set_secret_content(
        &secret,
        SecretContent::new()
            .with("username", "webapp_user")
            .with("password", "second"),
    )?;
    assert_eq!(
        harness.fired().last().map(String::as_str),
        Some("secret-changed")
    );
    assert_eq!(
        fs::read_to_string(&config)?,
        "database=webapp\nusername=webapp_user\npassword=second\n"
    );

    // The integration is removed: departed, then broken; the file goes.
    harness.remove_relation(db)?;
    assert_eq!(
        harness.unit_status(),
        &Status::blocked("missing db relation")
    );
    assert!(!config.exists());
    Ok(())
}
