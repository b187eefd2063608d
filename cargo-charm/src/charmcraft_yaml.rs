//! `charmcraft.yaml`: asking a compiled charm for it, and `cargo charm yaml` (write it
//! next to each charm package, or check that the committed file is fresh).
//!
//! The output of `<binary> charmcraft-yaml` is the single source of `charmcraft.yaml`,
//! and of `metadata.yaml` / `config.yaml` / `actions.yaml` in a packed `.charm`.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{io_err, Error, Result};
use crate::workspace::Workspace;

/// How long a charm binary may take to print its `charmcraft.yaml`.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `<binary> charmcraft-yaml` outside any Juju environment and check that it prints
/// a YAML mapping with a `name`. The `parts` section is the one for a crate that is its
/// own workspace; [`charmcraft_yaml_in`] gives the one for the crate's real place.
pub fn charmcraft_yaml_of(binary: &Path) -> Result<String> {
    run(binary, None)
}

/// [`charmcraft_yaml_of`] for the crate in `package_dir`: the binary learns where its
/// crate is (`CARGO_MANIFEST_DIR`, as under `cargo run`), so the `parts` section builds
/// it there (a workspace member is built from the workspace root, with `rust-path`).
pub fn charmcraft_yaml_in(binary: &Path, package_dir: &Path) -> Result<String> {
    run(binary, Some(package_dir))
}

fn run(binary: &Path, package_dir: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new(binary);
    cmd.arg("charmcraft-yaml")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("JUJU_") {
            cmd.env_remove(k);
        }
    }
    match package_dir {
        Some(dir) => cmd.env("CARGO_MANIFEST_DIR", dir),
        None => cmd.env_remove("CARGO_MANIFEST_DIR"),
    };
    let mut child = cmd
        .spawn()
        .map_err(io_err(format!("cannot run {}", binary.display())))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(io_err("wait"))? {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Command(format!(
                "`{} charmcraft-yaml` did not finish in {} s",
                binary.display(),
                TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = reader.join().unwrap_or_default();
    let err = ereader.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::Command(format!(
            "`{} charmcraft-yaml` failed ({status}): {}",
            binary.display(),
            String::from_utf8_lossy(&err).trim()
        )));
    }
    let text = String::from_utf8(out).map_err(|_| {
        Error::Invalid(format!(
            "`{} charmcraft-yaml` printed non-UTF-8",
            binary.display()
        ))
    })?;
    let doc = crate::meta::parse_yaml(&text, "charmcraft-yaml output")
        .map_err(|e| Error::Invalid(e.to_string()))?;
    if doc.get("name").and_then(Value::as_str).is_none() {
        return Err(Error::Invalid(format!(
            "`{} charmcraft-yaml` did not print a charmcraft.yaml (no `name`)",
            binary.display()
        )));
    }
    Ok(text)
}

/// Write `content` to `path` (or, with `check`, only compare). Returns true when the
/// file was stale.
pub fn write_or_check(path: &Path, content: &str, check: bool) -> Result<bool> {
    let current = std::fs::read_to_string(path).ok();
    let stale = current.as_deref() != Some(content);
    if stale && !check {
        std::fs::write(path, content)
            .map_err(io_err(format!("cannot write {}", path.display())))?;
    }
    Ok(stale)
}

/// `cargo charm yaml [--check] [-p pkg]...`.
pub fn yaml(check: bool, packages: &[String]) -> Result<()> {
    let ws = Workspace::load()?;
    let mut stale = Vec::new();
    for c in ws.charms(packages, false)? {
        let path = c.dir.join("charmcraft.yaml");
        let was_stale = write_or_check(&path, &c.charmcraft_yaml, check)?;
        match (check, was_stale) {
            (true, true) => stale.push(path),
            (false, true) => eprintln!("wrote {}", path.display()),
            (_, false) => eprintln!("{} is up to date", path.display()),
        }
    }
    if !stale.is_empty() {
        return Err(Error::Stale(stale));
    }
    Ok(())
}
