//! A Harness for authors porting `ops.testing.Harness` tests: one evolving [`State`],
//! methods that change it as Juju would and fire the hooks Juju would fire, in Juju's
//! order. Every hook runs through [`Context::run`], the Scenario engine.

use std::fmt;

use serde_json::Value;

use crate::relation::{RelationId, Role};
use crate::status::Status;
use crate::Charm;

use super::backend::ActionOutput;
use super::consistency::InconsistentState;
use super::scenario::{Context, Event, Output};
use super::state::{Container, Relation, State, Storage};

mod relations;
mod secrets;
mod workload;

/// Why a Harness call failed.
#[derive(Clone, PartialEq, Eq)]
pub enum HarnessError {
    /// The call makes no sense (an unknown relation id, a unit of another application...).
    Invalid(String),
    /// The state is one Juju could not produce.
    Inconsistent(InconsistentState),
    /// A hook the call fired failed; the Harness state is what Juju would have left (the
    /// hook's buffered changes rolled back).
    HookFailed {
        /// The hook, e.g. `db-relation-changed`.
        hook: String,
        /// The error, as logged to Juju.
        error: String,
    },
    /// An action called `action-fail` (its other results are in
    /// [`Harness::last_output`]).
    ActionFailed {
        /// The action.
        action: String,
        /// The `action-fail` message.
        message: String,
    },
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Invalid(m) => f.write_str(m),
            HarnessError::Inconsistent(e) => write!(f, "{e}"),
            HarnessError::HookFailed { hook, error } => {
                write!(f, "hook `{hook}` failed: {error}")
            }
            HarnessError::ActionFailed { action, message } => {
                write!(f, "action `{action}` failed: {message}")
            }
        }
    }
}

impl fmt::Debug for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for HarnessError {}

impl From<InconsistentState> for HarnessError {
    fn from(e: InconsistentState) -> Self {
        HarnessError::Inconsistent(e)
    }
}

type HResult<T = ()> = Result<T, HarnessError>;

/// `ops.testing.Harness`, in Rust: set up relations, units, config, leadership and
/// secrets; after [`begin`](Self::begin) each change fires the hooks Juju would fire.
///
/// ```
/// # use charm_runtime::prelude::*;
/// # #[derive(Charm, Default)]
/// # #[charm(name = "demo", summary = "s", description = "d")]
/// # #[requires(db(interface = "pg"))]
/// # pub struct Demo;
/// use charm_runtime::testing::{bag, Harness};
/// let mut h = Harness::<Demo>::new();
/// let db = h.add_relation("db", "postgresql")?;
/// h.begin();
/// h.add_relation_unit(db, "postgresql/0")?;                 // joined, then changed
/// h.update_relation_data(db, "postgresql", bag([("host", "10.0.0.7")]))?; // changed
/// assert_eq!(h.fired(), ["db-relation-joined", "db-relation-changed", "db-relation-changed"]);
/// # Ok::<(), charm_runtime::testing::HarnessError>(())
/// ```
pub struct Harness<C> {
    ctx: Context<C>,
    state: State,
    begun: bool,
    hooks_disabled: bool,
    history: Vec<(String, Output)>,
    detached: Vec<Storage>,
    /// Where [`add_resource`](Harness::add_resource) writes resource files.
    resources: Option<tempfile::TempDir>,
}

impl<C> fmt::Debug for Harness<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Harness")
            .field("state", &self.state)
            .field("begun", &self.begun)
            .finish()
    }
}

impl<C: Charm + Default> Default for Harness<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm + Default> Harness<C> {
    /// A Harness for charm `C`: unit 0 of an application named after the charm, not the
    /// leader, no relation.
    pub fn new() -> Self {
        Self::with_context(Context::new())
    }

    /// A Harness over a configured [`Context`] (application name, charm dir ...).
    /// Each declared container is there, its Pebble not answering until
    /// [`container_pebble_ready`](Self::container_pebble_ready) or
    /// [`set_can_connect`](Self::set_can_connect).
    pub fn with_context(ctx: Context<C>) -> Self {
        let containers = ctx
            .meta()
            .containers
            .iter()
            .map(|c| Container::new(c.name.clone()).can_connect(false))
            .collect();
        Harness {
            ctx,
            state: State {
                containers,
                ..State::new()
            },
            begun: false,
            hooks_disabled: false,
            history: Vec::new(),
            detached: Vec::new(),
            resources: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }
    /// The current state, to change directly (no hook fires).
    pub fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }
    /// The Scenario context the Harness runs hooks with.
    pub fn context(&self) -> &Context<C> {
        &self.ctx
    }
    /// This unit's name.
    pub fn unit_name(&self) -> String {
        self.ctx.unit_name(&self.state)
    }
    /// This application's name.
    pub fn app_name(&self) -> &str {
        self.ctx.application()
    }
    /// The unit's status.
    pub fn unit_status(&self) -> &Status {
        &self.state.unit_status
    }
    /// The application's status.
    pub fn app_status(&self) -> &Status {
        &self.state.app_status
    }
    /// A value of the unit's charm state.
    pub fn charm_state(&self, key: &str) -> Option<&str> {
        self.state.charm_state.get(key).map(String::as_str)
    }
    /// The hooks fired so far, in order.
    pub fn fired(&self) -> Vec<String> {
        self.history.iter().map(|(h, _)| h.clone()).collect()
    }
    /// Every hook fired so far with its [`Output`].
    pub fn history(&self) -> &[(String, Output)] {
        &self.history
    }
    /// The last hook's output.
    pub fn last_output(&self) -> Option<&Output> {
        self.history.last().map(|(_, o)| o)
    }

    /// Starts firing hooks for every later change (no hook is fired now).
    pub fn begin(&mut self) {
        self.begun = true;
    }

    /// Begins with the hooks Juju runs when a unit is deployed: storage-attached for each
    /// storage instance, install,
    /// relation-created for each relation (a peer relation is added for each declared peer
    /// endpoint), leader-elected (if leader), config-changed, start, pebble-ready for each
    /// container whose Pebble answers, then for each relation
    /// relation-changed for the remote application's data (if any) and relation-joined then
    /// relation-changed for each remote unit.
    pub fn begin_with_initial_hooks(&mut self) -> HResult {
        if self.begun {
            return Err(HarnessError::Invalid(
                "begin_with_initial_hooks: the Harness has already begun".into(),
            ));
        }
        let peers: Vec<String> = self
            .ctx
            .meta()
            .endpoints(Role::Peer)
            .map(|e| e.name.clone())
            .collect();
        for endpoint in peers {
            if self.state.get_relations(&endpoint).next().is_none() {
                self.state.relations.push(Relation::peer(endpoint));
            }
        }
        self.begun = true;
        for storage in self.state.storages.clone() {
            self.fire(Event::storage_attached(&storage))?;
        }
        self.fire(Event::install())?;
        for rel in self.state.relations.clone() {
            self.fire(Event::relation_created(&rel))?;
        }
        if self.state.leader {
            self.fire(Event::leader_elected())?;
        }
        self.fire(Event::config_changed())?;
        self.fire(Event::start())?;
        for c in self.state.containers.clone() {
            if c.can_connect {
                self.fire(Event::pebble_ready(&c.name))?;
            }
        }
        for rel in self.state.relations.clone() {
            if !rel.remote_app_data.is_empty() {
                self.fire(Event::relation_changed(&rel))?;
            }
            for n in rel.remote_units_data.keys() {
                self.fire(Event::relation_joined(&rel, *n))?;
                self.fire(Event::relation_changed_unit(&rel, *n))?;
            }
        }
        Ok(())
    }

    /// Runs any event on the current state (after [`begin`](Self::begin) or not), keeping
    /// the resulting state.
    pub fn run(&mut self, event: Event) -> HResult<&Output> {
        self.fire(event)?;
        Ok(self.last_output().expect("a hook just ran"))
    }

    fn fire(&mut self, event: Event) -> HResult {
        let name = event.name();
        let out = self.ctx.run(event, &self.state)?;
        self.state = out.state.clone();
        let failed = out.error.clone();
        self.history.push((name.clone(), out));
        match failed {
            Some(error) => Err(HarnessError::HookFailed { hook: name, error }),
            None => Ok(()),
        }
    }

    /// Runs `f` with hooks disabled: its changes fire nothing (`ops`' `hooks_disabled()`).
    pub fn with_hooks_disabled<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let was = std::mem::replace(&mut self.hooks_disabled, true);
        let result = f(self);
        self.hooks_disabled = was;
        result
    }

    fn fire_if_begun(&mut self, event: Event) -> HResult {
        if self.begun && !self.hooks_disabled {
            self.fire(event)
        } else {
            Ok(())
        }
    }

    fn relation(&self, id: RelationId) -> HResult<Relation> {
        self.state
            .get_relation(id)
            .cloned()
            .ok_or_else(|| HarnessError::Invalid(format!("there is no relation {id}")))
    }

    /// Makes or loses leadership; becoming leader fires leader-elected.
    pub fn set_leader(&mut self, leader: bool) -> HResult {
        let was = self.state.leader;
        self.state.leader = leader;
        if leader && !was {
            self.fire_if_begun(Event::leader_elected())?;
        }
        Ok(())
    }

    /// Sets config options (names as in charmcraft.yaml); fires config-changed.
    pub fn update_config<K: Into<String>, V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> HResult {
        for (k, v) in values {
            self.state.config.insert(k.into(), v.into());
        }
        self.fire_if_begun(Event::config_changed())
    }

    /// Unsets config options (back to their defaults); fires config-changed.
    pub fn unset_config(&mut self, keys: &[&str]) -> HResult {
        for k in keys {
            self.state.config.remove(*k);
        }
        self.fire_if_begun(Event::config_changed())
    }

    /// Runs action `name` with `params` (a JSON object; declared defaults apply) and returns
    /// what it did; an action that called `action-fail` is
    /// [`HarnessError::ActionFailed`], one whose handler failed is
    /// [`HarnessError::HookFailed`].
    pub fn run_action(&mut self, name: &str, params: Value) -> HResult<ActionOutput> {
        self.fire(Event::action(name).params(params))?;
        let action = self
            .last_output()
            .and_then(|o| o.action.clone())
            .unwrap_or_default();
        match &action.failure {
            Some(message) => Err(HarnessError::ActionFailed {
                action: name.to_string(),
                message: message.clone(),
            }),
            None => Ok(action),
        }
    }
}
