//! `state-get`, `state-set`, `state-delete` (`internal/worker/uniter/runner/jujuc/
//! state-*.go`): the unit's charm state, a map of strings the controller keeps for it.
//! Changes are committed with the hook.

use serde_json::Value;

use super::HookContext;
use crate::cli::{boolean, emit, key_values, no_extra, parse, settings_file, val, with_fmt};
use crate::cli::{Io, Res};
use crate::error::{quote, Result, ToolError};
use crate::model::Bag;

/// The longest charm-state key, in bytes (`MaxCharmStateKeySize` in juju/juju's
/// `core/quota/fixed_limits.go`).
pub const MAX_CHARM_STATE_KEY: usize = 256;

/// The longest charm-state value, in bytes (`MaxCharmStateValueSize`, same file).
pub const MAX_CHARM_STATE_VALUE: usize = 64 * 1024;

/// The hook context's check of one key and value (`SetCharmStateValue` in
/// `internal/worker/uniter/runner/context/context.go` calls `quota.CheckTupleSize`,
/// `core/quota/kv.go`, with Juju's texts): the key first, then the value, by length in
/// bytes.
fn check_tuple_size(key: &str, value: &str) -> Result<()> {
    if key.len() > MAX_CHARM_STATE_KEY {
        return Err(ToolError::runtime(format!(
            "max allowed key length ({MAX_CHARM_STATE_KEY}) exceeded"
        )));
    }
    if value.len() > MAX_CHARM_STATE_VALUE {
        return Err(ToolError::runtime(format!(
            "max allowed value length ({MAX_CHARM_STATE_VALUE}) exceeded"
        )));
    }
    Ok(())
}

impl HookContext<'_> {
    /// `state-get`: the whole charm state, with the hook's changes.
    pub fn state_get(&self) -> Result<Bag> {
        Ok(self
            .hook
            .pending
            .charm_state
            .clone()
            .unwrap_or_else(|| self.model.charm_state().clone()))
    }

    fn state_mut(&mut self) -> &mut Bag {
        let model = self.model;
        self.hook
            .pending
            .charm_state
            .get_or_insert_with(|| model.charm_state().clone())
    }

    /// `state-set`: sets each value, an empty one too (`SetCharmStateValue` keeps it;
    /// only `state-delete` deletes). A key over [`MAX_CHARM_STATE_KEY`] bytes or a value
    /// over [`MAX_CHARM_STATE_VALUE`] fails the tool and sets nothing (Juju sets the keys
    /// in Go's random map order up to the bad one; here none is set, the same for every
    /// run).
    pub fn state_set(&mut self, values: Bag) -> Result<()> {
        for (k, v) in &values {
            check_tuple_size(k, v)?;
        }
        self.state_mut().extend(values);
        Ok(())
    }

    /// `state-delete <key>`.
    pub fn state_delete(&mut self, key: &str) -> Result<()> {
        self.state_mut().remove(key);
        Ok(())
    }
}

/// The command lines of the state tools.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn state_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["strict"])]))?;
        no_extra(&p.args, 1)?;
        let state = cx.state_get()?;
        match p.args.first() {
            Some(k) => match state.get(k) {
                Some(v) => emit(&p, io, &Value::String(v.clone())),
                None if p.flag("strict") => {
                    Err(ToolError::runtime(format!("{} not found", quote(k))))
                }
                None => emit(&p, io, &Value::String(String::new())),
            },
            None => emit(
                &p,
                io,
                &Value::Object(
                    state
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ),
            ),
        }
    }

    pub(crate) fn state_set(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &[val(&["file"])])?;
        let overrides = key_values(&p.args)?;
        let mut values = match p.value("file") {
            Some(f) => settings_file(&io.read(f)?, "state")?,
            None => Bag::new(),
        };
        values.extend(overrides);
        cx.state_set(values)?;
        Ok(String::new())
    }

    pub(crate) fn state_delete(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        let Some(key) = p.args.first() else {
            return Err(ToolError::usage("no key specified"));
        };
        no_extra(&p.args, 1)?;
        cx.state_delete(key)?;
        Ok(String::new())
    }
}
