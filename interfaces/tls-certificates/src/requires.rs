//! The requirer as a component: [`CertificatesRequires`], attached by a charm to its
//! `tls-certificates` endpoint, does what `TLSCertificatesRequiresV4` does for an `ops`
//! charm.
//!
//! On `relation-created`, `relation-changed` and `leader-elected` it keeps the private
//! key in a secret the unit (unit mode) or the application (app mode, leader only) owns,
//! labelled `<LIBID>-private-key-<unit number>-<endpoint>` (`-app-` in app mode), puts a
//! CSR for each request in its databag, stores each certificate the provider published
//! for a current CSR in a secret of its own (`certificate` and `csr`, expiring when the
//! certificate should be renewed) and emits [`CertificateAvailable`]. A certificate secret
//! that expires (`secret-expired`), or a certificate past the library's safety net, gets
//! a new CSR. On `relation-broken` it removes its key and certificate secrets.
//!
//! One addition to the library's events: [`CertificateWithdrawn`], when a certificate
//! secret goes because the provider revoked or stopped publishing the certificate of a
//! current CSR, or the relation was removed (the library removes a revoked certificate's
//! secret silently, and keeps the others). The charm reads what it holds at any time with
//! [`CertificatesRequires::certificate`] and [`CertificatesRequires::private_key`].
//!
//! ```
//! use charm_runtime::prelude::*;
//! use charm_tls_certificates::{CertificateAvailable, CertificateRequestAttributes, CertificatesRequires, Mode};
//!
//! #[derive(Charm)]
//! #[charm(name = "web", summary = "Serves HTTPS")]
//! pub struct Web {
//!     // The interface, `tls-certificates`, comes from the library.
//!     #[requires(certificates(limit = 1, optional))]
//!     certificates: CertificatesRequires,
//! }
//!
//! impl Default for Web {
//!     fn default() -> Self {
//!         let certificates = CertificatesRequires::new(Mode::Unit, |ctx| {
//!             let name = ctx.unit_name().replace('/', "-");
//!             Ok(vec![CertificateRequestAttributes::new(&name).with_dns(&name)])
//!         });
//!         Web { certificates }
//!     }
//! }
//!
//! #[handlers]
//! impl Web {
//!     #[on(certificates::certificate_available)]
//!     fn available(&mut self, ctx: &mut Context<Self>, event: &CertificateAvailable) -> Result<()> {
//!         let key = self.certificates.private_key(ctx)?;
//!         ctx.info(format!("certificate for {:?}, key: {}", event.certificate.common_name(), key.is_some()));
//!         Ok(())
//!     }
//! }
//!
//! let yaml = <Web as Charm>::metadata().charmcraft_yaml();
//! assert!(yaml.contains("  certificates:\n    interface: tls-certificates\n"));
//! ```

use std::time::SystemTime;

use charm_runtime::component::Library;
use charm_runtime::prelude::*;
use charm_runtime::secret::{SecretExpiry, SecretMeta};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::requirer::{apply, AvailableCertificate, Requirer};
use crate::{
    write_bag, Bag, BagWrites, Certificate, CertificateError, CertificateRequestAttributes,
    CertificateSigningRequest, KeyAlgorithm, Mode, PrivateKey,
};

/// The provider published a certificate for one of this unit's (or application's) CSRs
/// (the library's `certificate_available`). Like the library, emitted on every
/// reconcile that finds it, not only the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct CertificateAvailable {
    /// The relation it came on.
    pub relation: u32,
    /// The certificate.
    pub certificate: Certificate,
    /// The CA that signed it.
    pub ca: Certificate,
    /// The chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The CSR it answers.
    pub csr: CertificateSigningRequest,
}

/// The provider refused one of this unit's CSRs (the library's `certificate_denied`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct CertificateDenied {
    /// The relation.
    pub relation: u32,
    /// The refused CSR.
    pub csr: CertificateSigningRequest,
    /// Why.
    pub error: CertificateError,
}

/// A certificate this unit held is gone: the provider revoked or stopped publishing it
/// (its secret is removed, as the library removes a revoked one), or the relation was
/// removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct CertificateWithdrawn {
    /// The relation.
    pub relation: u32,
    /// The certificate it held.
    pub certificate: Certificate,
    /// The CSR it answered.
    pub csr: CertificateSigningRequest,
}

/// What to ask certificates for, computed in each hook from the model (the unit's name,
/// the charm's config): the library's `certificate_requests`.
type Requests = Box<dyn Fn(&Context<Library>) -> Result<Vec<CertificateRequestAttributes>>>;

/// The `tls-certificates` interface, requirer side (`TLSCertificatesRequiresV4`).
pub struct CertificatesRequires {
    mode: Mode,
    requests: Requests,
    key_algorithm: KeyAlgorithm,
    renewal_relative_time: f64,
}

impl std::fmt::Debug for CertificatesRequires {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificatesRequires")
            .field("mode", &self.mode)
            .field("key_algorithm", &self.key_algorithm)
            .field("renewal_relative_time", &self.renewal_relative_time)
            .finish_non_exhaustive()
    }
}

impl CertificatesRequires {
    /// A requirer in `mode` asking for what `requests` returns (called in each hook the
    /// component handles, so the requests may depend on the unit's name or the config),
    /// with a P-256 key, renewing at 90% of a certificate's validity.
    pub fn new(
        mode: Mode,
        requests: impl Fn(&Context<Library>) -> Result<Vec<CertificateRequestAttributes>> + 'static,
    ) -> CertificatesRequires {
        CertificatesRequires {
            mode,
            requests: Box::new(requests),
            key_algorithm: KeyAlgorithm::default(),
            renewal_relative_time: 0.9,
        }
    }

    /// The kind of key to generate.
    pub fn key_algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.key_algorithm = algorithm;
        self
    }

    /// When to renew, as a fraction of the time from issue to expiry; the library
    /// accepts more than 0.5, at most 1.0.
    pub fn renewal_relative_time(mut self, fraction: f64) -> Result<Self> {
        if !(fraction > 0.5 && fraction <= 1.0) {
            return Err(Error::msg(format!(
                "Invalid renewal relative time {fraction}. Must be between 0.5 and 1.0"
            )));
        }
        self.renewal_relative_time = fraction;
        Ok(self)
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The protocol side for this hook: the endpoint, mode and current requests.
    fn requirer(&self, ctx: &Context<Library>, endpoint: &str) -> Result<Requirer> {
        Ok(Requirer {
            endpoint: endpoint.to_string(),
            mode: self.mode,
            requests: (self.requests)(ctx)?,
            renewal_relative_time: self.renewal_relative_time,
        })
    }

    /// The private key, once the component made it; `None` before, and on a unit that
    /// is not the leader in app mode (only the leader reads the application's key).
    pub fn private_key<C: Charm>(&self, ctx: &Context<C>) -> Result<Option<PrivateKey>> {
        let ctx = ctx.component(self)?;
        let leader = ctx.leader()?;
        if self.mode == Mode::App && leader.is_none() {
            return Ok(None);
        }
        let requirer = self.requirer(&ctx, ctx.endpoint())?;
        read_key(&ctx, &requirer)
    }

    /// The certificates the provider published for the current CSRs, matching the
    /// requests and the private key (`get_assigned_certificates`): empty without a
    /// relation, before the provider answered, and on a non-leader in app mode.
    pub fn certificates<C: Charm>(&self, ctx: &Context<C>) -> Result<Vec<AvailableCertificate>> {
        let ctx = ctx.component(self)?;
        let Some(relation) = ctx.relation()? else {
            return Ok(Vec::new());
        };
        let leader = ctx.leader()?;
        if self.mode == Mode::App && leader.is_none() {
            return Ok(Vec::new());
        }
        let requirer = self.requirer(&ctx, ctx.endpoint())?;
        let Some(key) = read_key(&ctx, &requirer)? else {
            return Ok(Vec::new());
        };
        let own = own_bag(&relation, self.mode, leader.as_ref())?;
        Ok(published(&ctx, &requirer, &relation, &own, &key)?
            .map(|found| found.available)
            .unwrap_or_default())
    }

    /// The first of [`certificates`](Self::certificates): the certificate of a requirer
    /// that asks for one.
    pub fn certificate<C: Charm>(&self, ctx: &Context<C>) -> Result<Option<AvailableCertificate>> {
        Ok(self.certificates(ctx)?.into_iter().next())
    }

    /// The library's `_configure`: key, CSRs, certificates, renewal.
    fn configure(&self, ctx: &ComponentContext<Self>) -> Result<()> {
        let Some(relation) = ctx.relation()? else {
            return Ok(());
        };
        let leader = ctx.leader()?;
        if self.mode == Mode::App && leader.is_none() {
            return Ok(());
        }
        let requirer = self.requirer(ctx, ctx.endpoint())?;
        let key = match read_key(ctx, &requirer)? {
            Some(key) => key,
            None => self.new_key(ctx, &requirer, leader.as_ref())?,
        };
        let mut own = own_bag(&relation, self.mode, leader.as_ref())?;
        let writes = requirer.reconcile(&own, &key).map_err(library_error)?;
        own = write(&relation, self.mode, leader.as_ref(), own, &writes);

        let Some(found) = published(ctx, &requirer, &relation, &own, &key)? else {
            return Ok(());
        };
        let id = relation.id().number();
        let now = OffsetDateTime::now_utc();
        for available in &found.available {
            self.keep_certificate(ctx, &requirer, leader.as_ref(), available, now)?;
            ctx.emit(CertificateAvailable {
                relation: id,
                certificate: available.certificate.clone(),
                ca: available.ca.clone(),
                chain: available.chain.clone(),
                csr: available.csr.clone(),
            });
        }
        // Certificate secrets of current CSRs the provider no longer answers (revoked
        // ones included): removed, as the library removes a revoked one.
        let answered: Vec<String> = found
            .available
            .iter()
            .map(|a| a.secret_label.clone())
            .collect();
        for entry in crate::requirer::csrs(&own).map_err(library_error)? {
            let Ok(csr) = CertificateSigningRequest::from_pem(&entry.certificate_signing_request)
            else {
                continue;
            };
            let label = requirer.certificate_label(ctx.unit_name(), &csr);
            if !answered.contains(&label) {
                withdraw(ctx, &ctx.secret_by_label(&label), id)?;
            }
        }
        for denied in found.denied {
            let Ok(csr) = CertificateSigningRequest::from_pem(&denied.csr) else {
                continue;
            };
            ctx.emit(CertificateDenied {
                relation: id,
                csr,
                error: denied.error,
            });
        }
        // The safety net for a `secret-expired` that did not come.
        for available in &found.available {
            if requirer.needs_renewal(&available.certificate, now) {
                ctx.warn("Certificate approaching expiry but not renewed - triggering renewal as safety net");
                let writes = requirer
                    .renew(&own, &key, &available.csr)
                    .map_err(library_error)?;
                own = write(&relation, self.mode, leader.as_ref(), own, &writes);
            }
        }
        Ok(())
    }

    /// Generates the private key and keeps it in its secret.
    fn new_key(
        &self,
        ctx: &Context<Library>,
        requirer: &Requirer,
        leader: Option<&Leader>,
    ) -> Result<PrivateKey> {
        let key = PrivateKey::generate(self.key_algorithm).map_err(library_error)?;
        let content = SecretContent::new().with("private-key", key.to_pem());
        let label = requirer.private_key_label(ctx.unit_name());
        add_secret(
            ctx,
            self.mode,
            leader,
            content,
            &SecretMeta::new().label(label),
        )?;
        ctx.info("Private key generated");
        Ok(key)
    }

    /// Keeps `available` in its certificate secret, expiring when it should be renewed.
    fn keep_certificate(
        &self,
        ctx: &Context<Library>,
        requirer: &Requirer,
        leader: Option<&Leader>,
        available: &AvailableCertificate,
        now: OffsetDateTime,
    ) -> Result<()> {
        let content = SecretContent::new()
            .with("certificate", available.certificate.pem())
            .with("csr", available.csr.pem());
        let expire = SecretExpiry::At(SystemTime::from(
            requirer.renewal_time(&available.certificate, now),
        ));
        let secret = ctx.secret_by_label(&available.secret_label);
        match secret.content() {
            Ok(kept) if kept.get("certificate") == Some(available.certificate.pem()) => Ok(()),
            Ok(_) => {
                secret.set_content(content)?;
                secret.set_info(&SecretMeta::new().expire(expire))
            }
            Err(Error::SecretNotFound { .. }) => {
                let meta = SecretMeta::new()
                    .label(&available.secret_label)
                    .expire(expire);
                add_secret(ctx, self.mode, leader, content, &meta).map(drop)
            }
            Err(e) => Err(e),
        }
    }

    /// The requirer for a secret event of this endpoint, if the secret is one of its
    /// own (`label` starts with one of its prefixes), with the leader proof.
    fn owns_label(
        &self,
        ctx: &ComponentContext<Self>,
        label: Option<&str>,
        certificate_only: bool,
    ) -> Result<Option<(Requirer, Option<Leader>)>> {
        let Some(label) = label else {
            return Ok(None);
        };
        let leader = ctx.leader()?;
        if self.mode == Mode::App && leader.is_none() {
            return Ok(None);
        }
        let requirer = self.requirer(ctx, ctx.endpoint())?;
        let unit = ctx.unit_name();
        let ours = label.starts_with(&requirer.certificate_label_prefix(unit))
            || (!certificate_only && label == requirer.private_key_label(unit));
        Ok(ours.then_some((requirer, leader)))
    }
}

#[component(
    interface = "tls-certificates",
    role = requires,
    events(
        certificate_available = CertificateAvailable,
        certificate_denied = CertificateDenied,
        certificate_withdrawn = CertificateWithdrawn,
    )
)]
impl CertificatesRequires {
    #[on(relation_created)]
    fn created(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        self.configure(ctx)
    }

    #[on(relation_changed)]
    fn changed(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        self.configure(ctx)
    }

    #[on(leader_elected)]
    fn elected(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        self.configure(ctx)
    }

    /// A certificate secret expired: a new CSR for the same request, and the secret goes
    /// (`_on_secret_expired`).
    #[on(secret_expired)]
    fn expired(&mut self, ctx: &mut ComponentContext<Self>, event: &SecretExpired) -> Result<()> {
        let Some((requirer, leader)) = self.owns_label(ctx, event.label(), true)? else {
            return Ok(());
        };
        let secret = ctx.secret(event.id());
        let csr = match secret
            .refresh_content()
            .and_then(|c| Ok(c.require("csr")?.to_string()))
        {
            Ok(csr) => csr,
            Err(e) => {
                ctx.warn(format!("Failed to get CSR from secret - Skipping ({e})"));
                return Ok(());
            }
        };
        let csr = CertificateSigningRequest::from_pem(&csr).map_err(library_error)?;
        if let (Some(relation), Some(key)) = (ctx.relation()?, read_key(ctx, &requirer)?) {
            let own = own_bag(&relation, self.mode, leader.as_ref())?;
            let writes = requirer.renew(&own, &key, &csr).map_err(library_error)?;
            write(&relation, self.mode, leader.as_ref(), own, &writes);
            ctx.info("Renewed certificate request");
        }
        secret.remove_all_revisions()
    }

    /// A revision of one of its secrets is no longer read: removed (`_on_secret_remove`;
    /// the library does it for every secret, this one only for its own).
    #[on(secret_remove)]
    fn remove(&mut self, ctx: &mut ComponentContext<Self>, event: &SecretRemove) -> Result<()> {
        if self.owns_label(ctx, event.label(), false)?.is_none() {
            return Ok(());
        }
        match event.revision() {
            Some(revision) => ctx.secret(event.id()).remove_revision(revision),
            None => Ok(()),
        }
    }

    /// The relation is gone: the key and certificate secrets go (`_on_relation_broken`),
    /// each certificate with a [`CertificateWithdrawn`].
    #[on(relation_broken)]
    fn broken(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationBroken) -> Result<()> {
        if !ctx.relations()?.is_empty() {
            ctx.warn(format!(
                "Multiple relations with name {} detected, skipping secret cleanup",
                ctx.endpoint()
            ));
            return Ok(());
        }
        let leader = ctx.leader()?;
        if self.mode == Mode::App && leader.is_none() {
            return Ok(());
        }
        let requirer = self.requirer(ctx, ctx.endpoint())?;
        let key = ctx.secret_by_label(&requirer.private_key_label(ctx.unit_name()));
        match key.info() {
            Ok(_) => key.remove_all_revisions()?,
            Err(Error::SecretNotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let prefix = requirer.certificate_label_prefix(ctx.unit_name());
        for id in ctx.secret_ids()? {
            let secret = ctx.secret(&id);
            if secret.info()?.label.is_some_and(|l| l.starts_with(&prefix)) {
                withdraw(ctx, &secret, event.relation().id().number())?;
            }
        }
        Ok(())
    }
}

/// The private key from its secret; `None` before it is made.
fn read_key(ctx: &Context<Library>, requirer: &Requirer) -> Result<Option<PrivateKey>> {
    let label = requirer.private_key_label(ctx.unit_name());
    match ctx.secret_by_label(&label).content() {
        Ok(content) => Ok(Some(
            PrivateKey::from_pem(content.require("private-key")?).map_err(|e| {
                Error::msg(format!(
                    "the private key in secret {label:?} is unusable: {e}"
                ))
            })?,
        )),
        Err(Error::SecretNotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What the provider published for `own`'s CSRs; `None` for a provider databag that
/// does not hold what the protocol says, which the library logs and skips (nothing is
/// taken from it, nothing held is withdrawn for it).
fn published(
    ctx: &Context<Library>,
    requirer: &Requirer,
    relation: &Relation,
    own: &Bag,
    key: &PrivateKey,
) -> Result<Option<crate::requirer::Published>> {
    if relation.remote_app()?.is_none() {
        return Ok(Some(Default::default()));
    }
    let remote = relation.remote_app_data()?.to_map()?;
    match requirer.published(ctx.unit_name(), own, &remote, key) {
        Ok(found) => Ok(Some(found)),
        Err(e) => {
            ctx.warn(format!("Invalid relation data - Skipping ({e})"));
            Ok(None)
        }
    }
}

/// Removes a certificate secret if there is one, with a [`CertificateWithdrawn`].
fn withdraw(
    ctx: &ComponentContext<CertificatesRequires>,
    secret: &charm_runtime::secret::Secret,
    relation: u32,
) -> Result<()> {
    let content = match secret.content() {
        Ok(content) => content,
        Err(Error::SecretNotFound { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    secret.remove_all_revisions()?;
    let (Some(certificate), Some(csr)) = (content.get("certificate"), content.get("csr")) else {
        return Ok(());
    };
    if let (Ok(certificate), Ok(csr)) = (
        Certificate::from_pem(certificate),
        CertificateSigningRequest::from_pem(csr),
    ) {
        ctx.emit(CertificateWithdrawn {
            relation,
            certificate,
            csr,
        });
    }
    Ok(())
}

/// This unit's (unit mode) or the application's (app mode) bag.
fn own_bag(relation: &Relation, mode: Mode, leader: Option<&Leader>) -> Result<Bag> {
    match (mode, leader) {
        (Mode::App, Some(leader)) => relation.local_app_data(leader).to_map(),
        (Mode::App, None) => Err(Error::msg(
            "only the leader writes the application's certificate requests",
        )),
        (Mode::Unit, _) => relation.local_unit_data().to_map(),
    }
}

/// Writes `writes` to the bag `own` was read from; returns the bag as it is then.
fn write(
    relation: &Relation,
    mode: Mode,
    leader: Option<&Leader>,
    own: Bag,
    writes: &BagWrites,
) -> Bag {
    match (mode, leader) {
        (Mode::App, Some(leader)) => write_bag(&relation.local_app_data(leader), writes),
        _ => write_bag(&relation.local_unit_data(), writes),
    }
    apply(own, writes)
}

/// A secret owned by the unit (unit mode) or the application (app mode, the leader's).
fn add_secret(
    ctx: &Context<Library>,
    mode: Mode,
    leader: Option<&Leader>,
    content: SecretContent,
    meta: &SecretMeta,
) -> Result<charm_runtime::secret::Secret> {
    match (mode, leader) {
        (Mode::App, Some(leader)) => ctx.add_app_secret_with(leader, content, meta),
        (Mode::App, None) => Err(Error::msg(
            "only the leader keeps the application's key and certificates",
        )),
        (Mode::Unit, _) => ctx.add_unit_secret_with(content, meta),
    }
}

/// The crate's errors as the framework's, for a hook to report.
pub(crate) fn library_error(e: crate::Error) -> Error {
    Error::msg(format!("tls-certificates: {e}"))
}
