//! [`MemoryTools`]: the hook tools, in memory, over a [`State`].
//!
//! It answers as Juju's unit agent does (research/juju-contract.md §2–§4): the same
//! outputs, the same permission rules, the same error texts (turned into the same typed
//! [`Error`]s as [`ProcessTools`](crate::backend::ProcessTools) produces, by the same
//! classification). Like Juju's hook context it keeps a **committed** state (what the
//! hook started from) and a **pending** one: relation-set, secret add/set/grant/revoke/
//! remove, secret tracking and state-set/delete change the pending state, which the hook's
//! own reads see; status-set, application-version-set and juju-log are immediate.
//! [`MemoryTools::finish`] commits the pending state when the hook exited 0 and drops it
//! otherwise, keeping the immediate changes, as Juju does (§3.5).

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::backend::argv;
use crate::backend::{classify, HookTools, LogLevel};
use crate::env::RelationHook;
use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretRead};
use crate::status::{Status, StatusKind};

use super::state::{next_secret_id, RelationKind, Secret, SecretOwner, State};

/// One `juju-log` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// A hook-tool call that failed, as Juju would have failed it.
#[derive(Debug)]
pub struct ToolError {
    /// The call, argv-like (`relation-get --format=json -r 3 --app - app`).
    pub call: String,
    /// The exit code Juju's tool would have exited with.
    pub code: i32,
    /// Juju's message (its stderr without `ERROR `), e.g. `permission denied`.
    pub message: String,
    /// The typed error the charm received.
    pub error: Error,
}

/// What the hook being run is, as far as relation membership goes.
#[derive(Debug, Clone)]
pub(crate) struct HookRelation {
    pub(crate) id: RelationId,
    pub(crate) kind: RelationHook,
    pub(crate) remote_unit: Option<String>,
}

/// What the backend needs to know beyond the [`State`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Setup {
    pub(crate) app_name: String,
    pub(crate) config_defaults: serde_json::Map<String, Value>,
    pub(crate) hook: Option<HookRelation>,
    /// The running action's parameters (defaults filled in), if an action runs.
    pub(crate) action_params: Option<serde_json::Map<String, Value>>,
    /// Declared storage: name ⇒ (kind, declared location).
    pub(crate) storage: BTreeMap<String, (String, Option<String>)>,
}

/// What an action did: its results, progress messages and failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOutput {
    /// `action-set` results (nested keys joined with `.`).
    pub results: BTreeMap<String, String>,
    /// `action-log` messages, in order.
    pub logs: Vec<String>,
    /// The `action-fail` message, if the action failed itself.
    pub failure: Option<String>,
}

/// The in-memory [`HookTools`]: Juju's hook tools over a [`State`].
///
/// Made by [`Context::backend`](super::Context::backend) (to call it directly) or by
/// [`Context::run`](super::Context::run) (which hands it to
/// [`dispatch`](crate::dispatch::dispatch), the production code path).
#[derive(Debug)]
pub struct MemoryTools {
    app_name: String,
    unit_name: String,
    config_defaults: serde_json::Map<String, Value>,
    hook: Option<HookRelation>,
    action_params: Option<serde_json::Map<String, Value>>,
    storage: BTreeMap<String, (String, Option<String>)>,
    action: RefCell<ActionOutput>,
    committed: State,
    pending: RefCell<State>,
    unit_status: RefCell<Option<Status>>,
    app_status: RefCell<Option<Status>>,
    workload_version: RefCell<Option<String>>,
    calls: RefCell<Vec<String>>,
    logs: RefCell<Vec<LogLine>>,
    tool_errors: RefCell<Vec<ToolError>>,
    unit_status_history: RefCell<Vec<Status>>,
    app_status_history: RefCell<Vec<Status>>,
}

/// What a hook left behind, from [`MemoryTools::finish`].
#[derive(Debug)]
pub struct Finished {
    /// The state after the hook: the pending state if it exited 0, else the committed
    /// one with the immediate changes (statuses, workload version).
    pub state: State,
    /// `juju-log` lines.
    pub logs: Vec<LogLine>,
    /// Every hook-tool call, argv-like, in order.
    pub calls: Vec<String>,
    /// The calls Juju would have failed.
    pub tool_errors: Vec<ToolError>,
    /// Unit statuses set, in order.
    pub unit_status_history: Vec<Status>,
    /// Application statuses set, in order.
    pub app_status_history: Vec<Status>,
    /// What the action did, if an action ran.
    pub action: Option<ActionOutput>,
}

type Failure = (i32, String);

impl MemoryTools {
    pub(crate) fn new(setup: Setup, state: State) -> Self {
        let unit_name = format!("{}/{}", setup.app_name, state.unit_id);
        MemoryTools {
            app_name: setup.app_name,
            unit_name,
            config_defaults: setup.config_defaults,
            hook: setup.hook,
            action_params: setup.action_params,
            storage: setup.storage,
            action: RefCell::new(ActionOutput::default()),
            pending: RefCell::new(state.clone()),
            committed: state,
            unit_status: RefCell::new(None),
            app_status: RefCell::new(None),
            workload_version: RefCell::new(None),
            calls: RefCell::new(Vec::new()),
            logs: RefCell::new(Vec::new()),
            tool_errors: RefCell::new(Vec::new()),
            unit_status_history: RefCell::new(Vec::new()),
            app_status_history: RefCell::new(Vec::new()),
        }
    }

    /// This unit's name.
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }

    /// The state as the hook sees it now, pending changes included.
    pub fn pending_state(&self) -> State {
        self.pending.borrow().clone()
    }

    /// The calls made so far, argv-like.
    pub fn call_log(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    /// Ends the hook: commits the pending changes if `exit_code` is 0, drops them
    /// otherwise (keeping statuses and the workload version, which Juju applies at once).
    /// Call it once: it hands over what the hook recorded.
    pub fn finish(&self, exit_code: i32) -> Finished {
        let mut state = if exit_code == 0 {
            std::mem::take(&mut *self.pending.borrow_mut())
        } else {
            self.committed.clone()
        };
        if let Some(s) = self.unit_status.borrow_mut().take() {
            state.unit_status = s;
        }
        if let Some(s) = self.app_status.borrow_mut().take() {
            state.app_status = s;
        }
        if let Some(v) = self.workload_version.borrow_mut().take() {
            state.workload_version = Some(v);
        }
        Finished {
            state,
            logs: std::mem::take(&mut *self.logs.borrow_mut()),
            calls: std::mem::take(&mut *self.calls.borrow_mut()),
            tool_errors: std::mem::take(&mut *self.tool_errors.borrow_mut()),
            unit_status_history: std::mem::take(&mut *self.unit_status_history.borrow_mut()),
            app_status_history: std::mem::take(&mut *self.app_status_history.borrow_mut()),
            action: self
                .action_params
                .as_ref()
                .map(|_| std::mem::take(&mut *self.action.borrow_mut())),
        }
    }

    fn record(&self, argv: &[String]) {
        self.calls.borrow_mut().push(argv.join(" "));
    }

    /// Turns Juju's failure into the typed error production would give, and records it.
    fn fail(&self, argv: &[String], (code, message): Failure) -> Error {
        let stderr = format!("ERROR {message}\n");
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        let error = classify(&argv[0], &args, code, &stderr);
        let copy = classify(&argv[0], &args, code, &stderr);
        self.tool_errors.borrow_mut().push(ToolError {
            call: argv.join(" "),
            code,
            message,
            error: copy,
        });
        error
    }

    /// Runs `f` as the tool `argv`: records the call, maps a failure.
    fn tool<T>(&self, argv: Vec<String>, f: impl FnOnce() -> Result<T, Failure>) -> Result<T> {
        self.record(&argv);
        f().map_err(|failure| self.fail(&argv, failure))
    }

    fn leader(&self) -> bool {
        self.committed.leader
    }

    fn relation_not_found(flag: &str, value: &str) -> Failure {
        (
            2,
            format!("invalid value \"{value}\" for flag {flag}: relation not found"),
        )
    }

    fn not_leader() -> Failure {
        (1, "this unit is not the leader".into())
    }

    /// Index of relation `id` in the pending state.
    fn relation_index(&self, id: RelationId, flag: &str) -> Result<usize, Failure> {
        self.pending
            .borrow()
            .relations
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| Self::relation_not_found(flag, &id.to_string()))
    }

    fn is_peer(&self, kind: RelationKind) -> bool {
        kind == RelationKind::Peer
    }

    /// The remote units `relation-list` shows for relation `index`.
    fn members(&self, index: usize) -> Vec<String> {
        let state = self.pending.borrow();
        let rel = &state.relations[index];
        let app = rel.remote_app_or(&self.app_name).to_string();
        let mut units: Vec<String> = rel
            .remote_units_data
            .keys()
            .map(|n| format!("{app}/{n}"))
            .filter(|u| *u != self.unit_name)
            .collect();
        if let Some(hook) = self.hook.as_ref().filter(|h| h.id == rel.id) {
            match hook.kind {
                RelationHook::Departed => {
                    units.retain(|u| Some(u) != hook.remote_unit.as_ref());
                }
                RelationHook::Broken => units.clear(),
                _ => {}
            }
        }
        units.sort();
        units
    }

    fn secret_index(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<usize, Failure> {
        let state = self.pending.borrow();
        let found = match (id, label) {
            (Some(id), _) => state.secrets.iter().position(|s| &s.id == id),
            (None, Some(label)) => state
                .secrets
                .iter()
                .position(|s| s.is_owned() && s.label.as_deref() == Some(label))
                .or_else(|| {
                    state
                        .secrets
                        .iter()
                        .position(|s| !s.is_owned() && s.label.as_deref() == Some(label))
                }),
            (None, None) => None,
        };
        found.ok_or_else(|| {
            let what = id
                .map(|i| i.xid().to_string())
                .or(label.map(str::to_string))
                .unwrap_or_default();
            (1, format!("secret \"{what}\" not found"))
        })
    }

    /// The checks Juju makes before changing an owned secret.
    fn check_manage(&self, secret: &Secret) -> Result<(), Failure> {
        match secret.owner {
            SecretOwner::Remote => Err((1, "permission denied".into())),
            SecretOwner::App if !self.leader() => Err(Self::not_leader()),
            _ => Ok(()),
        }
    }
}

impl HookTools for MemoryTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()> {
        self.record(&argv::juju_log(level, message));
        self.logs.borrow_mut().push(LogLine {
            level,
            message: message.to_string(),
        });
        Ok(())
    }

    fn is_leader(&self) -> Result<bool> {
        self.record(&argv::is_leader());
        Ok(self.leader())
    }

    fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        self.record(&argv::config_get());
        let mut values = self.config_defaults.clone();
        for (k, v) in &self.pending.borrow().config {
            values.insert(k.clone(), v.clone());
        }
        values.retain(|_, v| !v.is_null());
        Ok(values)
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        self.record(&argv::relation_ids(endpoint));
        let mut ids: Vec<RelationId> = self
            .pending
            .borrow()
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .map(|r| r.id)
            .collect();
        // Juju sorts `<endpoint>:<id>` as strings.
        ids.sort_by_key(|id| id.to_string());
        Ok(ids)
    }

    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>> {
        self.tool(argv::relation_list(relation), || {
            let index = self.relation_index(relation, "-r")?;
            Ok(self.members(index))
        })
    }

    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>> {
        self.tool(argv::relation_remote_app(relation), || {
            let index = self.relation_index(relation, "-r")?;
            let state = self.pending.borrow();
            Ok(Some(
                state.relations[index]
                    .remote_app_or(&self.app_name)
                    .to_string(),
            ))
        })
    }

    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>> {
        self.tool(argv::relation_get(relation, owner, app), || {
            let index = self.relation_index(relation, "-r")?;
            let pending = self.pending.borrow();
            let rel = &pending.relations[index];
            let remote_app = rel.remote_app_or(&self.app_name);
            let key = format!("{}:{}", rel.endpoint, rel.id);
            if !app {
                let Some((unit_app, number)) = owner.split_once('/') else {
                    return Err((
                        2,
                        format!("expected unit name, got application name \"{owner}\""),
                    ));
                };
                if owner == self.unit_name {
                    return Ok(rel.local_unit_data.clone());
                }
                let number: Option<u32> = number.parse().ok();
                let bag = number
                    .filter(|_| unit_app == remote_app)
                    .and_then(|n| rel.remote_units_data.get(&n));
                return match bag {
                    Some(bag) => Ok(bag.clone()),
                    None if number.is_none() => Err((2, format!("invalid unit name \"{owner}\""))),
                    None => Err((
                        1,
                        format!(
                            "cannot read settings for unit \"{owner}\" in relation \"{key}\": unit \"{owner}\": settings not found"
                        ),
                    )),
                };
            }
            let owner_app = owner.split('/').next().unwrap_or(owner);
            if owner_app == self.app_name {
                if self.is_peer(rel.kind) && !self.leader() {
                    // Followers read the controller's copy: committed data only.
                    let committed = self
                        .committed
                        .get_relation(relation)
                        .map(|r| r.local_app_data.clone())
                        .unwrap_or_default();
                    return Ok(committed);
                }
                if !self.leader() {
                    return Err((1, "permission denied".into()));
                }
                return Ok(rel.local_app_data.clone());
            }
            if owner_app == remote_app {
                return Ok(rel.remote_app_data.clone());
            }
            Err((
                1,
                format!("cannot read settings for application \"{owner_app}\" in relation \"{key}\": permission denied"),
            ))
        })
    }

    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()> {
        self.tool(argv::relation_set(relation, app), || {
            let index = self.relation_index(relation, "-r")?;
            if app && !self.leader() {
                return Err((1, "cannot write relation settings".into()));
            }
            let mut pending = self.pending.borrow_mut();
            let rel = &mut pending.relations[index];
            let bag = if app {
                &mut rel.local_app_data
            } else {
                &mut rel.local_unit_data
            };
            for (k, v) in changes {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
            Ok(())
        })
    }

    fn status_set(&self, app: bool, status: &Status) -> Result<()> {
        self.tool(
            argv::status_set(app, status),
            || {
                if matches!(status.kind(), StatusKind::Unknown | StatusKind::Error) {
                    return Err((
                        2,
                        format!(
                            "invalid status \"{}\", expected one of [maintenance blocked waiting active]",
                            status.kind().as_str()
                        ),
                    ));
                }
                if app && !self.leader() {
                    return Err(Self::not_leader());
                }
                // Immediate: survives a failing hook.
                if app {
                    *self.app_status.borrow_mut() = Some(status.clone());
                    self.app_status_history.borrow_mut().push(status.clone());
                    self.pending.borrow_mut().app_status = status.clone();
                } else {
                    *self.unit_status.borrow_mut() = Some(status.clone());
                    self.unit_status_history.borrow_mut().push(status.clone());
                    self.pending.borrow_mut().unit_status = status.clone();
                }
                Ok(())
            },
        )
    }

    fn status_get(&self, app: bool) -> Result<Status> {
        self.tool(argv::status_get(app), || {
            let state = self.pending.borrow();
            if app {
                if !self.leader() {
                    return Err((
                        1,
                        "finding application status: this unit is not the leader".into(),
                    ));
                }
                Ok(state.app_status.clone())
            } else {
                Ok(state.unit_status.clone())
            }
        })
    }

    fn application_version_set(&self, version: &str) -> Result<()> {
        self.record(&argv::application_version_set(version));
        *self.workload_version.borrow_mut() = Some(version.to_string());
        self.pending.borrow_mut().workload_version = Some(version.to_string());
        Ok(())
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId> {
        let content_args: Vec<String> = secret
            .content
            .keys()
            .map(|k| format!("{k}#file=<tmp>/{k}"))
            .collect();
        self.tool(argv::secret_add(secret, &content_args), || {
            if secret.content.is_empty() {
                return Err((1, "empty secret value not valid".into()));
            }
            let owner = match secret.owner {
                crate::secret::SecretOwner::Application => {
                    if !self.leader() {
                        return Err(Self::not_leader());
                    }
                    SecretOwner::App
                }
                crate::secret::SecretOwner::Unit => SecretOwner::Unit,
            };
            let mut pending = self.pending.borrow_mut();
            if let Some(label) = &secret.label {
                if pending
                    .secrets
                    .iter()
                    .any(|s| s.owner == owner && s.label.as_ref() == Some(label))
                {
                    return Err((1, format!("secret with label \"{label}\" already exists")));
                }
            }
            let id = next_secret_id();
            let uri = SecretId::parse(&format!("secret://{}/{}", pending.model_uuid, id.xid()))
                .unwrap_or(id);
            let mut new = Secret::new(secret.content.clone())
                .id(uri.clone())
                .owner(owner);
            new.label = secret.label.clone();
            new.description = secret.description.clone();
            pending.secrets.push(new);
            Ok(uri)
        })
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent> {
        self.tool(argv::secret_get(id, label, read), || {
            let index = self.secret_index(id, label)?;
            let mut pending = self.pending.borrow_mut();
            let secret = &mut pending.secrets[index];
            if secret.owner == SecretOwner::Remote && !secret.granted {
                return Err((1, "permission denied".into()));
            }
            if let (Some(_), Some(label)) = (id, label) {
                secret.label = Some(label.to_string());
            }
            let revision = if secret.is_owned() {
                secret.latest_revision()
            } else {
                match read {
                    SecretRead::Tracked => secret.tracked_revision,
                    SecretRead::Peek => secret.latest_revision(),
                    SecretRead::Refresh => {
                        secret.tracked_revision = secret.latest_revision();
                        secret.tracked_revision
                    }
                }
            };
            secret
                .revisions
                .get(&revision)
                .cloned()
                .ok_or_else(|| (1, format!("secret revision {revision} not found")))
        })
    }

    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo> {
        self.tool(argv::secret_info_get(id, label), || {
            let index = self.secret_index(id, label)?;
            let pending = self.pending.borrow();
            let secret = &pending.secrets[index];
            if !secret.is_owned() {
                let what = id.map(|i| i.xid()).or(label).unwrap_or_default();
                return Err((1, format!("secret \"{what}\" not found")));
            }
            Ok(SecretInfo {
                id: secret.id.xid().to_string(),
                revision: secret.latest_revision(),
                label: secret.label.clone(),
            })
        })
    }

    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()> {
        let content_args: Vec<String> = content
            .map(|c| c.keys().map(|k| format!("{k}#file=<tmp>/{k}")).collect())
            .unwrap_or_default();
        self.tool(argv::secret_set(id, label, &content_args), || {
            let index = self.secret_index(Some(id), None)?;
            let mut pending = self.pending.borrow_mut();
            let secret = &mut pending.secrets[index];
            self.check_manage(secret)?;
            if let Some(content) = content {
                if secret.latest_content() != Some(content) {
                    let next = secret.latest_revision() + 1;
                    secret.revisions.insert(next, content.clone());
                }
            }
            if let Some(label) = label {
                secret.label = Some(label.to_string());
            }
            Ok(())
        })
    }

    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.grant_or_revoke(id, relation, unit, true)
    }

    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.grant_or_revoke(id, relation, unit, false)
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()> {
        self.tool(argv::secret_remove(id, revision), || {
            let index = self.secret_index(Some(id), None)?;
            let mut pending = self.pending.borrow_mut();
            self.check_manage(&pending.secrets[index])?;
            match revision {
                Some(rev) => {
                    let secret = &mut pending.secrets[index];
                    if secret.revisions.remove(&rev).is_none() {
                        return Err((1, format!("secret revision {rev} not found")));
                    }
                    if secret.revisions.is_empty() {
                        pending.secrets.remove(index);
                    }
                }
                None => {
                    pending.secrets.remove(index);
                }
            }
            Ok(())
        })
    }

    fn state_get(&self) -> Result<BTreeMap<String, String>> {
        self.record(&argv::state_get());
        Ok(self.pending.borrow().charm_state.clone())
    }

    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        self.record(&argv::state_set());
        let mut pending = self.pending.borrow_mut();
        for (k, v) in values {
            pending.charm_state.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    fn state_delete(&self, key: &str) -> Result<()> {
        self.record(&argv::state_delete(key));
        self.pending.borrow_mut().charm_state.remove(key);
        Ok(())
    }

    fn pebble(&self, container: &str) -> Box<dyn charm_pebble::Pebble> {
        let pending = self.pending.borrow();
        match pending.containers.iter().find(|c| c.name == container) {
            Some(c) => {
                c.pebble.set_ready(c.can_connect);
                Box::new(std::sync::Arc::clone(&c.pebble))
            }
            None => {
                // No such container in this unit: nothing answers.
                let fake = charm_pebble::FakePebble::new();
                fake.set_ready(false);
                Box::new(fake)
            }
        }
    }

    fn storage_list(&self, name: &str) -> Result<Vec<String>> {
        self.tool(argv::storage_list(name), || {
            let pending = self.pending.borrow();
            let mut ids: Vec<(u32, String)> = pending
                .storages
                .iter()
                .filter(|s| s.name == name)
                .map(|s| (s.index, s.id()))
                .collect();
            ids.sort();
            Ok(ids.into_iter().map(|(_, id)| id).collect())
        })
    }

    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        self.tool(argv::storage_get(id, key), || {
            let pending = self.pending.borrow();
            let Some(instance) = pending.storages.iter().find(|s| s.id() == id) else {
                return Err((
                    2,
                    format!("invalid value \"{id}\" for flag -s: storage not found"),
                ));
            };
            let (kind, declared) = self
                .storage
                .get(&instance.name)
                .cloned()
                .unwrap_or_else(|| ("filesystem".into(), None));
            match key {
                "location" => Ok(instance
                    .location
                    .as_ref()
                    .map(|l| l.display().to_string())
                    .or(declared)
                    .unwrap_or_else(|| {
                        format!("/var/lib/juju/storage/{}/{}", instance.name, instance.index)
                    })),
                "kind" => Ok(kind),
                other => Err((1, format!("invalid storage attribute \"{other}\""))),
            }
        })
    }

    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        self.tool(argv::action_get(), || {
            self.action_params.clone().ok_or_else(not_in_action)
        })
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        self.tool(argv::action_set(results), || {
            if self.action_params.is_none() {
                return Err(not_in_action());
            }
            for key in results.keys() {
                check_action_key(key)?;
            }
            self.action
                .borrow_mut()
                .results
                .extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
            Ok(())
        })
    }

    fn action_log(&self, message: &str) -> Result<()> {
        self.tool(argv::action_log(message), || {
            if self.action_params.is_none() {
                return Err(not_in_action());
            }
            self.action.borrow_mut().logs.push(message.to_string());
            Ok(())
        })
    }

    fn action_fail(&self, message: &str) -> Result<()> {
        self.tool(argv::action_fail(message), || {
            if self.action_params.is_none() {
                return Err(not_in_action());
            }
            self.action.borrow_mut().failure = Some(message.to_string());
            Ok(())
        })
    }
}

fn not_in_action() -> Failure {
    (1, "not running an action".into())
}

/// Juju's rule for `action-set` keys: lowercase alphanumerics, `-` and `.` inside, not a
/// reserved key.
fn check_action_key(key: &str) -> Result<(), Failure> {
    for part in key.split('.') {
        let ok = !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !part.starts_with('-')
            && !part.ends_with('-');
        if !ok {
            return Err((
                2,
                format!("key \"{key}\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"),
            ));
        }
    }
    if ["stdout", "stdout-encoding", "stderr", "stderr-encoding"].contains(&key) {
        return Err((2, format!("cannot set reserved action key \"{key}\"")));
    }
    Ok(())
}

impl MemoryTools {
    fn grant_or_revoke(
        &self,
        id: &SecretId,
        relation: RelationId,
        unit: Option<&str>,
        grant: bool,
    ) -> Result<()> {
        let argv = if grant {
            argv::secret_grant(id, relation, unit)
        } else {
            argv::secret_revoke(id, relation, unit)
        };
        self.tool(argv, || {
            let rel_index = self.relation_index(relation, "--relation")?;
            let index = self.secret_index(Some(id), None)?;
            let mut pending = self.pending.borrow_mut();
            let remote_app = pending.relations[rel_index]
                .remote_app_or(&self.app_name)
                .to_string();
            let secret = &mut pending.secrets[index];
            if !secret.is_owned() {
                return Err((1, format!("secret \"{}\" not found", id.xid())));
            }
            self.check_manage(secret)?;
            let target = match unit {
                Some(unit) => {
                    if unit.split('/').next() != Some(remote_app.as_str()) {
                        return Err((
                            2,
                            format!("cannot specify unit \"{unit}\" in relation to application \"{remote_app}\""),
                        ));
                    }
                    unit.to_string()
                }
                None => remote_app,
            };
            let grants = secret.grants.entry(relation).or_default();
            if grant {
                grants.insert(target);
            } else {
                grants.remove(&target);
                if grants.is_empty() {
                    secret.grants.remove(&relation);
                }
            }
            Ok(())
        })
    }
}
