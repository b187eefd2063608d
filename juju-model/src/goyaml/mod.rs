//! The `--file` of `relation-set` and `state-set` (`-` for stdin), read as Juju reads it:
//! `goyaml.Unmarshal(data, map[string]string)` with go-yaml v2 (`readSettings` in juju/juju's
//! `internal/worker/uniter/runner/jujuc/relation-set.go`; Juju 3.x pins `gopkg.in/yaml.v2`
//! v2.4.0). go-yaml v2 is a YAML 1.1 reader, and its rules are not those of a YAML 1.2
//! library:
//!
//! - the reader refuses raw U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+007F,
//!   U+0080–U+009F but U+0085, U+FFFE and U+FFFF anywhere in the input, comments included
//!   (`yaml_parser_update_buffer` in `readerc.go`: "control characters are not allowed");
//! - U+0085 (NEL), U+2028 (LS) and U+2029 (PS) are line breaks (`is_break` in
//!   `yamlprivateh.go`): inside a scalar a NEL folds to a space like a newline, an LS or
//!   PS is kept, and the blanks around any of them are dropped (`read_line` and the
//!   folding of `yaml_parser_scan_flow_scalar` / `yaml_parser_scan_plain_scalar` in
//!   `scannerc.go`);
//! - `\uD800`–`\uDFFF` escapes are refused, so JSON's surrogate pairs are
//!   ("found invalid Unicode character escape code", same function); a character
//!   outside the BMP must be raw or `\UXXXXXXXX`;
//! - a plain scalar is kept as written (`yes`, `0x10`, `1e3` stay so: `decoder.scalar` in
//!   `decode.go` sets a string from the node's text), except the null forms `~`, `null`,
//!   `Null`, `NULL` and nothing (`resolve.go`), which become the empty string.
//!
//! What is read: one document holding a block mapping or a flow mapping (JSON) of scalars
//! (plain, single- or double-quoted, literal or folded block scalars), comments, `---` and
//! `...`; an empty document is an empty map. A collection as a value is go-yaml's type
//! error (`cannot unmarshal !!map into string`). Anchors, aliases, tags, directives and
//! complex (`?`) keys are refused with a message saying so: no hook tool client sends
//! them. Syntax errors are errors; their texts are go-yaml's where this module knows them.

mod mapping;
mod scalar;

use crate::model::Bag;

/// Reads a settings file as `readSettings` does: the map, or go-yaml's error text (what
/// Juju prints after `ERROR `).
///
/// ```
/// use juju_model::goyaml::read_settings;
/// let bag = read_settings("{\"a\": \"x\\u00e9\", \"b\": \"\"}").unwrap();
/// assert_eq!((bag["a"].as_str(), bag["b"].as_str()), ("xé", ""));
/// // YAML 1.1: NEL is a line break, folded to a space.
/// assert_eq!(read_settings("a: \"x\u{85}y\"").unwrap()["a"], "x y");
/// assert_eq!(
///     read_settings("a: \"\u{7f}\"").unwrap_err(),
///     "yaml: control characters are not allowed"
/// );
/// assert_eq!(
///     read_settings("{\"a\": \"\\ud83d\\ude00\"}").unwrap_err(),
///     "yaml: found invalid Unicode character escape code"
/// );
/// ```
pub fn read_settings(text: &str) -> Result<Bag, String> {
    check_characters(text)?;
    let mut r = Reader::new(text);
    let out = r.document();
    out.map_err(|e| e.text())
}

/// Whether go-yaml v2's reader accepts `c` raw (`yaml_parser_update_buffer`, `readerc.go`:
/// `#x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] |
/// [#x10000-#x10FFFF]`).
pub fn reader_accepts(c: char) -> bool {
    matches!(c as u32,
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn check_characters(text: &str) -> Result<(), String> {
    match text.chars().all(reader_accepts) {
        true => Ok(()),
        false => Err("yaml: control characters are not allowed".into()),
    }
}

/// A failure: a scanner or parser error (`yaml: [line N: ]<problem>`), or type errors
/// collected while decoding (`yaml: unmarshal errors:\n  line N: ...`).
enum Failure {
    Syntax { line: usize, problem: String },
    Types(Vec<String>),
}

impl Failure {
    /// The text of go-yaml's error: `parser.fail` and `handleErr` in `yaml.go` /
    /// `decode.go` (`line N: ` only past the first line).
    fn text(&self) -> String {
        match self {
            Failure::Syntax { line, problem } if *line > 1 => {
                format!("yaml: line {line}: {problem}")
            }
            Failure::Syntax { problem, .. } => format!("yaml: {problem}"),
            Failure::Types(errors) => format!("yaml: unmarshal errors:\n  {}", errors.join("\n  ")),
        }
    }
}

type Res<T> = Result<T, Failure>;

/// A scalar as scanned, and how it was written.
struct Scalar {
    text: String,
    plain: bool,
    line: usize,
}

impl Scalar {
    /// Its value as a string (`decoder.scalar`): a plain null form is the empty string.
    fn value(self) -> String {
        if self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
            return String::new();
        }
        self.text
    }
}

/// What a mapping value turned out to be.
enum Node {
    Scalar(Scalar),
    /// A collection (its tag, `!!map` or `!!seq`, and first line): a type error.
    Collection(&'static str, usize),
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    /// 1-based line, 0-based column, in characters (go-yaml's `mark`, plus one).
    line: usize,
    column: usize,
    flow: usize,
}

/// go-yaml's `is_break`: CR, LF, NEL, LS, PS.
fn is_break(c: Option<char>) -> bool {
    matches!(c, Some('\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'))
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

/// `is_blankz`: blank, break, or the end.
fn is_blankz(c: Option<char>) -> bool {
    c.is_none() || is_blank(c) || is_break(c)
}

impl Reader {
    fn new(text: &str) -> Self {
        let mut chars: Vec<char> = text.chars().collect();
        // A BOM may start the stream (`yaml_parser_determine_encoding`).
        if chars.first() == Some(&'\u{feff}') {
            chars.remove(0);
        }
        Reader {
            chars,
            pos: 0,
            line: 1,
            column: 0,
            flow: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn skip(&mut self) {
        self.pos += 1;
        self.column += 1;
    }

    /// `skip_line`: a break (CR LF as one).
    fn skip_line(&mut self) {
        if self.peek() == Some('\r') && self.at(1) == Some('\n') {
            self.pos += 1;
        }
        self.pos += 1;
        self.line += 1;
        self.column = 0;
    }

    /// `read_line`: a break into `s`: CR, LF, CR LF and NEL as `\n`, LS and PS as they are.
    fn read_line(&mut self, s: &mut String) {
        match self.peek() {
            Some(c @ ('\u{2028}' | '\u{2029}')) => s.push(c),
            _ => s.push('\n'),
        }
        self.skip_line();
    }

    fn syntax<T>(&self, problem: &str) -> Res<T> {
        Err(Failure::Syntax {
            line: self.line,
            problem: problem.into(),
        })
    }

    fn unsupported<T>(&self, what: &str) -> Res<T> {
        self.syntax(&format!(
            "{what} in a settings file: not read here (no hook tool client sends one)"
        ))
    }

    /// A document marker (`---` or `...` then a blank) at the start of a line.
    fn at_document_marker(&self) -> bool {
        self.column == 0
            && ((self.peek() == Some('-') && self.at(1) == Some('-') && self.at(2) == Some('-'))
                || (self.peek() == Some('.') && self.at(1) == Some('.') && self.at(2) == Some('.')))
            && is_blankz(self.at(3))
    }

    /// `yaml_parser_scan_skip_to_next_token`: spaces (tabs too, but not to indent a block
    /// line), comments, breaks.
    fn skip_to_next_token(&mut self) -> Res<()> {
        // In the block context a line may start a simple key, and then a tab may not
        // indent it ("found character that cannot start any token").
        let mut line_start = self.flow == 0 && self.column == 0;
        loop {
            while self.peek() == Some(' ') || (self.peek() == Some('\t') && !line_start) {
                self.skip();
            }
            if line_start && self.peek() == Some('\t') {
                return self.syntax("found character that cannot start any token");
            }
            if self.peek() == Some('#') {
                while !is_break(self.peek()) && self.peek().is_some() {
                    self.skip();
                }
            }
            if is_break(self.peek()) {
                self.skip_line();
                line_start = self.flow == 0;
            } else {
                return Ok(());
            }
        }
    }

    /// The one document: `---`, then a flow mapping, a block mapping or nothing, then
    /// `...` or the end.
    fn document(&mut self) -> Res<Bag> {
        self.skip_to_next_token()?;
        if self.peek() == Some('%') {
            return self.unsupported("a directive");
        }
        if self.at_document_marker() && self.peek() == Some('-') {
            for _ in 0..3 {
                self.skip();
            }
            self.skip_to_next_token()?;
        }
        let bag = match self.peek() {
            None => Bag::new(),
            // `...` with no document before it: `yaml_parser_parse_document_start`.
            Some('.') if self.at_document_marker() => {
                return self.syntax("did not find expected node content")
            }
            _ if self.at_document_marker() => Bag::new(),
            Some('{') => {
                let (bag, errors) = self.flow_mapping()?;
                self.end_of_document()?;
                return finish(bag, errors);
            }
            Some('[') => {
                let line = self.line;
                self.skip_flow_collection()?;
                self.end_of_document()?;
                return Err(Failure::Types(vec![format!(
                    "line {line}: cannot unmarshal !!seq into map[string]string"
                )]));
            }
            Some('-') if is_blankz(self.at(1)) => {
                return self.unsupported("a sequence");
            }
            _ => {
                let indent = self.column;
                return self.block_mapping(indent);
            }
        };
        Ok(bag)
    }

    /// After the document's node: comments, `...` or `---` (the next document, not read),
    /// or the end.
    fn end_of_document(&mut self) -> Res<()> {
        self.skip_to_next_token()?;
        if self.peek().is_none() || self.at_document_marker() {
            return Ok(());
        }
        self.syntax("did not find expected <document start>")
    }
}

/// `decoder.terror` for a scalar document: `line N: cannot unmarshal !!str `hello` into
/// map[string]string` (the value cut to 7 bytes and `...` past 10).
fn scalar_into_map(scalar: &Scalar, line: usize) -> String {
    let tag = match scalar.plain {
        true => resolve_tag(&scalar.text),
        false => "!!str",
    };
    let v = scalar.text.as_bytes();
    let shown = match v.len() > 10 {
        // Go cuts bytes; a character cut in two shows as U+FFFD per byte.
        true => {
            let valid = match std::str::from_utf8(&v[..7]) {
                Ok(all) => all.len(),
                Err(e) => e.valid_up_to(),
            };
            let cut = "\u{fffd}".repeat(7 - valid);
            format!("{}{cut}...", &scalar.text[..valid])
        }
        false => scalar.text.clone(),
    };
    format!("line {line}: cannot unmarshal {tag} `{shown}` into map[string]string")
}

/// The tag go-yaml v2 resolves a plain scalar to (`resolve` in `resolve.go`), for the
/// messages that name it: YAML 1.1 booleans, integers (with `0b`, `0x`, `0` octal, `_`),
/// floats; anything else is a string.
fn resolve_tag(text: &str) -> &'static str {
    const BOOLS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ];
    if BOOLS.contains(&text) {
        return "!!bool";
    }
    let plain = text.replace('_', "");
    let digits = plain.trim_start_matches(['+', '-']);
    let int = !digits.is_empty()
        && (digits.bytes().all(|b| b.is_ascii_digit())
            || digits
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || digits
                .strip_prefix("0b")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1')));
    if int {
        return "!!int";
    }
    if matches!(
        text,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN" | ".NAN"
    ) || (plain.parse::<f64>().is_ok() && plain.bytes().any(|b| b.is_ascii_digit()))
    {
        return "!!float";
    }
    "!!str"
}

fn finish(bag: Bag, errors: Vec<String>) -> Res<Bag> {
    match errors.is_empty() {
        true => Ok(bag),
        false => Err(Failure::Types(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::read_settings;

    fn ok(text: &str) -> Vec<(String, String)> {
        read_settings(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .into_iter()
            .collect()
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn json_as_ops_and_charm_rs_send_it() {
        assert_eq!(
            ok(r#"{"a": "1", "b": "x\ny", "c": ""}"#),
            kv(&[("a", "1"), ("b", "x\ny"), ("c", "")])
        );
        assert_eq!(
            ok(r#"{"k":"\u00e9\u0085\u2028\u007f"}"#),
            kv(&[("k", "é\u{85}\u{2028}\u{7f}")])
        );
        assert_eq!(ok("{}"), kv(&[]));
        assert_eq!(ok(""), kv(&[]));
        assert_eq!(ok("{\"a\": \"\u{1F600}\"}"), kv(&[("a", "\u{1F600}")]));
    }

    #[test]
    fn yaml_as_ops_state_set_sends_it() {
        // `yaml.dump({key: value}, default_style='|')`: a double-quoted key, a literal value.
        let text = "\"C/StoredStateData[_stored]\": |\n  {n: 3}\n";
        assert_eq!(ok(text), kv(&[("C/StoredStateData[_stored]", "{n: 3}\n")]));
        assert_eq!(
            ok("a: |-\n  x\n  y\n\nb: >\n  p\n  q\n"),
            kv(&[("a", "x\ny"), ("b", "p q\n")])
        );
    }

    #[test]
    fn plain_scalars_are_kept_as_written_but_null() {
        assert_eq!(
            ok("a: yes\nb: 0x10\nc: ~\nd:\ne: 1.50\nf: two words # c\n"),
            kv(&[
                ("a", "yes"),
                ("b", "0x10"),
                ("c", ""),
                ("d", ""),
                ("e", "1.50"),
                ("f", "two words")
            ])
        );
    }

    #[test]
    fn go_yaml_v2_errors() {
        let err = |t: &str| read_settings(t).unwrap_err();
        assert_eq!(err("a: \u{1}"), "yaml: control characters are not allowed");
        assert_eq!(
            err("# \u{9f}\na: b"),
            "yaml: control characters are not allowed"
        );
        assert_eq!(
            err("{\"a\": \"\\ud800\"}"),
            "yaml: found invalid Unicode character escape code"
        );
        assert_eq!(
            err("{\"a\": \"\\/\"}"),
            "yaml: found unknown escape character"
        );
        assert_eq!(err("a: [1]\nb: {c: d}"), "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string\n  line 2: cannot unmarshal !!map into string");
        assert_eq!(
            err("[1]"),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]string"
        );
    }
}
