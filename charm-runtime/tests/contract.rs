//! Where Juju's hook tools refuse what a lenient fake would take: each test here failed
//! before the runtime sent what Juju accepts (the in-memory backend answers as Juju, with
//! `juju-model`'s rules).
#![cfg(feature = "testing")]

use charm_runtime::deferred::{encode_notices, EventSnapshot, Notice, STATE_KEY};
use charm_runtime::testing::{self as scenario, Event, PeerRelation, Relation, State};
use charm_runtime::{LogLevel, Status};

mod charm {
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "contract",
        summary = "Calls Juju refuses",
        description = "Regressions."
    )]
    #[requires(db(interface = "pg"))]
    #[peers(replicas(interface = "contract_peers"))]
    #[actions(
        backup(params = BackupParams, description = "Back up."),
        login(params = LoginParams, description = "Log in.")
    )]
    pub struct Contract;

    /// Parameters of `backup`.
    #[derive(ActionParams, serde::Deserialize)]
    pub struct BackupParams {
        /// What to do.
        pub mode: String,
    }

    /// Parameters of `login` (`Debug` too, as a charm's types often are).
    #[derive(ActionParams, serde::Deserialize, Debug)]
    pub struct LoginParams {
        /// A password.
        pub password: String,
    }

    /// What `backup` reports.
    #[derive(ActionResults, serde::Serialize)]
    pub struct BackupResults {
        pub backup_id: String,
        pub size: Size,
        pub note: Option<String>,
    }

    /// A nested result.
    #[derive(serde::Serialize)]
    pub struct Size {
        pub bytes: u64,
    }

    #[handlers]
    impl Contract {
        #[on(backup_action)]
        fn backup(&mut self, ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
            match action.params().mode.as_str() {
                "raw-key" => action.set_result("backup_id", "b-1"),
                "typed" => action.set_typed_results(&BackupResults {
                    backup_id: "b-1".into(),
                    size: Size { bytes: 42 },
                    note: None,
                }),
                "fail" => {
                    ctx.state_set("tried", "yes")?;
                    Err(Error::msg("disk on fire"))
                }
                "fail-after-secret" => {
                    ctx.add_unit_secret(SecretContent::new().with("token", "t"), Some("tok"))?;
                    Err(Error::msg("disk on fire"))
                }
                _ => Ok(()),
            }
        }

        #[on(login_action)]
        fn login(&mut self, ctx: &mut Context<Self>, action: &Action<LoginParams>) -> Result<()> {
            let length = action.params().password.len();
            ctx.info(format!(
                "running {action:?} with a password of {length} characters"
            ));
            Ok(())
        }

        #[on(leader_elected)]
        fn elected(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let Some(leader) = ctx.leader()? else {
                return Ok(());
            };
            let secret = ctx.add_app_secret(
                &leader,
                SecretContent::new().with("password", "p1"),
                Some("db-password"),
            )?;
            let info = secret.info()?;
            ctx.state_set("revision", info.revision.to_string())?;
            Ok(())
        }

        #[on(secret_rotate)]
        fn rotate(&mut self, ctx: &mut Context<Self>, event: &SecretRotate) -> Result<()> {
            ctx.secret(event.id())
                .set_content(SecretContent::new().with("password", "p2"))
        }

        #[on(config_changed)]
        fn wait(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            match ctx.state_set("big", "x".repeat(64 * 1024 + 1)) {
                Err(e) => ctx.state_set("refused", e.to_string())?,
                Ok(()) => ctx.state_set("refused", "no")?,
            }
            ctx.defer()
        }

        #[on(db_relation_departed)]
        fn departed(&mut self, ctx: &mut Context<Self>, event: &RelationDeparted) -> Result<()> {
            let units = event.relation().units()?;
            let bag = event
                .relation()
                .remote_unit_data(event.departing_unit().unwrap_or_default())
                .get("host")?;
            ctx.state_set("units", units.join(","))?;
            ctx.state_set("departing-host", bag.unwrap_or_default())?;
            Ok(())
        }

        #[on(install)]
        fn install(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            ctx.set_status(Status::waiting("replaced by the next call"));
            ctx.set_status_now(Status::maintenance("installing"))?;
            ctx.state_set("installed", "yes")?;
            Err(Error::msg("the package mirror is down"))
        }
    }
}
use charm::Contract;

fn ctx() -> scenario::Context<Contract> {
    scenario::Context::<Contract>::new()
}

#[test]
fn the_info_of_a_secret_made_with_a_label_is_asked_by_id_only() {
    let out = ctx()
        .run(Event::leader_elected(), State::new().leader(true))
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["revision"], "1");
    let info: Vec<&String> = out
        .calls
        .iter()
        .filter(|c| c.starts_with("secret-info-get"))
        .collect();
    assert_eq!(info.len(), 1, "{:?}", out.calls);
    assert!(!info[0].contains("--label"), "{info:?}");
}

#[test]
fn a_result_key_juju_refuses_is_an_error_when_set_naming_the_key() {
    let out = ctx()
        .run(
            Event::action("backup").param("mode", "raw-key"),
            State::new(),
        )
        .unwrap();
    assert_eq!(out.exit_code, 0, "{:?}", out.error);
    let failure = out.action.unwrap().failure.unwrap();
    assert!(
        failure.contains("`backup_id`") && failure.contains("`backup-id`"),
        "{failure}"
    );
    assert!(
        !out.calls.iter().any(|c| c.starts_with("action-set")),
        "{:?}",
        out.calls
    );
    assert!(out.tool_errors.is_empty(), "{:?}", out.tool_errors);
}

#[test]
fn typed_results_are_sent_under_kebab_case_keys() {
    let out = ctx()
        .run(Event::action("backup").param("mode", "typed"), State::new())
        .unwrap();
    out.assert_ok();
    let action = out.action.unwrap();
    assert_eq!(action.results["backup-id"], "b-1");
    assert_eq!(action.results["size.bytes"], "42");
    assert!(!action.results.contains_key("note"), "{:?}", action.results);
}

#[test]
fn a_failing_action_fails_with_its_message_and_keeps_nothing() {
    let out = ctx()
        .run(Event::action("backup").param("mode", "fail"), State::new())
        .unwrap();
    // Exit 0, so that Juju keeps the message; nothing buffered was written.
    assert_eq!(out.exit_code, 0);
    let failure = out.action.clone().unwrap().failure.unwrap();
    assert!(failure.contains("disk on fire"), "{failure}");
    assert!(out.state.charm_state.is_empty());
    let log = out.log_text();
    assert!(log.contains("Juju does not retry actions"), "{log}");
    assert!(!log.contains("Juju will retry"), "{log}");

    // A secret was added (Juju commits it on exit 0): exit 1, so Juju discards it.
    let out = ctx()
        .run(
            Event::action("backup").param("mode", "fail-after-secret"),
            State::new(),
        )
        .unwrap();
    assert_eq!(out.exit_code, 1);
    assert!(out.state.secrets.is_empty());
}

#[test]
fn an_action_s_debug_never_shows_its_params() {
    let out = ctx()
        .run(
            Event::action("login").param("password", "hunter2-canary"),
            State::new(),
        )
        .unwrap();
    out.assert_ok();
    let log = out.log_text();
    assert!(log.contains("running Action"), "{log}");
    assert!(!log.contains("hunter2-canary"), "{log}");
}

#[test]
fn before_juju_3_6_a_new_revision_sends_the_label_again() {
    let secret = scenario::Secret::new(charm_runtime::SecretContent::new().with("password", "p1"))
        .unit_owned()
        .label("db-password");
    let state = State::new().secret(secret.clone());
    let set = |version: &str| {
        let out = ctx()
            .juju_version(version)
            .run(Event::secret_rotate(&secret), &state)
            .unwrap();
        out.assert_ok();
        let label = out
            .state
            .get_secret(&secret.id)
            .and_then(|s| s.label.clone());
        assert_eq!(label.as_deref(), Some("db-password"), "{version}");
        out.calls
            .into_iter()
            .filter(|c| c.starts_with("secret-"))
            .collect::<Vec<_>>()
    };
    let id = secret.id.as_str().to_string();
    assert_eq!(
        set("3.5.4"),
        [
            format!("secret-info-get --format=json {id}"),
            format!("secret-set --label db-password {id} password#file=<tmp>/password"),
        ]
    );
    assert_eq!(
        set("3.6.14"),
        [format!("secret-set {id} password#file=<tmp>/password")]
    );
}

fn notice(storage_location: String) -> Notice {
    Notice::new(
        "Contract::wait",
        EventSnapshot {
            dispatch_path: "hooks/config-changed".into(),
            storage_location: Some(storage_location),
            ..EventSnapshot::default()
        },
    )
}

#[test]
fn deferred_events_are_kept_within_one_charm_state_value() {
    // 40 notices of 2 KB: fewer than the count bound, more than Juju keeps in one value.
    let notices: Vec<Notice> = (0..40)
        .map(|i| notice(format!("{i:04}{}", "x".repeat(2000))))
        .collect();
    let stored = encode_notices(&notices);
    assert!(stored.len() > 64 * 1024);
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().charm_state(STATE_KEY, stored),
        )
        .unwrap();
    out.assert_ok();
    let kept = &out.state.charm_state[STATE_KEY];
    assert!(kept.len() <= 64 * 1024, "{}", kept.len());
    let kept = charm_runtime::deferred::parse_notices(kept).unwrap();
    // The newest stay: the hook's own event last, the oldest re-run ones dropped.
    assert_eq!(kept.last().unwrap().event.storage_location, None);
    assert!(kept.len() > 20, "{}", kept.len());
    let warning = out
        .logs
        .iter()
        .find(|l| l.level == LogLevel::Warning)
        .expect("a warning");
    assert!(
        warning.message.contains("dropping the") && warning.message.contains("oldest"),
        "{}",
        warning.message
    );
    // The user's own value over the limit: an error at once, naming the key.
    let refused = &out.state.charm_state["refused"];
    assert!(
        refused.contains("charm state key `big`") && refused.contains("65536"),
        "{refused}"
    );
}

#[test]
fn departed_lists_the_units_still_there_and_reads_the_departing_one() {
    let db = Relation::new("db")
        .remote_app_name("pg")
        .remote_unit(0, scenario::bag([("host", "10.0.0.1")]))
        .remote_unit(1, scenario::bag([("host", "10.0.0.2")]));
    let state = State::new()
        .relation(db.clone())
        .relation(PeerRelation::new("replicas"));
    let out = ctx().run(Event::relation_departed(&db, 1), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.charm_state["units"], "pg/0");
    assert_eq!(out.state.charm_state["departing-host"], "10.0.0.2");
}

#[test]
fn a_status_set_now_is_seen_at_once_and_stays_when_the_hook_fails() {
    let out = ctx().run(Event::install(), State::new()).unwrap();
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.unit_status_history, [Status::maintenance("installing")]);
    assert_eq!(out.state.unit_status, Status::maintenance("installing"));
    assert!(out.state.charm_state.is_empty());
    assert_eq!(
        out.calls[0],
        "status-set --application=False maintenance -- installing"
    );
}

/// The stored notices, as JSON values (what a hand-edited or older list may hold).
fn stored(values: &[serde_json::Value]) -> String {
    serde_json::to_string(values).unwrap()
}

fn waiting_notice(i: usize) -> serde_json::Value {
    serde_json::json!({
        "handler": "Contract::wait",
        "event": {"dispatch_path": "hooks/config-changed", "storage_location": format!("{i}")},
    })
}

#[test]
fn a_stored_list_over_the_bound_is_cut_when_read_not_re_run_whole() {
    let notices: Vec<serde_json::Value> = (0..3000).map(waiting_notice).collect();
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().charm_state(STATE_KEY, stored(&notices)),
        )
        .unwrap();
    out.assert_ok();
    // The newest 100 re-run (each defers again), then the hook's own event: not 3000.
    let reruns = out
        .handlers
        .iter()
        .filter(|h| **h == "Contract::wait")
        .count();
    assert_eq!(reruns, charm_runtime::deferred::MAX_NOTICES + 1);
    let kept = charm_runtime::deferred::parse_notices(&out.state.charm_state[STATE_KEY]).unwrap();
    assert_eq!(kept.len(), charm_runtime::deferred::MAX_NOTICES);
    assert_eq!(kept[0].event.storage_location.as_deref(), Some("2901"));
    assert_eq!(kept.last().unwrap().event.storage_location, None);
    let log = out.log_text();
    assert!(
        log.contains("WARNING: 3000 deferred events are more than Juju can keep")
            && log.contains("dropping the 2900 oldest"),
        "{}",
        &log[..500]
    );
}

#[test]
fn unreadable_stored_notices_are_dropped_with_a_warning_keeping_the_rest() {
    let notices = [
        waiting_notice(0),
        serde_json::json!({"handler": 5, "event": "hooks/\u{1b}[2Jinstall\n"}),
        serde_json::json!("not a notice"),
        waiting_notice(3),
    ];
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().charm_state(STATE_KEY, stored(&notices)),
        )
        .unwrap();
    out.assert_ok();
    let reruns = out
        .handlers
        .iter()
        .filter(|h| **h == "Contract::wait")
        .count();
    assert_eq!(reruns, 3, "{:?}", out.handlers);
    let kept = charm_runtime::deferred::parse_notices(&out.state.charm_state[STATE_KEY]).unwrap();
    let places: Vec<_> = kept
        .iter()
        .map(|n| n.event.storage_location.clone())
        .collect();
    assert_eq!(places, [Some("0".into()), Some("3".into()), None]);
    let warning = out
        .logs
        .iter()
        .find(|l| l.message.contains("do not read"))
        .unwrap_or_else(|| panic!("{}", out.log_text()));
    assert_eq!(warning.level, LogLevel::Warning);
    assert!(
        warning
            .message
            .starts_with("dropping 2 stored deferred events that do not read: #1: ")
            && warning.message.contains("; #2: "),
        "{}",
        warning.message
    );
    assert!(
        !warning.message.contains(['\n', '\u{1b}']),
        "{:?}",
        warning.message
    );

    // Not a list at all: all dropped, with a warning; the hook runs.
    let out = ctx()
        .run(
            Event::config_changed(),
            State::new().charm_state(STATE_KEY, "{\"handler\": \"Contract::wait\""),
        )
        .unwrap();
    out.assert_ok();
    assert!(out
        .log_text()
        .contains("stored deferred events are unreadable"));
    let kept = charm_runtime::deferred::parse_notices(&out.state.charm_state[STATE_KEY]).unwrap();
    assert_eq!(kept.len(), 1);
}

#[test]
fn a_stored_action_notice_is_dropped_and_later_hooks_run() {
    // An action may never be deferred; a list written by hand or by another program may
    // still hold one, with what its re-run would need.
    let notices = [
        serde_json::json!({
            "handler": "Contract::backup",
            "event": {"dispatch_path": "actions/backup", "vars": {"JUJU_ACTION_UUID": "1"}},
        }),
        serde_json::json!({
            "handler": "Contract::install",
            "event": {"dispatch_path": "hooks/stop"},
        }),
    ];
    let state = State::new().charm_state(STATE_KEY, stored(&notices));
    let out = ctx().run(Event::hook("update-status"), &state).unwrap();
    out.assert_ok();
    assert!(
        !out.handlers.contains(&"Contract::backup"),
        "{:?}",
        out.handlers
    );
    let log = out.log_text();
    assert!(
        log.contains(
            "WARNING: dropping 2 stored deferred events that cannot be re-run: actions/backup of `Contract::backup`: the action `backup` cannot be deferred"
        ) && log.contains("; hooks/stop of `Contract::install`: `stop` cannot be deferred"),
        "{log}"
    );
    // Thousands of them: one short warning, not a line (a tool call) each.
    let many: Vec<serde_json::Value> = (0..3000).map(|_| notices[0].clone()).collect();
    let out = ctx()
        .run(
            Event::hook("update-status"),
            State::new().charm_state(STATE_KEY, stored(&many)),
        )
        .unwrap();
    out.assert_ok();
    let warnings: Vec<_> = out
        .logs
        .iter()
        .filter(|l| l.level == LogLevel::Warning)
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.log_text());
    assert!(
        warnings[0].message.ends_with("; and 2990 more"),
        "{}",
        warnings[0].message
    );
    assert!(
        warnings[0].message.len() < 4000,
        "{}",
        warnings[0].message.len()
    );
    // The list is rewritten without them, though nothing else changed.
    assert!(
        !out.state.charm_state.contains_key(STATE_KEY),
        "{:?}",
        out.state.charm_state
    );
}
