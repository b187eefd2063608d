//! Packing a compiled charm, laying it out for the simulator, and the CLI.

mod common;

use std::io::Read;
use std::process::Command;

use cargo_charm::charmcraft_yaml::{charmcraft_yaml_of, write_or_check};
use cargo_charm::pack::{charm_dir, local_platform, pack_charm};
use cargo_charm::sim::Config;
use common::{fixture, model};

#[test]
fn pack_writes_a_charm_archive_like_charmcraft() {
    let bin = fixture("fakecharm");
    let yaml = charmcraft_yaml_of(&bin).unwrap();
    let out = tempfile::tempdir().unwrap();
    let platform = local_platform(&yaml).unwrap();
    let packed = pack_charm(&bin, &yaml, &platform, out.path()).unwrap();
    assert_eq!(
        packed.path.file_name().unwrap().to_str().unwrap(),
        "fakecharm_amd64.charm"
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
    // charmcraft's mediated metadata.yaml: `title` and `links` renamed, keys sorted, no
    // `parts`, `config`, `actions`, `base` or `platforms`.
    let (meta, mode, _) = read("metadata.yaml");
    assert_eq!(mode, 0o644);
    assert_eq!(
        meta,
        "description: |\n  Packs like a compiled charm.\ndisplay-name: Fake Charm\nmaintainers:\n- Someone <someone@example.com>\nname: fakecharm\npeers:\n  replicas:\n    interface: fake_peers\nprovides:\n  db:\n    interface: testdb\nsource: https://example.com/src\nsummary: A fixture charm\n"
    );
    let (config, _, _) = read("config.yaml");
    assert!(config.starts_with("options:\n  port:\n"), "{config}");
    let (actions, _, _) = read("actions.yaml");
    assert!(actions.starts_with("do-thing:\n"), "{actions}");
    // manifest.yaml: charmcraft's keys in charmcraft's order, the platform's base.
    let (manifest, _, _) = read("manifest.yaml");
    let doc: serde_json::Value = serde_saphyr::from_str(&manifest).unwrap();
    let keys: Vec<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with([' ', '-']))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "charmcraft-version",
            "charmcraft-started-at",
            "bases",
            "analysis"
        ]
    );
    assert_eq!(doc["charmcraft-version"], "4.5.0");
    assert_eq!(
        doc["bases"],
        serde_json::json!([{"name": "ubuntu", "channel": "24.04", "architectures": ["amd64"]}])
    );
    let started = doc["charmcraft-started-at"].as_str().unwrap();
    assert!(
        started.len() >= 19 && started.as_bytes()[10] == b'T' && !started.ends_with('Z'),
        "{started}"
    );
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
    let err = cargo_charm::Error::Stale(vec![p.clone()]).to_string();
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
