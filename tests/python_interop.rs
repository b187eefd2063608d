//! Rust example charms and the Python `ops` 3.9 reference charms (`bench/ops-reference`)
//! related in the simulator: databags, JSON values and secrets written by one side are
//! read by the other, and the spec's results come out the same; Python applications
//! upgraded in place to the Rust charms carry on with the data and secrets ops made.
//!
//! `ops` is installed from PyPI by `bench/ops-reference/build.sh` (cached under
//! `target/`). Skipped, with a printed reason, where `python3` is absent or where PyPI is
//! unreachable and nothing is cached.

use charm_tests::spec::{
    charm_keys, check_database_offer, check_smtp_users, check_webapp_ready, databases,
};
use charm_tests::{
    deploy, examples, model, ops_reference_charms, or_skip, peer_relation, settle_cleanly, slug,
    unit_status,
};

#[test]
fn rust_database_and_mailserver_serve_a_python_webapp() {
    let Some(python) = or_skip(ops_reference_charms()) else {
        return;
    };
    let rust = examples();
    let mut m = model("rust-serves-python");
    deploy(&mut m, "database", rust.dir("database"), 1);
    deploy(&mut m, "mailserver", rust.dir("mailserver"), 1);
    deploy(&mut m, "webapp", python.join("webapp"), 2);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let smtp = m.integrate("webapp:smtp", "mailserver:smtp").unwrap();
    settle_cleanly(&mut m);

    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(databases(&m), ["webapp"]);
    check_database_offer(&m, db, "webapp");
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1"]);
    // The Python units read the Rust-made secrets and wrote `ready` as ops encodes it.
    check_webapp_ready(&m, "webapp", db, Some(smtp));

    // A Python unit goes: the Rust mailserver drops its user.
    m.remove_unit("webapp/1").unwrap();
    settle_cleanly(&mut m);
    check_smtp_users(&m, smtp, &["webapp/0"]);
    check_webapp_ready(&m, "webapp", db, Some(smtp));

    // The relation goes: the Rust database drops the database, the Python webapp blocks.
    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    assert!(databases(&m).is_empty());
    assert!(m.secret(&format!("db-{db}")).is_err());
    assert_eq!(unit_status(&m, "webapp/0"), "blocked: missing db relation");
    assert_eq!(m.read_unit_file("webapp/0", "webapp.conf").unwrap(), None);
}

#[test]
fn python_database_and_mailserver_serve_a_rust_webapp() {
    let Some(python) = or_skip(ops_reference_charms()) else {
        return;
    };
    let rust = examples();
    let mut m = model("python-serves-rust");
    deploy(&mut m, "database", python.join("database"), 2);
    deploy(&mut m, "mailserver", python.join("mailserver"), 1);
    deploy(&mut m, "webapp", rust.dir("webapp"), 2);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let smtp = m.integrate("webapp:smtp", "mailserver:smtp").unwrap();
    settle_cleanly(&mut m);

    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(unit_status(&m, "database/1"), "active: replica");
    let peers = peer_relation(&m, "database");
    assert_eq!(
        m.relation_data(peers, "database").unwrap()["primary"],
        "database/0"
    );
    for u in ["database/0", "database/1"] {
        assert_eq!(
            charm_keys(m.relation_data(peers, u).unwrap())["host"],
            format!("{}.database", slug(u))
        );
    }
    assert_eq!(databases(&m), ["webapp"]);
    check_database_offer(&m, db, "webapp");
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1"]);
    // The Rust units read the Python-made secrets.
    check_webapp_ready(&m, "webapp", db, Some(smtp));

    // A second Rust client: the Python database keeps its JSON list sorted.
    deploy(&mut m, "a-blog", rust.dir("webapp"), 1);
    let blog = m.integrate("a-blog:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog", "webapp"]);
    check_database_offer(&m, blog, "a-blog");
    check_webapp_ready(&m, "a-blog", blog, None);

    // A Rust unit goes: the Python mailserver drops its user.
    m.remove_unit("webapp/1").unwrap();
    settle_cleanly(&mut m);
    check_smtp_users(&m, smtp, &["webapp/0"]);
    check_webapp_ready(&m, "webapp", db, Some(smtp));

    // The relation goes: the Python database drops it, the Rust webapp blocks.
    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog"]);
    assert!(m.secret(&format!("db-{db}")).is_err());
    assert_eq!(unit_status(&m, "webapp/0"), "blocked: missing db relation");
    assert_eq!(m.read_unit_file("webapp/0", "webapp.conf").unwrap(), None);
}

#[test]
fn python_charms_upgraded_to_rust_keep_working_on_their_data() {
    let Some(python) = or_skip(ops_reference_charms()) else {
        return;
    };
    let rust = examples();
    let mut m = model("python-to-rust");
    for (app, units) in [("database", 2), ("mailserver", 1), ("webapp", 2)] {
        deploy(&mut m, app, python.join(app), units);
    }
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let smtp = m.integrate("webapp:smtp", "mailserver:smtp").unwrap();
    settle_cleanly(&mut m);
    check_webapp_ready(&m, "webapp", db, Some(smtp));
    let peers = peer_relation(&m, "database");
    let python_list = m.relation_data(peers, "database").unwrap()["databases"].clone();
    let conf = m.read_unit_file("webapp/1", "webapp.conf").unwrap();

    // The same applications, now running the Rust charms, on what ops wrote.
    for app in ["database", "mailserver", "webapp"] {
        m.upgrade_charm(app, rust.dir(app)).unwrap();
    }
    settle_cleanly(&mut m);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(
        m.relation_data(peers, "database").unwrap()["databases"],
        python_list,
        "read, not rewritten"
    );
    check_database_offer(&m, db, "webapp");
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1"]);
    check_webapp_ready(&m, "webapp", db, Some(smtp));
    assert_eq!(m.read_unit_file("webapp/1", "webapp.conf").unwrap(), conf);

    // Rust adds to the ops-written list...
    deploy(&mut m, "a-blog", rust.dir("webapp"), 1);
    let blog = m.integrate("a-blog:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog", "webapp"]);
    check_database_offer(&m, blog, "a-blog");

    // ... and removes, by label, the secrets ops created.
    m.remove_unit("webapp/1").unwrap();
    settle_cleanly(&mut m);
    check_smtp_users(&m, smtp, &["webapp/0"]);
    assert!(m.secret("smtp-webapp-1").is_err());
    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog"]);
    assert!(m.secret(&format!("db-{db}")).is_err());
    assert_eq!(unit_status(&m, "webapp/0"), "blocked: missing db relation");
}
