//! The demo with the real example charms (`examples/{database,mailserver,webapp}`).
//! Ignored by default (a release build of the examples takes a while):
//! `cargo test -p cargo-charm --test demo -- --ignored`.

use std::path::Path;

#[test]
#[ignore = "builds the example charms in release; run with --ignored"]
fn demo_settles_with_the_example_charms() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("examples/database/Cargo.toml").exists() {
        eprintln!("skipped: no examples/ in this workspace");
        return;
    }
    std::env::set_current_dir(&root).unwrap();
    std::env::set_var("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"));
    let mut m = cargo_charm::demo::DEMO.model().unwrap();
    m.settle().unwrap();
    let st = |u: &str| m.unit_status(u).unwrap().to_string();
    assert_eq!(st("database/0"), "active: primary, 1 databases");
    assert_eq!(st("database/1"), "active: replica");
    assert_eq!(st("mailserver/0"), "active: 3 smtp users");
    for u in ["webapp/0", "webapp/1", "webapp/2"] {
        assert_eq!(st(u), "active: ready");
        let conf = m.read_unit_file(u, "webapp.conf").unwrap().unwrap();
        let keys: Vec<&str> = conf.lines().map(|l| l.split('=').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "database",
                "username",
                "password",
                "smtp_host",
                "smtp_username",
                "smtp_password"
            ],
            "{conf}"
        );
        assert!(
            conf.starts_with("database=webapp\nusername=webapp_user\n"),
            "{conf}"
        );
    }
    assert_eq!(
        m.app_status("webapp").unwrap().to_string(),
        "active: 3 of 3 units ready"
    );
    assert!(m.history().iter().all(|r| r.succeeded()));
}

/// `cargo charm demo --k8s`: the greeter, built in release, served by a real Pebble.
#[test]
#[ignore = "builds the greeter in release; run with --ignored"]
fn k8s_demo_serves_the_greeter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("examples/greeter/Cargo.toml").exists() {
        eprintln!("skipped: no examples/greeter in this workspace");
        return;
    }
    std::env::set_current_dir(&root).unwrap();
    std::env::set_var("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"));
    let mut m = cargo_charm::k8s_demo::model().unwrap();
    cargo_charm::k8s_demo::settle(&mut m).unwrap();
    let st = m.unit_status("greeter/0").unwrap().to_string();
    assert!(st.starts_with("active: \"Hello\" on :"), "{st}");
    assert_eq!(m.opened_ports("greeter/0").unwrap().len(), 1);
}
