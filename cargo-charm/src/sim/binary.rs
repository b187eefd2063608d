//! Finding the `cargo-charm` executable the simulator links as every hook tool.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Result, SimError};

/// Find the `cargo-charm` executable to link as hook tools.
pub(crate) fn find_tool_binary() -> Result<PathBuf> {
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
