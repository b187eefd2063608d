//! The hook-tool boundary: one trait, [`HookTools`], with the real implementation
//! ([`ProcessTools`], which runs Juju's hook tools as processes) and, behind the `testing`
//! feature, an in-memory one.
//!
//! The argv is what Juju 3.x documents and what `ops` 3.x sends: `--format=json` on every
//! read, `relation-set -r <id> [--app] --file -` with a JSON map on stdin for writes,
//! secret content passed as `key#file=<path>` so it never appears in a process list.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretOwner, SecretRead};
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
    /// Directory for secret content files, created on first use.
    secret_dir: RefCell<Option<tempfile::TempDir>>,
}

impl ProcessTools {
    /// A backend that runs the tools found on `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `tool args...`, feeding `stdin`, and returns stdout, or a typed error.
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
        let mut child = cmd.spawn().map_err(|e| Error::ToolMissing {
            tool: tool.into(),
            detail: e.to_string(),
        })?;
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

    fn run_json<T: DeserializeOwned>(&self, tool: &str, args: &[&str]) -> Result<T> {
        let out = self.run(tool, args, None)?;
        parse_json(tool, &out)
    }

    /// Writes each value to a private file and returns `key#file=<path>` arguments.
    fn content_args(&self, content: &SecretContent) -> Result<Vec<String>> {
        let mut dir = self.secret_dir.borrow_mut();
        if dir.is_none() {
            *dir = Some(
                tempfile::Builder::new()
                    .prefix("charm-secret")
                    .tempdir()
                    .map_err(|e| Error::io("creating a private directory for secret content", e))?,
            );
        }
        let dir = dir
            .as_ref()
            .map(|d| d.path().to_owned())
            .unwrap_or_default();
        let mut args = Vec::new();
        for (key, value) in content.iter() {
            let path = dir.join(key);
            std::fs::write(&path, value)
                .map_err(|e| Error::io(format!("writing secret key `{key}` to a file"), e))?;
            args.push(format!("{key}#file={}", path.display()));
        }
        Ok(args)
    }
}

/// Parses a tool's `--format=json` output.
pub(crate) fn parse_json<T: DeserializeOwned>(tool: &str, out: &[u8]) -> Result<T> {
    serde_json::from_slice(out).map_err(|e| Error::ToolOutput {
        tool: tool.into(),
        detail: format!(
            "expected JSON of type {}: {e}; got {:?}",
            short_type_name::<T>(),
            String::from_utf8_lossy(&out[..out.len().min(200)])
        ),
    })
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
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

fn bool_flag(name: &str, value: bool) -> String {
    format!("--{name}={}", if value { "True" } else { "False" })
}

impl HookTools for ProcessTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()> {
        self.run(
            "juju-log",
            &["--log-level", level.as_str(), "--", message],
            None,
        )
        .map(drop)
    }

    fn is_leader(&self) -> Result<bool> {
        self.run_json("is-leader", &["--format=json"])
    }

    fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        let v: Option<serde_json::Map<String, Value>> =
            self.run_json("config-get", &["--format=json"])?;
        Ok(v.unwrap_or_default())
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        let ids: Option<Vec<String>> =
            self.run_json("relation-ids", &[endpoint, "--format=json"])?;
        ids.unwrap_or_default()
            .iter()
            .map(|s| {
                RelationId::parse(s).ok_or_else(|| Error::ToolOutput {
                    tool: "relation-ids".into(),
                    detail: format!("`{s}` is not a relation id (expected `<endpoint>:<number>`)"),
                })
            })
            .collect()
    }

    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>> {
        let r = relation.to_string();
        let units: Option<Vec<String>> =
            self.run_json("relation-list", &["--format=json", "-r", &r])?;
        Ok(units.unwrap_or_default())
    }

    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>> {
        let r = relation.to_string();
        let app: Option<String> =
            self.run_json("relation-list", &["--format=json", "--app", "-r", &r])?;
        Ok(app.filter(|a| !a.is_empty()))
    }

    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>> {
        let r = relation.to_string();
        let mut args = vec!["--format=json", "-r", &r];
        if app {
            args.push("--app");
        }
        args.extend(["-", owner]);
        let bag: Option<BTreeMap<String, String>> = self.run_json("relation-get", &args)?;
        Ok(bag.unwrap_or_default())
    }

    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let r = relation.to_string();
        let mut args = vec!["-r", &r];
        if app {
            args.push("--app");
        }
        args.extend(["--file", "-"]);
        let stdin = serde_json::to_vec(changes).map_err(|e| Error::msg(e.to_string()))?;
        self.run("relation-set", &args, Some(&stdin)).map(drop)
    }

    fn status_set(&self, app: bool, status: &Status) -> Result<()> {
        let flag = bool_flag("application", app);
        self.run(
            "status-set",
            &[&flag, status.kind().as_str(), "--", status.message()],
            None,
        )
        .map(drop)
    }

    fn status_get(&self, app: bool) -> Result<Status> {
        let flag = bool_flag("application", app);
        let v: Value = self.run_json("status-get", &["--include-data", "--format=json", &flag])?;
        let obj = if app {
            v.get("application-status").cloned().unwrap_or(Value::Null)
        } else {
            v
        };
        Status::from_status_get(&obj).ok_or_else(|| Error::ToolOutput {
            tool: "status-get".into(),
            detail: format!("expected an object with `status` and `message`, got {obj}"),
        })
    }

    fn application_version_set(&self, version: &str) -> Result<()> {
        self.run("application-version-set", &["--", version], None)
            .map(drop)
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId> {
        let mut args: Vec<String> = Vec::new();
        if let Some(label) = &secret.label {
            args.extend(["--label".into(), label.clone()]);
        }
        if let Some(description) = &secret.description {
            args.extend(["--description".into(), description.clone()]);
        }
        let owner = match secret.owner {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        };
        args.extend(["--owner".into(), owner.into()]);
        args.extend(self.content_args(&secret.content)?);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run("secret-add", &argv, None)?;
        let id = String::from_utf8_lossy(&out).trim().to_string();
        SecretId::parse(&id).ok_or_else(|| Error::ToolOutput {
            tool: "secret-add".into(),
            detail: format!("expected a secret URI, got {id:?}"),
        })
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent> {
        let mut args = vec!["--format=json"];
        if let Some(id) = id {
            args.push(id.as_str());
        }
        if let Some(label) = label {
            args.extend(["--label", label]);
        }
        match read {
            SecretRead::Tracked => {}
            SecretRead::Peek => args.push("--peek"),
            SecretRead::Refresh => args.push("--refresh"),
        }
        let map: BTreeMap<String, String> = self.run_json("secret-get", &args)?;
        Ok(SecretContent::from(map))
    }

    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo> {
        let mut args = vec!["--format=json"];
        if let Some(id) = id {
            args.push(id.as_str());
        }
        if let Some(label) = label {
            args.extend(["--label", label]);
        }
        let map: BTreeMap<String, Value> = self.run_json("secret-info-get", &args)?;
        SecretInfo::from_info_get(&map).ok_or_else(|| Error::ToolOutput {
            tool: "secret-info-get".into(),
            detail: "expected one `{\"<id>\": {\"revision\": N, ...}}` entry".into(),
        })
    }

    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()> {
        let mut args: Vec<String> = Vec::new();
        if let Some(label) = label {
            args.extend(["--label".into(), label.into()]);
        }
        args.push(id.as_str().into());
        if let Some(content) = content {
            args.extend(self.content_args(content)?);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run("secret-set", &argv, None).map(drop)
    }

    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        let r = relation.number().to_string();
        let mut args = vec!["--relation", &r];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        args.push(id.as_str());
        self.run("secret-grant", &args, None).map(drop)
    }

    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        let r = relation.number().to_string();
        let mut args = vec!["--relation", &r];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        args.push(id.as_str());
        self.run("secret-revoke", &args, None).map(drop)
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()> {
        let rev = revision.map(|r| r.to_string());
        let mut args = vec![id.as_str()];
        if let Some(rev) = &rev {
            args.extend(["--revision", rev]);
        }
        self.run("secret-remove", &args, None).map(drop)
    }

    fn state_get(&self) -> Result<BTreeMap<String, String>> {
        let v: Option<BTreeMap<String, String>> = self.run_json("state-get", &["--format=json"])?;
        Ok(v.unwrap_or_default())
    }

    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        let stdin = serde_json::to_vec(values).map_err(|e| Error::msg(e.to_string()))?;
        self.run("state-set", &["--file", "-"], Some(&stdin))
            .map(drop)
    }

    fn state_delete(&self, key: &str) -> Result<()> {
        self.run("state-delete", &[key], None).map(drop)
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        let v: Option<String> = self.run_json("storage-get", &["--format=json", "-s", id, key])?;
        Ok(v.unwrap_or_default())
    }

    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        let v: Option<serde_json::Map<String, Value>> =
            self.run_json("action-get", &["--format=json"])?;
        Ok(v.unwrap_or_default())
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        let args: Vec<String> = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run("action-set", &argv, None).map(drop)
    }

    fn action_log(&self, message: &str) -> Result<()> {
        self.run("action-log", &["--", message], None).map(drop)
    }

    fn action_fail(&self, message: &str) -> Result<()> {
        self.run("action-fail", &["--", message], None).map(drop)
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
}
