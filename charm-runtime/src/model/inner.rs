//! The per-hook caches behind [`Context`](super::Context): what was read, what is to be
//! written, and Juju's limits on the charm state.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use crate::backend::{HookTools, LogLevel};
use crate::env::JujuEnv;
use crate::error::{Error, Result};
use crate::port::Port;
use crate::relation::{Relation, RelationId, Role};
use crate::secret::{SecretContent, SecretId, SecretMeta};
use crate::status::Status;

type BagKey = (RelationId, bool, String);

#[derive(Default)]
pub(super) struct BagState {
    loaded: Option<BTreeMap<String, String>>,
    pending: BTreeMap<String, Option<String>>,
}

/// Shared per-hook state behind [`Context`] and the [`Relation`] handles.
pub(crate) struct ModelInner {
    pub(crate) tools: Rc<dyn HookTools>,
    pub(crate) env: JujuEnv,
    pub(super) endpoints: Vec<(String, Role)>,
    pub(super) leader: Cell<Option<bool>>,
    pub(super) config: RefCell<Option<serde_json::Map<String, serde_json::Value>>>,
    pub(super) relation_ids: RefCell<HashMap<String, Vec<RelationId>>>,
    pub(super) units: RefCell<HashMap<RelationId, Vec<String>>>,
    pub(super) remote_apps: RefCell<HashMap<RelationId, Option<String>>>,
    pub(super) bags: RefCell<BTreeMap<BagKey, BagState>>,
    pub(super) unit_status: RefCell<Option<Status>>,
    pub(super) app_status: RefCell<Option<Status>>,
    pub(super) workload_version: RefCell<Option<String>>,
    pub(super) state: RefCell<Option<BTreeMap<String, String>>>,
    pub(super) state_pending: RefCell<BTreeMap<String, Option<String>>>,
    pub(crate) action_results: RefCell<BTreeMap<String, String>>,
    pub(crate) action_failure: RefCell<Option<String>>,
    /// The handler running now, for [`Context::defer`].
    pub(crate) running: RefCell<Option<crate::deferred::Running>>,
    /// Relations a deferred event referred to that no longer exist: their bags read as
    /// empty and writes to them are dropped.
    pub(crate) gone: RefCell<BTreeSet<RelationId>>,
    /// Secret changes, applied in order at the flush (Juju applies them only if the hook
    /// succeeds; buffering them makes every backend behave so).
    pub(super) secret_ops: RefCell<Vec<SecretOp>>,
    /// The ports as this hook left them: the committed ones (read once) with its own
    /// `open-port`/`close-port` on top, for [`Context::set_ports`].
    pub(super) ports: RefCell<Option<BTreeSet<Port>>>,
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
        self.flush_secrets()?;
        self.flush_bags()?;
        self.flush_state()?;
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

    /// The hook's secret changes, in the order it made them.
    fn flush_secrets(&self) -> Result<()> {
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
        Ok(())
    }

    /// Each databag's changes: one `relation-set` per bag, of the keys whose value changed.
    fn flush_bags(&self) -> Result<()> {
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
        Ok(())
    }

    /// The charm state's changes: one `state-set`, within Juju's quota, and the deletions.
    fn flush_state(&self) -> Result<()> {
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
