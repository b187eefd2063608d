//! State-transition tests of every event the greeter observes, against a fake Pebble.

use std::collections::BTreeMap;
use std::sync::Arc;

use charm_runtime::pebble::{CheckStatus, ExecOutput, FakePebble, Pebble, ServiceStatus};
use charm_runtime::testing::{Container, Context, Event, State};
use charm_runtime::Status;
use greeter::{Greeter, GreeterConfig, CHECK, SERVICE, STARTED_NOTICE};

fn ctx() -> Context<Greeter> {
    Context::new()
}

/// A container whose Pebble has the layer the default config makes, running.
fn configured() -> Container {
    let config = GreeterConfig {
        greeting: "Hello".into(),
        port: 8080,
    };
    Container::new("greeter")
        .layer("greeter", greeter::layer(&config, 8080))
        .service_status(SERVICE, ServiceStatus::Active)
}

fn started(container: Container, times: u32) -> Container {
    let data = BTreeMap::from([("port".to_string(), "8080".to_string())]);
    (0..times).fold(container, |c, _| c.notice(STARTED_NOTICE, data.clone()))
}

#[test]
fn pebble_ready_adds_the_layer_from_config_and_starts_the_server() {
    let container = Container::new("greeter");
    let pebble: Arc<FakePebble> = Arc::clone(&container.pebble);
    let out = ctx()
        .run(
            Event::pebble_ready("greeter"),
            State::new()
                .config("greeting", "Bonjour")
                .config("port", 9090)
                .container(container),
        )
        .unwrap();
    out.assert_ok();
    let plan = pebble.get_plan().unwrap();
    let service = &plan.services[SERVICE];
    assert_eq!(
        service.command.as_deref(),
        Some("greeter-server serve --port 9090 --pid-file run/greeter.pid")
    );
    assert_eq!(service.environment["GREETING"], "Bonjour");
    assert_eq!(service.on_check_failure[CHECK], "restart");
    let check = &plan.checks[CHECK];
    assert_eq!(
        check.http.as_ref().and_then(|h| h.url.as_deref()),
        Some("http://localhost:9090/health")
    );
    assert_eq!(pebble.service_status(SERVICE), Some(ServiceStatus::Active));
    // Running, but it has not said it listens yet.
    assert_eq!(
        out.state.unit_status,
        Status::maintenance("greeter-server is starting")
    );
}

#[test]
fn config_changed_replans_with_the_new_settings() {
    let container = started(configured(), 1);
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new()
                .config("greeting", "Hi there")
                .container(container),
        )
        .unwrap();
    out.assert_ok();
    let plan = pebble.get_plan().unwrap();
    assert_eq!(plan.services[SERVICE].environment["GREETING"], "Hi there");
    assert_eq!(
        out.state.unit_status,
        Status::active("\"Hi there\" on :8080 (started 1x)")
    );
}

#[test]
fn config_changed_before_pebble_is_up_waits() {
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().container(Container::new("greeter").can_connect(false)),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::waiting("waiting for Pebble in the greeter container")
    );
}

#[test]
fn a_bad_config_blocks_without_touching_pebble() {
    for (key, value, message) in [
        (
            "port",
            serde_json::json!(70000),
            "port 70000 is not a TCP port (1-65535)",
        ),
        (
            "greeting",
            serde_json::json!("<script>"),
            "greeting must be 1-40 letters, digits, spaces, dashes or apostrophes",
        ),
    ] {
        let container = Container::new("greeter");
        let pebble = Arc::clone(&container.pebble);
        let out = ctx()
            .run(
                Event::config_changed(),
                State::new().config(key, value).container(container),
            )
            .unwrap();
        out.assert_ok();
        assert_eq!(out.state.unit_status, Status::blocked(message));
        assert!(pebble.layers().is_empty());
    }
}

#[test]
fn upgrade_charm_configures_the_new_pod() {
    let container = Container::new("greeter");
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(Event::upgrade_charm(), State::new().container(container))
        .unwrap();
    out.assert_ok();
    assert_eq!(pebble.service_status(SERVICE), Some(ServiceStatus::Active));
}

#[test]
fn the_started_notice_makes_the_unit_active_and_counts_starts() {
    let container = started(configured(), 2);
    let id = container.notice_id(STARTED_NOTICE).unwrap();
    let out = ctx()
        .run(
            Event::pebble_custom_notice("greeter", &id, STARTED_NOTICE),
            State::new().container(container),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("\"Hello\" on :8080 (started 2x)")
    );
}

#[test]
fn a_failed_check_is_reported_and_its_recovery_too() {
    let down = started(configured(), 1).check_status(CHECK, CheckStatus::Down);
    let out = ctx()
        .run(
            Event::pebble_check_failed("greeter", CHECK),
            State::new().container(down),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::maintenance("greeter-server fails its \"alive\" check; Pebble restarts it")
    );

    let up = started(configured(), 2).check_status(CHECK, CheckStatus::Up);
    let out = ctx()
        .run(
            Event::pebble_check_recovered("greeter", CHECK),
            State::new().container(up),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("\"Hello\" on :8080 (started 2x)")
    );
}

#[test]
fn update_status_sees_a_stopped_server() {
    let container = started(configured(), 1).service_status(SERVICE, ServiceStatus::Inactive);
    let out = ctx()
        .run(Event::update_status(), State::new().container(container))
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::maintenance("greeter-server is not running; Pebble restarts it")
    );
}

#[test]
fn the_greet_action_execs_in_the_container() {
    let container = started(configured(), 1).exec(
        &["greeter-server", "greet", "--port", "8080", "--name", "Ada"],
        ExecOutput {
            stdout: b"Hello, Ada!\n".to_vec(),
            ..ExecOutput::default()
        },
    );
    let pebble = Arc::clone(&container.pebble);
    let out = ctx()
        .run(
            Event::action("greet").param("name", "Ada"),
            State::new().container(container),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.action.unwrap().results["greeting"], "Hello, Ada!");
    assert_eq!(
        pebble.exec_calls(),
        [["greeter-server", "greet", "--port", "8080", "--name", "Ada"]]
    );
}

#[test]
fn the_greet_action_refuses_a_name_that_is_not_one_and_reports_a_failing_exec() {
    let out = ctx()
        .run(
            Event::action("greet").param("name", "Ada Lovelace\r\n"),
            State::new().container(configured()),
        )
        .unwrap();
    assert_eq!(
        out.action.unwrap().failure.as_deref(),
        Some("`name` must be 1-64 letters, digits or dashes")
    );

    let container = configured().exec(
        &["greeter-server", "greet"],
        ExecOutput {
            stderr: b"greeter-server: port 8080: Connection refused\n".to_vec(),
            exit_code: 1,
            ..ExecOutput::default()
        },
    );
    let out = ctx()
        .run(
            Event::action("greet").param("name", "Ada"),
            State::new().container(container),
        )
        .unwrap();
    assert_eq!(
        out.action.unwrap().failure.as_deref(),
        Some("greeter-server greet failed (1): greeter-server: port 8080: Connection refused")
    );
}
