//! The simulator as a library: what a test that drives it needs to rely on. The hook
//! tools can be chosen after a model file is loaded, a peer relation has an id like any
//! other, and a charm directory laid out from a build is refused once its sources
//! change. Also `cargo charm run-action --settle`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use cargo_charm::sim::{Config, Model, SimError};
use common::{charm, fixture, model};

#[test]
fn the_hook_tools_are_looked_for_when_the_first_hook_runs() {
    // Only in this test binary; the CLI test below sets its own.
    std::env::set_var("CARGO_CHARM_BIN", "/nonexistent/cargo-charm");
    let mut m = Model::from_yaml(fixture("model.yaml")).expect("loads without hook tools");
    let err = m.settle().unwrap_err();
    assert!(matches!(err, SimError::ToolBinary(_)), "{err}");
    assert!(
        err.to_string()
            .contains("CARGO_CHARM_BIN=/nonexistent/cargo-charm does not exist"),
        "{err}"
    );
    m.set_tool_binary(Path::new(env!("CARGO_BIN_EXE_cargo-charm")))
        .unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("provider/0").unwrap().to_string(),
        "active: provider ready"
    );
}

#[test]
fn a_peer_relation_is_named_by_its_one_end_twice() {
    let mut m = model("peer-id");
    m.deploy("provider", fixture("provider"), 1, Config::new())
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 1, Config::new())
        .unwrap();
    let db = m.integrate("requirer:db", "provider:db").unwrap();
    let peer = m.relations().iter().find(|r| r.peer).map(|r| r.id).unwrap();
    assert_eq!(
        m.relation_id("provider:peers", "provider:peers"),
        Some(peer)
    );
    assert_eq!(m.relation_id("provider", "provider"), Some(peer));
    assert_eq!(m.relation_id("provider:db", "requirer:db"), Some(db));
    assert_eq!(m.relation_id("requirer", "provider"), Some(db));
    assert_eq!(m.relation_id("provider:peers", "requirer:db"), None);
    assert_eq!(m.relation_id("requirer:peers", "requirer:peers"), None);
}

/// A charm binary as cargo leaves it: the executable, and its dep-info file naming the
/// sources it was built from.
fn fake_build(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("crate/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(src.join("lib.rs"), "\n").unwrap();
    let release = dir.join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    let bin = release.join("fresh");
    std::fs::write(&bin, "#!/bin/sh\nstatus-set active built\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        release.join("fresh.d"),
        format!(
            "{}: {} {}\n",
            bin.display(),
            src.join("main.rs").display(),
            src.join("lib.rs").display()
        ),
    )
    .unwrap();
    bin
}

const CHARMCRAFT: &str = "name: fresh\ntype: charm\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms:\n  amd64:\n";

#[test]
fn a_charm_directory_older_than_its_sources_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = fake_build(tmp.path());
    let dir = tmp.path().join("target/charms/fresh");
    cargo_charm::pack::charm_dir(&bin, CHARMCRAFT, &dir).unwrap();

    let mut m = model("fresh");
    m.deploy("fresh", &dir, 1, Config::new()).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("fresh/0").unwrap().to_string(),
        "active: built"
    );

    // The crate changes after the charm was laid out: the directory is refused.
    let main = tmp.path().join("crate/src/main.rs");
    std::fs::File::options()
        .write(true)
        .open(&main)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    let err = m.deploy("again", &dir, 1, Config::new()).unwrap_err();
    assert!(matches!(err, SimError::StaleCharm { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "charm directory {} is stale: {} changed after it was built; rebuild it with `cargo charm pack --dir -p fresh`",
            dir.canonicalize().unwrap().display(),
            main.display()
        )
    );
    let err = m.upgrade_charm("fresh", &dir).unwrap_err();
    assert!(matches!(err, SimError::StaleCharm { .. }), "{err}");

    // Rebuilt and laid out again, it deploys; a source that is gone makes it stale too.
    std::fs::File::options()
        .write(true)
        .open(&main)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    cargo_charm::pack::charm_dir(&bin, CHARMCRAFT, &dir).unwrap();
    m.deploy("again", &dir, 1, Config::new()).unwrap();
    std::fs::remove_file(tmp.path().join("crate/src/lib.rs")).unwrap();
    let err = m.deploy("third", &dir, 1, Config::new()).unwrap_err();
    assert!(err.to_string().contains("lib.rs changed"), "{err}");

    // A charm directory made by hand is not checked.
    m.deploy(
        "hand",
        charm("name: hand\n", "true").path(),
        1,
        Config::new(),
    )
    .unwrap();
}

#[test]
fn run_action_settle_prints_what_the_action_caused() {
    // The action writes the peer relation: the other unit sees it change.
    let c = charm(
        "name: poke\npeers:\n  ring:\n    interface: poke_ring\n",
        r#"
case "$JUJU_DISPATCH_PATH" in
  actions/poke) relation-set -r "$(relation-ids ring)" "poked=$(action-get value)" ;;
  hooks/ring-relation-changed)
    [ -n "$JUJU_REMOTE_UNIT" ] && juju-log "saw $(relation-get poked "$JUJU_REMOTE_UNIT")" ;;
esac
status-set active ok
"#,
    );
    std::fs::write(
        c.path().join("actions.yaml"),
        "poke:\n  params:\n    value: {type: string}\n",
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let model_file = tmp.path().join("m.yaml");
    std::fs::write(
        &model_file,
        format!(
            "applications:\n  poke:\n    charm: {}\n    units: 2\n",
            c.path().display()
        ),
    )
    .unwrap();
    let run = |settle: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-charm"));
        cmd.env("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"))
            .args(["charm", "run-action"])
            .arg(&model_file)
            .args(["poke/0", "poke", "value=hello"]);
        if settle {
            cmd.arg("--settle");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let without = run(false);
    assert_eq!(without, "poke/0:\n  status: completed\n");
    let with = run(true);
    let lines: Vec<&str> = with.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "poke/0:",
            "  status: completed",
            "hooks the action caused: 1"
        ]
    );
    let hook: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        hook[..3],
        ["poke/1", "ring-relation-changed", "(poke/0)"],
        "{with}"
    );
    assert!(
        with.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["poke/1", "active", "idle", "1", "10.0.0.3", "ok"]),
        "no status table:\n{with}"
    );
}
