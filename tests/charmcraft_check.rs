//! The real charmcraft (4.5.0, from PyPI, via `scripts/charmcraft-check.sh`) accepts each
//! example's committed `charmcraft.yaml` and each example packed as a `.charm` (the debug
//! binary packed with `cargo_charm::build::pack_charm`: the archive layout is what
//! `cargo charm pack` writes, without the release build). Skipped, with a printed reason,
//! where `python3` is absent or where PyPI is unreachable and charmcraft not yet installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use charm_tests::{binaries, python3, run_needing_pypi, scratch_dir, workspace_root, EXAMPLES};

/// One check at a time: the first one installs charmcraft into `target/venv-charmcraft`.
static CHECK: Mutex<()> = Mutex::new(());

/// The script's output, or why it cannot run here (PyPI unreachable, nothing installed).
fn charmcraft_check(paths: &[PathBuf]) -> Result<Output, String> {
    let _one_at_a_time = CHECK.lock().unwrap_or_else(|e| e.into_inner());
    let mut check = Command::new("bash");
    check
        .arg(workspace_root().join("scripts/charmcraft-check.sh"))
        .args(paths)
        .current_dir(workspace_root());
    run_needing_pypi(check)
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn charmcraft_accepts_the_examples_yaml_and_packed_charms() {
    if python3().is_none() {
        eprintln!("SKIPPED: python3 not found; charmcraft cannot run");
        return;
    }
    let out_dir = scratch_dir("packed");
    let bins = binaries();
    let mut paths = Vec::new();
    let mut charms = Vec::new();
    for name in EXAMPLES {
        paths.push(
            workspace_root()
                .join("examples")
                .join(name)
                .join("charmcraft.yaml"),
        );
        let yaml = cargo_charm::build::charmcraft_yaml_of(&bins[name]).unwrap();
        let packed = cargo_charm::build::pack_charm(&bins[name], &yaml, &out_dir).unwrap();
        assert_eq!(
            packed.path.file_name().unwrap().to_string_lossy(),
            format!("{name}_ubuntu@24.04-amd64.charm")
        );
        charms.push(packed.path);
    }
    paths.extend(charms.iter().cloned());
    let out = match charmcraft_check(&paths) {
        Ok(out) => out,
        Err(why) => return eprintln!("SKIPPED: {why}; charmcraft cannot run"),
    };
    let report = text(&out);
    assert!(out.status.success(), "charmcraft-check failed:\n{report}");
    for p in &paths {
        let line = report
            .lines()
            .find(|l| l.contains(&*p.to_string_lossy()))
            .unwrap_or_else(|| panic!("no result for {}:\n{report}", p.display()));
        assert!(line.starts_with("OK "), "{line}\n{report}");
    }
    for c in &charms {
        let line = report
            .lines()
            .find(|l| l.contains(&*c.to_string_lossy()))
            .unwrap();
        assert!(line.contains("lint ") && line.contains("ok"), "{line}");
    }
    assert!(
        report.contains("all 3 project file(s) and 3 charm(s) passed"),
        "{report}"
    );
}

#[test]
fn charmcraft_check_rejects_a_bad_charmcraft_yaml() {
    if python3().is_none() {
        eprintln!("SKIPPED: python3 not found; charmcraft cannot run");
        return;
    }
    // The check is not vacuous: an option of an unknown type fails.
    let dir = scratch_dir("bad-yaml");
    let good = std::fs::read_to_string(workspace_root().join("examples/database/charmcraft.yaml"))
        .unwrap();
    let bad = good.replace("type: int", "type: integer");
    assert_ne!(good, bad);
    let path = dir.join("charmcraft.yaml");
    std::fs::write(&path, bad).unwrap();
    let out = match charmcraft_check(std::slice::from_ref(&path)) {
        Ok(out) => out,
        Err(why) => return eprintln!("SKIPPED: {why}; charmcraft cannot run"),
    };
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!("FAIL  {}", Path::new(&path).display())),
        "{report}"
    );
}
