//! `juju_model::goyaml` against go-yaml v2 itself, on generated documents: the same map,
//! or both refusing (with the same text for the errors the module claims to match).
//!
//! Runs where `GOYAML_ORACLE` names a program that reads one base64 document per line and
//! prints `{"ok": map}` or `{"err": text}` per line, as `goyaml.Unmarshal(data,
//! map[string]string)` does (`readSettings` in juju/juju's jujuc); `scripts/goyaml-oracle/`
//! builds it from Debian's `golang-go` and `golang-gopkg-yaml.v2-dev` (go-yaml v2.4.0, the
//! version Juju 3.x pins). Without it the test says so and checks nothing.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// go-yaml's answers to `docs`.
fn oracle(program: &str, docs: &[String]) -> Vec<Result<BTreeMap<String, String>, String>> {
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the oracle runs");
    let mut input = String::new();
    for d in docs {
        input.push_str(&base64(d.as_bytes()));
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    // Written from a thread: the oracle's answers fill its stdout meanwhile.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            match v.get("ok") {
                Some(m) => Ok(serde_json::from_value(m.clone()).unwrap()),
                None => Err(v["err"].as_str().unwrap().to_string()),
            }
        })
        .collect()
}

/// Characters that matter to go-yaml's reader and scanner, and some that do not.
fn tricky() -> impl Strategy<Value = String> + Clone {
    let pieces = prop::sample::select(vec![
        "a", "b", "é", "😀", " ", "  ", "\t", "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}",
        ":", ": ", "#", " #", "\"", "'", "\\", "\\n", "\\u00e9", "\\ud83d", "\\x41", "\\N", "-",
        "- ", "|", ">", "{", "}", "[", "]", ",", "~", "null", "yes", "0x1", "\u{7f}", "\u{1}",
        "\u{a0}", "\u{feff}", "\u{fffe}", "...", "---", "&", "*", "!", "?", "%", "@",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

/// Documents shaped as clients write them (JSON maps, block maps of quoted, plain and
/// block scalars), with tricky text inside: here the module must answer as go-yaml.
fn shaped() -> impl Strategy<Value = String> {
    let scalar = tricky();
    prop_oneof![
        (tricky(), scalar.clone()).prop_map(|(k, v)| format!("k{k}: \"{v}\"\n")),
        (tricky(), scalar.clone()).prop_map(|(k, v)| format!("k: '{v}'\nz{k}: x\n")),
        (scalar.clone(), scalar.clone()).prop_map(|(a, b)| format!("k: {a}\nj: {b}\n")),
        (scalar.clone(), scalar.clone())
            .prop_map(|(a, b)| format!("{{\"k\": \"{a}\", \"j\": \"{b}\"}}")),
        (
            prop::sample::select(vec!["|", ">", "|-", ">+", "|2", ">-1"]),
            scalar
        )
            .prop_map(|(h, v)| format!("k: {h}\n  {v}\n  x\n\nj: y\n")),
    ]
}

/// Anything: unquoted flow values, junk. Differences are counted and shown, not failed:
/// no client writes such documents.
fn free() -> impl Strategy<Value = String> {
    let scalar = tricky();
    prop_oneof![
        (scalar.clone(), scalar.clone())
            .prop_map(|(a, b)| format!("{{\"k\": \"{a}\", \"j\": {b}}}")),
        scalar,
    ]
}

#[test]
fn goyaml_answers_as_go_yaml_v2() {
    let Some(program) = std::env::var("GOYAML_ORACLE")
        .ok()
        .filter(|p| !p.is_empty())
    else {
        eprintln!(
            "skipped: GOYAML_ORACLE is not set (build it with scripts/goyaml-oracle/build.sh)"
        );
        return;
    };
    let count = std::env::var("GOYAML_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut runner = TestRunner::deterministic();
    let shaped_docs: Vec<String> = (0..count)
        .map(|_| shaped().new_tree(&mut runner).unwrap().current())
        .collect();
    let free_docs: Vec<String> = (0..count)
        .map(|_| free().new_tree(&mut runner).unwrap().current())
        .collect();
    let shaped_diff = compare(&program, &shaped_docs);
    let free_diff = compare(&program, &free_docs);
    eprintln!(
        "free-form documents: {} of {} read differently, e.g.\n{}",
        free_diff.len(),
        free_docs.len(),
        free_diff
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        shaped_diff.is_empty(),
        "{} of {} documents differ:\n{}",
        shaped_diff.len(),
        shaped_docs.len(),
        shaped_diff
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The documents go-yaml and the module read differently, shown.
fn compare(program: &str, docs: &[String]) -> Vec<String> {
    let expected = oracle(program, docs);
    assert_eq!(expected.len(), docs.len());
    let (mut unsupported, mut trailing) = (0, 0);
    let mut mismatches = Vec::new();
    for (doc, want) in docs.iter().zip(&expected) {
        let got = juju_model::goyaml::read_settings(doc);
        if got.as_ref().is_err_and(|e| e.contains("not read here")) {
            // Anchors, tags, complex keys...: refused by design, whatever go-yaml says.
            unsupported += 1;
            continue;
        }
        if want.is_ok()
            && got
                .as_ref()
                .is_err_and(|e| e.ends_with("did not find expected <document start>"))
        {
            // Content after the document's node: go-yaml v2 stops at the node and ignores
            // what follows when it scans as tokens; this reader refuses it (stricter).
            trailing += 1;
            continue;
        }
        let same = match (&got, want) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => !(claims(a) && claims(b)) || a == b,
            _ => false,
        };
        if !same {
            mismatches.push(format!("{doc:?}\n  go-yaml: {want:?}\n  here:    {got:?}"));
        }
    }
    eprintln!(
        "{} documents: {unsupported} refused as not read here, {trailing} for content after the mapping",
        docs.len()
    );
    mismatches
}

/// The errors whose text the module reproduces exactly (when both give one).
fn claims(text: &str) -> bool {
    text == "yaml: control characters are not allowed"
        || text.ends_with("found invalid Unicode character escape code")
        || text.ends_with("found unknown escape character")
        || text.starts_with("yaml: unmarshal errors:")
}
