//! Config values by option type: how Juju reads a value the operator gives an option
//! (`juju config`, `juju deploy --config`, a bundle), and refuses one of the wrong type.
//!
//! The rule is `ParseSettingsYAML` in juju/juju's `internal/charm/config.go`: a string is
//! parsed by the option's type (`Option.parse`: Go's `strconv.ParseInt`, `ParseFloat`,
//! `ParseBool`), any other value must already have the type (`Option.validate`, the
//! checkers of `github.com/juju/schema`: an `int` option takes integers only, a `float`
//! option floats only, a `string` option strings only), and `null` unsets the option.
//! The controller then validates the result again (`ValidateSettings`), which is where a
//! `secret` option's value must be a `secret:` URI.

use serde_json::{Number, Value};

use crate::error::quote;

/// `value`, given by the operator for option `name` of type `kind` (`string`, `int`,
/// `float`, `boolean`, `secret`; `None`: the charm declares no such option), as Juju
/// stores it; or Juju's error.
///
/// ```
/// use juju_model::config::coerce;
/// use serde_json::{json, Value};
///
/// assert_eq!(coerce("port", Some("int"), &json!("8080")), Ok(json!(8080)));
/// assert_eq!(coerce("debug", Some("boolean"), &json!("T")), Ok(json!(true)));
/// assert_eq!(coerce("ratio", Some("float"), &json!("1")), Ok(json!(1.0)));
/// assert_eq!(coerce("port", Some("int"), &Value::Null), Ok(Value::Null));
/// assert_eq!(
///     coerce("port", Some("int"), &json!("80 80")).unwrap_err(),
///     r#"option "port" expected int, got "80 80""#
/// );
/// // Only a string is parsed: a YAML integer is no float, a number no string.
/// assert_eq!(
///     coerce("ratio", Some("float"), &json!(1)).unwrap_err(),
///     r#"option "ratio" expected float, got 1"#
/// );
/// assert_eq!(
///     coerce("name", Some("string"), &json!(5)).unwrap_err(),
///     r#"option "name" expected string, got 5"#
/// );
/// assert_eq!(coerce("nope", None, &json!("1")).unwrap_err(), r#"unknown option "nope""#);
/// ```
pub fn coerce(name: &str, kind: Option<&str>, value: &Value) -> Result<Value, String> {
    let Some(kind) = kind else {
        return Err(format!("unknown option {}", quote(name)));
    };
    if !matches!(kind, "string" | "int" | "float" | "boolean" | "secret") {
        return Err(format!(
            "option {} has unknown type {}",
            quote(name),
            quote(kind)
        ));
    }
    let bad = || {
        format!(
            "option {} expected {kind}, got {}",
            quote(name),
            go_value(value)
        )
    };
    let parsed = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => parse(kind, s),
        v => validate(kind, v),
    };
    let parsed = parsed.ok_or_else(bad)?;
    // `ValidateSettings`, when the controller stores the settings: a secret must be a URI
    // with the `secret` scheme.
    match (&parsed, kind) {
        (Value::String(s), "secret") if !is_secret_uri(s) => Err(bad()),
        _ => Ok(parsed),
    }
}

/// `Option.parse`: a string read as the option's type. A float Go reads but JSON cannot
/// hold (`inf`, `NaN`) is refused, as is a hexadecimal one (`0x1p-2`), which Go reads and
/// Rust does not.
fn parse(kind: &str, s: &str) -> Option<Value> {
    match kind {
        "int" => s.parse::<i64>().ok().map(Value::from),
        "float" => {
            let f = s.parse::<f64>().ok()?;
            Number::from_f64(f).map(Value::Number)
        }
        "boolean" => match s {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(Value::Bool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => Some(Value::String(s.to_string())),
    }
}

/// `Option.validate` of a value that is not a string: `schema.Int` takes signed integers
/// (an unsigned one over `i64` is a `uint64` to Go, refused), `schema.Float` floats only,
/// `schema.Bool` booleans, `schema.String` strings only.
fn validate(kind: &str, v: &Value) -> Option<Value> {
    let ok = match kind {
        "int" => v.is_i64(),
        "float" => v.is_f64(),
        "boolean" => v.is_boolean(),
        _ => false,
    };
    ok.then(|| v.clone())
}

/// Whether `s` is empty or a URI whose scheme is `secret` (`secretC.Coerce`, with Go's
/// `url.Parse` reading the scheme, lower-cased).
fn is_secret_uri(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && scheme.eq_ignore_ascii_case("secret")
}

/// `value` as Go's `%#v` prints what go-yaml v2 decoded it to: strings quoted, integers
/// as they are (an unsigned one in hex), floats as `%g` with the shortest digits, lists
/// and maps as `[]interface {}{..}` and `map[interface {}]interface {}{..}`.
pub(crate) fn go_value(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => quote(s),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => format!("0x{u:x}"),
            (_, _, Some(f)) => go_float(f),
            _ => n.to_string(),
        },
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_value).collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), go_value(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", items.join(", "))
        }
    }
}

/// `f` as Go's `%v` prints a float64: the shortest digits that read back as `f`, in
/// exponent form (`1e+06`, `1.5e-05`) when the exponent is below -4 or at least 6.
fn go_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(kind: &str, v: Value) -> Value {
        coerce("o", Some(kind), &v).unwrap()
    }

    fn err(kind: &str, v: Value) -> String {
        coerce("o", Some(kind), &v).unwrap_err()
    }

    #[test]
    fn strings_are_parsed_as_go_parses_them() {
        assert_eq!(ok("int", json!("-42")), json!(-42));
        assert_eq!(ok("int", json!("+7")), json!(7));
        assert_eq!(
            err("int", json!(" 7")),
            r#"option "o" expected int, got " 7""#
        );
        assert_eq!(
            err("int", json!("0x10")),
            r#"option "o" expected int, got "0x10""#
        );
        assert_eq!(err("int", json!("")), r#"option "o" expected int, got """#);
        assert_eq!(
            err("int", json!("9223372036854775808")),
            r#"option "o" expected int, got "9223372036854775808""#
        );
        assert_eq!(ok("float", json!("1e3")), json!(1000.0));
        assert_eq!(ok("float", json!(".5")), json!(0.5));
        assert_eq!(
            err("float", json!("NaN")),
            r#"option "o" expected float, got "NaN""#
        );
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(ok("boolean", json!(t)), json!(true), "{t}");
        }
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(ok("boolean", json!(f)), json!(false), "{f}");
        }
        assert_eq!(
            err("boolean", json!("yes")),
            r#"option "o" expected boolean, got "yes""#
        );
        assert_eq!(ok("string", json!("")), json!(""));
        assert_eq!(ok("string", json!("007")), json!("007"));
    }

    #[test]
    fn other_values_must_have_the_type() {
        assert_eq!(ok("int", json!(8080)), json!(8080));
        assert_eq!(
            err("int", json!(1.5)),
            r#"option "o" expected int, got 1.5"#
        );
        assert_eq!(
            err("int", json!(u64::MAX)),
            r#"option "o" expected int, got 0xffffffffffffffff"#
        );
        assert_eq!(ok("float", json!(2.5)), json!(2.5));
        assert_eq!(
            err("float", json!(2)),
            r#"option "o" expected float, got 2"#
        );
        assert_eq!(ok("boolean", json!(false)), json!(false));
        assert_eq!(
            err("boolean", json!(1)),
            r#"option "o" expected boolean, got 1"#
        );
        assert_eq!(
            err("string", json!(true)),
            r#"option "o" expected string, got true"#
        );
        assert_eq!(
            err("string", json!(["a", 1])),
            r#"option "o" expected string, got []interface {}{"a", 1}"#
        );
        assert_eq!(
            err("string", json!({"k": "v"})),
            r#"option "o" expected string, got map[interface {}]interface {}{"k":"v"}"#
        );
        assert_eq!(
            coerce("o", Some("list"), &json!("x")).unwrap_err(),
            r#"option "o" has unknown type "list""#
        );
    }

    #[test]
    fn a_secret_is_a_secret_uri() {
        assert_eq!(
            ok("secret", json!("secret:cjhg2ok5jrbc769e4mkg")),
            json!("secret:cjhg2ok5jrbc769e4mkg")
        );
        assert_eq!(ok("secret", json!("SECRET:x")), json!("SECRET:x"));
        assert_eq!(ok("secret", json!("")), json!(""));
        assert_eq!(
            err("secret", json!("cjhg2ok5")),
            r#"option "o" expected secret, got "cjhg2ok5""#
        );
        assert_eq!(
            err("secret", json!("http://x")),
            r#"option "o" expected secret, got "http://x""#
        );
        assert_eq!(
            err("secret", json!(3)),
            r#"option "o" expected secret, got 3"#
        );
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        for (f, go) in [
            (1.0, "1"),
            (0.5, "0.5"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.000015, "1.5e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(go_float(f), go, "{f}");
        }
    }
}
