//! The one error type of this crate.

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong talking to Pebble (real or fake).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket could not be connected to (or the connection broke).
    ///
    /// Usually the workload container is not up yet: charms should only talk to
    /// Pebble once `<container>-pebble-ready` has fired, and be ready for this
    /// error on any other hook.
    #[error(
        "cannot connect to Pebble at {}: {source} (the workload container may not be ready yet; \
         wait for the pebble-ready event)",
        socket.display()
    )]
    Connection {
        /// The unix socket the client was pointed at.
        socket: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Pebble answered with an error (HTTP status >= 400 or `"type": "error"`).
    #[error("Pebble API error {status}: {message}")]
    Api {
        /// The HTTP status code (`status-code` in Pebble's body).
        status: u16,
        /// Pebble's `result.message`.
        message: String,
        /// Pebble's `result.kind`, when it gave one (for example `not-found`).
        kind: Option<String>,
    },

    /// A file operation failed for one path (`ops.pebble.PathError`).
    #[error("{path}: {kind} - {message}")]
    Path {
        /// The path the operation was about.
        path: String,
        /// Pebble's error kind: `not-found`, `permission-denied`, `generic-file-error`.
        kind: String,
        /// Pebble's message.
        message: String,
    },

    /// A change (start, stop, replan, exec...) finished with an error.
    #[error("change {change_id} failed: {err}")]
    Change {
        /// The change id.
        change_id: String,
        /// The change's `err` text, as Pebble wrote it.
        err: String,
    },

    /// Pebble's answer could not be understood.
    #[error("bad response from Pebble: {reason} (response starts: {preview:?})")]
    BadResponse {
        /// What was wrong.
        reason: String,
        /// The first bytes of what was received, lossily decoded.
        preview: String,
    },

    /// Waiting took longer than allowed.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long was waited.
        after: Duration,
    },

    /// A command run by `exec` exited non-zero (from [`ExecOutput::success`](crate::ExecOutput::success)).
    #[error("command {command:?} exited with code {exit_code}; stderr: {stderr:?}")]
    Exec {
        /// The command line.
        command: Vec<String>,
        /// Its exit code.
        exit_code: i32,
        /// The start of its standard error.
        stderr: String,
    },

    /// The caller passed something Pebble cannot accept (checked before sending).
    #[error("invalid argument: {0}")]
    InvalidInput(String),

    /// Several files of a [`push_path`](crate::Pebble::push_path) or
    /// [`pull_path`](crate::Pebble::pull_path) failed (`ops.model.MultiPushPullError`);
    /// the others were copied.
    #[error("{message} ({} errors): {}", errors.len(), first_error(errors))]
    Multi {
        /// What was being done, for example `failed to push one or more files`.
        message: String,
        /// Each failure: the source path given, and why.
        errors: Vec<(String, Error)>,
    },

    /// Reading or writing a local file or stream failed (the local side of
    /// `push_from`, `pull_to`, `push_path` and `pull_path`).
    #[error("{path}: {source}")]
    Local {
        /// The local path, or `<stream>`.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn first_error(errors: &[(String, Error)]) -> String {
    errors
        .first()
        .map(|(path, e)| format!("{path}: {e}, ..."))
        .unwrap_or_default()
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::BadResponse`] whose preview is the first 200 bytes of `bytes`.
    pub(crate) fn bad(reason: impl Into<String>, bytes: &[u8]) -> Error {
        Error::BadResponse {
            reason: reason.into(),
            preview: preview(bytes),
        }
    }

    /// True when this is a "not found" error: an [`Error::Api`] with status 404 or
    /// kind `not-found`, or an [`Error::Path`] of kind `not-found`.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api { status, kind, .. } => {
                *status == 404 || kind.as_deref() == Some("not-found")
            }
            Error::Path { kind, .. } => kind == "not-found",
            _ => false,
        }
    }
}

/// At most 200 bytes of `bytes`, as text.
pub(crate) fn preview(bytes: &[u8]) -> String {
    const MAX: usize = 200;
    let cut = bytes.len().min(MAX);
    let mut s = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    if bytes.len() > MAX {
        s.push('…');
    }
    s
}
