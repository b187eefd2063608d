//! The two components in Scenario: a requirer charm (unit and app mode) and a CA charm,
//! each run on what the other wrote.

use charm_runtime::prelude::*;
use charm_runtime::testing::{self as scenario, Bag, Event, Relation, State};
use charm_tls_certificates::{
    CertificateAuthority, CertificateAvailable, CertificateCreationRequest,
    CertificateRequestAttributes, CertificateSigningRequest, CertificateWithdrawn,
    CertificatesProvides, CertificatesRequires, Mode, ProviderCertificate, LIBID,
};

mod web {
    use super::*;

    /// Asks for a certificate named after the unit (or the application, in app mode).
    #[derive(Charm)]
    #[charm(name = "web", summary = "Serves HTTPS")]
    pub struct Web {
        #[requires(certificates(limit = 1))]
        pub certificates: CertificatesRequires,
    }

    impl Web {
        pub fn new(mode: Mode) -> Web {
            let certificates = CertificatesRequires::new(mode, move |ctx| {
                let name = match mode {
                    Mode::Unit => ctx.unit_name().replace('/', "-"),
                    Mode::App => ctx.app_name().to_string(),
                };
                Ok(vec![
                    CertificateRequestAttributes::new(&name).with_dns(&name)
                ])
            });
            Web { certificates }
        }
    }

    impl Default for Web {
        fn default() -> Self {
            Web::new(Mode::Unit)
        }
    }

    #[handlers]
    impl Web {
        #[on(certificates::certificate_available)]
        fn available(
            &mut self,
            ctx: &mut Context<Self>,
            event: &CertificateAvailable,
        ) -> Result<()> {
            let key = self.certificates.private_key(ctx)?.expect("a key");
            let held = self
                .certificates
                .certificate(ctx)?
                .expect("the certificate");
            assert_eq!(held.certificate, event.certificate);
            assert!(event.certificate.matches_private_key(&key));
            ctx.set_status(Status::active(format!(
                "certificate for {}",
                event.certificate.common_name().unwrap_or_default()
            )));
            Ok(())
        }

        #[on(certificates::certificate_withdrawn)]
        fn withdrawn(
            &mut self,
            ctx: &mut Context<Self>,
            event: &CertificateWithdrawn,
        ) -> Result<()> {
            ctx.set_status(Status::waiting(format!(
                "certificate for {} withdrawn",
                event.certificate.common_name().unwrap_or_default()
            )));
            Ok(())
        }
    }
}

mod ca {
    use super::*;

    /// Signs every request with a CA made on the spot.
    #[derive(Charm, Default)]
    #[charm(name = "ca", summary = "Signs certificates")]
    pub struct Ca {
        #[provides(certificates)]
        pub certificates: CertificatesProvides,
    }

    #[handlers]
    impl Ca {
        #[on(certificates::certificate_creation_request)]
        fn sign(
            &mut self,
            ctx: &mut Context<Self>,
            event: &CertificateCreationRequest,
        ) -> Result<()> {
            let ca = CertificateAuthority::generate("ca", time::Duration::days(365))
                .map_err(Error::msg)?;
            let certificate = ca
                .sign(&event.csr, time::Duration::days(90), event.is_ca)
                .map_err(Error::msg)?;
            let entry = ProviderCertificate::new(&certificate, &event.csr, ca.certificate());
            self.certificates.publish(ctx, event.relation, entry)?;
            ctx.set_status(Status::active(format!("signed for {}", event.requester)));
            Ok(())
        }
    }
}

use ca::Ca;
use web::Web;

fn csrs(bag: &Bag) -> Vec<CertificateSigningRequest> {
    charm_tls_certificates::requirer::csrs(bag)
        .unwrap()
        .iter()
        .map(|e| CertificateSigningRequest::from_pem(&e.certificate_signing_request).unwrap())
        .collect()
}

fn key_label(unit: u32) -> String {
    format!("{LIBID}-private-key-{unit}-certificates")
}

#[test]
fn unit_mode_key_csr_certificate_withdrawal_renewal_and_removal() {
    let web = scenario::Context::<Web>::new();
    let ca = scenario::Context::<Ca>::new();
    let rel = Relation::new("certificates").remote_app_name("ca");

    // relation-created: a key in a unit-owned secret, one CSR for `web-1`.
    let out = web
        .run(
            Event::relation_created(&rel),
            State::new().unit_id(1).relation(rel.clone()),
        )
        .unwrap();
    out.assert_ok();
    let key = out.state.get_secret_by_label(&key_label(1)).unwrap();
    assert!(key.is_owned());
    assert!(key.latest_content().unwrap().get("private-key").is_some());
    let own = out.relation(rel.id).local_unit_data.clone();
    let sent = csrs(&own);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].common_name().as_deref(), Some("web-1"));
    // Nothing to ask again: the same CSR stays.
    let again = web
        .run(Event::relation_changed(&rel), out.state.clone())
        .unwrap();
    assert_eq!(again.relation(rel.id).local_unit_data, own);

    // The CA signs it: the component asks, the charm publishes.
    let clients = Relation::new("certificates")
        .id(rel.id.number())
        .remote_app_name("web")
        .remote_unit(1, own.clone());
    let signed = ca
        .run(
            Event::relation_changed_unit(&clients, 1),
            State::new().leader(true).relation(clients.clone()),
        )
        .unwrap();
    signed.assert_ok();
    assert_eq!(
        signed.handlers,
        ["CertificatesProvides::changed", "Ca::sign"]
    );
    assert_eq!(signed.state.unit_status, Status::active("signed for web/1"));
    let published = signed.relation(clients.id).local_app_data.clone();
    // Signed already: no request on the next event.
    let quiet = ca
        .run(Event::update_status(), signed.state.clone())
        .unwrap();
    assert_eq!(quiet.handlers, ["CertificatesProvides::update_status"]);

    // The requirer takes it: a secret expiring at 90% of its validity, and the event.
    let mut state = again.state.clone();
    state.get_relation_mut(rel.id).unwrap().remote_app_data = published.clone();
    let out = web.run(Event::relation_changed(&rel), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["CertificatesRequires::changed", "Web::available"]
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("certificate for web-1")
    );
    let label = format!(
        "{LIBID}-certificate-1-certificates-{}",
        sent[0].sha256_hex()
    );
    let held = out.state.get_secret_by_label(&label).unwrap().clone();
    assert!(held.expire.is_some());
    assert_eq!(
        held.latest_content().unwrap().get("csr"),
        Some(sent[0].pem())
    );
    // Again: the same secret, the event again (as the library emits it).
    let again = web
        .run(Event::relation_changed(&rel), out.state.clone())
        .unwrap();
    assert_eq!(
        again.handlers,
        ["CertificatesRequires::changed", "Web::available"]
    );
    assert_eq!(
        again
            .state
            .get_secret_by_label(&label)
            .unwrap()
            .latest_revision(),
        held.latest_revision()
    );

    // A provider bag that is not the protocol: skipped, nothing held is withdrawn.
    let mut state = again.state.clone();
    state.get_relation_mut(rel.id).unwrap().remote_app_data =
        scenario::bag([("certificates", "[{\"ca\": 1}]")]);
    let out = web.run(Event::relation_changed(&rel), state).unwrap();
    out.assert_ok();
    assert_eq!(out.handlers, ["CertificatesRequires::changed"]);
    assert!(out.state.get_secret_by_label(&label).is_some());

    // The CSR leaves (the unit departs): the CA withdraws the certificate.
    let gone = Relation::new("certificates")
        .id(rel.id.number())
        .remote_app_name("web")
        .local_app_data(published.clone());
    let out_ca = ca
        .run(
            Event::update_status(),
            State::new().leader(true).relation(gone.clone()),
        )
        .unwrap();
    out_ca.assert_ok();
    assert!(!out_ca
        .relation(gone.id)
        .local_app_data
        .contains_key("certificates"));

    // The requirer sees it gone: secret removed, `certificate_withdrawn`.
    let mut state = again.state.clone();
    state.get_relation_mut(rel.id).unwrap().remote_app_data = Bag::new();
    let out = web.run(Event::relation_changed(&rel), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["CertificatesRequires::changed", "Web::withdrawn"]
    );
    assert_eq!(
        out.state.unit_status,
        Status::waiting("certificate for web-1 withdrawn")
    );
    assert!(out.state.get_secret_by_label(&label).is_none());

    // secret-expired of a certificate secret: a new CSR for the same name, secret gone.
    let out = web
        .run(Event::secret_expired(&held, 1), again.state.clone())
        .unwrap();
    out.assert_ok();
    let renewed = csrs(&out.relation(rel.id).local_unit_data);
    assert_eq!(renewed.len(), 1);
    assert_ne!(renewed[0], sent[0]);
    assert_eq!(renewed[0].common_name().as_deref(), Some("web-1"));
    assert!(out.state.get_secret_by_label(&label).is_none());

    // relation-broken: key and certificate secrets go.
    let out = web
        .run(Event::relation_broken(&rel), again.state.clone())
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["CertificatesRequires::broken", "Web::withdrawn"]
    );
    assert!(out.state.get_secret_by_label(&key_label(1)).is_none());
    assert!(out.state.get_secret_by_label(&label).is_none());
}

#[test]
fn app_mode_is_the_leaders() {
    let rel = Relation::new("certificates").remote_app_name("ca");
    let app_key = format!("{LIBID}-private-key-app-certificates");

    let ctx = scenario::Context::<AppWeb>::new();
    let follower = ctx
        .run(
            Event::relation_created(&rel),
            State::new().relation(rel.clone()),
        )
        .unwrap();
    follower.assert_ok();
    assert!(follower.state.get_secret_by_label(&app_key).is_none());
    assert!(follower.relation(rel.id).local_app_data.is_empty());

    let leader = ctx
        .run(
            Event::relation_created(&rel),
            State::new().leader(true).relation(rel.clone()),
        )
        .unwrap();
    leader.assert_ok();
    assert!(leader.state.get_secret_by_label(&app_key).is_some());
    let app_csrs = csrs(&leader.relation(rel.id).local_app_data);
    assert_eq!(app_csrs[0].common_name().as_deref(), Some("app-web"));
    assert!(leader.relation(rel.id).local_unit_data.is_empty());
}

/// The requirer in app mode.
#[derive(Charm)]
#[charm(
    name = "app-web",
    summary = "Serves HTTPS, one certificate for all units"
)]
pub struct AppWeb {
    #[requires(certificates(limit = 1))]
    certificates: CertificatesRequires,
}

impl Default for AppWeb {
    fn default() -> Self {
        AppWeb {
            certificates: Web::new(Mode::App).certificates,
        }
    }
}

#[handlers]
impl AppWeb {}

#[test]
fn a_provider_bag_that_is_not_the_protocol_is_skipped() {
    let web = scenario::Context::<Web>::new();
    let rel = Relation::new("certificates")
        .remote_app_name("ca")
        .remote_app_data(scenario::bag([("certificates", "not json")]));
    let out = web
        .run(
            Event::relation_changed(&rel),
            State::new().relation(rel.clone()),
        )
        .unwrap();
    out.assert_ok();
    assert!(
        out.log_text().contains("Invalid relation data"),
        "{}",
        out.log_text()
    );
    assert_eq!(csrs(&out.relation(rel.id).local_unit_data).len(), 1);
}

#[test]
fn an_event_payload_survives_deferral() {
    let key = charm_tls_certificates::PrivateKey::generate(Default::default()).unwrap();
    let csr = CertificateRequestAttributes::new("web-0")
        .generate_csr(&key)
        .unwrap();
    let ca = CertificateAuthority::generate("ca", time::Duration::days(1)).unwrap();
    let certificate = ca.sign(&csr, time::Duration::days(1), false).unwrap();
    let event = CertificateAvailable {
        relation: 3,
        certificate: certificate.clone(),
        ca: ca.certificate().clone(),
        chain: vec![certificate, ca.certificate().clone()],
        csr,
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        serde_json::from_str::<CertificateAvailable>(&json).unwrap(),
        event
    );
    let bad = json.replace("MII", "XYZ");
    assert!(serde_json::from_str::<CertificateAvailable>(&bad).is_err());
}

#[test]
fn secret_remove_drops_the_revision_of_its_own_secrets_only() {
    let web = scenario::Context::<Web>::new();
    let key = |n: &str| charm_runtime::SecretContent::new().with("private-key", n);
    let own = scenario::Secret::new(key("old"))
        .unit_owned()
        .label(key_label(0))
        .new_revision(key("new"));
    let other = scenario::Secret::new(key("x"))
        .unit_owned()
        .label("the charm's own")
        .new_revision(key("y"));
    let state = State::new().secret(own.clone()).secret(other.clone());
    let out = web
        .run(Event::secret_remove(&own, 1), state.clone())
        .unwrap();
    out.assert_ok();
    let revisions = |out: &scenario::Output, id| -> Vec<u64> {
        out.state
            .get_secret(id)
            .unwrap()
            .revisions
            .keys()
            .copied()
            .collect()
    };
    assert_eq!(revisions(&out, &own.id), [2]);
    let out = web.run(Event::secret_remove(&other, 1), state).unwrap();
    out.assert_ok();
    assert_eq!(revisions(&out, &other.id), [1, 2]);
}
