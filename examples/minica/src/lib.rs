//! # `minica`: a small certificate authority
//!
//! The provider side of the `tls-certificates` interface (v4), through the
//! `charm-tls-certificates` library's [`CertificatesProvides`] component, which observes
//! the `certificates` endpoint itself:
//!
//! - the leader creates a CA once (a private key and a self-signed certificate valid 365
//!   days, its common name from the config option `ca-common-name`) and keeps it in an
//!   application-owned secret labelled `ca`;
//! - it signs every outstanding CSR of every related unit (and application, for a
//!   requirer in app mode), valid 90 days, and publishes certificate, CA and chain;
//!   the component withdraws the certificates whose CSR disappeared;
//! - the action `get-ca-certificate` returns the CA certificate (`ca-certificate`);
//! - the unit's status is `<n> certificates issued`.

use charm_runtime::prelude::*;
use charm_tls_certificates::{CertificateAuthority, CertificatesProvides, ProviderCertificate};
use time::Duration;

/// How long the CA is valid.
pub const CA_VALIDITY: Duration = Duration::days(365);
/// How long the certificates it signs are valid.
pub const CERTIFICATE_VALIDITY: Duration = Duration::days(90);
/// The label of the application-owned secret that keeps the CA.
pub const CA_SECRET_LABEL: &str = "ca";

/// The charm. Its fields live for one hook.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "minica",
    summary = "A small certificate authority for the tls-certificates interface",
    description = "Signs the certificate signing requests of every related tls-certificates requirer (unit or application mode) with a CA of its own, made once by the leader and kept in a Juju secret; withdraws certificates whose request is gone.\n\nAn example of the charm-runtime framework and of an interface library used as a component."
)]
#[config(MinicaConfig)]
#[actions(get-ca-certificate(
    description = "Return the CA certificate (PEM) as `ca-certificate`."
))]
pub struct Minica {
    /// The `tls-certificates` provider; the interface name comes from the library.
    #[provides(certificates)]
    certificates: CertificatesProvides,
    /// The CA, once read or made in this hook.
    ca: Option<CertificateAuthority>,
}

/// The charm's configuration.
#[derive(CharmConfig, Debug, Clone, PartialEq, Eq)]
pub struct MinicaConfig {
    /// The common name of the CA certificate (read when the CA is made, once).
    #[option(default = "minica")]
    pub ca_common_name: String,
}

#[handlers]
impl Minica {
    /// Signs every outstanding request (the leader's job), making the CA first if needed.
    #[on(
        leader_elected,
        config_changed,
        certificates::certificate_creation_request
    )]
    fn issue(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let requests = self.certificates.outstanding(ctx)?;
        let ca = match self.ca.take() {
            Some(ca) => ca,
            None => match load_ca(ctx)? {
                Some(ca) => ca,
                None => make_ca(ctx, &leader)?,
            },
        };
        for request in requests {
            let certificate = ca
                .sign(&request.csr, CERTIFICATE_VALIDITY, request.is_ca)
                .map_err(|e| {
                    Error::msg(format!(
                        "cannot sign the request of {} on relation {}: {e}",
                        request.requester, request.relation
                    ))
                })?;
            let entry = ProviderCertificate::new(&certificate, &request.csr, ca.certificate());
            self.certificates.publish(ctx, request.relation, entry)?;
            ctx.info(format!(
                "issued a certificate to {} on relation {}",
                request.requester, request.relation
            ));
        }
        self.ca = Some(ca);
        Ok(())
    }

    #[on(get_ca_certificate_action)]
    fn get_ca_certificate(
        &mut self,
        ctx: &mut Context<Self>,
        event: &Action<NoParams>,
    ) -> Result<()> {
        match load_ca(ctx)? {
            Some(ca) => event.set_result("ca-certificate", ca.certificate().pem())?,
            None => event.fail("no CA yet: the leader makes it when it is elected"),
        }
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&mut self, ctx: &mut Context<Self>, event: &CollectStatus) -> Result<()> {
        let issued = self.certificates.issued(ctx)?.len();
        event.add_status(Status::active(format!("{issued} certificates issued")));
        Ok(())
    }
}

/// The CA from its secret, if the leader made it.
fn load_ca(ctx: &Context<Minica>) -> Result<Option<CertificateAuthority>> {
    match ctx.secret_by_label(CA_SECRET_LABEL).content() {
        Ok(content) => CertificateAuthority::from_pem(
            content.require("certificate")?,
            content.require("private-key")?,
        )
        .map(Some)
        .map_err(|e| Error::msg(format!("the CA in secret `ca` is unusable: {e}"))),
        Err(Error::SecretNotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Makes the CA and keeps it in an application-owned secret labelled `ca`.
fn make_ca(ctx: &Context<Minica>, leader: &Leader) -> Result<CertificateAuthority> {
    let name = &ctx.config()?.ca_common_name;
    let ca = CertificateAuthority::generate(name, CA_VALIDITY)
        .map_err(|e| Error::msg(format!("cannot make the CA {name:?}: {e}")))?;
    let content = SecretContent::new()
        .with("certificate", ca.certificate().pem())
        .with("private-key", ca.key().to_pem());
    ctx.add_app_secret(leader, content, Some(CA_SECRET_LABEL))?;
    ctx.info(format!("created the CA {name:?}"));
    Ok(ca)
}
