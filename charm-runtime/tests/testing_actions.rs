//! Actions, storage and workload events in the testing module.
#![cfg(feature = "testing")]

use charm_runtime::pebble::ServiceStatus;
use charm_runtime::testing::{
    self as scenario, Container, Event, Harness, HarnessError, State, Storage,
};
use charm_runtime::Status;
use serde_json::json;

mod charm {
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "store",
        summary = "Stores things",
        description = "Actions and storage."
    )]
    #[actions(backup(params = BackupParams, description = "Back up the data to a path."))]
    #[storage(data(type = "filesystem", location = "/srv/data", description = "Data."))]
    #[containers(workload(resource = "workload_image", mount = "data:/var/lib/app"))]
    #[resources(workload_image(type = "oci-image", description = "The image."))]
    pub struct Store;

    /// Parameters of `backup`.
    #[derive(ActionParams, serde::Deserialize)]
    pub struct BackupParams {
        /// Where to write the backup.
        path: String,
        /// How many old backups to keep.
        #[param(default = 3)]
        #[serde(default = "three")]
        keep: i64,
    }

    fn three() -> i64 {
        3
    }

    #[handlers]
    impl Store {
        #[on(backup_action)]
        fn backup(&mut self, ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
            let p = action.params();
            if p.path.is_empty() {
                action.fail("`path` is empty");
                return Ok(());
            }
            if p.path == "/boom" {
                return Err(Error::msg("disk on fire"));
            }
            action.log(format!("backing up to {}", p.path))?;
            action.set_results(&serde_json::json!({"path": p.path, "kept": {"count": p.keep}}))?;
            ctx.state_set("last-backup", p.path.clone())?;
            Ok(())
        }

        #[on(data_storage_attached)]
        fn attached(&mut self, ctx: &mut Context<Self>, event: &StorageAttached) -> Result<()> {
            let location = event.storage().location()?;
            ctx.state_set(
                "data",
                format!("{} at {}", event.storage().id(), location.display()),
            )?;
            Ok(())
        }

        #[on(data_storage_detaching)]
        fn detaching(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            ctx.state_delete("data");
            Ok(())
        }

        #[on(workload_pebble_ready, config_changed)]
        fn ready(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            use charm_runtime::pebble::{Layer, Pebble, PushOptions, Service};
            let pebble = ctx.container(Self::WORKLOAD).pebble();
            if pebble.system_info().is_err() {
                ctx.set_status(Status::waiting("waiting for Pebble"));
                return Ok(());
            }
            pebble.push(
                "/etc/app/app.conf",
                b"port=8080\n",
                &PushOptions {
                    make_dirs: true,
                    ..Default::default()
                },
            )?;
            let layer = Layer::new().service("app", Service::new("/usr/bin/app").enabled());
            pebble.add_layer("store", &layer, true)?;
            pebble.replan_services()?;
            ctx.set_status(Status::active("workload ready"));
            Ok(())
        }

        #[on(update_status)]
        fn not_an_action(&mut self, _ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            let _ = event;
            Ok(())
        }
    }
}
use charm::Store;

fn ctx() -> scenario::Context<Store> {
    scenario::Context::<Store>::new()
}

#[test]
fn an_action_gets_its_params_with_defaults_and_reports_results() {
    let out = ctx()
        .run(Event::action("backup").param("path", "/b"), State::new())
        .unwrap();
    out.assert_ok();
    let action = out.action.unwrap();
    assert_eq!(action.results["path"], "/b");
    assert_eq!(action.results["kept.count"], "3");
    assert_eq!(action.logs, ["backing up to /b"]);
    assert_eq!(action.failure, None);
    assert_eq!(out.state.charm_state["last-backup"], "/b");
    assert_eq!(
        out.calls,
        [
            "action-get --format=json",
            "action-log -- backing up to /b",
            "state-set --file -",
            "action-set kept.count=3 path=/b",
        ]
    );
}

#[test]
fn action_fail_keeps_the_hook_s_changes_and_a_handler_error_drops_them() {
    let out = ctx()
        .run(Event::action("backup").param("path", ""), State::new())
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.action.unwrap().failure.as_deref(),
        Some("`path` is empty")
    );

    let out = ctx()
        .run(Event::action("backup").param("path", "/boom"), State::new())
        .unwrap();
    // The action fails with the handler's message (Juju does not retry actions); the
    // process exits 0 so that Juju keeps that message, and nothing buffered is written.
    assert_eq!(out.exit_code, 0);
    assert!(out.error.unwrap().contains("disk on fire"));
    let failure = out.action.unwrap().failure.unwrap();
    assert!(failure.contains("disk on fire"), "{failure}");
    assert!(out.state.charm_state.is_empty());
}

#[test]
fn action_consistency_rules() {
    let err = ctx()
        .run(Event::action("restore"), State::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: action `restore` is not declared by charm `store` (declared: backup)"
    );
    let err = ctx()
        .run(
            Event::action("backup").params(json!({"path": 7, "compress": true})),
            State::new(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("action `backup`, parameter `path`: expected string, got integer (7)"),
        "{err}"
    );
    assert!(
        err.contains("action `backup` has no parameter `compress` (its parameters: path, keep)"),
        "{err}"
    );
    let err = ctx()
        .run(Event::action("backup"), State::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: action `backup` requires parameter `path`, which the event does not give"
    );
}

#[test]
fn action_tools_outside_an_action_fail_as_in_juju() {
    use charm_runtime::backend::HookTools;
    let tools = ctx()
        .backend(&Event::update_status(), &State::new())
        .unwrap();
    let err = tools.action_get().unwrap_err();
    assert_eq!(
        err.to_string(),
        "hook tool `action-get` failed (exit code 1): not running an action"
    );
    let tools = ctx()
        .backend(&Event::action("backup").param("path", "/b"), &State::new())
        .unwrap();
    let err = tools
        .action_set(&[("Stdout".to_string(), "x".to_string())].into())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("must start and end with lowercase alphanumeric"),
        "{err}"
    );
    let err = tools
        .action_set(&[("stdout".to_string(), "x".to_string())].into())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot set reserved action key \"stdout\""),
        "{err}"
    );
}

#[test]
fn storage_events_and_locations() {
    let data = Storage::new("data");
    let out = ctx()
        .run(
            Event::storage_attached(&data),
            State::new().storage(data.clone()),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["data"], "data/0 at /srv/data");
    assert!(out
        .calls
        .contains(&"storage-get --format=json -s data/0 location".to_string()));
    // A location given in the state comes in JUJU_STORAGE_LOCATION: no storage-get.
    let elsewhere = Storage::new("data").index(1).location("/mnt/d1");
    let out = ctx()
        .run(
            Event::storage_attached(&elsewhere),
            State::new().storage(elsewhere.clone()),
        )
        .unwrap();
    assert_eq!(out.state.charm_state["data"], "data/1 at /mnt/d1");
    assert!(!out.calls.iter().any(|c| c.starts_with("storage-get")));

    let err = ctx()
        .run(Event::storage_attached(&data), State::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: the event data-storage-attached is about storage instance data/0, which is not in the state (add it to State::storages)"
    );
    let logs = Storage::new("logs");
    let err = ctx()
        .run(
            Event::storage_attached(&logs),
            State::new().storage(logs.clone()),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "storage logs/0: storage `logs` is not declared by charm `store` (declared: data)"
        ),
        "{err}"
    );
}

#[test]
fn workload_events_drive_the_container_s_pebble() {
    let workload = Container::new("workload");
    let state = State::new().container(workload.clone());
    let out = ctx().run(Event::pebble_ready("workload"), &state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("workload ready"));
    // The Pebble is the workload: inspect it after the run.
    let pebble = &out.state.get_container("workload").unwrap().pebble;
    assert_eq!(pebble.file("/etc/app/app.conf").unwrap(), b"port=8080\n");
    assert_eq!(pebble.service_status("app"), Some(ServiceStatus::Active));
    assert_eq!(pebble.layers()[0].0, "store");

    // Before Pebble answers, the charm waits.
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().container(Container::new("workload").can_connect(false)),
        )
        .unwrap();
    assert_eq!(out.state.unit_status, Status::waiting("waiting for Pebble"));

    for event in [
        Event::pebble_custom_notice("workload", "1", "example.com/thing"),
        Event::pebble_check_failed("workload", "alive"),
        Event::pebble_check_recovered("workload", "alive"),
    ] {
        ctx().run(event, &state).unwrap().assert_ok();
    }
    let err = ctx()
        .run(Event::pebble_ready("sidecar"), &state)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: the event sidecar-pebble-ready is about container `sidecar`, which charm `store` does not declare (declared: workload)"
    );
    let err = ctx()
        .run(Event::pebble_ready("workload"), State::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: the event workload-pebble-ready is about container `workload`, which is not in the state (add it to State::containers)"
    );
    let err = ctx()
        .run(
            Event::pebble_ready("workload"),
            State::new().container(Container::new("workload").can_connect(false)),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent state: workload-pebble-ready fires once Pebble answers, but container `workload` has can_connect false"
    );
}

#[test]
fn harness_actions_storage_and_containers() -> Result<(), HarnessError> {
    let mut h = Harness::<Store>::new();
    let ids = h.add_storage("data", 1, true)?;
    assert_eq!(ids, ["data/0"]);
    h.begin_with_initial_hooks()?;
    assert_eq!(
        h.fired(),
        [
            "data-storage-attached",
            "install",
            "config-changed",
            "start"
        ]
    );
    assert_eq!(h.charm_state("data"), Some("data/0 at /srv/data"));
    let later = h.add_storage("data", 1, false)?;
    h.attach_storage(&later[0])?;
    assert_eq!(h.charm_state("data"), Some("data/1 at /srv/data"));
    h.detach_storage("data/1")?;
    assert_eq!(h.charm_state("data"), None);
    assert_eq!(h.unit_status(), &Status::waiting("waiting for Pebble"));
    h.container_pebble_ready("workload")?;
    assert_eq!(h.unit_status(), &Status::active("workload ready"));
    let pebble = &h.container("workload").unwrap().pebble;
    assert_eq!(pebble.service_status("app"), Some(ServiceStatus::Active));

    let out = h.run_action("backup", json!({"path": "/b", "keep": 5}))?;
    assert_eq!(out.results["kept.count"], "5");
    let err = h.run_action("backup", json!({"path": ""})).unwrap_err();
    assert_eq!(err.to_string(), "action `backup` failed: `path` is empty");
    Ok(())
}
