//! Every parser of hook-tool output, on the same bytes: none may panic, and the errors of
//! `secret-get` must never quote the output.
#![no_main]

use charm_runtime::backend::output;
use charm_runtime::{RelationId, SecretId};
use libfuzzer_sys::fuzz_target;

/// Long alphanumeric runs of the input: if one shows up in a secret-get error, the error
/// quotes the output (no word of the error's own template is this long).
fn long_tokens(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| t.len() >= 12)
        .map(str::to_string)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let _ = output::is_leader(data);
    let _ = output::config_get(data);
    if let Ok(ids) = output::relation_ids(data) {
        for id in ids {
            assert_eq!(RelationId::parse(&id.to_string()), Some(id));
        }
    }
    let _ = output::relation_list(data);
    if let Ok(Some(app)) = output::relation_remote_app(data) {
        assert!(!app.is_empty());
    }
    let _ = output::relation_get(data);
    let _ = output::status_get(data, false);
    let _ = output::status_get(data, true);
    if let Ok(id) = output::secret_add(data) {
        let again = SecretId::parse(id.as_str()).expect("a parsed id parses again");
        assert_eq!(again, id);
        assert!(!id.xid().is_empty());
    }
    let _ = output::secret_info_get(data);
    let _ = output::state_get(data);
    let _ = output::storage_get(data);
    let _ = output::action_get(data);
    match output::secret_get(data) {
        Ok(content) => {
            let shown = format!("{content:?}");
            for (_, value) in content.iter() {
                if value.len() >= 12 && !content.keys().any(|k| k.contains(value)) {
                    assert!(!shown.contains(value), "Debug shows a secret value");
                }
            }
        }
        Err(e) => {
            // Keys are not secret (Debug shows them too): an error may name one, quoted.
            let mut text = format!("{e}");
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(data) {
                for key in map.keys() {
                    text = text.replace(&format!("{key:?}"), "");
                }
            }
            for token in long_tokens(data) {
                assert!(!text.contains(&token), "secret-get error quotes its output");
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    // The same bytes as a failed tool's stderr.
    for (tool, args) in [
        ("relation-get", &["--format=json", "-r", "3", "-", "app/0"][..]),
        ("relation-list", &["--format=json", "-r", "db:3"][..]),
        ("secret-get", &["--format=json", "secret:cjhg2ok5jrbc769e4mkg"][..]),
        ("secret-info-get", &["--format=json", "--label", "x"][..]),
        ("config-get", &["--format=json"][..]),
    ] {
        let e = output::failure(tool, args, 1, &text);
        let _ = e.to_string();
    }
    if let Some(id) = SecretId::parse(&text) {
        assert_eq!(SecretId::parse(id.as_str()), Some(id));
    }
    let _ = RelationId::parse(&text);
});
