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
use crate::cloud::CloudSpec;
use crate::config::CharmConfig;
use crate::env::JujuEnv;
use crate::error::{Error, Result};
use crate::goal_state::GoalState;
use crate::network::Network;
use crate::port::Port;
use crate::relation::{Endpoint, One, Relation, RelationId, Role};
use crate::secret::{NewSecret, Secret, SecretContent, SecretId, SecretMeta, SecretOwner};
use crate::status::Status;
use crate::version::JujuVersion;
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
    /// The ports as this hook left them: the committed ones (read once) with its own
    /// `open-port`/`close-port` on top, for [`Context::set_ports`].
    ports: RefCell<Option<BTreeSet<Port>>>,
    /// A tool call whose change Juju commits only if the hook exits 0 was made already
    /// (`secret-add`, a tracking `secret-get`, any write of the flush): a failed action
    /// must then exit 1 for Juju to discard it.
    pub(crate) sent_pending: Cell<bool>,
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
    SetInfo(SecretId, SecretMeta),
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
            ports: RefCell::new(None),
            sent_pending: Cell::new(false),
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
        units.sort_by(|a, b| juju_model::names::unit_order(a, b));
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
        self.sent_pending.set(true);
        let secret_ops = std::mem::take(&mut *self.secret_ops.borrow_mut());
        for op in secret_ops {
            match op {
                SecretOp::Set(id, content) => crate::secret::set_content(self, &id, &content)?,
                SecretOp::SetInfo(id, meta) => self.tools.secret_set_info(&id, &meta)?,
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
            // The whole state after the hook, as far as this hook knows it (without a read,
            // only its own writes): Juju refuses the commit of more than its quota.
            let mut after = known.clone().unwrap_or_default();
            after.extend(sets.clone());
            after.retain(|k, _| !deletes.contains_key(k));
            check_state_total(&after, &sets)?;
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

/// The longest charm-state key Juju keeps, in bytes (`MaxCharmStateKeySize` in juju/juju's
/// [`core/quota/fixed_limits.go`](https://github.com/juju/juju/blob/3.6/core/quota/fixed_limits.go)).
pub const MAX_STATE_KEY: usize = 256;

/// The longest charm-state value Juju keeps, in bytes (`MaxCharmStateValueSize`, same
/// file). The whole state of a unit is limited too, by the controller's
/// `max-charm-state-size` (2 MiB by default).
pub const MAX_STATE_VALUE: usize = 64 * 1024;

/// The most charm state a unit keeps, in bytes as Juju counts it (the document the
/// controller stores: 5 bytes, and per key 7 bytes with the key and the value): the
/// controller's `max-charm-state-size`, 2 MiB by default (`DefaultMaxCharmStateSize` in
/// juju/juju's `controller/config.go`).
pub const MAX_STATE_SIZE: usize = 2 * 1024 * 1024;

/// Juju's check of the whole charm state when it commits a hook (the quota checkers of
/// juju/juju's `core/quota`, run by the controller's `unitSetStateOperation`): more than
/// [`MAX_STATE_SIZE`] and Juju fails the hook after it exited 0, committing nothing. An
/// error now instead, naming the largest keys this hook sets and the sizes.
pub(crate) fn check_state_total(
    state: &BTreeMap<String, String>,
    sets: &BTreeMap<String, String>,
) -> Result<()> {
    // Keys with `.` or `$` are stored escaped, each of those 2 bytes longer.
    let key_len = |k: &str| k.len() + 2 * k.matches(['.', '$']).count();
    let size = 5 + state
        .iter()
        .map(|(k, v)| 7 + key_len(k) + v.len())
        .sum::<usize>();
    if size <= MAX_STATE_SIZE {
        return Ok(());
    }
    let mut largest: Vec<(&String, usize)> = sets.iter().map(|(k, v)| (k, v.len())).collect();
    largest.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let mut named: Vec<String> = largest
        .iter()
        .take(3)
        .map(|(k, n)| format!("`{k}` ({n} bytes)"))
        .collect();
    if largest.len() > 3 {
        named.push(format!("{} more", largest.len() - 3));
    }
    Err(Error::msg(format!(
        "the charm state would be {size} bytes as Juju counts it, over Juju's limit of {MAX_STATE_SIZE} bytes per unit (persisting charm state: max allowed size ({MAX_STATE_SIZE}) exceeded); this hook sets {}: keep large data in a file or the workload",
        named.join(", ")
    )))
}

/// Juju's check of one charm-state key and value (`quota.CheckTupleSize`, called by
/// `state-set`), as an error that names the key and says what to do.
pub(crate) fn check_state_size(key: &str, value: &str) -> Result<()> {
    if key.len() > MAX_STATE_KEY {
        return Err(Error::msg(format!(
            "charm state key `{}…` is {} bytes long; Juju keeps keys of at most {MAX_STATE_KEY} bytes (max allowed key length ({MAX_STATE_KEY}) exceeded)",
            key.chars().take(40).collect::<String>(),
            key.len()
        )));
    }
    if value.len() > MAX_STATE_VALUE {
        return Err(Error::msg(format!(
            "charm state key `{key}`: the value is {} bytes; Juju keeps values of at most {MAX_STATE_VALUE} bytes (max allowed value length ({MAX_STATE_VALUE}) exceeded): keep large data in a file or the workload",
            value.len()
        )));
    }
    Ok(())
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

    /// The charm's configuration, or `None` after setting the unit's status to blocked
    /// when a value is invalid (wrong type, out of range, refused by its check): the
    /// operator sees `invalid config: config option `port`: must be at least 1024, got 80`
    /// in `juju status` and fixes it with `juju config`, which fires `config-changed`
    /// again.
    ///
    /// ```no_run
    /// # use charm_runtime::prelude::*;
    /// # #[derive(CharmConfig)] pub struct Cfg { #[option(default = 1)] port: u16 }
    /// # #[derive(Charm, Default)] #[charm(name = "d", summary = "s")] #[config(Cfg)] pub struct D;
    /// # fn f(ctx: &Context<D>) -> Result<()> {
    /// let Some(config) = ctx.config_or_block()? else { return Ok(()) };
    /// # let _ = config; Ok(()) }
    /// ```
    pub fn config_or_block(&self) -> Result<Option<&C::Config>> {
        match self.config() {
            Ok(c) => Ok(Some(c)),
            Err(e @ Error::Config { .. }) => {
                self.set_status(Status::blocked(format!("invalid config: {e}")));
                Ok(None)
            }
            Err(e) => Err(e),
        }
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

    /// Sets this unit's workload status (at the end of the hook, if it succeeds; to show
    /// a status while the hook runs, [`set_status_now`](Self::set_status_now)).
    pub fn set_status(&self, status: Status) {
        self.model.set_unit_status(status);
    }

    /// Sets the application's status: the leader's privilege.
    pub fn set_app_status(&self, _leader: &Leader, status: Status) {
        self.model.set_app_status(status);
    }

    /// Sets this unit's workload status now, with `status-set`, for the operator to see
    /// while the hook runs: a `maintenance` status before a long install or upgrade.
    ///
    /// [`set_status`](Self::set_status) sends the status once, at the end of a hook that
    /// succeeded; this one is sent at once and, as `status-set` always is in Juju, stays
    /// even if the hook then fails (`ops` sends every status so). A later `set_status`, or
    /// a status collector, replaces it at the end of the hook; a status set with
    /// `set_status` before this call is dropped.
    ///
    /// ```
    /// # use charm_runtime::prelude::*;
    /// # #[derive(Charm, Default)]
    /// # #[charm(name = "demo", summary = "s", description = "d")]
    /// # pub struct Demo;
    /// # #[handlers]
    /// # impl Demo {
    /// #[on(install)]
    /// fn install(&mut self, ctx: &mut Context<Self>) -> Result<()> {
    ///     ctx.set_status_now(Status::maintenance("installing packages"))?;
    ///     // ... minutes of work ...
    ///     ctx.set_status(Status::active(""));
    ///     Ok(())
    /// }
    /// # }
    /// # let out = charm_runtime::testing::Context::<Demo>::new()
    /// #     .run(charm_runtime::testing::Event::install(), charm_runtime::testing::State::new())
    /// #     .unwrap();
    /// # assert_eq!(out.unit_status_history, [Status::maintenance("installing packages"), Status::active("")]);
    /// ```
    pub fn set_status_now(&self, status: Status) -> Result<()> {
        self.model.unit_status.borrow_mut().take();
        self.model.tools.status_set(false, &status)
    }

    /// Sets the application's status now (see [`set_status_now`](Self::set_status_now)):
    /// the leader's privilege.
    pub fn set_app_status_now(&self, _leader: &Leader, status: Status) -> Result<()> {
        self.model.app_status.borrow_mut().take();
        self.model.tools.status_set(true, &status)
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
        let meta = SecretMeta {
            label: label.map(str::to_string),
            ..SecretMeta::default()
        };
        self.add_secret_with(owner, content, &meta)
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
    ///
    /// Juju keeps keys of at most [`MAX_STATE_KEY`] bytes and values of at most
    /// [`MAX_STATE_VALUE`] bytes: a larger one is an error now, naming the key (sent at
    /// the end, it would fail every run of the hook).
    pub fn state_set(&self, key: &str, value: impl Into<String>) -> Result<()> {
        let value = value.into();
        check_state_size(key, &value)?;
        self.model.state_write(key, Some(value));
        Ok(())
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

    /// The model's uuid (`JUJU_MODEL_UUID`).
    pub fn model_uuid(&self) -> &str {
        &self.model.env.model_uuid
    }
    /// The version of the Juju agent running the hook (`JUJU_VERSION`), typed and
    /// comparable: `ctx.juju_version() >= JujuVersion::new(3, 6, 2)`. A version Juju
    /// would never send reads as `0.0.0`, as `ops` reads a missing one.
    pub fn juju_version(&self) -> JujuVersion {
        self.model
            .env
            .juju_version
            .parse()
            .unwrap_or_else(|_| JujuVersion::new(0, 0, 0))
    }
    /// The availability zone of the unit's machine (`JUJU_AVAILABILITY_ZONE`), if any.
    pub fn availability_zone(&self) -> Option<&str> {
        self.model.env.placement.availability_zone.as_deref()
    }
    /// The unit's machine (`JUJU_MACHINE_ID`); none on Kubernetes.
    pub fn machine_id(&self) -> Option<&str> {
        self.model.env.placement.machine_id.as_deref()
    }
    /// For a subordinate, the unit it runs beside (`JUJU_PRINCIPAL_UNIT`).
    pub fn principal_unit(&self) -> Option<&str> {
        self.model.env.placement.principal_unit.as_deref()
    }

    /// This unit's workload status as Juju has it (`status-get`), or the one this hook
    /// set.
    pub fn unit_status(&self) -> Result<Status> {
        if let Some(s) = self.model.unit_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        self.model.tools.status_get(false)
    }
    /// The application's status (`status-get --application`; the leader's), or the one
    /// this hook set.
    pub fn app_status(&self, _leader: &Leader) -> Result<Status> {
        if let Some(s) = self.model.app_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        self.model.tools.status_get(true)
    }

    /// Opens `port` on every endpoint (`open-port`; Juju applies it when the hook
    /// succeeds).
    pub fn open_port(&self, port: Port) -> Result<()> {
        self.open_port_on(port, &[])
    }
    /// Opens `port` on these endpoints only (`open-port --endpoints`).
    pub fn open_port_on(&self, port: Port, endpoints: &[&str]) -> Result<()> {
        self.model.tools.open_port(&port, endpoints)?;
        if let Some(p) = self.model.ports.borrow_mut().as_mut() {
            p.insert(port);
        }
        Ok(())
    }
    /// Closes `port` (`close-port`; when the hook succeeds). Closing a port that is not
    /// open does nothing.
    pub fn close_port(&self, port: Port) -> Result<()> {
        self.model.tools.close_port(&port, &[])?;
        if let Some(p) = self.model.ports.borrow_mut().as_mut() {
            p.remove(&port);
        }
        Ok(())
    }
    /// The ports open when the hook started (`opened-ports`: Juju does not list this
    /// hook's own changes).
    pub fn opened_ports(&self) -> Result<BTreeSet<Port>> {
        Ok(self.model.tools.opened_ports()?.into_iter().collect())
    }
    /// Makes exactly `ports` open: opens the missing ones, closes the others (`ops`'
    /// `Unit.set_ports`). Calling it again in the same hook starts from where the last
    /// call left the ports.
    ///
    /// ```no_run
    /// # use charm_runtime::prelude::*;
    /// # use charm_runtime::port::Port;
    /// # fn f<C: Charm>(ctx: &Context<C>, tls: bool) -> Result<()> {
    /// ctx.set_ports([Port::tcp(if tls { 443 } else { 80 })])?;
    /// # Ok(()) }
    /// ```
    pub fn set_ports(&self, ports: impl IntoIterator<Item = Port>) -> Result<()> {
        let wanted: BTreeSet<Port> = ports.into_iter().collect();
        let current = match self.model.ports.borrow().clone() {
            Some(p) => p,
            None => self.opened_ports()?,
        };
        *self.model.ports.borrow_mut() = Some(current.clone());
        for port in current.difference(&wanted) {
            self.close_port(*port)?;
        }
        for port in wanted.difference(&current) {
            self.open_port(*port)?;
        }
        Ok(())
    }

    /// The unit's network on a binding: an endpoint's name, or `juju-info`
    /// (`network-get`).
    pub fn network(&self, binding: &str) -> Result<Network> {
        self.model.tools.network_get(binding, None)
    }
    /// The unit's network on the binding of `relation`'s endpoint, for that relation
    /// (`network-get -r`): the address to publish to its remote side.
    pub fn network_of(&self, relation: &Relation) -> Result<Network> {
        self.model
            .tools
            .network_get(relation.endpoint(), Some(relation.id()))
    }

    /// What the model is heading for (`goal-state`).
    pub fn goal_state(&self) -> Result<GoalState> {
        self.model.tools.goal_state()
    }
    /// How many units this application is meant to have (its units in the goal state
    /// that are not dying), as `ops`' `planned_units()`.
    pub fn planned_units(&self) -> Result<usize> {
        Ok(self.goal_state()?.planned_units())
    }

    /// The path of the unit's copy of resource `name` (`resource-get`).
    pub fn resource(&self, name: &str) -> Result<PathBuf> {
        self.model.tools.resource_get(name)
    }

    /// The model's cloud and credential (`credential-get`); the application must be
    /// trusted (`juju trust`), else [`Error::PermissionDenied`].
    pub fn cloud_spec(&self) -> Result<CloudSpec> {
        self.model.tools.credential_get()
    }

    /// Asks Juju to reboot the machine once the hook has finished (`juju-reboot`).
    pub fn request_reboot(&self) -> Result<()> {
        self.model.tools.juju_reboot(false)
    }
    /// Reboots the machine now (`juju-reboot --now`): Juju kills this process and runs
    /// the hook again after the reboot, so nothing after this call runs in production.
    /// (In a test, the call returns and the output records the reboot.)
    pub fn reboot_now(&self) -> Result<()> {
        self.model.tools.juju_reboot(true)
    }

    /// Asks for `count` more instances of declared storage `name` (`storage-add`; added
    /// when the hook succeeds, each then getting its `storage-attached`).
    pub fn add_storage(&self, name: &str, count: u32) -> Result<()> {
        self.model.tools.storage_add(name, count)
    }

    /// The uuid of the model `relation`'s remote application is in (`relation-model-get`,
    /// Juju 3.6.2 and later): another model's for a cross-model relation.
    pub fn remote_model_uuid(&self, relation: &Relation) -> Result<String> {
        self.model.tools.relation_model_get(relation.id())
    }

    /// Creates a secret owned by the application with a label, description, expiry and
    /// rotation policy (the leader's privilege).
    pub fn add_app_secret_with(
        &self,
        _leader: &Leader,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        self.add_secret_with(SecretOwner::Application, content, meta)
    }
    /// Creates a secret owned by this unit with a label, description, expiry and
    /// rotation policy.
    pub fn add_unit_secret_with(
        &self,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        self.add_secret_with(SecretOwner::Unit, content, meta)
    }
    fn add_secret_with(
        &self,
        owner: SecretOwner,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        content.validate()?;
        self.model.sent_pending.set(true);
        let id = self.model.tools.secret_add(&NewSecret {
            content,
            owner,
            label: meta.label.clone(),
            description: meta.description.clone(),
            expire: meta.expire,
            rotate: meta.rotate,
        })?;
        Ok(Secret {
            model: Rc::clone(&self.model),
            id: Some(id),
            label: meta.label.clone(),
        })
    }
    /// The ids of the secrets this unit (or its application) owns (`secret-ids`).
    pub fn secret_ids(&self) -> Result<Vec<SecretId>> {
        self.model.tools.secret_ids()
    }
    /// A secret by id, which this unit labels `label` on its first read
    /// (`secret-get <id> --label <label>`): later hooks find it with
    /// [`secret_by_label`](Self::secret_by_label), and `secret-changed` (and the other
    /// secret events) carry the label: that is how a library maps a secret back to the
    /// relation it came with. The owner may label its own secret the same way.
    pub fn secret_with_label(&self, id: &SecretId, label: &str) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: Some(id.clone()),
            label: Some(label.to_string()),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_over_juju_s_quota_is_an_error_naming_the_keys_and_the_sizes() {
        let full = "v".repeat(MAX_STATE_VALUE);
        let state: BTreeMap<String, String> = (0..32)
            .map(|i| (format!("k{i:02}"), full.clone()))
            .collect();
        // 5 + 32 × (7 + 3 + 65536) bytes, as Juju counts them.
        let err = check_state_total(&state, &state).unwrap_err().to_string();
        assert_eq!(
            err,
            "the charm state would be 2097477 bytes as Juju counts it, over Juju's limit of 2097152 bytes per unit (persisting charm state: max allowed size (2097152) exceeded); this hook sets `k00` (65536 bytes), `k01` (65536 bytes), `k02` (65536 bytes), 29 more: keep large data in a file or the workload"
        );
        let mut fits = state.clone();
        fits.remove("k31");
        assert!(check_state_total(&fits, &BTreeMap::new()).is_ok());
        // A `.` in a key is stored as 3 bytes: one byte over.
        let mut over: BTreeMap<String, String> = fits.clone();
        over.insert(
            "x".to_string(),
            "v".repeat(MAX_STATE_SIZE - 5 - 31 * 65546 - 7 - 1),
        );
        assert!(check_state_total(&over, &BTreeMap::new()).is_ok());
        let dotted = over.remove("x").unwrap();
        over.insert(".".into(), dotted);
        assert!(check_state_total(&over, &BTreeMap::new()).is_err());
    }
}
