//! The provider (`TLSCertificatesProvidesV4`): reads the CSRs of every requirer unit
//! (and application), publishes certificates for them, withdraws certificates whose CSR
//! is gone.

use crate::databag::{load_csrs, ProviderData};
use crate::requirer::apply;
use crate::{Bag, BagWrites, CertificateSigningRequest, Error, ProviderCertificate};

/// A CSR a requirer sent (`RequirerCertificateRequest`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The CSR.
    pub csr: CertificateSigningRequest,
    /// Whether a CA certificate is asked for.
    pub is_ca: bool,
}

/// The CSRs of one relation: each remote unit's databag, then the remote application's
/// (`get_certificate_requests`). An invalid databag is skipped, as the library does.
pub fn requests<'a>(
    remote_unit_bags: impl IntoIterator<Item = &'a Bag>,
    remote_app_bag: &'a Bag,
) -> Vec<CertificateRequest> {
    remote_unit_bags
        .into_iter()
        .chain([remote_app_bag])
        .flat_map(|bag| load_csrs(bag).unwrap_or_default())
        .filter_map(|e| {
            let csr = CertificateSigningRequest::from_pem(&e.certificate_signing_request).ok()?;
            Some(CertificateRequest {
                csr,
                is_ca: e.ca.unwrap_or(false),
            })
        })
        .collect()
}

/// The certificates published in this application's databag on one relation.
pub fn issued(own_app_bag: &Bag) -> Result<Vec<ProviderCertificate>, Error> {
    Ok(ProviderData::load(own_app_bag)?.certificates)
}

/// The requests without a (non-revoked) certificate for their CSR and key
/// (`get_outstanding_certificate_requests`).
pub fn outstanding(
    requests: &[CertificateRequest],
    own_app_bag: &Bag,
) -> Result<Vec<CertificateRequest>, Error> {
    let issued = issued(own_app_bag)?;
    Ok(requests
        .iter()
        .filter(|r| {
            !issued.iter().any(|c| {
                c.revoked != Some(true)
                    && c.csr().is_ok_and(|csr| csr == r.csr)
                    && c.certificate()
                        .is_ok_and(|cert| cert.public_key_der() == r.csr.public_key_der())
            })
        })
        .cloned()
        .collect())
}

/// Publishes `certificate` (`set_relation_certificate`): drops any error and earlier
/// certificate for its CSR, then appends it.
pub fn set_certificate(
    own_app_bag: &Bag,
    certificate: ProviderCertificate,
) -> Result<BagWrites, Error> {
    let mut data = ProviderData::load(own_app_bag)?;
    let csr = certificate.csr()?;
    data.request_errors
        .retain(|e| CertificateSigningRequest::from_pem(&e.csr).ok().as_ref() != Some(&csr));
    data.certificates
        .retain(|c| c.csr().ok().as_ref() != Some(&csr));
    data.certificates.push(certificate);
    Ok(changes(own_app_bag, data.dump()))
}

/// Withdraws the certificates whose CSR is no longer requested
/// (`_remove_certificates_for_which_no_csr_exists`, on every relation event).
pub fn withdraw_unrequested(
    own_app_bag: &Bag,
    requests: &[CertificateRequest],
) -> Result<BagWrites, Error> {
    let mut data = ProviderData::load(own_app_bag)?;
    data.certificates.retain(|c| {
        c.csr()
            .is_ok_and(|csr| requests.iter().any(|r| r.csr == csr))
    });
    Ok(changes(own_app_bag, data.dump()))
}

/// Only the writes that change `bag`.
fn changes(bag: &Bag, writes: BagWrites) -> BagWrites {
    let after = apply(bag.clone(), &writes);
    writes
        .into_iter()
        .filter(|(k, _)| bag.get(k) != after.get(k))
        .collect()
}
