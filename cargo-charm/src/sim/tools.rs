//! Server side of the hook tools: each tool call of a running hook is answered here,
//! against the committed model plus the hook's pending changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::flags::{boolean, parse, val, Flag, Parsed};
use super::output::{render, Format};
use super::state::{
    app_of, new_xid, parse_secret_id, sort_units, Consumer, Grantee, Hook, HookKind, Owner,
    Relation, Secret, State,
};
use super::{LogLine, Status, ToolCall};

/// Every hook tool the simulator provides (the names symlinked on `PATH`).
pub const TOOL_NAMES: &[&str] = &[
    "relation-get",
    "relation-set",
    "relation-ids",
    "relation-list",
    "relation-model-get",
    "is-leader",
    "config-get",
    "status-set",
    "status-get",
    "juju-log",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "secret-info-get",
    "state-get",
    "state-set",
    "state-delete",
    "application-version-set",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "network-get",
    "open-port",
    "close-port",
    "opened-ports",
    "goal-state",
];

/// A hook tool failure: `ERROR <message>` on stderr and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolError {
    pub code: i32,
    pub message: String,
}

impl ToolError {
    /// Usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> ToolError {
        ToolError {
            code: 2,
            message: message.into(),
        }
    }
    /// Runtime error (exit code 1).
    pub fn runtime(message: impl Into<String>) -> ToolError {
        ToolError {
            code: 1,
            message: message.into(),
        }
    }
}

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

/// State of a running action.
#[derive(Debug, Default)]
pub(crate) struct ActionCtx {
    pub params: Value,
    pub results: Map<String, Value>,
    pub failed: Option<String>,
    pub logs: Vec<String>,
}

/// A running hook (or action): identity and everything buffered until it exits.
#[derive(Debug)]
pub(crate) struct HookCtx {
    pub unit: String,
    pub app: String,
    pub context_id: String,
    pub hook: Option<Hook>,
    pub action: Option<ActionCtx>,
    pub leader: bool,
    pub hook_name: String,
    pub action_id: u64,
    pub rel_writes: BTreeMap<(u32, String), BTreeMap<String, String>>,
    pub state: Option<BTreeMap<String, String>>,
    pub ports: Option<BTreeSet<String>>,
    pub secrets: Option<BTreeMap<String, Secret>>,
    pub rng: u64,
    pub unit_status: Option<Status>,
    pub app_status: Option<Status>,
    pub app_version: Option<String>,
    pub logs: Vec<LogLine>,
    pub calls: Vec<ToolCall>,
}

type Res = Result<String, ToolError>;

fn go_quote_list(args: &[String]) -> String {
    let inner = args
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!("[{inner}]")
}

fn no_extra(args: &[String], allowed: usize) -> Result<(), ToolError> {
    if args.len() > allowed {
        return Err(ToolError::usage(format!(
            "unrecognized args: {}",
            go_quote_list(&args[allowed..])
        )));
    }
    Ok(())
}

const FMT: [Flag; 2] = [val(&["format"]), val(&["o", "output"])];

fn with_fmt(extra: &[Flag]) -> Vec<Flag> {
    let mut v = FMT.to_vec();
    v.extend_from_slice(extra);
    v
}

fn emit(p: &Parsed, cwd: &str, value: Value) -> Res {
    let out = render(&value, Format::parse(p.value("format"))?);
    if let Some(path) = p.value("o") {
        let path = Path::new(cwd).join(path);
        std::fs::write(&path, out)
            .map_err(|e| ToolError::runtime(format!("cannot write {}: {e}", path.display())))?;
        return Ok(String::new());
    }
    Ok(out)
}

pub(crate) fn is_valid_app_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

fn is_valid_unit_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((app, n)) => {
            is_valid_app_name(app) && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Handle one tool call.
pub(crate) fn handle(state: &State, ctx: &mut HookCtx, req: &ToolRequest) -> ToolResponse {
    let cmd = req
        .argv
        .first()
        .map(|a| {
            Path::new(a)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let args = req.argv.get(1..).unwrap_or_default();
    let result = dispatch(state, ctx, &cmd, args, req);
    let (code, stdout, stderr) = match result {
        Ok(out) => (0, out, String::new()),
        Err(e) => (e.code, String::new(), format!("ERROR {}\n", e.message)),
    };
    ctx.calls.push(ToolCall {
        argv: std::iter::once(cmd).chain(args.iter().cloned()).collect(),
        stdin: req.stdin.clone(),
        exit_code: code,
        stdout: stdout.clone(),
        stderr: stderr.clone(),
    });
    ToolResponse {
        code,
        stdout,
        stderr,
    }
}

fn dispatch(
    state: &State,
    ctx: &mut HookCtx,
    cmd: &str,
    args: &[String],
    req: &ToolRequest,
) -> Res {
    let t = Tools {
        state,
        req,
        cwd: &req.cwd,
    };
    match cmd {
        "relation-get" => t.relation_get(ctx, args),
        "relation-set" => t.relation_set(ctx, args),
        "relation-ids" => t.relation_ids(ctx, args),
        "relation-list" => t.relation_list(ctx, args),
        "relation-model-get" => {
            let p = parse(args, &with_fmt(&[val(&["r", "relation"])]))?;
            no_extra(&p.args, 0)?;
            t.relation(ctx, &p, "r")?;
            emit(&p, t.cwd, json!({ "uuid": state.uuid }))
        }
        "is-leader" => {
            let p = parse(args, &FMT)?;
            no_extra(&p.args, 0)?;
            emit(&p, t.cwd, Value::Bool(ctx.leader))
        }
        "config-get" => t.config_get(ctx, args),
        "status-set" => t.status_set(ctx, args),
        "status-get" => t.status_get(ctx, args),
        "juju-log" => t.juju_log(ctx, args),
        "application-version-set" => {
            let p = parse(args, &[])?;
            if p.args.is_empty() {
                return Err(ToolError::usage("no version specified"));
            }
            no_extra(&p.args, 1)?;
            ctx.app_version = Some(p.args[0].clone());
            Ok(String::new())
        }
        "state-get" => t.state_get(ctx, args),
        "state-set" => t.state_set(ctx, args),
        "state-delete" => {
            let p = parse(args, &[])?;
            if p.args.is_empty() {
                return Err(ToolError::usage("no key specified"));
            }
            no_extra(&p.args, 1)?;
            t.unit_state(ctx).remove(&p.args[0]);
            Ok(String::new())
        }
        "open-port" | "close-port" => t.port(ctx, args, cmd == "open-port"),
        "opened-ports" => {
            let p = parse(args, &with_fmt(&[boolean(&["endpoints"])]))?;
            no_extra(&p.args, 0)?;
            let unit = &state.units[&ctx.unit];
            let ports: Vec<Value> = unit
                .ports
                .iter()
                .map(|s| {
                    if p.flag("endpoints") {
                        Value::String(format!("{s} (*)"))
                    } else {
                        Value::String(s.clone())
                    }
                })
                .collect();
            emit(&p, t.cwd, Value::Array(ports))
        }
        "network-get" => t.network_get(ctx, args),
        "goal-state" => t.goal_state(ctx, args),
        "secret-add" => t.secret_add(ctx, args),
        "secret-get" => t.secret_get(ctx, args),
        "secret-set" => t.secret_set(ctx, args),
        "secret-grant" | "secret-revoke" => t.secret_grant(ctx, args, cmd == "secret-grant"),
        "secret-remove" => t.secret_remove(ctx, args),
        "secret-ids" => {
            let p = parse(args, &FMT)?;
            no_extra(&p.args, 0)?;
            let ids: Vec<Value> = t
                .secrets(ctx)
                .values()
                .filter(|s| owns(ctx, s))
                .map(|s| Value::String(s.xid.clone()))
                .collect();
            emit(&p, t.cwd, Value::Array(ids))
        }
        "secret-info-get" => t.secret_info_get(ctx, args),
        "action-get" | "action-set" | "action-log" | "action-fail" => t.action(ctx, cmd, args),
        other => Err(ToolError::runtime(format!("unknown hook command: {other}"))),
    }
}

fn owns(ctx: &HookCtx, s: &Secret) -> bool {
    match &s.owner {
        Owner::App(a) => a == &ctx.app,
        Owner::Unit(u) => u == &ctx.unit,
    }
}

fn read_kv_file(text: &str, what: &str) -> Result<BTreeMap<String, String>, ToolError> {
    let v: Value = serde_saphyr::from_str(text)
        .map_err(|e| ToolError::runtime(format!("cannot parse {what}: {e}")))?;
    let mut out = BTreeMap::new();
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, v) in m {
                let s = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return Err(ToolError::runtime(format!(
                            "cannot parse {what}: value for key {k:?} is not a string"
                        )))
                    }
                };
                out.insert(k, s);
            }
        }
        _ => {
            return Err(ToolError::runtime(format!(
                "cannot parse {what}: expected a map of strings"
            )))
        }
    }
    Ok(out)
}

fn parse_kv_args(args: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
    let mut out = BTreeMap::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(ToolError::usage(format!(
                "expected \"key=value\", got {a:?}"
            )));
        };
        if k.is_empty() {
            return Err(ToolError::usage(format!(
                "expected \"key=value\", got {a:?}"
            )));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

fn valid_secret_key(k: &str) -> bool {
    // ^([a-z](?:-?[a-z0-9]){2,})$
    let b = k.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut groups = 0;
    let mut i = 1;
    while i < b.len() {
        if b[i] == b'-' {
            i += 1;
        }
        if i >= b.len() || !(b[i].is_ascii_lowercase() || b[i].is_ascii_digit()) {
            return false;
        }
        groups += 1;
        i += 1;
    }
    groups >= 2
}

struct Tools<'a> {
    state: &'a State,
    req: &'a ToolRequest,
    cwd: &'a str,
}

impl<'a> Tools<'a> {
    fn stdin_or_file(&self, path: &str) -> Result<String, ToolError> {
        if path == "-" {
            return self
                .req
                .stdin
                .clone()
                .ok_or_else(|| ToolError::runtime("hook tool requires stdin, none supplied"));
        }
        let p = Path::new(self.cwd).join(path);
        std::fs::read_to_string(&p)
            .map_err(|e| ToolError::runtime(format!("cannot read {}: {e}", p.display())))
    }

    fn visible(&self, ctx: &HookCtx, id: u32) -> bool {
        let Some(local) = self.state.units[&ctx.unit].rels.get(&id) else {
            return false;
        };
        local.created
            || ctx
                .hook
                .as_ref()
                .is_some_and(|h| h.kind == HookKind::RelationCreated && h.relation == Some(id))
    }

    /// Resolve `-r`/`--relation` (digits after the last `:`), defaulting to the hook's relation.
    fn relation(&self, ctx: &HookCtx, p: &Parsed, flag: &str) -> Result<&'a Relation, ToolError> {
        let id = match p.value(flag) {
            Some(v) => {
                let digits = v.rsplit(':').next().unwrap_or(v);
                let id: u32 = digits.parse().map_err(|_| {
                    ToolError::usage(format!(
                        "invalid value {v:?} for flag {}: invalid relation id",
                        p.spelling(flag)
                    ))
                })?;
                if !self.visible(ctx, id) {
                    return Err(ToolError::usage(format!(
                        "invalid value {v:?} for flag {}: relation not found",
                        p.spelling(flag)
                    )));
                }
                id
            }
            None => ctx
                .hook
                .as_ref()
                .and_then(|h| h.relation)
                .filter(|id| self.visible(ctx, *id))
                .ok_or_else(|| ToolError::usage("no relation id specified"))?,
        };
        self.state
            .relations
            .get(&id)
            .ok_or_else(|| ToolError::runtime("relation not found"))
    }

    /// Membership as this hook sees it.
    fn members(&self, ctx: &HookCtx, rel: u32) -> Vec<String> {
        let local = &self.state.units[&ctx.unit].rels[&rel];
        let mut m: BTreeSet<String> = local.members.keys().cloned().collect();
        if let Some(h) = &ctx.hook {
            if h.relation == Some(rel) {
                match h.kind {
                    HookKind::RelationJoined => {
                        m.extend(h.remote_unit.clone());
                    }
                    HookKind::RelationDeparted => {
                        if let Some(r) = &h.remote_unit {
                            m.remove(r);
                        }
                    }
                    HookKind::RelationBroken => m.clear(),
                    _ => {}
                }
            }
        }
        let mut v: Vec<String> = m.into_iter().collect();
        sort_units(&mut v);
        v
    }

    fn own_bag(
        &self,
        ctx: &HookCtx,
        rel: &Relation,
        owner: &str,
        app: bool,
    ) -> BTreeMap<String, String> {
        if let Some(p) = ctx.rel_writes.get(&(rel.id, owner.to_string())) {
            return p.clone();
        }
        let bag = if app {
            rel.app_bags.get(owner)
        } else {
            rel.unit_bags.get(owner)
        };
        bag.map(|b| b.data.clone()).unwrap_or_default()
    }

    fn relation_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[val(&["r", "relation"]), boolean(&["app"])]),
        )?;
        no_extra(&p.args, 2)?;
        let rel = self.relation(ctx, &p, "r")?;
        let key = p.args.first().filter(|k| k.as_str() != "-").cloned();
        let mut app_mode = p.flag("app");
        let hook_rel = ctx.hook.as_ref().filter(|h| h.relation == Some(rel.id));
        let target = match p.args.get(1) {
            Some(t) => t.clone(),
            None => {
                let remote_unit = hook_rel
                    .and_then(|h| h.remote_unit.clone())
                    .filter(|u| !u.is_empty());
                let remote_app = hook_rel.and_then(|h| h.remote_app.clone());
                if app_mode {
                    remote_app
                        .ok_or_else(|| ToolError::usage("no unit or application specified"))?
                } else if let Some(u) = remote_unit {
                    u
                } else if let Some(a) = remote_app {
                    app_mode = true;
                    a
                } else {
                    return Err(ToolError::usage("no unit or application specified"));
                }
            }
        };
        let target = if target.contains('/') {
            if !is_valid_unit_name(&target) {
                return Err(ToolError::usage(format!("invalid unit name {target:?}")));
            }
            if app_mode {
                app_of(&target).to_string()
            } else {
                target
            }
        } else if app_mode {
            target
        } else if is_valid_app_name(&target) {
            return Err(ToolError::usage(format!(
                "expected unit name, got application name {target:?}"
            )));
        } else {
            return Err(ToolError::usage(format!("invalid unit name {target:?}")));
        };
        let remote_app = rel.remote_app(&ctx.app);
        let bag = if app_mode {
            if target == ctx.app {
                if ctx.leader {
                    self.own_bag(ctx, rel, &target, true)
                } else if rel.is_peer() {
                    rel.app_bags
                        .get(&target)
                        .map(|b| b.data.clone())
                        .unwrap_or_default()
                } else {
                    return Err(ToolError::runtime("permission denied"));
                }
            } else if target == remote_app {
                rel.app_bags
                    .get(&target)
                    .map(|b| b.data.clone())
                    .unwrap_or_default()
            } else {
                return Err(ToolError::runtime("permission denied"));
            }
        } else if target == ctx.unit {
            self.own_bag(ctx, rel, &target, false)
        } else if app_of(&target) == remote_app {
            match rel.unit_bags.get(&target) {
                Some(b) => b.data.clone(),
                None => {
                    return Err(ToolError::runtime(format!(
                        "cannot read settings for unit {target:?} in relation {:?}: unit {target:?}: settings not found",
                        rel.key()
                    )))
                }
            }
        } else {
            return Err(ToolError::runtime("permission denied"));
        };
        let value = match key {
            Some(k) => bag
                .get(&k)
                .cloned()
                .map(Value::String)
                .unwrap_or(Value::Null),
            None => Value::Object(
                bag.into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ),
        };
        emit(&p, self.cwd, value)
    }

    fn relation_set(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[val(&["r", "relation"]), boolean(&["app"]), val(&["file"])]),
        )?;
        let kv = parse_kv_args(&p.args)?;
        let rel = self.relation(ctx, &p, "r")?;
        let mut settings = match p.value("file") {
            Some(f) => read_kv_file(&self.stdin_or_file(f)?, "settings")?,
            None => BTreeMap::new(),
        };
        settings.extend(kv);
        let app = p.flag("app");
        if app && !ctx.leader {
            return Err(ToolError::runtime("cannot write relation settings"));
        }
        let owner = if app {
            ctx.app.clone()
        } else {
            ctx.unit.clone()
        };
        let mut bag = self.own_bag(ctx, rel, &owner, app);
        for (k, v) in settings {
            if v.is_empty() {
                bag.remove(&k);
            } else {
                bag.insert(k, v);
            }
        }
        ctx.rel_writes.insert((rel.id, owner), bag);
        Ok(String::new())
    }

    fn relation_ids(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 1)?;
        let ep = match p.args.first() {
            Some(e) => e.clone(),
            None => ctx
                .hook
                .as_ref()
                .and_then(|h| h.endpoint.clone())
                .ok_or_else(|| ToolError::usage("no endpoint name specified"))?,
        };
        let mut ids: Vec<String> = self
            .state
            .relations
            .values()
            .filter(|r| r.endpoint_of(&ctx.app) == Some(ep.as_str()) && self.visible(ctx, r.id))
            .map(|r| format!("{ep}:{}", r.id))
            .collect();
        ids.sort();
        emit(&p, self.cwd, Value::from(ids))
    }

    fn relation_list(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[val(&["r", "relation"]), boolean(&["app"])]),
        )?;
        no_extra(&p.args, 0)?;
        let rel = self.relation(ctx, &p, "r")?;
        if p.flag("app") {
            return emit(&p, self.cwd, Value::from(rel.remote_app(&ctx.app)));
        }
        emit(&p, self.cwd, Value::from(self.members(ctx, rel.id)))
    }

    fn config_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["a", "all"])]))?;
        no_extra(&p.args, 1)?;
        let app = &self.state.apps[&ctx.app];
        let mut cfg: Map<String, Value> = app.effective_config().into_iter().collect();
        if p.flag("a") {
            for k in app.meta.config.keys() {
                cfg.entry(k.clone()).or_insert(Value::Null);
            }
        }
        match p.args.first() {
            Some(k) => emit(&p, self.cwd, cfg.get(k).cloned().unwrap_or(Value::Null)),
            None => emit(&p, self.cwd, Value::Object(cfg)),
        }
    }

    fn status_set(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &[boolean(&["application"])])?;
        if p.args.is_empty() {
            return Err(ToolError::usage("invalid args, require <status> [message]"));
        }
        no_extra(&p.args, 2)?;
        let status = p.args[0].as_str();
        if !["maintenance", "blocked", "waiting", "active"].contains(&status) {
            return Err(ToolError::usage(format!(
                "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
            )));
        }
        let st = Status {
            status: status.to_string(),
            message: p.args.get(1).cloned().unwrap_or_default(),
        };
        if p.flag("application") {
            if !ctx.leader {
                return Err(ToolError::runtime("this unit is not the leader"));
            }
            ctx.app_status = Some(st);
        } else {
            ctx.unit_status = Some(st);
        }
        Ok(String::new())
    }

    fn unit_status(&self, ctx: &HookCtx, unit: &str) -> Status {
        if unit == ctx.unit {
            if let Some(s) = &ctx.unit_status {
                return s.clone();
            }
        }
        self.state.units[unit].workload.clone()
    }

    fn status_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[boolean(&["application"]), boolean(&["include-data"])]),
        )?;
        no_extra(&p.args, 0)?;
        let entry =
            |s: &Status| json!({"message": s.message, "status": s.status, "status-data": {}});
        if p.flag("application") {
            if !ctx.leader {
                return Err(ToolError::runtime(
                    "finding application status: this unit is not the leader",
                ));
            }
            let app = &self.state.apps[&ctx.app];
            let app_st = ctx
                .app_status
                .clone()
                .or_else(|| app.status.clone())
                .unwrap_or(Status {
                    status: "unknown".into(),
                    message: String::new(),
                });
            let mut units = Map::new();
            for u in self.state.units.values().filter(|u| u.app == ctx.app) {
                units.insert(u.name.clone(), entry(&self.unit_status(ctx, &u.name)));
            }
            let mut a = entry(&app_st);
            a["units"] = Value::Object(units);
            if !p.flag("include-data") && p.value("format").is_none() {
                return Ok(format!("{}\n", app_st.status));
            }
            return emit(&p, self.cwd, json!({ "application-status": a }));
        }
        let st = self.unit_status(ctx, &ctx.unit);
        if !p.flag("include-data") && p.value("format").is_none() {
            return Ok(format!("{}\n", st.status));
        }
        emit(&p, self.cwd, entry(&st))
    }

    fn juju_log(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &[
                val(&["l", "log-level"]),
                boolean(&["debug"]),
                val(&["format"]),
            ],
        )?;
        if p.args.is_empty() {
            return Err(ToolError::usage("no message specified"));
        }
        let mut level = p.value("l").unwrap_or("INFO").to_uppercase();
        if p.flag("debug") {
            level = "DEBUG".into();
        }
        if !["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].contains(&level.as_str()) {
            level = "INFO".into();
        }
        let mut message = p.args.join(" ");
        if let Some(h) = &ctx.hook {
            if let (Some(ep), Some(id)) = (&h.endpoint, h.relation) {
                message = format!("{ep}:{id}: {message}");
            }
        }
        ctx.logs.push(LogLine {
            level,
            message,
            hook: ctx.hook_name.clone(),
        });
        Ok(String::new())
    }

    fn unit_state<'c>(&self, ctx: &'c mut HookCtx) -> &'c mut BTreeMap<String, String> {
        let committed = &self.state.units[&ctx.unit].state;
        ctx.state.get_or_insert_with(|| committed.clone())
    }

    fn state_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["strict"])]))?;
        no_extra(&p.args, 1)?;
        let st = ctx
            .state
            .clone()
            .unwrap_or_else(|| self.state.units[&ctx.unit].state.clone());
        match p.args.first() {
            Some(k) => match st.get(k) {
                Some(v) => emit(&p, self.cwd, Value::String(v.clone())),
                None if p.flag("strict") => Err(ToolError::runtime(format!("{k:?} not found"))),
                None => emit(&p, self.cwd, Value::String(String::new())),
            },
            None => emit(
                &p,
                self.cwd,
                Value::Object(st.into_iter().map(|(k, v)| (k, Value::String(v))).collect()),
            ),
        }
    }

    fn state_set(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &[val(&["file"])])?;
        let kv = parse_kv_args(&p.args)?;
        let mut settings = match p.value("file") {
            Some(f) => read_kv_file(&self.stdin_or_file(f)?, "state")?,
            None => BTreeMap::new(),
        };
        settings.extend(kv);
        let st = self.unit_state(ctx);
        for (k, v) in settings {
            if v.is_empty() {
                st.remove(&k);
            } else {
                st.insert(k, v);
            }
        }
        Ok(String::new())
    }

    fn port(&self, ctx: &mut HookCtx, args: &[String], open: bool) -> Res {
        let p = parse(args, &[val(&["endpoints"]), val(&["format"])])?;
        if p.args.is_empty() {
            return Err(ToolError::usage("no port or range specified"));
        }
        no_extra(&p.args, 1)?;
        let spec = normalize_port(&p.args[0])
            .ok_or_else(|| ToolError::usage(format!("invalid port or range {:?}", p.args[0])))?;
        let committed = &self.state.units[&ctx.unit].ports;
        let ports = ctx.ports.get_or_insert_with(|| committed.clone());
        if open {
            ports.insert(spec);
        } else {
            ports.remove(&spec);
        }
        Ok(String::new())
    }

    fn network_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[
                val(&["r", "relation"]),
                boolean(&["primary-address"]),
                boolean(&["bind-address"]),
                boolean(&["ingress-address"]),
                boolean(&["egress-subnets"]),
            ]),
        )?;
        no_extra(&p.args, 1)?;
        if p.value("r").is_some() {
            self.relation(ctx, &p, "r")?;
        }
        let meta = &self.state.apps[&ctx.app].meta;
        let binding = match p.args.first() {
            Some(b) => b.clone(),
            None => ctx
                .hook
                .as_ref()
                .and_then(|h| h.endpoint.clone())
                .ok_or_else(|| ToolError::usage("no arguments specified"))?,
        };
        if !meta.endpoints.contains_key(&binding)
            && !meta.extra_bindings.contains(&binding)
            && binding != "juju-info"
        {
            return Err(ToolError::runtime(format!(
                "no network config found for binding {binding:?}"
            )));
        }
        let addr = &self.state.units[&ctx.unit].address;
        if p.flag("primary-address") || p.flag("bind-address") || p.flag("ingress-address") {
            return emit(&p, self.cwd, Value::String(addr.clone()));
        }
        if p.flag("egress-subnets") {
            return emit(&p, self.cwd, Value::String(format!("{addr}/32")));
        }
        emit(
            &p,
            self.cwd,
            json!({
                "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                    "addresses": [{"hostname": "", "value": addr, "cidr": "10.0.0.0/8"}]}],
                "egress-subnets": [format!("{addr}/32")],
                "ingress-addresses": [addr],
            }),
        )
    }

    fn goal_state(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 0)?;
        let mut units = Map::new();
        for u in self.state.units.values().filter(|u| u.app == ctx.app) {
            let status = if u.dying { "dying" } else { "active" };
            units.insert(u.name.clone(), json!({"status": status, "since": ""}));
        }
        let mut rels = Map::new();
        for r in self.state.relations.values() {
            let Some(ep) = r.endpoint_of(&ctx.app) else {
                continue;
            };
            if r.dying || !self.visible(ctx, r.id) {
                continue;
            }
            let remote = r.remote_app(&ctx.app);
            let entry = rels
                .entry(ep.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !r.is_peer() {
                entry[remote] = json!({"status": "joined", "since": ""});
            }
            for u in self
                .state
                .units
                .values()
                .filter(|u| u.app == remote && u.name != ctx.unit)
            {
                let status = if u.dying { "dying" } else { "active" };
                entry[u.name.as_str()] = json!({"status": status, "since": ""});
            }
        }
        emit(&p, self.cwd, json!({"units": units, "relations": rels}))
    }

    // ---- secrets -------------------------------------------------------------------------

    fn secrets<'c>(&self, ctx: &'c HookCtx) -> &'c BTreeMap<String, Secret>
    where
        'a: 'c,
    {
        ctx.secrets.as_ref().unwrap_or(&self.state.secrets)
    }

    fn secrets_mut<'c>(&self, ctx: &'c mut HookCtx) -> &'c mut BTreeMap<String, Secret> {
        let committed = &self.state.secrets;
        ctx.secrets.get_or_insert_with(|| committed.clone())
    }

    fn secret_content(
        &self,
        p: &Parsed,
        args: &[String],
    ) -> Result<BTreeMap<String, String>, ToolError> {
        let mut out = match p.value("file") {
            Some(f) => read_kv_file(&self.stdin_or_file(f)?, "secret content")?,
            None => BTreeMap::new(),
        };
        for a in args {
            let Some((lhs, v)) = a.split_once('=') else {
                return Err(ToolError::usage(format!("key value {a:?} not valid")));
            };
            let (key, value) = if let Some(k) = lhs.strip_suffix("#file") {
                (k, self.stdin_or_file(v)?)
            } else if let Some(k) = lhs.strip_suffix("#base64") {
                let bytes = decode_base64(v).ok_or_else(|| {
                    ToolError::usage(format!("invalid base64 value for key {k:?}"))
                })?;
                (k, String::from_utf8_lossy(&bytes).into_owned())
            } else {
                (lhs, v.to_string())
            };
            out.insert(key.to_string(), value);
        }
        for k in out.keys() {
            if !valid_secret_key(k) {
                return Err(ToolError::usage(format!("key {k:?} not valid")));
            }
        }
        Ok(out)
    }

    fn check_manage(&self, ctx: &HookCtx, s: &Secret) -> Result<(), ToolError> {
        match &s.owner {
            Owner::App(a) if a == &ctx.app => {
                if ctx.leader {
                    Ok(())
                } else {
                    Err(ToolError::runtime("this unit is not the leader"))
                }
            }
            Owner::Unit(u) if u == &ctx.unit => Ok(()),
            _ => Err(ToolError::runtime("permission denied")),
        }
    }

    fn find_secret(
        &self,
        ctx: &HookCtx,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<String, ToolError> {
        let secrets = self.secrets(ctx);
        if let Some(id) = id {
            let xid = parse_secret_id(id)
                .ok_or_else(|| ToolError::usage(format!("secret URI {id:?} not valid")))?;
            if !secrets.contains_key(&xid) {
                return Err(ToolError::runtime(format!("secret {xid:?} not found")));
            }
            return Ok(xid);
        }
        let Some(label) = label else {
            return Err(ToolError::usage("require either a secret URI or label"));
        };
        if let Some(s) = secrets
            .values()
            .find(|s| owns(ctx, s) && s.label.as_deref() == Some(label))
        {
            return Ok(s.xid.clone());
        }
        if let Some(s) = secrets.values().find(|s| {
            s.consumers
                .get(&ctx.unit)
                .is_some_and(|c| c.label.as_deref() == Some(label))
        }) {
            return Ok(s.xid.clone());
        }
        Err(ToolError::runtime(format!("secret {label:?} not found")))
    }

    fn granted(&self, ctx: &HookCtx, s: &Secret) -> bool {
        s.grants.iter().any(|(rel, g)| {
            self.state.relations.contains_key(rel)
                && match g {
                    Grantee::App(a) => a == &ctx.app,
                    Grantee::Unit(u) => u == &ctx.unit,
                }
        })
    }

    fn secret_add(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &[
                val(&["label"]),
                val(&["description"]),
                val(&["expire"]),
                val(&["rotate"]),
                val(&["owner"]),
                val(&["file"]),
            ],
        )?;
        let owner = match p.value("owner").unwrap_or("application") {
            "application" => Owner::App(ctx.app.clone()),
            "unit" => Owner::Unit(ctx.unit.clone()),
            other => {
                return Err(ToolError::usage(format!(
                    "secret owner {other:?} not valid"
                )))
            }
        };
        let rotate = p.value("rotate").map(str::to_string);
        if let Some(r) = &rotate {
            if ![
                "never",
                "hourly",
                "daily",
                "weekly",
                "monthly",
                "quarterly",
                "yearly",
            ]
            .contains(&r.as_str())
            {
                return Err(ToolError::usage(format!("rotate policy {r:?} not valid")));
            }
        }
        let content = self.secret_content(&p, &p.args)?;
        if content.is_empty() {
            return Err(ToolError::usage("missing secret value"));
        }
        if matches!(owner, Owner::App(_)) && !ctx.leader {
            return Err(ToolError::runtime("this unit is not the leader"));
        }
        let label = p.value("label").map(str::to_string);
        if let Some(l) = &label {
            if self
                .secrets(ctx)
                .values()
                .any(|s| s.owner == owner && s.label.as_deref() == Some(l.as_str()))
            {
                return Err(ToolError::runtime(format!(
                    "secret with label {l:?} already exists"
                )));
            }
        }
        let xid = new_xid(&mut ctx.rng);
        let secret = Secret {
            xid: xid.clone(),
            owner,
            label,
            description: p.value("description").map(str::to_string),
            expire: p.value("expire").map(str::to_string),
            rotate,
            revisions: BTreeMap::from([(1, content)]),
            latest: 1,
            grants: BTreeSet::new(),
            consumers: BTreeMap::new(),
            remove_notified: BTreeSet::new(),
        };
        self.secrets_mut(ctx).insert(xid.clone(), secret);
        Ok(format!("{}\n", self.state.secret_uri(&xid)))
    }

    fn secret_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &with_fmt(&[
                val(&["label"]),
                boolean(&["peek"]),
                boolean(&["refresh"]),
                boolean(&["metadata"]),
            ]),
        )?;
        no_extra(&p.args, 2)?;
        if p.flag("peek") && p.flag("refresh") {
            return Err(ToolError::usage(
                "specify one of --peek or --refresh but not both",
            ));
        }
        let label = p.value("label");
        // With --label, a first argument that is not a secret id is the key.
        let (id, key) = match p.args.first() {
            Some(a) if label.is_some() && parse_secret_id(a).is_none() => {
                no_extra(&p.args, 1)?;
                (None, Some(a.clone()))
            }
            Some(a) => (Some(a.as_str()), p.args.get(1).cloned()),
            None => (None, None),
        };
        let xid = self.find_secret(ctx, id, label)?;
        let s = &self.secrets(ctx)[&xid];
        let unit = ctx.unit.clone();
        let content = if owns(ctx, s) {
            if let (Some(_), Some(l)) = (id, label) {
                if s.label.as_deref() != Some(l) {
                    if let Owner::App(_) = s.owner {
                        if !ctx.leader {
                            return Err(ToolError::runtime("this unit is not the leader"));
                        }
                    }
                    let l = l.to_string();
                    self.secrets_mut(ctx).get_mut(&xid).expect("secret").label = Some(l);
                }
            }
            let s = &self.secrets(ctx)[&xid];
            s.revisions.get(&s.latest).cloned().unwrap_or_default()
        } else {
            if !self.granted(ctx, s) {
                return Err(ToolError::runtime("permission denied"));
            }
            let latest = s.latest;
            let consumer = s.consumers.get(&unit).cloned();
            let rev = match &consumer {
                _ if p.flag("peek") => latest,
                None => latest,
                Some(_) if p.flag("refresh") => latest,
                Some(c) => c.tracked,
            };
            let new_label = if id.is_some() {
                label.map(str::to_string)
            } else {
                None
            };
            let needs_write = consumer.is_none()
                || (p.flag("refresh") && consumer.as_ref().is_some_and(|c| c.tracked != latest))
                || new_label
                    .as_ref()
                    .is_some_and(|l| consumer.as_ref().and_then(|c| c.label.as_ref()) != Some(l));
            if needs_write {
                let secrets = self.secrets_mut(ctx);
                let s = secrets.get_mut(&xid).expect("secret");
                let c = s.consumers.entry(unit).or_insert_with(|| Consumer {
                    label: None,
                    tracked: latest,
                    notified: latest,
                });
                if p.flag("refresh") {
                    c.tracked = latest;
                }
                if let Some(l) = new_label {
                    c.label = Some(l);
                }
            }
            let s = &self.secrets(ctx)[&xid];
            s.revisions.get(&rev).cloned().unwrap_or_default()
        };
        match key {
            Some(k) => match content.get(&k) {
                Some(v) => emit(&p, self.cwd, Value::String(v.clone())),
                None => Err(ToolError::runtime(format!("secret key {k:?} not found"))),
            },
            None => emit(
                &p,
                self.cwd,
                Value::Object(
                    content
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ),
            ),
        }
    }

    fn secret_set(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(
            args,
            &[
                val(&["label"]),
                val(&["description"]),
                val(&["expire"]),
                val(&["rotate"]),
                val(&["owner"]),
                val(&["file"]),
            ],
        )?;
        let Some(id) = p.args.first() else {
            return Err(ToolError::usage("missing secret URI"));
        };
        let content = self.secret_content(&p, &p.args[1..])?;
        let xid = self.find_secret(ctx, Some(id), None)?;
        let s = &self.secrets(ctx)[&xid];
        self.check_manage(ctx, s)?;
        let owner = s.owner.clone();
        if let Some(l) = p.value("label") {
            if self
                .secrets(ctx)
                .values()
                .any(|o| o.xid != xid && o.owner == owner && o.label.as_deref() == Some(l))
            {
                return Err(ToolError::runtime(format!(
                    "secret with label {l:?} already exists"
                )));
            }
        }
        let s = self.secrets_mut(ctx).get_mut(&xid).expect("secret");
        if let Some(l) = p.value("label") {
            s.label = Some(l.to_string());
        }
        if let Some(d) = p.value("description") {
            s.description = Some(d.to_string());
        }
        if let Some(e) = p.value("expire") {
            s.expire = Some(e.to_string());
        }
        if let Some(r) = p.value("rotate") {
            s.rotate = Some(r.to_string());
        }
        if !content.is_empty() && s.revisions.get(&s.latest) != Some(&content) {
            s.latest += 1;
            s.revisions.insert(s.latest, content);
        }
        Ok(String::new())
    }

    fn secret_grant(&self, ctx: &mut HookCtx, args: &[String], grant: bool) -> Res {
        let p = parse(
            args,
            &[val(&["r", "relation"]), val(&["unit"]), val(&["app"])],
        )?;
        let Some(id) = p.args.first() else {
            return Err(ToolError::usage("missing secret URI"));
        };
        no_extra(&p.args, 1)?;
        if grant && p.value("r").is_none() {
            return Err(ToolError::usage("missing relation"));
        }
        let rel = match p.value("r") {
            Some(_) => Some(self.relation(ctx, &p, "r")?),
            None => None,
        };
        if let (Some(rel), Some(u)) = (rel, p.value("unit")) {
            let remote = rel.remote_app(&ctx.app);
            if app_of(u) != remote || !is_valid_unit_name(u) {
                return Err(ToolError::usage(format!(
                    "cannot specify unit {u:?} in relation to application {remote:?}"
                )));
            }
        }
        let xid = self.find_secret(ctx, Some(id), None)?;
        let s = &self.secrets(ctx)[&xid];
        if !owns(ctx, s) {
            return Err(ToolError::runtime(format!("secret {xid:?} not found")));
        }
        self.check_manage(ctx, s)?;
        let unit = p.value("unit").map(str::to_string);
        let remote = rel
            .map(|r| r.remote_app(&ctx.app).to_string())
            .unwrap_or_default();
        let s = self.secrets_mut(ctx).get_mut(&xid).expect("secret");
        if grant {
            let rel = rel.expect("relation checked above");
            match unit {
                Some(u) => {
                    s.grants.insert((rel.id, Grantee::Unit(u)));
                }
                None => {
                    if s.grants.iter().any(|(r, g)| {
                        *r == rel.id && matches!(g, Grantee::Unit(u) if app_of(u) == remote)
                    }) {
                        return Err(ToolError::runtime("any unit level grants need to be revoked before granting access to the corresponding application"));
                    }
                    s.grants.insert((rel.id, Grantee::App(remote)));
                }
            }
        } else {
            let app = p.value("app").map(str::to_string);
            if rel.is_none() && unit.is_none() && app.is_none() {
                return Err(ToolError::usage("missing relation or application or unit"));
            }
            s.grants.retain(|(r, g)| {
                let rel_match = rel.is_none_or(|rel| rel.id == *r);
                let target_match = match (&unit, &app, g) {
                    (Some(u), _, Grantee::Unit(gu)) => u == gu,
                    (Some(_), _, Grantee::App(_)) => false,
                    (None, Some(a), Grantee::App(ga)) => a == ga,
                    (None, Some(a), Grantee::Unit(gu)) => app_of(gu) == a,
                    (None, None, _) => true,
                };
                !(rel_match && target_match)
            });
        }
        Ok(String::new())
    }

    fn secret_remove(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &[val(&["revision"])])?;
        let Some(id) = p.args.first() else {
            return Err(ToolError::usage("missing secret URI"));
        };
        no_extra(&p.args, 1)?;
        let revision = match p.value("revision") {
            Some(r) => Some(r.parse::<u32>().map_err(|_| {
                ToolError::usage(format!(
                    "invalid value {r:?} for flag --revision: parse error"
                ))
            })?),
            None => None,
        };
        let xid = self.find_secret(ctx, Some(id), None)?;
        let s = &self.secrets(ctx)[&xid];
        if !owns(ctx, s) {
            return Err(ToolError::runtime(format!("secret {xid:?} not found")));
        }
        self.check_manage(ctx, s)?;
        let secrets = self.secrets_mut(ctx);
        match revision {
            None => {
                secrets.remove(&xid);
            }
            Some(r) => {
                let s = secrets.get_mut(&xid).expect("secret");
                if s.revisions.remove(&r).is_none() {
                    return Err(ToolError::runtime(format!(
                        "secret revision {r} for {xid:?} not found"
                    )));
                }
                if s.revisions.is_empty() {
                    secrets.remove(&xid);
                }
            }
        }
        Ok(String::new())
    }

    fn secret_info_get(&self, ctx: &mut HookCtx, args: &[String]) -> Res {
        let p = parse(args, &with_fmt(&[val(&["label"])]))?;
        no_extra(&p.args, 1)?;
        let id = p.args.first().map(String::as_str);
        let label = p.value("label");
        if id.is_some() && label.is_some() {
            return Err(ToolError::usage(
                "specify either a secret URI or label but not both",
            ));
        }
        let what = id.or(label).unwrap_or_default().to_string();
        let not_found = || ToolError::runtime(format!("secret {what:?} not found"));
        let secrets = self.secrets(ctx);
        let s = match (id, label) {
            (Some(id), _) => parse_secret_id(id)
                .and_then(|x| secrets.get(&x))
                .filter(|s| owns(ctx, s))
                .ok_or_else(not_found)?,
            (None, Some(l)) => secrets
                .values()
                .find(|s| owns(ctx, s) && s.label.as_deref() == Some(l))
                .ok_or_else(not_found)?,
            (None, None) => return Err(ToolError::usage("require either a secret URI or label")),
        };
        let mut info = Map::new();
        info.insert("revision".into(), json!(s.latest));
        if let Some(l) = &s.label {
            info.insert("label".into(), json!(l));
        }
        info.insert(
            "owner".into(),
            json!(match s.owner {
                Owner::App(_) => "application",
                Owner::Unit(_) => "unit",
            }),
        );
        if let Some(d) = &s.description {
            info.insert("description".into(), json!(d));
        }
        if let Some(r) = &s.rotate {
            info.insert("rotation".into(), json!(r));
        }
        if let Some(e) = &s.expire {
            info.insert("expiry".into(), json!(e));
        }
        let access: Vec<Value> = s
            .grants
            .iter()
            .map(|(rel, g)| {
                let target = match g {
                    Grantee::App(a) => format!("application-{a}"),
                    Grantee::Unit(u) => format!("unit-{}", u.replace('/', "-")),
                };
                let key = self
                    .state
                    .relations
                    .get(rel)
                    .map(|r| r.key().replace([':', ' '], "."))
                    .unwrap_or_default();
                json!({"target": target, "scope": format!("relation-{key}"), "role": "view"})
            })
            .collect();
        if !access.is_empty() {
            info.insert("access".into(), Value::Array(access));
        }
        emit(&p, self.cwd, json!({ s.xid.clone(): info }))
    }

    // ---- actions -------------------------------------------------------------------------

    fn action(&self, ctx: &mut HookCtx, cmd: &str, args: &[String]) -> Res {
        let p = match cmd {
            "action-get" => parse(args, &FMT)?,
            _ => parse(args, &[])?,
        };
        let Some(action) = ctx.action.as_mut() else {
            return Err(ToolError::runtime("not running an action"));
        };
        match cmd {
            "action-get" => {
                no_extra(&p.args, 1)?;
                let mut v = &action.params;
                if let Some(key) = p.args.first() {
                    for part in key.split('.') {
                        v = v.get(part).unwrap_or(&Value::Null);
                    }
                }
                let v = v.clone();
                emit(&p, self.cwd, v)
            }
            "action-set" => {
                let kv = parse_kv_args(&p.args)?;
                for (k, v) in kv {
                    if ["stdout", "stdout-encoding", "stderr", "stderr-encoding"]
                        .contains(&k.as_str())
                    {
                        return Err(ToolError::usage(format!(
                            "cannot set reserved action key {k:?}"
                        )));
                    }
                    let parts: Vec<&str> = k.split('.').collect();
                    let mut m = &mut action.results;
                    for part in &parts[..parts.len() - 1] {
                        let e = m
                            .entry(part.to_string())
                            .or_insert_with(|| Value::Object(Map::new()));
                        if !e.is_object() {
                            *e = Value::Object(Map::new());
                        }
                        m = e.as_object_mut().expect("object");
                    }
                    m.insert(parts[parts.len() - 1].to_string(), Value::String(v));
                }
                Ok(String::new())
            }
            "action-log" => {
                action.logs.push(p.args.join(" "));
                Ok(String::new())
            }
            _ => {
                let msg = p.args.join(" ");
                action.failed = Some(if p.args.is_empty() {
                    "action failed without reason given, check action for errors".into()
                } else {
                    msg
                });
                Ok(String::new())
            }
        }
    }
}

/// Normalise `8080`, `8080/tcp`, `1000-2000/udp`, `icmp`.
fn normalize_port(s: &str) -> Option<String> {
    if s == "icmp" {
        return Some(s.into());
    }
    let (range, proto) = match s.split_once('/') {
        Some((r, p)) => (r, p),
        None => (s, "tcp"),
    };
    if !["tcp", "udp"].contains(&proto) {
        return None;
    }
    let ok = |p: &str| p.parse::<u16>().is_ok_and(|n| n > 0);
    match range.split_once('-') {
        Some((a, b)) if ok(a) && ok(b) => Some(format!("{a}-{b}/{proto}")),
        None if ok(range) => Some(format!("{range}/{proto}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        assert!(valid_secret_key("password"));
        assert!(valid_secret_key("user-name"));
        assert!(!valid_secret_key("ab"));
        assert!(!valid_secret_key("Password"));
        assert!(!valid_secret_key("a--b"));
    }

    #[test]
    fn ports() {
        assert_eq!(normalize_port("8080").as_deref(), Some("8080/tcp"));
        assert_eq!(normalize_port("1-2/udp").as_deref(), Some("1-2/udp"));
        assert_eq!(normalize_port("x"), None);
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
    }
}
