//! Dispatch end to end for every hook kind, through the in-memory backend: each event
//! reaches the handlers that observe it (and only those), with the typed event Juju's
//! environment describes, and the hook's writes are flushed.
#![cfg(feature = "testing")]

use charm_runtime::testing::{
    self as scenario, Event, PeerRelation, Relation, Secret, SecretOwner, State, Storage,
};
use charm_runtime::{SecretContent, Status};

mod charm {
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "every",
        summary = "Observes every hook",
        description = "Tests."
    )]
    #[requires(db(interface = "postgresql_client", limit = 1))]
    #[peers(replicas(interface = "every_peers"))]
    #[actions(ping(description = "Answers pong."))]
    #[storage(data(type = "filesystem", location = "/srv/data"))]
    #[containers(workload(resource = "image"))]
    #[resources(image(type = "oci-image"))]
    pub struct Every;

    /// Records what a handler saw in the unit's own status, so the test can read it.
    fn saw(ctx: &Context<Every>, what: String) {
        ctx.set_status(Status::active(what));
    }

    #[handlers]
    impl Every {
        #[on(
            install,
            start,
            stop,
            remove,
            config_changed,
            upgrade_charm,
            update_status,
            leader_elected
        )]
        fn lifecycle(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            let name = match event {
                Event::Install(_) => "install",
                Event::Start(_) => "start",
                Event::Stop(_) => "stop",
                Event::Remove(_) => "remove",
                Event::ConfigChanged(_) => "config-changed",
                Event::UpgradeCharm(_) => "upgrade-charm",
                Event::UpdateStatus(_) => "update-status",
                Event::LeaderElected(_) => "leader-elected",
                _ => "unexpected",
            };
            saw(ctx, name.into());
            Ok(())
        }

        #[on(db_relation_created)]
        fn created(&mut self, ctx: &mut Context<Self>, e: &RelationCreated) -> Result<()> {
            e.relation().local_unit_data().set("seen", "created");
            saw(ctx, format!("created {}", e.relation().key()));
            Ok(())
        }

        #[on(db_relation_joined)]
        fn joined(&mut self, ctx: &mut Context<Self>, e: &RelationJoined) -> Result<()> {
            saw(
                ctx,
                format!("joined {} {:?}", e.unit(), e.relation().units()?),
            );
            Ok(())
        }

        #[on(db_relation_changed)]
        fn changed(&mut self, ctx: &mut Context<Self>, e: &RelationChanged) -> Result<()> {
            let db = e.relation().remote_app_data()?.get("database")?;
            saw(ctx, format!("changed {:?} {db:?}", e.unit()));
            Ok(())
        }

        #[on(db_relation_departed)]
        fn departed(&mut self, ctx: &mut Context<Self>, e: &RelationDeparted) -> Result<()> {
            saw(
                ctx,
                format!(
                    "departed {} {:?}",
                    e.departing_unit().unwrap_or("?"),
                    e.relation().units()?
                ),
            );
            Ok(())
        }

        #[on(db_relation_broken)]
        fn broken(&mut self, ctx: &mut Context<Self>, e: &RelationBroken) -> Result<()> {
            let listed = ctx.relation(Self::DB)?.is_some();
            saw(
                ctx,
                format!("broken active={} listed={listed}", e.relation().active()),
            );
            Ok(())
        }

        #[on(replicas_relation_changed)]
        fn peers(&mut self, ctx: &mut Context<Self>, e: &RelationChanged) -> Result<()> {
            let primary = e.relation().peer_app_data()?.get("primary")?;
            saw(ctx, format!("peers {primary:?}"));
            Ok(())
        }

        #[on(secret_changed, secret_rotate, secret_remove, secret_expired)]
        fn secret(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            let what = match event {
                Event::SecretChanged(e) => format!("secret-changed {:?}", e.label()),
                Event::SecretRotate(e) => format!("secret-rotate {:?}", e.label()),
                Event::SecretRemove(e) => format!("secret-remove {:?}", e.revision()),
                Event::SecretExpired(e) => format!("secret-expired {:?}", e.revision()),
                _ => "unexpected".into(),
            };
            saw(ctx, what);
            Ok(())
        }

        #[on(ping_action)]
        fn ping(&mut self, _ctx: &mut Context<Self>, action: &Action<NoParams>) -> Result<()> {
            action.set_result("answer", "pong")?;
            Ok(())
        }

        #[on(data_storage_attached)]
        fn attached(&mut self, ctx: &mut Context<Self>, e: &StorageAttached) -> Result<()> {
            saw(ctx, format!("attached {}", e.storage().id()));
            Ok(())
        }

        #[on(data_storage_detaching)]
        fn detaching(&mut self, ctx: &mut Context<Self>, e: &StorageDetaching) -> Result<()> {
            let all: Vec<String> = ctx
                .storage("data")?
                .iter()
                .map(|s| s.id().to_string())
                .collect();
            let location = e.storage().location()?;
            saw(
                ctx,
                format!(
                    "detaching {} of {all:?} at {}",
                    e.storage().id(),
                    location.display()
                ),
            );
            Ok(())
        }

        #[on(workload_pebble_ready)]
        fn ready(&mut self, ctx: &mut Context<Self>, e: &PebbleReady) -> Result<()> {
            saw(ctx, format!("pebble-ready {}", e.container().name()));
            Ok(())
        }

        #[on(workload_pebble_check_failed, workload_pebble_check_recovered)]
        fn check(&mut self, ctx: &mut Context<Self>, e: &PebbleCheck) -> Result<()> {
            saw(ctx, format!("check {} failed={}", e.check(), e.failed()));
            Ok(())
        }

        #[on(collect_app_status)]
        fn app_status(&mut self, _ctx: &mut Context<Self>, e: &CollectStatus) -> Result<()> {
            e.add_status(Status::active("app ok"));
            e.add_status(Status::waiting("app waiting"));
            Ok(())
        }
    }
}

use charm::Every;

/// Runs `event` on `state` and returns the unit status message the handler set.
fn saw(event: Event, state: &State) -> String {
    let out = scenario::Context::<Every>::new().run(event, state).unwrap();
    out.assert_ok();
    out.state.unit_status.message().to_string()
}

#[test]
fn lifecycle_hooks_reach_their_handler() {
    let state = State::new();
    for (event, name) in [
        (Event::install(), "install"),
        (Event::start(), "start"),
        (Event::stop(), "stop"),
        (Event::remove(), "remove"),
        (Event::config_changed(), "config-changed"),
        (Event::upgrade_charm(), "upgrade-charm"),
        (Event::update_status(), "update-status"),
    ] {
        assert_eq!(saw(event, &state), name);
    }
    assert_eq!(
        saw(Event::leader_elected(), &state.clone().leader(true)),
        "leader-elected"
    );
}

#[test]
fn relation_hooks_carry_the_relation_and_the_unit() {
    let db = Relation::new("db")
        .remote_app_name("database")
        .remote_app_data(scenario::bag([("database", "orders")]))
        .remote_unit(1, scenario::Bag::new());
    let state = State::new().relation(db.clone());
    assert_eq!(
        saw(Event::relation_created(&db), &state),
        format!("created db:{}", db.id)
    );
    assert_eq!(
        saw(Event::relation_joined(&db, 1), &state),
        r#"joined database/1 ["database/1"]"#
    );
    assert_eq!(
        saw(Event::relation_changed(&db), &state),
        r#"changed None Some("orders")"#
    );
    assert_eq!(
        saw(Event::relation_changed_unit(&db, 1), &state),
        r#"changed Some("database/1") Some("orders")"#
    );
    assert_eq!(
        saw(Event::relation_departed(&db, 1), &state),
        "departed database/1 []"
    );
    assert_eq!(
        saw(Event::relation_broken(&db), &state),
        "broken active=false listed=false"
    );
    let out = scenario::Context::<Every>::new()
        .run(Event::relation_created(&db), &state)
        .unwrap();
    assert_eq!(out.relation(db.id).local_unit_data["seen"], "created");

    let peers =
        PeerRelation::new("replicas").local_app_data(scenario::bag([("primary", "every/0")]));
    let state = State::new().relation(peers.clone());
    assert_eq!(
        saw(Event::relation_changed(&peers), &state),
        r#"peers Some("every/0")"#
    );
}

#[test]
fn secret_hooks_carry_the_secret() {
    let theirs = Secret::new(SecretContent::new().with("password", "x")).label("creds");
    let ours = Secret::new(SecretContent::new().with("password", "y"))
        .owner(SecretOwner::Unit)
        .label("mine")
        .new_revision(SecretContent::new().with("password", "z"));
    let state = State::new().secret(theirs.clone()).secret(ours.clone());
    assert_eq!(
        saw(Event::secret_changed(&theirs), &state),
        r#"secret-changed Some("creds")"#
    );
    assert_eq!(
        saw(Event::secret_rotate(&ours), &state),
        r#"secret-rotate Some("mine")"#
    );
    assert_eq!(
        saw(Event::secret_remove(&ours, 1), &state),
        "secret-remove Some(1)"
    );
    assert_eq!(
        saw(Event::secret_expired(&ours, 2), &state),
        "secret-expired Some(2)"
    );
}

#[test]
fn actions_storage_and_workload_hooks_reach_their_handler() {
    let out = scenario::Context::<Every>::new()
        .run(Event::action("ping"), State::new())
        .unwrap();
    out.assert_ok();
    assert_eq!(out.action.unwrap().results["answer"], "pong");

    let data = Storage::new("data");
    let state = State::new().storage(data.clone());
    assert_eq!(
        saw(Event::storage_attached(&data), &state),
        "attached data/0"
    );
    let state = state.storage(Storage::new("data").index(1));
    assert_eq!(
        saw(Event::storage_detaching(&data), &state),
        r#"detaching data/0 of ["data/0", "data/1"] at /srv/data"#
    );

    let state = State::new().container(scenario::Container::new("workload"));
    assert_eq!(
        saw(Event::pebble_ready("workload"), &state),
        "pebble-ready workload"
    );
    assert_eq!(
        saw(Event::pebble_check_failed("workload", "alive"), &state),
        "check alive failed=true"
    );
    assert_eq!(
        saw(Event::pebble_check_recovered("workload", "alive"), &state),
        "check alive failed=false"
    );
}

#[test]
fn collect_status_sets_the_highest_priority_status_for_the_leader_only() {
    let out = scenario::Context::<Every>::new()
        .run(Event::update_status(), State::new().leader(true))
        .unwrap();
    assert_eq!(out.state.app_status, Status::waiting("app waiting"));
    let out = scenario::Context::<Every>::new()
        .run(Event::update_status(), State::new())
        .unwrap();
    assert!(
        !out.handlers.contains(&"Every::app_status"),
        "{:?}",
        out.handlers
    );
}

#[test]
fn an_unobserved_hook_runs_no_handler_and_writes_nothing() {
    let out = scenario::Context::<Every>::new()
        .run(Event::hook("collect-metrics"), State::new())
        .unwrap();
    out.assert_ok();
    assert!(out.handlers.is_empty(), "{:?}", out.handlers);
    assert!(
        !out.calls.iter().any(|c| c.starts_with("status-set")),
        "{:?}",
        out.calls
    );
}
