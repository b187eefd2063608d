//! The real-Juju suite `tests/integration/` (Python, jubilant) where there is no Juju
//! controller, as in CI: `tests/integration/run.sh` installs its pinned requirements into
//! `target/venv-integration` and runs it with a `juju` on `PATH` that has no controller.
//! Every test that deploys is skipped, with that reason, not failed; the suite's own
//! plumbing (packing, finding a controller: `test_suite_helpers.py`) passes. So the suite
//! stays runnable while no one runs it against Juju.
//!
//! Skipped, with the reason, without `python3` or when PyPI cannot be reached.

use std::process::Command;

use charm_tests::{python3, scratch_dir, workspace_root};

#[test]
fn the_juju_suite_skips_without_a_controller_and_its_helpers_pass() {
    if python3().is_none() {
        eprintln!("SKIPPED: python3 not found; the integration suite is Python");
        return;
    }
    // A `juju` with no controller, in front of any real one: this test never deploys.
    let bin = scratch_dir("no-controller");
    let juju = bin.join("juju");
    std::fs::write(
        &juju,
        "#!/bin/sh\necho 'ERROR No controllers registered.' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&juju, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(workspace_root().join("tests/integration/run.sh"))
        .args(["-q", "-rs"])
        .env("PATH", path)
        .env_remove("CHARM_RS_SKIP_JUJU")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        eprintln!("SKIPPED: {}", stderr.trim());
        return;
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed, ") && summary.contains(" skipped in "),
        "{stdout}"
    );
    assert!(
        !summary.contains("failed") && !summary.contains("error"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "tests/integration/test_examples.py: no Juju controller reachable: `juju show-controller` says ERROR No controllers registered."
        ),
        "{stdout}"
    );
}
