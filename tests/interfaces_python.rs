//! The Python interop charms of `tests/python-charms` (Canonical's interface libraries,
//! unmodified) against each other in the simulator: a `postgresql_client` provider and
//! requirers of both library versions, a `tls-certificates` CA and requirers. This proves
//! the Python side works here before Rust charms meet it.
//!
//! The charms' dependencies are installed from PyPI by `tests/python-charms/build.sh`
//! (cached under `target/`); the tests skip, saying why, when `python3` is absent or
//! PyPI is unreachable with nothing cached.

use std::process::Command;

use cargo_charm::sim::{Config, Model};
use charm_tests::spec::assert_settled_cleanly;
use charm_tests::{model, python_charms, unit_status};
use serde_json::{json, Value};

fn file(m: &Model, unit: &str, name: &str) -> String {
    m.read_unit_file(unit, name)
        .unwrap()
        .unwrap_or_else(|| panic!("{unit} has no {name}"))
}

fn db_json(m: &Model, unit: &str) -> Value {
    serde_json::from_str(&file(m, unit, "db.json")).unwrap()
}

#[test]
fn python_postgresql_client_v0_provider_serves_v0_requirers_and_rotates() {
    let charms = match python_charms() {
        Ok(c) => c,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let mut m = model("pg-v0");
    m.deploy(
        "pg-provider-v0",
        charms.join("pg-provider-v0"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy("blog", charms.join("pg-requirer-v0"), 2, Config::new())
        .unwrap();
    let rel = m
        .integrate("blog:database", "pg-provider-v0:database")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);

    let provider_bag = m.relation_data(rel, "pg-provider-v0").unwrap();
    let secret = m.secret(&format!("database.{rel}.user.secret")).unwrap();
    assert!(
        provider_bag["secret-user"].ends_with(&secret.xid),
        "{provider_bag:?}"
    );
    assert_eq!(secret.owner, "pg-provider-v0");
    assert!(secret
        .grants
        .iter()
        .any(|(id, who)| *id == rel && who == "blog"));
    let credentials = secret.content();
    assert_eq!(credentials["username"], format!("relation_id_{rel}"));
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "active: database blog ready");
        let db = db_json(&m, unit);
        assert_eq!(db["username"], credentials["username"].as_str());
        assert_eq!(db["password"], credentials["password"].as_str());
        assert_eq!(db["database"], "blog");
        assert_eq!(db["version"], "16.0");
        assert!(db["endpoints"].as_str().unwrap().ends_with(":5432"), "{db}");
        assert!(file(&m, unit, "events.log").contains(&format!("database_created {rel}\n")));
    }
    assert_eq!(
        unit_status(&m, "pg-provider-v0/0"),
        "active: serving 1 databases"
    );

    // A new password: a new revision of the same secret; the requirers follow it.
    let out = m
        .run_action(
            "pg-provider-v0/0",
            "rotate-password",
            json!({"relation-id": rel}),
        )
        .unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    let rotated = m.secret(&format!("database.{rel}.user.secret")).unwrap();
    assert!(rotated.revision > secret.revision);
    assert_ne!(rotated.content()["password"], credentials["password"]);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(
            db_json(&m, unit)["password"],
            rotated.content()["password"].as_str()
        );
    }
}

#[test]
fn python_postgresql_client_v1_provider_serves_v1_and_v0_requirers() {
    let charms = match python_charms() {
        Ok(c) => c,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let mut m = model("pg-v1");
    m.deploy(
        "pg-provider-v1",
        charms.join("pg-provider-v1"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy("shop", charms.join("pg-requirer-v1"), 1, Config::new())
        .unwrap();
    m.deploy("blog", charms.join("pg-requirer-v0"), 1, Config::new())
        .unwrap();
    let v1 = m
        .integrate("shop:database", "pg-provider-v1:database")
        .unwrap();
    let v0 = m
        .integrate("blog:database", "pg-provider-v1:database")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);

    assert_eq!(m.relation_data(v1, "shop").unwrap()["version"], "v1");
    let answer = m.relation_data(v1, "pg-provider-v1").unwrap();
    let requests: Value = serde_json::from_str(&answer["requests"]).unwrap();
    let rid = requests[0]["request-id"].as_str().unwrap();
    let secret = m
        .secret(&format!("database.{v1}.{rid}.user.secret"))
        .unwrap();
    assert_eq!(
        db_json(&m, "shop/0")["password"],
        secret.content()["password"].as_str()
    );
    assert!(file(&m, "shop/0", "events.log").contains(&format!("resource_created {v1}\n")));
    assert_eq!(unit_status(&m, "shop/0"), "active: database shop ready");

    let secret = m.secret(&format!("database.{v0}.user.secret")).unwrap();
    assert_eq!(
        db_json(&m, "blog/0")["password"],
        secret.content()["password"].as_str()
    );
    assert!(file(&m, "blog/0", "events.log").contains(&format!("database_created {v0}\n")));
    assert_eq!(
        unit_status(&m, "pg-provider-v1/0"),
        "active: serving 2 databases"
    );
}

#[test]
fn python_tls_ca_issues_certificates_that_openssl_verifies() {
    let charms = match python_charms() {
        Ok(c) => c,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let mut m = model("tls");
    m.deploy(
        "tls-provider",
        charms.join("tls-provider"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy(
        "tls-requirer",
        charms.join("tls-requirer"),
        2,
        Config::new(),
    )
    .unwrap();
    let rel = m
        .integrate("tls-requirer:certificates", "tls-provider:certificates")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    assert_eq!(
        unit_status(&m, "tls-provider/0"),
        "active: 2 certificates issued"
    );

    let ca = m
        .run_action("tls-provider/0", "get-ca-certificate", json!({}))
        .unwrap();
    let ca_pem = ca.results["ca-certificate"].as_str().unwrap().to_string();
    for unit in ["tls-requirer/0", "tls-requirer/1"] {
        assert_eq!(unit_status(&m, unit), "active: certificate ready");
        let slug = unit.replace('/', "-");
        assert!(file(&m, unit, "events.log").contains(&format!("certificate_available {slug}\n")));
        assert_eq!(file(&m, unit, "tls-ca.crt").trim(), ca_pem.trim());
        let dir = m.unit_dir(unit).unwrap();
        match Command::new("openssl")
            .args(["verify", "-CAfile", "tls-ca.crt", "tls.crt"])
            .current_dir(&dir)
            .output()
        {
            Ok(out) => assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "tls.crt: OK",
                "{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("openssl not run ({e}); the CA files were compared only"),
        }
    }
    // Each unit's CSR is in its own databag; the provider published one certificate each.
    let published: Value =
        serde_json::from_str(&m.relation_data(rel, "tls-provider").unwrap()["certificates"])
            .unwrap();
    assert_eq!(published.as_array().unwrap().len(), 2);

    // A unit goes: its CSR goes with it, and the CA withdraws its certificate on its next
    // reconcile (the library runs on relation-created/joined/changed and update-status,
    // not on relation-departed).
    m.remove_unit("tls-requirer/1").unwrap();
    m.settle().unwrap();
    m.update_status();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    let published: Value =
        serde_json::from_str(&m.relation_data(rel, "tls-provider").unwrap()["certificates"])
            .unwrap();
    assert_eq!(published.as_array().unwrap().len(), 1);
}
