//! Actions: operations an operator runs with `juju run <unit> <action>`.
//!
//! Declare them on the charm with `#[actions(backup(params = BackupParams,
//! description = ".."))]`; derive [`ActionParams`](macro@crate::ActionParams) on the
//! parameters (doc comments become descriptions, the schema goes to `charmcraft.yaml`
//! with `additionalProperties: false`); observe `#[on(backup_action)]` with a handler
//! taking `&Action<BackupParams>`. A handler taking the wrong parameter type does not
//! compile; parameters Juju sends that do not fit the type fail the action (never the
//! unit) with a message that says which parameter is wrong.
//!
//! Results (`action-set`, nested keys flattened with `.` as Juju does) and failure
//! (`action-fail`) are sent when the handlers succeed; `action-log` goes out at once.
//! A result key Juju would refuse is an error when it is set, naming the key and the
//! rule ([`check_result_key`]); a struct deriving [`ActionResults`](macro@crate::ActionResults)
//! has its keys checked when it compiles.
//!
//! **A handler that fails** fails the action, not the unit: Juju does not retry an
//! action. The operator sees the error's message as the action's failure message
//! (`action-fail`, cut as `juju-log` messages are), and on its stderr; nothing the hook
//! buffered is written. The process exits 0 so that Juju keeps that message (an action
//! whose process exits non-zero only says `exit status 1`) — unless a change Juju commits
//! with the hook was already sent (a secret added, a flush cut short): then it exits 1,
//! so that Juju discards it, and the message is on stderr only.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Result;
use crate::model::ModelInner;

/// One parameter of an action, for `charmcraft.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamMeta {
    /// The name (`path`, `dry-run`).
    pub name: String,
    /// Its JSON schema (`{"type": "string"}`), plus `description` and `default`.
    pub schema: Value,
    /// Whether Juju must be given it.
    pub required: bool,
}

/// One declared action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionMeta {
    /// The name (`backup`).
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its parameters.
    pub params: Vec<ParamMeta>,
}

/// An action's typed parameters. Derive it with `#[derive(ActionParams, Deserialize)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an action's parameters",
    label = "add `#[derive(ActionParams, serde::Deserialize)]` to `{Self}`",
    note = "`#[actions(name(params = P))]` names a struct deriving `ActionParams` and `Deserialize`, each field one parameter"
)]
pub trait ActionParams: DeserializeOwned {
    /// The parameters' schema.
    fn params() -> Vec<ParamMeta>;
}

/// The parameters of an action that takes none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct NoParams {}

impl ActionParams for NoParams {
    fn params() -> Vec<ParamMeta> {
        Vec::new()
    }
}

/// A Rust type an action parameter can have, with its JSON schema.
#[diagnostic::on_unimplemented(
    message = "an action parameter cannot be a `{Self}`",
    label = "use a string, number or `bool` type, or a `Vec` or `Option` of one"
)]
pub trait ParamType {
    /// The JSON schema of the type.
    fn schema() -> Value;
    /// Whether a field of this type must be given (false for `Option`).
    const REQUIRED: bool = true;
}

macro_rules! param_types {
    ($schema:literal: $($t:ty),*) => {$(
        impl ParamType for $t {
            fn schema() -> Value {
                serde_json::json!({ "type": $schema })
            }
        }
    )*};
}
param_types!("string": String);
param_types!("integer": i64, i32, u64, u32, u16, u8, usize);
param_types!("number": f64, f32);
param_types!("boolean": bool);

impl<T: ParamType> ParamType for Vec<T> {
    fn schema() -> Value {
        serde_json::json!({ "type": "array", "items": T::schema() })
    }
}

impl<T: ParamType> ParamType for Option<T> {
    fn schema() -> Value {
        T::schema()
    }
    const REQUIRED: bool = false;
}

/// Which action a hook runs, before its parameters are read.
#[derive(Debug)]
pub struct ActionEvent {
    pub(crate) model: Rc<ModelInner>,
    pub(crate) name: String,
    pub(crate) id: String,
}

impl ActionEvent {
    /// The action's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The id Juju gave this run (`JUJU_ACTION_UUID`).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The raw parameters, as `action-get` gives them.
    pub fn params_json(&self) -> Result<serde_json::Map<String, Value>> {
        self.model.tools.action_get()
    }
    /// The same action with typed parameters; a parameter that does not fit is an error
    /// naming it.
    pub fn typed<P: DeserializeOwned>(&self) -> Result<Action<P>> {
        let raw = self.params_json()?;
        // Juju's parameter names use `-`; Rust fields use `_`, as ops' load_params does.
        let normalised: serde_json::Map<String, Value> = raw
            .into_iter()
            .map(|(k, v)| (k.replace('-', "_"), v))
            .collect();
        let params = serde_json::from_value(Value::Object(normalised)).map_err(|e| {
            crate::Error::msg(format!(
                "invalid parameters for action `{}`: {e}",
                self.name
            ))
        })?;
        Ok(Action {
            model: Rc::clone(&self.model),
            name: self.name.clone(),
            id: self.id.clone(),
            params,
        })
    }
}

/// A running action with typed parameters `P`.
///
/// Its `Debug` shows the action's name and id, never its parameters (a parameter may be
/// a password):
///
/// ```
/// # use charm_runtime::testing::{self as scenario, Event, State};
/// # use charm_runtime::prelude::*;
/// # #[derive(Charm, Default)]
/// # #[charm(name = "demo", summary = "s", description = "d")]
/// # #[actions(login(params = Login, description = "Log in."))]
/// # pub struct Demo;
/// #[derive(ActionParams, serde::Deserialize)]
/// pub struct Login {
///     /// The password.
///     password: String,
/// }
/// # #[handlers]
/// # impl Demo {
/// #     #[on(login_action)]
/// #     fn login(&mut self, ctx: &mut Context<Self>, action: &Action<Login>) -> Result<()> {
/// let shown = format!("{action:?}");
/// assert!(shown.contains("login") && !shown.contains("hunter2"));
/// #         Ok(())
/// #     }
/// # }
/// # scenario::Context::<Demo>::new()
/// #     .run(Event::action("login").param("password", "hunter2"), State::new())
/// #     .unwrap()
/// #     .assert_ok();
/// ```
pub struct Action<P> {
    model: Rc<ModelInner>,
    name: String,
    id: String,
    params: P,
}

impl<P> std::fmt::Debug for Action<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("params", &format_args!("<redacted>"))
            .finish()
    }
}

impl<P> Action<P> {
    /// The action's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The id Juju gave this run.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The parameters.
    pub fn params(&self) -> &P {
        &self.params
    }
    /// Sets a result (`a.b` nests, as Juju does). Sent when the handlers succeed.
    ///
    /// A key Juju's `action-set` would refuse is an error now, naming the key and the rule
    /// ([`check_result_key`]): sent at the end, it would fail the whole action.
    pub fn set_result(&self, key: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let key = key.into();
        check_result_key(&key)?;
        self.model
            .action_results
            .borrow_mut()
            .insert(key, value.into());
        Ok(())
    }
    /// Sets every leaf of a JSON object as a result, nested keys joined with `.`. Every
    /// key is checked first ([`check_result_key`]); on an error, none is set.
    pub fn set_results(&self, results: &Value) -> Result<()> {
        let mut flat = BTreeMap::new();
        flatten("", results, &mut flat);
        for key in flat.keys() {
            check_result_key(key)?;
        }
        self.model.action_results.borrow_mut().extend(flat);
        Ok(())
    }
    /// Sets the fields of a struct deriving [`ActionResults`](macro@crate::ActionResults)
    /// as results: field `backup_id` is key `backup-id`, a nested object's keys are
    /// joined with `.`.
    pub fn set_typed_results<R: ActionResults>(&self, results: &R) -> Result<()> {
        self.set_results(&results.to_results()?)
    }
    /// Sends a progress message to the operator, now.
    pub fn log(&self, message: impl AsRef<str>) -> Result<()> {
        self.model.tools.action_log(message.as_ref())
    }
    /// Marks the action failed with a message. The unit is not put in error, and the
    /// hook's other changes are still committed, as in Juju.
    pub fn fail(&self, message: impl Into<String>) {
        *self.model.action_failure.borrow_mut() = Some(message.into());
    }
}

/// Result keys the controller keeps for itself (`reservedKeys` in
/// [`action-set.go`](https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/jujuc/action-set.go)).
pub const RESERVED_RESULT_KEYS: [&str; 4] =
    ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// Checks an action result key as Juju's `action-set` does
/// ([`action-set.go`](https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/jujuc/action-set.go),
/// `Init`): each part between dots matches `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$` (the action
/// name rule, `GetActionNameRule` in `internal/charm/actions.go`) and is none of
/// [`RESERVED_RESULT_KEYS`].
///
/// ```
/// use charm_runtime::action::check_result_key;
/// assert!(check_result_key("backup-id").is_ok());
/// assert!(check_result_key("outfile.size").is_ok());
/// let err = check_result_key("backup_id").unwrap_err().to_string();
/// assert!(err.contains("`backup_id`") && err.contains("`backup-id`"), "{err}");
/// assert!(check_result_key("stdout").is_err());
/// ```
pub fn check_result_key(key: &str) -> Result<()> {
    for part in key.split('.') {
        let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let valid = part.starts_with(alnum)
            && part.ends_with(alnum)
            && part.chars().all(|c| alnum(c) || c == '-');
        if !valid {
            let suggestion = part.to_lowercase().replace('_', "-");
            let hint = if suggestion != part && check_result_key(&suggestion).is_ok() {
                format!(" (`{suggestion}` is)")
            } else {
                String::new()
            };
            return Err(crate::Error::msg(format!(
                "action result key `{key}`: `{part}` is not a key Juju accepts{hint}: each part between dots must match ^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$ (lowercase letters, digits and dashes)"
            )));
        }
        if RESERVED_RESULT_KEYS.contains(&part) {
            return Err(crate::Error::msg(format!(
                "action result key `{key}`: `{part}` is reserved by Juju (reserved: {})",
                RESERVED_RESULT_KEYS.join(", ")
            )));
        }
    }
    Ok(())
}

/// An action's typed results. Derive it with `#[derive(ActionResults, Serialize)]`: each
/// named field is a result, its name in kebab case (`backup_id` ⇒ `backup-id`); a field
/// name that does not make a key Juju accepts does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an action's results",
    label = "add `#[derive(ActionResults, serde::Serialize)]` to `{Self}`"
)]
pub trait ActionResults {
    /// The results as one JSON object (nested objects become dotted keys).
    fn to_results(&self) -> Result<Value>;
}

/// Used by generated code: a field of an [`ActionResults`] struct as a result value.
#[doc(hidden)]
pub fn result_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value> {
    Ok(serde_json::to_value(value)?)
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// What the operator is told after a failure, in the log line that reports it: an action
/// is not retried by Juju, a hook is.
pub(crate) fn after_failure(model: &ModelInner) -> &'static str {
    match model.env.hook {
        crate::env::Hook::Action(_) => {
            "Nothing it wrote was saved; the action failed (Juju does not retry actions)."
        }
        _ => "Nothing it wrote was saved; Juju will retry the hook.",
    }
}

/// Whether `name` is one of the `declared` actions; if not, the message the action fails
/// with. Juju runs only the actions of the charm's `charmcraft.yaml` (the uniter refuses
/// others as `not defined`: `NewActionRunner` in juju/juju's
/// `internal/worker/uniter/runner/factory.go`), so an undeclared one means the
/// `charmcraft.yaml` and the binary are out of step, or a `juju exec` set the dispatch
/// path by hand. `ops` logs it at DEBUG and exits 0, which Juju reports as a completed
/// action; here it fails, with the message.
pub(crate) fn check_declared(name: &str, declared: &[String]) -> Result<(), String> {
    if declared.iter().any(|a| a == name) {
        return Ok(());
    }
    let known = match declared {
        [] => "it declares no actions".to_string(),
        _ => format!("it declares: {}", declared.join(", ")),
    };
    Err(format!(
        "the charm does not declare the action {} ({known}); its charmcraft.yaml and its binary may be out of step: rebuild the charm from one source",
        crate::backend::quoted(name, 100)
    ))
}

/// A hook failed with `message` (already logged): its exit code. A hook exits 1, so Juju
/// retries it. An action is failed with `message` (`action-fail`, and on stderr, which
/// `juju run` shows) and exits 0, so that Juju keeps the message (a non-zero exit
/// replaces it with `exit status 1`: `finalizeAction` in juju/juju's
/// `internal/worker/uniter/runner/context/context.go`); but if a change Juju commits with
/// the hook was already sent ([`ModelInner::sent_pending`]), it exits 1 so that Juju
/// discards it.
pub(crate) fn exit_code_after_failure(model: &ModelInner, message: &str) -> i32 {
    if !matches!(model.env.hook, crate::env::Hook::Action(_)) {
        return 1;
    }
    eprintln!("{message}");
    if model.sent_pending.get() || model.tools.action_fail(message).is_err() {
        return 1;
    }
    0
}

/// Used by generated code: the charm `C` declares action number `H` (a hash of its
/// name) with parameters `Params`.
#[doc(hidden)]
pub trait HasAction<const H: u64> {
    /// The declared parameter type.
    type Params: ActionParams;
}

/// Used by generated code: the parameters of action `H` of charm `C`, for its metadata.
#[doc(hidden)]
pub fn action_params<C: HasAction<H>, const H: u64>() -> Vec<ParamMeta> {
    C::Params::params()
}

/// Used by generated code: the parameter a handler of an action declared with
/// parameters `P` may take.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "this action handler cannot take `&{Self}`: the action's parameters are `{P}`",
    label = "expected `&Action<{P}>` (or `&ActionEvent`) here",
    note = "the parameters' type is the one declared in `#[actions(name(params = ..))]`; an action declared without `params` takes `&Action<NoParams>` or `&ActionEvent`"
)]
pub trait ActionArg<P> {}

impl<P> ActionArg<P> for Action<P> {}
impl<P> ActionArg<P> for ActionEvent {}
impl<P> ActionArg<P> for crate::Event {}

/// Used by generated code: the stable hash of an action name (FNV-1a).
#[doc(hidden)]
pub const fn action_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_flattened_as_juju_does() {
        let mut out = BTreeMap::new();
        flatten(
            "",
            &serde_json::json!({"a": {"b": 1, "c": "x"}, "d": true}),
            &mut out,
        );
        assert_eq!(out["a.b"], "1");
        assert_eq!(out["a.c"], "x");
        assert_eq!(out["d"], "true");
    }
}
