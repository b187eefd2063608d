//! Helpers shared by the simulator tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cargo_charm::sim::Model;

/// Path of a fixture charm under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A new model whose hook tools are this package's binary.
pub fn model(name: &str) -> Model {
    let mut m = Model::new(name).expect("model");
    m.set_tool_binary(Path::new(env!("CARGO_BIN_EXE_cargo-charm")))
        .expect("tool binary");
    m
}

/// Write a throwaway charm: `metadata.yaml` and a `sh` dispatch script.
pub fn charm(metadata: &str, script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("metadata.yaml"), metadata).unwrap();
    let dispatch = dir.path().join("dispatch");
    std::fs::write(&dispatch, format!("#!/bin/sh\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The tool calls (argv joined, rc, stderr) a unit made in all its hooks.
pub fn calls(m: &Model, unit: &str) -> Vec<(String, i32, String)> {
    m.history()
        .iter()
        .filter(|r| r.unit == unit)
        .flat_map(|r| r.tool_calls.iter())
        .map(|c| (c.argv.join(" "), c.exit_code, c.stderr.clone()))
        .collect()
}
