//! The requirer (`TLSCertificatesRequiresV4`).
//!
//! On every relation event the library reconciles ([`Requirer::reconcile`]): CSRs in the
//! databag that no longer match a requested [`CertificateRequestAttributes`] or the
//! current private key are removed, and a new CSR is sent for each request without one,
//! so changing the requested names, or the key, asks for new certificates. Then
//! [`Requirer::published`] finds the certificates the provider published for this
//! unit's CSRs (`certificate_available`), to keep in a secret that expires at the
//! renewal time ([`Requirer::renewal_time`]); [`Requirer::renew`] replaces a CSR.

use time::OffsetDateTime;

use crate::databag::{dump_csrs, load_csrs, ProviderData};
use crate::{
    Bag, BagWrites, Certificate, CertificateRequestAttributes, CertificateSigningRequest, Error,
    Mode, PrivateKey, ProviderCertificate, RequestError, RequirerCsr, LIBID,
};

/// A requirer's configuration.
#[derive(Clone, Debug)]
pub struct Requirer {
    /// The endpoint (relation name), which names the secrets.
    pub endpoint: String,
    /// Unit or application certificates.
    pub mode: Mode,
    /// What to ask certificates for.
    pub requests: Vec<CertificateRequestAttributes>,
    /// When to renew, as a fraction of the time from issue to expiry (default 0.9).
    pub renewal_relative_time: f64,
}

/// A certificate the provider published for one of this requirer's CSRs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvailableCertificate {
    /// The certificate.
    pub certificate: Certificate,
    /// The CSR it answers.
    pub csr: CertificateSigningRequest,
    /// The CA that signed it.
    pub ca: Certificate,
    /// The chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The label of the secret the library keeps it in.
    pub secret_label: String,
}

impl AvailableCertificate {
    /// The content of that secret: `certificate` and `csr`.
    pub fn secret_content(&self) -> Bag {
        Bag::from([
            (
                "certificate".to_string(),
                self.certificate.pem().to_string(),
            ),
            ("csr".to_string(), self.csr.pem().to_string()),
        ])
    }
}

/// What the provider published for this requirer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// Certificates for current CSRs, matching the private key (`certificate_available`).
    pub available: Vec<AvailableCertificate>,
    /// Labels of certificate secrets to remove: the provider revoked their certificate.
    pub revoked: Vec<String>,
    /// CSRs the provider refused (`certificate_denied`).
    pub denied: Vec<RequestError>,
}

impl Requirer {
    /// A unit-mode requirer on `endpoint` asking for `requests`, renewing at 90% of validity.
    pub fn new(
        endpoint: impl Into<String>,
        requests: Vec<CertificateRequestAttributes>,
    ) -> Requirer {
        Requirer {
            endpoint: endpoint.into(),
            mode: Mode::Unit,
            requests,
            renewal_relative_time: 0.9,
        }
    }

    /// The label of the secret holding the private key: `<LIBID>-private-key-<unit
    /// number>-<endpoint>` (unit mode), `<LIBID>-private-key-app-<endpoint>` (app mode);
    /// its content is `private-key`.
    pub fn private_key_label(&self, unit_name: &str) -> String {
        match self.mode {
            Mode::Unit => format!(
                "{LIBID}-private-key-{}-{}",
                unit_number(unit_name),
                self.endpoint
            ),
            Mode::App => format!("{LIBID}-private-key-app-{}", self.endpoint),
        }
    }

    /// The label of the secret holding the certificate for `csr`:
    /// `<LIBID>-certificate-<unit number>-<endpoint>-<sha256 of the CSR>` (app mode
    /// without the unit number).
    pub fn certificate_label(&self, unit_name: &str, csr: &CertificateSigningRequest) -> String {
        format!(
            "{}{}",
            self.certificate_label_prefix(unit_name),
            csr.sha256_hex()
        )
    }

    /// What the labels of this requirer's certificate secrets start with:
    /// `<LIBID>-certificate-<unit number>-<endpoint>-` (app mode without the unit number).
    pub fn certificate_label_prefix(&self, unit_name: &str) -> String {
        match self.mode {
            Mode::Unit => format!(
                "{LIBID}-certificate-{}-{}-",
                unit_number(unit_name),
                self.endpoint
            ),
            Mode::App => format!("{LIBID}-certificate-{}-", self.endpoint),
        }
    }

    /// Whether a secret label is one of this library's certificate secrets (a
    /// `secret-expired` for it means: renew the CSR in its content).
    pub fn is_certificate_label(label: &str) -> bool {
        label.starts_with(&format!("{LIBID}-certificate"))
    }

    fn wanted(&self, csr: &CertificateSigningRequest, is_ca: bool) -> bool {
        let attrs = CertificateRequestAttributes::from_csr(csr, is_ca);
        self.requests.contains(&attrs)
    }

    /// Reconciles the CSRs in `own_bag` (the unit databag in unit mode, the application
    /// databag in app mode) with the requests and `key` (`_cleanup_certificate_requests`,
    /// then `_send_certificate_requests`). Returns the writes (none when nothing changes).
    pub fn reconcile(&self, own_bag: &Bag, key: &PrivateKey) -> Result<BagWrites, Error> {
        for r in &self.requests {
            if !r.is_valid() {
                return Err(Error::Invalid("Invalid certificate request".into()));
            }
        }
        let current = load_csrs(own_bag)?;
        let mut kept = Vec::new();
        for entry in &current {
            let csr = CertificateSigningRequest::from_pem(&entry.certificate_signing_request)?;
            if self.wanted(&csr, entry.ca.unwrap_or(false)) && csr.matches_private_key(key) {
                kept.push((entry.clone(), csr));
            }
        }
        let mut csrs: Vec<RequirerCsr> = kept.iter().map(|(e, _)| e.clone()).collect();
        for request in &self.requests {
            let requested = kept.iter().any(|(e, csr)| {
                CertificateRequestAttributes::from_csr(csr, e.ca.unwrap_or(false)) == *request
            });
            if !requested {
                let csr = request.generate_csr(key)?;
                csrs.push(RequirerCsr {
                    certificate_signing_request: csr.pem().to_string(),
                    ca: Some(request.is_ca),
                });
            }
        }
        Ok(if csrs == current {
            BagWrites::new()
        } else {
            dump_csrs(&csrs)
        })
    }

    /// Replaces `csr` with a new CSR for the same request (renewal, `_renew_certificate_request`).
    pub fn renew(
        &self,
        own_bag: &Bag,
        key: &PrivateKey,
        csr: &CertificateSigningRequest,
    ) -> Result<BagWrites, Error> {
        let remaining: Vec<RequirerCsr> = load_csrs(own_bag)?
            .into_iter()
            .filter(|e| {
                CertificateSigningRequest::from_pem(&e.certificate_signing_request)
                    .ok()
                    .as_ref()
                    != Some(csr)
            })
            .collect();
        let without = apply(own_bag.clone(), &dump_csrs(&remaining));
        let mut writes = dump_csrs(&remaining);
        writes.extend(self.reconcile(&without, key)?);
        Ok(writes)
    }

    /// What the provider published for this requirer's CSRs in `own_bag`
    /// (`_find_available_certificates`): certificates for a current CSR that still match
    /// a request and `key`; revoked ones; refused CSRs.
    pub fn published(
        &self,
        unit_name: &str,
        own_bag: &Bag,
        provider_app_bag: &Bag,
        key: &PrivateKey,
    ) -> Result<Published, Error> {
        let mine: Vec<CertificateSigningRequest> = load_csrs(own_bag)?
            .iter()
            .map(|e| CertificateSigningRequest::from_pem(&e.certificate_signing_request))
            .collect::<Result<_, _>>()?;
        let provider = ProviderData::load(provider_app_bag)?;
        let mut out = Published::default();
        for entry in &provider.certificates {
            let Ok(csr) = entry.csr() else { continue };
            if !mine.contains(&csr) {
                continue;
            }
            let label = self.certificate_label(unit_name, &csr);
            if entry.revoked == Some(true) {
                out.revoked.push(label);
                continue;
            }
            let (Ok(certificate), Ok(ca)) = (entry.certificate(), entry.ca_certificate()) else {
                continue;
            };
            if !self.wanted(&csr, certificate.is_ca()) || !certificate.matches_private_key(key) {
                continue;
            }
            let chain = chain(entry);
            out.available.push(AvailableCertificate {
                certificate,
                csr,
                ca,
                chain,
                secret_label: label,
            });
        }
        out.denied = provider
            .request_errors
            .into_iter()
            .filter(|e| {
                CertificateSigningRequest::from_pem(&e.csr).is_ok_and(|c| mine.contains(&c))
            })
            .collect();
        Ok(out)
    }

    /// When to renew `certificate` if its secret is stored at `now`: the secret's expiry,
    /// `now + (expiry - now) * renewal_relative_time` (`calculate_relative_datetime`).
    pub fn renewal_time(&self, certificate: &Certificate, now: OffsetDateTime) -> OffsetDateTime {
        now + (certificate.not_after() - now) * self.renewal_relative_time
    }

    /// Whether `certificate` is past the library's safety net for renewal (its secret
    /// should have expired already): `now` is at or after `not_before + validity *
    /// min(0.99, renewal_relative_time + 0.05)` and before expiry
    /// (`_renew_expiring_certificates`).
    pub fn needs_renewal(&self, certificate: &Certificate, now: OffsetDateTime) -> bool {
        let (start, end) = (certificate.not_before(), certificate.not_after());
        let threshold = (self.renewal_relative_time + 0.05).min(0.99);
        now >= start + (end - start) * threshold && now < end
    }
}

/// The CSR entries in a requirer databag (`certificate_signing_requests`).
pub fn csrs(bag: &Bag) -> Result<Vec<RequirerCsr>, Error> {
    load_csrs(bag)
}

/// The write that stores `csrs` as the library does (`json.dumps` of the entries; the key
/// is deleted when the list is empty).
pub fn csrs_writes(csrs: &[RequirerCsr]) -> BagWrites {
    dump_csrs(csrs)
}

fn chain(entry: &ProviderCertificate) -> Vec<Certificate> {
    entry
        .chain
        .iter()
        .flatten()
        .filter_map(|p| Certificate::from_pem(p).ok())
        .collect()
}

fn unit_number(unit_name: &str) -> &str {
    unit_name.rsplit('/').next().unwrap_or(unit_name)
}

pub(crate) fn apply(mut bag: Bag, writes: &BagWrites) -> Bag {
    for (k, v) in writes {
        match v {
            Some(v) => bag.insert(k.clone(), v.clone()),
            None => bag.remove(k),
        };
    }
    bag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CertificateAuthority, KeyAlgorithm};
    use time::Duration;

    fn requirer(name: &str) -> Requirer {
        Requirer::new(
            "certificates",
            vec![CertificateRequestAttributes::new(name).with_dns(name)],
        )
    }

    #[test]
    fn sends_one_csr_then_nothing_until_the_request_or_key_changes() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let r = requirer("blog-0");
        let writes = r.reconcile(&Bag::new(), &key).unwrap();
        let bag = apply(Bag::new(), &writes);
        let entries = csrs(&bag).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            bag["certificate_signing_requests"],
            format!(
                r#"[{{"certificate_signing_request": "{}", "ca": false}}]"#,
                entries[0].certificate_signing_request.replace('\n', "\\n")
            ),
            "json.dumps of the library's model"
        );
        assert!(r.reconcile(&bag, &key).unwrap().is_empty());

        // Other names: the old CSR goes, a new one comes.
        let renamed = requirer("blog-9");
        let after = apply(bag.clone(), &renamed.reconcile(&bag, &key).unwrap());
        let csr = CertificateSigningRequest::from_pem(
            &csrs(&after).unwrap()[0].certificate_signing_request,
        )
        .unwrap();
        assert_eq!(csr.common_name().as_deref(), Some("blog-9"));
        assert_eq!(csrs(&after).unwrap().len(), 1);

        // Another key: likewise.
        let key2 = PrivateKey::generate(KeyAlgorithm::EcdsaP384).unwrap();
        let after = apply(bag.clone(), &r.reconcile(&bag, &key2).unwrap());
        let csr = CertificateSigningRequest::from_pem(
            &csrs(&after).unwrap()[0].certificate_signing_request,
        )
        .unwrap();
        assert!(csr.matches_private_key(&key2));

        // No request at all: the key goes.
        let none = Requirer::new("certificates", vec![]);
        assert_eq!(
            none.reconcile(&bag, &key).unwrap()["certificate_signing_requests"],
            None
        );
    }

    #[test]
    fn takes_its_certificate_and_knows_when_to_renew() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let r = requirer("blog-1");
        let own = apply(Bag::new(), &r.reconcile(&Bag::new(), &key).unwrap());
        let csr = CertificateSigningRequest::from_pem(
            &csrs(&own).unwrap()[0].certificate_signing_request,
        )
        .unwrap();
        let ca = CertificateAuthority::generate("minica", Duration::days(365)).unwrap();
        let cert = ca.sign(&csr, Duration::days(100), false).unwrap();
        let provider_bag = apply(
            Bag::new(),
            &crate::provider::set_certificate(
                &Bag::new(),
                ProviderCertificate::new(&cert, &csr, ca.certificate()),
            )
            .unwrap(),
        );
        let published = r.published("blog/1", &own, &provider_bag, &key).unwrap();
        assert_eq!(published.available.len(), 1);
        assert_eq!(published.available[0].certificate, cert);
        assert!(published.available[0]
            .secret_label
            .starts_with(&format!("{LIBID}-certificate-1-certificates-")));

        let issued = cert.not_before();
        assert!(!r.needs_renewal(&cert, issued + Duration::days(94)));
        assert!(r.needs_renewal(&cert, issued + Duration::days(96)));
        assert!(
            !r.needs_renewal(&cert, issued + Duration::days(101)),
            "expired: too late to renew"
        );
        let renew_at = r.renewal_time(&cert, issued);
        assert!((renew_at - (issued + Duration::days(90))).abs() < Duration::seconds(2));

        // Renewing replaces the CSR with a new one for the same names.
        let renewed = apply(own.clone(), &r.renew(&own, &key, &csr).unwrap());
        let new = CertificateSigningRequest::from_pem(
            &csrs(&renewed).unwrap()[0].certificate_signing_request,
        )
        .unwrap();
        assert_ne!(new, csr);
        assert_eq!(new.common_name().as_deref(), Some("blog-1"));
        assert!(r
            .published("blog/1", &renewed, &provider_bag, &key)
            .unwrap()
            .available
            .is_empty());
    }

    #[test]
    fn labels() {
        let r = requirer("x");
        assert_eq!(
            r.private_key_label("blog/12"),
            format!("{LIBID}-private-key-12-certificates")
        );
        assert!(Requirer::is_certificate_label(&format!(
            "{LIBID}-certificate-3-certificates-ab"
        )));
        assert!(!Requirer::is_certificate_label("ca"));
    }
}
