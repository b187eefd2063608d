//! What tools read besides their flags: `key=value` arguments, `--file` settings (a YAML
//! map, `-` for stdin), and files named on the command line.

use std::path::Path;

use crate::error::{quote, ToolError};
use crate::model::Bag;

/// Where a tool runs: its stdin and working directory.
pub(crate) struct Io<'a> {
    pub stdin: Option<&'a str>,
    pub cwd: &'a Path,
}

impl Io<'_> {
    /// The content of `path` (relative to the tool's working directory), or of stdin for
    /// `-` (`cmd.FileVar` with stdin allowed).
    pub fn read(&self, path: &str) -> Result<String, ToolError> {
        if path == "-" {
            return self
                .stdin
                .map(str::to_string)
                .ok_or_else(|| ToolError::runtime("hook tool requires stdin, none supplied"));
        }
        let p = self.cwd.join(path);
        std::fs::read_to_string(&p)
            .map_err(|e| ToolError::runtime(format!("cannot read {}: {e}", p.display())))
    }

    /// Writes `content` to `path` (relative to the working directory): `--output`.
    pub fn write(&self, path: &str, content: &str) -> Result<(), ToolError> {
        let p = self.cwd.join(path);
        std::fs::write(&p, content)
            .map_err(|e| ToolError::runtime(format!("cannot write {}: {e}", p.display())))
    }
}

/// `key=value` arguments as `keyvalues.Parse(args, true)` reads them
/// (`github.com/juju/utils/keyvalues`): empty values allowed (they delete), a key given
/// twice refused.
pub(crate) fn key_values(args: &[String]) -> Result<Bag, ToolError> {
    let mut out = Bag::new();
    for a in args {
        let (k, v) = a
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| ToolError::usage(format!("expected \"key=value\", got {}", quote(a))))?;
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(ToolError::usage(format!(
                "key {} specified more than once",
                quote(k)
            )));
        }
    }
    Ok(out)
}

/// A `--file` of settings as Juju reads it: go-yaml v2 into a map of strings
/// ([`crate::goyaml`]). Juju prints go-yaml's error as it is (`readSettings` returns it
/// traced, `relation-set.go`); `what` names the file elsewhere (`secret content`).
pub(crate) fn settings_file(text: &str, what: &str) -> Result<Bag, ToolError> {
    crate::goyaml::read_settings(text).map_err(|e| match what {
        "settings" | "state" => ToolError::runtime(e),
        _ => ToolError::runtime(format!("cannot parse {what}: {e}")),
    })
}

/// Decodes standard or URL-safe base64 (`key#base64=...`).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn key_values_as_juju_reads_them() {
        let kv = key_values(&s(&["a=1", "b=", "c=x=y"])).unwrap();
        assert_eq!(kv["a"], "1");
        assert_eq!(kv["b"], "");
        assert_eq!(kv["c"], "x=y");
        let e = key_values(&s(&["a"])).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (2, "expected \"key=value\", got \"a\"")
        );
        let e = key_values(&s(&["=1"])).unwrap_err();
        assert_eq!(e.message, "expected \"key=value\", got \"=1\"");
        let e = key_values(&s(&["a=1", "a=2"])).unwrap_err();
        assert_eq!(e.message, "key \"a\" specified more than once");
    }

    #[test]
    fn settings_files() {
        let b = settings_file("a: x\nb: 1\nc: true\nd: null\n", "settings").unwrap();
        assert_eq!(b["a"], "x");
        assert_eq!(b["b"], "1");
        assert_eq!(b["c"], "true");
        assert_eq!(b["d"], "");
        assert!(settings_file("[1, 2]", "settings").is_err());
        assert!(settings_file("a: [1]", "settings").is_err());
        assert_eq!(settings_file("", "settings").unwrap().len(), 0);
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("!"), None);
    }
}
