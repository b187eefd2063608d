//! The crates a charm author installs or depends on are publishable: `cargo package` of
//! charm-catalogue, juju-model, charm-macros, charm-pebble, charm-pebble-server, charm-runtime
//! and cargo-charm together (cargo packs them
//! into a temporary registry, so each verifies against the others as published) builds
//! every crate from its `.crate` file alone, without a warning, with complete metadata
//! and the versions pinned between them.
//!
//! Offline (the dependencies are this workspace's, already downloaded); into the shared
//! `target/cargo-charm-e2e`. `cargo publish --dry-run` with the same packages adds the
//! registry's checks (needs crates.io).

use std::path::{Path, PathBuf};
use std::process::Command;

const CRATES: [&str; 7] = [
    "charm-catalogue",
    "juju-model",
    "charm-macros",
    "charm-pebble",
    "charm-pebble-server",
    "charm-runtime",
    "cargo-charm",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Cargo verifies each package against the others through a temporary registry, and takes
/// a registry crate of the same version for the same crate: it reuses its unpacked sources
/// (`$CARGO_HOME/registry/src/-<hash>/<crate>-<version>`, only the temporary registries'
/// names start with `-`) and its compiled artifacts (fingerprints under `target`), so a
/// second run would verify against the first run's sources. Both are removed first.
fn forget_earlier_packages(target: &Path) {
    if let Ok(fingerprints) = std::fs::read_dir(target.join("debug/.fingerprint")) {
        for f in fingerprints.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            let package = name.rsplit_once('-').map_or(name.as_str(), |(p, _)| p);
            if CRATES.contains(&package) {
                let _ = std::fs::remove_dir_all(f.path());
            }
        }
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for c in CRATES {
            let _ = std::fs::remove_dir_all(registry.path().join(format!("{c}-0.1.0")));
        }
    }
}

#[test]
fn the_framework_crates_package_and_build_alone() {
    if !workspace_root().join("charm-runtime/Cargo.toml").is_file() {
        eprintln!("skipped: not in the charm-rs workspace (the published crate's tests)");
        return;
    }
    let target = workspace_root().join("target/cargo-charm-e2e");
    forget_earlier_packages(&target);
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root())
        .args(["package", "--offline", "--allow-dirty", "--target-dir"])
        .arg(&target)
        // The verification builds: line tables only, as in this workspace and in
        // `tests/outside.rs`, whose dependencies they share in that target directory.
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env_remove("RUSTFLAGS");
    for c in CRATES {
        cmd.args(["-p", c]);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    for c in CRATES {
        assert!(
            stderr.contains(&format!("Verifying {c} v0.1.0")),
            "{stderr}"
        );
        let dir = target.join(format!("package/{c}-0.1.0"));
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        for key in [
            "description = ",
            "license = \"Apache-2.0\"",
            "readme = \"README.md\"",
            "keywords = [",
            "categories = [",
            "documentation = \"https://docs.rs/",
            "rust-version = ",
        ] {
            assert!(manifest.contains(key), "{c}: no `{key}`:\n{manifest}");
        }
        // No placeholder: what is not known is left out.
        assert!(!manifest.contains("repository"), "{c}:\n{manifest}");
        assert!(dir.join("README.md").is_file(), "{c} packs no README.md");
    }
    // charm-runtime pins the macros exactly: their expansion names the runtime's items.
    let runtime =
        std::fs::read_to_string(target.join("package/charm-runtime-0.1.0/Cargo.toml")).unwrap();
    assert!(
        runtime.contains("[dependencies.charm-macros]\nversion = \"=0.1.0\"\n"),
        "{runtime}"
    );
    assert!(
        runtime.contains("[dependencies.charm-pebble]\nversion = \"0.1.0\"\n"),
        "{runtime}"
    );
}
