//! The crate against databags recorded from Canonical's Python library
//! (`tests/fixtures/*.json`, written by `interfaces/generate-fixtures.sh`, which runs the
//! charms of `tests/python-charms` under `ops.testing`): Python's CSRs, certificates and
//! keys read here, and what Rust writes is what Python wrote, byte for byte.

use charm_tls_certificates::provider;
use charm_tls_certificates::requirer::{self, Requirer};
use charm_tls_certificates::{
    Bag, BagWrites, Certificate, CertificateAuthority, CertificateRequestAttributes,
    CertificateSigningRequest, Mode, PrivateKey, ProviderCertificate,
};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn bag(v: &Value) -> Bag {
    serde_json::from_value(v.clone()).unwrap()
}

fn apply(mut bag: Bag, writes: &BagWrites) -> Bag {
    for (k, v) in writes {
        match v {
            Some(v) => bag.insert(k.clone(), v.clone()),
            None => bag.remove(k),
        };
    }
    bag
}

fn unit_requirer() -> Requirer {
    let name = "tls-requirer-1";
    Requirer::new(
        "certificates",
        vec![CertificateRequestAttributes::new(name).with_dns(name)],
    )
}

#[test]
fn the_python_requirers_csr_reads_and_encodes_back_byte_for_byte() {
    let f = fixture("requirer-unit-csr");
    let own = bag(&f["unit-bag-after"]);
    let csrs = requirer::csrs(&own).unwrap();
    assert_eq!(csrs.len(), 1);
    assert_eq!(
        requirer::csrs_writes(&csrs)["certificate_signing_requests"].as_deref(),
        Some(own["certificate_signing_requests"].as_str())
    );
    let csr = CertificateSigningRequest::from_pem(&csrs[0].certificate_signing_request).unwrap();
    assert_eq!(
        csr.pem(),
        csrs[0].certificate_signing_request,
        "PEM written as the library writes it"
    );
    assert_eq!(csr.common_name().as_deref(), Some("tls-requirer-1"));
    assert!(csr.has_unique_identifier());
    assert_eq!(
        CertificateRequestAttributes::from_csr(&csr, false),
        unit_requirer().requests[0],
        "the library's request attributes"
    );

    // The key (converted to PKCS#8) is the CSR's; with it nothing needs to change.
    let key = PrivateKey::from_pem(f["pkcs8"].as_str().unwrap()).unwrap();
    assert!(csr.matches_private_key(&key));
    let r = unit_requirer();
    assert!(r.reconcile(&own, &key).unwrap().is_empty());
    assert_eq!(
        r.private_key_label("tls-requirer/1"),
        f["secrets-after"][0]["label"].as_str().unwrap()
    );
}

#[test]
fn app_mode_csr_and_key_label() {
    let f = fixture("requirer-app-csr");
    let own = bag(&f["app-bag-after"]);
    let key = PrivateKey::from_pem(f["pkcs8"].as_str().unwrap()).unwrap();
    let r = Requirer {
        mode: Mode::App,
        ..Requirer::new(
            "certificates",
            vec![CertificateRequestAttributes::new("blog.example.com")
                .with_dns("blog.example.com")
                .with_dns("blog")],
        )
    };
    assert!(r.reconcile(&own, &key).unwrap().is_empty());
    assert_eq!(
        r.private_key_label("blog/0"),
        f["secrets-after"][0]["label"].as_str().unwrap()
    );
}

#[test]
fn the_provider_publishes_what_the_python_provider_published() {
    let f = fixture("provider-certificate-issued");
    let unit = bag(&f["remote-unit-bag"]);
    let expected = bag(&f["app-bag-after"]);
    let requests = provider::requests([&unit], &Bag::new());
    assert_eq!(requests.len(), 1);
    assert_eq!(
        provider::outstanding(&requests, &Bag::new()).unwrap(),
        requests
    );

    let published = &provider::issued(&expected).unwrap()[0];
    let certificate = Certificate::from_pem(&published.certificate).unwrap();
    let ca = Certificate::from_pem(f["ca-certificate"].as_str().unwrap()).unwrap();
    assert!(certificate.is_signed_by(&ca) && ca.is_ca() && !certificate.is_ca());
    let entry = ProviderCertificate::new(&certificate, &requests[0].csr, &ca);
    let writes = provider::set_certificate(&Bag::new(), entry).unwrap();
    assert_eq!(apply(Bag::new(), &writes), expected, "byte for byte");
    assert!(provider::outstanding(&requests, &expected)
        .unwrap()
        .is_empty());
    assert!(provider::withdraw_unrequested(&expected, &requests)
        .unwrap()
        .is_empty());
}

#[test]
fn a_rust_ca_with_the_python_cas_key_signs_the_python_csr() {
    let f = fixture("provider-certificate-issued");
    let ca = CertificateAuthority::from_pem(
        f["ca-certificate"].as_str().unwrap(),
        f["ca-pkcs8"].as_str().unwrap(),
    )
    .unwrap();
    let requests = provider::requests([&bag(&f["remote-unit-bag"])], &Bag::new());
    let cert = ca
        .sign(&requests[0].csr, time::Duration::days(90), false)
        .unwrap();
    assert!(cert.is_signed_by(ca.certificate()));
    assert_eq!(cert.common_name().as_deref(), Some("tls-requirer-1"));
    assert_eq!(cert.sans().0, ["tls-requirer-1".to_string()].into());
    assert_eq!(cert.public_key_der(), requests[0].csr.public_key_der());
}

#[test]
fn the_requirer_takes_the_certificate_the_python_requirer_took() {
    let f = fixture("requirer-certificate-available");
    let key =
        PrivateKey::from_pem(fixture("requirer-unit-csr")["pkcs8"].as_str().unwrap()).unwrap();
    let published = unit_requirer()
        .published(
            "tls-requirer/1",
            &bag(&f["unit-bag-before"]),
            &bag(&f["remote-app-bag"]),
            &key,
        )
        .unwrap();
    assert_eq!(f["events"], serde_json::json!(["certificate_available"]));
    assert_eq!(published.available.len(), 1);
    let available = &published.available[0];
    let secret = f["secrets-after"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"].get("certificate").is_some())
        .unwrap();
    assert_eq!(available.secret_label, secret["label"].as_str().unwrap());
    assert_eq!(available.secret_content(), bag(&secret["content"]));
    assert_eq!(available.chain.len(), 2);
    assert!(published.revoked.is_empty() && published.denied.is_empty());

    // With another key (say, regenerated) the certificate is not this unit's.
    let other = PrivateKey::generate(Default::default()).unwrap();
    let r = unit_requirer();
    let none = r.published(
        "tls-requirer/1",
        &bag(&f["unit-bag-before"]),
        &bag(&f["remote-app-bag"]),
        &other,
    );
    assert!(none.unwrap().available.is_empty());
}

#[test]
fn a_certificate_whose_csr_left_is_withdrawn_as_python_does() {
    let f = fixture("provider-certificate-withdrawn");
    let before = bag(&f["app-bag-before"]);
    let writes = provider::withdraw_unrequested(&before, &[]).unwrap();
    assert_eq!(apply(before, &writes), bag(&f["app-bag-after"]));
}
