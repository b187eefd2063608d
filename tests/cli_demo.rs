//! `cargo charm sim <model.yaml>`, the CLI path of `cargo charm demo` (the README's first
//! command) without its release build: the `cargo-charm` binary deploys the demo model
//! (`tests/fixtures/demo-model.yaml`: database x2, mailserver x1, webapp x3, integrated)
//! with the example charms, settles it and prints the status table; with `--svg` it draws
//! the picture the README shows (`docs/demo.svg`), which must not go stale. The same for
//! `cargo charm demo --ecosystem` (`tests/fixtures/demo-ecosystem-model.yaml`: blog x2
//! with minipg and minica). Each fixture is the demo's own model file, which the demo
//! writes and loads as `cargo charm sim` does: only the build differs.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_charm::demo::{Demo, DEMO, ECOSYSTEM};
use charm_tests::{
    cargo_charm_bin, ecosystem_examples, examples, scratch_dir, slug, workspace_root, ExampleCharms,
};

/// The table's rows, each split on whitespace.
fn rows(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect()
}

/// What `cargo-charm sim` printed: the status table and the messages.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs `cargo-charm sim` on `tests/fixtures/<fixture>` (checked to be `demo`'s model file
/// under its comment), copied into `dir` next to the demo's charms taken from `charms`,
/// with `args`; checks that it succeeded and no hook failed.
fn sim_demo_fixture(
    demo: Demo,
    fixture: &str,
    charms: &ExampleCharms,
    dir: &Path,
    args: &[&std::ffi::OsStr],
) -> Run {
    let text =
        std::fs::read_to_string(workspace_root().join("tests/fixtures").join(fixture)).unwrap();
    let body: String = text
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        body, demo.model_file,
        "tests/fixtures/{fixture} is not the model file of the demo `{}` (cargo-charm/src/demo.rs)",
        demo.name
    );
    // The model file next to the charm directories its relative paths name.
    for name in demo.packages().unwrap() {
        std::os::unix::fs::symlink(charms.dir(&name), dir.join(&name)).unwrap();
    }
    let model = dir.join(fixture);
    std::fs::write(&model, text).unwrap();
    let out = Command::new(cargo_charm_bin())
        .args(["charm", "sim"])
        .arg(&model)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.success(),
        "cargo charm sim failed ({}):\n{}\n{}",
        out.status,
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.contains("hooks (0 failed)") && !run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
    run
}

#[test]
fn cargo_charm_sim_runs_the_demo_model_and_prints_its_status() {
    let dir = scratch_dir("demo");
    let svg = dir.join("demo.svg");
    let run = sim_demo_fixture(
        DEMO,
        "demo-model.yaml",
        examples(),
        &dir,
        &["--svg".as_ref(), svg.as_os_str()],
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
    assert_eq!(
        rows(&run.stdout),
        rows(expected),
        "the table:\n{}",
        run.stdout
    );
    check_demo_picture(&std::fs::read_to_string(&svg).unwrap());
}

/// `cargo charm demo --ecosystem`'s model: blog x2 gets its database from minipg and a
/// certificate per unit from minica; both blog units are `ready (tls)` and their
/// `blog.conf` says `tls = on` (read in the model directory `--keep` keeps).
#[test]
fn cargo_charm_sim_runs_the_ecosystem_demo_model_and_prints_its_status() {
    let dir = scratch_dir("demo-ecosystem");
    let run = sim_demo_fixture(
        ECOSYSTEM,
        "demo-ecosystem-model.yaml",
        ecosystem_examples(),
        &dir,
        &["--keep".as_ref()],
    );

    let kept = KeptModel(
        run.stderr
            .lines()
            .find_map(|l| l.strip_prefix("model directory: "))
            .unwrap_or_else(|| panic!("no model directory in:\n{}", run.stderr))
            .into(),
    );

    let expected = "\
Model Controller Cloud/Region Version
demo-ecosystem sim local/local 3.6.8
App Version Status Scale Charm Rev Message
blog active 2 blog 0 ready (tls)
minica active 1 minica 0 2 certificates issued
minipg active 1 minipg 0 serving 1 databases
Unit Workload Agent Machine Address Ports Message
blog/0* active idle 0 10.0.0.2 ready (tls)
blog/1 active idle 1 10.0.0.3 ready (tls)
minica/0* active idle 2 10.0.0.4 2 certificates issued
minipg/0* active idle 3 10.0.0.5 serving 1 databases
Integration provider Requirer Interface Type
minipg:database blog:database postgresql_client regular
minica:certificates blog:certificates tls-certificates regular
";
    assert_eq!(
        rows(&run.stdout),
        rows(expected),
        "the table:\n{}",
        run.stdout
    );

    for unit in ["blog/0", "blog/1"] {
        let conf = kept
            .0
            .join("units")
            .join(slug(unit))
            .join("charm/blog.conf");
        let conf =
            std::fs::read_to_string(&conf).unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
        assert!(
            conf.starts_with("database-uri = postgresql://relation_id_")
                && conf.ends_with("tls = on\n"),
            "{unit}: {conf}"
        );
    }
}

/// The model directory `cargo-charm sim --keep` kept, removed when dropped (when an
/// assertion fails too).
struct KeptModel(PathBuf);

impl Drop for KeptModel {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
