//! What the `tls-certificates` tests read: a CA's certificate (its `get-ca-certificate`
//! action), the certificates a provider published, `openssl verify` on a unit's files.

use std::process::Command;

use cargo_charm::sim::Model;
use charm_tls_certificates::Certificate;
use serde_json::{json, Value};

/// The CA certificate (PEM), from the CA's `get-ca-certificate` action.
pub fn ca_certificate_pem(m: &mut Model, unit: &str) -> String {
    let out = m.run_action(unit, "get-ca-certificate", json!({})).unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    out.results["ca-certificate"]
        .as_str()
        .unwrap_or_else(|| panic!("no ca-certificate in {:?}", out.results))
        .to_string()
}

/// The CA certificate, from the CA's `get-ca-certificate` action.
pub fn ca_certificate(m: &mut Model, unit: &str) -> Certificate {
    Certificate::from_pem(&ca_certificate_pem(m, unit)).unwrap()
}

/// The certificates `app`, a provider, published on `rel` (its `certificates` list).
pub fn published_certificates(m: &Model, rel: u32, app: &str) -> Vec<Value> {
    let bag = m.relation_data(rel, app).unwrap();
    bag.get("certificates")
        .map(|c| serde_json::from_str::<Vec<Value>>(c).unwrap())
        .unwrap_or_default()
}

/// `openssl verify -CAfile <ca> <certificate>` in `unit`'s charm directory says OK, where
/// openssl is installed (else a note: the caller's other checks stand alone).
pub fn assert_openssl_verifies(m: &Model, unit: &str, ca: &str, certificate: &str) {
    let dir = m.unit_dir(unit).unwrap();
    match Command::new("openssl")
        .args(["verify", "-CAfile", ca, certificate])
        .current_dir(&dir)
        .output()
    {
        Ok(out) => assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{certificate}: OK"),
            "{unit}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("openssl not run ({e}); {unit}'s {certificate} not verified by it"),
    }
}
