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
#[derive(Debug)]
pub struct Action<P> {
    model: Rc<ModelInner>,
    name: String,
    id: String,
    params: P,
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
    pub fn set_result(&self, key: impl Into<String>, value: impl Into<String>) {
        self.model
            .action_results
            .borrow_mut()
            .insert(key.into(), value.into());
    }
    /// Sets every leaf of a JSON object as a result, nested keys joined with `.`.
    pub fn set_results(&self, results: &Value) {
        let mut flat = BTreeMap::new();
        flatten("", results, &mut flat);
        self.model.action_results.borrow_mut().extend(flat);
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
