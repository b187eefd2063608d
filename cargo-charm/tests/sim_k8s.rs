//! Kubernetes units in the simulator: storage attached before install, `pebble-ready`
//! after start, the variables Juju sets for storage and workload hooks, notices and
//! checks from the container's Pebble, container restarts, pod churn, storage detached
//! first on removal; and an `ops` charm talking to the simulator's Pebble through
//! `ops.Container` at Juju's socket path.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cargo_charm::sim::{CheckOverride, Config, Model, CONTAINERS_DIR_VAR};
use charm_pebble::{Layer, Pebble};
use common::{charm, fixture, model};

const METADATA: &str = "name: pod
containers:
  web:
    resource: image
    mounts:
      - {storage: data, location: /var/lib/web}
resources:
  image: {type: oci-image}
storage:
  data: {type: filesystem, location: /srv/data}
  logs: {type: filesystem, multiple: {range: 2-}}
";

/// Records each hook's variables; keeps a file in the pod's /tmp from install on.
const SCRIPT: &str = r#"mkdir -p env
env | grep -E '^(JUJU_|CHARM_SIM_|TMPDIR=)' | sort > "env/$JUJU_HOOK_NAME"
case "$JUJU_HOOK_NAME" in
  install) touch "$TMPDIR/installed" ;;
  *-storage-attached) storage-get -s "$JUJU_STORAGE_ID" location > "location-${JUJU_STORAGE_ID%/*}-${JUJU_STORAGE_ID#*/}" ;;
esac"#;

fn env_of(m: &Model, hook: &str) -> BTreeMap<String, String> {
    m.read_unit_file("pod/0", &format!("env/{hook}"))
        .unwrap()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The variables of a hook beyond those every hook has.
fn event_vars(env: &BTreeMap<String, String>) -> Vec<String> {
    const EVENT: [&str; 7] = [
        "JUJU_STORAGE_ID",
        "JUJU_STORAGE_LOCATION",
        "JUJU_WORKLOAD_NAME",
        "JUJU_NOTICE_ID",
        "JUJU_NOTICE_KEY",
        "JUJU_NOTICE_TYPE",
        "JUJU_PEBBLE_CHECK_NAME",
    ];
    env.iter()
        .filter(|(k, _)| EVENT.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

#[test]
fn a_kubernetes_unit_gets_storage_pebble_and_its_hooks_in_juju_order() {
    let dir = charm(METADATA, SCRIPT);
    let mut m = model("pod");
    m.deploy("pod", dir.path(), 1, Config::new()).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("pod/0"),
        [
            "data-storage-attached",
            "logs-storage-attached",
            "logs-storage-attached",
            "install",
            "leader-elected",
            "config-changed",
            "start",
            "web-pebble-ready",
        ]
    );
    // Storage: a real directory per instance; the mounted one in the container's root.
    let storage = m.storage("pod/0").unwrap();
    let ids: Vec<&str> = storage.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["data/0", "logs/0", "logs/1"]);
    let root = m.container_root("pod/0", "web").unwrap();
    assert_eq!(storage[0].1, root.join("var/lib/web"));
    for (id, location) in &storage {
        assert!(location.is_dir(), "{id}");
        let file = format!("location-{}", id.replace('/', "-"));
        let said = m.read_unit_file("pod/0", &file).unwrap().unwrap();
        assert_eq!(said.trim(), location.display().to_string());
    }
    // Exactly the catalogue's variables for each event.
    let loc = storage[0].1.display().to_string();
    assert_eq!(
        event_vars(&env_of(&m, "data-storage-attached")),
        [
            "JUJU_STORAGE_ID=data/0".to_string(),
            format!("JUJU_STORAGE_LOCATION={loc}")
        ]
    );
    let ready = env_of(&m, "web-pebble-ready");
    assert_eq!(event_vars(&ready), ["JUJU_WORKLOAD_NAME=web"]);
    assert!(event_vars(&env_of(&m, "install")).is_empty());
    let sockets = Path::new(&ready[CONTAINERS_DIR_VAR]).to_path_buf();
    assert!(sockets.join("web/pebble.socket").exists());

    // A custom notice from the workload, and a failing then passing check.
    let pebble = m.pebble("pod/0", "web").unwrap();
    let id = pebble
        .notify("example.com/db-ready", &BTreeMap::new(), None)
        .unwrap();
    assert_eq!(m.wait_workload_events(Duration::from_secs(10)), 1);
    let layer: Layer = serde_saphyr::from_str(
        "checks:\n  up:\n    override: replace\n    threshold: 1\n    period: 1h\n    exec: {command: 'true'}\n",
    )
    .unwrap();
    pebble.add_layer("checks", &layer, false).unwrap();
    m.force_check(
        "pod/0",
        "web",
        "up",
        Some(CheckOverride::Fail("down".into())),
    )
    .unwrap();
    m.wait_workload_events(Duration::from_secs(10));
    m.settle().unwrap();
    m.force_check("pod/0", "web", "up", None).unwrap();
    m.wait_workload_events(Duration::from_secs(10));
    m.settle().unwrap();
    assert_eq!(
        &m.hook_names("pod/0")[8..],
        [
            "web-pebble-custom-notice",
            "web-pebble-check-failed",
            "web-pebble-check-recovered"
        ]
    );
    assert_eq!(
        event_vars(&env_of(&m, "web-pebble-custom-notice")),
        [
            "JUJU_NOTICE_ID=".to_string() + &id,
            "JUJU_NOTICE_KEY=example.com/db-ready".to_string(),
            "JUJU_NOTICE_TYPE=custom".to_string(),
            "JUJU_WORKLOAD_NAME=web".to_string(),
        ]
    );
    assert_eq!(
        event_vars(&env_of(&m, "web-pebble-check-failed")),
        ["JUJU_PEBBLE_CHECK_NAME=up", "JUJU_WORKLOAD_NAME=web"]
    );

    // The container restarts: its Pebble forgets the plan, pebble-ready again.
    m.restart_container("pod/0", "web").unwrap();
    assert!(pebble.get_plan().unwrap().checks.is_empty());
    m.settle().unwrap();
    assert_eq!(m.hook_names("pod/0").last().unwrap(), "web-pebble-ready");

    // The pod is replaced: /tmp is emptied, the charm directory stays.
    let tmp = PathBuf::from(&ready["TMPDIR"]);
    assert!(tmp.join("installed").exists());
    let n = m.hook_names("pod/0").len();
    m.churn_pod("pod/0").unwrap();
    m.settle().unwrap();
    assert!(!tmp.join("installed").exists());
    assert!(m.read_unit_file("pod/0", "env/install").unwrap().is_some());
    assert_eq!(
        &m.hook_names("pod/0")[n..],
        ["upgrade-charm", "config-changed", "web-pebble-ready"]
    );

    // Removal: storage detached first, then stop and remove; the Pebble goes.
    m.remove_unit("pod/0").unwrap();
    m.settle().unwrap();
    let names = m.hook_names("pod/0");
    assert_eq!(
        &names[names.len() - 5..],
        [
            "data-storage-detaching",
            "logs-storage-detaching",
            "logs-storage-detaching",
            "stop",
            "remove"
        ]
    );
    assert!(!sockets.join("web/pebble.socket").exists());
}

#[test]
fn model_file_containers_give_images_and_canned_execs() {
    let dir = charm(METADATA, "true");
    let image = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(image.path().join("etc/web")).unwrap();
    std::fs::write(image.path().join("etc/web/web.conf"), "port = 80\n").unwrap();
    let model_file = image.path().join("model.yaml");
    std::fs::write(
        &model_file,
        format!(
            "name: files\napplications:\n  pod:\n    charm: {}\n    containers:\n      web:\n        image: {}\n        exec:\n          - {{command: [web, --version], stdout: \"web 2.4\\n\"}}\n",
            dir.path().display(),
            image.path().display()
        ),
    )
    .unwrap();
    let mut m = Model::from_yaml(&model_file).unwrap();
    m.set_tool_binary(Path::new(env!("CARGO_BIN_EXE_cargo-charm")))
        .unwrap();
    m.settle().unwrap();
    let pebble = m.pebble("pod/0", "web").unwrap();
    assert_eq!(pebble.pull("/etc/web/web.conf").unwrap(), b"port = 80\n");
    let out = pebble
        .exec(&["web", "--version"], &Default::default())
        .unwrap();
    assert_eq!(out.stdout_str(), "web 2.4\n");
    // Anything else runs for real, in the container's root.
    let out = pebble
        .exec(
            &["cat", "web.conf"],
            &charm_pebble::ExecOptions {
                working_dir: Some("/etc/web".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.stdout_str(), "port = 80\n");
    let bad = m.on_exec("pod", "nope", &["x"], |_| Default::default());
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("has no container \"nope\""));
}

/// The site-packages dir with ops 3.9, installed with pip under `target/` (the same
/// place `charm-pebble-server`'s ops test uses); `Err` says why not.
fn ops_site() -> Result<PathBuf, String> {
    const OPS: &str = "ops==3.9.0";
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("pebble-server-ops").join("ops-3.9.0");
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new("python3")
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(["--no-warn-script-location", "--target"])
        .arg(&dir)
        .arg(OPS)
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .output()
        .map_err(|e| format!("cannot run python3 -m pip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pip could not install {OPS} (PyPI unreachable?): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ));
    }
    std::fs::write(dir.join(".complete"), OPS).map_err(|e| e.to_string())?;
    Ok(dir)
}

#[test]
fn an_ops_charm_uses_the_simulators_pebble_at_jujus_socket_path() {
    let site = match ops_site() {
        Ok(s) => s,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let charm_dir = dir.path().join("opsk8s");
    let status = Command::new("cp")
        .args(["-r"])
        .arg(fixture("opsk8s"))
        .arg(&charm_dir)
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink(&site, charm_dir.join("venv")).unwrap();
    let mut m = model("opsk8s");
    m.deploy("web", &charm_dir, 1, Config::new()).unwrap();
    if !m.mounts_pebble_sockets() {
        return eprintln!(
            "SKIPPED: ops reaches Pebble at /charm/containers only, and this machine gives \
             the simulator no mount namespace there (it takes root and util-linux's unshare)"
        );
    }
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("web/0").unwrap().to_string(),
        "active: hello from ops; web active; storage data/0"
    );
    let pebble = m.pebble("web/0", "web").unwrap();
    assert_eq!(
        pebble.pull("/etc/web/index.txt").unwrap(),
        b"hello from ops\n"
    );
    pebble
        .notify("example.com/reload", &BTreeMap::new(), None)
        .unwrap();
    m.wait_workload_events(Duration::from_secs(10));
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("web/0").unwrap().to_string(),
        "active: notice example.com/reload"
    );
}
