//! `cargo charm sim <model.yaml>`, the CLI path of `cargo charm demo` (the README's first
//! command) without its release build: the `cargo-charm` binary deploys the demo model
//! (`tests/fixtures/demo-model.yaml`: database x2, mailserver x1, webapp x3, integrated)
//! with the example charms, settles it and prints the status table; with `--svg` it draws
//! the picture the README shows (`docs/demo.svg`), which must not go stale.

use std::process::Command;

use charm_tests::{cargo_charm_bin, examples, scratch_dir, workspace_root};

/// The table's rows, each split on whitespace.
fn rows(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
fn cargo_charm_sim_runs_the_demo_model_and_prints_its_status() {
    let charms = examples();
    // The model file next to the charm directories its relative paths name.
    let dir = scratch_dir("demo");
    for name in ["database", "mailserver", "webapp"] {
        std::os::unix::fs::symlink(charms.dir(name), dir.join(name)).unwrap();
    }
    let model = dir.join("demo.yaml");
    std::fs::copy(
        workspace_root().join("tests/fixtures/demo-model.yaml"),
        &model,
    )
    .unwrap();

    let svg = dir.join("demo.svg");
    let out = Command::new(cargo_charm_bin())
        .args(["charm", "sim"])
        .arg(&model)
        .arg("--svg")
        .arg(&svg)
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo charm sim failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("hooks (0 failed)") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let expected = "\
Model Controller Cloud/Region Version
demo sim local/local 3.6.8
App Version Status Scale Charm Rev Message
database active 2 database 0 primary, 1 databases
mailserver active 1 mailserver 0 3 smtp users
webapp active 3 webapp 0 3 of 3 units ready
Unit Workload Agent Machine Address Ports Message
database/0* active idle 0 10.0.0.2 primary, 1 databases
database/1 active idle 1 10.0.0.3 replica
mailserver/0* active idle 2 10.0.0.4 3 smtp users
webapp/0* active idle 3 10.0.0.5 ready
webapp/1 active idle 4 10.0.0.6 ready
webapp/2 active idle 5 10.0.0.7 ready
Integration provider Requirer Interface Type
database:replicas database:replicas database_peers peer
webapp:replicas webapp:replicas charm_gossip peer
database:db webapp:db postgresql_client regular
mailserver:smtp webapp:smtp smtp regular
";
    assert_eq!(rows(&stdout), rows(expected), "the table:\n{stdout}");
    check_demo_picture(&std::fs::read_to_string(&svg).unwrap());
}

/// What the demo picture shows, without the hooks' times (which vary from run to run):
/// each element with a `data-` attribute, its attributes but `data-ms`, and its text
/// (but a timeline lane's, which sums up times).
fn picture_facts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the picture is well-formed XML");
    doc.descendants()
        .filter(|n| n.attributes().any(|a| a.name().starts_with("data-")))
        .map(|n| {
            let attrs: Vec<String> = n
                .attributes()
                .filter(|a| a.name().starts_with("data-") && a.name() != "data-ms")
                .map(|a| format!("{}={}", a.name(), a.value()))
                .collect();
            let timed = n.attribute("class") == Some("lane");
            let text: String = n
                .children()
                .filter(|_| !timed)
                .filter(|c| c.is_element() && c.has_tag_name("text"))
                .flat_map(|c| c.descendants().filter_map(|t| t.text()))
                .collect::<Vec<_>>()
                .join(" | ");
            format!("{} {}", attrs.join(" "), text)
        })
        .collect()
}

/// `docs/demo.svg`, the README's picture, shows what the demo does now: the same
/// applications, statuses, integrations and hooks as `svg`. `UPDATE_DEMO_SVG=1` rewrites it.
fn check_demo_picture(svg: &str) {
    let committed = workspace_root().join("docs/demo.svg");
    if std::env::var_os("UPDATE_DEMO_SVG").is_some() {
        std::fs::write(&committed, svg).unwrap();
        return;
    }
    let old = std::fs::read_to_string(&committed).unwrap_or_default();
    let committed_facts = if old.is_empty() {
        Vec::new()
    } else {
        picture_facts(&old)
    };
    assert_eq!(
        committed_facts,
        picture_facts(svg),
        "docs/demo.svg is stale; regenerate it with `UPDATE_DEMO_SVG=1 cargo test -p charm-tests --test cli_demo`"
    );
}
