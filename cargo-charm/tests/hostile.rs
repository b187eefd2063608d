//! Hostile charms in the simulator: processes a hook leaves behind or that hold the agent
//! socket, hooks that outlive their timeout, FIFOs in a charm directory, output that is
//! huge or not UTF-8, tool arguments that are not UTF-8, model directories a killed
//! simulator left behind, action results under keys Juju refuses. The simulator neither
//! hangs nor panics; it reports, and kills only what the hook started.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use cargo_charm::sim::{Config, SettleOptions, SimError};
use common::{charm, model};

const META: &str = "name: hostile\n";

/// Runs `f` on a thread and fails the test if it takes longer than `secs` (the simulator
/// hanging would otherwise hang the test).
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: still running after {secs} s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

/// Whether process `pid` still runs (a zombie does not).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// Waits up to 10 s for `pid` to be gone (its parent, init, reaps it).
fn gone(pid: u32) -> bool {
    for _ in 0..200 {
        if !running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn pid_file(m: &cargo_charm::sim::Model, unit: &str, file: &str) -> u32 {
    m.read_unit_file(unit, file)
        .unwrap()
        .unwrap_or_else(|| panic!("{file} not written"))
        .trim()
        .parse()
        .unwrap()
}

fn python3() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_grandchild_holding_the_agent_socket_neither_hangs_the_model_nor_outlives_its_hook() {
    if !python3() {
        eprintln!("SKIPPED: python3 not found (it plays the process holding the socket)");
        return;
    }
    let c = charm(
        META,
        r#"
if [ "$JUJU_HOOK_NAME" = install ]; then
  python3 -c '
import os, socket, time
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["JUJU_AGENT_SOCKET_ADDRESS"])
open("holder.pid", "w").write(str(os.getpid()))
time.sleep(600)
' &
  while [ ! -s holder.pid ]; do sleep 0.05; done
fi
status-set active "still here"
"#,
    );
    let dir = c.path().to_path_buf();
    let (status, holder) = within(90, "settle", move || {
        let mut m = model("holder");
        m.deploy("h", &dir, 1, Config::new()).unwrap();
        m.settle().unwrap();
        (
            m.unit_status("h/0").unwrap().to_string(),
            pid_file(&m, "h/0", "holder.pid"),
        )
    });
    assert_eq!(status, "active: still here");
    assert!(
        gone(holder),
        "the process holding the socket outlived its hook"
    );
}

#[test]
fn a_hook_past_its_timeout_is_killed_with_every_process_it_started() {
    let c = charm(
        META,
        r#"
if [ "$JUJU_HOOK_NAME" = install ]; then
  sleep 600 &
  echo $! > child.pid
  echo $$ > hook.pid
  sleep 600
fi
"#,
    );
    let dir = c.path().to_path_buf();
    let (err, hook, child) = within(60, "settle", move || {
        let mut m = model("timeout");
        m.set_hook_timeout(Duration::from_secs(2));
        m.deploy("t", &dir, 1, Config::new()).unwrap();
        let err = m
            .settle_with(&SettleOptions {
                max_retries: 0,
                ..SettleOptions::default()
            })
            .unwrap_err();
        let killed = &m.history()[0];
        assert_eq!((killed.hook.as_str(), killed.exit_code), ("install", None));
        (
            err.to_string(),
            pid_file(&m, "t/0", "hook.pid"),
            pid_file(&m, "t/0", "child.pid"),
        )
    });
    assert!(err.contains("t/0 is stuck in error"), "{err}");
    assert!(gone(hook), "the hook process survived its timeout");
    assert!(
        gone(child),
        "a process the hook started survived its timeout"
    );
}

#[test]
fn a_fifo_in_a_charm_directory_is_refused_not_read() {
    let c = charm(META, "status-set active");
    let fifo = c.path().join("hooks-pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let dir = c.path().to_path_buf();
    let err = within(30, "deploy", move || {
        let mut m = model("fifo");
        m.deploy("f", &dir, 1, Config::new())
            .unwrap_err()
            .to_string()
    });
    assert!(
        err.contains("cannot deploy charm directory") && err.contains("hooks-pipe is a FIFO"),
        "{err}"
    );
}

#[test]
fn hook_output_that_is_not_utf8_is_kept_with_replacement_characters() {
    let c = charm(
        META,
        r#"printf 'caf\377 ok\n'; printf 'err \376\n' >&2; exit 1"#,
    );
    let mut m = model("bytes");
    m.deploy("b", c.path(), 1, Config::new()).unwrap();
    let _ = m.settle_with(&SettleOptions {
        max_retries: 0,
        ..SettleOptions::default()
    });
    let r = &m.history()[0];
    assert_eq!(r.stdout, "caf\u{fffd} ok\n");
    assert_eq!(r.stderr, "err \u{fffd}\n");
}

#[test]
fn a_tool_argument_that_is_not_utf8_reaches_the_model_as_juju_stores_it() {
    let c = charm(
        META,
        r#"juju-log "$(printf 'bad \377 byte')"; status-set active"#,
    );
    let mut m = model("argv");
    m.deploy("a", c.path(), 1, Config::new()).unwrap();
    m.settle().unwrap();
    let logs = m.logs("a/0").unwrap();
    assert!(
        logs.iter().any(|l| l.message == "bad \u{fffd} byte"),
        "{logs:#?}"
    );
    let calls = &m.history()[0].tool_calls;
    assert_eq!(calls[0].argv, ["juju-log", "bad \u{fffd} byte"]);
    assert_eq!(calls[0].exit_code, 0);
}

/// Gigabytes of hook output (a sparse file: no disk, no time) under a 1 GiB address-space
/// limit: the simulator keeps the end of it, which a whole read could not.
#[test]
fn gigabytes_of_hook_output_are_read_from_their_end() {
    let c = charm(
        META,
        r#"
truncate -s 3G "/proc/$$/fd/2"
printf '\nthe end of it\n' >> "/proc/$$/fd/2"
exit 1
"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let model_file = dir.path().join("model.yaml");
    std::fs::write(
        &model_file,
        format!(
            "name: big\napplications:\n  big:\n    charm: {}\n",
            c.path().display()
        ),
    )
    .unwrap();
    let out = Command::new("sh")
        .args([
            "-c",
            "ulimit -v 1048576; exec \"$0\" charm sim --verbose \"$1\"",
        ])
        .arg(env!("CARGO_BIN_EXE_cargo-charm"))
        .arg(&model_file)
        .env("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the hook fails: {stderr}");
    assert!(
        stderr.contains("    | the end of it"),
        "the end of the output is not in the record:\n{stderr}"
    );
    assert!(
        stderr.contains("unit big/0 is stuck in error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn model_directories_of_killed_simulators_are_swept_at_start() {
    let tmp = std::env::temp_dir();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = tmp.join(format!("charm-sim-stale-test-{}", std::process::id()));
    std::fs::create_dir_all(stale.join("units/x-0/charm")).unwrap();
    std::fs::write(stale.join(".owner"), format!("{dead} 1")).unwrap();
    let m = model("sweep");
    assert!(!stale.exists(), "{} was left behind", stale.display());
    // Its own directory is marked as this process's, and a kept one is not swept.
    let owner = std::fs::read_to_string(m.work_dir().join(".owner")).unwrap();
    assert!(
        owner.starts_with(&format!("{} ", std::process::id())),
        "{owner}"
    );
    let mut kept = model("kept");
    let dir = kept.keep_work_dir();
    drop(kept);
    let _other = model("later");
    assert!(dir.exists(), "a kept model directory was swept");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn action_results_under_keys_juju_refuses_fail_the_call_with_juju_s_text() {
    let c = charm(
        META,
        r#"
case "$JUJU_ACTION_NAME" in
  report)
    action-set Bad_Key=1 || true
    action-set stdout=x || true
    action-set good.key=1
    ;;
esac
status-set active
"#,
    );
    std::fs::write(
        c.path().join("actions.yaml"),
        "report:\n  description: Reports.\n",
    )
    .unwrap();
    let mut m = model("action-keys");
    m.deploy("a", c.path(), 1, Config::new()).unwrap();
    m.settle().unwrap();
    let out = m
        .run_action("a/0", "report", serde_json::json!({}))
        .unwrap();
    assert_eq!(out.status, "completed");
    assert_eq!(out.results, serde_json::json!({"good": {"key": "1"}}));
    let calls: Vec<(String, i32, String)> = out
        .record
        .tool_calls
        .iter()
        .map(|c| (c.argv.join(" "), c.exit_code, c.stderr.clone()))
        .collect();
    assert_eq!(
        calls[..2],
        [
            (
                "action-set Bad_Key=1".to_string(),
                2,
                "ERROR key \"Bad_Key\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n".to_string()
            ),
            (
                "action-set stdout=x".to_string(),
                2,
                "ERROR cannot set reserved action key \"stdout\"\n".to_string()
            ),
        ]
    );
}

#[test]
fn a_model_file_asking_for_too_many_units_is_refused_before_any_is_made() {
    let c = charm(META, "status-set active");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    std::fs::write(
        &f,
        format!(
            "applications:\n  many:\n    charm: {}\n    units: 49000\n",
            c.path().display()
        ),
    )
    .unwrap();
    let err = cargo_charm::sim::Model::from_yaml(&f).unwrap_err();
    assert!(matches!(err, SimError::ModelFile { .. }), "{err}");
    assert!(
        err.to_string().contains("at most 1000 per application"),
        "{err}"
    );
    assert!(Path::new(&f).exists());
}
