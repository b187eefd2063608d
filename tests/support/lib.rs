//! Helpers shared by the workspace's cross-crate tests (`tests/*.rs`).

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The guide `docs/how-to/add-an-integration.md`,
/// included here so that `cargo test --workspace` compiles and runs every Rust snippet in it
/// (and checks that every `compile_fail` snippet fails with the error code the page shows).
#[doc = include_str!("../../docs/how-to/add-an-integration.md")]
pub mod how_to_add_an_integration {}
