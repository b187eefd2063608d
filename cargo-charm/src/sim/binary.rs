//! Finding the `cargo-charm` executable the simulator links as every hook tool, and
//! telling whether a charm directory laid out from a build is older than its sources.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::Value;

use super::{io_err, Result, SimError};

/// Finds the `cargo-charm` executable the simulator links as hook tools: `CARGO_CHARM_BIN`,
/// this executable when it is `cargo-charm`, the one beside a test binary, or one built
/// with cargo. It is the `cargo charm` command line too.
///
/// ```no_run
/// let cli = cargo_charm::sim::tool_binary().unwrap();
/// std::process::Command::new(cli).args(["charm", "sim", "model.yaml"]).status().unwrap();
/// ```
pub fn tool_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CARGO_CHARM_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        return Err(SimError::ToolBinary(format!(
            "CARGO_CHARM_BIN={} does not exist",
            p.display()
        )));
    }
    let exe = std::env::current_exe().map_err(|e| SimError::ToolBinary(e.to_string()))?;
    if exe.file_stem().is_some_and(|s| s == "cargo-charm") {
        return Ok(exe);
    }
    // Test binaries live in target/<profile>/deps; the binary in target/<profile>.
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let cand = d.join("cargo-charm");
        if cand.is_file() {
            return Ok(cand);
        }
        dir = d.parent();
    }
    // Last resort (e.g. a test of another package): build it.
    build_tool_binary().ok_or_else(|| {
        SimError::ToolBinary(format!(
            "not next to {} and `cargo build -p cargo-charm` did not produce it",
            exe.display()
        ))
    })
}

fn build_tool_binary() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "-p",
            "cargo-charm",
            "--bin",
            "cargo-charm",
            "--message-format=json",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact")
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
}

/// The file in a charm directory laid out from a build that names the charm binary.
const BUILT_FROM: &str = ".cargo-charm-built-from";

/// Records in charm directory `dir` that it was laid out now from `binary`, a cargo
/// build output: [`Model::deploy`](super::Model::deploy) and
/// [`Model::upgrade_charm`](super::Model::upgrade_charm) then refuse the directory
/// ([`SimError::StaleCharm`]) once a source file of that build (listed in the dep-info
/// file `<binary>.d` cargo writes) changes or is gone.
pub fn mark_built_from(dir: &Path, binary: &Path) -> std::io::Result<()> {
    let binary = binary.canonicalize()?;
    std::fs::write(dir.join(BUILT_FROM), binary.as_os_str().as_encoded_bytes())
}

/// The source files a cargo dep-info file (`<binary>.d`) lists: its first rule's
/// prerequisites, `\ ` standing for a space in a path.
fn dep_info_sources(text: &str) -> Vec<PathBuf> {
    let Some(first) = text.lines().next() else {
        return Vec::new();
    };
    let Some((_, deps)) = first.split_once(": ") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => cur.push(chars.next().unwrap_or(' ')),
            ' ' => {
                if !cur.is_empty() {
                    out.push(PathBuf::from(std::mem::take(&mut cur)));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(PathBuf::from(cur));
    }
    out
}

/// Refuses charm directory `dir` if [`mark_built_from`] marked it and a source file of
/// its build (from the dep-info file cargo writes beside the binary) changed, or is
/// gone, since it was laid out. A directory without the mark, or whose binary's dep-info
/// is gone, is not checked.
pub(crate) fn check_fresh(dir: &Path) -> Result<()> {
    let marker = dir.join(BUILT_FROM);
    let Ok(binary) = std::fs::read_to_string(&marker) else {
        return Ok(());
    };
    let laid_out = std::fs::metadata(&marker)
        .and_then(|m| m.modified())
        .map_err(io_err(format!("cannot stat {}", marker.display())))?;
    let binary = PathBuf::from(binary.trim_end());
    let Ok(dep_info) = std::fs::read_to_string(format!("{}.d", binary.display())) else {
        return Ok(());
    };
    for src in dep_info_sources(&dep_info) {
        let modified = std::fs::metadata(&src).and_then(|m| m.modified());
        if modified.map_or(true, |t: SystemTime| t > laid_out) {
            return Err(SimError::StaleCharm {
                dir: dir.display().to_string(),
                source_file: src.display().to_string(),
                package: binary
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_the_first_rule_s_sources() {
        let text = "/t/release/foo: /w/src/main.rs /w/my\\ dir/lib.rs\n\n/w/src/main.rs:\n";
        assert_eq!(
            dep_info_sources(text),
            [
                PathBuf::from("/w/src/main.rs"),
                PathBuf::from("/w/my dir/lib.rs")
            ]
        );
        assert!(dep_info_sources("").is_empty());
    }
}
