//! A failed hook tool, turned into a typed [`Error`].
//!
//! Juju's hook tools report a failure as `ERROR <message>` on stderr and a non-zero exit
//! code. The texts looked for in the message are those `ops` looks for
//! (`_ModelBackend._wrap_hookcmd` and `_check_for_security_event` in canonical/operator's
//! [`ops/model.py`](https://github.com/canonical/operator/blob/main/ops/model.py)).
//!
//! The message may echo data from other charms (a secret id or a key read from a
//! databag) and ends up in `juju-log` and often in a status: it is made [`printable`]
//! first, so that it can neither split a log line nor drive a terminal, nor grow without
//! bound.

use crate::error::Error;

/// The longest tool message kept in an error, in characters: Juju's own messages are
/// one short line; a longer one is echoing something.
pub const MAX_TOOL_MESSAGE: usize = 1000;

/// `text` as one printable line of at most `max` characters (plus a note of its length
/// when cut): control characters (newlines, tabs, `ESC` and so ANSI escape sequences, C1
/// controls) and the invisible formatting characters that reorder or hide text (bidi
/// overrides, zero-width characters) are written as escapes (`\n`, `\u{1b}`).
///
/// ```
/// # use charm_runtime::backend::printable;
/// assert_eq!(printable("a\nb\x1b[31m", 100), "a\\nb\\u{1b}[31m");
/// assert_eq!(printable("abcdef", 3), "abc… (6 bytes in all)");
/// ```
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 32));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push_str(&format!("… ({} bytes in all)", text.len()));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || hides_text(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text`, [`printable`], between double quotes: a value from elsewhere, quoted in a
/// message (`"x"`; a quote or backslash in it is escaped, so the quoting is unambiguous).
pub(crate) fn quoted(text: &str, max: usize) -> String {
    let text = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{}\"", printable(&text, max))
}

/// The Unicode formatting characters that change how the text around them reads: bidi
/// marks, embeddings, overrides and isolates, zero-width characters, the BOM.
fn hides_text(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
    )
}

/// Turns a tool's failure into a typed error: `relation not found` from a `relation-*` or
/// `network-get` tool is [`Error::RelationNotFound`]; `not the leader` or `cannot write
/// relation settings` is [`Error::NotLeader`]; `permission denied` is
/// [`Error::PermissionDenied`]; `not found` from a `secret-*` tool is
/// [`Error::SecretNotFound`]; anything else is [`Error::Tool`] with the message.
pub(crate) fn classify(tool: &str, args: &[&str], code: i32, stderr: &str) -> Error {
    let raw = stderr.trim();
    let raw = raw.strip_prefix("ERROR ").unwrap_or(raw);
    let lower = raw.to_lowercase();
    let message = printable(raw, MAX_TOOL_MESSAGE);
    // Our own arguments, but they may carry a remote value (a secret id, a label).
    let command = || printable(&format!("{tool} {}", args.join(" ")), 200);
    let relation_tool = tool.starts_with("relation-") || tool == "network-get";
    let flag_value = |flag: &str| {
        args.iter()
            .position(|a| *a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|s| printable(s, 200))
    };
    if relation_tool && relation_not_found(&lower) {
        return Error::RelationNotFound {
            relation: flag_value("-r").unwrap_or_else(|| "?".into()),
        };
    }
    if lower.contains("not the leader") || lower.contains("cannot write relation settings") {
        return Error::NotLeader { what: command() };
    }
    if lower.contains("permission denied") {
        return Error::PermissionDenied { what: command() };
    }
    if tool.starts_with("secret-") && lower.contains("not found") {
        let secret = args
            .iter()
            .find(|a| a.starts_with("secret:") || a.starts_with("secret://"))
            .map(|s| printable(s, 200))
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

    #[test]
    fn a_tool_message_is_one_printable_bounded_line() {
        let stderr = format!(
            "ERROR secret \"a\nERROR forged\u{1b}[31m\u{9b}2J\u{202e}\u{200b}\t\r\" not found{}\n",
            "z".repeat(5000)
        );
        let e = classify("secret-get", &["secret:abc\nforged"], 1, &stderr);
        // Classified on the raw text, quoted escaped.
        let Error::SecretNotFound { secret } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(secret, "secret:abc\\nforged");
        let e = classify("config-get", &[], 1, &stderr);
        let text = e.to_string();
        assert!(
            text.starts_with(
                r#"hook tool `config-get` failed (exit code 1): secret "a\nERROR forged\u{1b}[31m\u{9b}2J\u{202e}\u{200b}\t\r" not found"#
            ),
            "{text}"
        );
        assert!(!text.chars().any(|c| c.is_control()), "{text}");
        assert!(
            text.chars().count() < MAX_TOOL_MESSAGE + 100,
            "{}",
            text.len()
        );
        assert!(text.ends_with(" bytes in all)"), "{text}");
        // Printable text is left alone, whatever its script.
        assert_eq!(printable("naïve 日本 \"q\" \\", 100), "naïve 日本 \"q\" \\");
        assert_eq!(quoted("a\"b\\c\n", 100), r#""a\"b\\c\n""#);
        assert_eq!(printable("abc", 3), "abc");
    }
}
