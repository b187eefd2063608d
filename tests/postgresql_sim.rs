//! `postgresql_client` in the simulator, through `charm-postgresql-client`: the Rust
//! provider `minipg` serving Canonical's Python requirers (v0 `data_interfaces.py` and
//! v1 dpcharmlibs-interfaces, unmodified, in the `ops` charms of `tests/python-charms`),
//! the Rust requirer `blog` served by the Python providers, and the two Rust charms
//! together: credentials delivered, rotated passwords followed, relations removed
//! without a failed hook and with minipg's secrets gone.
//!
//! The Python charms' dependencies come from PyPI (cached under `target/`); those tests
//! skip, saying why, when `python3` is absent or PyPI is unreachable with nothing cached.

use cargo_charm::sim::Model;
use charm_tests::postgresql::{credentials, db_json, expected_blog_conf};
use charm_tests::{
    assert_event_logged, deploy, ecosystem_examples, interface_python_charms, model, or_skip,
    settle_cleanly, unit_file, unit_status,
};
use serde_json::{json, Value};

#[test]
fn minipg_serves_python_v0_and_v1_requirers_and_removes_their_secrets() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("minipg-python");
    deploy(&mut m, "minipg", ecosystem_examples().dir("minipg"), 1);
    deploy(&mut m, "shop", charms.join("pg-requirer-v1"), 1);
    deploy(&mut m, "news", charms.join("pg-requirer-v0"), 1);
    let v1 = m.integrate("shop:database", "minipg:database").unwrap();
    let v0 = m.integrate("news:database", "minipg:database").unwrap();
    settle_cleanly(&mut m);

    // v1: one request in `requests`, answered with a secret labelled by its request id.
    let answer = m.relation_data(v1, "minipg").unwrap();
    let requests: Value = serde_json::from_str(&answer["requests"]).unwrap();
    let rid = requests[0]["request-id"].as_str().unwrap().to_string();
    let v1_label = format!("database.{v1}.{rid}.user.secret");
    let (username, password) = credentials(&m, &v1_label);
    assert_eq!(username, format!("relation_id_{v1}"));
    assert_eq!(password.len(), 24);
    let db = db_json(&m, "shop/0");
    assert_eq!(
        (db["username"].as_str(), db["password"].as_str()),
        (Some(username.as_str()), Some(password.as_str()))
    );
    assert_eq!(db["database"], "shop");
    assert_eq!(db["version"], "16.0");
    let address = m.unit_address("minipg/0").unwrap();
    assert_eq!(db["endpoints"], format!("{address}:5432"));
    assert_eq!(unit_status(&m, "shop/0"), "active: database shop ready");

    // v0: the databag's `secret-user`, read through the v0 library.
    let v0_label = format!("database.{v0}.user.secret");
    let (username, password) = credentials(&m, &v0_label);
    let db = db_json(&m, "news/0");
    assert_eq!(
        (db["username"].as_str(), db["password"].as_str()),
        (Some(username.as_str()), Some(password.as_str()))
    );
    assert_eq!(db["endpoints"], format!("{address}:5432"));
    assert_event_logged(&m, "news/0", &format!("database_created {v0}"));
    assert_eq!(unit_status(&m, "news/0"), "active: database news ready");
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 2 databases");

    // A rotation: a new revision, which the v0 requirer reads on secret-changed.
    let out = m
        .run_action("minipg/0", "rotate-password", json!({"relation-id": v0}))
        .unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    assert_eq!(out.results["username"], format!("relation_id_{v0}"));
    settle_cleanly(&mut m);
    let (_, rotated) = credentials(&m, &v0_label);
    assert_ne!(rotated, password);
    assert_eq!(db_json(&m, "news/0")["password"], rotated.as_str());

    // Relations removed: no hook fails, the secrets go.
    m.remove_relation(v0).unwrap();
    m.remove_relation(v1).unwrap();
    settle_cleanly(&mut m);
    assert!(m.secret(&v0_label).is_err(), "{v0_label} is still there");
    assert!(m.secret(&v1_label).is_err(), "{v1_label} is still there");
    assert!(
        m.secrets().iter().all(|s| s.owner != "minipg"),
        "{:?}",
        m.secrets()
    );
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 0 databases");
    for unit in ["shop/0", "news/0"] {
        assert_eq!(unit_status(&m, unit), "blocked: missing database relation");
    }
}

/// blog×2 with `provider` (deployed from `charm`, with a `rotate-password` action):
/// ready with its credentials, follows a rotation, blocked once the relation is gone.
fn blog_with(provider: &str, charm: std::path::PathBuf) -> Model {
    let mut m = model(&format!("blog-{provider}"));
    deploy(&mut m, provider, charm, 1);
    deploy(&mut m, "blog", ecosystem_examples().dir("blog"), 2);
    settle_cleanly(&mut m);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "blocked: missing database relation");
    }
    let rel = m
        .integrate("blog:database", &format!("{provider}:database"))
        .unwrap();
    settle_cleanly(&mut m);
    let want = expected_blog_conf(&m, rel, provider, false);
    let (_, password) = credentials(&m, &format!("database.{rel}.user.secret"));
    assert!(want.contains(&password));
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "active: ready");
        assert_eq!(unit_file(&m, unit, "blog.conf"), want);
    }

    // The provider rotates the password: secret-changed, and blog.conf follows.
    m.clear_history();
    let out = m
        .run_action(
            &format!("{provider}/0"),
            "rotate-password",
            json!({"relation-id": rel}),
        )
        .unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    settle_cleanly(&mut m);
    let rotated = expected_blog_conf(&m, rel, provider, false);
    assert_ne!(rotated, want);
    for unit in ["blog/0", "blog/1"] {
        // The v1 library also rewrites the provider's databag: relation-changed may follow.
        let hooks = m.hook_names(unit);
        assert_eq!(
            hooks.first().map(String::as_str),
            Some("secret-changed"),
            "{unit}: {hooks:?}"
        );
        assert_eq!(unit_file(&m, unit, "blog.conf"), rotated);
        assert_eq!(unit_status(&m, unit), "active: ready");
    }

    // The relation goes: no hook fails, blog.conf goes, blog is blocked.
    m.remove_relation(rel).unwrap();
    settle_cleanly(&mut m);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "blocked: missing database relation");
        assert_eq!(m.read_unit_file(unit, "blog.conf").unwrap(), None);
    }
    m
}

#[test]
fn blog_gets_its_database_from_the_python_v0_provider() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    blog_with("pg-provider-v0", charms.join("pg-provider-v0"));
}

#[test]
fn blog_gets_its_database_from_the_python_v1_provider() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    blog_with("pg-provider-v1", charms.join("pg-provider-v1"));
}

#[test]
fn blog_gets_its_database_from_minipg() {
    let m = blog_with("minipg", ecosystem_examples().dir("minipg"));
    assert!(
        m.secrets().iter().all(|s| s.owner != "minipg"),
        "{:?}",
        m.secrets()
    );
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 0 databases");
}
