//! GNU-style flag parsing as Juju's `gnuflag` does it for hook tools.

use std::collections::BTreeMap;

use crate::error::{quote, ToolError};

/// One flag a tool accepts.
#[derive(Clone, Copy)]
pub(crate) struct Flag {
    /// Names without dashes; single-letter names are used as `-x`, longer ones as `--name`.
    pub names: &'static [&'static str],
    /// Whether the flag takes a value (`--format json`); otherwise it is a boolean.
    pub value: bool,
}

pub(crate) const fn val(names: &'static [&'static str]) -> Flag {
    Flag { names, value: true }
}

pub(crate) const fn boolean(names: &'static [&'static str]) -> Flag {
    Flag {
        names,
        value: false,
    }
}

/// Parsed flags, keyed by the flag's first name.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub values: BTreeMap<&'static str, String>,
    /// Raw spelling of each value flag as given (`-r` or `--relation`), for error texts.
    pub spelled: BTreeMap<&'static str, String>,
    pub bools: BTreeMap<&'static str, bool>,
    pub args: Vec<String>,
}

impl Parsed {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    pub fn flag(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }
    /// How value flag `name` was spelled on the command line (`-r`, `--relation`).
    pub fn spelling(&self, name: &str) -> Option<&str> {
        self.spelled.get(name).map(String::as_str)
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parse `args` against `flags`; flags and positionals may be interleaved, `--` ends flags.
pub(crate) fn parse(args: &[String], flags: &[Flag]) -> Result<Parsed, ToolError> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.args.extend(args[i..].iter().cloned());
            break;
        }
        let body = if let Some(b) = a.strip_prefix("--") {
            b
        } else if let Some(b) = a.strip_prefix('-') {
            if b.is_empty() {
                out.args.push(a.clone());
                continue;
            }
            b
        } else {
            out.args.push(a.clone());
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let spelled = format!("{}{}", if a.starts_with("--") { "--" } else { "-" }, name);
        let Some(flag) = flags.iter().find(|f| f.names.contains(&name)) else {
            return Err(ToolError::usage(format!(
                "flag provided but not defined: {spelled}"
            )));
        };
        let key = flag.names[0];
        if flag.value {
            let v = match inline {
                Some(v) => v,
                None => {
                    if i >= args.len() {
                        return Err(ToolError::usage(format!(
                            "flag needs an argument: {spelled}"
                        )));
                    }
                    i += 1;
                    args[i - 1].clone()
                }
            };
            out.values.insert(key, v);
            out.spelled.insert(key, spelled);
        } else {
            let v = match inline {
                None => true,
                Some(v) => parse_bool(&v).ok_or_else(|| {
                    let v = quote(&v);
                    ToolError::usage(format!(
                        "invalid value {v} for flag {spelled}: strconv.ParseBool: parsing {v}: invalid syntax"
                    ))
                })?,
            };
            out.bools.insert(key, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn gnu_forms() {
        let flags = [val(&["format"]), val(&["r", "relation"]), boolean(&["app"])];
        let p = parse(
            &s(&["--format=json", "-r", "db:3", "--app=False", "-", "x/0"]),
            &flags,
        )
        .unwrap();
        assert_eq!(p.value("format"), Some("json"));
        assert_eq!(p.value("r"), Some("db:3"));
        assert!(!p.flag("app"));
        assert_eq!(p.args, s(&["-", "x/0"]));
        let p = parse(&s(&["--relation", "3", "--app", "--", "--app"]), &flags).unwrap();
        assert_eq!(p.spelling("r"), Some("--relation"));
        assert!(p.flag("app"));
        assert_eq!(p.args, s(&["--app"]));
        let e = parse(&s(&["--nope"]), &flags).unwrap_err();
        assert_eq!(e.message, "flag provided but not defined: --nope");
        assert_eq!(e.code, 2);
        let e = parse(&s(&["-r"]), &flags).unwrap_err();
        assert_eq!(e.message, "flag needs an argument: -r");
    }
}
