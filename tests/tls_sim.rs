//! `tls-certificates` v4 in the simulator, across languages: `minica` (Rust, the
//! `CertificatesProvides` component) signing for Canonical's Python requirer
//! (`tests/python-charms/tls-requirer`, the PyPI library unmodified), and the Rust requirer
//! fixture (`tls-requirer-rs`, the `CertificatesRequires` component) getting its
//! certificate from Canonical's Python CA (`tests/python-charms/tls-provider`) and from
//! minica; and blog with minipg and minica, all Rust. Certificates are checked with
//! x509-parser (through `charm-tls-certificates`) and, where it is installed,
//! `openssl verify`.
//!
//! The Python side needs `ops` and the library from PyPI (cached under `target/`): those
//! tests skip, saying why, when `python3` is absent or PyPI is unreachable with nothing
//! cached.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cargo_charm::sim::{Config, Model};
use charm_tests::spec::assert_settled_cleanly;
use charm_tests::{
    ecosystem_examples, interface_python_charms, lay_out_charm, model, scratch_dir, unit_file,
    unit_status,
};
use charm_tls_certificates::{Certificate, PrivateKey};
use serde_json::{json, Value};

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

/// The CA certificate, from the CA's `get-ca-certificate` action.
fn ca_certificate(m: &mut Model, unit: &str) -> Certificate {
    let out = m.run_action(unit, "get-ca-certificate", json!({})).unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    Certificate::from_pem(out.results["ca-certificate"].as_str().unwrap()).unwrap()
}

/// `unit`'s `tls.crt` is for its name, signed by `ca`, valid today, for its key
/// (`tls.key`, mode 0600), next to `ca` in `tls-ca.crt`; and `openssl verify` agrees.
fn assert_holds_certificate(m: &Model, unit: &str, ca: &Certificate) {
    let name = unit.replace('/', "-");
    let certificate = Certificate::from_pem(&unit_file(m, unit, "tls.crt")).unwrap();
    assert_eq!(certificate.common_name().as_deref(), Some(name.as_str()));
    assert!(certificate.sans().0.contains(&name), "{unit}");
    assert!(certificate.is_signed_by(ca), "{unit}: not signed by the CA");
    let now = time::OffsetDateTime::now_utc();
    assert!(certificate.not_before() <= now && now < certificate.not_after());
    assert_eq!(
        &Certificate::from_pem(&unit_file(m, unit, "tls-ca.crt")).unwrap(),
        ca
    );
    let key = PrivateKey::from_pem(&unit_file(m, unit, "tls.key"))
        .or_else(|_| openssl_pkcs8(&unit_file(m, unit, "tls.key")))
        .unwrap();
    assert!(certificate.matches_private_key(&key), "{unit}: another key");
    let dir = m.unit_dir(unit).unwrap();
    let mode = std::fs::metadata(dir.join("tls.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{unit}: tls.key mode {mode:o}");
    match Command::new("openssl")
        .args(["verify", "-CAfile", "tls-ca.crt", "tls.crt"])
        .current_dir(&dir)
        .output()
    {
        Ok(out) => assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "tls.crt: OK",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("openssl not run ({e}); checked with x509-parser only"),
    }
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

fn published(m: &Model, rel: u32, app: &str) -> Vec<Value> {
    let bag = m.relation_data(rel, app).unwrap();
    bag.get("certificates")
        .map(|c| serde_json::from_str::<Vec<Value>>(c).unwrap())
        .unwrap_or_default()
}

#[test]
fn minica_signs_for_the_python_requirer() {
    let charms = match interface_python_charms() {
        Ok(c) => c,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let mut m = model("minica-python");
    m.deploy(
        "minica",
        ecosystem_examples().dir("minica"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy(
        "tls-requirer",
        charms.join("tls-requirer"),
        2,
        Config::new(),
    )
    .unwrap();
    let rel = m
        .integrate("tls-requirer:certificates", "minica:certificates")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);

    assert_eq!(unit_status(&m, "minica/0"), "active: 2 certificates issued");
    let ca = ca_certificate(&mut m, "minica/0");
    assert_eq!(ca.common_name().as_deref(), Some("minica"));
    let secret = m.secret("ca").unwrap();
    assert_eq!(secret.owner, "minica");
    for unit in ["tls-requirer/0", "tls-requirer/1"] {
        assert_eq!(unit_status(&m, unit), "active: certificate ready");
        let slug = unit.replace('/', "-");
        assert!(
            unit_file(&m, unit, "events.log").contains(&format!("certificate_available {slug}\n"))
        );
        assert_holds_certificate(&m, unit, &ca);
    }
    assert_eq!(published(&m, rel, "minica").len(), 2);

    // A unit goes: minica withdraws its certificate when the unit departs.
    m.remove_unit("tls-requirer/1").unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    assert_eq!(published(&m, rel, "minica").len(), 1);
    assert_eq!(unit_status(&m, "minica/0"), "active: 1 certificates issued");
}

#[test]
fn the_rust_requirer_gets_its_certificate_from_the_python_ca() {
    let charms = match interface_python_charms() {
        Ok(c) => c,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let mut m = model("python-ca-rust");
    m.deploy(
        "tls-provider",
        charms.join("tls-provider"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy("tls-requirer-rs", rust_requirer(), 2, Config::new())
        .unwrap();
    let rel = m
        .integrate("tls-requirer-rs:certificates", "tls-provider:certificates")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);

    assert_eq!(
        unit_status(&m, "tls-provider/0"),
        "active: 2 certificates issued"
    );
    let ca = ca_certificate(&mut m, "tls-provider/0");
    for unit in ["tls-requirer-rs/0", "tls-requirer-rs/1"] {
        assert_eq!(unit_status(&m, unit), "active: certificate ready");
        let slug = unit.replace('/', "-");
        assert!(
            unit_file(&m, unit, "events.log").contains(&format!("certificate_available {slug}\n"))
        );
        assert_holds_certificate(&m, unit, &ca);
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
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    for unit in ["tls-requirer-rs/0", "tls-requirer-rs/1"] {
        assert_eq!(
            unit_status(&m, unit),
            "blocked: missing certificates relation"
        );
        for name in ["tls.crt", "tls-ca.crt", "tls.key"] {
            assert_eq!(m.read_unit_file(unit, name).unwrap(), None, "{unit} {name}");
        }
    }
}

#[test]
fn the_rust_requirer_gets_its_certificate_from_minica() {
    let mut m = model("minica-rust");
    m.deploy(
        "minica",
        ecosystem_examples().dir("minica"),
        1,
        Config::new(),
    )
    .unwrap();
    m.deploy("tls-requirer-rs", rust_requirer(), 1, Config::new())
        .unwrap();
    m.integrate("tls-requirer-rs:certificates", "minica:certificates")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    assert_eq!(unit_status(&m, "minica/0"), "active: 1 certificates issued");
    assert_eq!(
        unit_status(&m, "tls-requirer-rs/0"),
        "active: certificate ready"
    );
    let ca = ca_certificate(&mut m, "minica/0");
    assert_holds_certificate(&m, "tls-requirer-rs/0", &ca);
}

/// The three Rust ecosystem charms together: blog×2 gets its database from minipg and a
/// certificate per unit from minica; active `ready (tls)`, `blog.crt` for the unit, signed
/// by minica's CA; the `certificates` relation removed: files gone, `tls = off`.
#[test]
fn blog_with_minipg_and_minica_is_ready_with_tls() {
    let mut m = model("blog-minipg-minica");
    for (app, units) in [("minipg", 1), ("minica", 1), ("blog", 2)] {
        m.deploy(app, ecosystem_examples().dir(app), units, Config::new())
            .unwrap();
    }
    m.integrate("blog:database", "minipg:database").unwrap();
    let certs = m
        .integrate("blog:certificates", "minica:certificates")
        .unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    assert_eq!(unit_status(&m, "minica/0"), "active: 2 certificates issued");
    assert_eq!(unit_status(&m, "minipg/0"), "active: serving 1 databases");
    let ca = ca_certificate(&mut m, "minica/0");
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "active: ready (tls)");
        let conf = unit_file(&m, unit, "blog.conf");
        assert!(
            conf.starts_with("database-uri = postgresql://relation_id_"),
            "{conf}"
        );
        assert!(conf.ends_with("tls = on\n"), "{conf}");
        let certificate =
            Certificate::from_pem(unit_file(&m, unit, "blog.crt").trim_end()).unwrap();
        let name = unit.replace('/', "-");
        assert_eq!(certificate.common_name().as_deref(), Some(name.as_str()));
        assert!(
            certificate.is_signed_by(&ca),
            "{unit}: not signed by minica"
        );
        let key = PrivateKey::from_pem(unit_file(&m, unit, "blog.key").trim_end()).unwrap();
        assert!(certificate.matches_private_key(&key), "{unit}: not its key");
        assert_eq!(
            Certificate::from_pem(unit_file(&m, unit, "blog-ca.crt").trim_end()).unwrap(),
            ca
        );
    }

    m.remove_relation(certs).unwrap();
    m.settle().unwrap();
    assert_settled_cleanly(&m);
    for unit in ["blog/0", "blog/1"] {
        assert_eq!(unit_status(&m, unit), "active: ready");
        assert!(unit_file(&m, unit, "blog.conf").ends_with("tls = off\n"));
        for name in ["blog.crt", "blog-ca.crt", "blog.key"] {
            assert_eq!(m.read_unit_file(unit, name).unwrap(), None, "{unit} {name}");
        }
    }
}
