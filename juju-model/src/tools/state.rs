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

/// The most charm state a unit keeps, in bytes as Juju counts it ([`charm_state_size`]):
/// the controller's `max-charm-state-size`, by default `DefaultMaxCharmStateSize` (2 MiB,
/// juju/juju's `controller/config.go`).
pub const MAX_CHARM_STATE_SIZE: usize = 2 * 1024 * 1024;

/// The size Juju counts for a unit's whole charm state: the length of the BSON document
/// the controller stores (`BSONTotalSizeChecker` in `core/quota/bson.go`): 4 bytes of
/// length and a closing 0, and per key 7 bytes (type, two terminating zeros, the string's
/// length) with the key, its `.` and `$` escaped to 3-byte `．` and `＄`
/// (`mongo/utils.EscapeKey`), and the value.
///
/// ```
/// use juju_model::{charm_state_size, Bag};
/// assert_eq!(charm_state_size(&Bag::new()), 5);
/// let state = Bag::from([("a.b".to_string(), "xyz".to_string())]);
/// assert_eq!(charm_state_size(&state), 5 + 7 + 5 + 3);
/// ```
pub fn charm_state_size(state: &Bag) -> usize {
    5 + state
        .iter()
        .map(|(k, v)| 7 + escaped_key_len(k) + v.len())
        .sum::<usize>()
}

/// A key's length once escaped for the controller's database.
fn escaped_key_len(key: &str) -> usize {
    key.len() + 2 * key.chars().filter(|c| matches!(c, '.' | '$')).count()
}

/// The controller's check of a hook's charm state when the hook's changes are committed
/// (`unitSetStateOperation` in the `state` package of juju/juju 3.x, with the
/// checkers of `core/quota`): a changed,
/// non-empty state must have every escaped key and value within
/// [`MAX_CHARM_STATE_KEY`] / [`MAX_CHARM_STATE_VALUE`] and fit [`MAX_CHARM_STATE_SIZE`]
/// whole. `state-set` itself checks each key and value only, so a hook that sets too
/// much succeeds tool by tool and fails at its end: nothing of it is committed, and the
/// uniter logs `cannot apply changes: <this error>` and fails the hook.
///
/// ```
/// use juju_model::{check_charm_state_commit, Bag};
/// let big = "x".repeat(64 * 1024);
/// let state: Bag = (0..32).map(|i| (format!("k{i:02}"), big.clone())).collect();
/// assert_eq!(
///     check_charm_state_commit(&state, &Bag::new()).unwrap_err(),
///     "persisting charm state: max allowed size (2097152) exceeded"
/// );
/// assert!(check_charm_state_commit(&state, &state).is_ok()); // unchanged: not written
/// ```
pub fn check_charm_state_commit(state: &Bag, committed: &Bag) -> std::result::Result<(), String> {
    if state.is_empty() || state == committed {
        return Ok(());
    }
    let persisting = |e: String| format!("persisting charm state: {e}");
    for (k, v) in state {
        if escaped_key_len(k) > MAX_CHARM_STATE_KEY {
            return Err(persisting(format!(
                "max allowed key length ({MAX_CHARM_STATE_KEY}) exceeded"
            )));
        }
        if v.len() > MAX_CHARM_STATE_VALUE {
            return Err(persisting(format!(
                "max allowed value length ({MAX_CHARM_STATE_VALUE}) exceeded"
            )));
        }
    }
    if charm_state_size(state) > MAX_CHARM_STATE_SIZE {
        return Err(persisting(format!(
            "max allowed size ({MAX_CHARM_STATE_SIZE}) exceeded"
        )));
    }
    Ok(())
}

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
