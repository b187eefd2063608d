//! [`MemoryTools`]: the hook tools, in memory, over a [`State`].
//!
//! Every tool is answered by `juju_model`, the rules the local simulator's hook tools
//! follow too: the same permission checks, the same Juju error texts and exit codes
//! (turned into the same typed [`Error`]s as [`ProcessTools`](crate::backend::ProcessTools)
//! produces, by the same classification). As Juju's hook context it keeps what the hook
//! started from and what it changed: relation-set, secret add/set/grant/revoke/remove,
//! secret tracking and state-set/delete are pending, seen by the hook's own reads and
//! committed by [`MemoryTools::finish`] only when the hook exited 0; status-set,
//! application-version-set and juju-log are immediate and stay either way.

use std::cell::RefCell;
use std::collections::BTreeMap;

use juju_model::{HookContext, RelationFlag, RelationGet, RelationHookKind, Secrets};
use serde_json::{Map, Value};

use crate::backend::argv;
use crate::backend::{classify, HookTools, LogLevel};
use crate::cloud::CloudSpec;
use crate::env::RelationHook;
use crate::error::{Error, Result};
use crate::goal_state::{GoalState, GoalStatus};
use crate::network::Network;
use crate::port::Port;
use crate::relation::{RelationId, Role};
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretMeta, SecretRead};
use crate::status::Status;

use super::state::{next_secret_id, State};
use super::view::{apply, core_secrets, from_core, MemoryView};

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
    /// The application's config, as `config-get` shows it.
    pub(crate) config: serde_json::Map<String, Value>,
    /// Whether the hook runs in Juju's restricted context (`collect-metrics`,
    /// `meter-status-changed`): nearly every tool fails.
    pub(crate) restricted: bool,
    pub(crate) hook: Option<HookRelation>,
    /// The running action's parameters (defaults filled in), if an action runs.
    pub(crate) action_params: Option<serde_json::Map<String, Value>>,
    /// Declared storage: name ⇒ (kind, declared location).
    pub(crate) storage: BTreeMap<String, (String, Option<String>)>,
    /// Declared endpoints' roles (they order a relation's key in Juju's messages).
    pub(crate) roles: BTreeMap<String, Role>,
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
    setup: Setup,
    unit_name: String,
    committed: State,
    /// The committed secrets, as `juju_model` keeps them.
    secrets: Secrets,
    /// The running hook: its relation, action and pending changes.
    hook: RefCell<juju_model::Hook>,
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
    /// The reboot the hook asked for with `juju-reboot`: `Some(true)` with `--now`.
    pub reboot: Option<bool>,
    /// Why the controller refused to commit what the hook changed, though it exited 0
    /// (a charm state over Juju's quota: `juju_model::check_charm_state_commit`), as the
    /// uniter logs it: the hook failed and nothing of it was committed.
    pub commit_error: Option<String>,
}

impl MemoryTools {
    pub(crate) fn new(setup: Setup, state: State) -> Self {
        let unit_name = format!("{}/{}", setup.app_name, state.unit_id);
        let mut hook = juju_model::Hook::new(|| next_secret_id().xid().to_string());
        hook.relation = setup.hook.as_ref().and_then(|h| {
            let rel = state.get_relation(h.id)?;
            Some(juju_model::HookRelation {
                id: h.id.number(),
                endpoint: rel.endpoint.clone(),
                kind: relation_hook_kind(h.kind),
                remote_unit: h.remote_unit.clone(),
                remote_app: Some(rel.remote_app_or(&setup.app_name).to_string()),
            })
        });
        if let Some(params) = &setup.action_params {
            hook = hook.action(Value::Object(params.clone()));
        }
        hook.restricted = setup.restricted;
        MemoryTools {
            secrets: core_secrets(&state, &setup.app_name, &unit_name),
            setup,
            unit_name,
            committed: state,
            hook: RefCell::new(hook),
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
        let mut state = self.committed.clone();
        apply(
            &mut state,
            &self.hook.borrow().pending,
            true,
            &self.unit_name,
        );
        state
    }

    /// The calls made so far, argv-like.
    pub fn call_log(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    /// Ends the hook: commits the pending changes if `exit_code` is 0 and the controller
    /// takes them, drops them otherwise (keeping statuses and the workload version, which
    /// Juju applies at once). Call it once: it hands over what the hook recorded.
    pub fn finish(&self, exit_code: i32) -> Finished {
        let mut hook = self.hook.borrow_mut();
        let pending = std::mem::take(&mut hook.pending);
        let mut state = self.committed.clone();
        let commit_error = match (&pending.charm_state, exit_code) {
            (Some(s), 0) => juju_model::check_charm_state_commit(s, &self.committed.charm_state)
                .err()
                .map(|e| format!("cannot apply changes: {e}")),
            _ => None,
        };
        let commit = exit_code == 0 && commit_error.is_none();
        apply(&mut state, &pending, commit, &self.unit_name);
        Finished {
            commit_error,
            reboot: pending.reboot,
            state,
            logs: std::mem::take(&mut *self.logs.borrow_mut()),
            calls: std::mem::take(&mut *self.calls.borrow_mut()),
            tool_errors: std::mem::take(&mut *self.tool_errors.borrow_mut()),
            unit_status_history: std::mem::take(&mut *self.unit_status_history.borrow_mut()),
            app_status_history: std::mem::take(&mut *self.app_status_history.borrow_mut()),
            action: hook.action.take().map(|a| ActionOutput {
                results: flatten(&a.results),
                logs: a.logs,
                failure: a.failure,
            }),
        }
    }

    fn record(&self, argv: &[String]) {
        self.calls.borrow_mut().push(argv.join(" "));
    }

    /// Turns Juju's failure into the typed error production would give, and records it.
    fn fail(&self, argv: &[String], failure: juju_model::ToolError) -> Error {
        let stderr = failure.stderr();
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        let error = classify(&argv[0], &args, failure.code, &stderr);
        let copy = classify(&argv[0], &args, failure.code, &stderr);
        self.tool_errors.borrow_mut().push(ToolError {
            call: argv.join(" "),
            code: failure.code,
            message: failure.message,
            error: copy,
        });
        error
    }

    /// Runs tool `argv` through `juju_model`: records the call, maps a failure.
    fn tool<T>(
        &self,
        argv: Vec<String>,
        f: impl FnOnce(&mut HookContext) -> juju_model::Result<T>,
    ) -> Result<T> {
        self.record(&argv);
        let view = MemoryView {
            state: &self.committed,
            setup: &self.setup,
            unit: &self.unit_name,
            secrets: &self.secrets,
        };
        let mut hook = self.hook.borrow_mut();
        let mut cx = HookContext::new(&view, &mut hook);
        let result = cx.check_allowed(&argv[0]).and_then(|()| f(&mut cx));
        drop(hook);
        result.map_err(|failure| self.fail(&argv, failure))
    }
}

fn relation_hook_kind(kind: RelationHook) -> RelationHookKind {
    match kind {
        RelationHook::Created => RelationHookKind::Created,
        RelationHook::Joined => RelationHookKind::Joined,
        RelationHook::Changed => RelationHookKind::Changed,
        RelationHook::Departed => RelationHookKind::Departed,
        RelationHook::Broken => RelationHookKind::Broken,
    }
}

/// `action-set` results with nested keys joined by `.`.
fn flatten(results: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in results {
        match v {
            Value::Object(inner) => {
                for (ik, iv) in flatten(inner) {
                    out.insert(format!("{k}.{ik}"), iv);
                }
            }
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            other => {
                out.insert(k.clone(), other.to_string());
            }
        }
    }
    out
}

/// `values` as Juju gets them from the `--file -` stdin production writes
/// ([`argv::settings_stdin`]), read as Juju reads it (go-yaml v2, `juju_model::goyaml`):
/// what the charm would lose or be refused on a real controller, it loses or is refused
/// here too.
fn through_stdin(values: &BTreeMap<String, String>) -> juju_model::Result<juju_model::Bag> {
    juju_model::goyaml::read_settings(&argv::settings_stdin(values))
        .map_err(juju_model::ToolError::runtime)
}

/// `-r <id>`, as the relation tools' argv gives it.
fn r(id: &str) -> Option<RelationFlag<'_>> {
    Some(RelationFlag::r(id))
}

/// `--relation <number>`, as `secret-grant`/`secret-revoke`'s argv gives it.
fn relation_flag(number: &str) -> Option<RelationFlag<'_>> {
    Some(RelationFlag {
        flag: "--relation",
        value: number,
    })
}

/// `key#file=<tmp>/key`: what the recorded calls show for secret content (the values
/// never appear).
fn content_args(content: &SecretContent) -> Vec<String> {
    content
        .keys()
        .map(|k| format!("{k}#file=<tmp>/{k}"))
        .collect()
}

fn bag(content: &SecretContent) -> juju_model::Bag {
    content
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl HookTools for MemoryTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()> {
        self.tool(argv::juju_log(level, message), |cx| {
            cx.juju_log(level.as_str(), message)
        })?;
        self.logs.borrow_mut().push(LogLine {
            level,
            message: message.to_string(),
        });
        Ok(())
    }

    fn is_leader(&self) -> Result<bool> {
        self.tool(argv::is_leader(), |cx| cx.is_leader())
    }

    fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        self.tool(argv::config_get(), |cx| cx.config_get(false))
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        let ids = self.tool(argv::relation_ids(endpoint), |cx| {
            cx.relation_ids(Some(endpoint))
        })?;
        Ok(ids.iter().filter_map(|id| RelationId::parse(id)).collect())
    }

    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>> {
        let id = relation.to_string();
        self.tool(argv::relation_list(relation), |cx| cx.relation_list(r(&id)))
    }

    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>> {
        let id = relation.to_string();
        self.tool(argv::relation_remote_app(relation), |cx| {
            cx.relation_remote_app(r(&id)).map(Some)
        })
    }

    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>> {
        let id = relation.to_string();
        self.tool(argv::relation_get(relation, owner, app), |cx| {
            cx.relation_get(RelationGet {
                relation: r(&id),
                app,
                target: Some(owner),
            })
        })
    }

    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let id = relation.to_string();
        self.tool(argv::relation_set(relation, app), |cx| {
            cx.relation_set(r(&id), app, through_stdin(changes)?)
        })
    }

    fn status_set(&self, app: bool, status: &Status) -> Result<()> {
        self.tool(argv::status_set(app, status), |cx| {
            cx.status_set(status.kind().as_str(), status.message(), app)
        })?;
        let history = if app {
            &self.app_status_history
        } else {
            &self.unit_status_history
        };
        history.borrow_mut().push(status.clone());
        Ok(())
    }

    fn status_get(&self, app: bool) -> Result<Status> {
        self.tool(argv::status_get(app), |cx| match app {
            true => cx.app_status().map(|s| from_core(&s.status)),
            false => Ok(from_core(&cx.unit_status())),
        })
    }

    fn application_version_set(&self, version: &str) -> Result<()> {
        self.tool(argv::application_version_set(version), |cx| {
            cx.application_version_set(version)
        })
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId> {
        let argv = argv::secret_add(secret, &content_args(&secret.content));
        let expire = secret.expire.map(|e| e.to_arg());
        let uri = self.tool(argv, |cx| {
            cx.secret_add(&juju_model::SecretAdd {
                owner: Some(match secret.owner {
                    crate::secret::SecretOwner::Application => "application",
                    crate::secret::SecretOwner::Unit => "unit",
                }),
                label: secret.label.as_deref(),
                description: secret.description.as_deref(),
                expire: expire.as_deref(),
                rotate: secret.rotate.map(|r| r.as_str()),
                content: bag(&secret.content),
                ..juju_model::SecretAdd::default()
            })
        })?;
        SecretId::parse(&uri).ok_or_else(|| Error::msg(format!("secret-add printed {uri:?}")))
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent> {
        let content = self.tool(argv::secret_get(id, label, read), |cx| {
            cx.secret_get(juju_model::SecretGet {
                id: id.map(SecretId::as_str),
                label,
                peek: read == SecretRead::Peek,
                refresh: read == SecretRead::Refresh,
            })
        })?;
        Ok(SecretContent::from(content))
    }

    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo> {
        let info = self.tool(argv::secret_info_get(id, label), |cx| {
            cx.secret_info_get(id.map(SecretId::as_str), label)
        })?;
        Ok(SecretInfo {
            id: info.xid,
            revision: info.revision,
            label: info.label,
            description: info.description,
            expiry: info.expiry,
            rotation: info
                .rotation
                .as_deref()
                .and_then(crate::secret::RotatePolicy::parse),
        })
    }

    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()> {
        let args = content.map(content_args).unwrap_or_default();
        self.tool(argv::secret_set(id, label, &args), |cx| {
            cx.secret_set(&juju_model::SecretSet {
                id: id.as_str(),
                content: content.map(bag).unwrap_or_default(),
                label,
                ..juju_model::SecretSet::default()
            })
        })
    }

    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        let number = relation.number().to_string();
        self.tool(argv::secret_grant(id, relation, unit), |cx| {
            cx.secret_grant(id.as_str(), relation_flag(&number), unit)
        })
    }

    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        let number = relation.number().to_string();
        self.tool(argv::secret_revoke(id, relation, unit), |cx| {
            cx.secret_revoke(id.as_str(), relation_flag(&number), None, unit)
        })
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()> {
        self.tool(argv::secret_remove(id, revision), |cx| {
            cx.secret_remove(id.as_str(), revision)
        })
    }

    fn state_get(&self) -> Result<BTreeMap<String, String>> {
        self.tool(argv::state_get(), |cx| cx.state_get())
    }

    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        self.tool(argv::state_set(), |cx| cx.state_set(through_stdin(values)?))
    }

    fn state_delete(&self, key: &str) -> Result<()> {
        self.tool(argv::state_delete(key), |cx| cx.state_delete(key))
    }

    fn pebble(&self, container: &str) -> Box<dyn charm_pebble::Pebble> {
        match self
            .committed
            .containers
            .iter()
            .find(|c| c.name == container)
        {
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
        self.tool(argv::storage_list(name), |cx| cx.storage_list(Some(name)))
    }

    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        self.tool(argv::storage_get(id, key), |cx| cx.storage_get(id, key))
    }

    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        let params = self.tool(argv::action_get(), |cx| cx.action_get())?;
        Ok(params.as_object().cloned().unwrap_or_default())
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        self.tool(argv::action_set(results), |cx| cx.action_set(results))
    }

    fn action_log(&self, message: &str) -> Result<()> {
        self.tool(argv::action_log(message), |cx| cx.action_log(message))
    }

    fn action_fail(&self, message: &str) -> Result<()> {
        self.tool(argv::action_fail(message), |cx| {
            cx.action_fail(Some(message))
        })
    }

    fn open_port(&self, port: &Port, endpoints: &[&str]) -> Result<()> {
        self.set_port(argv::open_port(port, endpoints), port, endpoints, true)
    }

    fn close_port(&self, port: &Port, endpoints: &[&str]) -> Result<()> {
        self.set_port(argv::close_port(port, endpoints), port, endpoints, false)
    }

    fn opened_ports(&self) -> Result<Vec<Port>> {
        let ports = self.tool(argv::opened_ports(), |cx| cx.opened_ports())?;
        Ok(juju_model::unique_ranges(&ports)
            .iter()
            .filter_map(|r| r.to_string().parse().ok())
            .collect())
    }

    fn network_get(&self, binding: &str, relation: Option<RelationId>) -> Result<Network> {
        let id = relation.map(|r| r.to_string());
        self.tool(argv::network_get(binding, relation), |cx| {
            cx.network_get(binding, id.as_deref().map(RelationFlag::r))
        })
    }

    fn goal_state(&self) -> Result<GoalState> {
        let goal = self.tool(argv::goal_state(), |cx| cx.goal_state())?;
        let status = |s: juju_model::GoalStatus| GoalStatus {
            status: s.status,
            since: s.since,
        };
        Ok(GoalState {
            units: goal
                .units
                .into_iter()
                .map(|(k, s)| (k, status(s)))
                .collect(),
            relations: goal
                .relations
                .into_iter()
                .map(|(ep, m)| (ep, m.into_iter().map(|(k, s)| (k, status(s))).collect()))
                .collect(),
        })
    }

    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf> {
        self.tool(argv::resource_get(name), |cx| cx.resource_get(name))
            .map(std::path::PathBuf::from)
    }

    fn credential_get(&self) -> Result<CloudSpec> {
        let spec = self.tool(argv::credential_get(), |cx| cx.credential_get())?;
        serde_json::from_value(spec).map_err(|e| Error::ToolOutput {
            tool: "credential-get".into(),
            detail: e.to_string(),
        })
    }

    fn juju_reboot(&self, now: bool) -> Result<()> {
        self.tool(argv::juju_reboot(now), |cx| cx.juju_reboot(now))
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<()> {
        let directive = format!("{name}={count}");
        self.tool(argv::storage_add(name, count), |cx| {
            cx.storage_add(&[directive.as_str()])
        })
    }

    fn relation_model_get(&self, relation: RelationId) -> Result<String> {
        let id = relation.to_string();
        self.tool(argv::relation_model_get(relation), |cx| {
            cx.relation_model_uuid(r(&id))
        })
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>> {
        let ids = self.tool(argv::secret_ids(), |cx| cx.secret_ids())?;
        Ok(ids
            .iter()
            .filter_map(|x| SecretId::parse(&format!("secret:{x}")))
            .collect())
    }

    fn secret_set_info(&self, id: &SecretId, meta: &SecretMeta) -> Result<()> {
        let expire = meta.expire.map(|e| e.to_arg());
        self.tool(argv::secret_set_info(id, meta), |cx| {
            cx.secret_set(&juju_model::SecretSet {
                id: id.as_str(),
                label: meta.label.as_deref(),
                description: meta.description.as_deref(),
                expire: expire.as_deref(),
                rotate: meta.rotate.map(|r| r.as_str()),
                ..juju_model::SecretSet::default()
            })
        })
    }
}

impl MemoryTools {
    /// `open-port` or `close-port` of `port`, through the core.
    fn set_port(
        &self,
        argv: Vec<String>,
        port: &Port,
        endpoints: &[&str],
        open: bool,
    ) -> Result<()> {
        let range = juju_model::PortRange::parse(&port.to_string());
        self.tool(argv, |cx| {
            let range = range.map_err(juju_model::ToolError::usage)?;
            cx.set_port(&range, endpoints, open)
        })
    }
}
