//! The simulator's side of the hook tools: a running hook's context, the model as its
//! unit sees it ([`SimView`], the simulator's adapter to [`juju_model::Model`]), and the
//! answer to each tool call, which `juju_model::cli` computes.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

use juju_model::cli::{self, Request};
use juju_model::{Bag, RelationInfo, Secrets};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::hook::Hook;
use super::state::{new_xid, App, State, Unit};
use super::{Status, ToolCall};

/// What a tool process sends to the simulator.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ToolRequest {
    pub context_id: String,
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub cwd: String,
    #[serde(default)]
    pub wake: bool,
}

/// What the simulator answers.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ToolResponse {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A running hook (or action): who runs it, the core's [`juju_model::Hook`] with its
/// pending changes, and the tool calls so far.
#[derive(Debug)]
pub(crate) struct HookCtx {
    pub unit: String,
    pub app: String,
    pub context_id: String,
    pub hook: Option<Hook>,
    /// The action's name, when an action runs.
    pub action_name: Option<String>,
    /// The hook's name, or `action <name>`: what its log lines say they came from.
    pub hook_name: String,
    pub action_id: u64,
    pub tools: juju_model::Hook,
    /// The model's random state, advanced by each secret the hook adds.
    pub rng: Rc<Cell<u64>>,
    pub calls: Vec<ToolCall>,
}

impl HookCtx {
    /// The context of `hook` (or of an action with `params`) on `unit`, drawing new
    /// secret ids from `rng`.
    pub fn new(
        unit: &Unit,
        context_id: String,
        hook: Option<Hook>,
        action: Option<(&str, Value)>,
        rng: u64,
    ) -> HookCtx {
        let rng = Rc::new(Cell::new(rng));
        let seed = Rc::clone(&rng);
        let mut tools = juju_model::Hook::new(move || {
            let mut s = seed.get();
            let xid = new_xid(&mut s);
            seed.set(s);
            xid
        });
        tools.relation = hook.as_ref().and_then(Hook::tool_relation);
        let hook_name = match (&hook, &action) {
            (Some(h), _) => h.name(),
            (None, Some((name, _))) => format!("action {name}"),
            (None, None) => String::new(),
        };
        tools = tools.named(&hook_name);
        let action_name = action.as_ref().map(|(name, _)| name.to_string());
        if let Some((_, params)) = action {
            tools = tools.action(params);
        }
        HookCtx {
            unit: unit.name.clone(),
            app: unit.app.clone(),
            context_id,
            hook,
            action_name,
            hook_name,
            action_id: 0,
            tools,
            rng,
            calls: Vec::new(),
        }
    }

    /// Answers one tool call against `state` (the committed model) and the hook's
    /// pending changes, and records it.
    pub fn call(
        &mut self,
        state: &State,
        argv: &[String],
        stdin: Option<&str>,
        cwd: &str,
    ) -> ToolCall {
        let tool = argv.first().map(|a| cli::tool_name(a)).unwrap_or("");
        let call_argv: Vec<String> = std::iter::once(tool.to_string())
            .chain(argv.iter().skip(1).cloned())
            .collect();
        let response = match SimView::new(state, &self.unit) {
            Some(view) => {
                let request = Request {
                    argv,
                    stdin,
                    cwd: Path::new(cwd),
                };
                cli::run(&view, &mut self.tools, &request)
            }
            None => cli::Response {
                code: 1,
                stdout: String::new(),
                stderr: format!("ERROR unit {:?} is gone\n", self.unit),
            },
        };
        let call = ToolCall {
            argv: call_argv,
            stdin: stdin.map(str::to_string),
            exit_code: response.code,
            stdout: response.stdout,
            stderr: response.stderr,
        };
        self.calls.push(call.clone());
        call
    }
}

/// Handles one request from a tool process of the running hook.
pub(crate) fn handle(state: &State, ctx: &mut HookCtx, req: &ToolRequest) -> ToolResponse {
    let call = ctx.call(state, &req.argv, req.stdin.as_deref(), &req.cwd);
    ToolResponse {
        code: call.exit_code,
        stdout: call.stdout,
        stderr: call.stderr,
    }
}

/// The model as one unit sees it: the simulator's [`juju_model::Model`].
pub(crate) struct SimView<'a> {
    state: &'a State,
    unit: &'a Unit,
    app: &'a App,
}

impl<'a> SimView<'a> {
    /// The view of `unit`, if it (and its application) is in the model.
    pub fn new(state: &'a State, unit: &str) -> Option<SimView<'a>> {
        let unit = state.units.get(unit)?;
        let app = state.apps.get(&unit.app)?;
        Some(SimView { state, unit, app })
    }
}

impl juju_model::Model for SimView<'_> {
    fn model_uuid(&self) -> &str {
        &self.state.uuid
    }
    fn unit(&self) -> &str {
        &self.unit.name
    }
    fn app(&self) -> &str {
        &self.unit.app
    }
    fn is_leader(&self) -> bool {
        self.app.leader.as_deref() == Some(self.unit.name.as_str())
    }
    fn config(&self) -> Map<String, Value> {
        self.app.effective_config().into_iter().collect()
    }
    fn config_options(&self) -> Vec<String> {
        self.app.meta.config.keys().cloned().collect()
    }
    fn relation_ids(&self) -> Vec<u32> {
        self.unit.rels.keys().copied().collect()
    }
    fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
        let local = self.unit.rels.get(&id)?;
        let r = self.state.relations.get(&id)?;
        Some(RelationInfo {
            id,
            endpoint: r.endpoint_of(&self.unit.app)?,
            remote_app: r.remote_app(&self.unit.app),
            peer: r.is_peer(),
            joined: local.created,
            dying: r.dying,
        })
    }
    fn relation_key(&self, id: u32) -> String {
        self.state
            .relations
            .get(&id)
            .map(|r| r.key())
            .unwrap_or_default()
    }
    fn members(&self, id: u32) -> Vec<String> {
        self.unit
            .rels
            .get(&id)
            .map(|l| l.members.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn app_bag(&self, id: u32, app: &str) -> Option<&Bag> {
        Some(&self.state.relations.get(&id)?.app_bags.get(app)?.data)
    }
    fn unit_bag(&self, id: u32, unit: &str) -> Option<&Bag> {
        Some(&self.state.relations.get(&id)?.unit_bags.get(unit)?.data)
    }
    fn app_units(&self, app: &str) -> Vec<String> {
        let units = self.state.units.values();
        units
            .filter(|u| u.app == app)
            .map(|u| u.name.clone())
            .collect()
    }
    fn unit_dying(&self, unit: &str) -> bool {
        self.state.units.get(unit).is_some_and(|u| u.dying)
    }
    fn unit_status(&self, unit: &str) -> Status {
        self.state
            .units
            .get(unit)
            .map(|u| u.workload.clone())
            .unwrap_or_else(Status::unknown)
    }
    fn app_status(&self) -> Option<Status> {
        self.app.status.clone()
    }
    fn charm_state(&self) -> &Bag {
        &self.unit.state
    }
    fn secrets(&self) -> &Secrets {
        &self.state.secrets
    }
    fn opened_ports(&self) -> juju_model::OpenedPorts {
        self.unit.ports.clone()
    }
    fn address(&self) -> String {
        self.unit.address.clone()
    }
    fn declares_storage(&self, name: &str) -> bool {
        self.app.meta.storage.iter().any(|s| s == name)
    }
    fn resource(&self, name: &str) -> Option<String> {
        self.app
            .resources
            .get(name)
            .map(|p| p.display().to_string())
    }
    /// The simulator's cloud, to a trusted application: a local LXD-like cloud with a
    /// certificate credential, as `credential-get` prints one.
    fn cloud_spec(&self) -> Option<Value> {
        self.app.trusted.then(|| {
            serde_json::json!({
                "type": "lxd",
                "name": "localhost",
                "region": "localhost",
                "endpoint": "https://10.0.0.1:8443",
                "credential": {
                    "auth-type": "certificate",
                    "attrs": {"client-cert": "(simulated)", "client-key": "(simulated)"},
                    "redacted": ["client-key"],
                },
                "is-controller-cloud": true,
                "skip-tls-verify": false,
            })
        })
    }
    fn storage(&self) -> Vec<juju_model::StorageInstance> {
        super::containers::storage_instances(self.unit)
    }
    fn has_binding(&self, name: &str) -> bool {
        let meta = &self.app.meta;
        meta.endpoints.contains_key(name) || meta.extra_bindings.iter().any(|b| b.as_str() == name)
    }
}
