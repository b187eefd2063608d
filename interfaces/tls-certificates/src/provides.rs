//! The provider as a component: [`CertificatesProvides`], attached by a CA charm to its
//! `tls-certificates` endpoint, does what `TLSCertificatesProvidesV4` does for an `ops`
//! charm, and tells the charm what to sign.
//!
//! On `relation-created`, `-joined`, `-changed`, `-departed` and `update-status`, on the
//! leader, it withdraws the certificates whose CSR is gone (the library's
//! `_remove_certificates_for_which_no_csr_exists`; `-departed` is this component's
//! addition, so a departed unit's certificate goes at once) and emits a
//! [`CertificateCreationRequest`] for each CSR without a certificate; the charm signs it
//! and calls [`CertificatesProvides::publish`].
//!
//! ```
//! use charm_runtime::prelude::*;
//! use charm_tls_certificates::{
//!     CertificateAuthority, CertificateCreationRequest, CertificatesProvides, ProviderCertificate,
//! };
//!
//! #[derive(Charm, Default)]
//! #[charm(name = "ca", summary = "Signs certificates")]
//! pub struct Ca {
//!     #[provides(certificates)]
//!     certificates: CertificatesProvides,
//! }
//!
//! #[handlers]
//! impl Ca {
//!     #[on(certificates::certificate_creation_request)]
//!     fn sign(&mut self, ctx: &mut Context<Self>, event: &CertificateCreationRequest) -> Result<()> {
//!         let ca = CertificateAuthority::generate("ca", time::Duration::days(365)).map_err(Error::msg)?;
//!         let certificate = ca.sign(&event.csr, time::Duration::days(90), event.is_ca).map_err(Error::msg)?;
//!         let entry = ProviderCertificate::new(&certificate, &event.csr, ca.certificate());
//!         self.certificates.publish(ctx, event.relation, entry)
//!     }
//! }
//! ```

use charm_runtime::prelude::*;
use serde::{Deserialize, Serialize};

use crate::provider::{self, CertificateRequest};
use crate::requires::library_error;
use crate::{write_bag, Bag, CertificateSigningRequest, ProviderCertificate};

/// A CSR without a certificate (`RequirerCertificateRequest` of
/// `get_outstanding_certificate_requests`): emitted for the charm to sign, and what
/// [`CertificatesProvides::outstanding`] lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct CertificateCreationRequest {
    /// The relation it came on.
    pub relation: u32,
    /// Who asked: a unit (unit mode) or the application (app mode).
    pub requester: String,
    /// The CSR.
    pub csr: CertificateSigningRequest,
    /// Whether a CA certificate is asked for.
    pub is_ca: bool,
}

/// A certificate published on a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The relation.
    pub relation: u32,
    /// The entry in the `certificates` list.
    pub certificate: ProviderCertificate,
}

/// The `tls-certificates` interface, provider side (`TLSCertificatesProvidesV4`).
#[derive(Debug, Default)]
pub struct CertificatesProvides;

impl CertificatesProvides {
    /// The CSRs of every related unit and application without a certificate, on the
    /// leader (only the leader reads the application's databag); empty elsewhere.
    pub fn outstanding<C: Charm>(
        &self,
        ctx: &Context<C>,
    ) -> Result<Vec<CertificateCreationRequest>> {
        let ctx = ctx.component(self)?;
        let Some(leader) = ctx.leader()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for relation in ctx.relations()? {
            out.extend(outstanding_on(&relation, &leader)?);
        }
        Ok(out)
    }

    /// The certificates published on every relation (`get_issued_certificates`), on the
    /// leader; empty elsewhere.
    pub fn issued<C: Charm>(&self, ctx: &Context<C>) -> Result<Vec<IssuedCertificate>> {
        let ctx = ctx.component(self)?;
        let Some(leader) = ctx.leader()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for relation in ctx.relations()? {
            let own = relation.local_app_data(&leader).to_map()?;
            let id = relation.id().number();
            out.extend(
                provider::issued(&own)
                    .map_err(library_error)?
                    .into_iter()
                    .filter(|c| c.revoked != Some(true))
                    .map(|certificate| IssuedCertificate {
                        relation: id,
                        certificate,
                    }),
            );
        }
        Ok(out)
    }

    /// Publishes `certificate` on relation `relation` (`set_relation_certificate`):
    /// replaces an earlier one for the same CSR, and drops an error for it. The leader's
    /// call; an error on another unit, or for a relation not on this endpoint.
    pub fn publish<C: Charm>(
        &self,
        ctx: &Context<C>,
        relation: u32,
        certificate: ProviderCertificate,
    ) -> Result<()> {
        let ctx = ctx.component(self)?;
        let Some(leader) = ctx.leader()? else {
            return Err(Error::msg("only the leader publishes certificates"));
        };
        let Some(rel) = ctx.relation_by_id(charm_runtime::RelationId::new(relation))? else {
            return Err(Error::msg(format!(
                "no relation {relation} on endpoint {}",
                ctx.endpoint()
            )));
        };
        let bag = rel.local_app_data(&leader);
        let writes =
            provider::set_certificate(&bag.to_map()?, certificate).map_err(library_error)?;
        write_bag(&bag, &writes);
        Ok(())
    }

    /// Withdraws, on every relation, the certificates whose CSR no related unit or
    /// application asks for any more; returns how many. The leader's; nothing elsewhere.
    /// The component does it on its events already.
    pub fn withdraw_unrequested<C: Charm>(&self, ctx: &Context<C>) -> Result<usize> {
        withdraw_all(&ctx.component(self)?)
    }
}

#[component(
    interface = "tls-certificates",
    role = provides,
    events(certificate_creation_request = CertificateCreationRequest)
)]
impl CertificatesProvides {
    #[on(relation_created)]
    fn created(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        reconcile(ctx)
    }

    #[on(relation_joined)]
    fn joined(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        reconcile(ctx)
    }

    #[on(relation_changed)]
    fn changed(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        reconcile(ctx)
    }

    #[on(relation_departed)]
    fn departed(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        reconcile(ctx)
    }

    #[on(update_status)]
    fn update_status(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        reconcile(ctx)
    }
}

/// On the leader: withdraw what is not asked for, then ask the charm for what is.
fn reconcile(ctx: &ComponentContext<CertificatesProvides>) -> Result<()> {
    let Some(leader) = ctx.leader()? else {
        return Ok(());
    };
    withdraw_all(ctx)?;
    for relation in ctx.relations()? {
        for request in outstanding_on(&relation, &leader)? {
            ctx.emit(request);
        }
    }
    Ok(())
}

fn withdraw_all(ctx: &ComponentContext<CertificatesProvides>) -> Result<usize> {
    let Some(leader) = ctx.leader()? else {
        return Ok(0);
    };
    let mut withdrawn = 0;
    for relation in ctx.relations()? {
        let requests: Vec<CertificateRequest> = requests_on(&relation)?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let bag = relation.local_app_data(&leader);
        let own = bag.to_map()?;
        let before = provider::issued(&own).map_err(library_error)?.len();
        let writes = provider::withdraw_unrequested(&own, &requests).map_err(library_error)?;
        write_bag(&bag, &writes);
        let after = crate::requirer::apply(own, &writes);
        withdrawn += before - provider::issued(&after).map_err(library_error)?.len();
    }
    Ok(withdrawn)
}

/// The outstanding CSRs of one relation.
fn outstanding_on(relation: &Relation, leader: &Leader) -> Result<Vec<CertificateCreationRequest>> {
    let requests = requests_on(relation)?;
    let own = relation.local_app_data(leader).to_map()?;
    let plain: Vec<CertificateRequest> = requests.iter().map(|(_, r)| r.clone()).collect();
    let outstanding = provider::outstanding(&plain, &own).map_err(library_error)?;
    let id = relation.id().number();
    Ok(requests
        .into_iter()
        .filter(|(_, r)| outstanding.contains(r))
        .map(|(requester, r)| CertificateCreationRequest {
            relation: id,
            requester,
            csr: r.csr,
            is_ca: r.is_ca,
        })
        .collect())
}

/// Every CSR on one relation, with who sent it: each remote unit's, then the remote
/// application's. A bag that does not hold valid CSRs is skipped, as the library does.
fn requests_on(relation: &Relation) -> Result<Vec<(String, CertificateRequest)>> {
    let mut out = Vec::new();
    let none = Bag::new();
    for unit in relation.units()? {
        let bag = relation.remote_unit_data(&unit).to_map()?;
        out.extend(
            provider::requests([&bag], &none)
                .into_iter()
                .map(|r| (unit.clone(), r)),
        );
    }
    if let Some(app) = relation.remote_app()? {
        let bag = relation.remote_app_data()?.to_map()?;
        out.extend(
            provider::requests(None, &bag)
                .into_iter()
                .map(|r| (app.clone(), r)),
        );
    }
    Ok(out)
}
