//! The hooks added through the event catalogue, each one table line plus its payload:
//! `leader-settings-changed`, `pre-series-upgrade`, `post-series-upgrade`,
//! `collect-metrics`, `meter-status-changed`. Each is observable with `#[on(..)]`, has its
//! Scenario constructor, and follows its deferral rule; the metrics hooks run in Juju's
//! restricted context, so they re-run no deferred event and collect no status.
#![cfg(feature = "testing")]

use charm_runtime::deferred::STATE_KEY;
use charm_runtime::testing::{self as scenario, Event, State};

mod charm {
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "machine",
        summary = "Observes the catalogue's newer hooks",
        description = "Tests."
    )]
    pub struct Machine;

    #[handlers]
    impl Machine {
        #[on(leader_settings_changed, post_series_upgrade)]
        fn later(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            let name = match event {
                Event::LeaderSettingsChanged(_) => "leader-settings-changed",
                Event::PostSeriesUpgrade(_) => "post-series-upgrade",
                _ => "unexpected",
            };
            ctx.info(format!("saw {name}"));
            ctx.defer()
        }

        #[on(pre_series_upgrade)]
        fn prepare(&mut self, ctx: &mut Context<Self>, e: &PreSeriesUpgrade) -> Result<()> {
            ctx.info(format!("preparing for {:?}", e.target_base()));
            ctx.defer()
        }

        #[on(collect_metrics)]
        fn metrics(&mut self, ctx: &mut Context<Self>, _e: &CollectMetrics) -> Result<()> {
            ctx.info("collecting metrics");
            if let Err(e) = ctx.defer() {
                ctx.info(format!("defer refused: {e}"));
            }
            Ok(())
        }

        #[on(meter_status_changed)]
        fn meter(&mut self, ctx: &mut Context<Self>, e: &MeterStatusChanged) -> Result<()> {
            ctx.info(format!("meter {:?} {:?}", e.status(), e.info()));
            Ok(())
        }

        #[on(collect_unit_status)]
        fn unit_status(&mut self, _ctx: &mut Context<Self>, e: &CollectStatus) -> Result<()> {
            e.add_status(Status::active("fine"));
            Ok(())
        }

        #[on(collect_app_status)]
        fn app_status(&mut self, _ctx: &mut Context<Self>, e: &CollectStatus) -> Result<()> {
            e.add_status(Status::active("all fine"));
            Ok(())
        }
    }
}

use charm::Machine;

fn run(event: Event, state: &State) -> scenario::Output {
    let out = scenario::Context::<Machine>::new()
        .run(event, state)
        .unwrap();
    out.assert_ok();
    out
}

fn infos(out: &scenario::Output) -> Vec<&str> {
    out.logs
        .iter()
        .filter(|l| l.level == charm_runtime::LogLevel::Info)
        .map(|l| l.message.as_str())
        .collect()
}

fn stored(out: &scenario::Output) -> serde_json::Value {
    out.state
        .charm_state
        .get(STATE_KEY)
        .map(|raw| serde_json::from_str(raw).unwrap())
        .unwrap_or_default()
}

#[test]
fn leader_settings_changed_is_observed_and_deferrable() {
    let out = run(Event::leader_settings_changed(), &State::new());
    assert_eq!(infos(&out), ["saw leader-settings-changed"]);
    assert_eq!(
        out.handlers,
        ["Machine::later", "Machine::unit_status"],
        "a normal hook: status collected"
    );
    assert_eq!(
        stored(&out),
        serde_json::json!([{
            "handler": "Machine::later",
            "event": {"dispatch_path": "hooks/leader-settings-changed"},
        }])
    );
    let err = scenario::Context::<Machine>::new()
        .run(Event::leader_settings_changed(), State::new().leader(true))
        .unwrap_err();
    assert!(err.to_string().contains("not the leader"), "{err}");
}

#[test]
fn pre_series_upgrade_carries_the_target_base_also_when_deferred() {
    let upgrade = Event::pre_series_upgrade().with_env("JUJU_TARGET_BASE", "ubuntu@24.04");
    let out = run(upgrade, &State::new());
    assert_eq!(infos(&out), [r#"preparing for Some("ubuntu@24.04")"#]);
    assert_eq!(
        stored(&out)[0]["event"],
        serde_json::json!({
            "dispatch_path": "hooks/pre-series-upgrade",
            "vars": {"JUJU_TARGET_BASE": "ubuntu@24.04"},
        })
    );
    // The next hook re-runs it with the variable it had.
    let out = run(Event::update_status(), &out.state);
    assert_eq!(infos(&out), [r#"preparing for Some("ubuntu@24.04")"#]);

    let out = run(Event::pre_series_upgrade(), &State::new());
    assert_eq!(infos(&out), ["preparing for None"]);
}

#[test]
fn post_series_upgrade_is_observed_and_deferrable() {
    let out = run(Event::post_series_upgrade(), &State::new());
    assert_eq!(infos(&out), ["saw post-series-upgrade"]);
    assert_eq!(stored(&out)[0]["handler"], "Machine::later");
}

#[test]
fn collect_metrics_reruns_nothing_collects_no_status_and_cannot_defer() {
    // A notice deferred by an earlier hook stays for the next unrestricted hook.
    let earlier = run(Event::post_series_upgrade(), &State::new().leader(true));
    let notices = stored(&earlier);
    let out = run(Event::collect_metrics(), &earlier.state);
    assert_eq!(out.handlers, ["Machine::metrics"]);
    let infos = infos(&out);
    assert_eq!(infos[0], "collecting metrics");
    assert!(
        infos[1].starts_with(
            "defer refused: handler `Machine::metrics` cannot defer: `collect-metrics` cannot be deferred (it runs in Juju's restricted context"
        ),
        "{infos:?}"
    );
    // Neither `state-get` nor `is-leader` nor `status-set`: Juju refuses them there.
    assert!(
        out.calls.iter().all(|c| c.starts_with("juju-log")),
        "{:#?}",
        out.calls
    );
    assert_eq!(stored(&out), notices);
    let out = run(Event::update_status(), &out.state.clone());
    assert_eq!(out.handlers[0], "Machine::later", "re-run at the next hook");
}

#[test]
fn meter_status_changed_carries_its_status_and_is_restricted() {
    let event = Event::meter_status_changed()
        .with_env("JUJU_METER_STATUS", "AMBER")
        .with_env("JUJU_METER_INFO", "running low");
    let out = run(event, &State::new());
    assert_eq!(infos(&out), [r#"meter Some("AMBER") Some("running low")"#]);
    assert_eq!(out.handlers, ["Machine::meter"]);
}

#[test]
fn a_variable_the_event_does_not_carry_is_refused() {
    let ctx = scenario::Context::<Machine>::new();
    let err = ctx
        .run(
            Event::post_series_upgrade().with_env("JUJU_TARGET_BASE", "ubuntu@24.04"),
            State::new(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("JUJU_TARGET_BASE is not a variable Juju sets for post-series-upgrade"),
        "{err}"
    );
    let err = ctx
        .run(
            Event::install().with_env("JUJU_RELATION_ID", "db:1"),
            State::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("JUJU_RELATION_ID"), "{err}");
}
