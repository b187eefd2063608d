//! The simulator serves real data to the tools a charm asks about its unit and model:
//! ports (per unit, in the status table), network-get (the unit's simulated address),
//! goal-state (the model's units and relations), status-get, resource-get (the file the
//! model file names), credential-get (only to a trusted application), juju-reboot,
//! storage-add, and secret-rotate / secret-expired hooks when the model says so.

mod common;

use cargo_charm::sim::ModelFile;
use common::{charm, model};
use serde_json::Value;

const META: &str = "name: kv\nsummary: s\ndescription: d\n\
provides:\n  web:\n    interface: http\n\
peers:\n  cluster:\n    interface: kv_peers\n\
storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 1-5\n\
resources:\n  snapshot:\n    type: file\n    filename: snapshot.tgz\n";

/// Each hook writes what the tools answer into the unit's directory.
const SCRIPT: &str = r#"
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    open-port 8080/tcp
    open-port 53/udp --endpoints web
    ;;
  hooks/start)
    status-set active serving
    network-get web --format=json > network.json
    goal-state --format=json > goal.json
    resource-get snapshot > resource.txt
    credential-get --format=json > cloud.json 2> cloud.err
    storage-add data=2
    ;;
  hooks/update-status)
    status-get --format=json > status.json
    opened-ports --endpoints --format=json > ports.json
    ;;
  hooks/secret-rotate)
    echo "$JUJU_SECRET_ID" >> rotated
    ;;
  hooks/secret-expired)
    echo "$JUJU_SECRET_REVISION" >> expired
    ;;
esac
"#;

fn json(m: &cargo_charm::sim::Model, unit: &str, file: &str) -> Value {
    let text = m.read_unit_file(unit, file).unwrap().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}: {text:?}"))
}

#[test]
fn the_tools_answer_with_the_model_s_data() {
    let kv = charm(META, SCRIPT);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snapshot.tgz"), b"snapshot").unwrap();
    let file = format!(
        "name: data\napplications:\n  kv:\n    charm: {}\n    units: 2\n    resources:\n      snapshot: snapshot.tgz\n  untrusted:\n    charm: {}\n    trust: false\n",
        kv.path().display(),
        kv.path().display()
    );
    let file = ModelFile::parse(&file, "model.yaml").unwrap();
    let mut m = model("data");
    file.apply(&mut m, dir.path()).unwrap();
    m.trust("kv", true).unwrap();
    m.settle().unwrap();

    // Ports: recorded per unit, in the status table's Ports column (sorted as Juju sorts
    // them: by protocol, then port).
    assert_eq!(m.opened_ports("kv/0").unwrap(), ["8080/tcp", "53/udp"]);
    assert!(
        m.status_table().contains("8080/tcp,53/udp"),
        "{}",
        m.status_table()
    );
    m.update_status();
    m.settle().unwrap();
    assert_eq!(
        json(&m, "kv/0", "ports.json"),
        serde_json::json!(["8080/tcp (*)", "53/udp (web)"])
    );

    // network-get: the unit's simulated address, as its relation bags carry it.
    let net = json(&m, "kv/1", "network.json");
    let peers = m
        .relations()
        .into_iter()
        .find(|r| r.endpoints == ["kv:cluster"]);
    let bag = m.relation_data(peers.unwrap().id, "kv/1").unwrap();
    assert_eq!(net["ingress-addresses"][0], bag["ingress-address"].as_str());
    assert_eq!(
        net["bind-addresses"][0]["addresses"][0]["value"],
        bag["private-address"].as_str()
    );

    // goal-state: both units, active.
    let goal = json(&m, "kv/0", "goal.json");
    assert_eq!(goal["units"]["kv/1"]["status"], "active");
    assert_eq!(goal["relations"]["cluster"]["kv/1"]["status"], "active");

    // status-get: what the unit set.
    assert_eq!(json(&m, "kv/0", "status.json")["status"], "active");
    assert_eq!(json(&m, "kv/0", "status.json")["message"], "serving");

    // resource-get: the model file's file; credential-get: only when trusted.
    let path = m.read_unit_file("kv/0", "resource.txt").unwrap().unwrap();
    assert_eq!(std::fs::read(path.trim()).unwrap(), b"snapshot");
    assert_eq!(json(&m, "kv/0", "cloud.json")["type"], "lxd");
    let refused = m
        .read_unit_file("untrusted/0", "cloud.err")
        .unwrap()
        .unwrap();
    assert_eq!(
        refused,
        "ERROR cannot access cloud credentials: permission denied\n"
    );
    let no_resource = m
        .history()
        .iter()
        .filter(|r| r.unit == "untrusted/0")
        .flat_map(|r| r.tool_calls.iter())
        .find(|c| c.argv[0] == "resource-get")
        .map(|c| c.stderr.clone())
        .unwrap();
    assert!(
        no_resource.contains("resource#untrusted/snapshot not found"),
        "{no_resource}"
    );
    // storage-add of declared storage is accepted (and recorded by the simulator).
    let add = common::calls(&m, "kv/0")
        .into_iter()
        .find(|(argv, ..)| argv.starts_with("storage-add"))
        .unwrap();
    assert_eq!(add.1, 0, "{add:?}");
}

#[test]
fn rotations_and_expiries_reach_the_owner() {
    let kv = charm(META, SCRIPT);
    let mut m = model("rotation");
    m.deploy("kv", kv.path(), 2, cargo_charm::sim::Config::new())
        .unwrap();
    m.settle().unwrap();
    let leader = m.leader("kv").unwrap();
    let mut s = m
        .hook_session(&leader, "update-status", None, None)
        .unwrap();
    let add = s.run(
        &[
            "secret-add",
            "--label",
            "admin",
            "--rotate",
            "hourly",
            "--expire",
            "24h",
            "password=p1",
        ],
        None,
    );
    assert_eq!(add.exit_code, 0, "{}", add.stderr);
    let bad = s.run(
        &["secret-add", "--expire", "2022-01-01", "password=p1"],
        None,
    );
    assert_eq!(
        bad.stderr,
        "ERROR expire time or duration \"2022-01-01\" not valid\n"
    );
    s.finish(0);
    let uri = add.stdout.trim().to_string();
    m.clear_history();
    m.secret_rotate_due("admin").unwrap();
    m.secret_expire(&uri, 1).unwrap();
    m.settle().unwrap();
    assert_eq!(m.hook_names(&leader), ["secret-expired", "secret-rotate"]);
    let follower = if leader == "kv/0" { "kv/1" } else { "kv/0" };
    assert!(m.hook_names(follower).is_empty());
    assert_eq!(
        m.read_unit_file(&leader, "expired").unwrap().unwrap(),
        "1\n"
    );
    assert_eq!(
        m.read_unit_file(&leader, "rotated")
            .unwrap()
            .unwrap()
            .trim(),
        uri
    );
    assert!(m.secret_expire("admin", 9).is_err());
}
