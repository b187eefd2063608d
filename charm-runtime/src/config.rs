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

/// A Rust type a config option can have: `String`, any integer type (`u16`, `usize`,
/// `i32`, ...: Juju's `int`, range-checked), `f64`, `bool`, [`SecretId`], an enum deriving
/// [`ConfigEnum`](macro@crate::ConfigEnum) (a `string` option with fixed choices), or
/// `Option` of one of them (an option with no default that may be unset).
#[diagnostic::on_unimplemented(
    message = "a config option cannot be a `{Self}`",
    label = "use `String`, an integer type, `f64`, `bool`, `SecretId`, a `#[derive(ConfigEnum)]` enum, or an `Option` of one",
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
    /// What a value must be, for errors: `an int from 0 to 65535`.
    fn expected() -> String {
        match Self::TYPE {
            OptionType::Int => "an int".into(),
            other => format!("a {} value", other.as_str()),
        }
    }
    /// The value as a number, for `#[option(min = .., max = ..)]`.
    fn number(&self) -> Option<f64> {
        None
    }
    /// The values a string option may take (an enum's), empty when any.
    const CHOICES: &'static [&'static str] = &[];
}

/// The integer types: Juju's `int` is 64-bit; a narrower or unsigned Rust type refuses a
/// value out of its range with an error that names the range.
macro_rules! int_option {
    ($($t:ty),*) => {$(
        impl OptionValue for $t {
            type Literal = $t;
            const TYPE: OptionType = OptionType::Int;
            fn from_json(value: &Value) -> Option<Self> {
                match value.as_i64() {
                    Some(n) => <$t>::try_from(n).ok(),
                    None => <$t>::try_from(value.as_u64()?).ok(),
                }
            }
            fn literal_json(literal: $t) -> Value {
                Value::from(literal)
            }
            fn expected() -> String {
                format!("an int from {} to {}", <$t>::MIN, <$t>::MAX)
            }
            fn number(&self) -> Option<f64> {
                Some(*self as f64)
            }
        }
    )*};
}

int_option!(u8, u16, u32, u64, usize, i8, i16, i32, isize);

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
    fn number(&self) -> Option<f64> {
        Some(*self as f64)
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
    fn number(&self) -> Option<f64> {
        Some(*self)
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
    fn expected() -> String {
        T::expected()
    }
    fn number(&self) -> Option<f64> {
        self.as_ref()?.number()
    }
    const CHOICES: &'static [&'static str] = T::CHOICES;
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
            detail: format!("expected {}, got {v}", T::expected()),
        }),
        None => T::unset().ok_or_else(|| Error::Config {
            option: name.into(),
            detail: "not set, and it has no default".into(),
        }),
    }
}

/// Checks `#[option(min = .., max = ..)]` (used by the derive).
#[doc(hidden)]
pub fn check_range<T: OptionValue>(
    value: &T,
    name: &str,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<()> {
    let Some(n) = value.number() else {
        return Ok(());
    };
    let refuse = |detail: String| {
        Err(Error::Config {
            option: name.into(),
            detail,
        })
    };
    match (min, max) {
        (Some(lo), _) if n < lo => refuse(format!("must be at least {lo}, got {n}")),
        (_, Some(hi)) if n > hi => refuse(format!("must be at most {hi}, got {n}")),
        _ => Ok(()),
    }
}

/// Runs `#[option(validate = f)]` (used by the derive): `f`'s error becomes the option's.
#[doc(hidden)]
pub fn check_with<T, E: std::fmt::Display>(
    value: &T,
    name: &str,
    validate: impl FnOnce(&T) -> std::result::Result<(), E>,
) -> Result<()> {
    validate(value).map_err(|why| Error::Config {
        option: name.into(),
        detail: why.to_string(),
    })
}

/// The option's description with its choices, if it has any (used by the derive).
#[doc(hidden)]
pub fn describe<T: OptionValue>(description: &str) -> String {
    if T::CHOICES.is_empty() {
        return description.to_string();
    }
    let choices: Vec<String> = T::CHOICES.iter().map(|c| format!("`{c}`")).collect();
    let sep = if description.is_empty() { "" } else { "\n\n" };
    format!("{description}{sep}One of: {}.", choices.join(", "))
}

/// Whether `literal` is one of `choices` (any literal when there are none): the derive's
/// compile-time check of an enum option's default.
#[doc(hidden)]
pub const fn is_choice(choices: &[&str], literal: &str) -> bool {
    if choices.is_empty() {
        return true;
    }
    let mut i = 0;
    while i < choices.len() {
        let (a, b) = (choices[i].as_bytes(), literal.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}
