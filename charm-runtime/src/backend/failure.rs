//! A failed hook tool, turned into a typed [`Error`].
//!
//! Juju's hook tools report a failure as `ERROR <message>` on stderr and a non-zero exit
//! code. The texts looked for in the message are those `ops` looks for
//! (`_ModelBackend._wrap_hookcmd` and `_check_for_security_event` in canonical/operator's
//! [`ops/model.py`](https://github.com/canonical/operator/blob/main/ops/model.py)).

use crate::error::Error;

/// Turns a tool's failure into a typed error: `relation not found` from a `relation-*` or
/// `network-get` tool is [`Error::RelationNotFound`]; `not the leader` or `cannot write
/// relation settings` is [`Error::NotLeader`]; `permission denied` is
/// [`Error::PermissionDenied`]; `not found` from a `secret-*` tool is
/// [`Error::SecretNotFound`]; anything else is [`Error::Tool`] with the message.
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

/// `relation not found` (Juju's answer to a `-r` id it does not know) or `relation 3 not
/// found`; not `settings not found`, Juju's answer for a unit it does not know.
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
}
