//! A Python `ops` charm runs against the simulator's hook tools. Needs a Python with
//! `ops` installed: set `OPS_PYTHON=/path/to/python` (skipped when `ops` is not importable).

mod common;

use std::process::Command;

use cargo_charm::sim::Config;
use common::{fixture, model};

fn ops_python() -> Option<String> {
    let py = std::env::var("OPS_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&py)
        .args(["-c", "import ops"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(py)
}

#[test]
fn ops_charm_consumes_relation_data_and_secrets() {
    let Some(py) = ops_python() else {
        eprintln!("skipped: no Python with `ops` (set OPS_PYTHON)");
        return;
    };
    let mut m = model("ops");
    m.set_env("OPS_PYTHON", &py);
    m.deploy("provider", fixture("provider"), 1, Config::new())
        .unwrap();
    m.deploy("consumer", fixture("opscharm"), 2, Config::new())
        .unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("consumer/0").unwrap().to_string(),
        "blocked: missing db relation"
    );
    let peers = m
        .relations()
        .iter()
        .find(|r| r.endpoints == ["consumer:replicas"])
        .unwrap()
        .id;
    assert_eq!(
        m.relation_data(peers, "consumer").unwrap()["leader"],
        "consumer/0"
    );
    let id = m.integrate("consumer:db", "provider:db").unwrap();
    m.settle().unwrap();
    for u in ["consumer/0", "consumer/1"] {
        let st = m.unit_status(u).unwrap().to_string();
        assert!(st.starts_with("active: password pw1 after "), "{u}: {st}");
        assert_eq!(m.relation_data(id, u).unwrap()["seen-database"], "db1");
    }
    assert_eq!(
        m.relation_data(id, "consumer").unwrap()["consumer"],
        "consumer"
    );
    m.set_config("provider", [("password", "pw2")]).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.read_unit_file("consumer/1", "password.txt")
            .unwrap()
            .as_deref(),
        Some("pw2")
    );
    m.remove_relation(id).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("consumer/1").unwrap().to_string(),
        "blocked: missing db relation"
    );
    // ops never saw a failing hook tool it did not expect.
    for r in m.history() {
        assert!(r.succeeded(), "{} {} failed: {}", r.unit, r.hook, r.stderr);
    }
}
