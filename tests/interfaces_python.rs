//! The Python interop charms of `tests/python-charms` (Canonical's interface libraries,
//! unmodified) against each other in the simulator: a `postgresql_client` provider and
//! requirers of both library versions, a `tls-certificates` CA and requirers. This proves
//! the Python side works here before Rust charms meet it.
//!
//! The charms' dependencies are installed from PyPI by `tests/python-charms/build.sh`
//! (cached under `target/`); the tests skip, saying why, when `python3` is absent or
//! PyPI is unreachable with nothing cached.

use charm_tests::postgresql::db_json;
use charm_tests::tls::{assert_openssl_verifies, ca_certificate_pem, published_certificates};
use charm_tests::{
    assert_event_logged, deploy, interface_python_charms, model, or_skip, settle_cleanly, slug,
    unit_file, unit_status,
};
use serde_json::{json, Value};

#[test]
fn python_postgresql_client_v0_provider_serves_v0_requirers_and_rotates() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("pg-v0");
    deploy(&mut m, "pg-provider-v0", charms.join("pg-provider-v0"), 1);
    deploy(&mut m, "blog", charms.join("pg-requirer-v0"), 2);
    let rel = m
        .integrate("blog:database", "pg-provider-v0:database")
        .unwrap();
    settle_cleanly(&mut m);

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
        assert_event_logged(&m, unit, &format!("database_created {rel}"));
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
    settle_cleanly(&mut m);
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
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("pg-v1");
    deploy(&mut m, "pg-provider-v1", charms.join("pg-provider-v1"), 1);
    deploy(&mut m, "shop", charms.join("pg-requirer-v1"), 1);
    deploy(&mut m, "blog", charms.join("pg-requirer-v0"), 1);
    let v1 = m
        .integrate("shop:database", "pg-provider-v1:database")
        .unwrap();
    let v0 = m
        .integrate("blog:database", "pg-provider-v1:database")
        .unwrap();
    settle_cleanly(&mut m);

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
    assert_event_logged(&m, "shop/0", &format!("resource_created {v1}"));
    assert_eq!(unit_status(&m, "shop/0"), "active: database shop ready");

    let secret = m.secret(&format!("database.{v0}.user.secret")).unwrap();
    assert_eq!(
        db_json(&m, "blog/0")["password"],
        secret.content()["password"].as_str()
    );
    assert_event_logged(&m, "blog/0", &format!("database_created {v0}"));
    assert_eq!(
        unit_status(&m, "pg-provider-v1/0"),
        "active: serving 2 databases"
    );
}

#[test]
fn python_tls_ca_issues_certificates_that_openssl_verifies() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("tls");
    deploy(&mut m, "tls-provider", charms.join("tls-provider"), 1);
    deploy(&mut m, "tls-requirer", charms.join("tls-requirer"), 2);
    let rel = m
        .integrate("tls-requirer:certificates", "tls-provider:certificates")
        .unwrap();
    settle_cleanly(&mut m);
    assert_eq!(
        unit_status(&m, "tls-provider/0"),
        "active: 2 certificates issued"
    );

    let ca_pem = ca_certificate_pem(&mut m, "tls-provider/0");
    for unit in ["tls-requirer/0", "tls-requirer/1"] {
        assert_eq!(unit_status(&m, unit), "active: certificate ready");
        assert_event_logged(&m, unit, &format!("certificate_available {}", slug(unit)));
        assert_eq!(unit_file(&m, unit, "tls-ca.crt").trim(), ca_pem.trim());
        assert_openssl_verifies(&m, unit, "tls-ca.crt", "tls.crt");
    }
    // Each unit's CSR is in its own databag; the provider published one certificate each.
    assert_eq!(published_certificates(&m, rel, "tls-provider").len(), 2);

    // A unit goes: its CSR goes with it, and the CA withdraws its certificate on its next
    // reconcile (the library runs on relation-created/joined/changed and update-status,
    // not on relation-departed).
    m.remove_unit("tls-requirer/1").unwrap();
    m.settle().unwrap();
    m.update_status();
    settle_cleanly(&mut m);
    assert_eq!(published_certificates(&m, rel, "tls-provider").len(), 1);
}
