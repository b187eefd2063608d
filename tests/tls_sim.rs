//! `tls-certificates` v4 in the simulator, across languages: `minica` (Rust, the
//! `CertificatesProvides` component) signing for Canonical's Python requirer
//! (`tests/python-charms/tls-requirer`, the PyPI library unmodified), and the Rust requirer
//! fixture (`tls-requirer-rs`, the `CertificatesRequires` component) getting its
//! certificate from Canonical's Python CA (`tests/python-charms/tls-provider`) and from
//! minica; and blog, which requires a database too, with minipg and minica (all Rust) and
//! with Canonical's Python v0 provider and CA. Certificates are checked with x509-parser
//! (through `charm-tls-certificates`) and, where it is installed, `openssl verify`.
//!
//! The Python side needs `ops` and the library from PyPI (cached under `target/`): those
//! tests skip, saying why, when `python3` is absent or PyPI is unreachable with nothing
//! cached.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cargo_charm::sim::Model;
use charm_tests::postgresql::expected_blog_conf;
use charm_tests::tls::{assert_openssl_verifies, ca_certificate, published_certificates};
use charm_tests::{
    assert_event_logged, deploy, ecosystem_examples, interface_python_charms, lay_out_charm, model,
    or_skip, scratch_dir, settle_cleanly, slug, unit_file, unit_status,
};
use charm_tls_certificates::{Certificate, PrivateKey};

/// The Rust requirer fixture, laid out once per process.
fn rust_requirer() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("tls-requirer-rs");
        lay_out_charm(
            Path::new(env!("CARGO_BIN_EXE_tls-requirer-rs")),
            &dir.join("tls-requirer-rs"),
        );
        dir.join("tls-requirer-rs")
    })
}

/// `unit`'s `<stem>.crt` is for its name (common name and DNS SAN), signed by `ca`, valid
/// today, for its key (`<stem>.key`, mode 0600), next to `ca` in `<stem>-ca.crt`; and
/// `openssl verify` agrees.
fn assert_holds_certificate(m: &Model, unit: &str, ca: &Certificate, stem: &str) {
    let [crt, ca_crt, key_file] = [".crt", "-ca.crt", ".key"].map(|end| format!("{stem}{end}"));
    let name = slug(unit);
    let certificate = Certificate::from_pem(&unit_file(m, unit, &crt)).unwrap();
    assert_eq!(certificate.common_name().as_deref(), Some(name.as_str()));
    assert!(certificate.sans().0.contains(&name), "{unit}");
    assert!(certificate.is_signed_by(ca), "{unit}: not signed by the CA");
    let now = time::OffsetDateTime::now_utc();
    assert!(certificate.not_before() <= now && now < certificate.not_after());
    assert_eq!(
        &Certificate::from_pem(&unit_file(m, unit, &ca_crt)).unwrap(),
        ca
    );
    let pem = unit_file(m, unit, &key_file);
    let key = PrivateKey::from_pem(&pem)
        .or_else(|_| openssl_pkcs8(&pem))
        .unwrap();
    assert!(certificate.matches_private_key(&key), "{unit}: another key");
    let mode = std::fs::metadata(m.unit_dir(unit).unwrap().join(&key_file))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{unit}: {key_file} mode {mode:o}");
    assert_openssl_verifies(m, unit, &ca_crt, &crt);
}

/// The Python library writes `BEGIN RSA/EC PRIVATE KEY`; rcgen reads PKCS#8 only:
/// converted with `openssl pkcs8` when it is installed.
fn openssl_pkcs8(pem: &str) -> Result<PrivateKey, String> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["pkcs8", "-topk8", "-nocrypt"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("openssl not run: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    PrivateKey::from_pem(&String::from_utf8_lossy(&out.stdout)).map_err(|e| e.to_string())
}

/// A requirer `unit` was told of its certificate (`certificate_available <its name>`),
/// holds it in `tls.crt`, ... (see [`assert_holds_certificate`]), and is active.
fn assert_certificate_ready(m: &Model, unit: &str, ca: &Certificate) {
    assert_eq!(unit_status(m, unit), "active: certificate ready");
    assert_event_logged(m, unit, &format!("certificate_available {}", slug(unit)));
    assert_holds_certificate(m, unit, ca, "tls");
}

#[test]
fn minica_signs_for_the_python_requirer() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("minica-python");
    deploy(&mut m, "minica", ecosystem_examples().dir("minica"), 1);
    deploy(&mut m, "tls-requirer", charms.join("tls-requirer"), 2);
    let rel = m
        .integrate("tls-requirer:certificates", "minica:certificates")
        .unwrap();
    settle_cleanly(&mut m);

    assert_eq!(unit_status(&m, "minica/0"), "active: 2 certificates issued");
    let ca = ca_certificate(&mut m, "minica/0");
    assert_eq!(ca.common_name().as_deref(), Some("minica"));
    let secret = m.secret("ca").unwrap();
    assert_eq!(secret.owner, "minica");
    for unit in ["tls-requirer/0", "tls-requirer/1"] {
        assert_certificate_ready(&m, unit, &ca);
    }
    assert_eq!(published_certificates(&m, rel, "minica").len(), 2);

    // A unit goes: minica withdraws its certificate when the unit departs.
    m.remove_unit("tls-requirer/1").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(published_certificates(&m, rel, "minica").len(), 1);
    assert_eq!(unit_status(&m, "minica/0"), "active: 1 certificates issued");
}

#[test]
fn the_rust_requirer_gets_its_certificate_from_the_python_ca() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("python-ca-rust");
    deploy(&mut m, "tls-provider", charms.join("tls-provider"), 1);
    deploy(&mut m, "tls-requirer-rs", rust_requirer(), 2);
    let rel = m
        .integrate("tls-requirer-rs:certificates", "tls-provider:certificates")
        .unwrap();
    settle_cleanly(&mut m);

    assert_eq!(
        unit_status(&m, "tls-provider/0"),
        "active: 2 certificates issued"
    );
    let ca = ca_certificate(&mut m, "tls-provider/0");
    for unit in ["tls-requirer-rs/0", "tls-requirer-rs/1"] {
        assert_certificate_ready(&m, unit, &ca);
        // The key is in a unit-owned secret, labelled as the Python library labels it.
        let n = unit.rsplit('/').next().unwrap();
        let label = format!(
            "{}-private-key-{n}-certificates",
            charm_tls_certificates::LIBID
        );
        let secret = m.secret(&label).unwrap();
        assert_eq!(secret.owner, unit);
        let key = PrivateKey::from_pem(&secret.content()["private-key"]).unwrap();
        assert_eq!(key.to_pem().trim(), unit_file(&m, unit, "tls.key").trim());
    }

    // The relation goes: the files and the key go.
    m.remove_relation(rel).unwrap();
    settle_cleanly(&mut m);
    for unit in ["tls-requirer-rs/0", "tls-requirer-rs/1"] {
        assert_eq!(
            unit_status(&m, unit),
            "blocked: missing certificates relation"
        );
        assert_no_files(&m, unit, &["tls.crt", "tls-ca.crt", "tls.key"]);
    }
}

#[test]
fn the_rust_requirer_gets_its_certificate_from_minica() {
    let mut m = model("minica-rust");
    deploy(&mut m, "minica", ecosystem_examples().dir("minica"), 1);
    deploy(&mut m, "tls-requirer-rs", rust_requirer(), 1);
    m.integrate("tls-requirer-rs:certificates", "minica:certificates")
        .unwrap();
    settle_cleanly(&mut m);
    assert_eq!(unit_status(&m, "minica/0"), "active: 1 certificates issued");
    let ca = ca_certificate(&mut m, "minica/0");
    assert_certificate_ready(&m, "tls-requirer-rs/0", &ca);
}

/// blog's TLS files, there with a certificate, gone with the `certificates` relation.
const BLOG_TLS_FILES: [&str; 3] = ["blog.crt", "blog-ca.crt", "blog.key"];

/// None of `names` is in `unit`'s charm directory.
fn assert_no_files(m: &Model, unit: &str, names: &[&str]) {
    for name in names {
        assert_eq!(m.read_unit_file(unit, name).unwrap(), None, "{unit} {name}");
    }
}

/// Each blog unit is active `ready (tls)` with the credentials `provider` published on `db`
/// in `blog.conf` and a certificate for its name signed by `ca` in `blog.crt` (which
/// `openssl verify -CAfile blog-ca.crt blog.crt` accepts).
fn assert_blog_ready_with_tls(m: &Model, db: u32, provider: &str, ca: &Certificate) {
    let conf = expected_blog_conf(m, db, provider, true);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(m, unit), "active: ready (tls)");
        assert_eq!(unit_file(m, unit, "blog.conf"), conf, "{unit}");
        assert_holds_certificate(m, unit, ca, "blog");
    }
}

/// blog×2 with Canonical's Python v0 provider and Python CA (`tests/python-charms`):
/// ready with TLS, each unit's certificate for its name and signed by that CA; both
/// relations removed: no hook fails, blog is blocked and its files are gone.
#[test]
fn blog_with_the_python_v0_provider_and_the_python_ca_is_ready_with_tls() {
    let Some(charms) = or_skip(interface_python_charms()) else {
        return;
    };
    let mut m = model("blog-python-v0-ca");
    for app in ["pg-provider-v0", "tls-provider"] {
        deploy(&mut m, app, charms.join(app), 1);
    }
    deploy(&mut m, "blog", ecosystem_examples().dir("blog"), 2);
    let db = m
        .integrate("blog:database", "pg-provider-v0:database")
        .unwrap();
    let certs = m
        .integrate("blog:certificates", "tls-provider:certificates")
        .unwrap();
    settle_cleanly(&mut m);
    assert_eq!(
        unit_status(&m, "tls-provider/0"),
        "active: 2 certificates issued"
    );
    assert_eq!(
        unit_status(&m, "pg-provider-v0/0"),
        "active: serving 1 databases"
    );
    let ca = ca_certificate(&mut m, "tls-provider/0");
    assert_blog_ready_with_tls(&m, db, "pg-provider-v0", &ca);

    m.remove_relation(certs).unwrap();
    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "blocked: missing database relation");
        assert_no_files(&m, unit, &BLOG_TLS_FILES);
        assert_no_files(&m, unit, &["blog.conf"]);
    }
}

/// The three Rust ecosystem charms together: blog×2 gets its database from minipg and a
/// certificate per unit from minica; active `ready (tls)`, `blog.crt` for the unit, signed
/// by minica's CA; the `certificates` relation removed: files gone, `tls = off`; the
/// `database` relation removed: no hook fails, blog blocked, minipg's secrets gone.
#[test]
fn blog_with_minipg_and_minica_is_ready_with_tls() {
    let mut m = model("blog-minipg-minica");
    for (app, units) in [("minipg", 1), ("minica", 1), ("blog", 2)] {
        deploy(&mut m, app, ecosystem_examples().dir(app), units);
    }
    let db = m.integrate("blog:database", "minipg:database").unwrap();
    let certs = m
        .integrate("blog:certificates", "minica:certificates")
        .unwrap();
    settle_cleanly(&mut m);
    assert_eq!(unit_status(&m, "minica/0"), "active: 2 certificates issued");
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 1 databases");
    let ca = ca_certificate(&mut m, "minica/0");
    assert_blog_ready_with_tls(&m, db, "minipg", &ca);

    m.remove_relation(certs).unwrap();
    settle_cleanly(&mut m);
    let conf = expected_blog_conf(&m, db, "minipg", false);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "active: ready");
        assert_eq!(unit_file(&m, unit, "blog.conf"), conf, "{unit}");
        assert_no_files(&m, unit, &BLOG_TLS_FILES);
    }

    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "blocked: missing database relation");
        assert_no_files(&m, unit, &["blog.conf"]);
    }
    assert!(
        m.secrets().iter().all(|s| s.owner != "minipg"),
        "{:?}",
        m.secrets()
    );
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 0 databases");
}
