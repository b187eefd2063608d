//! The model as one hook sees it: [`Context`], which handlers receive, and the per-hook
//! caches behind it.
//!
//! Reads are lazy and cached for the hook (one `relation-get` per databag, one
//! `is-leader`, one `config-get`); writes are buffered and flushed once per databag when
//! every handler succeeded. A failed handler flushes nothing, so the hook leaves the model
//! as if it had never run and Juju retries it.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::backend::{HookTools, LogLevel};
use crate::config::CharmConfig;
use crate::env::JujuEnv;
use crate::error::{Error, Result};
use crate::relation::{Endpoint, One, Relation, RelationId, Role};
use crate::secret::{NewSecret, Secret, SecretContent, SecretId, SecretOwner};
use crate::status::Status;
use crate::Charm;

/// Proof that this unit is the leader, for this hook. Only [`Context::leader`] makes one.
///
/// Writing the application's own databag and setting the application status take a
/// `&Leader`, so a non-leader writing them does not compile:
///
/// ```compile_fail
/// let forged = charm_runtime::Leader { _private: () }; // error: field `_private` is private
/// ```
#[derive(Debug)]
pub struct Leader {
    _private: (),
}

type BagKey = (RelationId, bool, String);

#[derive(Default)]
struct BagState {
    loaded: Option<BTreeMap<String, String>>,
    pending: BTreeMap<String, Option<String>>,
}

/// Shared per-hook state behind [`Context`] and the [`Relation`] handles.
pub(crate) struct ModelInner {
    pub(crate) tools: Rc<dyn HookTools>,
    pub(crate) env: JujuEnv,
    endpoints: Vec<(String, Role)>,
    leader: Cell<Option<bool>>,
    config: RefCell<Option<serde_json::Map<String, serde_json::Value>>>,
    relation_ids: RefCell<HashMap<String, Vec<RelationId>>>,
    units: RefCell<HashMap<RelationId, Vec<String>>>,
    remote_apps: RefCell<HashMap<RelationId, Option<String>>>,
    bags: RefCell<BTreeMap<BagKey, BagState>>,
    unit_status: RefCell<Option<Status>>,
    app_status: RefCell<Option<Status>>,
    workload_version: RefCell<Option<String>>,
    state: RefCell<Option<BTreeMap<String, String>>>,
    state_pending: RefCell<BTreeMap<String, Option<String>>>,
    pub(crate) action_results: RefCell<BTreeMap<String, String>>,
    pub(crate) action_failure: RefCell<Option<String>>,
    /// The handler running now, for [`Context::defer`].
    pub(crate) running: RefCell<Option<crate::deferred::Running>>,
    /// Relations a deferred event referred to that no longer exist: their bags read as
    /// empty and writes to them are dropped.
    pub(crate) gone: RefCell<BTreeSet<RelationId>>,
    /// Secret changes, applied in order at the flush (Juju applies them only if the hook
    /// succeeds; buffering them makes every backend behave so).
    secret_ops: RefCell<Vec<SecretOp>>,
    /// Custom events emitted and not yet dispatched, in emission order.
    pub(crate) emitted: RefCell<std::collections::VecDeque<Emitted>>,
    /// Where the charm's components are (see [`crate::component`]).
    pub(crate) attachments: RefCell<Vec<crate::component::AttachmentRecord>>,
}

/// A custom event emitted and queued for dispatch.
pub(crate) struct Emitted {
    /// `database::database_created`, or the charm's `restart_needed`.
    pub(crate) name: String,
    pub(crate) payload: crate::event::Payload,
}

impl std::fmt::Debug for ModelInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("unit", &self.env.unit_name)
            .field("hook", &self.env.dispatch_path)
            .finish_non_exhaustive()
    }
}

/// A buffered secret change.
pub(crate) enum SecretOp {
    Set(SecretId, SecretContent),
    Grant(SecretId, RelationId, Option<String>),
    Revoke(SecretId, RelationId, Option<String>),
    Remove(SecretId, Option<u64>),
}

impl ModelInner {
    pub(crate) fn new(
        env: JujuEnv,
        tools: Rc<dyn HookTools>,
        endpoints: Vec<(String, Role)>,
    ) -> Self {
        ModelInner {
            tools,
            env,
            endpoints,
            leader: Cell::new(None),
            config: RefCell::new(None),
            relation_ids: RefCell::default(),
            units: RefCell::default(),
            remote_apps: RefCell::default(),
            bags: RefCell::default(),
            unit_status: RefCell::new(None),
            app_status: RefCell::new(None),
            workload_version: RefCell::new(None),
            state: RefCell::new(None),
            state_pending: RefCell::default(),
            action_results: RefCell::default(),
            action_failure: RefCell::new(None),
            running: RefCell::new(None),
            gone: RefCell::default(),
            secret_ops: RefCell::default(),
            emitted: RefCell::default(),
            attachments: RefCell::default(),
        }
    }

    /// Queues a custom event for dispatch after the running handlers.
    pub(crate) fn emit<E: crate::component::CustomEvent>(&self, name: String, event: E) {
        self.emitted.borrow_mut().push_back(Emitted {
            name,
            payload: crate::event::Payload::live(event),
        });
    }

    pub(crate) fn role(&self, endpoint: &str) -> Option<Role> {
        self.endpoints
            .iter()
            .find(|(name, _)| name == endpoint)
            .map(|(_, role)| *role)
    }

    pub(crate) fn is_leader(&self) -> Result<bool> {
        if let Some(l) = self.leader.get() {
            return Ok(l);
        }
        let l = self.tools.is_leader()?;
        self.leader.set(Some(l));
        Ok(l)
    }

    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        if self.tools.juju_log(level, message).is_err() {
            // juju-log failing must not fail the hook; stderr reaches Juju's log at WARNING.
            eprintln!("{}: {message}", level.as_str());
        }
    }

    pub(crate) fn config_values(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        if let Some(c) = self.config.borrow().as_ref() {
            return Ok(c.clone());
        }
        let c = self.tools.config_get()?;
        *self.config.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    fn broken_relation(&self) -> Option<RelationId> {
        match (&self.env.hook, &self.env.relation) {
            (
                crate::env::Hook::Relation {
                    kind: crate::env::RelationHook::Broken,
                    ..
                },
                Some(r),
            ) => Some(r.id),
            _ => None,
        }
    }

    pub(crate) fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        if let Some(ids) = self.relation_ids.borrow().get(endpoint) {
            return Ok(ids.clone());
        }
        let mut ids = self.tools.relation_ids(endpoint)?;
        // The relation being broken is still listed by Juju; it is going away.
        let broken = self.broken_relation();
        ids.retain(|id| Some(*id) != broken);
        ids.sort();
        self.relation_ids
            .borrow_mut()
            .insert(endpoint.to_string(), ids.clone());
        Ok(ids)
    }

    pub(crate) fn units(&self, id: RelationId) -> Result<Vec<String>> {
        if let Some(u) = self.units.borrow().get(&id) {
            return Ok(u.clone());
        }
        let mut units = self.tools.relation_list(id)?;
        units.sort_by(|a, b| unit_order(a, b));
        self.units.borrow_mut().insert(id, units.clone());
        Ok(units)
    }

    pub(crate) fn remote_app(&self, id: RelationId) -> Result<Option<String>> {
        if let Some(a) = self.remote_apps.borrow().get(&id) {
            return Ok(a.clone());
        }
        // One relation-list answers both questions for a relation with units.
        let units = self.units(id)?;
        let app = match units.first() {
            Some(u) => u.split('/').next().map(str::to_string),
            None => self.tools.relation_remote_app(id)?,
        };
        self.remote_apps.borrow_mut().insert(id, app.clone());
        Ok(app)
    }

    pub(crate) fn relation(self: &Rc<Self>, endpoint: &str, id: RelationId) -> Relation {
        let env_rel = self.env.relation.as_ref().filter(|r| r.id == id);
        let role = self.role(endpoint).unwrap_or(Role::Requirer);
        let remote_app = match role {
            Role::Peer => Some(self.env.app_name.clone()),
            _ => env_rel
                .and_then(|r| r.remote_app.clone())
                .or_else(|| self.remote_apps.borrow().get(&id).cloned().flatten()),
        };
        Relation {
            model: Rc::clone(self),
            id,
            endpoint: endpoint.into(),
            role,
            remote_app,
            active: Some(id) != self.broken_relation(),
        }
    }

    pub(crate) fn relations(self: &Rc<Self>, endpoint: &str) -> Result<Vec<Relation>> {
        if self.role(endpoint).is_none() {
            return Err(Error::UnknownEndpoint {
                name: endpoint.into(),
                declared: self
                    .endpoints
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(self
            .relation_ids(endpoint)?
            .into_iter()
            .map(|id| self.relation(endpoint, id))
            .collect())
    }

    pub(crate) fn bag_read(
        &self,
        id: RelationId,
        relation_key: &str,
        owner: &str,
        app: bool,
        active: bool,
    ) -> Result<BTreeMap<String, String>> {
        let key = (id, app, owner.to_string());
        let loaded = self.bags.borrow().get(&key).and_then(|b| b.loaded.clone());
        let mut map = match loaded {
            Some(m) => m,
            None if self.gone.borrow().contains(&id) => BTreeMap::new(),
            None => {
                let fetched = match self.tools.relation_get(id, owner, app) {
                    Ok(m) => m,
                    // A relation going away reads as empty, as in ops.
                    Err(Error::RelationNotFound { .. } | Error::PermissionDenied { .. })
                        if !active =>
                    {
                        BTreeMap::new()
                    }
                    Err(Error::RelationNotFound { .. }) => {
                        return Err(Error::RelationNotFound {
                            relation: relation_key.to_string(),
                        })
                    }
                    Err(e) => return Err(e.reading_databag(relation_key, owner)),
                };
                self.bags
                    .borrow_mut()
                    .entry(key.clone())
                    .or_default()
                    .loaded = Some(fetched.clone());
                fetched
            }
        };
        if let Some(state) = self.bags.borrow().get(&key) {
            for (k, v) in &state.pending {
                match v {
                    Some(v) => map.insert(k.clone(), v.clone()),
                    None => map.remove(k),
                };
            }
        }
        Ok(map)
    }

    pub(crate) fn bag_write(
        &self,
        id: RelationId,
        owner: &str,
        app: bool,
        key: String,
        value: Option<String>,
    ) {
        self.bags
            .borrow_mut()
            .entry((id, app, owner.to_string()))
            .or_default()
            .pending
            .insert(key, value);
    }

    pub(crate) fn push_secret_op(&self, op: SecretOp) {
        self.secret_ops.borrow_mut().push(op);
    }

    pub(crate) fn set_unit_status(&self, status: Status) {
        *self.unit_status.borrow_mut() = Some(status);
    }

    pub(crate) fn set_app_status(&self, status: Status) {
        *self.app_status.borrow_mut() = Some(status);
    }

    fn state(&self) -> Result<BTreeMap<String, String>> {
        if let Some(s) = self.state.borrow().as_ref() {
            return Ok(s.clone());
        }
        let s = self.tools.state_get()?;
        *self.state.borrow_mut() = Some(s.clone());
        Ok(s)
    }

    pub(crate) fn state_get(&self, key: &str) -> Result<Option<String>> {
        if let Some(v) = self.state_pending.borrow().get(key) {
            return Ok(v.clone());
        }
        Ok(self.state()?.get(key).cloned())
    }

    pub(crate) fn state_write(&self, key: &str, value: Option<String>) {
        self.state_pending
            .borrow_mut()
            .insert(key.to_string(), value);
    }

    /// Writes everything buffered: secret changes, one `relation-set` per changed databag
    /// (none to a relation found gone), charm state, action results, statuses. Called
    /// once, after every handler succeeded.
    pub(crate) fn flush(&self) -> Result<()> {
        let secret_ops = std::mem::take(&mut *self.secret_ops.borrow_mut());
        for op in secret_ops {
            match op {
                SecretOp::Set(id, content) => self.tools.secret_set(&id, Some(&content), None)?,
                SecretOp::Grant(id, rel, unit) => {
                    self.tools.secret_grant(&id, rel, unit.as_deref())?
                }
                SecretOp::Revoke(id, rel, unit) => {
                    self.tools.secret_revoke(&id, rel, unit.as_deref())?
                }
                SecretOp::Remove(id, revision) => self.tools.secret_remove(&id, revision)?,
            }
        }
        let bags = std::mem::take(&mut *self.bags.borrow_mut());
        for ((id, app, owner), state) in bags {
            if self.gone.borrow().contains(&id) {
                if state.pending.is_empty() {
                    continue;
                }
                self.log(
                    LogLevel::Warning,
                    &format!(
                        "dropping writes to relation {id}, databag of {owner} ({}): the relation no longer exists",
                        state.pending.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                    ),
                );
                continue;
            }
            let changes: BTreeMap<String, String> = state
                .pending
                .into_iter()
                .filter(|(k, v)| match &state.loaded {
                    Some(loaded) => loaded.get(k) != v.as_ref(),
                    None => true,
                })
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect();
            if !changes.is_empty() {
                self.tools.relation_set(id, app, &changes).map_err(|e| {
                    e.doing(&format!(
                        "writing relation {id}, databag of {owner}, keys {}",
                        changes
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            }
        }
        let pending = std::mem::take(&mut *self.state_pending.borrow_mut());
        let known = self.state.borrow().clone();
        let (sets, deletes): (BTreeMap<_, _>, BTreeMap<_, _>) =
            pending.into_iter().partition(|(_, v)| v.is_some());
        let sets: BTreeMap<String, String> = sets
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .filter(|(k, v)| known.as_ref().and_then(|s| s.get(k)) != Some(v))
            .collect();
        if !sets.is_empty() {
            self.tools.state_set(&sets)?;
        }
        for key in deletes.keys() {
            if known.as_ref().is_none_or(|s| s.contains_key(key)) {
                self.tools.state_delete(key)?;
            }
        }
        let results = std::mem::take(&mut *self.action_results.borrow_mut());
        if !results.is_empty() {
            self.tools.action_set(&results)?;
        }
        if let Some(message) = self.action_failure.borrow_mut().take() {
            self.tools.action_fail(&message)?;
        }
        if let Some(v) = self.workload_version.borrow_mut().take() {
            self.tools.application_version_set(&v)?;
        }
        if let Some(s) = self.app_status.borrow_mut().take() {
            self.tools.status_set(true, &s)?;
        }
        if let Some(s) = self.unit_status.borrow_mut().take() {
            self.tools.status_set(false, &s)?;
        }
        Ok(())
    }
}

/// Orders unit names by application, then unit number (`app/2` before `app/10`).
pub(crate) fn unit_order(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |u: &str| {
        let (app, n) = u.split_once('/').unwrap_or((u, ""));
        (
            app.to_string(),
            n.parse::<u64>().unwrap_or(u64::MAX),
            u.to_string(),
        )
    };
    split(a).cmp(&split(b))
}

/// What a handler receives: the model as this hook sees it.
///
/// `C` is the charm, so [`config`](Self::config) is typed and endpoint handles
/// (`Self::DB`) are checked.
pub struct Context<C: Charm> {
    pub(crate) model: Rc<ModelInner>,
    config: OnceCell<C::Config>,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("unit", &self.model.env.unit_name)
            .field("hook", &self.model.env.dispatch_path)
            .finish()
    }
}

impl<C: Charm> Context<C> {
    pub(crate) fn new(model: Rc<ModelInner>) -> Self {
        Context {
            model,
            config: OnceCell::new(),
            _charm: PhantomData,
        }
    }

    /// This unit's name, e.g. `webapp/1`.
    pub fn unit_name(&self) -> &str {
        &self.model.env.unit_name
    }
    /// This application's name, e.g. `webapp`.
    pub fn app_name(&self) -> &str {
        &self.model.env.app_name
    }
    /// The model's name.
    pub fn model_name(&self) -> &str {
        &self.model.env.model_name
    }
    /// The directory the charm runs in (`JUJU_CHARM_DIR`).
    pub fn charm_dir(&self) -> &Path {
        &self.model.env.charm_dir
    }
    /// A path relative to the charm directory (absolute paths are returned as they are).
    pub fn charm_path(&self, path: impl AsRef<Path>) -> PathBuf {
        self.model.env.charm_dir.join(path)
    }
    /// The hook being run, e.g. `hooks/db-relation-changed`.
    pub fn dispatch_path(&self) -> &str {
        &self.model.env.dispatch_path
    }

    /// `Some(Leader)` if this unit is the leader: the proof that writing the application
    /// databag and the application status require. One `is-leader` call per hook.
    pub fn leader(&self) -> Result<Option<Leader>> {
        Ok(self.model.is_leader()?.then_some(Leader { _private: () }))
    }

    /// The charm's configuration, typed. One `config-get` per hook.
    pub fn config(&self) -> Result<&C::Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let values = self.model.config_values()?;
        let config = C::Config::from_values(&values)?;
        Ok(self.config.get_or_init(|| config))
    }

    /// The relation on an endpoint that has at most one (`limit: 1`, or a peer endpoint);
    /// `None` if there is none. In that relation's `relation-broken`, `None`.
    pub fn relation<R>(&self, endpoint: Endpoint<R, One>) -> Result<Option<Relation>> {
        let mut all = self.model.relations(endpoint.name())?;
        match all.len() {
            0 => Ok(None),
            1 => Ok(all.pop()),
            count => Err(Error::TooManyRelations {
                endpoint: endpoint.name().into(),
                count,
            }),
        }
    }

    /// Every relation on an endpoint, by id (the one being broken left out).
    pub fn relations<R, M>(&self, endpoint: Endpoint<R, M>) -> Result<Vec<Relation>> {
        self.model.relations(endpoint.name())
    }

    /// Every relation on an endpoint named at run time; an unknown name is an error
    /// listing the declared endpoints.
    pub fn relations_named(&self, endpoint: &str) -> Result<Vec<Relation>> {
        self.model.relations(endpoint)
    }

    /// Sets this unit's workload status (at the end of the hook, if it succeeds).
    pub fn set_status(&self, status: Status) {
        self.model.set_unit_status(status);
    }

    /// Sets the application's status: the leader's privilege.
    pub fn set_app_status(&self, _leader: &Leader, status: Status) {
        self.model.set_app_status(status);
    }

    /// Sets the workload version `juju status` shows.
    pub fn set_workload_version(&self, version: impl Into<String>) {
        *self.model.workload_version.borrow_mut() = Some(version.into());
    }

    /// Writes a line to the unit's Juju log, now.
    pub fn log(&self, level: LogLevel, message: impl AsRef<str>) {
        self.model.log(level, message.as_ref());
    }
    /// `log(LogLevel::Debug, ..)`
    pub fn debug(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Debug, message);
    }
    /// `log(LogLevel::Info, ..)`
    pub fn info(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Info, message);
    }
    /// `log(LogLevel::Warning, ..)`
    pub fn warn(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Warning, message);
    }

    /// Creates a secret owned by the application (the leader's privilege).
    ///
    /// `secret-add` runs at once, since the id is needed; Juju discards the secret if the
    /// hook then fails. Content travels in files (mode 0600, in a fresh 0700 directory,
    /// removed as soon as the tool returns), never in argv.
    pub fn add_app_secret(
        &self,
        _leader: &Leader,
        content: SecretContent,
        label: Option<&str>,
    ) -> Result<Secret> {
        self.add_secret(SecretOwner::Application, content, label)
    }

    /// Creates a secret owned by this unit.
    pub fn add_unit_secret(&self, content: SecretContent, label: Option<&str>) -> Result<Secret> {
        self.add_secret(SecretOwner::Unit, content, label)
    }

    fn add_secret(
        &self,
        owner: SecretOwner,
        content: SecretContent,
        label: Option<&str>,
    ) -> Result<Secret> {
        content.validate()?;
        let id = self.model.tools.secret_add(&NewSecret {
            content,
            owner,
            label: label.map(str::to_string),
            description: None,
        })?;
        Ok(Secret {
            model: Rc::clone(&self.model),
            id: Some(id),
            label: label.map(str::to_string),
        })
    }

    /// A secret by id (nothing is read until asked).
    pub fn secret(&self, id: &SecretId) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: Some(id.clone()),
            label: None,
        }
    }

    /// A secret by the label this unit gave it (as owner, or as consumer).
    pub fn secret_by_label(&self, label: &str) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: None,
            label: Some(label.to_string()),
        }
    }

    /// A value of the unit's charm state (Juju's `state-get`), kept across hooks.
    pub fn state_get(&self, key: &str) -> Result<Option<String>> {
        self.model.state_get(key)
    }
    /// Sets a value of the charm state (flushed with `state-set` when the hook succeeds).
    pub fn state_set(&self, key: &str, value: impl Into<String>) {
        self.model.state_write(key, Some(value.into()));
    }
    /// Deletes a value of the charm state (when the hook succeeds).
    pub fn state_delete(&self, key: &str) {
        self.model.state_write(key, None);
    }

    /// The attached instances of a declared storage (`storage-list`), e.g. `data/0`.
    pub fn storage(&self, name: &str) -> Result<Vec<crate::workload::StorageInstance>> {
        Ok(self
            .model
            .tools
            .storage_list(name)?
            .into_iter()
            .map(|id| crate::workload::StorageInstance {
                model: Rc::clone(&self.model),
                id,
                location: None,
            })
            .collect())
    }

    /// A workload container, by its typed handle (`Self::WORKLOAD`).
    pub fn container(&self, name: crate::workload::ContainerName) -> crate::workload::Container {
        crate::workload::Container::new(&self.model, name.name())
    }

    /// Defers the event the running handler is handling: it is run again for this handler
    /// at the start of the next hook, before that hook's event, and again after that until
    /// the handler returns without deferring (as `ops`' `event.defer()`; see
    /// [`deferred`](crate::deferred)). The handler should still return `Ok`: an error fails
    /// the hook, and nothing of it, the deferral included, is kept.
    ///
    /// An error for events `ops` does not defer either: actions, `stop`, `remove`,
    /// `secret-rotate`, `secret-expired`, and the status collectors; and for the hooks
    /// of Juju's restricted context (`collect-metrics`, `meter-status-changed`), which
    /// have no charm state to keep a deferred event in.
    pub fn defer(&self) -> Result<()> {
        match self.model.running.borrow_mut().as_mut() {
            Some(running) => running.defer(),
            None => Err(Error::msg("defer() is only possible while a handler runs")),
        }
    }
}
