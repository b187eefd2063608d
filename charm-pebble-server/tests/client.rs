//! `charm_pebble::Client` against the server, endpoint by endpoint, with real
//! processes behind the services, checks and execs.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use charm_pebble::*;
use charm_pebble_server::{CheckOverride, ExecReply, PebbleEvent, PebbleServer, ServerConfig};

fn server() -> (tempfile::TempDir, PebbleServer, Client) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        okay_delay: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let s = PebbleServer::start_with(
        dir.path().join("root"),
        dir.path().join("pebble.socket"),
        config,
    )
    .unwrap();
    let c = s.client();
    (dir, s, c)
}

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap()
}

/// Polls `f` until it holds (at most 30 s: a loaded CI machine can starve the services).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pid_in(root: &Path, file: &str) -> i32 {
    let mut pid = 0;
    eventually(file, || {
        pid = std::fs::read_to_string(root.join(file))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        pid != 0
    });
    pid
}

/// True while `pid` is a live (not zombie) process.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

fn status(c: &Client, name: &str) -> ServiceStatus {
    c.get_service(name).unwrap().unwrap().current
}

#[test]
fn system_info_plan_and_layers() {
    let (_d, _s, c) = server();
    let info = c.system_info().unwrap();
    assert!(info.version.starts_with("charm-pebble-server/"));
    assert_eq!(info.boot_id.map(|b| b.len()), Some(36));
    assert!(c.can_connect());
    assert_eq!(c.get_plan().unwrap(), Plan::default());

    c.add_layer(
        "base",
        &layer("services:\n  web: {override: replace, command: /bin/web, startup: enabled, environment: {A: '1'}}\n"),
        false,
    )
    .unwrap();
    // Same label without combine: Pebble's error.
    let e = c.add_layer("base", &Layer::new(), false).unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 400, message, .. } if message == r#"layer "base" already exists"#),
        "{e}"
    );
    // Combine merges into the layer.
    c.add_layer(
        "base",
        &layer("services:\n  web: {override: merge, environment: {B: '2'}}\n"),
        true,
    )
    .unwrap();
    let web = &c.get_plan().unwrap().services["web"];
    assert_eq!(web.command.as_deref(), Some("/bin/web"));
    assert_eq!(web.environment.len(), 2);
    // Invalid layers change nothing and say why, as Pebble.
    let e = c
        .add_layer("bad", &layer("services:\n  x: {override: merge}\n"), false)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"plan must define "command" for service "x""#),
        "{e}"
    );
    let e = c.add_layer("pebble-x", &Layer::new(), false).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"cannot parse layer YAML: cannot use reserved label prefix "pebble-""#),
        "{e}"
    );
    assert_eq!(c.get_plan().unwrap().services.len(), 1);
}

#[test]
fn a_real_service_starts_stops_restarts_and_is_reaped() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    // The service leaves a grandchild in its process group.
    let cmd = r#"sh -c 'sleep 300 & echo $! > child; echo $$ > pid; echo started; exec sleep 300'"#;
    c.add_layer(
        "l",
        &layer(&format!("services:\n  svc: {{override: replace, command: \"{cmd}\", startup: enabled, kill-delay: 2s}}\n")),
        false,
    )
    .unwrap();
    assert_eq!(status(&c, "svc"), ServiceStatus::Inactive);
    let change = c.replan_services().unwrap();
    assert_eq!(status(&c, "svc"), ServiceStatus::Active);
    let pid = pid_in(&root, "pid");
    let child = pid_in(&root, "child");
    assert!(running(pid) && running(child));
    let ch = c.get_change(&change).unwrap();
    assert_eq!(
        (ch.kind.as_str(), ch.status.as_str(), ch.ready),
        ("replan", "Done", true)
    );
    assert_eq!(ch.summary, r#"Replan service "svc""#);
    assert_eq!(ch.tasks[0].summary, r#"Start service "svc""#);
    eventually("output", || {
        s.service_logs("svc").is_some_and(|l| l.contains("started"))
    });

    // Starting again is a no-op that says so.
    let again = c.start_services(&["svc"]).unwrap();
    let t = &c.get_change(&again).unwrap().tasks[0];
    assert!(
        t.log
            .iter()
            .any(|l| l.ends_with(r#"Service "svc" already started."#)),
        "{:?}",
        t.log
    );

    // Stop: SIGTERM to the whole group; both processes are gone and reaped.
    c.stop_services(&["svc"]).unwrap();
    assert_eq!(status(&c, "svc"), ServiceStatus::Inactive);
    assert!(!running(pid), "service process left running");
    eventually("grandchild killed", || !running(child));

    std::fs::remove_file(root.join("pid")).unwrap();
    c.restart_services(&["svc"]).unwrap();
    let pid2 = pid_in(&root, "pid");
    assert_ne!(pid, pid2);
    assert_eq!(status(&c, "svc"), ServiceStatus::Active);

    // Unknown services are Pebble's 400.
    let e = c.start_services(&["nope"]).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"cannot start services: service "nope" does not exist"#),
        "{e}"
    );

    // Shutdown kills the group and reaps it.
    let child2 = pid_in(&root, "child");
    s.shutdown();
    assert!(!running(pid2), "service left after shutdown");
    eventually("grandchild killed at shutdown", || !running(child2));
    assert!(!c.can_connect());
}

#[test]
fn a_killed_service_is_restarted_with_backoff_and_quick_exits_fail_the_start() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    c.add_layer(
        "l",
        &layer(
            "services:
  loop: {override: replace, command: \"sh -c 'echo $$ > pid; while true; do sleep 0.1; done'\", backoff-delay: 200ms}
  quick: {override: replace, command: \"sh -c 'echo bye; exit 3'\", on-failure: ignore}
",
        ),
        false,
    )
    .unwrap();
    c.start_services(&["loop"]).unwrap();
    let pid = pid_in(&root, "pid");
    std::fs::remove_file(root.join("pid")).unwrap();
    // Killed from outside: on-failure defaults to restart, after the backoff.
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    eventually("backoff", || {
        status(&c, "loop") == ServiceStatus::Backoff || root.join("pid").exists()
    });
    let pid2 = pid_in(&root, "pid");
    assert_ne!(pid, pid2);
    eventually("active again", || {
        status(&c, "loop") == ServiceStatus::Active
    });
    assert!(!running(pid), "the killed process was not reaped");

    // Exits before the okay delay: the start fails with Pebble's text and output.
    let e = c.start_services(&["quick"]).unwrap_err();
    let Error::Change { err, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(err.starts_with("cannot perform the following tasks:\n- Start service \"quick\" (service start attempt: exited quickly with code 3, will ignore"), "{err}");
    assert!(err.contains("bye"), "{err}");
    assert_eq!(status(&c, "quick"), ServiceStatus::Error);
}

#[test]
fn kill_delay_then_sigkill_for_a_service_ignoring_sigterm() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    c.add_layer(
        "l",
        &layer("services:\n  stubborn: {override: replace, command: \"sh -c 'trap \\\"\\\" TERM; echo $$ > pid; while true; do sleep 0.1; done'\", kill-delay: 500ms}\n"),
        false,
    )
    .unwrap();
    c.start_services(&["stubborn"]).unwrap();
    let pid = pid_in(&root, "pid");
    let started = Instant::now();
    c.stop_services(&["stubborn"]).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "stopped before kill-delay"
    );
    assert!(!running(pid));
}

#[test]
fn signals_reach_the_service() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    c.add_layer(
        "l",
        // SIGUSR1, not SIGHUP: under `nohup` (a CI runner may start the tests so) SIGHUP
        // is ignored from the start, and a shell cannot trap a signal ignored on entry.
        &layer("services:\n  hup: {override: replace, command: \"sh -c 'trap \\\"echo got-usr1 > hup\\\" USR1; echo $$ > pid; while true; do sleep 0.05; done'\"}\n"),
        false,
    )
    .unwrap();
    let e = c.send_signal("SIGUSR1", &["hup"]).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"cannot send signal to "hup": service is not running"#),
        "{e}"
    );
    c.start_services(&["hup"]).unwrap();
    pid_in(&root, "pid");
    c.send_signal("SIGUSR1", &["hup"]).unwrap();
    eventually("trap ran", || root.join("hup").exists());
    let e = c.send_signal("SIGNOPE", &["hup"]).unwrap_err();
    assert!(
        e.to_string().contains(r#"invalid signal name "SIGNOPE""#),
        "{e}"
    );
}

#[test]
fn files_map_under_the_root_and_keep_permissions_and_owners() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\napp:x:1000:\n").unwrap();

    let opts = PushOptions {
        make_dirs: true,
        permissions: Some(0o600),
        user: Some("app".into()),
        group: Some("app".into()),
        ..Default::default()
    };
    c.push("/srv/app/app.conf", b"port = 80\n", &opts).unwrap();
    assert_eq!(
        std::fs::read(root.join("srv/app/app.conf")).unwrap(),
        b"port = 80\n"
    );
    assert_eq!(c.pull("/srv/app/app.conf").unwrap(), b"port = 80\n");
    let info = c.file_info("/srv/app/app.conf").unwrap();
    assert_eq!(
        (info.permissions, info.size, info.file_type),
        (0o600, Some(10), FileType::File)
    );
    assert_eq!(
        (info.user.as_deref(), info.user_id, info.group.as_deref()),
        (Some("app"), Some(1000), Some("app"))
    );
    // Files the server did not chown are the container root's.
    std::fs::write(root.join("srv/plain"), "x").unwrap();
    let plain = c.file_info("/srv/plain").unwrap();
    assert_eq!(
        (plain.user.as_deref(), plain.user_id),
        (Some("root"), Some(0))
    );

    // Streams both ways, and a bigger file.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    c.push_from("/srv/big", &mut &big[..], &PushOptions::default())
        .unwrap();
    let mut back = Vec::new();
    c.pull_to("/srv/big", &mut back).unwrap();
    assert_eq!(back, big);

    // Listing, patterns, itself.
    c.make_dir(
        "/srv/app/conf.d",
        &MakeDirOptions {
            permissions: Some(0o700),
            ..Default::default()
        },
    )
    .unwrap();
    let names: Vec<String> = c
        .list_files("/srv/app")
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["app.conf", "conf.d"]);
    let conf = c
        .list_files_with(
            "/srv/app",
            &ListFilesOptions {
                pattern: Some("*.conf".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(conf.len(), 1);
    assert!(c.is_dir("/srv/app/conf.d").unwrap());
    assert_eq!(c.file_info("/srv/app/conf.d").unwrap().permissions, 0o700);

    // Pebble's errors, about container paths.
    let e = c.pull("/nope").unwrap_err();
    assert!(
        matches!(&e, Error::Path { kind, message, .. } if kind == "not-found" && message == "stat /nope: no such file or directory"),
        "{e:?}"
    );
    let e = c.push("/a/b/c", b"", &PushOptions::default()).unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let e = c
        .make_dir("/srv/app", &MakeDirOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("mkdir /srv/app: file exists"), "{e}");
    let e = c.remove_path("/srv/app", false).unwrap_err();
    assert!(e.to_string().contains("directory not empty"), "{e}");
    assert!(!c.exists("/missing").unwrap());
    let e = c
        .push(
            "/srv/x",
            b"",
            &PushOptions {
                user: Some("ghost".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot look up user and group: user: unknown user ghost"),
        "{e}"
    );

    // Symlinks and .. cannot leave the root.
    std::os::unix::fs::symlink("/", root.join("srv/escape")).unwrap();
    c.push(
        "/srv/escape/tmp-inside",
        b"in",
        &PushOptions {
            make_dirs: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(root.join("tmp-inside").exists());
    c.push("/../../outside", b"in", &PushOptions::default())
        .unwrap();
    assert!(root.join("outside").exists());

    c.remove_path("/srv", true).unwrap();
    assert!(!root.join("srv").exists());
    c.remove_path("/srv", true).unwrap(); // recursive removal of nothing is fine

    // push_path / pull_path, as ops.
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("foo/bar")).unwrap();
    std::fs::write(local.path().join("foo/bar/baz.txt"), "baz").unwrap();
    std::fs::write(local.path().join("foo/foobar.txt"), "foobar").unwrap();
    c.push_path(&[&local.path().join("foo")], "/dst").unwrap();
    assert_eq!(c.pull("/dst/foo/bar/baz.txt").unwrap(), b"baz");
    c.push_path(&[&local.path().join("foo/*")], "/flat")
        .unwrap();
    assert_eq!(c.pull("/flat/foobar.txt").unwrap(), b"foobar");
    let out = tempfile::tempdir().unwrap();
    c.pull_path(&["/dst/foo"], out.path()).unwrap();
    assert_eq!(
        std::fs::read(out.path().join("foo/bar/baz.txt")).unwrap(),
        b"baz"
    );
    let e = c
        .push_path(
            &[
                &local.path().join("missing"),
                &local.path().join("foo/foobar.txt"),
            ],
            "/dst",
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Multi { errors, .. } if errors.len() == 1),
        "{e:?}"
    );
    assert_eq!(
        c.pull("/dst/foobar.txt").unwrap(),
        b"foobar",
        "the other source was still pushed"
    );
}

#[test]
fn exec_runs_real_processes_in_the_root_and_streams() {
    let (_d, s, c) = server();
    std::fs::create_dir_all(s.root().join("work")).unwrap();
    std::fs::write(s.root().join("work/data.txt"), "in the root\n").unwrap();
    let opts = ExecOptions {
        working_dir: Some("/work".into()),
        ..Default::default()
    };
    let out = c.exec(&["cat", "data.txt"], &opts).unwrap();
    assert_eq!(
        (out.stdout_str().as_str(), out.exit_code),
        ("in the root\n", 0)
    );

    let out = c
        .exec(
            &["sh", "-c", "echo out; echo err >&2; exit 4"],
            &ExecOptions {
                environment: BTreeMap::from([("X".into(), "y".into())]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        (
            out.stdout_str().as_str(),
            out.stderr_str().as_str(),
            out.exit_code
        ),
        ("out\n", "err\n", 4)
    );
    let out = c
        .exec(
            &["sh", "-c", "echo $X; echo e >&2"],
            &ExecOptions {
                combine_stderr: true,
                environment: BTreeMap::from([("X".into(), "y".into())]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.stdout_str(), "y\ne\n");

    // Streaming: a line in, a line out, while the process runs.
    let mut p = c
        .spawn(
            &["sh", "-c", "while read l; do echo got $l; done"],
            &ExecOptions::default(),
        )
        .unwrap();
    let mut stdin = p.take_stdin().unwrap();
    let mut stdout = BufReader::new(p.take_stdout().unwrap());
    for word in ["a", "b"] {
        writeln!(stdin, "{word}").unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, format!("got {word}\n"));
    }
    drop(stdin);
    assert_eq!(p.wait().unwrap(), 0);

    // Signals over the control websocket.
    let mut p = c.spawn(&["sleep", "30"], &ExecOptions::default()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    p.send_signal("SIGTERM").unwrap();
    let started = Instant::now();
    assert_eq!(p.wait().unwrap(), -1, "killed by a signal");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Timeouts and missing programs: Pebble's errors.
    let e = c
        .exec(
            &["sleep", "10"],
            &ExecOptions {
                timeout: Some(Duration::from_millis(200)),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("timed out after 200ms"), "{e}");
    let e = c
        .exec(&["no-such-program"], &ExecOptions::default())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"cannot find executable "no-such-program""#),
        "{e}"
    );
    let e = c
        .exec(
            &["true"],
            &ExecOptions {
                working_dir: Some("/nowhere".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"working directory "/nowhere" does not exist"#),
        "{e}"
    );

    // A handler fakes a command, with the stdin it was sent.
    s.on_exec(&["pg_isready"], |req| ExecReply {
        stdout: [b"ready: ".as_slice(), &req.stdin].concat(),
        stderr: Vec::new(),
        exit_code: 0,
    });
    let out = c
        .exec(
            &["pg_isready", "-h", "x"],
            &ExecOptions {
                stdin: Some(b"hi".to_vec()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.stdout_str(), "ready: hi");
}

fn next_event(rx: &Receiver<PebbleEvent>) -> PebbleEvent {
    rx.recv_timeout(Duration::from_secs(15)).expect("an event")
}

#[test]
fn an_http_check_fails_and_recovers_with_a_real_server() {
    let (_d, s, c) = server();
    let events = s.subscribe();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    c.add_layer(
        "l",
        &layer(&format!(
            "services:
  web: {{override: replace, command: python3 -m http.server {port} --bind 127.0.0.1, startup: enabled}}
checks:
  up: {{override: replace, level: alive, period: 200ms, threshold: 2, http: {{url: 'http://127.0.0.1:{port}/'}}}}
  off: {{override: replace, startup: disabled, tcp: {{port: {port}}}}}
"
        )),
        false,
    )
    .unwrap();
    c.replan_services().unwrap();
    let port_open = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    eventually("http.server listening", port_open);
    eventually("successes", || {
        c.get_check("up")
            .unwrap()
            .is_some_and(|i| i.status == CheckStatus::Up)
    });
    assert_eq!(
        c.get_check("off").unwrap().unwrap().status,
        CheckStatus::Inactive
    );
    // The check ran before the server listened: it may have failed and recovered.
    let early: Vec<PebbleEvent> = events.try_iter().collect();
    assert!(early.len().is_multiple_of(2), "{early:?}");

    c.stop_services(&["web"]).unwrap();
    assert_eq!(
        next_event(&events),
        PebbleEvent::CheckFailed { check: "up".into() }
    );
    let info = c.get_check("up").unwrap().unwrap();
    assert_eq!(
        (info.status, info.failures, info.threshold),
        (CheckStatus::Down, 2, 2)
    );
    // Juju learns it from a change-update notice of the failed perform-check change.
    let updates = c
        .get_notices(&NoticesQuery::new().types(["change-update"]))
        .unwrap();
    assert!(updates
        .iter()
        .any(
            |n| n.last_data.get("kind").map(String::as_str) == Some("perform-check")
                && n.last_data.get("check-name").map(String::as_str) == Some("up")
        ));
    let failed = ChangeId(
        updates
            .iter()
            .find(|n| n.last_data["kind"] == "perform-check")
            .unwrap()
            .key
            .clone(),
    );
    let change = c.get_change(&failed).unwrap();
    assert_eq!(change.status, "Error");
    assert!(change.err.unwrap().contains("Perform http check \"up\""));

    c.start_services(&["web"]).unwrap();
    assert_eq!(
        next_event(&events),
        PebbleEvent::CheckRecovered { check: "up".into() }
    );
    assert_eq!(c.get_check("up").unwrap().unwrap().status, CheckStatus::Up);

    // Stopping and starting checks by name.
    assert_eq!(c.stop_checks(&["up"]).unwrap(), ["up"]);
    assert_eq!(
        c.get_check("up").unwrap().unwrap().status,
        CheckStatus::Inactive
    );
    assert_eq!(c.start_checks(&["up", "off"]).unwrap(), ["off", "up"]);
    let e = c.start_checks(&["nope"]).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot start checks: cannot find checks in plan: nope"),
        "{e}"
    );
}

#[test]
fn forced_check_results_and_on_check_failure_restart() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    let events = s.subscribe();
    c.add_layer(
        "l",
        &layer(
            "services:
  app: {override: replace, command: \"sh -c 'echo $$ > pid; exec sleep 300'\", startup: enabled, on-check-failure: {alive: restart}, backoff-delay: 100ms}
checks:
  alive: {override: replace, period: 1h, threshold: 1, exec: {command: 'true'}}
",
        ),
        false,
    )
    .unwrap();
    c.replan_services().unwrap();
    let pid = pid_in(&root, "pid");
    std::fs::remove_file(root.join("pid")).unwrap();
    assert_eq!(s.refresh_check("alive"), Some(CheckStatus::Up));
    s.force_check(
        "alive",
        Some(CheckOverride::Fail("the simulator says no".into())),
    );
    assert_eq!(s.refresh_check("alive"), Some(CheckStatus::Down));
    assert_eq!(
        next_event(&events),
        PebbleEvent::CheckFailed {
            check: "alive".into()
        }
    );
    // on-check-failure: restart — a new process.
    let pid2 = pid_in(&root, "pid");
    assert_ne!(pid, pid2);
    eventually("old process gone", || !running(pid));
    s.force_check("alive", None);
    assert_eq!(s.refresh_check("alive"), Some(CheckStatus::Up));
    assert_eq!(
        next_event(&events),
        PebbleEvent::CheckRecovered {
            check: "alive".into()
        }
    );
    assert_eq!(s.refresh_check("nope"), None);
}

#[test]
fn notices_are_recorded_filtered_and_announced() {
    let (_d, s, c) = server();
    let events = s.subscribe();
    let id = c
        .notify(
            "example.com/db-ready",
            &BTreeMap::from([("k".into(), "v".into())]),
            None,
        )
        .unwrap();
    assert_eq!(
        next_event(&events),
        PebbleEvent::CustomNotice {
            id: id.clone(),
            key: "example.com/db-ready".into()
        }
    );
    let again = c
        .notify(
            "example.com/db-ready",
            &BTreeMap::new(),
            Some(Duration::from_secs(3600)),
        )
        .unwrap();
    assert_eq!(again, id, "same key: the same notice");
    // A third occurrence inside repeat-after is not a repeat: no event.
    c.notify(
        "example.com/db-ready",
        &BTreeMap::new(),
        Some(Duration::from_secs(3600)),
    )
    .unwrap();
    assert_eq!(
        next_event(&events),
        PebbleEvent::CustomNotice {
            id: id.clone(),
            key: "example.com/db-ready".into()
        }
    );
    assert!(events.recv_timeout(Duration::from_millis(200)).is_err());
    let n = c.get_notice(&id).unwrap();
    assert_eq!(
        (n.notice_type.as_str(), n.occurrences, n.user_id),
        ("custom", 3, Some(0))
    );
    c.notify("example.com/other", &BTreeMap::new(), None)
        .unwrap();
    let custom = c
        .get_notices(&NoticesQuery::new().types(["custom"]))
        .unwrap();
    assert_eq!(custom.len(), 2);
    let one = c
        .get_notices(&NoticesQuery::new().keys(["example.com/other"]))
        .unwrap();
    assert_eq!(one.len(), 1);
    assert!(c
        .get_notices(&NoticesQuery::new().user_id(42).types(["custom"]))
        .unwrap()
        .is_empty());
    assert_eq!(
        c.get_notices(&NoticesQuery::new().all_users().types(["custom"]))
            .unwrap()
            .len(),
        2
    );
    let e = c.notify("not a key", &BTreeMap::new(), None).unwrap_err();
    assert!(e.to_string().contains(r#"invalid key "not a key""#), "{e}");
    let e = c.get_notice("999").unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[test]
fn changes_can_be_waited_for_and_unknown_ones_are_404() {
    let (_d, _s, c) = server();
    c.add_layer(
        "l",
        &layer("services:\n  s: {override: replace, command: sleep 30}\n"),
        false,
    )
    .unwrap();
    let id = c.start_services(&["s"]).unwrap();
    let ch = c.wait_change(&id, Some(Duration::from_secs(5))).unwrap();
    assert!(ch.ready && ch.err.is_none());
    let e = c.get_change(&ChangeId("999".into())).unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[test]
fn a_container_restart_kills_everything_and_resets_pebble() {
    let (_d, s, c) = server();
    let root = s.root().to_path_buf();
    let boot = c.system_info().unwrap().boot_id;
    c.add_layer("l", &layer("services:\n  s: {override: replace, command: \"sh -c 'echo $$ > pid; exec sleep 300'\", startup: enabled}\n"), false).unwrap();
    c.replan_services().unwrap();
    c.notify("example.com/x", &BTreeMap::new(), None).unwrap();
    c.push("/kept", b"files survive", &PushOptions::default())
        .unwrap();
    let pid = pid_in(&root, "pid");
    s.restart_container();
    assert!(!running(pid));
    assert_ne!(c.system_info().unwrap().boot_id, boot);
    assert_eq!(c.get_plan().unwrap(), Plan::default());
    assert!(c
        .get_notices(&NoticesQuery::new().types(["custom"]))
        .unwrap()
        .is_empty());
    assert_eq!(c.pull("/kept").unwrap(), b"files survive");
}

#[test]
fn bad_requests_get_pebbles_errors() {
    let (_d, s, _c) = server();
    let raw = |req: &str| {
        let mut sock = std::os::unix::net::UnixStream::connect(s.socket_path()).unwrap();
        sock.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        sock.read_to_string(&mut out).unwrap();
        out
    };
    let r = raw("GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    let r = raw("DELETE /v1/services HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 405"), "{r}");
    let r = raw("POST /v1/services HTTP/1.1\r\nContent-Length: 5\r\n\r\n{nope");
    assert!(r.contains("cannot decode request body"), "{r}");
    let r = raw("GET /v1/plan?format=json HTTP/1.1\r\n\r\n");
    assert!(r.contains(r#"invalid format \"json\""#), "{r}");
    let r = raw("garbage\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
}

#[test]
fn the_container_environment_reaches_services_and_execs_under_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        okay_delay: Duration::from_millis(200),
        environment: BTreeMap::from([
            ("JUJU_CONTAINER_NAME".into(), "web".into()),
            ("MODE".into(), "container".into()),
        ]),
        ..ServerConfig::default()
    };
    let s =
        PebbleServer::start_with(dir.path().join("root"), dir.path().join("sock"), config).unwrap();
    let c = s.client();
    let out = c
        .exec(
            &["sh", "-c", "echo $JUJU_CONTAINER_NAME $MODE"],
            &ExecOptions {
                environment: BTreeMap::from([("MODE".into(), "exec".into())]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.stdout_str(), "web exec\n");
    c.add_layer(
        "env",
        &layer(
            "services:\n  envdump:\n    override: replace\n    command: sh -c 'echo $JUJU_CONTAINER_NAME $MODE > env.txt; sleep 60'\n    startup: enabled\n",
        ),
        false,
    )
    .unwrap();
    c.replan_services().unwrap();
    eventually("the service writes its environment", || {
        std::fs::read_to_string(s.root().join("env.txt")).is_ok_and(|t| t == "web container\n")
    });
}
