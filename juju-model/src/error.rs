//! A hook tool's failure as Juju reports it, and the texts several tools share.
//!
//! A jujuc command fails in one of two ways (`github.com/juju/juju/internal/cmd`,
//! `Main`): an error found while reading the command line (`gnuflag` or the command's
//! `Init`) exits **2**, an error while running it exits **1**; either way stderr is
//! `ERROR <message>`.

use std::fmt;

/// A hook-tool failure: its exit code and Juju's message (stderr without `ERROR `).
///
/// ```
/// use juju_model::ToolError;
/// let e = ToolError::usage("no relation id specified");
/// assert_eq!((e.code, e.stderr().as_str()), (2, "ERROR no relation id specified\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// The exit code: 2 for a command-line error, 1 for a refusal while running.
    pub code: i32,
    /// Juju's message, e.g. `permission denied`.
    pub message: String,
}

impl ToolError {
    /// A command-line error (exit code 2): bad flags, bad arguments, an unknown relation
    /// in `-r`.
    pub fn usage(message: impl Into<String>) -> ToolError {
        ToolError {
            code: 2,
            message: message.into(),
        }
    }

    /// A refusal while running (exit code 1): permissions, leadership, unknown secrets.
    pub fn runtime(message: impl Into<String>) -> ToolError {
        ToolError {
            code: 1,
            message: message.into(),
        }
    }

    /// What the tool prints on stderr.
    pub fn stderr(&self) -> String {
        format!("ERROR {}\n", self.message)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (exit code {})", self.message, self.code)
    }
}

impl std::error::Error for ToolError {}

/// The result of one hook tool.
pub type Result<T, E = ToolError> = std::result::Result<T, E>;

/// `this unit is not the leader`: `ErrIsNotLeader` of
/// `internal/worker/uniter/runner/context/errors.go`.
pub(crate) fn not_leader() -> ToolError {
    ToolError::runtime("this unit is not the leader")
}

/// `cannot write relation settings`: `relation-set --app` by a unit that is not the
/// leader (`relation-set.go`).
pub(crate) fn not_leader_to_write() -> ToolError {
    ToolError::runtime("cannot write relation settings")
}

/// `permission denied`: the controller's `ErrPerm` (`apiserver/errors`).
pub(crate) fn permission_denied() -> ToolError {
    ToolError::runtime("permission denied")
}

/// `not running an action`: the hook context's answer to `action-*` outside an action
/// (`internal/worker/uniter/runner/context/context.go`, `ActionParams`).
pub(crate) fn not_running_action() -> ToolError {
    ToolError::runtime("not running an action")
}

/// `secret "<what>" not found`: `errors.NotFoundf("secret %q", ..)`.
pub(crate) fn secret_not_found(what: &str) -> ToolError {
    ToolError::runtime(format!("secret {} not found", quote(what)))
}

/// `s` quoted as Go's `%q` (`strconv.Quote`) quotes it: Juju's messages quote names and
/// values that way.
///
/// ```
/// assert_eq!(juju_model::quote("db:3"), "\"db:3\"");
/// assert_eq!(juju_model::quote("a\"b\n\u{7}"), "\"a\\\"b\\n\\a\"");
/// ```
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `args` as Go prints a `[]string` with `%q`: `["a" "b"]`.
pub(crate) fn quote_list(args: &[String]) -> String {
    let inner: Vec<String> = args.iter().map(|a| quote(a)).collect();
    format!("[{}]", inner.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_go_does() {
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("é😀"), "\"é😀\"");
        assert_eq!(quote("\u{1}\u{7f}"), "\"\\x01\\x7f\"");
        assert_eq!(quote("\u{85}"), "\"\\u0085\"");
        assert_eq!(quote_list(&["a".into(), "b c".into()]), "[\"a\" \"b c\"]");
    }
}
