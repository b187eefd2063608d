//! [`SimError`]: what can go wrong in the simulator.

use crate::meta::MetaError;

/// Errors from the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file-system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A charm's metadata could not be read.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// A model YAML file is invalid.
    #[error("model file {path}: {message}")]
    ModelFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No such application.
    #[error("application {0:?} not found")]
    UnknownApp(String),
    /// No such unit.
    #[error("unit {0:?} not found")]
    UnknownUnit(String),
    /// No such relation.
    #[error("relation {0} not found")]
    UnknownRelation(u32),
    /// An operation was refused (bad name, bad endpoint, bad config, ...).
    #[error("{0}")]
    Invalid(String),
    /// The `cargo-charm` binary (used as the hook tools) could not be found.
    #[error("cannot find the cargo-charm binary to use as hook tools ({0}); build it with `cargo build -p cargo-charm` or set CARGO_CHARM_BIN")]
    ToolBinary(String),
    /// A charm directory laid out from a build (`cargo charm pack --dir`, the demo) is
    /// older than a source file of that build: it would run yesterday's charm.
    #[error("charm directory {dir} is stale: {source_file} changed after it was built; rebuild it with `cargo charm pack --dir -p {package}`")]
    StaleCharm {
        /// The charm directory.
        dir: String,
        /// A source file of the build that changed (or is gone) since.
        source_file: String,
        /// The package to rebuild (the binary's name).
        package: String,
    },
    /// `settle` hit its bound: hooks keep firing.
    #[error("model did not settle after {hooks} hooks: {detail}")]
    NotSettled {
        /// Hooks run in this settle.
        hooks: usize,
        /// Which units and hooks keep running.
        detail: String,
    },
    /// A unit's hook keeps failing.
    #[error("unit {unit} is stuck in error: hook {hook:?} failed {attempts} times (last exit: {exit}){}",
        last_error.as_ref().map(|l| format!("; last juju-log ERROR: {l}")).unwrap_or_default())]
    UnitInError {
        /// The unit.
        unit: String,
        /// The failing hook.
        hook: String,
        /// How many times it ran in this settle.
        attempts: u32,
        /// Exit description (`exit code 1`, `killed by signal 9`).
        exit: String,
        /// The charm's last `juju-log` ERROR line, if any.
        last_error: Option<String>,
    },
}

/// Result type of the simulator.
pub type Result<T, E = SimError> = std::result::Result<T, E>;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SimError {
    let context = context.into();
    move |source| SimError::Io { context, source }
}
