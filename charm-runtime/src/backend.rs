//! The hook-tool boundary: one trait, [`HookTools`], with the real implementation
//! ([`ProcessTools`], which runs Juju's hook tools as processes) and, behind the `testing`
//! feature, an in-memory one.
//!
//! The argv is what Juju 3.x documents and what `ops` 3.x sends: `--format=json` on every
//! read, `relation-set -r <id> [--app] --file -` with a JSON map on stdin for writes,
//! secret content passed as `key#file=<path>` so it never appears in a process list.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretRead};
use crate::status::Status;

/// Severity of a `juju-log` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
}

impl LogLevel {
    /// The name Juju expects after `--log-level`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// The hook tools a charm calls, one method per tool (and per form of a tool).
///
/// Implementations turn Juju's failures into typed [`Error`]s: a relation that is gone is
/// [`Error::RelationNotFound`], a refused read is [`Error::PermissionDenied`], and so on.
pub trait HookTools {
    /// `juju-log --log-level <level> -- <message>`
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()>;
    /// `is-leader --format=json`
    fn is_leader(&self) -> Result<bool>;
    /// `config-get --format=json`
    fn config_get(&self) -> Result<serde_json::Map<String, Value>>;
    /// `relation-ids <endpoint> --format=json`
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>>;
    /// `relation-list --format=json -r <id>`: the remote units.
    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>>;
    /// `relation-list --format=json --app -r <id>`: the remote application.
    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>>;
    /// `relation-get --format=json -r <id> [--app] - <owner>`: a whole databag.
    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>>;
    /// `relation-set -r <id> [--app] --file -`: merge `changes` into the local bag; an
    /// empty value deletes its key.
    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()>;
    /// `status-set --application=<app> <status> -- <message>`
    fn status_set(&self, app: bool, status: &Status) -> Result<()>;
    /// `status-get --include-data --format=json --application=<app>`
    fn status_get(&self, app: bool) -> Result<Status>;
    /// `application-version-set -- <version>`
    fn application_version_set(&self, version: &str) -> Result<()>;
    /// `secret-add [--label L] [--description D] --owner <owner> key#file=...`
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId>;
    /// `secret-get --format=json [<id>] [--label L] [--peek|--refresh]`
    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent>;
    /// `secret-info-get --format=json <id>` or `--label L`
    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo>;
    /// `secret-set <id> [--label L] [key#file=...]`
    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()>;
    /// `secret-grant --relation <id> [--unit <unit>] <secret>`
    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()>;
    /// `secret-revoke --relation <id> [--unit <unit>] <secret>`
    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()>;
    /// `secret-remove <id> [--revision N]`
    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()>;
    /// `state-get --format=json`: the unit's whole charm state.
    fn state_get(&self) -> Result<BTreeMap<String, String>>;
    /// `state-set --file -`
    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()>;
    /// `state-delete <key>`
    fn state_delete(&self, key: &str) -> Result<()>;
    /// How many hook-tool calls this backend has made so far.
    fn calls(&self) -> usize;
    /// A Pebble client for a workload container: the real one talks to
    /// `/charm/containers/<name>/pebble.socket`; a test backend returns a fake.
    fn pebble(&self, container: &str) -> Box<dyn charm_pebble::Pebble> {
        Box::new(charm_pebble::Client::for_container(container))
    }
    /// `storage-get --format=json -s <id> <key>`: one attribute of a storage instance.
    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        let _ = (id, key);
        Err(Error::Tool {
            tool: "storage-get".into(),
            code: 1,
            message: "storage is not supported by this backend".into(),
        })
    }
    /// `storage-list --format=json <name>`: the ids of the attached instances of a
    /// storage (`data/0`, ...).
    fn storage_list(&self, name: &str) -> Result<Vec<String>> {
        let _ = name;
        Err(Error::Tool {
            tool: "storage-list".into(),
            code: 1,
            message: "storage is not supported by this backend".into(),
        })
    }
    /// `action-get --format=json`: the running action's parameters.
    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        Err(not_in_action("action-get"))
    }
    /// `action-set key=value ...`
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        let _ = results;
        Err(not_in_action("action-set"))
    }
    /// `action-log -- <message>`
    fn action_log(&self, message: &str) -> Result<()> {
        let _ = message;
        Err(not_in_action("action-log"))
    }
    /// `action-fail -- <message>`
    fn action_fail(&self, message: &str) -> Result<()> {
        let _ = message;
        Err(not_in_action("action-fail"))
    }
}

fn not_in_action(tool: &str) -> Error {
    Error::Tool {
        tool: tool.into(),
        code: 1,
        message: "not running an action".into(),
    }
}

/// The production backend: runs each hook tool as a process found on `PATH`.
///
/// ```no_run
/// use charm_runtime::backend::{HookTools, ProcessTools};
/// let tools = ProcessTools::new();
/// let leader = tools.is_leader()?;
/// # Ok::<(), charm_runtime::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ProcessTools {
    calls: Cell<usize>,
}

impl ProcessTools {
    /// A backend that runs the tools found on `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `tool args...`, feeding `stdin`, and returns stdout, or a typed error.
    /// Runs `argv` (tool name first; see [`argv`]).
    fn exec(&self, argv: &[String], stdin: Option<&[u8]>) -> Result<Vec<u8>> {
        let (tool, args) = argv.split_first().ok_or_else(|| Error::msg("empty argv"))?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(tool, &args, stdin)
    }

    fn run(&self, tool: &str, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>> {
        self.calls.set(self.calls.get() + 1);
        let mut cmd = Command::new(tool);
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| spawn_error(tool, args, e))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A tool that exits without reading its stdin is reported by its exit code below.
            let _ = pipe.write_all(input);
        }
        let out = child.wait_with_output().map_err(|e| Error::ToolMissing {
            tool: tool.into(),
            detail: e.to_string(),
        })?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(classify(
                tool,
                args,
                out.status.code().unwrap_or(-1),
                &stderr,
            ))
        }
    }

    /// Writes each value to its own file (mode 0600, in a fresh directory of mode 0700)
    /// and returns `key#file=<path>` arguments. The files live as long as the returned
    /// directory: drop it as soon as the tool has run, and they are gone.
    fn content_args(&self, content: &SecretContent) -> Result<(tempfile::TempDir, Vec<String>)> {
        // Keys become file names: only Juju's key syntax, so never `../x` or `a/b`.
        content.validate()?;
        let mut builder = tempfile::Builder::new();
        builder.prefix("charm-secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder
            .tempdir()
            .map_err(|e| Error::io("creating a private directory for secret content", e))?;
        let mut args = Vec::new();
        for (key, value) in content.iter() {
            let path = dir.path().join(key);
            write_private(&path, value.as_bytes())
                .map_err(|e| Error::io(format!("writing secret key `{key}` to a file"), e))?;
            args.push(format!("{key}#file={}", path.display()));
        }
        Ok((dir, args))
    }
}

/// Creates `path` (it must not exist) readable and writable by this user only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A tool that could not be started: missing, or refused by the OS (argv too long, a NUL
/// byte in an argument).
fn spawn_error(tool: &str, args: &[&str], e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound | ErrorKind::PermissionDenied => Error::ToolMissing {
            tool: tool.into(),
            detail: e.to_string(),
        },
        ErrorKind::ArgumentListTooLong => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: format!(
                "not started: its arguments ({} bytes) are longer than the OS allows",
                args.iter().map(|a| a.len() + 1).sum::<usize>()
            ),
        },
        ErrorKind::InvalidInput if args.iter().any(|a| a.contains('\0')) => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: "not started: an argument contains a NUL byte".into(),
        },
        _ => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: format!("not started: {e}"),
        },
    }
}

/// The longest `juju-log` message sent: one argument must stay under the kernel's
/// 128 KiB `MAX_ARG_STRLEN`, and a log line that long is already unreadable.
pub const MAX_LOG_MESSAGE: usize = 64 * 1024;

/// Makes `message` fit one `juju-log` argument: NUL bytes escaped, at most
/// [`MAX_LOG_MESSAGE`] bytes (cut at a character boundary, with a note saying so).
pub(crate) fn log_message(message: &str) -> std::borrow::Cow<'_, str> {
    if message.len() <= MAX_LOG_MESSAGE && !message.contains('\0') {
        return std::borrow::Cow::Borrowed(message);
    }
    let escaped = message.replace('\0', "\\0");
    if escaped.len() <= MAX_LOG_MESSAGE {
        return std::borrow::Cow::Owned(escaped);
    }
    let mut cut = MAX_LOG_MESSAGE - 64;
    while !escaped.is_char_boundary(cut) {
        cut -= 1;
    }
    std::borrow::Cow::Owned(format!(
        "{}… (truncated: {} bytes in all)",
        &escaped[..cut],
        escaped.len()
    ))
}

/// Parses a tool's `--format=json` output.
///
/// The error names the tool and the expected type and, for tools whose output is not
/// secret, shows the start of the output. For `secret-*` tools it shows neither the output
/// nor serde's message (which quotes the offending value): only where parsing stopped.
pub(crate) fn parse_json<T: DeserializeOwned>(tool: &str, out: &[u8]) -> Result<T> {
    serde_json::from_slice(out).map_err(|e| Error::ToolOutput {
        tool: tool.into(),
        detail: if tool.starts_with("secret-") {
            let what = match e.classify() {
                serde_json::error::Category::Io => "an I/O error",
                serde_json::error::Category::Syntax => "not JSON",
                serde_json::error::Category::Data => "JSON of another shape",
                serde_json::error::Category::Eof => "truncated JSON",
            };
            format!(
                "expected JSON of type {}, got {what} (line {}, column {}; {} bytes, not shown: they may be secret content)",
                short_type_name::<T>(),
                e.line(),
                e.column(),
                out.len()
            )
        } else {
            format!(
                "expected JSON of type {}: {}; got {}",
                short_type_name::<T>(),
                crate::databag::clip(&e),
                crate::databag::preview(&String::from_utf8_lossy(out))
            )
        },
    })
}

/// `BTreeMap<String, String>` for `alloc::collections::btree::map::BTreeMap<alloc::...>`.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

/// Turns a tool's failure into a typed error, as `ops` does (research/juju-contract.md §2.2).
pub(crate) fn classify(tool: &str, args: &[&str], code: i32, stderr: &str) -> Error {
    let message = stderr
        .trim()
        .strip_prefix("ERROR ")
        .unwrap_or(stderr.trim())
        .to_string();
    let lower = message.to_lowercase();
    let relation_tool = tool.starts_with("relation-") || tool == "network-get";
    let flag_value = |flag: &str| {
        args.iter()
            .position(|a| *a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|s| s.to_string())
    };
    if relation_tool && relation_not_found(&lower) {
        return Error::RelationNotFound {
            relation: flag_value("-r").unwrap_or_else(|| "?".into()),
        };
    }
    if lower.contains("not the leader") || lower.contains("cannot write relation settings") {
        return Error::NotLeader {
            what: format!("{tool} {}", args.join(" ")),
        };
    }
    if lower.contains("permission denied") {
        return Error::PermissionDenied {
            what: format!("{tool} {}", args.join(" ")),
        };
    }
    if tool.starts_with("secret-") && lower.contains("not found") {
        let secret = args
            .iter()
            .find(|a| a.starts_with("secret:") || a.starts_with("secret://"))
            .map(|s| s.to_string())
            .or_else(|| flag_value("--label").map(|l| format!("labelled `{l}`")))
            .unwrap_or_else(|| "?".into());
        return Error::SecretNotFound { secret };
    }
    Error::Tool {
        tool: tool.into(),
        code,
        message,
    }
}

/// `relation not found` or `relation 3 not found`, as ops matches it
/// (`relation (\d+ )?not found`); not `settings not found` for an unknown unit.
fn relation_not_found(lower: &str) -> bool {
    lower.match_indices("relation ").any(|(i, m)| {
        let rest = &lower[i + m.len()..];
        let after_id = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let rest = if after_id.len() < rest.len() {
            after_id.strip_prefix(' ').unwrap_or("")
        } else {
            rest
        };
        rest.starts_with("not found")
    })
}

/// The argv of every hook-tool call, tool name first: one definition, used by
/// [`ProcessTools`] to run the tools and by the testing backend to record the calls, so
/// what a test shows is what production runs.
pub mod argv {
    use std::collections::BTreeMap;

    use crate::relation::RelationId;
    use crate::secret::{NewSecret, SecretId, SecretOwner, SecretRead};
    use crate::status::Status;

    use super::{log_message, LogLevel};

    fn v<const N: usize>(parts: [&str; N]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    fn bool_flag(name: &str, value: bool) -> String {
        format!("--{name}={}", if value { "True" } else { "False" })
    }

    /// `juju-log --log-level <LEVEL> -- <message>` (the message cut to fit one argument)
    pub fn juju_log(level: LogLevel, message: &str) -> Vec<String> {
        v([
            "juju-log",
            "--log-level",
            level.as_str(),
            "--",
            &log_message(message),
        ])
    }
    /// `is-leader --format=json`
    pub fn is_leader() -> Vec<String> {
        v(["is-leader", "--format=json"])
    }
    /// `config-get --format=json`
    pub fn config_get() -> Vec<String> {
        v(["config-get", "--format=json"])
    }
    /// `relation-ids <endpoint> --format=json`
    pub fn relation_ids(endpoint: &str) -> Vec<String> {
        v(["relation-ids", endpoint, "--format=json"])
    }
    /// `relation-list --format=json -r <id>`
    pub fn relation_list(relation: RelationId) -> Vec<String> {
        v([
            "relation-list",
            "--format=json",
            "-r",
            &relation.to_string(),
        ])
    }
    /// `relation-list --format=json --app -r <id>`
    pub fn relation_remote_app(relation: RelationId) -> Vec<String> {
        v([
            "relation-list",
            "--format=json",
            "--app",
            "-r",
            &relation.to_string(),
        ])
    }
    /// `relation-get --format=json -r <id> [--app] - <owner>`
    pub fn relation_get(relation: RelationId, owner: &str, app: bool) -> Vec<String> {
        let mut argv = v(["relation-get", "--format=json", "-r", &relation.to_string()]);
        if app {
            argv.push("--app".into());
        }
        argv.extend(v(["-", owner]));
        argv
    }
    /// `relation-set -r <id> [--app] --file -`
    pub fn relation_set(relation: RelationId, app: bool) -> Vec<String> {
        let mut argv = v(["relation-set", "-r", &relation.to_string()]);
        if app {
            argv.push("--app".into());
        }
        argv.extend(v(["--file", "-"]));
        argv
    }
    /// `status-set --application=<True|False> <status> -- <message>` (the message cut to
    /// fit one argument, as `juju-log`'s)
    pub fn status_set(app: bool, status: &Status) -> Vec<String> {
        v([
            "status-set",
            &bool_flag("application", app),
            status.kind().as_str(),
            "--",
            &log_message(status.message()),
        ])
    }
    /// `status-get --include-data --format=json --application=<True|False>`
    pub fn status_get(app: bool) -> Vec<String> {
        v([
            "status-get",
            "--include-data",
            "--format=json",
            &bool_flag("application", app),
        ])
    }
    /// `application-version-set -- <version>`
    pub fn application_version_set(version: &str) -> Vec<String> {
        v(["application-version-set", "--", version])
    }
    /// `secret-add [--label L] [--description D] --owner <owner> <content args>`
    pub fn secret_add(secret: &NewSecret, content_args: &[String]) -> Vec<String> {
        let mut argv = v(["secret-add"]);
        if let Some(label) = &secret.label {
            argv.extend(v(["--label", label]));
        }
        if let Some(description) = &secret.description {
            argv.extend(v(["--description", description]));
        }
        let owner = match secret.owner {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        };
        argv.extend(v(["--owner", owner]));
        argv.extend(content_args.iter().cloned());
        argv
    }
    /// `secret-get --format=json [<id>] [--label L] [--peek|--refresh]`
    pub fn secret_get(id: Option<&SecretId>, label: Option<&str>, read: SecretRead) -> Vec<String> {
        let mut argv = v(["secret-get", "--format=json"]);
        if let Some(id) = id {
            argv.push(id.as_str().into());
        }
        if let Some(label) = label {
            argv.extend(v(["--label", label]));
        }
        match read {
            SecretRead::Tracked => {}
            SecretRead::Peek => argv.push("--peek".into()),
            SecretRead::Refresh => argv.push("--refresh".into()),
        }
        argv
    }
    /// `secret-info-get --format=json [<id>] [--label L]`
    pub fn secret_info_get(id: Option<&SecretId>, label: Option<&str>) -> Vec<String> {
        let mut argv = v(["secret-info-get", "--format=json"]);
        if let Some(id) = id {
            argv.push(id.as_str().into());
        }
        if let Some(label) = label {
            argv.extend(v(["--label", label]));
        }
        argv
    }
    /// `secret-set [--label L] <id> [<content args>]`
    pub fn secret_set(id: &SecretId, label: Option<&str>, content_args: &[String]) -> Vec<String> {
        let mut argv = v(["secret-set"]);
        if let Some(label) = label {
            argv.extend(v(["--label", label]));
        }
        argv.push(id.as_str().into());
        argv.extend(content_args.iter().cloned());
        argv
    }
    fn grant_or_revoke(
        tool: &str,
        id: &SecretId,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Vec<String> {
        let mut argv = v([tool, "--relation", &relation.number().to_string()]);
        if let Some(unit) = unit {
            argv.extend(v(["--unit", unit]));
        }
        argv.push(id.as_str().into());
        argv
    }
    /// `secret-grant --relation <id> [--unit <unit>] <secret>`
    pub fn secret_grant(id: &SecretId, relation: RelationId, unit: Option<&str>) -> Vec<String> {
        grant_or_revoke("secret-grant", id, relation, unit)
    }
    /// `secret-revoke --relation <id> [--unit <unit>] <secret>`
    pub fn secret_revoke(id: &SecretId, relation: RelationId, unit: Option<&str>) -> Vec<String> {
        grant_or_revoke("secret-revoke", id, relation, unit)
    }
    /// `secret-remove <id> [--revision N]`
    pub fn secret_remove(id: &SecretId, revision: Option<u64>) -> Vec<String> {
        let mut argv = v(["secret-remove", id.as_str()]);
        if let Some(rev) = revision {
            argv.extend(v(["--revision", &rev.to_string()]));
        }
        argv
    }
    /// `state-get --format=json`
    pub fn state_get() -> Vec<String> {
        v(["state-get", "--format=json"])
    }
    /// `state-set --file -`
    pub fn state_set() -> Vec<String> {
        v(["state-set", "--file", "-"])
    }
    /// `state-delete <key>`
    pub fn state_delete(key: &str) -> Vec<String> {
        v(["state-delete", key])
    }
    /// `storage-get --format=json -s <id> <key>`
    pub fn storage_get(id: &str, key: &str) -> Vec<String> {
        v(["storage-get", "--format=json", "-s", id, key])
    }
    /// `storage-list --format=json <name>`
    pub fn storage_list(name: &str) -> Vec<String> {
        v(["storage-list", "--format=json", name])
    }
    /// `action-get --format=json`
    pub fn action_get() -> Vec<String> {
        v(["action-get", "--format=json"])
    }
    /// `action-set key=value ...`
    pub fn action_set(results: &BTreeMap<String, String>) -> Vec<String> {
        let mut argv = v(["action-set"]);
        argv.extend(results.iter().map(|(k, v)| format!("{k}={v}")));
        argv
    }
    /// `action-log -- <message>` (the message cut to fit one argument)
    pub fn action_log(message: &str) -> Vec<String> {
        v(["action-log", "--", &log_message(message)])
    }
    /// `action-fail -- <message>` (the message cut to fit one argument)
    pub fn action_fail(message: &str) -> Vec<String> {
        v(["action-fail", "--", &log_message(message)])
    }
}

impl HookTools for ProcessTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()> {
        self.exec(&argv::juju_log(level, message), None).map(drop)
    }

    fn is_leader(&self) -> Result<bool> {
        output::is_leader(&self.exec(&argv::is_leader(), None)?)
    }

    fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        output::config_get(&self.exec(&argv::config_get(), None)?)
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        output::relation_ids(&self.exec(&argv::relation_ids(endpoint), None)?)
    }

    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>> {
        output::relation_list(&self.exec(&argv::relation_list(relation), None)?)
    }

    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>> {
        output::relation_remote_app(&self.exec(&argv::relation_remote_app(relation), None)?)
    }

    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>> {
        output::relation_get(&self.exec(&argv::relation_get(relation, owner, app), None)?)
    }

    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let stdin = serde_json::to_vec(changes).map_err(|e| Error::msg(e.to_string()))?;
        self.exec(&argv::relation_set(relation, app), Some(&stdin))
            .map(drop)
    }

    fn status_set(&self, app: bool, status: &Status) -> Result<()> {
        self.exec(&argv::status_set(app, status), None).map(drop)
    }

    fn status_get(&self, app: bool) -> Result<Status> {
        output::status_get(&self.exec(&argv::status_get(app), None)?, app)
    }

    fn application_version_set(&self, version: &str) -> Result<()> {
        self.exec(&argv::application_version_set(version), None)
            .map(drop)
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId> {
        let (files, content_args) = self.content_args(&secret.content)?;
        let out = self.exec(&argv::secret_add(secret, &content_args), None);
        // The content files go as soon as the tool has read them.
        drop(files);
        output::secret_add(&out?)
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent> {
        output::secret_get(&self.exec(&argv::secret_get(id, label, read), None)?)
    }

    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo> {
        output::secret_info_get(&self.exec(&argv::secret_info_get(id, label), None)?)
    }

    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()> {
        let (files, content_args) = match content {
            Some(content) => {
                let (dir, args) = self.content_args(content)?;
                (Some(dir), args)
            }
            None => (None, Vec::new()),
        };
        let out = self.exec(&argv::secret_set(id, label, &content_args), None);
        drop(files);
        out.map(drop)
    }

    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.exec(&argv::secret_grant(id, relation, unit), None)
            .map(drop)
    }

    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.exec(&argv::secret_revoke(id, relation, unit), None)
            .map(drop)
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()> {
        self.exec(&argv::secret_remove(id, revision), None)
            .map(drop)
    }

    fn state_get(&self) -> Result<BTreeMap<String, String>> {
        output::state_get(&self.exec(&argv::state_get(), None)?)
    }

    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        let stdin = serde_json::to_vec(values).map_err(|e| Error::msg(e.to_string()))?;
        self.exec(&argv::state_set(), Some(&stdin)).map(drop)
    }

    fn state_delete(&self, key: &str) -> Result<()> {
        self.exec(&argv::state_delete(key), None).map(drop)
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        output::storage_get(&self.exec(&argv::storage_get(id, key), None)?)
    }

    fn storage_list(&self, name: &str) -> Result<Vec<String>> {
        output::storage_list(&self.exec(&argv::storage_list(name), None)?)
    }

    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        output::action_get(&self.exec(&argv::action_get(), None)?)
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        self.exec(&argv::action_set(results), None).map(drop)
    }

    fn action_log(&self, message: &str) -> Result<()> {
        self.exec(&argv::action_log(message), None).map(drop)
    }

    fn action_fail(&self, message: &str) -> Result<()> {
        self.exec(&argv::action_fail(message), None).map(drop)
    }
}

/// Parsers of hook-tool output, one per shape the backend reads: each takes the tool's
/// stdout and returns the typed value or an [`Error::ToolOutput`] naming the tool.
/// Pure functions, so the fuzz targets (`fuzz/`) run exactly what production runs.
#[doc(hidden)]
pub mod output {
    use super::*;

    /// A failed tool's stderr, classified as `ops` does it (research/juju-contract.md §2.2): what the fuzz
    /// targets feed the stderr parser through.
    pub fn failure(tool: &str, args: &[&str], code: i32, stderr: &str) -> Error {
        classify(tool, args, code, stderr)
    }

    /// `is-leader --format=json`: `true` or `false`.
    pub fn is_leader(out: &[u8]) -> Result<bool> {
        parse_json("is-leader", out)
    }

    /// `config-get --format=json`: a map (`null` when empty).
    pub fn config_get(out: &[u8]) -> Result<serde_json::Map<String, Value>> {
        let v: Option<serde_json::Map<String, Value>> = parse_json("config-get", out)?;
        Ok(v.unwrap_or_default())
    }

    /// `relation-ids --format=json`: a list of `endpoint:id` (`null` when empty).
    pub fn relation_ids(out: &[u8]) -> Result<Vec<RelationId>> {
        let ids: Option<Vec<String>> = parse_json("relation-ids", out)?;
        ids.unwrap_or_default()
            .iter()
            .map(|s| {
                RelationId::parse(s).ok_or_else(|| Error::ToolOutput {
                    tool: "relation-ids".into(),
                    detail: format!(
                        "{} is not a relation id (expected `<endpoint>:<number>`)",
                        crate::databag::preview(s)
                    ),
                })
            })
            .collect()
    }

    /// `relation-list --format=json`: unit names (`null` when empty).
    pub fn relation_list(out: &[u8]) -> Result<Vec<String>> {
        let units: Option<Vec<String>> = parse_json("relation-list", out)?;
        Ok(units.unwrap_or_default())
    }

    /// `relation-list --format=json --app`: the remote application's name, or `null`/`""`.
    pub fn relation_remote_app(out: &[u8]) -> Result<Option<String>> {
        let app: Option<String> = parse_json("relation-list", out)?;
        Ok(app.filter(|a| !a.is_empty()))
    }

    /// `relation-get --format=json - <owner>`: a map of strings (`null` when empty).
    pub fn relation_get(out: &[u8]) -> Result<BTreeMap<String, String>> {
        string_map("relation-get", out, true)
    }

    /// A map of strings (or `null`); a value of another type is an error naming its key,
    /// and showing the value only if `show_values`.
    fn string_map(tool: &str, out: &[u8], show_values: bool) -> Result<BTreeMap<String, String>> {
        let map: Option<BTreeMap<String, Value>> = parse_json(tool, out)?;
        map.unwrap_or_default()
            .into_iter()
            .map(|(key, value)| match value {
                Value::String(s) => Ok((key, s)),
                other => Err(Error::ToolOutput {
                    tool: tool.into(),
                    detail: if show_values {
                        format!(
                            "key {key:?}: expected a string, got {}",
                            crate::databag::preview(&other.to_string())
                        )
                    } else {
                        format!("key {key:?}: expected a string, got another JSON type (not shown)")
                    },
                }),
            })
            .collect()
    }

    /// `status-get --include-data --format=json`: the unit's `{"status", "message"}`, or
    /// (`app`) the application's under `application-status`.
    pub fn status_get(out: &[u8], app: bool) -> Result<Status> {
        let v: Value = parse_json("status-get", out)?;
        let obj = if app {
            v.get("application-status").cloned().unwrap_or(Value::Null)
        } else {
            v
        };
        Status::from_status_get(&obj).ok_or_else(|| Error::ToolOutput {
            tool: "status-get".into(),
            detail: format!(
                "expected an object with a known `status` and a `message`, got {}",
                crate::databag::preview(&obj.to_string())
            ),
        })
    }

    /// `secret-add`: the new secret's URI on one line.
    pub fn secret_add(out: &[u8]) -> Result<SecretId> {
        let id = String::from_utf8_lossy(out);
        let id = id.trim();
        SecretId::parse(id).ok_or_else(|| Error::ToolOutput {
            tool: "secret-add".into(),
            detail: format!("expected a secret URI, got {}", crate::databag::preview(id)),
        })
    }

    /// `secret-get --format=json`: the content, a map of strings. Errors never show it.
    pub fn secret_get(out: &[u8]) -> Result<SecretContent> {
        if out.trim_ascii() == b"null" {
            return Err(Error::ToolOutput {
                tool: "secret-get".into(),
                detail: "expected a map of strings, got null".into(),
            });
        }
        Ok(SecretContent::from(string_map("secret-get", out, false)?))
    }

    /// `secret-info-get --format=json`: `{"<id>": {"revision": N, "label": ..}}`.
    pub fn secret_info_get(out: &[u8]) -> Result<SecretInfo> {
        let map: BTreeMap<String, Value> = parse_json("secret-info-get", out)?;
        SecretInfo::from_info_get(&map).ok_or_else(|| Error::ToolOutput {
            tool: "secret-info-get".into(),
            detail: "expected one `{\"<id>\": {\"revision\": N, ...}}` entry".into(),
        })
    }

    /// `storage-get --format=json -s <id> <key>`: a string (`null` when unset).
    pub fn storage_get(out: &[u8]) -> Result<String> {
        let v: Option<String> = parse_json("storage-get", out)?;
        Ok(v.unwrap_or_default())
    }

    /// `storage-list --format=json`: storage instance ids (`null` when none).
    pub fn storage_list(out: &[u8]) -> Result<Vec<String>> {
        let ids: Option<Vec<String>> = parse_json("storage-list", out)?;
        Ok(ids.unwrap_or_default())
    }

    /// `action-get --format=json`: the action's parameters (`null` when none).
    pub fn action_get(out: &[u8]) -> Result<serde_json::Map<String, Value>> {
        let v: Option<serde_json::Map<String, Value>> = parse_json("action-get", out)?;
        Ok(v.unwrap_or_default())
    }

    /// `state-get --format=json`: a map of strings (`null` when empty).
    pub fn state_get(out: &[u8]) -> Result<BTreeMap<String, String>> {
        string_map("state-get", out, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_maps_juju_errors_to_typed_errors() {
        let e = classify(
            "relation-get",
            &["--format=json", "-r", "db:9", "-", "x/0"],
            2,
            "ERROR invalid value \"db:9\" for flag -r: relation not found\n",
        );
        assert!(matches!(e, Error::RelationNotFound { ref relation } if relation == "db:9"));
        let e = classify(
            "relation-get",
            &["-r", "3", "-", "x/9"],
            1,
            "ERROR cannot read settings for unit \"x/9\" in relation \"db:3\": unit \"x/9\": settings not found\n",
        );
        assert!(matches!(e, Error::Tool { .. }), "{e:?}");
        let e = classify(
            "relation-list",
            &["-r", "3"],
            1,
            "ERROR relation 3 not found\n",
        );
        assert!(matches!(e, Error::RelationNotFound { .. }), "{e:?}");
        let e = classify("relation-get", &["-r", "3"], 1, "ERROR permission denied\n");
        assert!(matches!(e, Error::PermissionDenied { .. }));
        let e = classify(
            "relation-set",
            &["-r", "3", "--app"],
            1,
            "ERROR cannot write relation settings\n",
        );
        assert!(matches!(e, Error::NotLeader { .. }));
        let e = classify(
            "secret-get",
            &["secret:abc"],
            1,
            "ERROR secret \"abc\" not found\n",
        );
        assert!(matches!(e, Error::SecretNotFound { ref secret } if secret == "secret:abc"));
        let e = classify("config-get", &[], 1, "ERROR boom\n");
        assert_eq!(
            e.to_string(),
            "hook tool `config-get` failed (exit code 1): boom"
        );
    }

    #[test]
    fn malformed_json_names_the_tool_and_the_expected_shape() {
        let e = parse_json::<Vec<String>>("relation-list", b"{not json").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("relation-list"), "{text}");
        assert!(text.contains("expected JSON"), "{text}");
    }

    const CANARY: &str = "hunter2-canary";

    #[test]
    fn secret_get_errors_never_show_the_output() {
        let mut not_utf8 = format!("{{\"password\": \"{CANARY}").into_bytes();
        not_utf8.extend(b"\xff\"}");
        for out in [
            format!("{{\"password\": \"{CANARY}").into_bytes(), // truncated
            format!("\"{CANARY}\"").into_bytes(),               // a string, not a map
            format!("{{\"password\": [\"{CANARY}\"]}}").into_bytes(), // another type
            format!("{{\"password\": \"{CANARY}\"}} x").into_bytes(), // trailing garbage
            not_utf8,
            b"null".to_vec(),
        ] {
            let e = output::secret_get(&out).unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(!text.contains(CANARY), "secret-get error leaks its output");
            assert!(text.contains("secret-get"), "{text}");
        }
        let c = output::secret_get(format!("{{\"password\": \"{CANARY}\"}}").as_bytes()).unwrap();
        assert!(!format!("{c:?}").contains(CANARY));
        let e = c.require("username").unwrap_err().to_string();
        assert!(e.contains("`username`") && e.contains("password"), "{e}");
        assert!(!e.contains(CANARY));
    }

    #[test]
    fn output_errors_name_the_key_and_the_type() {
        let e = output::relation_get(br#"{"database": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("relation-get") && e.contains("key \"database\""),
            "{e}"
        );
        // Keys come from outside: quoted and escaped, a newline cannot break the log line.
        // (fuzz/tool_output tripped on a key holding a backtick when keys were `key`.)
        let e = output::relation_get(b"{\"a\\nb`\": 5}")
            .unwrap_err()
            .to_string();
        assert!(e.contains(r#"key "a\nb`": expected a string"#), "{e}");
        let e = output::relation_ids(br#"["db:x"]"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"db:x\" is not a relation id"), "{e}");
        let e = output::relation_list(b"{}").unwrap_err().to_string();
        assert!(e.contains("Vec<String>"), "{e}");
        let e = output::status_get(br#"{"status": "sleepy"}"#, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("status-get") && e.contains("sleepy"), "{e}");
        assert_eq!(output::relation_get(b"null\n").unwrap().len(), 0);
        assert_eq!(output::state_get(b"null\n").unwrap().len(), 0);
        assert!(output::is_leader(b"").is_err());
        assert!(output::secret_add(b"\xff\xfe").is_err());
    }

    #[test]
    fn huge_and_many_values_parse() {
        let big = "x".repeat(1 << 20);
        let out = serde_json::to_vec(&serde_json::json!({ "big": big })).unwrap();
        assert_eq!(output::relation_get(&out).unwrap()["big"].len(), 1 << 20);
        let many: BTreeMap<String, String> = (0..10_000)
            .map(|i| (format!("k{i}"), i.to_string()))
            .collect();
        let out = serde_json::to_vec(&many).unwrap();
        assert_eq!(output::relation_get(&out).unwrap(), many);
        // A huge malformed output is reported with a short preview, not copied whole.
        let mut bad = out.clone();
        bad.push(b'x');
        let e = output::relation_get(&bad).unwrap_err().to_string();
        assert!(e.len() < 1000, "{} bytes", e.len());
    }

    #[test]
    fn log_messages_fit_one_argument() {
        assert_eq!(log_message("short"), "short");
        assert_eq!(log_message("a\0b"), "a\\0b");
        let long = "é".repeat(MAX_LOG_MESSAGE);
        let cut = log_message(&long);
        assert!(cut.len() <= MAX_LOG_MESSAGE, "{}", cut.len());
        assert!(cut.ends_with("bytes in all)"));
    }

    #[cfg(unix)]
    #[test]
    fn secret_files_are_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let tools = ProcessTools::new();
        let content = SecretContent::new().with("password", CANARY);
        let (dir, args) = tools.content_args(&content).unwrap();
        assert_eq!(args.len(), 1);
        let path = args[0].strip_prefix("password#file=").unwrap().to_string();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(std::path::Path::new(&path)), 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), CANARY);
        drop(dir);
        assert!(!std::path::Path::new(&path).exists());
        // Keys are file names: nothing but Juju's key syntax gets that far.
        let bad = SecretContent::new().with("../escape", "x");
        assert!(tools.content_args(&bad).is_err());
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(
            short_type_name::<BTreeMap<String, String>>(),
            "BTreeMap<String, String>"
        );
        assert_eq!(
            short_type_name::<Option<Vec<String>>>(),
            "Option<Vec<String>>"
        );
    }
}
