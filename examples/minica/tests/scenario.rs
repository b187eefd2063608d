//! Scenario tests of `minica`: one state in, one event, the state out. Every event it
//! observes: `leader-elected`, `config-changed`, the component's
//! `certificate_creation_request` (from `certificates-relation-*` and `update-status`),
//! the `get-ca-certificate` action, and the status collector.

use charm_runtime::testing::{self as scenario, bag, Bag, Event, Relation, Secret, State};
use charm_runtime::{SecretContent, Status};
use charm_tls_certificates::requirer::{csrs_writes, Requirer};
use charm_tls_certificates::{
    Certificate, CertificateAuthority, CertificateRequestAttributes, Mode, PrivateKey,
    ProviderCertificate, RequirerCsr,
};
use minica::Minica;

fn ctx() -> scenario::Context<Minica> {
    scenario::Context::new()
}

fn run(event: Event, state: State) -> scenario::Output {
    let out = ctx().run(event, state).unwrap();
    out.assert_ok();
    out
}

/// A requirer's databag asking for `name`, and its key.
fn request(name: &str, mode: Mode) -> (Bag, PrivateKey) {
    let key = PrivateKey::generate(Default::default()).unwrap();
    let mut requirer = Requirer::new(
        "certificates",
        vec![CertificateRequestAttributes::new(name).with_dns(name)],
    );
    requirer.mode = mode;
    let writes = requirer.reconcile(&Bag::new(), &key).unwrap();
    let bag = writes.into_iter().map(|(k, v)| (k, v.unwrap())).collect();
    (bag, key)
}

/// The certificates published in `bag`.
fn published(bag: &Bag) -> Vec<ProviderCertificate> {
    charm_tls_certificates::provider::issued(bag).unwrap()
}

/// The CA kept in the `ca` secret.
fn kept_ca(state: &State) -> (Secret, Certificate) {
    let secret = state
        .get_secret_by_label("ca")
        .expect("the ca secret")
        .clone();
    let content = secret.latest_content().unwrap().clone();
    let ca = CertificateAuthority::from_pem(
        content.get("certificate").unwrap(),
        content.get("private-key").unwrap(),
    )
    .unwrap();
    (secret, ca.certificate().clone())
}

fn days(certificate: &Certificate) -> i64 {
    (certificate.not_after() - certificate.not_before()).whole_days()
}

#[test]
fn leader_elected_makes_the_ca_once_in_an_app_secret() {
    let out = run(Event::leader_elected(), State::new().leader(true));
    let (secret, ca) = kept_ca(&out.state);
    assert!(secret.is_owned());
    assert_eq!(secret.owner, scenario::SecretOwner::App);
    assert_eq!(ca.common_name().as_deref(), Some("minica"));
    assert!(ca.is_ca());
    assert_eq!(days(&ca), 365);
    assert_eq!(
        out.state.unit_status,
        Status::active("0 certificates issued")
    );

    // Elected again: the same CA.
    let again = run(Event::leader_elected(), out.state.clone());
    assert_eq!(again.state.secrets.len(), 1);
    assert_eq!(kept_ca(&again.state).1, ca);
}

#[test]
fn config_changed_names_a_new_ca_but_never_replaces_one() {
    let state = State::new().leader(true).config("ca-common-name", "acme");
    let out = run(Event::config_changed(), state);
    let (_, ca) = kept_ca(&out.state);
    assert_eq!(ca.common_name().as_deref(), Some("acme"));

    let mut renamed = out.state.clone();
    renamed
        .config
        .insert("ca-common-name".into(), "other".into());
    let out = run(Event::config_changed(), renamed);
    assert_eq!(kept_ca(&out.state).1, ca);

    // Not the leader: no CA.
    let out = run(Event::config_changed(), State::new());
    assert!(out.state.secrets.is_empty());
}

#[test]
fn signs_every_unit_and_application_request_for_90_days() {
    let (unit0, key0) = request("web-0", Mode::Unit);
    let (unit1, key1) = request("web-1", Mode::Unit);
    let (app, app_key) = request("web", Mode::App);
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, unit0)
        .remote_unit(1, unit1)
        .remote_app_data(app);
    let out = run(
        Event::relation_changed_unit(&rel, 1),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(
        out.handlers[..2],
        ["CertificatesProvides::changed", "Minica::issue"]
    );
    let (_, ca) = kept_ca(&out.state);
    let issued = published(&out.relation(rel.id).local_app_data);
    assert_eq!(issued.len(), 3);
    for (entry, (name, key)) in
        issued
            .iter()
            .zip([("web-0", &key0), ("web-1", &key1), ("web", &app_key)])
    {
        let certificate = entry.certificate().unwrap();
        assert_eq!(certificate.common_name().as_deref(), Some(name));
        assert!(certificate.matches_private_key(key));
        assert!(certificate.is_signed_by(&ca));
        assert!(!certificate.is_ca());
        assert_eq!(days(&certificate), 90);
        assert_eq!(entry.ca_certificate().unwrap(), ca);
        assert_eq!(
            entry.chain.as_deref(),
            Some(&[entry.certificate.clone(), entry.ca.clone()][..])
        );
    }
    assert_eq!(
        out.state.unit_status,
        Status::active("3 certificates issued")
    );

    // Nothing outstanding: nothing signed again.
    let again = run(Event::relation_changed(&rel), out.state.clone());
    assert_eq!(
        again.relation(rel.id).local_app_data,
        out.relation(rel.id).local_app_data
    );
    assert_eq!(
        again.handlers,
        ["CertificatesProvides::changed", "Minica::status"]
    );
}

#[test]
fn a_departed_unit_s_certificate_is_withdrawn() {
    let (unit0, _) = request("web-0", Mode::Unit);
    let (unit1, _) = request("web-1", Mode::Unit);
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, unit0.clone())
        .remote_unit(1, unit1);
    let out = run(
        Event::relation_joined(&rel, 1),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("2 certificates issued")
    );

    // web/1 departs (Juju lists it no more): only web/0's certificate stays.
    let out = run(Event::relation_departed(&rel, 1), out.state.clone());
    let issued = published(&out.relation(rel.id).local_app_data);
    assert_eq!(issued.len(), 1);
    assert_eq!(
        issued[0].certificate().unwrap().common_name().as_deref(),
        Some("web-0")
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("1 certificates issued")
    );

    // web/0 replaces its CSR (a new key): the old certificate goes, a new one comes.
    let (renewed, _) = request("web-0", Mode::Unit);
    let mut state = out.state.clone();
    let units = &mut state.get_relation_mut(rel.id).unwrap().remote_units_data;
    units.remove(&1);
    units.insert(0, renewed.clone());
    let out = run(Event::relation_changed_unit(&rel, 0), state);
    let issued = published(&out.relation(rel.id).local_app_data);
    assert_eq!(issued.len(), 1);
    assert_eq!(
        issued[0].certificate_signing_request,
        charm_tls_certificates::requirer::csrs(&renewed).unwrap()[0].certificate_signing_request
    );
}

#[test]
fn update_status_signs_what_is_outstanding() {
    let (unit0, _) = request("web-0", Mode::Unit);
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, unit0);
    let out = run(
        Event::update_status(),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(published(&out.relation(rel.id).local_app_data).len(), 1);
    // Created: the same, the requirer's CSR may be there already.
    let out = run(
        Event::relation_created(&rel),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(published(&out.relation(rel.id).local_app_data).len(), 1);
}

#[test]
fn a_follower_signs_nothing() {
    let (unit0, _) = request("web-0", Mode::Unit);
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, unit0);
    let out = run(
        Event::relation_changed(&rel),
        State::new().relation(rel.clone()),
    );
    assert!(out.relation(rel.id).local_app_data.is_empty());
    assert!(out.state.secrets.is_empty());
    assert_eq!(
        out.state.unit_status,
        Status::active("0 certificates issued")
    );
}

#[test]
fn a_request_that_is_not_the_protocol_is_skipped() {
    let (good, _) = request("web-0", Mode::Unit);
    let bad = csrs_writes(&[RequirerCsr {
        certificate_signing_request:
            "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----".into(),
        ca: Some(false),
    }]);
    let bad: Bag = bad.into_iter().map(|(k, v)| (k, v.unwrap())).collect();
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, good)
        .remote_unit(1, bad)
        .remote_app_data(bag([("certificate_signing_requests", "{not json")]));
    let out = run(
        Event::relation_changed(&rel),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(published(&out.relation(rel.id).local_app_data).len(), 1);
}

#[test]
fn get_ca_certificate_returns_the_ca_pem() {
    let made = run(Event::leader_elected(), State::new().leader(true));
    let (_, ca) = kept_ca(&made.state);
    // Any unit reads the application's secret.
    let mut state = made.state.clone();
    state.leader = false;
    let out = run(Event::action("get-ca-certificate"), state);
    let action = out.action.unwrap();
    assert_eq!(action.failure, None);
    assert_eq!(action.results["ca-certificate"], ca.pem());

    // No CA yet: the action fails, saying why.
    let out = run(Event::action("get-ca-certificate"), State::new());
    let action = out.action.unwrap();
    assert_eq!(
        action.failure.as_deref(),
        Some("no CA yet: the leader makes it when it is elected")
    );
}

#[test]
fn an_unusable_ca_secret_fails_the_hook_saying_so() {
    let broken = Secret::new(
        SecretContent::new()
            .with("certificate", "not a certificate")
            .with("private-key", "not a key"),
    )
    .app_owned()
    .label("ca");
    let (unit0, _) = request("web-0", Mode::Unit);
    let rel = Relation::new("certificates")
        .remote_app_name("web")
        .remote_unit(0, unit0);
    let out = ctx()
        .run(
            Event::relation_changed(&rel),
            State::new()
                .leader(true)
                .relation(rel.clone())
                .secret(broken),
        )
        .unwrap();
    let error = out.error.clone().expect("the hook fails");
    assert!(
        error.contains("the CA in secret `ca` is unusable"),
        "{error}"
    );
    assert!(out.relation(rel.id).local_app_data.is_empty());
}
