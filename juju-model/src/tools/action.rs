//! `action-get`, `action-set`, `action-log`, `action-fail`
//! (`internal/worker/uniter/runner/jujuc/action-*.go`): only while an action runs.

use serde_json::{Map, Value};

use super::HookContext;
use crate::cli::{emit, no_extra, parse, Io, Res, FMT};
use crate::error::{not_running_action, quote, Result, ToolError};
use crate::hook::Action;
use crate::model::Bag;

/// Result keys the controller keeps for itself (`action-set.go`, `reservedKeys`).
const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// What `action-fail` records without a message.
const NO_REASON: &str = "action failed without reason given, check action for errors";

/// `action-set`'s check of each dot-separated part of a key: the action name rule
/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$` (`internal/charm/actions.go`), and not reserved.
fn check_result_key(key: &str) -> Result<()> {
    for part in key.split('.') {
        let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let valid = part.starts_with(alnum)
            && part.ends_with(alnum)
            && part.chars().all(|c| alnum(c) || c == '-');
        if !valid {
            return Err(ToolError::usage(format!(
                "key {} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods",
                quote(part)
            )));
        }
        if RESERVED.contains(&part) {
            return Err(ToolError::usage(format!(
                "cannot set reserved action key {}",
                quote(part)
            )));
        }
    }
    Ok(())
}

impl HookContext<'_> {
    fn action_mut(&mut self) -> Result<&mut Action> {
        self.hook.action.as_mut().ok_or_else(not_running_action)
    }

    /// `action-get`: the action's parameters.
    pub fn action_get(&self) -> Result<Value> {
        self.hook
            .action
            .as_ref()
            .map(|a| a.params.clone())
            .ok_or_else(not_running_action)
    }

    /// `action-set key=value ...`: results, nested at the dots of the keys.
    pub fn action_set(&mut self, results: &Bag) -> Result<()> {
        for key in results.keys() {
            check_result_key(key)?;
        }
        let action = self.action_mut()?;
        for (key, value) in results {
            let parts: Vec<&str> = key.split('.').collect();
            let (last, path) = parts.split_last().unwrap_or((&"", &[]));
            let mut map = &mut action.results;
            for part in path {
                let entry = map
                    .entry(part.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                map = entry.as_object_mut().expect("an object");
            }
            map.insert(last.to_string(), Value::String(value.clone()));
        }
        Ok(())
    }

    /// `action-log <message>`.
    pub fn action_log(&mut self, message: &str) -> Result<()> {
        self.action_mut()?.logs.push(message.to_string());
        Ok(())
    }

    /// `action-fail [<message>]`: the action fails (the hook still commits).
    pub fn action_fail(&mut self, message: Option<&str>) -> Result<()> {
        self.action_mut()?.failure = Some(message.unwrap_or(NO_REASON).to_string());
        Ok(())
    }
}

/// The command lines of the action tools.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn action_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 1)?;
        let params = cx.action_get()?;
        let mut v = &params;
        if let Some(key) = p.args.first() {
            for part in key.split('.') {
                v = v.get(part).unwrap_or(&Value::Null);
            }
        }
        emit(&p, io, v)
    }

    pub(crate) fn action_set(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        let mut results = Bag::new();
        for arg in &p.args {
            let Some((key, value)) = arg.split_once('=') else {
                return Err(ToolError::usage(format!(
                    "argument {} must be of the form key...=value",
                    quote(arg)
                )));
            };
            results.insert(key.to_string(), value.to_string());
        }
        cx.action_set(&results)?;
        Ok(String::new())
    }

    pub(crate) fn action_log(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        if p.args.is_empty() {
            return Err(ToolError::usage("no message specified"));
        }
        cx.action_log(&p.args.join(" "))?;
        Ok(String::new())
    }

    pub(crate) fn action_fail(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        no_extra(&p.args, 1)?;
        cx.action_fail(p.args.first().map(String::as_str))?;
        Ok(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_keys() {
        assert!(check_result_key("outfile.size").is_ok());
        assert!(check_result_key("a-1.b2").is_ok());
        let e = check_result_key("Bad.x").unwrap_err();
        assert!(e.message.starts_with("key \"Bad\" must start"), "{e}");
        let e = check_result_key("x.stdout").unwrap_err();
        assert_eq!(e.message, "cannot set reserved action key \"stdout\"");
        assert!(check_result_key("a..b").is_err() && check_result_key("-a").is_err());
    }
}
