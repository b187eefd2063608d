//! Errors a charm sees: from hook tools, from databags, from the Juju environment.
//!
//! Every variant says what failed and what to look at; none carries secret content.

use std::fmt;

/// The result type of handlers and of every runtime call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while a charm handles a hook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `JUJU_*` environment variable is missing or malformed.
    #[error("environment variable {var}: {detail}")]
    Environment {
        /// The variable, e.g. `JUJU_RELATION_ID`.
        var: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A hook tool could not be started (usually: not running under Juju).
    #[error("hook tool `{tool}` could not be run: {detail} (is this running under Juju, with the hook tools on PATH?)")]
    ToolMissing {
        /// The tool, e.g. `relation-get`.
        tool: String,
        /// The operating-system error.
        detail: String,
    },
    /// A hook tool exited non-zero with an error Juju gave no more specific meaning to.
    #[error("hook tool `{tool}` failed (exit code {code}): {message}")]
    Tool {
        /// The tool, e.g. `relation-set`.
        tool: String,
        /// Its exit code.
        code: i32,
        /// Its stderr, without the `ERROR ` prefix.
        message: String,
    },
    /// A hook tool printed something that is not what Juju prints.
    #[error("hook tool `{tool}` printed unexpected output: {detail}")]
    ToolOutput {
        /// The tool.
        tool: String,
        /// What was expected and what came.
        detail: String,
    },
    /// The relation does not exist (any more).
    #[error("relation {relation} not found: it was removed, or never existed in this model")]
    RelationNotFound {
        /// The relation, as `endpoint:id` or `id`.
        relation: String,
    },
    /// Juju refused access.
    #[error("permission denied: {what}")]
    PermissionDenied {
        /// What was attempted.
        what: String,
    },
    /// The operation is reserved to the leader unit.
    #[error("{what}: this unit is not the leader")]
    NotLeader {
        /// What was attempted.
        what: String,
    },
    /// The secret does not exist or this unit cannot see it.
    #[error("secret {secret} not found (removed, or not granted to this unit)")]
    SecretNotFound {
        /// The secret id or label.
        secret: String,
    },
    /// A databag value is not of the shape the charm expects.
    #[error("relation {relation}, databag of {owner}, key `{key}`: {detail}")]
    Databag {
        /// The relation, as `endpoint:id`.
        relation: String,
        /// Whose bag: a unit or application name.
        owner: String,
        /// The key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// The charm asked for an endpoint it does not declare.
    #[error("unknown endpoint `{name}`; this charm declares: {declared}")]
    UnknownEndpoint {
        /// The name asked for.
        name: String,
        /// The declared endpoints, comma-separated.
        declared: String,
    },
    /// `relation()` was asked for an endpoint with several relations.
    #[error("endpoint `{endpoint}` has {count} relations; use `relations()` to handle each")]
    TooManyRelations {
        /// The endpoint.
        endpoint: String,
        /// How many relations it has.
        count: usize,
    },
    /// A config option is missing or has the wrong type.
    #[error("config option `{option}`: {detail}")]
    Config {
        /// The option name as in charmcraft.yaml.
        option: String,
        /// What is wrong.
        detail: String,
    },
    /// A file or other I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A call to a workload container's Pebble failed.
    #[error("pebble: {0}")]
    Pebble(#[from] charm_pebble::Error),
    /// JSON that could not be read or written (`?` on a `serde_json` call).
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An error raised by charm code, with a message for the operator.
    #[error("{0}")]
    Charm(String),
}

impl Error {
    /// An error with a message for the operator, from charm code.
    ///
    /// ```
    /// let e = charm_runtime::Error::msg("database name is empty");
    /// assert_eq!(e.to_string(), "database name is empty");
    /// ```
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Charm(message.to_string())
    }

    /// Adds which databag was being read to a hook tool's error.
    pub(crate) fn reading_databag(self, relation: &str, owner: &str) -> Error {
        self.doing(&format!("reading relation {relation}, databag of {owner}"))
    }

    /// Adds what was being done to a hook tool's error (the other variants say it
    /// already).
    pub(crate) fn doing(self, what: &str) -> Error {
        match self {
            Error::ToolOutput { tool, detail } => Error::ToolOutput {
                tool,
                detail: format!("{what}: {detail}"),
            },
            Error::Tool {
                tool,
                code,
                message,
            } => Error::Tool {
                tool,
                code,
                message: format!("{what}: {message}"),
            },
            Error::PermissionDenied { what: attempted } => Error::PermissionDenied {
                what: format!("{what} ({attempted})"),
            },
            Error::NotLeader { what: attempted } => Error::NotLeader {
                what: format!("{what} ({attempted})"),
            },
            other => other,
        }
    }

    /// An I/O error, with what was being done.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            context: context.to_string(),
            source,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io {
            context: "I/O error".into(),
            source,
        }
    }
}

/// Adds context to any error, turning it into an [`Error`].
///
/// ```
/// use charm_runtime::ResultExt;
/// let r: Result<(), std::fmt::Error> = Err(std::fmt::Error);
/// let e = r.context("rendering the config file").unwrap_err();
/// assert!(e.to_string().starts_with("rendering the config file: "));
/// ```
pub trait ResultExt<T> {
    /// Prefixes the error with `context`.
    fn context(self, context: impl fmt::Display) -> Result<T>;
}

impl<T, E: fmt::Display> ResultExt<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::Charm(format!("{context}: {e}")))
    }
}
