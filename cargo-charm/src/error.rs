//! The error of `cargo charm`'s build commands (`yaml`, `pack`, `demo`).

use std::path::PathBuf;

use crate::sim::SimError;

/// Why a build command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Running cargo (or a charm binary) failed.
    #[error("{0}")]
    Command(String),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Bad or unexpected input (unknown package, invalid charmcraft.yaml, ...).
    #[error("{0}")]
    Invalid(String),
    /// The charm declares a platform this host cannot build for, or a binary would not
    /// run on a declared base.
    #[error("{0}")]
    Platform(String),
    /// `cargo charm yaml --check` found stale files.
    #[error("stale charmcraft.yaml (generated output differs):\n{}\nrun `cargo charm yaml` to regenerate", .0.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n"))]
    Stale(Vec<PathBuf>),
    /// Writing the zip archive failed.
    #[error("cannot write {path}: {message}")]
    Zip {
        /// The archive.
        path: String,
        /// The zip error.
        message: String,
    },
    /// The simulator failed.
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maps an I/O error to [`Error::Io`] with what was being done.
pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
