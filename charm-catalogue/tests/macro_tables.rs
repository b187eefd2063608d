//! `charm-macros` checks `#[on(..)]` names against tables of its own until it reads this
//! crate's; until then, they must say the same (order included: it decides which "did you
//! mean" suggestion wins a tie). Reads the macros' sources wherever the tables are.

use std::path::Path;

/// The `(&str, &str)` pairs of `pub const <name>: &[(&str, &str)] = &[ .. ];` in `source`.
fn table(source: &str, name: &str) -> Option<Vec<(String, String)>> {
    let start = source.find(&format!("pub const {name}: &[(&str, &str)] = &["))?;
    let body = &source[start..];
    let body = &body[body.find("= &[")? + 4..body.find("];")?];
    Some(
        body.split("),")
            .filter_map(|pair| {
                let mut quoted = pair.split('"').skip(1).step_by(2);
                Some((quoted.next()?.to_string(), quoted.next()?.to_string()))
            })
            .collect(),
    )
}

fn sources(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("charm-macros/src is beside this crate") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn the_macros_tables_are_the_catalogues() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../charm-macros/src");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    for (name, ours) in [
        ("LIFECYCLE", charm_catalogue::LIFECYCLE),
        ("RELATION_KINDS", charm_catalogue::RELATION_KINDS),
        ("STORAGE_KINDS", charm_catalogue::STORAGE_KINDS),
        ("WORKLOAD_KINDS", charm_catalogue::WORKLOAD_KINDS),
    ] {
        let theirs = files.iter().find_map(|f| table(f, name)).unwrap_or_else(|| {
            panic!("charm-macros has no `{name}` table: if it reads charm_catalogue's now, delete this test")
        });
        let ours: Vec<(String, String)> = ours
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(
            theirs, ours,
            "charm-macros' {name} differs from the catalogue's"
        );
    }
}
