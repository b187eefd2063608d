//! Kubernetes charm ergonomics in Scenario and Harness tests: a container that
//! cannot connect, canned and streaming exec, checks a test fails, custom
//! notices, signals, check start/stop, changes, file copies.
#![cfg(feature = "testing")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use charm_runtime::pebble::{
    CheckStatus, ExecOutput, FakePebble, Pebble, PushOptions, ServiceStatus,
};
use charm_runtime::testing::{Container, Context, Event, Harness, State};
use charm_runtime::Status;

mod charm {
    use charm_runtime::pebble::{
        Check, CheckStatus, ExecOptions, HttpCheck, Layer, NoticesQuery, Override, PushOptions,
        Service,
    };
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "web",
        summary = "A web server in a container",
        description = "Tests."
    )]
    #[containers(workload(resource = "image"))]
    #[resources(image(type = "oci-image"))]
    #[actions(
        probe(description = "Runs a command with its streams open."),
        snapshot(description = "Copies the config directory out and back in.")
    )]
    pub struct Web;

    pub fn layer() -> Layer {
        let alive = Check {
            r#override: Some(Override::Replace),
            http: Some(HttpCheck {
                url: Some("http://localhost:8080/health".into()),
                ..HttpCheck::default()
            }),
            ..Check::default()
        };
        Layer::new()
            .service(
                "web",
                Service::new("/bin/web --config /etc/web/web.conf").enabled(),
            )
            .check("alive", alive)
    }

    #[handlers]
    impl Web {
        #[on(workload_pebble_ready, config_changed)]
        fn configure(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let c = ctx.container(Self::WORKLOAD);
            if !c.can_connect() {
                ctx.set_status(Status::waiting("waiting for Pebble"));
                return Ok(());
            }
            let opts = PushOptions {
                make_dirs: true,
                ..PushOptions::default()
            };
            c.push("/etc/web/web.conf", b"port = 8080\n", &opts)?;
            c.add_layer("web", &layer(), true)?;
            c.replan()?;
            let version = c
                .exec(&["/bin/web", "--version"], &ExecOptions::default())?
                .success()?;
            ctx.set_status(Status::active(format!(
                "web {}",
                version.stdout_str().trim()
            )));
            Ok(())
        }

        #[on(workload_pebble_check_failed)]
        fn failed(&mut self, ctx: &mut Context<Self>, e: &PebbleCheck) -> Result<()> {
            let c = e.container();
            if c.get_check(e.check())?.status == CheckStatus::Down {
                c.restart(&["web"])?;
                c.stop_checks(&[e.check()])?;
                ctx.set_status(Status::maintenance(format!(
                    "{} down: web restarted",
                    e.check()
                )));
            }
            Ok(())
        }

        #[on(workload_pebble_check_recovered)]
        fn recovered(&mut self, ctx: &mut Context<Self>, e: &PebbleCheck) -> Result<()> {
            let c = e.container();
            c.start_checks(&[e.check()])?;
            c.send_signal("SIGHUP", &["web"])?;
            ctx.set_status(Status::active(format!("{} recovered", e.check())));
            Ok(())
        }

        #[on(workload_pebble_custom_notice)]
        fn notice(&mut self, ctx: &mut Context<Self>, e: &PebbleCustomNotice) -> Result<()> {
            let c = e.container();
            let notice = c.get_notice(e.notice_id())?;
            let same_key =
                c.get_notices(&NoticesQuery::new().types(["custom"]).keys([e.notice_key()]))?;
            let path = notice.last_data.get("path").cloned().unwrap_or_default();
            let content = String::from_utf8_lossy(&c.pull(&path)?).into_owned();
            ctx.set_status(Status::active(format!(
                "{} x{}: {}",
                notice.key,
                same_key.len(),
                content.trim()
            )));
            Ok(())
        }

        #[on(probe_action)]
        fn probe(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let c = ctx.container(Self::WORKLOAD);
            let mut p = c.spawn(&["web-cli"], &ExecOptions::default())?;
            let mut stdin = p.take_stdin().expect("stdin");
            let mut stdout = std::io::BufReader::new(p.take_stdout().expect("stdout"));
            let mut answers = Vec::new();
            for q in ["ping", "version"] {
                use std::io::{BufRead, Write};
                writeln!(stdin, "{q}").map_err(|e| Error::msg(e.to_string()))?;
                let mut line = String::new();
                stdout
                    .read_line(&mut line)
                    .map_err(|e| Error::msg(e.to_string()))?;
                answers.push(line.trim().to_string());
            }
            drop(stdin);
            let code = p.wait()?;
            ctx.set_status(Status::active(format!(
                "{} (exit {code})",
                answers.join(", ")
            )));
            Ok(())
        }

        #[on(snapshot_action)]
        fn snapshot(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let c = ctx.container(Self::WORKLOAD);
            let local = tempfile::tempdir().map_err(|e| Error::msg(e.to_string()))?;
            c.pull_path(&["/etc/web"], local.path())?;
            c.push_path(&[&local.path().join("web")], "/backup")?;
            let copied = c.list_files("/backup/web")?;
            ctx.set_status(Status::active(format!("{} files backed up", copied.len())));
            Ok(())
        }
    }
}

use charm::Web;

fn ctx() -> Context<Web> {
    Context::new()
}

#[test]
fn pebble_ready_configures_the_container() {
    let container = Container::new("workload").exec(
        &["/bin/web", "--version"],
        ExecOutput {
            stdout: b"2.4.1\n".to_vec(),
            ..ExecOutput::default()
        },
    );
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(
            Event::pebble_ready("workload"),
            State::new().container(container),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("web 2.4.1"));
    assert_eq!(
        pebble.file("/etc/web/web.conf").as_deref(),
        Some(&b"port = 8080\n"[..])
    );
    assert_eq!(pebble.service_status("web"), Some(ServiceStatus::Active));
    assert_eq!(pebble.exec_calls(), [["/bin/web", "--version"]]);
    // Every service action is a change the charm could wait for.
    let change = pebble
        .get_change(&charm_runtime::pebble::ChangeId("1".into()))
        .unwrap();
    assert_eq!((change.kind.as_str(), change.ready), ("replan", true));
}

#[test]
fn a_container_that_cannot_connect_waits() {
    let container = Container::new("workload").can_connect(false);
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(Event::config_changed(), State::new().container(container))
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::waiting("waiting for Pebble"));
    assert!(pebble.layers().is_empty());
}

#[test]
fn a_failing_command_fails_the_hook_with_its_stderr() {
    let container = Container::new("workload").exec(
        &["/bin/web"],
        ExecOutput {
            stderr: b"no such flag\n".to_vec(),
            exit_code: 2,
            ..ExecOutput::default()
        },
    );
    let out = ctx()
        .run(
            Event::pebble_ready("workload"),
            State::new().container(container),
        )
        .unwrap();
    let error = out.error.expect("the hook fails");
    assert!(
        error.contains("exited with code 2") && error.contains("no such flag"),
        "{error}"
    );
}

#[test]
fn a_check_the_test_fails_restarts_the_service() {
    let container = Container::new("workload")
        .layer("web", charm::layer())
        .service_status("web", ServiceStatus::Active)
        .check_status("alive", CheckStatus::Down);
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(
            Event::pebble_check_failed("workload", "alive"),
            State::new().container(container),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::maintenance("alive down: web restarted")
    );
    assert_eq!(pebble.start_count("web"), 1);
    assert_eq!(
        pebble.get_check("alive").unwrap().unwrap().status,
        CheckStatus::Inactive,
        "stopped by the charm"
    );

    // Recovery: the charm starts the check again and signals the service.
    let out = ctx()
        .run(
            Event::pebble_check_recovered("workload", "alive"),
            &out.state,
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("alive recovered"));
    assert_eq!(
        pebble.get_check("alive").unwrap().unwrap().status,
        CheckStatus::Down,
        "running again, as the test set it"
    );
    assert_eq!(
        pebble.signals(),
        [("SIGHUP".to_string(), vec!["web".to_string()])]
    );
}

#[test]
fn a_custom_notice_is_read_with_its_data() {
    let container = Container::new("workload")
        .file("/srv/backup/last", "2024-05-01\n")
        .notice(
            "example.com/backup-done",
            BTreeMap::from([("path".into(), "/srv/backup/last".into())]),
        );
    let id = container.notice_id("example.com/backup-done").unwrap();
    let out = ctx()
        .run(
            Event::pebble_custom_notice("workload", &id, "example.com/backup-done"),
            State::new().container(container),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("example.com/backup-done x1: 2024-05-01")
    );
}

#[test]
fn streaming_exec_talks_to_the_command_while_it_runs() {
    let fake = Arc::new(FakePebble::new());
    fake.on_exec_stream(|cmd, _opts, io| {
        assert_eq!(cmd, ["web-cli"]);
        for line in BufReader::new(io.stdin).lines() {
            let answer = match line?.as_str() {
                "ping" => "pong",
                "version" => "2.4.1",
                _ => "?",
            };
            writeln!(io.stdout, "{answer}")?;
        }
        Ok(0)
    });
    let state = State::new().container(Container::new("workload").with_pebble(fake));
    let out = ctx().run(Event::action("probe"), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("pong, 2.4.1 (exit 0)")
    );
}

#[test]
fn push_path_and_pull_path_copy_trees() {
    let container = Container::new("workload")
        .file("/etc/web/web.conf", "port = 8080\n")
        .file("/etc/web/conf.d/tls.conf", "tls = on\n");
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(Event::action("snapshot"), State::new().container(container))
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("2 files backed up"));
    assert_eq!(
        pebble.file("/backup/web/conf.d/tls.conf").as_deref(),
        Some(&b"tls = on\n"[..])
    );
}

#[test]
fn harness_drives_notices_checks_and_exec() {
    let mut h = Harness::<Web>::new();
    h.begin();
    h.handle_exec(
        "workload",
        &["/bin/web"],
        ExecOutput {
            stdout: b"3.0\n".to_vec(),
            ..ExecOutput::default()
        },
    )
    .unwrap();
    h.container_pebble_ready("workload").unwrap();
    assert_eq!(h.unit_status(), &Status::active("web 3.0"));

    let opts = PushOptions {
        make_dirs: true,
        ..PushOptions::default()
    };
    h.container("workload")
        .unwrap()
        .pebble
        .push("/srv/x", b"done", &opts)
        .unwrap();
    let id = h
        .pebble_notify(
            "workload",
            "example.com/x",
            BTreeMap::from([("path".into(), "/srv/x".into())]),
        )
        .unwrap();
    assert_eq!(id, "1");
    assert_eq!(h.unit_status(), &Status::active("example.com/x x1: done"));

    h.pebble_check_failed("workload", "alive").unwrap();
    assert_eq!(
        h.unit_status(),
        &Status::maintenance("alive down: web restarted")
    );
    h.pebble_check_recovered("workload", "alive").unwrap();
    assert_eq!(h.unit_status(), &Status::active("alive recovered"));

    assert!(h
        .pebble_notify("nope", "example.com/x", BTreeMap::new())
        .is_err());
    h.set_can_connect("workload", false).unwrap();
    h.run(Event::config_changed()).unwrap();
    assert_eq!(h.unit_status(), &Status::waiting("waiting for Pebble"));
}
