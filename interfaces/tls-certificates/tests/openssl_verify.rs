//! A CSR made by the Rust requirer, signed by the Rust CA: `openssl verify` accepts the
//! certificate against the CA, and it carries the names asked for.

use std::process::Command;

use charm_tls_certificates::{
    CertificateAuthority, CertificateRequestAttributes, KeyAlgorithm, PrivateKey,
};

#[test]
fn openssl_verifies_a_rust_certificate_against_the_rust_ca() {
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = CertificateRequestAttributes::new("blog-1")
        .with_dns("blog-1")
        .generate_csr(&key)
        .unwrap();
    let ca = CertificateAuthority::generate("minica", time::Duration::days(365)).unwrap();
    let cert = ca.sign(&csr, time::Duration::days(90), false).unwrap();
    // Checked in Rust whether or not openssl is here.
    assert!(cert.is_signed_by(ca.certificate()));
    assert!(cert.matches_private_key(&key) && !cert.is_ca() && ca.certificate().is_ca());

    let dir = tempdir();
    std::fs::write(dir.join("ca.crt"), format!("{}\n", ca.certificate().pem())).unwrap();
    std::fs::write(dir.join("blog.crt"), format!("{}\n", cert.pem())).unwrap();
    let out = match Command::new("openssl")
        .args(["verify", "-CAfile", "ca.crt", "blog.crt"])
        .current_dir(&dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("SKIPPED the openssl half: cannot run `openssl`: {e} (the signature was checked with x509-parser)");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "openssl verify: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "blog.crt: OK");
    let text = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-subject",
            "-ext",
            "subjectAltName,basicConstraints",
            "-in",
            "blog.crt",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("CN=blog-1") || text.contains("CN = blog-1"),
        "{text}"
    );
    assert!(text.contains("DNS:blog-1"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("charm-tls-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
