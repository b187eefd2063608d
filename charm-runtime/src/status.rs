//! Workload status: what `juju status` shows for a unit and for the application.

use std::fmt;

/// The kind of a workload status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// The workload is ready.
    Active,
    /// The charm needs an operator's action.
    Blocked,
    /// The charm waits for something outside its control (usually another application).
    Waiting,
    /// The charm is working on something that will take a while.
    Maintenance,
    /// Juju has no status for the unit yet (only read, never set).
    Unknown,
    /// A hook failed (only read, never set).
    Error,
}

impl StatusKind {
    /// The name Juju uses.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Active => "active",
            StatusKind::Blocked => "blocked",
            StatusKind::Waiting => "waiting",
            StatusKind::Maintenance => "maintenance",
            StatusKind::Unknown => "unknown",
            StatusKind::Error => "error",
        }
    }

    /// Parses a name Juju uses.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => StatusKind::Active,
            "blocked" => StatusKind::Blocked,
            "waiting" => StatusKind::Waiting,
            "maintenance" => StatusKind::Maintenance,
            "unknown" => StatusKind::Unknown,
            "error" => StatusKind::Error,
            _ => return None,
        })
    }

    /// `ops`' priority when several statuses are collected: blocked > maintenance >
    /// waiting > active.
    fn priority(self) -> u8 {
        match self {
            StatusKind::Error => 5,
            StatusKind::Blocked => 4,
            StatusKind::Maintenance => 3,
            StatusKind::Waiting => 2,
            StatusKind::Active => 1,
            StatusKind::Unknown => 0,
        }
    }
}

/// A workload status: a kind and a message.
///
/// ```
/// use charm_runtime::Status;
/// let s = Status::blocked("missing db relation");
/// assert_eq!(s.to_string(), "blocked: missing db relation");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Status {
    kind: StatusKind,
    message: String,
}

impl Status {
    /// A status of any kind.
    pub fn new(kind: StatusKind, message: impl Into<String>) -> Self {
        Status {
            kind,
            message: message.into(),
        }
    }
    /// `active` with a message.
    pub fn active(message: impl Into<String>) -> Self {
        Self::new(StatusKind::Active, message)
    }
    /// `blocked` with a message saying what the operator must do.
    pub fn blocked(message: impl Into<String>) -> Self {
        Self::new(StatusKind::Blocked, message)
    }
    /// `waiting` with a message saying what for.
    pub fn waiting(message: impl Into<String>) -> Self {
        Self::new(StatusKind::Waiting, message)
    }
    /// `maintenance` with a message saying what is going on.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Self::new(StatusKind::Maintenance, message)
    }
    /// The kind.
    pub fn kind(&self) -> StatusKind {
        self.kind
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Of several statuses, the one `ops` would set: highest priority, first added on ties.
    ///
    /// ```
    /// use charm_runtime::Status;
    /// let all = [Status::active("ok"), Status::blocked("a"), Status::blocked("b")];
    /// assert_eq!(Status::highest(&all), Some(&Status::blocked("a")));
    /// ```
    pub fn highest(statuses: &[Status]) -> Option<&Status> {
        statuses.iter().rev().max_by_key(|s| s.kind.priority())
    }

    /// Reads `status-get --format=json` output (`{"status": .., "message": ..}`).
    pub(crate) fn from_status_get(v: &serde_json::Value) -> Option<Self> {
        let kind = StatusKind::parse(v.get("status")?.as_str()?)?;
        let message = v.get("message").and_then(|m| m.as_str()).unwrap_or("");
        Some(Status::new(kind, message))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.kind.as_str())
        } else {
            write!(f, "{}: {}", self.kind.as_str(), self.message)
        }
    }
}
