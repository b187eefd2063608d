//! Build-time tooling: workspace discovery, `charmcraft.yaml` generation, `.charm` packing,
//! and the demo model.

use std::path::PathBuf;

use crate::sim::{Model, SimError};

/// Errors from the build tooling.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Something else failed.
    #[error("{0}")]
    Other(String),
    /// The simulator failed.
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// A packed charm.
#[derive(Debug, Clone)]
pub struct Packed {
    /// Path of the `.charm` file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// Write (or with `check`, verify) charmcraft.yaml of the given packages.
pub fn yaml(_check: bool, _packages: &[String]) -> Result<(), BuildError> {
    Err(BuildError::Other("not implemented yet".into()))
}

/// Pack the given packages.
pub fn pack(_packages: &[String]) -> Result<Vec<Packed>, BuildError> {
    Err(BuildError::Other("not implemented yet".into()))
}

/// Build the demo model (not settled).
pub fn demo_model() -> Result<Model, BuildError> {
    Err(BuildError::Other("not implemented yet".into()))
}
