//! What the simulator reports: hook records, tool calls, log lines, settle bounds and
//! reports, and the model's relations, secrets and action outcomes as it shows them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

/// One `juju-log` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, ...
    pub level: String,
    /// The message (prefixed `<endpoint>:<id>: ` in relation hooks, as Juju does).
    pub message: String,
    /// The hook (or `action <name>`) that logged it.
    pub hook: String,
}

/// One hook-tool invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// Tool name and arguments.
    pub argv: Vec<String>,
    /// Standard input, if the tool read it (`--file -`).
    pub stdin: Option<String>,
    /// Exit code.
    pub exit_code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// One hook (or action) that ran.
#[derive(Clone, Debug)]
pub struct HookRecord {
    /// The unit.
    pub unit: String,
    /// Hook name (`db-relation-changed`), or `action <name>`.
    pub hook: String,
    /// Relation id for relation hooks.
    pub relation_id: Option<u32>,
    /// `JUJU_REMOTE_UNIT` for relation hooks (empty for created/broken/app-level changed).
    pub remote_unit: Option<String>,
    /// Exit code (`None` when killed by a signal or not started).
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration: Duration,
    /// Peak resident set size of the hook process and the children it waited for, in
    /// bytes (`ru_maxrss` from `wait4`); `None` when it could not be read. Linux counts
    /// the spawning process's RSS at the time of the spawn into this high-water mark, so
    /// it is never below the simulator's own RSS.
    pub peak_rss: Option<u64>,
    /// User plus system CPU time of the hook process and the children it waited for
    /// (`wait4`); `None` when it could not be read.
    pub cpu_time: Option<Duration>,
    /// Hook-tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// The charm's stdout: its last 64 KiB, bytes that are not UTF-8 as U+FFFD.
    pub stdout: String,
    /// The charm's stderr: its last 64 KiB, bytes that are not UTF-8 as U+FFFD.
    pub stderr: String,
}

impl HookRecord {
    /// Whether the hook exited 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Bounds and output of [`Model::settle_with`](super::Model::settle_with).
#[derive(Clone, Debug)]
pub struct SettleOptions {
    /// Stop with an error after this many hooks.
    pub max_hooks: usize,
    /// Stop with an error when one (unit, hook, remote unit) runs this many times.
    pub max_repeats: usize,
    /// Retries of a failing hook before the unit counts as stuck.
    pub max_retries: u32,
    /// Print a progress line to stderr every few seconds.
    pub progress: bool,
}

impl Default for SettleOptions {
    fn default() -> Self {
        SettleOptions {
            max_hooks: 5_000_000,
            max_repeats: 100,
            max_retries: 3,
            progress: false,
        }
    }
}

/// What a [`Model::settle`](super::Model::settle) did.
#[derive(Clone, Debug, Default)]
pub struct SettleReport {
    /// Hooks run.
    pub hooks: usize,
    /// Of which failed (and were retried).
    pub failed_hooks: usize,
    /// Wall time.
    pub duration: Duration,
}

/// A relation as the model knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationInfo {
    /// Relation id.
    pub id: u32,
    /// Interface.
    pub interface: String,
    /// `app:endpoint` of each side: `[provider, requirer]`, or one entry for a peer relation.
    pub endpoints: Vec<String>,
    /// Whether this is a peer relation.
    pub peer: bool,
    /// Whether it is being removed.
    pub dying: bool,
}

/// A secret as the model stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// `secret://<model-uuid>/<xid>`.
    pub uri: String,
    /// The 20-character id.
    pub xid: String,
    /// Owner: an application name or a unit name.
    pub owner: String,
    /// Owner label.
    pub label: Option<String>,
    /// Latest revision.
    pub revision: u32,
    /// Content of each revision.
    pub revisions: BTreeMap<u32, BTreeMap<String, String>>,
    /// Grants: relation id and grantee (application or unit name).
    pub grants: Vec<(u32, String)>,
    /// Consumers: unit name to (consumer label, tracked revision).
    pub consumers: BTreeMap<String, (Option<String>, u32)>,
}

impl SecretInfo {
    /// Content of the latest revision.
    pub fn content(&self) -> BTreeMap<String, String> {
        self.revisions
            .get(&self.revision)
            .cloned()
            .unwrap_or_default()
    }
}

/// Outcome of [`Model::run_action`](super::Model::run_action).
#[derive(Clone, Debug)]
pub struct ActionOutcome {
    /// `completed` or `failed`.
    pub status: String,
    /// Failure message (`action-fail`, or `exit status N`).
    pub message: String,
    /// Results set with `action-set` (nested).
    pub results: Value,
    /// `action-log` lines.
    pub logs: Vec<String>,
    /// The record of the run.
    pub record: HookRecord,
}

/// One line per hook for `--verbose`.
pub fn format_record(r: &HookRecord) -> String {
    let rc = match r.exit_code {
        Some(c) => format!("rc={c}"),
        None => "killed".to_string(),
    };
    let remote = match r.remote_unit.as_deref() {
        Some(u) if !u.is_empty() => format!(" ({u})"),
        _ => String::new(),
    };
    let mut s = format!(
        "{:<14} {:<34} {rc:<7} {:>5}ms  {} tool calls",
        r.unit,
        format!("{}{remote}", r.hook),
        r.duration.as_millis(),
        r.tool_calls.len()
    );
    if !r.succeeded() {
        let lines: Vec<&str> = r.stderr.lines().collect();
        for l in &lines[lines.len().saturating_sub(5)..] {
            s.push_str("\n    | ");
            s.push_str(l);
        }
    }
    for c in &r.tool_calls {
        s.push_str("\n    ");
        s.push_str(&c.argv.join(" "));
        if c.exit_code != 0 {
            s.push_str(&format!("  => rc={} {}", c.exit_code, c.stderr.trim_end()));
        }
    }
    s
}
