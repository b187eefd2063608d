//! Parsers of hook-tool output, one per shape the backend reads: each takes the tool's
//! stdout and returns the typed value or an [`Error::ToolOutput`] naming the tool.
//! Pure functions, so the fuzz targets (`fuzz/`) run exactly what production runs.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::{SecretContent, SecretId, SecretInfo};
use crate::status::Status;

/// A failed tool's exit code and stderr as the typed error production returns: what the
/// fuzz targets feed the stderr parser through.
pub fn failure(tool: &str, args: &[&str], code: i32, stderr: &str) -> Error {
    super::classify(tool, args, code, stderr)
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

/// `opened-ports --format=json`: the ports (`null` when none); an entry that is no
/// port is an error naming it.
pub fn opened_ports(out: &[u8]) -> Result<Vec<crate::port::Port>> {
    let ports: Option<Vec<String>> = parse_json("opened-ports", out)?;
    ports
        .unwrap_or_default()
        .iter()
        .map(|p| {
            p.parse()
                .map_err(|e: crate::port::PortParseError| Error::ToolOutput {
                    tool: "opened-ports".into(),
                    detail: e.to_string(),
                })
        })
        .collect()
}

/// `network-get --format=json`: the binding's network.
pub fn network_get(out: &[u8]) -> Result<crate::network::Network> {
    parse_json("network-get", out)
}

/// `goal-state --format=json`.
pub fn goal_state(out: &[u8]) -> Result<crate::goal_state::GoalState> {
    parse_json("goal-state", out)
}

/// `resource-get`: the path, on one line (a trailing newline, if any, dropped).
pub fn resource_get(out: &[u8]) -> Result<std::path::PathBuf> {
    let path = String::from_utf8_lossy(out);
    let path = path.trim_end_matches(['\n', '\r']);
    if path.is_empty() {
        return Err(Error::ToolOutput {
            tool: "resource-get".into(),
            detail: "printed no path".into(),
        });
    }
    Ok(std::path::PathBuf::from(path))
}

/// `credential-get --format=json`.
pub fn credential_get(out: &[u8]) -> Result<crate::cloud::CloudSpec> {
    parse_json("credential-get", out)
}

/// `relation-model-get --format=json`: `{"uuid": "<model uuid>"}`.
pub fn relation_model_get(out: &[u8]) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Model {
        uuid: String,
    }
    let m: Model = parse_json("relation-model-get", out)?;
    Ok(m.uuid)
}

/// `secret-ids --format=json`: the ids of the secrets the unit owns (`null` when none).
pub fn secret_ids(out: &[u8]) -> Result<Vec<SecretId>> {
    let ids: Option<Vec<String>> = parse_json("secret-ids", out)?;
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            let uri = if id.starts_with("secret:") {
                id.clone()
            } else {
                format!("secret:{id}")
            };
            SecretId::parse(&uri).ok_or_else(|| Error::ToolOutput {
                tool: "secret-ids".into(),
                detail: format!("{} is not a secret id", crate::databag::preview(id)),
            })
        })
        .collect()
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

/// Parses a tool's `--format=json` output.
///
/// The error names the tool and the expected type and, for tools whose output is not
/// secret, shows the start of the output. For `secret-*` tools it shows neither the output
/// nor serde's message (which quotes the offending value): only where parsing stopped.
fn parse_json<T: DeserializeOwned>(tool: &str, out: &[u8]) -> Result<T> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            let e = secret_get(&out).unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(!text.contains(CANARY), "secret-get error leaks its output");
            assert!(text.contains("secret-get"), "{text}");
        }
        let c = secret_get(format!("{{\"password\": \"{CANARY}\"}}").as_bytes()).unwrap();
        assert!(!format!("{c:?}").contains(CANARY));
        let e = c.require("username").unwrap_err().to_string();
        assert!(e.contains("`username`") && e.contains("password"), "{e}");
        assert!(!e.contains(CANARY));
    }

    #[test]
    fn output_errors_name_the_key_and_the_type() {
        let e = relation_get(br#"{"database": 5}"#).unwrap_err().to_string();
        assert!(
            e.contains("relation-get") && e.contains("key \"database\""),
            "{e}"
        );
        // Keys come from outside: quoted and escaped, a newline cannot break the log line.
        // (fuzz/tool_output tripped on a key holding a backtick when keys were `key`.)
        let e = relation_get(b"{\"a\\nb`\": 5}").unwrap_err().to_string();
        assert!(e.contains(r#"key "a\nb`": expected a string"#), "{e}");
        let e = relation_ids(br#"["db:x"]"#).unwrap_err().to_string();
        assert!(e.contains("\"db:x\" is not a relation id"), "{e}");
        let e = relation_list(b"{}").unwrap_err().to_string();
        assert!(e.contains("Vec<String>"), "{e}");
        let e = status_get(br#"{"status": "sleepy"}"#, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("status-get") && e.contains("sleepy"), "{e}");
        assert_eq!(relation_get(b"null\n").unwrap().len(), 0);
        assert_eq!(state_get(b"null\n").unwrap().len(), 0);
        assert!(is_leader(b"").is_err());
        assert!(secret_add(b"\xff\xfe").is_err());
    }

    #[test]
    fn huge_and_many_values_parse() {
        let big = "x".repeat(1 << 20);
        let out = serde_json::to_vec(&serde_json::json!({ "big": big })).unwrap();
        assert_eq!(relation_get(&out).unwrap()["big"].len(), 1 << 20);
        let many: BTreeMap<String, String> = (0..10_000)
            .map(|i| (format!("k{i}"), i.to_string()))
            .collect();
        let out = serde_json::to_vec(&many).unwrap();
        assert_eq!(relation_get(&out).unwrap(), many);
        // A huge malformed output is reported with a short preview, not copied whole.
        let mut bad = out.clone();
        bad.push(b'x');
        let e = relation_get(&bad).unwrap_err().to_string();
        assert!(e.len() < 1000, "{} bytes", e.len());
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
