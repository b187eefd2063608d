//! The real charmcraft (4.5.0, from PyPI, installed by `scripts/charmcraft-check.sh` into
//! `target/venv-charmcraft`) against what charm-rs generates:
//!
//! - it accepts each example's committed `charmcraft.yaml` and each example packed as a
//!   `.charm` (`charmcraft analyse`), and the files in the packed charm are the ones
//!   charmcraft's own code mediates from that `charmcraft.yaml` (`tests/charmcraft/
//!   mediated.py`);
//! - craft-parts' `rust` plugin, run by craft-parts' lifecycle as `charmcraft pack` runs
//!   it (`tests/charmcraft/parts_build.py`), builds each example from a copy of the
//!   workspace laid out as charmcraft lays it out (a workspace member: `source` the
//!   workspace root, `rust-path` the member), and a crate made by `cargo charm new`
//!   outside the workspace (`source: .`), into a `dispatch` that answers as the charm.
//!
//! Skipped, with a printed reason, where `python3` is absent or where PyPI is unreachable
//! and charmcraft not yet installed. The plugin's release
//! builds share `target/cargo-charm-e2e` (kept between runs) with `cargo-charm`'s
//! outside-the-workspace test, and are unoptimised ([`UNOPTIMISED_RELEASE`]): the
//! plugin's commands and the `dispatch` they make are what is checked, and the
//! optimiser and the workspace's LTO would add minutes on 2 cores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use charm_tests::{
    binaries, cargo, python3, run_needing_pypi, scratch_dir, workspace_root, EXAMPLES,
};

/// One charmcraft run at a time: the first one installs charmcraft into
/// `target/venv-charmcraft`.
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

/// The Python of the charmcraft venv, installed (by checking `project`) if need be; or
/// why it cannot be installed here.
fn charmcraft_python(project: &Path) -> Result<PathBuf, String> {
    let out = charmcraft_check(&[project.join("charmcraft.yaml")])?;
    assert!(out.status.success(), "{}", text(&out));
    Ok(workspace_root().join("target/venv-charmcraft/bin/python"))
}

/// The release profile of the plugin's builds: no optimisation, no LTO (cargo's
/// `CARGO_PROFILE_RELEASE_*` variables override the workspace's `[profile.release]`).
const UNOPTIMISED_RELEASE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
];

/// The target directory the plugin's builds share.
fn shared_target() -> PathBuf {
    workspace_root().join("target/cargo-charm-e2e")
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
        let project = workspace_root().join("examples").join(name);
        paths.push(project.join("charmcraft.yaml"));
        let yaml = cargo_charm::charmcraft_yaml::charmcraft_yaml_in(&bins[name], &project).unwrap();
        assert_eq!(
            yaml,
            std::fs::read_to_string(project.join("charmcraft.yaml")).unwrap()
        );
        let platform = cargo_charm::pack::local_platform(&yaml).unwrap();
        let packed =
            cargo_charm::pack::pack_charm(&bins[name], &yaml, &platform, &out_dir).unwrap();
        assert_eq!(
            packed.path.file_name().unwrap().to_string_lossy(),
            format!("{name}_amd64.charm")
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
        report.contains(&format!(
            "all {n} project file(s) and {n} charm(s) passed",
            n = EXAMPLES.len()
        )),
        "{report}"
    );

    // The files in each charm are the ones charmcraft mediates from its charmcraft.yaml.
    let python = workspace_root().join("target/venv-charmcraft/bin/python");
    for (name, charm) in EXAMPLES.iter().zip(&charms) {
        let out = Command::new(&python)
            .arg(workspace_root().join("tests/charmcraft/mediated.py"))
            .arg(
                workspace_root()
                    .join("examples")
                    .join(name)
                    .join("charmcraft.yaml"),
            )
            .arg(charm)
            .output()
            .unwrap();
        let report = text(&out);
        assert!(out.status.success(), "{report}");
        assert!(
            report.starts_with(&format!("OK    {}: ", charm.display()))
                && report.contains("manifest.yaml, metadata.yaml"),
            "{report}"
        );
    }
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

/// Runs the `parts` of `project`'s charmcraft.yaml through craft-parts
/// (`tests/charmcraft/parts_build.py`), with `copy_from` copied first when given, and
/// checks the primed `dispatch`: an executable that prints the charm's charmcraft.yaml.
/// Returns the build script craft-parts ran (the rust plugin's commands).
fn parts_build(python: &Path, project: &Path, work: &Path, copy_from: Option<&Path>) -> String {
    let mut cmd = Command::new(python);
    cmd.arg(workspace_root().join("tests/charmcraft/parts_build.py"))
        .arg("--project")
        .arg(project)
        .arg("--work")
        .arg(work)
        .env("CARGO_TARGET_DIR", shared_target())
        .envs(UNOPTIMISED_RELEASE)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if let Some(root) = copy_from {
        cmd.arg("--copy-from").arg(root);
    }
    let started = std::time::Instant::now();
    let out = cmd.output().expect("run parts_build.py");
    eprintln!(
        "parts_build.py {}: {:.1} s",
        project.display(),
        started.elapsed().as_secs_f64()
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(
        out.stdout
            .rsplit(|b| *b == b'\n')
            .find(|l| !l.is_empty())
            .unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        report["build_packages"],
        serde_json::json!(["curl", "findutils", "gcc", "git", "pkg-config"])
    );
    let dispatch = Path::new(report["prime"].as_str().unwrap()).join("dispatch");
    let yaml = Command::new(&dispatch)
        .arg("charmcraft-yaml")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", dispatch.display()));
    assert!(yaml.status.success(), "{}", text(&yaml));
    let name = std::fs::read_to_string(
        copy_from
            .map(|r| r.join(project))
            .unwrap_or_else(|| project.to_path_buf())
            .join("charmcraft.yaml"),
    )
    .unwrap()
    .lines()
    .find(|l| l.starts_with("name: "))
    .unwrap()
    .to_string();
    assert!(
        String::from_utf8_lossy(&yaml.stdout).contains(&format!("\n{name}\n")),
        "{}",
        text(&yaml)
    );
    report["build_script"].as_str().unwrap().to_string()
}

#[test]
fn the_examples_build_with_charmcrafts_rust_plugin() {
    if python3().is_none() {
        eprintln!("SKIPPED: python3 not found; charmcraft cannot run");
        return;
    }
    let python = match charmcraft_python(&workspace_root().join("examples/webapp")) {
        Ok(python) => python,
        Err(why) => return eprintln!("SKIPPED: {why}; charmcraft cannot run"),
    };
    // One work directory for all of them, so the copies of charm-runtime are one path
    // and its build is reused.
    let work = workspace_root().join("target/tmp/charmcraft-parts/workspace");
    for name in EXAMPLES {
        let script = parts_build(
            &python,
            &Path::new("examples").join(name),
            &work,
            Some(&workspace_root()),
        );
        assert!(
            script.contains(&format!(
                "cargo install -f --locked --path \"examples/{name}\""
            )),
            "{script}"
        );
    }
}

#[test]
fn a_standalone_crate_builds_with_charmcrafts_rust_plugin() {
    if python3().is_none() {
        eprintln!("SKIPPED: python3 not found; charmcraft cannot run");
        return;
    }
    // `cargo charm new solo` outside the workspace, its charm-runtime patched to this
    // checkout's (`.cargo/config.toml` above the crate and above craft-parts' build
    // directory), its Cargo.lock (which `cargo install --locked` needs) with this
    // workspace's versions.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join(".cargo")).unwrap();
    std::fs::write(
        tmp.path().join(".cargo/config.toml"),
        format!(
            "[patch.crates-io]\ncharm-runtime = {{ path = {:?} }}\n",
            workspace_root().join("charm-runtime")
        ),
    )
    .unwrap();
    let solo = tmp.path().join("solo");
    let made =
        cargo_charm::new::create("solo", Some(&solo), None, cargo_charm::new::Vcs::None).unwrap();
    assert_eq!(made.workspace, None);
    std::fs::copy(workspace_root().join("Cargo.lock"), solo.join("Cargo.lock")).unwrap();
    let python = match charmcraft_python(&solo) {
        Ok(python) => python,
        Err(why) => return eprintln!("SKIPPED: {why}; charmcraft cannot run"),
    };
    let lock = Command::new(cargo())
        .args(["update", "--workspace", "--offline"])
        .current_dir(&solo)
        .output()
        .unwrap();
    assert!(lock.status.success(), "{}", text(&lock));

    let script = parts_build(&python, &solo, &tmp.path().join("craft"), None);
    assert!(
        script.contains("cargo install -f --locked --path \".\""),
        "{script}"
    );
}
