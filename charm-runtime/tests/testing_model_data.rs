//! The hook tools and model data real charms use beyond relations: ports, network,
//! goal state, resources, statuses, the environment, credentials, reboot, storage-add,
//! the remote model, secret metadata and rotation, and logging without a `ctx`. Each
//! through a Scenario run of a charm, as production calls them.
#![cfg(feature = "testing")]

use charm_runtime::cloud::CloudSpec;
use charm_runtime::network::Network;
use charm_runtime::port::Port;
use charm_runtime::secret::RotatePolicy;
use charm_runtime::testing::{
    self as scenario, bag, Event, Output, PeerRelation, Relation, Secret,
};
use charm_runtime::testing::{State, Storage};
use charm_runtime::{SecretContent, Status};

mod kv {
    //! A key-value store: a peer endpoint, a provider endpoint (`kv`) whose data carries
    //! the unit's address, storage `data`, a `snapshot` resource. On update-status it
    //! does what its charm state's `op` says.
    use std::time::Duration;

    use charm_runtime::port::Port;
    use charm_runtime::prelude::*;
    use charm_runtime::secret::{RotatePolicy, SecretExpiry, SecretMeta};
    use charm_runtime::version::JujuVersion;

    #[derive(Charm, Default)]
    #[charm(
        name = "kvstore",
        summary = "A key-value store",
        description = "Tests."
    )]
    #[peers(cluster(interface = "kv_peers"))]
    #[provides(kv(interface = "kv"))]
    #[storage(data(type = "filesystem", multiple = "1-5"))]
    #[resources(snapshot(type = "file", filename = "snapshot.tgz"))]
    pub struct Kv;

    fn record(ctx: &Context<Kv>, key: &str, value: impl ToString) {
        ctx.state_set(key, value.to_string())
            .expect("a small test value fits charm state");
    }

    #[handlers]
    impl Kv {
        #[on(kv_relation_joined)]
        fn publish(&mut self, ctx: &mut Context<Self>, event: &RelationJoined) -> Result<()> {
            let network = ctx.network_of(event.relation())?;
            let address = network.ingress_address().unwrap_or_default().to_string();
            event.relation().local_unit_data().set("host", address);
            Ok(())
        }

        #[on(secret_rotate)]
        fn rotate(&mut self, ctx: &mut Context<Self>, event: &SecretRotate) -> Result<()> {
            let secret = ctx.secret(event.id());
            secret.set_content(SecretContent::new().with("password", "rotated"))?;
            Ok(())
        }

        #[on(secret_expired)]
        fn expired(&mut self, ctx: &mut Context<Self>, event: &SecretExpired) -> Result<()> {
            let revision = event.revision().unwrap_or_default();
            ctx.secret(event.id()).remove_revision(revision)
        }

        #[on(update_status)]
        fn op(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let op = ctx.state_get("op")?.unwrap_or_default();
            match op.as_str() {
                "ports" => {
                    ctx.set_ports([Port::tcp(8080), Port::udp(5353)])?;
                    // A second reconcile in the same hook starts from the first's result.
                    ctx.set_ports([Port::tcp(8080), Port::icmp()])?;
                    ctx.open_port_on(Port::tcp_range(9000, 9010), &["kv"])?;
                }
                "overlap" => ctx.open_port(Port::tcp_range(8000, 8100))?,
                "network" => {
                    record(
                        ctx,
                        "juju-info",
                        ctx.network("juju-info")?.bind_address().unwrap_or(""),
                    );
                    record(
                        ctx,
                        "kv",
                        ctx.network("kv")?.ingress_address().unwrap_or(""),
                    );
                }
                "network-undeclared" => drop(ctx.network("nope")?),
                "goal" => record(ctx, "planned", ctx.planned_units()?),
                "resource" => record(ctx, "path", ctx.resource("snapshot")?.display()),
                "status" => {
                    record(ctx, "before", ctx.unit_status()?);
                    ctx.set_status(Status::active("serving"));
                    record(ctx, "after", ctx.unit_status()?);
                    if let Some(leader) = ctx.leader()? {
                        record(ctx, "app", ctx.app_status(&leader)?);
                    }
                }
                "env" => {
                    record(
                        ctx,
                        "version-ok",
                        ctx.juju_version() >= JujuVersion::new(3, 6, 0),
                    );
                    record(ctx, "uuid", ctx.model_uuid());
                    record(ctx, "zone", ctx.availability_zone().unwrap_or("-"));
                    record(ctx, "machine", ctx.machine_id().unwrap_or("-"));
                    record(ctx, "principal", ctx.principal_unit().unwrap_or("-"));
                }
                "cloud" => record(ctx, "cloud", ctx.cloud_spec()?.cloud_type),
                "reboot" => ctx.request_reboot()?,
                "storage" => ctx.add_storage("data", 2)?,
                "remote-model" => {
                    let kv = ctx.relations(Self::KV)?.pop().expect("a kv relation");
                    record(ctx, "remote-model", ctx.remote_model_uuid(&kv)?);
                }
                "version" => ctx.set_workload_version("7.2.4"),
                "secrets" => {
                    let leader = ctx.leader()?.expect("the leader");
                    let meta = SecretMeta::new()
                        .label("admin")
                        .description("the admin password")
                        .rotate(RotatePolicy::Monthly)
                        .expire(SecretExpiry::In(Duration::from_secs(3600)));
                    let secret = ctx.add_app_secret_with(
                        &leader,
                        SecretContent::new().with("password", "p1"),
                        &meta,
                    )?;
                    let info = secret.info()?;
                    record(
                        ctx,
                        "rotation",
                        info.rotation.map(|r| r.as_str()).unwrap_or("-"),
                    );
                    record(ctx, "owned", ctx.secret_ids()?.len());
                    let other = ctx.secret_by_label("old");
                    other.set_info(
                        &SecretMeta::new()
                            .rotate(RotatePolicy::Daily)
                            .description("old one"),
                    )?;
                }
                "consume" => {
                    let id = SecretId::parse(&ctx.state_get("remote")?.unwrap_or_default())
                        .expect("a secret id");
                    let content = ctx.secret_with_label(&id, "upstream").content()?;
                    record(ctx, "token", content.require("token")?);
                }
                "revoke" => {
                    let kv = ctx.relations(Self::KV)?.pop().expect("a kv relation");
                    ctx.secret_by_label("old").revoke(&kv, None)?;
                }
                "log" => helper(),
                _ => {}
            }
            Ok(())
        }
    }

    /// The escape hatch: any dispatch path no handler knows.
    pub fn by_hand(_: &mut Kv, ctx: &mut Context<Kv>, event: &Event) -> Result<()> {
        ctx.state_set("dispatched", format!("{} {event:?}", ctx.dispatch_path()))
    }

    /// Code without a `ctx`.
    fn helper() {
        log::warn!("disk almost full");
        log::debug!("checked /srv");
    }
}

fn run(state: State) -> Output {
    run_with(
        scenario::Context::<kv::Kv>::new(),
        Event::update_status(),
        state,
    )
}

fn run_with(ctx: scenario::Context<kv::Kv>, event: Event, state: State) -> Output {
    ctx.run(event, state).expect("a consistent state")
}

fn op(op: &str) -> State {
    State::new().charm_state("op", op)
}

fn recorded<'a>(out: &'a Output, key: &str) -> &'a str {
    out.state
        .charm_state
        .get(key)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("nothing recorded under {key}; error {:?}", out.error))
}

#[test]
fn ports_reconcile_and_are_committed_with_the_hook() {
    let state = op("ports")
        .opened_port(Port::tcp(22))
        .opened_port(Port::udp(5353));
    let out = run(state.clone());
    out.assert_ok();
    assert_eq!(
        out.state
            .opened_ports
            .iter()
            .map(Port::to_string)
            .collect::<Vec<_>>(),
        ["icmp", "8080/tcp", "9000-9010/tcp"]
    );
    let port_calls: Vec<&String> = out
        .calls
        .iter()
        .filter(|c| c.contains("-port") || c.starts_with("opened-ports"))
        .collect();
    assert_eq!(
        port_calls,
        [
            "opened-ports --format=json",
            "close-port 22/tcp",
            "open-port 8080/tcp",
            "close-port 5353/udp",
            "open-port icmp",
            "open-port --endpoints kv 9000-9010/tcp",
        ]
    );
    // A failing hook opens nothing.
    let mut failing = state.charm_state("op", "overlap");
    failing.opened_ports.insert(Port::tcp(8080));
    let out = run(failing.clone());
    assert!(out.error.is_some());
    assert_eq!(out.tool_errors[0].message, "cannot open 8000-8100/tcp (unit \"kvstore/0\"): port range conflicts with 8080/tcp (unit \"kvstore/0\")");
    assert_eq!(out.state.opened_ports, failing.opened_ports);
}

#[test]
fn network_get_gives_the_address_a_provider_publishes() {
    let kv = Relation::new("kv")
        .remote_app_name("client")
        .remote_unit(0, bag([("x", "y")]));
    let state = State::new()
        .relation(kv.clone())
        .network("kv", Network::single("10.5.0.7"));
    let out = run_with(
        scenario::Context::new(),
        Event::relation_joined(&kv, 0),
        state,
    );
    out.assert_ok();
    assert_eq!(out.relation(kv.id).local_unit_data["host"], "10.5.0.7");
    assert!(out
        .calls
        .contains(&format!("network-get --format=json -r {} kv", kv.id)));

    let out = run(op("network"));
    assert_eq!(recorded(&out, "juju-info"), "192.0.2.0");
    assert_eq!(recorded(&out, "kv"), "192.0.2.0");
    let out = run(op("network-undeclared"));
    assert!(out
        .error
        .unwrap()
        .contains("no network config found for binding \"nope\""));
}

#[test]
fn goal_state_counts_planned_units() {
    let peers = PeerRelation::new("cluster").peer_unit(1, bag([("a", "b")]));
    let out = run(op("goal").relation(peers.clone()));
    assert_eq!(recorded(&out, "planned"), "2");
    let out = run(op("goal").relation(peers).planned_units(5));
    assert_eq!(recorded(&out, "planned"), "5");
}

#[test]
fn resources_are_the_files_the_state_names() {
    let out = run(op("resource").resource("snapshot", "/tmp/res/snapshot.tgz"));
    assert_eq!(recorded(&out, "path"), "/tmp/res/snapshot.tgz");
    let out = run(op("resource"));
    assert_eq!(out.tool_errors[0].code, 1);
    assert!(out.tool_errors[0]
        .message
        .contains("resource#kvstore/snapshot not found"));
}

#[test]
fn status_get_reads_the_current_statuses() {
    let state = op("status")
        .leader(true)
        .unit_status(Status::blocked("no data"))
        .app_status(Status::waiting("peers"));
    let out = run(state);
    out.assert_ok();
    assert_eq!(recorded(&out, "before"), "blocked: no data");
    assert_eq!(recorded(&out, "after"), "active: serving");
    assert_eq!(recorded(&out, "app"), "waiting: peers");
}

#[test]
fn the_environment_is_typed() {
    let ctx = scenario::Context::<kv::Kv>::new()
        .juju_version("3.6.8")
        .availability_zone("zone-b")
        .principal_unit("ubuntu/0");
    let out = run_with(ctx, Event::update_status(), op("env"));
    assert_eq!(recorded(&out, "version-ok"), "true");
    assert_eq!(recorded(&out, "uuid"), State::new().model_uuid);
    assert_eq!(recorded(&out, "zone"), "zone-b");
    assert_eq!(recorded(&out, "machine"), "0");
    assert_eq!(recorded(&out, "principal"), "ubuntu/0");
    let old = scenario::Context::<kv::Kv>::new()
        .juju_version("3.5.4")
        .machine_id(None);
    let out = run_with(old, Event::update_status(), op("env"));
    assert_eq!(recorded(&out, "version-ok"), "false");
    assert_eq!(recorded(&out, "machine"), "-");
}

#[test]
fn credential_get_needs_trust() {
    let out = run(op("cloud"));
    assert_eq!(
        out.tool_errors[0].message,
        "cannot access cloud credentials: permission denied"
    );
    assert!(matches!(
        out.tool_errors[0].error,
        charm_runtime::Error::PermissionDenied { .. }
    ));
    let spec = CloudSpec {
        cloud_type: "lxd".into(),
        name: "localhost".into(),
        ..CloudSpec::default()
    };
    let out = run(op("cloud").cloud_spec(spec));
    assert_eq!(recorded(&out, "cloud"), "lxd");
}

#[test]
fn reboot_storage_add_remote_model_and_workload_version() {
    let out = run(op("reboot"));
    assert_eq!(out.reboot, Some(false));
    let out = run(op("storage").storage(Storage::new("data")));
    out.assert_ok();
    let ids: Vec<String> = out.state.storages.iter().map(Storage::id).collect();
    assert_eq!(ids, ["data/0", "data/1", "data/2"]);
    assert!(out.calls.contains(&"storage-add data=2".to_string()));
    let kv = Relation::new("kv").remote_app_name("client");
    let out = run(op("remote-model").relation(kv));
    assert_eq!(recorded(&out, "remote-model"), State::new().model_uuid);
    let out = run(op("version"));
    assert_eq!(out.state.workload_version.as_deref(), Some("7.2.4"));
    assert!(out
        .calls
        .contains(&"application-version-set -- 7.2.4".to_string()));
}

#[test]
fn secrets_carry_description_expiry_and_rotation() {
    let old = Secret::new(SecretContent::new().with("password", "p0"))
        .app_owned()
        .label("old");
    let out = run(op("secrets").leader(true).secret(old.clone()));
    out.assert_ok();
    assert_eq!(recorded(&out, "rotation"), "monthly");
    assert_eq!(recorded(&out, "owned"), "2");
    let added = out.state.get_secret_by_label("admin").unwrap();
    assert_eq!(added.rotate, Some(RotatePolicy::Monthly));
    assert_eq!(added.description.as_deref(), Some("the admin password"));
    assert_eq!(added.expire.as_deref(), Some("3600s"));
    let old_after = out.state.get_secret(&old.id).unwrap();
    assert_eq!(old_after.rotate, Some(RotatePolicy::Daily));
    assert_eq!(old_after.description.as_deref(), Some("old one"));
    assert!(out
        .calls
        .iter()
        .any(|c| c == &format!("secret-set --description old one --rotate daily {}", old.id)));
    // A follower may not add an application secret.
    let out = run(op("secrets").secret(old));
    assert!(out.error.is_some());
}

#[test]
fn secret_rotate_and_expired_are_handled_by_the_owner() {
    let secret = Secret::new(SecretContent::new().with("password", "p0"))
        .app_owned()
        .rotate(RotatePolicy::Hourly)
        .new_revision(SecretContent::new().with("password", "p1"));
    let state = State::new().leader(true).secret(secret.clone());
    let out = run_with(
        scenario::Context::new(),
        Event::secret_rotate(&secret),
        state.clone(),
    );
    out.assert_ok();
    let after = out.state.get_secret(&secret.id).unwrap();
    assert_eq!(after.latest_revision(), 3);
    assert_eq!(
        after.latest_content().unwrap().get("password"),
        Some("rotated")
    );
    let out = run_with(
        scenario::Context::new(),
        Event::secret_expired(&secret, 1),
        state,
    );
    out.assert_ok();
    let after = out.state.get_secret(&secret.id).unwrap();
    assert_eq!(after.revisions.keys().copied().collect::<Vec<_>>(), [2]);
}

#[test]
fn a_consumer_labels_a_secret_it_gets_by_id_and_an_owner_revokes() {
    let remote = Secret::new(SecretContent::new().with("token", "t1"));
    let state = op("consume")
        .charm_state("remote", remote.id.to_string())
        .secret(remote.clone());
    let out = run(state);
    out.assert_ok();
    assert_eq!(recorded(&out, "token"), "t1");
    assert_eq!(
        out.state.get_secret(&remote.id).unwrap().label.as_deref(),
        Some("upstream")
    );

    let kv = Relation::new("kv").remote_app_name("client");
    let owned = Secret::new(SecretContent::new().with("password", "p"))
        .app_owned()
        .label("old")
        .grant(kv.id, "client");
    let out = run(op("revoke").leader(true).relation(kv).secret(owned.clone()));
    out.assert_ok();
    assert!(out
        .state
        .get_secret(&owned.id)
        .unwrap()
        .grants
        .values()
        .all(|g| g.is_empty()));
}

#[test]
fn code_without_a_ctx_logs_through_juju_log() {
    let out = run(op("log"));
    out.assert_ok();
    let text = out.log_text();
    assert!(text.contains("WARNING: disk almost full"), "{text}");
    assert!(text.contains("DEBUG: checked /srv"), "{text}");
    assert!(out
        .calls
        .contains(&"juju-log --log-level WARNING -- disk almost full".to_string()));
}

#[test]
fn the_harness_sets_the_same_data() {
    use charm_runtime::testing::Harness;
    let mut h = Harness::<kv::Kv>::new();
    h.set_leader(true).unwrap();
    h.begin();
    let path = h.add_resource("snapshot", "data").unwrap();
    assert!(path.ends_with("snapshot/snapshot.tgz"));
    h.add_network("10.9.8.7", None);
    h.set_planned_units(3);
    h.set_cloud_spec(CloudSpec {
        cloud_type: "ec2".into(),
        name: "aws".into(),
        ..CloudSpec::default()
    });
    for op in [
        "resource", "network", "goal", "cloud", "ports", "version", "reboot",
    ] {
        h.state_mut().charm_state.insert("op".into(), op.into());
        h.run(Event::update_status()).unwrap();
    }
    assert_eq!(h.charm_state("path"), Some(path.to_str().unwrap()));
    assert_eq!(h.charm_state("juju-info"), Some("10.9.8.7"));
    assert_eq!(h.charm_state("kv"), Some("10.9.8.7"));
    assert_eq!(h.charm_state("planned"), Some("3"));
    assert_eq!(h.charm_state("cloud"), Some("ec2"));
    assert!(h.opened_ports().contains(&Port::tcp(8080)));
    assert_eq!(h.workload_version(), Some("7.2.4"));
    assert_eq!(h.reboot_count(), 1);
}

#[test]
fn any_other_dispatch_path_reaches_the_escape_hatch() {
    let ctx = scenario::Context::<kv::Kv>::new()
        .other_dispatch(charm_runtime::other_dispatch!(kv::Kv, kv::by_hand));
    let out = run_with(ctx, Event::dispatch_path("custom/backup"), State::new());
    out.assert_ok();
    assert_eq!(out.handlers, ["kv::by_hand"]);
    assert_eq!(
        recorded(&out, "dispatched"),
        "custom/backup Other(\"backup\")"
    );
    // Without one, the path runs no handler and changes nothing, as before.
    let out = run(State::new());
    assert!(!out.state.charm_state.contains_key("dispatched"));
    let out = run_with(
        scenario::Context::new(),
        Event::dispatch_path("custom/backup"),
        State::new(),
    );
    out.assert_ok();
    assert!(out.handlers.is_empty());
}
