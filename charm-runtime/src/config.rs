//! Typed charm configuration: a struct deriving [`CharmConfig`](macro@crate::CharmConfig)
//! becomes `config.options` in `charmcraft.yaml`, and is what
//! [`Context::config`](crate::Context::config) returns.
//!
//! ```
//! use charm_runtime::prelude::*;
//!
//! #[derive(CharmConfig, Debug)]
//! pub struct WebappConfig {
//!     /// Where the rendered configuration is written.
//!     #[option(default = "webapp.conf")]
//!     config_path: String,
//!     /// How many workers to run.
//!     #[option(default = 4)]
//!     workers: i64,
//!     /// An optional banner.
//!     banner: Option<String>,
//! }
//!
//! let options = WebappConfig::options();
//! assert_eq!(options[0].name, "config-path");
//! assert_eq!(options[0].kind, OptionType::String);
//! let config = WebappConfig::from_values(&serde_json::Map::new()).unwrap();
//! assert_eq!(config.config_path, "webapp.conf");
//! assert_eq!(config.banner, None);
//! ```

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::secret::SecretId;

/// The type of a config option, as `charmcraft.yaml` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionType {
    /// `string`
    String,
    /// `int`
    Int,
    /// `float`
    Float,
    /// `boolean`
    Boolean,
    /// `secret` (a secret id)
    Secret,
}

impl OptionType {
    /// The name in `charmcraft.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            OptionType::String => "string",
            OptionType::Int => "int",
            OptionType::Float => "float",
            OptionType::Boolean => "boolean",
            OptionType::Secret => "secret",
        }
    }
}

/// One option of `config.options`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigOption {
    /// The name, with dashes (`config-path`).
    pub name: String,
    /// The type.
    pub kind: OptionType,
    /// The default, if any.
    pub default: Option<Value>,
    /// The description (the field's doc comment).
    pub description: String,
}

/// A charm's typed configuration. Derive it with `#[derive(CharmConfig)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a charm's configuration",
    label = "add `#[derive(CharmConfig)]` to `{Self}`",
    note = "`#[config(T)]` names a struct deriving `CharmConfig`, each field one option"
)]
pub trait CharmConfig: Sized {
    /// The options, for `charmcraft.yaml`.
    fn options() -> Vec<ConfigOption>;
    /// Builds the config from `config-get` output; a missing option takes its default.
    fn from_values(values: &Map<String, Value>) -> Result<Self>;
}

/// The configuration of a charm that declares none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoConfig;

impl CharmConfig for NoConfig {
    fn options() -> Vec<ConfigOption> {
        Vec::new()
    }
    fn from_values(_: &Map<String, Value>) -> Result<Self> {
        Ok(NoConfig)
    }
}

/// A Rust type a config option can have: `String`, `i64`, `f64`, `bool`, [`SecretId`],
/// or `Option` of one of them (an option with no default that may be unset).
#[diagnostic::on_unimplemented(
    message = "a config option cannot be a `{Self}`",
    label = "use `String`, `i64`, `f64`, `bool`, `SecretId`, or an `Option` of one",
    note = "Juju's option types are string, int, float, boolean and secret"
)]
pub trait OptionValue: Sized {
    /// The literal type a `#[option(default = ..)]` must have.
    type Literal;
    /// The option type.
    const TYPE: OptionType;
    /// Reads a value from `config-get` output.
    fn from_json(value: &Value) -> Option<Self>;
    /// The default literal as JSON.
    fn literal_json(literal: Self::Literal) -> Value;
    /// The value when the option is unset and has no default.
    fn unset() -> Option<Self> {
        None
    }
}

impl OptionValue for String {
    type Literal = &'static str;
    const TYPE: OptionType = OptionType::String;
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_string)
    }
    fn literal_json(literal: &'static str) -> Value {
        Value::from(literal)
    }
}

impl OptionValue for i64 {
    type Literal = i64;
    const TYPE: OptionType = OptionType::Int;
    fn from_json(value: &Value) -> Option<Self> {
        value.as_i64()
    }
    fn literal_json(literal: i64) -> Value {
        Value::from(literal)
    }
}

impl OptionValue for f64 {
    type Literal = f64;
    const TYPE: OptionType = OptionType::Float;
    fn from_json(value: &Value) -> Option<Self> {
        value.as_f64()
    }
    fn literal_json(literal: f64) -> Value {
        Value::from(literal)
    }
}

impl OptionValue for bool {
    type Literal = bool;
    const TYPE: OptionType = OptionType::Boolean;
    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
    fn literal_json(literal: bool) -> Value {
        Value::from(literal)
    }
}

impl OptionValue for SecretId {
    type Literal = &'static str;
    const TYPE: OptionType = OptionType::Secret;
    fn from_json(value: &Value) -> Option<Self> {
        SecretId::parse(value.as_str()?)
    }
    fn literal_json(literal: &'static str) -> Value {
        Value::from(literal)
    }
}

impl<T: OptionValue> OptionValue for Option<T> {
    type Literal = T::Literal;
    const TYPE: OptionType = T::TYPE;
    fn from_json(value: &Value) -> Option<Self> {
        T::from_json(value).map(Some)
    }
    fn literal_json(literal: T::Literal) -> Value {
        T::literal_json(literal)
    }
    fn unset() -> Option<Self> {
        Some(None)
    }
}

/// Reads one option (used by the derive).
#[doc(hidden)]
pub fn read_option<T: OptionValue>(
    values: &Map<String, Value>,
    name: &str,
    default: Option<Value>,
) -> Result<T> {
    let value = values
        .get(name)
        .filter(|v| !v.is_null())
        .or(default.as_ref());
    match value {
        Some(v) => T::from_json(v).ok_or_else(|| Error::Config {
            option: name.into(),
            detail: format!("expected a {} value, got {v}", T::TYPE.as_str()),
        }),
        None => T::unset().ok_or_else(|| Error::Config {
            option: name.into(),
            detail: "not set, and it has no default".into(),
        }),
    }
}
