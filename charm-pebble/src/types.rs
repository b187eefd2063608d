//! What Pebble reports (services, checks, files, changes, notices) and the
//! options of the file and exec calls.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::layer::{CheckLevel, Startup};

/// `GET /v1/system-info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInfo {
    /// Pebble's version.
    #[serde(default)]
    pub version: String,
    /// Boot id of the container's kernel, when reported.
    #[serde(default)]
    pub boot_id: Option<String>,
    /// HTTP address Pebble also listens on, when set.
    #[serde(default)]
    pub http_address: Option<String>,
}

/// Id of a Pebble change (an asynchronous operation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeId(pub String);

impl ChangeId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Run state of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Running.
    Active,
    /// Not running.
    Inactive,
    /// Exited and waiting to be restarted.
    Backoff,
    /// Failed and not restarting.
    Error,
    /// A state this crate does not know.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ServiceInfo {
    /// Service name.
    pub name: String,
    /// `enabled` or `disabled` (Pebble's empty "unset" reads as disabled).
    #[serde(default = "disabled", deserialize_with = "startup_or_disabled")]
    pub startup: Startup,
    /// Current state.
    pub current: ServiceStatus,
}

impl ServiceInfo {
    /// True when the service is running.
    pub fn is_running(&self) -> bool {
        self.current == ServiceStatus::Active
    }
}

/// State of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Passing (or fewer failures than the threshold).
    Up,
    /// Failed `threshold` times in a row.
    Down,
    /// Not running (stopped or `startup: disabled`).
    Inactive,
    /// A state this crate does not know.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckInfo {
    /// Check name.
    pub name: String,
    /// `alive` or `ready`, if set.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub level: Option<CheckLevel>,
    /// `enabled` or `disabled`, when Pebble reports it.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub startup: Option<Startup>,
    /// Current state.
    pub status: CheckStatus,
    /// Failures in a row.
    #[serde(default)]
    pub failures: u32,
    /// Failures in a row that make the check `down`.
    #[serde(default)]
    pub threshold: u32,
    /// The change running the check, when Pebble reports it.
    #[serde(default)]
    pub change_id: Option<String>,
}

/// Kind of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    /// Regular file.
    File,
    /// Directory.
    Directory,
    /// Symbolic link.
    Symlink,
    /// Unix socket.
    Socket,
    /// Named pipe (FIFO).
    NamedPipe,
    /// Device node.
    Device,
    /// Anything else.
    #[serde(other)]
    Unknown,
}

/// One entry of `GET /v1/files?action=list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileInfo {
    /// Full path.
    pub path: String,
    /// Base name.
    pub name: String,
    /// Kind of entry.
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Size in bytes (files only).
    #[serde(default)]
    pub size: Option<u64>,
    /// Permission bits, for example `0o644` (Pebble sends octal text).
    #[serde(deserialize_with = "octal", serialize_with = "to_octal")]
    pub permissions: u32,
    /// Modification time, RFC 3339 as Pebble sent it.
    #[serde(default)]
    pub last_modified: String,
    /// Owner's uid.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// Owner's name.
    #[serde(default)]
    pub user: Option<String>,
    /// Group's gid.
    #[serde(default)]
    pub group_id: Option<u32>,
    /// Group's name.
    #[serde(default)]
    pub group: Option<String>,
}

fn disabled() -> Startup {
    Startup::Disabled
}

/// Pebble writes unset enums as `""` (or omits them): read those as `None`.
fn empty_as_none<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => serde_json::from_value(serde_json::Value::String(s))
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

fn startup_or_disabled<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Startup, D::Error> {
    Ok(empty_as_none(d)?.unwrap_or(Startup::Disabled))
}

fn octal<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u32, D::Error> {
    let s = String::deserialize(d)?;
    u32::from_str_radix(&s, 8)
        .map_err(|_| serde::de::Error::custom(format!("bad permissions {s:?}")))
}

fn to_octal<S: serde::Serializer>(p: &u32, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{p:03o}"))
}

/// A task of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Task {
    /// Task id.
    pub id: String,
    /// Task kind, for example `start` or `exec`.
    #[serde(default)]
    pub kind: String,
    /// Human summary.
    #[serde(default)]
    pub summary: String,
    /// Status, for example `Done` or `Error`.
    #[serde(default)]
    pub status: String,
    /// Log lines.
    #[serde(default)]
    pub log: Vec<String>,
    /// Task data (an exec task has `exit-code`).
    #[serde(default)]
    pub data: serde_json::Value,
}

/// A change: an asynchronous operation (`GET /v1/changes/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Change {
    /// Change id.
    pub id: ChangeId,
    /// Kind, for example `start` or `replan`.
    #[serde(default)]
    pub kind: String,
    /// Human summary.
    #[serde(default)]
    pub summary: String,
    /// Status, for example `Done` or `Error`.
    #[serde(default)]
    pub status: String,
    /// True once the change has finished.
    #[serde(default)]
    pub ready: bool,
    /// The error, if the change failed.
    #[serde(default)]
    pub err: Option<String>,
    /// Its tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub spawn_time: String,
    /// When it finished (RFC 3339).
    #[serde(default)]
    pub ready_time: Option<String>,
}

/// A Pebble notice (`GET /v1/notices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notice {
    /// Notice id.
    pub id: String,
    /// Notice type: `custom`, `change-update`, `warning`...
    #[serde(rename = "type")]
    pub notice_type: String,
    /// Key, for example `example.com/db-ready` for a custom notice.
    pub key: String,
    /// User the notice is restricted to, if any.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// First occurrence (RFC 3339).
    #[serde(default)]
    pub first_occurred: String,
    /// Last occurrence (RFC 3339).
    #[serde(default)]
    pub last_occurred: String,
    /// Last time it was repeated (RFC 3339).
    #[serde(default)]
    pub last_repeated: String,
    /// How many times it occurred.
    #[serde(default)]
    pub occurrences: u32,
    /// Data of the last occurrence.
    #[serde(default)]
    pub last_data: BTreeMap<String, String>,
    /// Repeat-after duration, if set.
    #[serde(default)]
    pub repeat_after: Option<String>,
    /// Expire-after duration, if set.
    #[serde(default)]
    pub expire_after: Option<String>,
}

/// Options of [`Pebble::push`](crate::Pebble::push).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Create missing parent directories.
    pub make_dirs: bool,
    /// Permission bits, for example `0o600` (Pebble's default is `0o644`).
    pub permissions: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Owner uid.
    pub user_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
    /// Group gid.
    pub group_id: Option<u32>,
}

/// Options of [`Pebble::make_dir`](crate::Pebble::make_dir).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MakeDirOptions {
    /// Create missing parents, and succeed if the directory exists.
    pub make_parents: bool,
    /// Permission bits (Pebble's default is `0o755`).
    pub permissions: Option<u32>,
    /// Owner name.
    pub user: Option<String>,
    /// Owner uid.
    pub user_id: Option<u32>,
    /// Group name.
    pub group: Option<String>,
    /// Group gid.
    pub group_id: Option<u32>,
}

/// Options of [`Pebble::list_files_with`](crate::Pebble::list_files_with)
/// (`ops.pebble.Client.list_files`'s `pattern` and `itself`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilesOptions {
    /// Only entries whose name matches this glob (`*.conf`), as Go's `path.Match`.
    pub pattern: Option<String>,
    /// For a directory, describe the directory itself instead of listing it.
    pub itself: bool,
}

/// Which notices [`Pebble::get_notices`](crate::Pebble::get_notices) returns
/// (`ops.pebble.Client.get_notices`). Filters combine with "and"; an empty list
/// does not filter.
///
/// ```
/// use charm_pebble::NoticesQuery;
/// let q = NoticesQuery::new().types(["custom"]).keys(["example.com/db-ready"]);
/// assert_eq!(q.types, ["custom"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticesQuery {
    /// Every user's notices (`users=all`; Pebble admins only), not only the
    /// caller's and public ones.
    pub all_users: bool,
    /// Notices of this user (and public ones); Pebble admins only.
    pub user_id: Option<u32>,
    /// Notice types, for example `custom`, `change-update`, `warning`.
    pub types: Vec<String>,
    /// Notice keys, for example `example.com/db-ready`.
    pub keys: Vec<String>,
}

impl NoticesQuery {
    /// No filter: the caller's and public notices.
    pub fn new() -> NoticesQuery {
        NoticesQuery::default()
    }
    /// Only these types.
    pub fn types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.types = types.into_iter().map(Into::into).collect();
        self
    }
    /// Only these keys.
    pub fn keys<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Self {
        self.keys = keys.into_iter().map(Into::into).collect();
        self
    }
    /// Only this user's (and public) notices.
    pub fn user_id(mut self, user_id: u32) -> Self {
        self.user_id = Some(user_id);
        self
    }
    /// Every user's notices.
    pub fn all_users(mut self) -> Self {
        self.all_users = true;
        self
    }
    /// True when `notice` passes the type, key and user filters (the server's rule,
    /// for fakes; `caller` is the uid asking).
    pub fn matches(&self, notice: &Notice, caller: Option<u32>) -> bool {
        let user_ok = if self.all_users {
            true
        } else {
            let who = self.user_id.or(caller);
            notice.user_id.is_none() || notice.user_id == who
        };
        user_ok
            && (self.types.is_empty() || self.types.contains(&notice.notice_type))
            && (self.keys.is_empty() || self.keys.contains(&notice.key))
    }
}

/// Options of [`Pebble::exec`](crate::Pebble::exec).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Working directory (Pebble's default: the user's home).
    pub working_dir: Option<String>,
    /// Kill the command after this long.
    pub timeout: Option<Duration>,
    /// User name to run as.
    pub user: Option<String>,
    /// User id to run as.
    pub user_id: Option<u32>,
    /// Group name to run as.
    pub group: Option<String>,
    /// Group id to run as.
    pub group_id: Option<u32>,
    /// Bytes written to the command's standard input (then end of file).
    pub stdin: Option<Vec<u8>>,
    /// Send standard error into `stdout` instead of capturing it apart.
    pub combine_stderr: bool,
    /// Run with this service's environment, user and working directory
    /// (overridden by the fields set here).
    pub service_context: Option<String>,
}

/// What a finished command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// The command that ran.
    pub command: Vec<String>,
    /// Its standard output (and standard error if `combine_stderr`).
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// Its exit code (-1 if Pebble did not report one).
    pub exit_code: i32,
}

impl ExecOutput {
    /// Standard output as text (invalid UTF-8 replaced).
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (invalid UTF-8 replaced).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The output if the command exited 0, else [`Error::Exec`] (like `ops.pebble.ExecError`).
    pub fn success(self) -> Result<ExecOutput> {
        if self.exit_code == 0 {
            Ok(self)
        } else {
            Err(Error::Exec {
                command: self.command.clone(),
                exit_code: self.exit_code,
                stderr: crate::error::preview(&self.stderr),
            })
        }
    }
}
