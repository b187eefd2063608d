//! The argv of every hook-tool call, tool name first: one definition, used by
//! [`ProcessTools`](super::ProcessTools) to run the tools and by the testing backend to
//! record the calls, so what a test shows is what production runs.
//!
//! The forms are those of Juju 3.x's hook tools
//! ([`worker/uniter/runner/jujuc/`](https://github.com/juju/juju/tree/3.6/worker/uniter/runner/jujuc)
//! in juju/juju) as `ops` calls them (`_ModelBackend` in canonical/operator's
//! [`ops/model.py`](https://github.com/canonical/operator/blob/main/ops/model.py)):
//! `--format=json` on every read, a JSON map on stdin (`--file -`) for `relation-set` and
//! `state-set`, and secret content as `key#file=<path>` arguments so that it never
//! appears in a process list.

use std::collections::BTreeMap;

use crate::port::Port;
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretId, SecretMeta, SecretOwner, SecretRead};
use crate::status::Status;

use super::LogLevel;

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
/// `status-set --application=<True|False> <status> -- <message>` (the message cut to fit
/// one argument, as `juju-log`'s)
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
/// `secret-add [--label L] [--description D] [--expire E] [--rotate R] --owner <owner>
/// <content args>`
pub fn secret_add(secret: &NewSecret, content_args: &[String]) -> Vec<String> {
    let mut argv = v(["secret-add"]);
    argv.extend(meta_flags(&SecretMeta {
        label: secret.label.clone(),
        description: secret.description.clone(),
        expire: secret.expire,
        rotate: secret.rotate,
    }));
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
/// `--label L --description D --expire E --rotate R`, each only when set.
fn meta_flags(meta: &SecretMeta) -> Vec<String> {
    let mut argv = Vec::new();
    if let Some(label) = &meta.label {
        argv.extend(v(["--label", label]));
    }
    if let Some(description) = &meta.description {
        argv.extend(v(["--description", description]));
    }
    if let Some(expire) = &meta.expire {
        argv.extend(v(["--expire", &expire.to_arg()]));
    }
    if let Some(rotate) = meta.rotate {
        argv.extend(v(["--rotate", rotate.as_str()]));
    }
    argv
}
/// `secret-set [--label L] [--description D] [--expire E] [--rotate R] <id>`: the
/// metadata only, the content unchanged.
pub fn secret_set_info(id: &SecretId, meta: &SecretMeta) -> Vec<String> {
    let mut argv = v(["secret-set"]);
    argv.extend(meta_flags(meta));
    argv.push(id.as_str().into());
    argv
}
/// `secret-ids --format=json`
pub fn secret_ids() -> Vec<String> {
    v(["secret-ids", "--format=json"])
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
/// The stdin of `relation-set --file -` and `state-set --file -`: `values` as a JSON
/// object every character of which go-yaml v2, Juju's reader, takes back as it was.
///
/// Juju reads that stdin with go-yaml v2 into a map of strings (`readSettings`,
/// `internal/worker/uniter/runner/jujuc/relation-set.go`). go-yaml v2's reader refuses raw
/// U+007F, U+0080–U+009F (but U+0085), U+FFFE and U+FFFF, and its scanner folds a raw
/// U+0085 to a space and drops the blanks beside a raw U+2028 or U+2029 (`readerc.go`,
/// `scannerc.go`); `serde_json` writes all of them raw. Here every character outside
/// printable ASCII in the Basic Multilingual Plane is escaped `\uXXXX`, as `ops`'
/// `json.dumps` escapes it; a character beyond it is written raw, since go-yaml v2 refuses
/// the surrogate escapes JSON would use (`\ud83d\ude00`: "found invalid Unicode
/// character escape code") and takes the raw character. The result is still JSON.
///
/// ```
/// use std::collections::BTreeMap;
/// let values = BTreeMap::from([("k".to_string(), "é\u{85}\u{2028} 😀".to_string())]);
/// let stdin = charm_runtime::backend::argv::settings_stdin(&values);
/// assert_eq!(stdin, r#"{"k":"\u00e9\u0085\u2028 😀"}"#);
/// let back: BTreeMap<String, String> = serde_json::from_str(&stdin).unwrap();
/// assert_eq!(back, values);
/// ```
pub fn settings_stdin(values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(2 + values.len() * 16);
    out.push('{');
    for (i, (k, v)) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(&mut out, k);
        out.push(':');
        json_string(&mut out, v);
    }
    out.push('}');
    out
}

/// `s` as a JSON string, escaped for go-yaml v2 ([`settings_stdin`]).
fn json_string(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x1_0000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
/// `open-port [--endpoints a,b] <port>` (every endpoint when `endpoints` is empty)
pub fn open_port(port: &Port, endpoints: &[&str]) -> Vec<String> {
    port_tool("open-port", port, endpoints)
}
/// `close-port [--endpoints a,b] <port>`
pub fn close_port(port: &Port, endpoints: &[&str]) -> Vec<String> {
    port_tool("close-port", port, endpoints)
}
fn port_tool(tool: &str, port: &Port, endpoints: &[&str]) -> Vec<String> {
    let mut argv = v([tool]);
    if !endpoints.is_empty() {
        argv.extend(v(["--endpoints", &endpoints.join(",")]));
    }
    argv.push(port.to_string());
    argv
}
/// `opened-ports --format=json`
pub fn opened_ports() -> Vec<String> {
    v(["opened-ports", "--format=json"])
}
/// `network-get --format=json [-r <id>] <binding>`
pub fn network_get(binding: &str, relation: Option<RelationId>) -> Vec<String> {
    let mut argv = v(["network-get", "--format=json"]);
    if let Some(r) = relation {
        argv.extend(v(["-r", &r.to_string()]));
    }
    argv.push(binding.into());
    argv
}
/// `goal-state --format=json`
pub fn goal_state() -> Vec<String> {
    v(["goal-state", "--format=json"])
}
/// `resource-get <name>` (it has no `--format`: it prints the path)
pub fn resource_get(name: &str) -> Vec<String> {
    v(["resource-get", name])
}
/// `credential-get --format=json`
pub fn credential_get() -> Vec<String> {
    v(["credential-get", "--format=json"])
}
/// `juju-reboot [--now]`
pub fn juju_reboot(now: bool) -> Vec<String> {
    if now {
        v(["juju-reboot", "--now"])
    } else {
        v(["juju-reboot"])
    }
}
/// `storage-add <name>=<count>`
pub fn storage_add(name: &str, count: u32) -> Vec<String> {
    v(["storage-add", &format!("{name}={count}")])
}
/// `relation-model-get --format=json -r <id>`
pub fn relation_model_get(relation: RelationId) -> Vec<String> {
    v([
        "relation-model-get",
        "--format=json",
        "-r",
        &relation.to_string(),
    ])
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
/// `action-fail -- <message>` (the message cut to fit one argument, as `juju-log`'s)
pub fn action_fail(message: &str) -> Vec<String> {
    v(["action-fail", "--", &log_message(message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_messages_fit_one_argument() {
        assert_eq!(log_message("short"), "short");
        assert_eq!(log_message("a\0b"), "a\\0b");
        let long = "é".repeat(MAX_LOG_MESSAGE);
        let cut = log_message(&long);
        assert!(cut.len() <= MAX_LOG_MESSAGE, "{}", cut.len());
        assert!(cut.ends_with("bytes in all)"));
    }
}
