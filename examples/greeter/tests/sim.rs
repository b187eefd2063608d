//! The greeter in the simulator, against real Pebbles: deploy, config change, the
//! workload killed (Pebble restarts it, the status follows), a failing health check, the
//! container restarted (Pebble afresh, `pebble-ready` again), the pod replaced.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cargo_charm::sim::{CheckOverride, Model, Status};
use charm_runtime::pebble::{Pebble, ServiceStatus};

/// The charm directory (charmcraft.yaml and the dispatch binary) and the image (a
/// directory with `usr/bin/greeter-server`), under `dir`.
fn lay_out(dir: &Path) -> (PathBuf, PathBuf) {
    let charm = dir.join("charm");
    std::fs::create_dir_all(&charm).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/charmcraft.yaml"),
        charm.join("charmcraft.yaml"),
    )
    .unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_greeter"), charm.join("dispatch")).unwrap();
    let image = dir.join("image");
    std::fs::create_dir_all(image.join("usr/bin")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_greeter-server"),
        image.join("usr/bin/greeter-server"),
    )
    .unwrap();
    (charm, image)
}

/// A TCP port nobody listens on now (the workload binds it on all addresses).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn status(m: &Model) -> Status {
    m.unit_status("greeter/0").unwrap()
}

/// Settles, and again as Pebble reports more, until `done` or 30 s.
fn settle_until(m: &mut Model, what: &str, done: impl Fn(&Model) -> bool) {
    let start = Instant::now();
    loop {
        m.settle().unwrap();
        if done(m) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: still {:?} after 30 s; hooks: {:?}",
            status(m),
            m.hook_names("greeter/0")
        );
        m.wait_workload_events(Duration::from_millis(500));
    }
}

fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(c, "GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    c.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

fn server_pid(m: &Model) -> i32 {
    let root = m.container_root("greeter/0", "greeter").unwrap();
    std::fs::read_to_string(root.join("run/greeter.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn greeter_runs_its_server_through_pebble_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (charm, image) = lay_out(dir.path());
    let port = free_port();
    let mut m = Model::new("greeter-sim").unwrap();
    m.deploy("greeter", &charm, 1, [("port", port)]).unwrap();
    m.set_container_image("greeter", "greeter", &image).unwrap();

    // Deploy: pebble-ready after start, then the server's notice.
    let active =
        |g: &str, n: u32| Status::new("active", format!("\"{g}\" on :{port} (started {n}x)"));
    settle_until(&mut m, "deploy", |m| status(m) == active("Hello", 1));
    let hooks = m.hook_names("greeter/0");
    assert_eq!(
        &hooks[..5],
        [
            "install",
            "leader-elected",
            "config-changed",
            "start",
            "greeter-pebble-ready"
        ]
    );
    assert!(hooks.contains(&"greeter-pebble-custom-notice".to_string()));
    assert_eq!(get(port, "/").as_deref(), Some("Hello, world!\n"));
    assert_eq!(
        m.opened_ports("greeter/0").unwrap(),
        [format!("{port}/tcp")]
    );

    // The action execs in the container, which asks the running server.
    let out = m
        .run_action("greeter/0", "greet", serde_json::json!({"name": "Ada"}))
        .unwrap();
    assert_eq!(out.status, "completed", "{out:?}");
    assert_eq!(out.results["greeting"], "Hello, Ada!");

    // A config change: replan restarts the server with the new greeting.
    m.set_config("greeter", [("greeting", "Bonjour")]).unwrap();
    settle_until(&mut m, "config change", |m| {
        status(m) == active("Bonjour", 2)
    });
    assert_eq!(get(port, "/").as_deref(), Some("Bonjour, world!\n"));

    // The workload dies: Pebble restarts it, the status follows its new start.
    let pid = server_pid(&m);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    settle_until(&mut m, "restart after kill", |m| {
        status(m) == active("Bonjour", 3)
    });
    assert_ne!(server_pid(&m), pid);
    assert_eq!(get(port, "/").as_deref(), Some("Bonjour, world!\n"));

    // A failing health check: check-failed, the status says so; Pebble restarts the
    // server on it (`on-check-failure`); forced back to passing, check-recovered.
    m.force_check(
        "greeter/0",
        "greeter",
        "alive",
        Some(CheckOverride::Fail("simulated".into())),
    )
    .unwrap();
    settle_until(&mut m, "check failed", |m| {
        m.hook_names("greeter/0")
            .contains(&"greeter-pebble-check-failed".to_string())
    });
    m.force_check("greeter/0", "greeter", "alive", Some(CheckOverride::Pass))
        .unwrap();
    settle_until(&mut m, "check recovered", |m| {
        m.hook_names("greeter/0")
            .contains(&"greeter-pebble-check-recovered".to_string())
            && status(m).status == "active"
    });

    // The container restarts: Pebble afresh, pebble-ready again, the charm re-applies
    // its layer and the server comes back.
    let before = m.hook_names("greeter/0").len();
    m.restart_container("greeter/0", "greeter").unwrap();
    settle_until(&mut m, "container restart", |m| {
        status(m) == active("Bonjour", 1)
    });
    let after = m.hook_names("greeter/0");
    assert_eq!(after[before], "greeter-pebble-ready");
    let pebble = m.pebble("greeter/0", "greeter").unwrap();
    assert_eq!(
        pebble.get_service("greeter").unwrap().unwrap().current,
        ServiceStatus::Active
    );
    assert_eq!(get(port, "/").as_deref(), Some("Bonjour, world!\n"));

    // The pod is replaced: upgrade-charm, config-changed, pebble-ready.
    let before = m.hook_names("greeter/0").len();
    m.churn_pod("greeter/0").unwrap();
    settle_until(&mut m, "pod churn", |m| status(m) == active("Bonjour", 1));
    let after = m.hook_names("greeter/0");
    assert_eq!(
        &after[before..before + 3],
        ["upgrade-charm", "config-changed", "greeter-pebble-ready"]
    );

    // Removal stops the workload with the unit.
    m.remove_application("greeter").unwrap();
    m.settle().unwrap();
    assert!(get(port, "/").is_none(), "the server outlived its unit");
}

/// `cargo charm sim model.yaml`, the command line: the model file gives the container
/// its image and the charm its port; the status table shows the unit active with its
/// port, and the server stops with the simulator.
#[test]
fn cargo_charm_sim_runs_the_greeter_from_a_model_file() {
    let dir = tempfile::tempdir().unwrap();
    lay_out(dir.path());
    let port = free_port();
    let model = dir.path().join("model.yaml");
    std::fs::write(
        &model,
        format!(
            "name: k8s\napplications:\n  greeter:\n    charm: ./charm\n    config: {{port: {port}}}\n    containers:\n      greeter:\n        image: ./image\n"
        ),
    )
    .unwrap();
    // The hook-tools binary a model links is the `cargo-charm` CLI.
    let cargo_charm = cargo_charm::sim::tool_binary().unwrap();
    let out = std::process::Command::new(&cargo_charm)
        .args(["charm", "sim"])
        .arg(&model)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let unit = stdout
        .lines()
        .find(|l| l.starts_with("greeter/0"))
        .unwrap_or_else(|| panic!("no unit row in:\n{stdout}"));
    let cells: Vec<&str> = unit.split_whitespace().collect();
    assert_eq!(cells[1], "active", "{stdout}\n{stderr}");
    assert!(unit.contains(&format!("{port}/tcp")), "{unit}");
    assert!(
        unit.ends_with(&format!("\"Hello\" on :{port} (started 1x)")),
        "{unit}"
    );
    assert!(
        get(port, "/").is_none(),
        "the server outlived the simulator"
    );
}
