//! Packing a compiled charm, laying it out for the simulator, and the CLI.

mod common;

use std::io::Read;
use std::process::Command;

use cargo_charm::build::{charm_dir, charmcraft_yaml_of, pack_charm, write_or_check};
use cargo_charm::sim::Config;
use common::{fixture, model};

#[test]
fn pack_writes_a_charm_archive_like_charmcraft() {
    let bin = fixture("fakecharm");
    let yaml = charmcraft_yaml_of(&bin).unwrap();
    let out = tempfile::tempdir().unwrap();
    let packed = pack_charm(&bin, &yaml, out.path()).unwrap();
    assert_eq!(
        packed.path.file_name().unwrap().to_str().unwrap(),
        "fakecharm_ubuntu@24.04-amd64.charm"
    );
    assert!(packed.size > 0);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&packed.path).unwrap()).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "actions.yaml",
            "config.yaml",
            "dispatch",
            "hooks/",
            "hooks/install",
            "hooks/start",
            "hooks/upgrade-charm",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap();
        let mode = f.unix_mode().unwrap();
        let link = f.is_symlink();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        (s, mode & 0o777, link)
    };
    let (d, mode, _) = read("dispatch");
    assert_eq!(mode, 0o755);
    assert_eq!(d, std::fs::read_to_string(&bin).unwrap());
    let (target, _, link) = read("hooks/install");
    assert!(link);
    assert_eq!(target, "../dispatch");
    let (meta, mode, _) = read("metadata.yaml");
    assert_eq!(mode, 0o644);
    assert!(
        meta.starts_with("name: fakecharm\ndisplay-name: Fake Charm\nsummary: A fixture charm\n"),
        "{meta}"
    );
    assert!(
        meta.contains("maintainers:\n- Someone <someone@example.com>\n"),
        "{meta}"
    );
    assert!(
        meta.contains("provides:\n  db:\n    interface: testdb\n"),
        "{meta}"
    );
    assert!(
        !meta.contains("parts") && !meta.contains("config"),
        "{meta}"
    );
    let (config, _, _) = read("config.yaml");
    assert!(config.starts_with("options:\n  port:\n"), "{config}");
    let (actions, _, _) = read("actions.yaml");
    assert!(actions.starts_with("do-thing:\n"), "{actions}");
    let (manifest, _, _) = read("manifest.yaml");
    assert!(
        manifest
            .contains("bases:\n- architectures:\n  - amd64\n  channel: '24.04'\n  name: ubuntu\n")
            || manifest.contains(
                "bases:\n- architectures:\n  - amd64\n  channel: \"24.04\"\n  name: ubuntu\n"
            ),
        "{manifest}"
    );
    assert!(manifest.contains("charmcraft-started-at:"));
}

#[test]
fn a_compiled_charm_runs_in_the_simulator_with_actions() {
    let bin = fixture("fakecharm");
    let yaml = charmcraft_yaml_of(&bin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    charm_dir(&bin, &yaml, dir.path()).unwrap();
    let mut m = model("compiled");
    m.deploy("fake", dir.path(), 1, [("port", "9000")]).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("fake/0").unwrap().to_string(),
        "active: port 9000"
    );
    let out = m
        .run_action("fake/0", "do-thing", serde_json::json!({}))
        .unwrap();
    assert_eq!(out.status, "completed");
    assert_eq!(out.logs, ["working at level 1 (do-thing)"]);
    assert_eq!(
        out.results,
        serde_json::json!({"result": {"level": "1", "port": "9000"}})
    );
    let out = m
        .run_action("fake/0", "do-thing", serde_json::json!({"level": 7}))
        .unwrap();
    assert_eq!(
        (out.status.as_str(), out.message.as_str()),
        ("failed", "level too high")
    );
    assert!(m
        .run_action("fake/0", "nope", serde_json::json!({}))
        .is_err());
    let _ = Config::new();
}

#[test]
fn write_or_check_reports_stale_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("charmcraft.yaml");
    assert!(write_or_check(&p, "a: 1\n", true).unwrap());
    assert!(!p.exists());
    assert!(write_or_check(&p, "a: 1\n", false).unwrap());
    assert!(!write_or_check(&p, "a: 1\n", true).unwrap());
    let err = cargo_charm::build::BuildError::Stale(vec![p.clone()]).to_string();
    assert!(err.contains("run `cargo charm yaml`"), "{err}");
}

#[test]
fn cli_sim_prints_status_and_errors_cleanly() {
    let exe = env!("CARGO_BIN_EXE_cargo-charm");
    let model = fixture("model.yaml");
    for args in [vec!["sim"], vec!["charm", "sim"]] {
        let out = Command::new(exe).args(&args).arg(&model).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("requirer/0*  active"), "{stdout}");
        assert!(stdout.contains("Integration provider"), "{stdout}");
    }
    let out = Command::new(exe)
        .args(["sim", "/nonexistent.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot read /nonexistent.yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    // A hook tool run outside a hook.
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("relation-get");
    std::os::unix::fs::symlink(exe, &tool).unwrap();
    let out = Command::new(&tool)
        .env_remove("JUJU_AGENT_SOCKET_ADDRESS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("ERROR relation-get: JUJU_AGENT_SOCKET_ADDRESS not set"));
}
