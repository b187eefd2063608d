//! `juju-log` (`internal/worker/uniter/runner/jujuc/juju-log.go`): a line in the unit's
//! log, prefixed in a relation hook with the relation (`db:3: `). Immediate.

use super::HookContext;
use crate::cli::{boolean, parse, val, Res};
use crate::error::{Result, ToolError};
use crate::hook::LogLine;

/// The levels `loggo.ParseLevel` knows (an unknown one logs at `INFO`).
const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

impl HookContext<'_> {
    /// `juju-log --log-level <level> -- <message>`; returns the level logged at.
    pub fn juju_log(&mut self, level: &str, message: &str) -> Result<String> {
        let mut level = level.to_uppercase();
        if level == "WARN" {
            level = "WARNING".into();
        }
        if !LEVELS.contains(&level.as_str()) {
            level = "INFO".into();
        }
        let relation = self
            .hook
            .relation
            .as_ref()
            .map(|r| format!("{}:{}", r.endpoint, r.id));
        self.hook.pending.logs.push(LogLine {
            level: level.clone(),
            message: message.to_string(),
            relation,
        });
        Ok(level)
    }
}

/// The command line of `juju-log`.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn juju_log(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(
            args,
            &[
                val(&["l", "log-level"]),
                boolean(&["debug"]),
                val(&["format"]),
            ],
        )?;
        if p.args.is_empty() {
            return Err(ToolError::usage("no message specified"));
        }
        let level = if p.flag("debug") {
            "DEBUG"
        } else {
            p.value("l").unwrap_or("INFO")
        };
        cx.juju_log(level, &p.args.join(" "))?;
        Ok(String::new())
    }
}
