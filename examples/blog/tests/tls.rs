//! Scenario tests of blog's TLS half, with `minica` signing in memory: the `certificates`
//! relation created (a key, a CSR, waiting for the certificate), `certificate_available`
//! (the three files, `tls = on`, `ready (tls)`), `certificate_withdrawn` and the relation
//! broken (files removed, `tls = off`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use blog::Blog;
use charm_runtime::testing::{self as scenario, bag, Bag, Event, Output, Relation, Secret, State};
use charm_runtime::{SecretContent, Status};
use charm_tls_certificates::Certificate;
use minica::Minica;

fn run(dir: &Path, event: Event, state: State) -> Output {
    let ctx = scenario::Context::<Blog>::new().charm_dir(dir);
    let out = ctx.run(event, state).unwrap();
    out.assert_ok();
    out
}

/// blog/1 with its database answered (a v0 provider) and a `certificates` relation.
fn with_database() -> (State, Relation) {
    let secret = Secret::new(
        SecretContent::new()
            .with("username", "relation_id_3")
            .with("password", "pw"),
    );
    let db = Relation::new("database")
        .id(3)
        .remote_app_name("pg")
        .remote_app_data(bag([
            ("secret-user", secret.id.as_str()),
            ("endpoints", "10.0.0.7:5432"),
            ("version", "16.0"),
            ("database", "blog"),
        ]));
    let certs = Relation::new("certificates")
        .id(7)
        .remote_app_name("minica");
    let state = State::new()
        .unit_id(1)
        .relation(db)
        .secret(secret)
        .relation(certs.clone());
    (state, certs)
}

/// What minica, the leader, publishes for blog/1's CSR bag.
fn signed_by_minica(csr_bag: &Bag) -> Bag {
    let clients = Relation::new("certificates")
        .id(7)
        .remote_app_name("blog")
        .remote_unit(1, csr_bag.clone());
    let out = scenario::Context::<Minica>::new()
        .run(
            Event::relation_changed_unit(&clients, 1),
            State::new().leader(true).relation(clients.clone()),
        )
        .unwrap();
    out.assert_ok();
    out.relation(clients.id).local_app_data.clone()
}

fn conf(dir: &Path) -> String {
    fs::read_to_string(dir.join("blog.conf")).unwrap()
}

/// The unit with its certificate: the state after `certificate_available`.
fn with_certificate(dir: &Path) -> (Output, Relation) {
    let (state, certs) = with_database();
    let created = run(dir, Event::relation_created(&certs), state);
    let csr_bag = created.relation(certs.id).local_unit_data.clone();
    let mut state = created.state.clone();
    state.get_relation_mut(certs.id).unwrap().remote_app_data = signed_by_minica(&csr_bag);
    (run(dir, Event::relation_changed(&certs), state), certs)
}

#[test]
fn certificates_relation_created_asks_for_blog_1_and_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (state, certs) = with_database();
    let out = run(dir.path(), Event::relation_created(&certs), state);
    assert_eq!(
        out.state.unit_status,
        Status::waiting("waiting for certificate")
    );
    assert!(conf(dir.path()).ends_with("tls = off\n"));
    let csrs = out.relation(certs.id).local_unit_data["certificate_signing_requests"].clone();
    assert!(csrs.contains("CERTIFICATE REQUEST"), "{csrs}");
    assert!(!dir.path().join("blog.crt").exists());
}

#[test]
fn certificate_available_writes_the_files_and_turns_tls_on() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = with_certificate(dir.path());
    assert!(
        out.handlers.contains(&"Blog::reconcile"),
        "{:?}",
        out.handlers
    );
    assert_eq!(out.state.unit_status, Status::active("ready (tls)"));
    assert_eq!(
        conf(dir.path()),
        "database-uri = postgresql://relation_id_3:pw@10.0.0.7:5432/blog\ntls = on\n"
    );
    let crt = fs::read_to_string(dir.path().join("blog.crt")).unwrap();
    let ca = fs::read_to_string(dir.path().join("blog-ca.crt")).unwrap();
    let certificate = Certificate::from_pem(crt.trim_end()).unwrap();
    let ca = Certificate::from_pem(ca.trim_end()).unwrap();
    assert_eq!(certificate.common_name().as_deref(), Some("blog-1"));
    assert!(certificate.is_signed_by(&ca));
    let key = dir.path().join("blog.key");
    assert!(fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
    assert_eq!(
        fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn certificate_withdrawn_removes_the_files_and_waits_again() {
    let dir = tempfile::tempdir().unwrap();
    let (out, certs) = with_certificate(dir.path());
    let mut state = out.state.clone();
    state.get_relation_mut(certs.id).unwrap().remote_app_data = Bag::new();
    let out = run(dir.path(), Event::relation_changed(&certs), state);
    assert!(
        out.handlers.contains(&"Blog::reconcile"),
        "{:?}",
        out.handlers
    );
    assert_eq!(
        out.state.unit_status,
        Status::waiting("waiting for certificate")
    );
    assert!(conf(dir.path()).ends_with("tls = off\n"));
    for f in blog::conf::TLS_FILES {
        assert!(!dir.path().join(f).exists(), "{f} left");
    }
}

#[test]
fn certificates_relation_broken_removes_the_files_and_is_ready_without_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (out, certs) = with_certificate(dir.path());
    let out = run(
        dir.path(),
        Event::relation_broken(&certs),
        out.state.clone(),
    );
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert!(conf(dir.path()).ends_with("tls = off\n"));
    for f in blog::conf::TLS_FILES {
        assert!(!dir.path().join(f).exists(), "{f} left");
    }
}
