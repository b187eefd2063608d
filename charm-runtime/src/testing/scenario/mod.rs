//! Scenario-style runs: [`Context::run`] an [`Event`] on a [`State`], get an [`Output`].

use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;

use crate::backend::HookTools;
use crate::dispatch::{dispatch_with, DispatchOptions};
use crate::env::{Hook, JujuEnv, Placement, RelationContext, SecretContext, StorageContext};
use crate::metadata::CharmMeta;
use crate::relation::RelationId;
use crate::Charm;

use super::backend::{ActionOutput, HookRelation, LogLine, MemoryTools, Setup, ToolError};
use super::consistency::{check, InconsistentState};
use super::state::{Relation, State};

mod event;

pub(crate) use event::Departing;
pub use event::Event;

/// What a run did: the new state and everything the hook said and called.
#[derive(Debug)]
pub struct Output {
    /// The state after the hook, with Juju's commit rule applied: on a non-zero exit
    /// code, only the immediate changes (statuses, workload version) are kept.
    pub state: State,
    /// The `juju-log` lines, in order.
    pub logs: Vec<LogLine>,
    /// Every hook-tool call, argv-like (`relation-get --format=json -r 3 - remote/0`).
    pub calls: Vec<String>,
    /// The error the hook failed with (a handler's error or panic, or the flush's), as
    /// logged to Juju; or, for a hook that exited 0, the controller's refusal to commit
    /// it (a charm state over Juju's quota).
    pub error: Option<String>,
    /// The dispatch's exit code.
    pub exit_code: i32,
    /// The handlers that ran, in order (`Type::method`).
    pub handlers: Vec<&'static str>,
    /// The hook-tool calls Juju would have refused, with Juju's message and the typed
    /// error the charm got.
    pub tool_errors: Vec<ToolError>,
    /// Unit statuses set during the hook, in order.
    pub unit_status_history: Vec<crate::Status>,
    /// Application statuses set during the hook, in order.
    pub app_status_history: Vec<crate::Status>,
    /// For an action: its results, `action-log` messages and `action-fail` message.
    pub action: Option<ActionOutput>,
    /// The reboot the hook asked for (`juju-reboot`): `Some(true)` with `--now`.
    pub reboot: Option<bool>,
}

impl Output {
    /// Panics with the hook's error and log if the hook failed: a test's one-line check.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        if let Some(error) = &self.error {
            panic!("the hook failed: {error}\njuju-log:\n{}", self.log_text());
        }
        self
    }

    /// The `juju-log` lines as `LEVEL: message` text.
    pub fn log_text(&self) -> String {
        self.logs
            .iter()
            .map(|l| format!("{}: {}\n", l.level.as_str(), l.message))
            .collect()
    }

    /// The relation with this id in the output state.
    ///
    /// # Panics
    /// If there is none (the test's state did not have it).
    #[track_caller]
    pub fn relation(&self, id: RelationId) -> &Relation {
        self.state
            .get_relation(id)
            .unwrap_or_else(|| panic!("no relation {id} in the output state"))
    }
}

/// Runs a charm's hooks in memory, Scenario-style.
///
/// `Context::<MyCharm>::new().run(event, state)` checks the state is one Juju could
/// produce, builds the hook's environment and an in-memory [`MemoryTools`], and calls
/// [`dispatch_with`], the code path the charm's binary runs in production.
pub struct Context<C> {
    meta: CharmMeta,
    app_name: String,
    charm_dir: PathBuf,
    juju_version: String,
    placement: Placement,
    other: Option<fn() -> &'static crate::dispatch::HandlerEntry>,
    _charm: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("charm", &self.meta.name)
            .field("app_name", &self.app_name)
            .finish()
    }
}

impl<C: Charm + Default> Default for Context<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm + Default> Context<C> {
    /// A context for charm `C`: the application is named after the charm.
    pub fn new() -> Self {
        let meta = C::metadata();
        Context {
            app_name: meta.name.clone(),
            meta,
            charm_dir: std::env::temp_dir(),
            juju_version: "3.6.14".into(),
            placement: Placement {
                availability_zone: None,
                machine_id: Some("0".into()),
                principal_unit: None,
            },
            other: None,
            _charm: PhantomData,
        }
    }
    /// Names the application (default: the charm's name).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = name.into();
        self
    }
    /// Sets `JUJU_CHARM_DIR` (default: the system's temporary directory).
    pub fn charm_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.charm_dir = dir.into();
        self
    }
    /// Sets `JUJU_VERSION` (default `3.6.14`).
    pub fn juju_version(mut self, version: impl Into<String>) -> Self {
        self.juju_version = version.into();
        self
    }
    /// The charm's handler of other dispatch paths (what `main!(Charm, other = handler)`
    /// gives production), for [`Event::dispatch_path`].
    pub fn other_dispatch(mut self, other: fn() -> &'static crate::dispatch::HandlerEntry) -> Self {
        self.other = Some(other);
        self
    }
    /// Sets `JUJU_AVAILABILITY_ZONE` (default: none).
    pub fn availability_zone(mut self, zone: impl Into<String>) -> Self {
        self.placement.availability_zone = Some(zone.into());
        self
    }
    /// Sets `JUJU_MACHINE_ID` (default `0`; `None`: a Kubernetes unit).
    pub fn machine_id(mut self, machine: Option<&str>) -> Self {
        self.placement.machine_id = machine.map(str::to_string);
        self
    }
    /// Sets `JUJU_PRINCIPAL_UNIT`: the charm runs as a subordinate of that unit.
    pub fn principal_unit(mut self, unit: impl Into<String>) -> Self {
        self.placement.principal_unit = Some(unit.into());
        self
    }
    /// The charm's declarations.
    pub fn meta(&self) -> &CharmMeta {
        &self.meta
    }
    /// The application's name.
    pub fn application(&self) -> &str {
        &self.app_name
    }
    /// The unit's name in `state`: `<app>/<unit_id>`.
    pub fn unit_name(&self, state: &State) -> String {
        format!("{}/{}", self.app_name, state.unit_id)
    }

    /// Checks that Juju could run `event` on `state`; the error says what is wrong.
    pub fn check(&self, event: &Event, state: &State) -> Result<(), InconsistentState> {
        let mut problems = check(&self.meta, &self.app_name, event, state)
            .err()
            .map(|e| e.problems)
            .unwrap_or_default();
        problems.extend(event.unknown_vars());
        if event.hook == Hook::LeaderSettingsChanged && state.leader {
            // `NextOp` in Juju's internal/worker/uniter/leadership/resolver.go runs it
            // only when the unit is not the leader.
            problems.push(
                "leader-settings-changed runs only on units that are not the leader; use State::leader(false)"
                    .into(),
            );
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(InconsistentState { problems }),
        }
    }

    /// The in-memory hook tools for `event` on `state`, to call directly (the permission
    /// rules, outputs and errors a charm would see).
    ///
    /// ```
    /// # use charm_runtime::prelude::*;
    /// # #[derive(Charm, Default)]
    /// # #[charm(name = "demo", summary = "s", description = "d")]
    /// # #[requires(db(interface = "pg"))]
    /// # pub struct Demo;
    /// use charm_runtime::backend::HookTools;
    /// use charm_runtime::testing::{self, Event, Relation, State};
    /// let db = Relation::new("db");
    /// let state = State::new().relation(db.clone());
    /// let tools = testing::Context::<Demo>::new().backend(&Event::update_status(), &state)?;
    /// let err = tools.relation_get(db.id, "demo", true).unwrap_err();   // not the leader
    /// assert!(matches!(err, charm_runtime::Error::PermissionDenied { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn backend(&self, event: &Event, state: &State) -> Result<MemoryTools, InconsistentState> {
        self.check(event, state)?;
        Ok(self.tools_unchecked(event, state.clone()))
    }

    fn tools_unchecked(&self, event: &Event, state: State) -> MemoryTools {
        let hook = match (&event.hook, &event.relation) {
            (Hook::Relation { kind, .. }, Some((id, _))) => Some(HookRelation {
                id: *id,
                kind: *kind,
                remote_unit: self.remote_unit_name(event, &state),
            }),
            _ => None,
        };
        let config = self.config(&state);
        let action_params = match &event.hook {
            Hook::Action(name) => {
                let mut params: serde_json::Map<String, serde_json::Value> = self
                    .meta
                    .actions
                    .iter()
                    .find(|a| &a.name == name)
                    .map(|a| {
                        a.params
                            .iter()
                            .filter_map(|p| {
                                Some((p.name.clone(), p.schema.get("default")?.clone()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                params.extend(event.action_params.clone());
                Some(params)
            }
            _ => None,
        };
        let storage = self
            .meta
            .storage
            .iter()
            .map(|s| (s.name.clone(), (s.kind.clone(), s.location.clone())))
            .collect();
        let roles = self
            .meta
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), e.role))
            .collect();
        MemoryTools::new(
            Setup {
                app_name: self.app_name.clone(),
                config,
                restricted: event.hook.restricted(),
                hook,
                action_params,
                storage,
                roles,
            },
            state,
        )
    }

    /// The application's config as Juju keeps it: the defaults, overlaid with the state's
    /// values read by their option's type as Juju reads an operator's
    /// (`juju_model::config::coerce`; a value Juju refuses is a consistency error, and
    /// kept as given when the check is skipped; `null` resets the option to its default,
    /// as in Juju), options with no value left out.
    fn config(&self, state: &State) -> serde_json::Map<String, serde_json::Value> {
        let mut config: serde_json::Map<_, _> = self
            .meta
            .config
            .iter()
            .filter_map(|o| Some((o.name.clone(), o.default.clone()?)))
            .collect();
        for (name, value) in &state.config {
            let kind = self.meta.config.iter().find(|o| &o.name == name);
            let kind = kind.map(|o| o.kind.as_str());
            let value = juju_model::config::coerce(name, kind, value).unwrap_or(value.clone());
            if !value.is_null() {
                config.insert(name.clone(), value);
            }
        }
        config
    }

    fn remote_unit_name(&self, event: &Event, state: &State) -> Option<String> {
        let (id, _) = event.relation.as_ref()?;
        let rel = state.get_relation(*id)?;
        let n = event.remote_unit?;
        Some(format!("{}/{n}", rel.remote_app_or(&self.app_name)))
    }

    /// The hook's environment, as Juju sets it.
    pub fn env(&self, event: &Event, state: &State) -> JujuEnv {
        let unit_name = self.unit_name(state);
        let relation = event.relation.as_ref().map(|(id, endpoint)| {
            let rel = state.get_relation(*id);
            let remote_app = rel.map(|r| r.remote_app_or(&self.app_name).to_string());
            let departing_unit = event.departing.map(|d| match d {
                Departing::Local => unit_name.clone(),
                Departing::Remote(n) => {
                    format!("{}/{n}", remote_app.as_deref().unwrap_or("remote"))
                }
            });
            RelationContext {
                endpoint: endpoint.clone(),
                id: *id,
                remote_unit: self.remote_unit_name(event, state),
                remote_app,
                departing_unit,
            }
        });
        let secret = event.secret.as_ref().map(|id| SecretContext {
            id: id.clone(),
            label: state.get_secret(id).and_then(|s| s.label.clone()),
            revision: event.secret_revision,
        });
        JujuEnv {
            dispatch_path: event
                .dispatch_path
                .clone()
                .unwrap_or_else(|| event.hook.dispatch_path()),
            hook: event.hook.clone(),
            app_name: self.app_name.clone(),
            unit_name,
            model_name: state.model_name.clone(),
            model_uuid: state.model_uuid.clone(),
            juju_version: self.juju_version.clone(),
            charm_dir: self.charm_dir.clone(),
            relation,
            secret,
            action_id: event.action_id.clone(),
            storage: event.storage.as_ref().map(|id| StorageContext {
                id: id.clone(),
                location: state.get_storage(id).and_then(|s| s.location.clone()),
            }),
            workload: event.workload.clone(),
            vars: event.vars.clone(),
            placement: self.placement.clone(),
        }
    }

    /// Runs `event` on `state` through [`dispatch_with`], after checking the state is
    /// consistent.
    ///
    /// The handler's error, if any, is in [`Output::error`] (and the output state is
    /// rolled back as Juju rolls back a failed hook); an impossible state is an
    /// `Err(InconsistentState)` saying what is wrong.
    pub fn run(&self, event: Event, state: impl AsRef<State>) -> Result<Output, InconsistentState> {
        let state = state.as_ref();
        self.check(&event, state)?;
        Ok(self.run_unchecked(&event, state.clone()))
    }

    /// Runs without the consistency check (to see what the charm does with a state Juju
    /// would never produce).
    pub fn run_unchecked(&self, event: &Event, state: State) -> Output {
        let env = self.env(event, &state);
        // The state is known: when it holds no deferred notice, the run needs no
        // `state-get` to find out (production learns the same from its marker file).
        let options = DispatchOptions {
            nothing_deferred: !state.charm_state.contains_key(crate::deferred::STATE_KEY),
            other: self.other,
            ..DispatchOptions::default()
        };
        let tools = Rc::new(self.tools_unchecked(event, state));
        let outcome = dispatch_with::<C>(env, Rc::clone(&tools) as Rc<dyn HookTools>, &options);
        let finished = tools.finish(outcome.exit_code);
        Output {
            state: finished.state,
            logs: finished.logs,
            calls: finished.calls,
            error: outcome.error.or(finished.commit_error),
            exit_code: outcome.exit_code,
            handlers: outcome.handlers,
            tool_errors: finished.tool_errors,
            unit_status_history: finished.unit_status_history,
            app_status_history: finished.app_status_history,
            action: finished.action,
            reboot: finished.reboot,
        }
    }
}

/// Which state objects an event refers to (for the consistency checker).
pub(crate) fn event_relation(event: &Event) -> Option<(RelationId, &str)> {
    event.relation.as_ref().map(|(id, ep)| (*id, ep.as_str()))
}
