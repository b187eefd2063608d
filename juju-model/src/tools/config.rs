//! `config-get` and `is-leader` (`internal/worker/uniter/runner/jujuc/config-get.go`,
//! `is-leader.go`): what the unit is told about its application.

use serde_json::{Map, Value};

use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, with_fmt, Io, Res, FMT};
use crate::error::Result;

impl HookContext<'_> {
    /// `is-leader`.
    pub fn is_leader(&self) -> Result<bool> {
        Ok(self.leader())
    }

    /// `config-get`: every option with a value; with `all`, the options without one too
    /// (as `null`).
    pub fn config_get(&self, all: bool) -> Result<Map<String, Value>> {
        let mut config = self.model.config();
        if all {
            for k in self.model.config_options() {
                config.entry(k).or_insert(Value::Null);
            }
        }
        Ok(config)
    }
}

/// The command lines of `config-get` and `is-leader`.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn is_leader(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 0)?;
        emit(&p, io, &Value::Bool(cx.is_leader()?))
    }

    pub(crate) fn config_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["a", "all"])]))?;
        no_extra(&p.args, 1)?;
        let config = cx.config_get(p.flag("a"))?;
        match p.args.first() {
            Some(k) => emit(&p, io, config.get(k).unwrap_or(&Value::Null)),
            None => emit(&p, io, &Value::Object(config)),
        }
    }
}
