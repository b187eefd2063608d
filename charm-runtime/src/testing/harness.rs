//! A Harness for authors porting `ops.testing.Harness` tests: one evolving [`State`],
//! methods that change it as Juju would and fire the hooks Juju would fire, in Juju's
//! order. Every hook runs through [`Context::run`], the Scenario engine.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::relation::{RelationId, Role};
use crate::secret::{SecretContent, SecretId};
use crate::status::Status;
use crate::Charm;

use super::backend::ActionOutput;
use super::consistency::InconsistentState;
use super::scenario::{Context, Event, Output};
use super::state::{Bag, Container, Relation, RelationKind, Secret, SecretOwner, State, Storage};

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

    /// Integrates `endpoint` with application `remote_app` (ignored for a peer endpoint);
    /// fires relation-created. Returns the relation's id.
    pub fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> HResult<RelationId> {
        let meta = self.ctx.meta();
        let Some(ep) = meta.endpoints.iter().find(|e| e.name == endpoint) else {
            return Err(HarnessError::Invalid(format!(
                "add_relation: endpoint `{endpoint}` is not declared by charm `{}` (declared: {})",
                meta.name,
                meta.endpoints
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let rel = match (ep.role, ep.scope) {
            (Role::Peer, _) => Relation::peer(endpoint),
            (_, Some(crate::metadata::Scope::Container)) => Relation {
                remote_units_data: BTreeMap::new(),
                ..Relation::subordinate(endpoint).remote_app_name(remote_app)
            },
            _ => Relation::new(endpoint).remote_app_name(remote_app),
        };
        let id = rel.id;
        self.state.relations.push(rel.clone());
        self.fire_if_begun(Event::relation_created(&rel))?;
        Ok(id)
    }

    fn unit_number(&self, rel: &Relation, unit: &str) -> HResult<u32> {
        let remote = rel.remote_app_or(self.ctx.application());
        match unit.split_once('/') {
            Some((app, n)) if app == remote => n.parse().map_err(|_| {
                HarnessError::Invalid(format!("`{unit}` is not a unit name like `{remote}/0`"))
            }),
            _ => Err(HarnessError::Invalid(format!(
                "`{unit}` is not a unit of `{remote}`, the remote application of relation {}",
                rel.id
            ))),
        }
    }

    /// Adds a remote unit to a relation: fires relation-joined, then relation-changed.
    pub fn add_relation_unit(&mut self, id: RelationId, unit: &str) -> HResult {
        let rel = self.relation(id)?;
        let n = self.unit_number(&rel, unit)?;
        if n == self.state.unit_id && rel.kind == RelationKind::Peer {
            return Err(HarnessError::Invalid(format!(
                "`{unit}` is this unit; peer units are the others"
            )));
        }
        let rel = {
            let r = self.state.get_relation_mut(id).expect("checked above");
            r.remote_units_data.entry(n).or_default();
            r.clone()
        };
        self.fire_if_begun(Event::relation_joined(&rel, n))?;
        let rel = self.relation(id)?;
        self.fire_if_begun(Event::relation_changed_unit(&rel, n))
    }

    /// Removes a remote unit from a relation: fires relation-departed.
    pub fn remove_relation_unit(&mut self, id: RelationId, unit: &str) -> HResult {
        let rel = self.relation(id)?;
        let n = self.unit_number(&rel, unit)?;
        if !rel.remote_units_data.contains_key(&n) {
            return Err(HarnessError::Invalid(format!(
                "`{unit}` is not in relation {id}"
            )));
        }
        let result = self.fire_if_begun(Event::relation_departed(&rel, n));
        if let Some(r) = self.state.get_relation_mut(id) {
            r.remote_units_data.remove(&n);
        }
        result
    }

    /// Removes a relation: fires relation-departed for each remote unit, then
    /// relation-broken.
    pub fn remove_relation(&mut self, id: RelationId) -> HResult {
        let rel = self.relation(id)?;
        let units: Vec<u32> = rel.remote_units_data.keys().copied().collect();
        let remote = rel.remote_app_or(self.ctx.application()).to_string();
        for n in units {
            self.remove_relation_unit(id, &format!("{remote}/{n}"))?;
        }
        let rel = self.relation(id)?;
        let result = self.fire_if_begun(Event::relation_broken(&rel));
        self.state.relations.retain(|r| r.id != id);
        for s in &mut self.state.secrets {
            s.grants.remove(&id);
        }
        result
    }

    /// Merges `data` into a bag (an empty value deletes a key): `app_or_unit` names this
    /// unit, this application, the remote application or a remote unit. A change to a
    /// remote bag fires relation-changed, as does a change to this application's bag on a
    /// peer relation when this unit is not the leader; a change to this unit's bag fires
    /// nothing.
    pub fn update_relation_data(
        &mut self,
        id: RelationId,
        app_or_unit: &str,
        data: Bag,
    ) -> HResult {
        let rel = self.relation(id)?;
        let me = self.unit_name();
        let app = self.ctx.application().to_string();
        let remote = rel.remote_app_or(&app).to_string();
        enum Target {
            LocalUnit,
            LocalApp,
            RemoteApp,
            RemoteUnit(u32),
        }
        let target = if app_or_unit == me {
            Target::LocalUnit
        } else if app_or_unit == app {
            Target::LocalApp
        } else if app_or_unit == remote {
            Target::RemoteApp
        } else {
            let n = self.unit_number(&rel, app_or_unit)?;
            if !rel.remote_units_data.contains_key(&n) {
                return Err(HarnessError::Invalid(format!(
                    "`{app_or_unit}` is not in relation {id}; add it with add_relation_unit first"
                )));
            }
            Target::RemoteUnit(n)
        };
        let leader = self.state.leader;
        let r = self.state.get_relation_mut(id).expect("checked above");
        let bag = match target {
            Target::LocalUnit => &mut r.local_unit_data,
            Target::LocalApp => &mut r.local_app_data,
            Target::RemoteApp => &mut r.remote_app_data,
            Target::RemoteUnit(n) => r.remote_units_data.entry(n).or_default(),
        };
        let before = bag.clone();
        for (k, v) in data {
            if v.is_empty() {
                bag.remove(&k);
            } else {
                bag.insert(k, v);
            }
        }
        if *bag == before {
            return Ok(());
        }
        let rel = r.clone();
        match target {
            Target::LocalUnit => Ok(()),
            Target::LocalApp if rel.kind == RelationKind::Peer && !leader => {
                self.fire_if_begun(Event::relation_changed(&rel))
            }
            Target::LocalApp => Ok(()),
            Target::RemoteApp => self.fire_if_begun(Event::relation_changed(&rel)),
            Target::RemoteUnit(n) => self.fire_if_begun(Event::relation_changed_unit(&rel, n)),
        }
    }

    /// A bag: of this unit, this application, the remote application or a remote unit.
    /// `None` if the relation or the owner is unknown.
    pub fn get_relation_data(&self, id: RelationId, app_or_unit: &str) -> Option<&Bag> {
        let rel = self.state.get_relation(id)?;
        let app = self.ctx.application();
        if app_or_unit == self.unit_name() {
            return Some(&rel.local_unit_data);
        }
        if app_or_unit == app {
            return Some(&rel.local_app_data);
        }
        let remote = rel.remote_app_or(app);
        if app_or_unit == remote {
            return Some(&rel.remote_app_data);
        }
        let (a, n) = app_or_unit.split_once('/')?;
        if a != remote {
            return None;
        }
        rel.remote_units_data.get(&n.parse().ok()?)
    }

    /// Adds a secret owned by `owner`: this application, this unit, or another
    /// application (then this unit sees it only once [`grant_secret`](Self::grant_secret)ed).
    pub fn add_model_secret(&mut self, owner: &str, content: SecretContent) -> HResult<SecretId> {
        content
            .validate()
            .map_err(|e| HarnessError::Invalid(e.to_string()))?;
        let owner = if owner == self.unit_name() {
            SecretOwner::Unit
        } else if owner == self.ctx.application() {
            SecretOwner::App
        } else {
            SecretOwner::Remote
        };
        let mut secret = Secret::new(content).owner(owner);
        secret.granted = owner != SecretOwner::Remote;
        let id = secret.id.clone();
        self.state.secrets.push(secret);
        Ok(id)
    }

    /// Adds a secret owned by the model's user (not an application): this unit sees it
    /// once it is [`grant_secret`](Self::grant_secret)ed to this application.
    pub fn add_user_secret(&mut self, content: SecretContent) -> HResult<SecretId> {
        self.add_model_secret("<model user>", content)
    }

    /// The revisions of a secret, oldest first.
    pub fn secret_revisions(&self, id: &SecretId) -> Vec<u64> {
        self.state
            .get_secret(id)
            .map(|s| s.revisions.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Who was granted a secret this charm owns over relation `relation`.
    pub fn secret_grants(&self, id: &SecretId, relation: RelationId) -> Vec<String> {
        self.state
            .get_secret(id)
            .and_then(|s| s.grants.get(&relation))
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn secret_mut(&mut self, id: &SecretId) -> HResult<&mut Secret> {
        self.state
            .secrets
            .iter_mut()
            .find(|s| &s.id == id)
            .ok_or_else(|| HarnessError::Invalid(format!("there is no secret {id}")))
    }

    /// Grants `observer` (an application or unit) access: to this unit, for a secret of
    /// another application; to a related application, for a secret this charm owns.
    pub fn grant_secret(&mut self, id: &SecretId, observer: &str) -> HResult {
        self.grant_or_revoke(id, observer, true)
    }

    /// Takes back a grant made by [`grant_secret`](Self::grant_secret).
    pub fn revoke_secret(&mut self, id: &SecretId, observer: &str) -> HResult {
        self.grant_or_revoke(id, observer, false)
    }

    fn grant_or_revoke(&mut self, id: &SecretId, observer: &str, grant: bool) -> HResult {
        let app = self.ctx.application().to_string();
        let me = self.unit_name();
        let observer_app = observer.split('/').next().unwrap_or(observer).to_string();
        let relation = self
            .state
            .relations
            .iter()
            .find(|r| r.remote_app_or(&app) == observer_app)
            .map(|r| r.id);
        let secret = self.secret_mut(id)?;
        if secret.owner == SecretOwner::Remote {
            if observer == app || observer == me {
                secret.granted = grant;
                return Ok(());
            }
            return Err(HarnessError::Invalid(format!(
                "secret {id} belongs to another application; only this unit (`{me}`) or application (`{app}`) can be its observer here"
            )));
        }
        let Some(relation) = relation else {
            return Err(HarnessError::Invalid(format!(
                "no relation with `{observer_app}` to grant secret {id} over"
            )));
        };
        let grants = secret.grants.entry(relation).or_default();
        if grant {
            grants.insert(observer.to_string());
        } else {
            grants.remove(observer);
            if grants.is_empty() {
                secret.grants.remove(&relation);
            }
        }
        Ok(())
    }

    /// The owner publishes a new revision; if this unit is a consumer that was granted it,
    /// fires secret-changed.
    pub fn set_secret_content(&mut self, id: &SecretId, content: SecretContent) -> HResult {
        content
            .validate()
            .map_err(|e| HarnessError::Invalid(e.to_string()))?;
        let secret = self.secret_mut(id)?;
        let next = secret.latest_revision() + 1;
        secret.revisions.insert(next, content);
        let snapshot = secret.clone();
        if snapshot.owner == SecretOwner::Remote && snapshot.granted {
            self.fire_if_begun(Event::secret_changed(&snapshot))?;
        }
        Ok(())
    }

    fn secret(&self, id: &SecretId) -> HResult<Secret> {
        self.state
            .get_secret(id)
            .cloned()
            .ok_or_else(|| HarnessError::Invalid(format!("there is no secret {id}")))
    }

    /// Fires secret-rotate for a secret this charm owns.
    pub fn trigger_secret_rotation(&mut self, id: &SecretId) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_rotate(&s))
    }

    /// Fires secret-remove of `revision` for a secret this charm owns.
    pub fn trigger_secret_removal(&mut self, id: &SecretId, revision: u64) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_remove(&s, revision))
    }

    /// Fires secret-expired of `revision` for a secret this charm owns.
    pub fn trigger_secret_expiration(&mut self, id: &SecretId, revision: u64) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_expired(&s, revision))
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

    /// Adds `count` instances of storage `name`; with `attach`, attaches them (firing
    /// storage-attached once begun). Returns their ids (`data/0`).
    pub fn add_storage(&mut self, name: &str, count: u32, attach: bool) -> HResult<Vec<String>> {
        if !self.ctx.meta().storage.iter().any(|s| s.name == name) {
            return Err(HarnessError::Invalid(format!(
                "add_storage: storage `{name}` is not declared by charm `{}`",
                self.ctx.meta().name
            )));
        }
        let first = self
            .state
            .storages
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.index + 1)
            .max()
            .unwrap_or(0);
        let mut ids = Vec::new();
        for index in first..first + count {
            let storage = Storage::new(name).index(index);
            ids.push(storage.id());
            if attach {
                self.state.storages.push(storage.clone());
                self.fire_if_begun(Event::storage_attached(&storage))?;
            } else {
                self.detached.push(storage);
            }
        }
        Ok(ids)
    }

    /// Attaches a storage instance added with `attach == false`: fires storage-attached.
    pub fn attach_storage(&mut self, id: &str) -> HResult {
        let Some(pos) = self.detached.iter().position(|s| s.id() == id) else {
            return Err(HarnessError::Invalid(format!(
                "attach_storage: no detached storage `{id}` (add it with add_storage(.., attach: false))"
            )));
        };
        let storage = self.detached.remove(pos);
        self.state.storages.push(storage.clone());
        self.fire_if_begun(Event::storage_attached(&storage))
    }

    /// Detaches a storage instance: fires storage-detaching, then removes it.
    pub fn detach_storage(&mut self, id: &str) -> HResult {
        let Some(storage) = self.state.get_storage(id).cloned() else {
            return Err(HarnessError::Invalid(format!(
                "detach_storage: storage `{id}` is not attached"
            )));
        };
        let result = self.fire_if_begun(Event::storage_detaching(&storage));
        self.state.storages.retain(|s| s.id() != id);
        self.detached.push(storage);
        result
    }

    /// Makes a container's Pebble answer: fires `<container>-pebble-ready`.
    pub fn container_pebble_ready(&mut self, container: &str) -> HResult {
        self.set_can_connect(container, true)?;
        self.fire(Event::pebble_ready(container))
    }

    /// Sets whether a container's Pebble answers (no hook fires).
    pub fn set_can_connect(&mut self, container: &str, can_connect: bool) -> HResult {
        let c = self
            .state
            .containers
            .iter_mut()
            .find(|c| c.name == container)
            .ok_or_else(|| {
                HarnessError::Invalid(format!(
                    "container `{container}` is not declared by charm `{}`",
                    self.ctx.meta().name
                ))
            })?;
        c.can_connect = can_connect;
        Ok(())
    }

    fn container_or_err(&self, container: &str) -> HResult<Container> {
        self.state.get_container(container).cloned().ok_or_else(|| {
            HarnessError::Invalid(format!(
                "container `{container}` is not declared by charm `{}`",
                self.ctx.meta().name
            ))
        })
    }

    /// Records a custom notice in a container, as `pebble notify <key>` in the
    /// workload would, and fires `<container>-pebble-custom-notice`
    /// (`ops.testing.Harness.pebble_notify`); returns the notice id.
    pub fn pebble_notify(
        &mut self,
        container: &str,
        key: &str,
        data: BTreeMap<String, String>,
    ) -> HResult<String> {
        let c = self.container_or_err(container)?;
        let notice = c.pebble.add_notice(key, data);
        self.fire(Event::pebble_custom_notice(container, &notice.id, key))?;
        Ok(notice.id)
    }

    /// Makes a check fail (`get_checks` reports it `down`) and fires
    /// `<container>-pebble-check-failed`.
    pub fn pebble_check_failed(&mut self, container: &str, check: &str) -> HResult {
        let c = self.container_or_err(container)?;
        c.pebble
            .set_check_status(check, charm_pebble::CheckStatus::Down);
        self.fire(Event::pebble_check_failed(container, check))
    }

    /// Makes a failed check pass again (`up`) and fires
    /// `<container>-pebble-check-recovered`.
    pub fn pebble_check_recovered(&mut self, container: &str, check: &str) -> HResult {
        let c = self.container_or_err(container)?;
        c.pebble
            .set_check_status(check, charm_pebble::CheckStatus::Up);
        self.fire(Event::pebble_check_recovered(container, check))
    }

    /// Answers commands starting with `prefix` in a container with `output`
    /// (`ops.testing.Harness.handle_exec` with a fixed result).
    pub fn handle_exec(
        &mut self,
        container: &str,
        prefix: &[&str],
        output: charm_pebble::ExecOutput,
    ) -> HResult {
        self.container_or_err(container)?
            .pebble
            .add_exec(prefix, output);
        Ok(())
    }

    /// A container, with its Pebble ([`FakePebble`](charm_pebble::FakePebble)) to inspect
    /// or prepare.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.state.get_container(name)
    }

    /// Runs only the charm's collect-status handlers (`collect_unit_status`,
    /// `collect_app_status` for the leader) and keeps the statuses they set.
    pub fn evaluate_status(&mut self) -> HResult {
        self.fire(Event::hook("collect-status"))
    }

    /// Makes `content` the file of resource `name` (`resource-get` gives its path), as
    /// `ops`' `Harness.add_resource`; returns the path.
    pub fn add_resource(
        &mut self,
        name: &str,
        content: impl AsRef<[u8]>,
    ) -> HResult<std::path::PathBuf> {
        let invalid = |e: std::io::Error| HarnessError::Invalid(format!("resource {name:?}: {e}"));
        if self.resources.is_none() {
            self.resources = Some(tempfile::tempdir().map_err(invalid)?);
        }
        let root = self.resources.as_ref().map(|d| d.path().to_path_buf());
        let dir = root.unwrap_or_default().join(name);
        std::fs::create_dir_all(&dir).map_err(invalid)?;
        let filename = self
            .ctx
            .meta()
            .resources
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.filename.clone())
            .unwrap_or_else(|| name.to_string());
        let path = dir.join(filename);
        std::fs::write(&path, content).map_err(invalid)?;
        self.state.resources.insert(name.to_string(), path.clone());
        Ok(path)
    }

    /// Sets how many units the application is meant to have (`goal-state`), as `ops`'
    /// `Harness.set_planned_units`. No hook fires.
    pub fn set_planned_units(&mut self, units: u32) {
        self.state.planned_units = Some(units);
    }

    /// Gives the unit `address` on a binding (`network-get`), or on every declared
    /// endpoint and `juju-info` when `binding` is `None`, as `ops`' `Harness.add_network`.
    pub fn add_network(&mut self, address: &str, binding: Option<&str>) {
        let network = crate::network::Network::single(address);
        let bindings: Vec<String> = match binding {
            Some(b) => vec![b.to_string()],
            None => self
                .ctx
                .meta()
                .endpoints
                .iter()
                .map(|e| e.name.clone())
                .chain(["juju-info".to_string()])
                .collect(),
        };
        for b in bindings {
            self.state.networks.insert(b, network.clone());
        }
    }

    /// Trusts the application with `spec` (`credential-get` answers it), as `ops`'
    /// `Harness.set_cloud_spec`.
    pub fn set_cloud_spec(&mut self, spec: crate::cloud::CloudSpec) {
        self.state.cloud_spec = Some(spec);
    }

    /// The ports the unit has opened.
    pub fn opened_ports(&self) -> &std::collections::BTreeSet<crate::port::Port> {
        &self.state.opened_ports
    }

    /// The workload version the charm set, as `ops`' `Harness.get_workload_version`.
    pub fn workload_version(&self) -> Option<&str> {
        self.state.workload_version.as_deref()
    }

    /// How many times a hook asked for a reboot (`juju-reboot`), as `ops`'
    /// `Harness.reboot_count`.
    pub fn reboot_count(&self) -> usize {
        self.history
            .iter()
            .filter(|(_, out)| out.reboot.is_some())
            .count()
    }
}
