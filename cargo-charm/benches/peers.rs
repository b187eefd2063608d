//! Scale, out of process: one real `replicas-relation-changed` hook on webapp's leader
//! with 1, 10, 100 and 1000 peer units, Rust (release) and Python `ops`, against fake
//! hook tools that answer from a model built directly (settling 1000 peers through the
//! simulator would be ~n² hooks). The fake tools are this bench binary itself, linked
//! under each tool name: a call is one small process, like `jujuc`, but with no agent
//! round trip, so the figures are a lower bound of what a real hook costs.
//!
//! ```text
//! bench/ops-reference/build.sh
//! cargo bench -p cargo-charm --bench peers [-- --ops-dir DIR --runs 5]
//! ```
//!
//! The model: webapp/0 is the leader; `db` (id 2) is ready, its credentials secret
//! readable; `replicas` (id 1) has N peer units, each with `ready=true`; the unit's charm
//! state lives in a file from one run to the next, as Juju keeps it between hooks. Per N
//! and flavour, a first hook runs untimed on a fresh unit (no config file, no charm state);
//! then `--runs` hooks are timed. Prints their tool calls (and the first hook's, for Rust)
//! and median and p95 wall time.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cargo_charm::pack::charm_dir;
use cargo_charm::workspace::Workspace;

const SECRET: &str = "secret:cjhg2ok5jrbc769e4mkg";
const TOOLS: [&str; 13] = [
    "juju-log",
    "is-leader",
    "config-get",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "secret-get",
    "status-set",
    "application-version-set",
    "state-get",
    "state-set",
    "state-delete",
];

fn main() {
    let argv0 = std::env::args().next().unwrap_or_default();
    let tool = Path::new(&argv0)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if TOOLS.contains(&tool.as_str()) {
        std::process::exit(fake_tool(&tool));
    }
    bench();
}

/// One hook-tool call: log it, answer from the model of `PEERS_N` peers.
fn fake_tool(tool: &str) -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Ok(log) = std::env::var("PEERS_CALL_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
        {
            let _ = writeln!(f, "{tool} {}", args.join(" "));
        }
    }
    let n: u32 = std::env::var("PEERS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let app = args.iter().any(|a| a == "--app");
    let rel = args
        .iter()
        .position(|a| a == "-r")
        .and_then(|i| args.get(i + 1))
        .map(|r| r.rsplit(':').next().unwrap_or(r).to_string())
        .or_else(|| {
            std::env::var("JUJU_RELATION_ID")
                .ok()
                .map(|r| r.rsplit(':').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let positional: Vec<&String> = {
        let mut v = Vec::new();
        let mut skip = false;
        for a in &args {
            if skip {
                skip = false;
                continue;
            }
            if a == "-r" {
                skip = true;
                continue;
            }
            if !a.starts_with("--") {
                v.push(a);
            }
        }
        v
    };
    let out: Option<String> = match tool {
        "juju-log" | "status-set" | "application-version-set" => None,
        "relation-set" => {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            None
        }
        "is-leader" => Some("true".into()),
        "config-get" => Some(r#"{"config-path":"webapp.conf"}"#.into()),
        "relation-ids" => Some(match positional.first().map(|s| s.as_str()) {
            Some("replicas") => r#"["replicas:1"]"#.into(),
            Some("db") => r#"["db:2"]"#.into(),
            _ => "[]".into(),
        }),
        "relation-list" => Some(match (rel.as_str(), app) {
            ("1", true) => r#""webapp""#.into(),
            ("1", false) => {
                let units: Vec<String> = (1..=n).map(|i| format!("\"webapp/{i}\"")).collect();
                format!("[{}]", units.join(","))
            }
            ("2", true) => r#""database""#.into(),
            ("2", false) => r#"["database/0"]"#.into(),
            _ => return fail(&format!("relation {rel:?} not found")),
        }),
        "relation-get" => {
            let owner = positional.get(1).map(|s| s.as_str()).unwrap_or("");
            Some(match (rel.as_str(), app, owner) {
                ("2", true, _) => format!(
                    r#"{{"database":"webapp","credentials":"{SECRET}","endpoints":"database-0.database:5432"}}"#
                ),
                ("1", false, o) if o.starts_with("webapp/") && o != "webapp/0" => {
                    r#"{"ready":"true"}"#.into()
                }
                _ => "{}".into(),
            })
        }
        "secret-get" => Some(r#"{"username":"webapp_user","password":"s3cret"}"#.into()),
        // The unit's charm state, kept in `PEERS_STATE` from one run to the next, as Juju
        // keeps it between hooks.
        "state-get" => Some(serde_json::Value::Object(read_state()).to_string()),
        "state-set" => {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            let Ok(serde_json::Value::Object(values)) = serde_json::from_str(&s) else {
                return fail("state-set: expected a JSON object on stdin");
            };
            let mut state = read_state();
            state.extend(values);
            write_state(&state);
            None
        }
        "state-delete" => {
            let mut state = read_state();
            for key in &positional {
                state.remove(key.as_str());
            }
            write_state(&state);
            None
        }
        _ => return fail(&format!("unsupported tool {tool}")),
    };
    if let Some(o) = out {
        println!("{o}");
    }
    0
}

fn read_state() -> serde_json::Map<String, serde_json::Value> {
    std::env::var("PEERS_STATE")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

fn write_state(state: &serde_json::Map<String, serde_json::Value>) {
    if let Ok(p) = std::env::var("PEERS_STATE") {
        let _ = std::fs::write(p, serde_json::Value::Object(state.clone()).to_string());
    }
}

fn fail(msg: &str) -> i32 {
    eprintln!("ERROR {msg}");
    2
}

fn bench() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root");
    let mut ops_dir = root.join("target/ops-reference");
    let mut runs = 5usize;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ops-dir" => ops_dir = it.next().map(PathBuf::from).expect("--ops-dir DIR"),
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--bench" => {}
            other => panic!("unknown argument {other:?}"),
        }
    }
    std::env::set_current_dir(&root).unwrap();
    eprintln!("building webapp (release) ...");
    let ws = Workspace::load().expect("workspace");
    let work = ws.target_dir.join("bench").join("peers");
    let _ = std::fs::remove_dir_all(&work);
    let tools = work.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let me = std::env::current_exe().unwrap();
    for t in TOOLS {
        std::os::unix::fs::symlink(&me, tools.join(t)).unwrap();
    }
    let c = ws
        .charms(&["webapp".to_string()], true)
        .expect("release build of webapp")
        .remove(0);
    let rust_dir = work.join("rust");
    charm_dir(&c.binary, &c.charmcraft_yaml, &rust_dir).unwrap();
    let ops_src = ops_dir.join("webapp");
    assert!(
        ops_src.join("venv").exists(),
        "no ops webapp at {}: run bench/ops-reference/build.sh",
        ops_src.display()
    );
    let ops_copy = work.join("ops");
    let ok = Command::new("cp")
        .arg("-a")
        .arg(&ops_src)
        .arg(&ops_copy)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "cp -a {}", ops_src.display());

    println!("| peer units N | Rust calls (first hook) | Rust median ms (p95) | ops calls | ops median ms (p95) | ops / Rust |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in [1u32, 10, 100, 1000] {
        let mut row: BTreeMap<&str, (usize, usize, f64, f64)> = BTreeMap::new();
        for (flavour, dir) in [("rust", &rust_dir), ("ops", &ops_copy)] {
            // A fresh unit state per N: the first hook (not timed) finds no config file
            // and no charm state; the timed ones are the steady state that follows.
            let state = work.join(format!("state-{flavour}-{n}.json"));
            let _ = std::fs::remove_file(&state);
            let _ = std::fs::remove_file(dir.join("webapp.conf"));
            let _ = std::fs::remove_file(dir.join(".charm-rs-deferred"));
            let mut times = Vec::new();
            let (mut first, mut calls) = (0, 0);
            for run in 0..=runs {
                let log = work.join(format!("calls-{flavour}-{n}-{run}.log"));
                let (ms, ok, stderr) = hook(dir, &tools, n, &log, &state);
                assert!(ok, "{flavour} N={n}: the hook failed:\n{stderr}");
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let want = format!("{} of {} units ready", n + 1, n + 1);
                assert!(
                    text.lines().any(
                        |l| l.starts_with("status-set --application=True") && l.contains(&want)
                    ),
                    "{flavour} N={n} run {run}: no app status {want:?} in:\n{text}"
                );
                if run == 0 {
                    first = text.lines().count();
                } else {
                    calls = text.lines().count();
                    times.push(ms);
                }
            }
            times.sort_by(f64::total_cmp);
            let med = times[times.len() / 2];
            let p95 = times[(times.len() * 95).div_ceil(100) - 1];
            row.insert(flavour, (first, calls, med, p95));
        }
        let (rf, rc, rm, rp) = row["rust"];
        let (_, oc, om, op) = row["ops"];
        println!(
            "| {n} | {rc} ({rf}) | {rm:.1} ({rp:.1}) | {oc} | {om:.1} ({op:.1}) | {:.1}x |",
            om / rm
        );
    }
}

/// Runs `dispatch` once as `replicas-relation-changed` on webapp/0 (leader).
fn hook(dir: &Path, tools: &Path, n: u32, log: &Path, state: &Path) -> (f64, bool, String) {
    let path = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );
    let d = dir.display().to_string();
    let start = Instant::now();
    let out = Command::new(dir.join("dispatch"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("PEERS_N", n.to_string())
        .env("PEERS_CALL_LOG", log)
        .env("PEERS_STATE", state)
        .env("JUJU_CHARM_DIR", &d)
        .env("CHARM_DIR", &d)
        .env("JUJU_CONTEXT_ID", format!("webapp/0-bench-{n}"))
        .env("JUJU_HOOK_NAME", "replicas-relation-changed")
        .env("JUJU_DISPATCH_PATH", "hooks/replicas-relation-changed")
        .env("JUJU_UNIT_NAME", "webapp/0")
        .env("JUJU_MODEL_UUID", "b3689a6f-7e30-497a-9fe9-eb86ac412929")
        .env("JUJU_MODEL_NAME", "bench")
        .env("JUJU_VERSION", "3.6.4")
        .env("JUJU_RELATION", "replicas")
        .env("JUJU_RELATION_ID", "replicas:1")
        .env("JUJU_REMOTE_UNIT", "webapp/1")
        .env("JUJU_REMOTE_APP", "webapp")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("run dispatch");
    let ms = start.elapsed().as_secs_f64() * 1e3;
    (
        ms,
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
