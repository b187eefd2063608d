//! `ops.pebble.Client` from ops 3.9 (from PyPI, unchanged) against the server:
//! layers, services, files, exec, checks, notices. ops is installed into
//! `target/pebble-server-ops/` on first run; the test skips, saying why, when
//! PyPI cannot be reached.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use charm_pebble_server::{PebbleServer, ServerConfig};

/// ops' version the interop is checked against.
const OPS: &str = "ops==3.9.0";

fn target_dir() -> PathBuf {
    // CARGO_TARGET_DIR or the workspace's target/.
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The site-packages dir with ops, installing it if needed; `Err` says why not.
fn ops_site() -> Result<PathBuf, String> {
    let dir = target_dir()
        .join("pebble-server-ops")
        .join(OPS.replace("==", "-"));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--target",
        ])
        .arg(&dir)
        .arg(OPS)
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .output()
        .map_err(|e| format!("cannot run python3 -m pip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pip could not install {OPS} (PyPI unreachable?): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ));
    }
    std::fs::write(dir.join(".complete"), OPS).map_err(|e| e.to_string())?;
    Ok(dir)
}

#[test]
fn ops_pebble_client_works_unchanged() {
    let site = match ops_site() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("SKIPPED ops_pebble_client_works_unchanged: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        okay_delay: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let server = PebbleServer::start_with(
        dir.path().join("root"),
        dir.path().join("pebble.socket"),
        config,
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops/client_script.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(server.socket_path())
        .env("PYTHONPATH", &site)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ops client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    server.shutdown();
}
