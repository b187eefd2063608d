//! Juju's output formats for hook tools (`smart`, `json`, `yaml`).

use serde_json::Value;

use crate::error::{quote, ToolError};

/// Output format requested with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Smart,
    Json,
    Yaml,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Result<Format, ToolError> {
        match s {
            None | Some("smart") => Ok(Format::Smart),
            Some("json") => Ok(Format::Json),
            Some("yaml") => Ok(Format::Yaml),
            Some(other) => {
                let other = quote(other);
                Err(ToolError::usage(format!(
                    "invalid value {other} for flag --format: unknown format {other}"
                )))
            }
        }
    }
}

/// Render a value as Juju does (`internal/cmd/output.go`).
pub(crate) fn render(value: &Value, format: Format) -> String {
    match format {
        Format::Json => format!("{value}\n"),
        Format::Yaml => yaml(value),
        Format::Smart => match value {
            Value::Null => String::new(),
            Value::String(s) if s.is_empty() => String::new(),
            Value::String(s) => format!("{s}\n"),
            Value::Bool(b) => format!("{}\n", if *b { "True" } else { "False" }),
            Value::Number(n) => format!("{n}\n"),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                if items.is_empty() {
                    return String::new();
                }
                let mut s = items
                    .iter()
                    .map(|v| v.as_str().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\n");
                s.push('\n');
                s
            }
            other => yaml(other),
        },
    }
}

fn yaml(value: &Value) -> String {
    if value.is_null() {
        return String::new();
    }
    let mut s = serde_saphyr::to_string(value).unwrap_or_else(|_| format!("{value}\n"));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn smart() {
        assert_eq!(render(&json!(true), Format::Smart), "True\n");
        assert_eq!(render(&json!(""), Format::Smart), "");
        assert_eq!(render(&json!(["a", "b"]), Format::Smart), "a\nb\n");
        assert_eq!(render(&json!({"a": "b"}), Format::Json), "{\"a\":\"b\"}\n");
        assert_eq!(render(&json!(null), Format::Json), "null\n");
    }
}
