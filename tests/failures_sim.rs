//! Failing hooks with the real example charms in the simulator: a hook that fails or whose
//! process is killed mid-hook changes nothing in the model (relation data, secrets) and is
//! retried; `webapp` with a directory where its config file goes, or a directory missing
//! on its `config-path`, is blocked saying so (the hook succeeds) and recovers once the
//! cause is gone.
//!
//! Failures are injected into the hook tools (`charm_tests::Faults`): the charm's own
//! call fails, or kills the charm process, after its earlier calls (`secret-add`,
//! `relation-set`, ...) reached the simulator.

use std::time::Duration;

use cargo_charm::sim::{HookRecord, Model, SettleOptions, SimError};
use charm_tests::{
    app_status, deploy, examples, failures, model, peer_relation, unit_status, Faults,
};

/// Settle without retrying failed hooks: the model as the failed hook left it.
fn settle_once(m: &mut Model) -> Result<(), SimError> {
    m.settle_with(&SettleOptions {
        max_retries: 0,
        ..SettleOptions::default()
    })
    .map(drop)
}

fn tools_called(r: &HookRecord) -> Vec<String> {
    r.tool_calls.iter().map(|c| c.argv.join(" ")).collect()
}

fn runs_of<'a>(m: &'a Model, unit: &str, hook: &str) -> Vec<&'a HookRecord> {
    m.history()
        .iter()
        .filter(|r| r.unit == unit && r.hook == hook)
        .collect()
}

fn ready(m: &Model, unit: &str) -> Option<String> {
    let app = unit.split('/').next().unwrap();
    m.relation_data(peer_relation(m, app), unit)
        .unwrap()
        .get("ready")
        .cloned()
}

#[test]
fn a_failing_hook_rolls_back_its_secret_and_relation_data_and_is_retried() {
    let charms = examples();
    let mut m = model("rollback");
    let faults = Faults::new();
    faults.install(&mut m);
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 1);
    m.settle().unwrap();
    let peers = peer_relation(&m, "database");
    let peer_bag = m.relation_data(peers, "database").unwrap();

    // database/0's db-relation-created adds the secret, grants it, then writes the
    // relation data; its last tool call (the status) fails, so the hook fails.
    faults.arm("database/0", "status-set", "fail", "primary, 1 databases");
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let err = settle_once(&mut m).unwrap_err().to_string();
    assert_eq!(faults.fired(), ["database/0 status-set fail"]);
    assert!(
        err.contains("database/0") && err.contains("db-relation-created"),
        "{err}"
    );
    let failed = runs_of(&m, "database/0", "db-relation-created");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].exit_code, Some(1));
    let calls = tools_called(failed[0]);
    for tool in ["secret-add", "secret-grant", "relation-set"] {
        assert!(
            calls.iter().any(|c| c.starts_with(tool)),
            "{tool} not called: {calls:#?}"
        );
    }
    // Nothing of it is in the model.
    assert!(m.secrets().is_empty(), "{:?}", m.secrets());
    assert!(m.relation_data(db, "database").unwrap().is_empty());
    assert_eq!(m.relation_data(peers, "database").unwrap(), peer_bag);
    assert_eq!(
        unit_status(&m, "database/0"),
        "error: hook failed: \"db-relation-created\""
    );
    let logs = m.logs("database/0").unwrap();
    assert!(
        logs.iter()
            .any(|l| l.level == "ERROR" && l.message.contains("status-set")),
        "no juju-log ERROR line about the failure: {logs:#?}"
    );
    // database/0 did not enter the relation's scope: webapp/0 saw nothing change.
    assert_eq!(unit_status(&m, "webapp/0"), "blocked: missing db relation");

    // Retried: it succeeds, with exactly one secret.
    m.settle().unwrap();
    let runs = runs_of(&m, "database/0", "db-relation-created");
    assert_eq!(
        runs.iter().map(|r| r.exit_code).collect::<Vec<_>>(),
        [Some(1), Some(0)]
    );
    assert_eq!(failures(&m).len(), 1, "{:#?}", failures(&m));
    let secrets = m.secrets();
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(
        secrets[0].label.as_deref(),
        Some(format!("db-{db}").as_str())
    );
    let offer = m.relation_data(db, "database").unwrap();
    assert_eq!(offer["credentials"], secrets[0].uri);
    assert_eq!(offer["database"], "webapp");
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");
}

#[test]
fn a_charm_killed_mid_hook_changes_nothing_and_the_hook_is_retried() {
    let charms = examples();
    let mut m = model("killed");
    let faults = Faults::new();
    faults.install(&mut m);
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 2);
    m.settle().unwrap();
    assert_eq!(unit_status(&m, "webapp/1"), "blocked: missing db relation");

    // webapp/1 writes `ready=true` to its peer bag, then is SIGKILLed while it sets its
    // status (webapp/0, the leader, goes on).
    faults.arm("webapp/1", "status-set", "kill", "ready");
    m.integrate("webapp:db", "database:db").unwrap();
    let err = settle_once(&mut m).unwrap_err().to_string();
    assert_eq!(faults.fired(), ["webapp/1 status-set kill"]);
    assert!(err.contains("webapp/1"), "{err}");
    let killed: Vec<&HookRecord> = m
        .history()
        .iter()
        .filter(|r| r.unit == "webapp/1" && !r.succeeded())
        .collect();
    assert_eq!(killed.len(), 1, "{:#?}", failures(&m));
    let killed = killed[0].clone();
    assert_eq!(killed.exit_code, None, "killed, no exit code");
    assert!(killed.stderr.contains("signal 9"), "{}", killed.stderr);
    assert!(
        tools_called(&killed)
            .iter()
            .any(|c| c.starts_with("relation-set")),
        "{:#?}",
        tools_called(&killed)
    );
    // The model is as before the hook.
    assert_eq!(ready(&m, "webapp/1"), None);
    assert_eq!(ready(&m, "webapp/0").as_deref(), Some("true"));
    assert_eq!(
        unit_status(&m, "webapp/1"),
        format!("error: hook failed: \"{}\"", killed.hook)
    );
    assert_eq!(app_status(&m, "webapp"), "active: 1 of 2 units ready");

    // Retried: the same hook, to completion.
    m.settle().unwrap();
    let retried = m
        .history()
        .iter()
        .rfind(|r| r.unit == "webapp/1" && r.hook == killed.hook)
        .unwrap();
    assert!(retried.succeeded());
    assert_eq!(retried.relation_id, killed.relation_id);
    assert_eq!(ready(&m, "webapp/1").as_deref(), Some("true"));
    assert_eq!(unit_status(&m, "webapp/1"), "active: ready");
    assert_eq!(app_status(&m, "webapp"), "active: 2 of 2 units ready");
    assert_eq!(failures(&m).len(), 1, "{:#?}", failures(&m));
}

#[test]
fn a_hung_hook_is_killed_by_the_hook_timeout_and_retried() {
    let charms = examples();
    let mut m = model("hung");
    let faults = Faults::new();
    faults.install(&mut m);
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 1);
    m.settle().unwrap();

    // database/0's db-relation-created hangs in its last tool call.
    faults.arm("database/0", "status-set", "hang", "primary, 1 databases");
    let db = m.integrate("webapp:db", "database:db").unwrap();
    m.set_hook_timeout(Duration::from_secs(3));
    let err = settle_once(&mut m).unwrap_err().to_string();
    assert!(err.contains("database/0"), "{err}");
    assert_eq!(faults.fired(), ["database/0 status-set hang"]);
    let hung = runs_of(&m, "database/0", "db-relation-created");
    assert_eq!(hung.len(), 1);
    assert_eq!(hung[0].exit_code, None);
    assert!(hung[0].duration >= Duration::from_secs(3));
    assert!(m.secrets().is_empty());
    assert!(m.relation_data(db, "database").unwrap().is_empty());

    m.set_hook_timeout(Duration::from_secs(120));
    m.settle().unwrap();
    assert_eq!(m.secrets().len(), 1);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");
}

#[test]
fn webapp_blocks_when_a_directory_is_where_its_config_file_goes_and_recovers() {
    let charms = examples();
    let mut m = model("dir-at-config-path");
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 1);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    m.settle().unwrap();
    assert_eq!(unit_status(&m, "webapp/0"), "active: ready");

    // A directory where the config file is: not a file webapp may write or remove. It
    // says so and succeeds (before, db-relation-broken failed on it until the operator
    // stepped in), and leaves the directory alone.
    let conf = m.unit_dir("webapp/0").unwrap().join("webapp.conf");
    std::fs::remove_file(&conf).unwrap();
    std::fs::create_dir(&conf).unwrap();
    std::fs::write(conf.join("keep"), "x").unwrap();
    m.remove_relation(db).unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    assert_eq!(
        unit_status(&m, "webapp/0"),
        "blocked: config-path must name a file inside the charm directory"
    );
    assert_eq!(ready(&m, "webapp/0"), None);
    assert!(conf.join("keep").exists());
    assert!(m.secrets().is_empty());

    // The operator points `config-path` elsewhere: the relation is missing, nothing else.
    m.set_config("webapp", [("config-path", "app.conf")])
        .unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    assert_eq!(unit_status(&m, "webapp/0"), "blocked: missing db relation");
    assert_eq!(ready(&m, "webapp/0"), None);
    assert!(conf.join("keep").exists());
}

#[test]
fn webapp_blocks_on_an_unwritable_config_path_and_recovers() {
    let charms = examples();
    let mut m = model("bad-config-path");
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 2);
    m.integrate("webapp:db", "database:db").unwrap();
    m.settle().unwrap();
    assert_eq!(app_status(&m, "webapp"), "active: 2 of 2 units ready");

    // A directory that does not exist: blocked, saying so; no half-written file.
    m.set_config("webapp", [("config-path", "no-such-dir/app.conf")])
        .unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    for u in m.units("webapp") {
        let status = unit_status(&m, &u);
        assert!(
            status.starts_with("blocked: cannot write ") && status.contains("no-such-dir/app.conf"),
            "{u}: {status}"
        );
        assert_eq!(ready(&m, &u), None, "{u}");
        let dir = m.unit_dir(&u).unwrap();
        assert!(!dir.join("no-such-dir").exists());
        let stray: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            // `charm_dir`'s temporary files: `.<name>.<random>.tmp`.
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{u}: {stray:?}");
    }

    // Fixed: ready again.
    m.set_config("webapp", [("config-path", "app.conf")])
        .unwrap();
    m.settle().unwrap();
    assert!(failures(&m).is_empty(), "{:#?}", failures(&m));
    for u in m.units("webapp") {
        assert_eq!(unit_status(&m, &u), "active: ready", "{u}");
        assert!(m.read_unit_file(&u, "app.conf").unwrap().is_some());
    }
    assert_eq!(app_status(&m, "webapp"), "active: 2 of 2 units ready");
}
