//! A local Juju model simulator that runs real compiled charms.
//!
//! Each unit gets a private copy of its charm directory; hooks run as separate processes
//! (`dispatch`, cwd = charm dir, the full Juju environment, no argv, no stdin), exactly as
//! the Juju unit agent runs them. Hook tools (`relation-get`, `secret-add`, ...) are the
//! `cargo-charm` binary itself, symlinked under each tool name in a per-model tools dir on
//! `PATH`; each call is sent over a unix socket to the simulator, which answers it against
//! the model plus the hook's pending changes. When the hook exits 0 the pending changes are
//! committed; otherwise they are discarded and the hook is retried, as Juju does.
//!
//! ```no_run
//! use cargo_charm::sim::{Config, Model};
//! # fn main() -> Result<(), cargo_charm::sim::SimError> {
//! let mut m = Model::new("demo")?;
//! m.deploy("database", "charms/database", 2, Config::new())?;
//! m.deploy("webapp", "charms/webapp", 1, Config::new())?;
//! m.integrate("webapp:db", "database:db")?;
//! m.settle()?;
//! println!("{}", m.status_table());
//! # Ok(()) }
//! ```

mod flags;
mod output;
mod resolver;
mod state;
mod table;
pub(crate) mod tools;
mod yaml_model;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::meta::{CharmMeta, MetaError, Role};
use state::{
    parse_secret_id, sort_units, splitmix, App, End, FailedHook, Grantee, Hook, Owner, RelLocal,
    Relation, State, Unit,
};
use tools::{ActionCtx, HookCtx, ToolRequest, ToolResponse};

pub use tools::TOOL_NAMES;
pub use yaml_model::{ModelFile, ModelFileApp};

/// Config values for `deploy` / `set_config` (option name to value; strings are coerced
/// to the option's declared type).
pub type Config = BTreeMap<String, Value>;

/// The Juju version the simulator reports (`JUJU_VERSION`).
pub const JUJU_VERSION: &str = "3.6.8";

/// Errors from the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file-system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A charm's metadata could not be read.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// A model YAML file is invalid.
    #[error("model file {path}: {message}")]
    ModelFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No such application.
    #[error("application {0:?} not found")]
    UnknownApp(String),
    /// No such unit.
    #[error("unit {0:?} not found")]
    UnknownUnit(String),
    /// No such relation.
    #[error("relation {0} not found")]
    UnknownRelation(u32),
    /// An operation was refused (bad name, bad endpoint, bad config, ...).
    #[error("{0}")]
    Invalid(String),
    /// The `cargo-charm` binary (used as the hook tools) could not be found.
    #[error("cannot find the cargo-charm binary to use as hook tools ({0}); build it with `cargo build -p cargo-charm` or set CARGO_CHARM_BIN")]
    ToolBinary(String),
    /// `settle` hit its bound: hooks keep firing.
    #[error("model did not settle after {hooks} hooks: {detail}")]
    NotSettled {
        /// Hooks run in this settle.
        hooks: usize,
        /// Which units and hooks keep running.
        detail: String,
    },
    /// A unit's hook keeps failing.
    #[error("unit {unit} is stuck in error: hook {hook:?} failed {attempts} times (last exit: {exit}){}",
        last_error.as_ref().map(|l| format!("; last juju-log ERROR: {l}")).unwrap_or_default())]
    UnitInError {
        /// The unit.
        unit: String,
        /// The failing hook.
        hook: String,
        /// How many times it ran in this settle.
        attempts: u32,
        /// Exit description (`exit code 1`, `killed by signal 9`).
        exit: String,
        /// The charm's last `juju-log` ERROR line, if any.
        last_error: Option<String>,
    },
}

/// Result type of the simulator.
pub type Result<T, E = SimError> = std::result::Result<T, E>;

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SimError {
    let context = context.into();
    move |source| SimError::Io { context, source }
}

/// A workload or application status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `active`, `blocked`, `waiting`, `maintenance`, `error`, `unknown`, `terminated`.
    pub status: String,
    /// The message.
    pub message: String,
}

impl Status {
    fn new(status: &str, message: &str) -> Status {
        Status {
            status: status.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{}: {}", self.status, self.message)
        }
    }
}

/// One `juju-log` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, ...
    pub level: String,
    /// The message (prefixed `<endpoint>:<id>: ` in relation hooks, as Juju does).
    pub message: String,
    /// The hook (or `action <name>`) that logged it.
    pub hook: String,
}

/// One hook-tool invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// Tool name and arguments.
    pub argv: Vec<String>,
    /// Standard input, if the tool read it (`--file -`).
    pub stdin: Option<String>,
    /// Exit code.
    pub exit_code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// One hook (or action) that ran.
#[derive(Clone, Debug)]
pub struct HookRecord {
    /// The unit.
    pub unit: String,
    /// Hook name (`db-relation-changed`), or `action <name>`.
    pub hook: String,
    /// Relation id for relation hooks.
    pub relation_id: Option<u32>,
    /// `JUJU_REMOTE_UNIT` for relation hooks (empty for created/broken/app-level changed).
    pub remote_unit: Option<String>,
    /// Exit code (`None` when killed by a signal or not started).
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration: Duration,
    /// Peak resident set size of the hook process and the children it waited for, in
    /// bytes (`ru_maxrss` from `wait4`); `None` when it could not be read. Linux counts
    /// the spawning process's RSS at the time of the spawn into this high-water mark, so
    /// it is never below the simulator's own RSS.
    pub peak_rss: Option<u64>,
    /// User plus system CPU time of the hook process and the children it waited for
    /// (`wait4`); `None` when it could not be read.
    pub cpu_time: Option<Duration>,
    /// Hook-tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// The charm's stdout (truncated to 64 KiB).
    pub stdout: String,
    /// The charm's stderr (truncated to 64 KiB).
    pub stderr: String,
}

impl HookRecord {
    /// Whether the hook exited 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Bounds and output of [`Model::settle_with`].
#[derive(Clone, Debug)]
pub struct SettleOptions {
    /// Stop with an error after this many hooks.
    pub max_hooks: usize,
    /// Stop with an error when one (unit, hook, remote unit) runs this many times.
    pub max_repeats: usize,
    /// Retries of a failing hook before the unit counts as stuck.
    pub max_retries: u32,
    /// Print a progress line to stderr every few seconds.
    pub progress: bool,
}

impl Default for SettleOptions {
    fn default() -> Self {
        SettleOptions {
            max_hooks: 5_000_000,
            max_repeats: 100,
            max_retries: 3,
            progress: false,
        }
    }
}

/// What a [`Model::settle`] did.
#[derive(Clone, Debug, Default)]
pub struct SettleReport {
    /// Hooks run.
    pub hooks: usize,
    /// Of which failed (and were retried).
    pub failed_hooks: usize,
    /// Wall time.
    pub duration: Duration,
}

/// A relation as the model knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationInfo {
    /// Relation id.
    pub id: u32,
    /// Interface.
    pub interface: String,
    /// `app:endpoint` of each side: `[provider, requirer]`, or one entry for a peer relation.
    pub endpoints: Vec<String>,
    /// Whether this is a peer relation.
    pub peer: bool,
    /// Whether it is being removed.
    pub dying: bool,
}

/// A secret as the model stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// `secret://<model-uuid>/<xid>`.
    pub uri: String,
    /// The 20-character id.
    pub xid: String,
    /// Owner: an application name or a unit name.
    pub owner: String,
    /// Owner label.
    pub label: Option<String>,
    /// Latest revision.
    pub revision: u32,
    /// Content of each revision.
    pub revisions: BTreeMap<u32, BTreeMap<String, String>>,
    /// Grants: relation id and grantee (application or unit name).
    pub grants: Vec<(u32, String)>,
    /// Consumers: unit name to (consumer label, tracked revision).
    pub consumers: BTreeMap<String, (Option<String>, u32)>,
}

impl SecretInfo {
    /// Content of the latest revision.
    pub fn content(&self) -> BTreeMap<String, String> {
        self.revisions
            .get(&self.revision)
            .cloned()
            .unwrap_or_default()
    }
}

/// Outcome of [`Model::run_action`].
#[derive(Clone, Debug)]
pub struct ActionOutcome {
    /// `completed` or `failed`.
    pub status: String,
    /// Failure message (`action-fail`, or `exit status N`).
    pub message: String,
    /// Results set with `action-set` (nested).
    pub results: Value,
    /// `action-log` lines.
    pub logs: Vec<String>,
    /// The record of the run.
    pub record: HookRecord,
}

/// A simulated Juju model.
pub struct Model {
    state: State,
    work: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    tools_dir: PathBuf,
    socket: PathBuf,
    listener: UnixListener,
    history: Vec<HookRecord>,
    history_limit: usize,
    removed: BTreeMap<String, Unit>,
    verbose: bool,
    hook_timeout: Duration,
    extra_env: BTreeMap<String, String>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.state.name)
            .field("work", &self.work)
            .finish_non_exhaustive()
    }
}

/// Find the `cargo-charm` executable to link as hook tools.
fn find_tool_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CARGO_CHARM_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        return Err(SimError::ToolBinary(format!(
            "CARGO_CHARM_BIN={} does not exist",
            p.display()
        )));
    }
    let exe = std::env::current_exe().map_err(|e| SimError::ToolBinary(e.to_string()))?;
    if exe.file_stem().is_some_and(|s| s == "cargo-charm") {
        return Ok(exe);
    }
    // Test binaries live in target/<profile>/deps; the binary in target/<profile>.
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let cand = d.join("cargo-charm");
        if cand.is_file() {
            return Ok(cand);
        }
        dir = d.parent();
    }
    // Last resort (e.g. a test of another package): build it.
    build_tool_binary().ok_or_else(|| {
        SimError::ToolBinary(format!(
            "not next to {} and `cargo build -p cargo-charm` did not produce it",
            exe.display()
        ))
    })
}

fn build_tool_binary() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "-p",
            "cargo-charm",
            "--bin",
            "cargo-charm",
            "--message-format=json",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact")
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        let ft = entry.file_type()?;
        if !ft.is_dir() && to.symlink_metadata().is_ok() {
            std::fs::remove_file(&to)?;
        }
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from)?, &to)?;
        } else if ft.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            // Big files (compiled charms) are hard-linked to keep 1000-unit models cheap.
            let big = entry.metadata()?.len() > 1 << 20;
            if !(big && std::fs::hard_link(&from, &to).is_ok()) {
                std::fs::copy(&from, &to)?;
            }
        }
    }
    Ok(())
}

fn truncate(mut s: String) -> String {
    const MAX: usize = 64 * 1024;
    if s.len() > MAX {
        let mut cut = s.len() - MAX;
        while !s.is_char_boundary(cut) {
            cut += 1;
        }
        s.drain(..cut);
    }
    s
}

fn parse_endpoint(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((a, e)) => (a, Some(e)),
        None => (s, None),
    }
}

impl Model {
    /// An empty model. Hook tools are the `cargo-charm` binary: `CARGO_CHARM_BIN` if set,
    /// else the running executable or one next to it (`target/<profile>/`), else the one
    /// `cargo build -p cargo-charm` produces in the current workspace.
    pub fn new(name: &str) -> Result<Model> {
        let tmp = tempfile::Builder::new()
            .prefix("charm-sim-")
            .tempdir()
            .map_err(io_err("cannot create the model directory"))?;
        let work = tmp.path().to_path_buf();
        let socket = work.join("agent.sock");
        let listener = UnixListener::bind(&socket)
            .map_err(io_err(format!("cannot listen on {}", socket.display())))?;
        let mut seed = fnv(name);
        let a = splitmix(&mut seed);
        let b = splitmix(&mut seed);
        let uuid = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        );
        let mut m = Model {
            state: State {
                name: name.to_string(),
                uuid,
                rng: seed,
                ..State::default()
            },
            tools_dir: work.join("tools"),
            work,
            _tmp: Some(tmp),
            socket,
            listener,
            history: Default::default(),
            history_limit: 200_000,
            removed: BTreeMap::new(),
            verbose: false,
            hook_timeout: Duration::from_secs(120),
            extra_env: BTreeMap::new(),
        };
        m.set_tool_binary(&find_tool_binary()?)?;
        Ok(m)
    }

    /// Load a model file (see [`ModelFile`]): deploy its applications and relations
    /// (does not settle).
    pub fn from_yaml(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let file = ModelFile::load(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut m = Model::new(&file.name)?;
        file.apply(&mut m, base)?;
        Ok(m)
    }

    /// Use `binary` (a `cargo-charm` executable) for the hook tools.
    pub fn set_tool_binary(&mut self, binary: &Path) -> Result<()> {
        let binary = binary
            .canonicalize()
            .map_err(io_err(format!("cannot find {}", binary.display())))?;
        let _ = std::fs::remove_dir_all(&self.tools_dir);
        std::fs::create_dir_all(&self.tools_dir).map_err(io_err("cannot create the tools dir"))?;
        for t in TOOL_NAMES {
            std::os::unix::fs::symlink(&binary, self.tools_dir.join(t))
                .map_err(io_err(format!("cannot link hook tool {t}")))?;
        }
        Ok(())
    }

    /// Print each hook as it runs (unit, hook, exit code, time, hook-tool calls) to stderr.
    pub fn set_verbose(&mut self, verbose: bool) {
        self.verbose = verbose;
    }

    /// Kill hooks that run longer than this (default 120 s); a killed hook counts as failed.
    pub fn set_hook_timeout(&mut self, timeout: Duration) {
        self.hook_timeout = timeout;
    }

    /// Add an environment variable to every hook's environment.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.insert(key.into(), value.into());
    }

    /// Model name.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// Model uuid (deterministic from the name).
    pub fn uuid(&self) -> &str {
        &self.state.uuid
    }

    /// The directory holding the units' charm dirs, the tools and the socket.
    pub fn work_dir(&self) -> &Path {
        &self.work
    }

    /// Keep the model directory after the model is dropped (for debugging).
    pub fn keep_work_dir(&mut self) -> PathBuf {
        if let Some(t) = self._tmp.take() {
            let _ = t.keep();
        }
        self.work.clone()
    }

    // ---- changing the model ------------------------------------------------------------

    /// Deploy `units` units of the charm in `charm_dir` as application `app`.
    pub fn deploy<K: Into<String>, V: Into<Value>>(
        &mut self,
        app: &str,
        charm_dir: impl AsRef<Path>,
        units: usize,
        config: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let charm_dir = charm_dir.as_ref();
        if !tools::is_valid_app_name(app) {
            return Err(SimError::Invalid(format!(
                "invalid application name {app:?}"
            )));
        }
        if self.state.apps.contains_key(app) {
            return Err(SimError::Invalid(format!(
                "application {app:?} already exists"
            )));
        }
        let charm_dir = charm_dir
            .canonicalize()
            .map_err(io_err(format!("charm directory {}", charm_dir.display())))?;
        let meta = CharmMeta::load(&charm_dir)?;
        let mut cfg = Config::new();
        for (k, v) in config {
            let k = k.into();
            let v = meta
                .coerce_config(&k, v.into())
                .map_err(SimError::Invalid)?;
            cfg.insert(k, v);
        }
        let peers: Vec<(String, String)> = meta
            .endpoints
            .values()
            .filter(|e| e.role == Role::Peer)
            .map(|e| (e.name.clone(), e.interface.clone()))
            .collect();
        self.state.apps.insert(
            app.to_string(),
            App {
                charm_dir,
                meta,
                config: cfg,
                config_version: 1,
                status: None,
                version: String::new(),
                leader: None,
                next_unit: 0,
                dying: false,
            },
        );
        for (ep, interface) in peers {
            let id = self.state.next_relation;
            self.state.next_relation += 1;
            self.state.relations.insert(
                id,
                Relation {
                    id,
                    interface,
                    ends: vec![End {
                        app: app.to_string(),
                        endpoint: ep,
                    }],
                    app_bags: BTreeMap::new(),
                    unit_bags: BTreeMap::new(),
                    scope: Default::default(),
                    dying: false,
                },
            );
        }
        for _ in 0..units {
            self.add_unit(app)?;
        }
        Ok(())
    }

    /// Add a unit to `app`; returns its name.
    pub fn add_unit(&mut self, app: &str) -> Result<String> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        if a.dying {
            return Err(SimError::Invalid(format!(
                "application {app:?} is being removed"
            )));
        }
        let num = a.next_unit;
        a.next_unit += 1;
        let charm_dir = a.charm_dir.clone();
        let name = format!("{app}/{num}");
        let machine = self.state.next_machine;
        self.state.next_machine += 1;
        let k = machine + 2;
        let address = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
        let dir = self
            .work
            .join("units")
            .join(format!("{app}-{num}"))
            .join("charm");
        copy_dir(&charm_dir, &dir).map_err(io_err(format!(
            "cannot copy {} to {}",
            charm_dir.display(),
            dir.display()
        )))?;
        let mut rels = BTreeMap::new();
        for r in self.state.relations.values_mut() {
            if !r.dying && r.endpoint_of(app).is_some() {
                r.preseed(&name, &address);
                rels.insert(r.id, RelLocal::default());
            }
        }
        self.state.units.insert(
            name.clone(),
            Unit {
                name: name.clone(),
                app: app.to_string(),
                machine,
                address,
                dir,
                workload: Status::new("waiting", "agent initialising"),
                installed: false,
                started: false,
                stopped: false,
                dying: false,
                leader_seen: false,
                config_seen: 0,
                upgrade_pending: false,
                update_status_pending: false,
                rels,
                failed: None,
                state: BTreeMap::new(),
                ports: Default::default(),
                logs: Vec::new(),
            },
        );
        let a = self.state.apps.get_mut(app).expect("app");
        if a.leader.is_none() {
            a.leader = Some(name.clone());
        }
        Ok(name)
    }

    /// Start removing an application: its relations are removed (departed/broken on both
    /// sides) and all its units are removed; the application goes away with its last unit.
    pub fn remove_application(&mut self, app: &str) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        a.dying = true;
        let rels: Vec<u32> = self
            .state
            .relations
            .values()
            .filter(|r| !r.is_peer() && r.endpoint_of(app).is_some())
            .map(|r| r.id)
            .collect();
        for id in rels {
            self.remove_relation(id)?;
        }
        for u in self.units(app) {
            self.remove_unit(&u)?;
        }
        self.gc_apps();
        Ok(())
    }

    fn gc_apps(&mut self) {
        let dead: Vec<String> = self
            .state
            .apps
            .iter()
            .filter(|(name, a)| a.dying && !self.state.units.values().any(|u| &u.app == *name))
            .map(|(name, _)| name.clone())
            .collect();
        for app in dead {
            self.state.apps.remove(&app);
            // Its peer relations go with it; regular ones are collected once both sides
            // have run relation-broken.
            self.state
                .relations
                .retain(|_, r| !(r.is_peer() && r.endpoint_of(&app).is_some()));
        }
    }

    /// Start removing a unit: it runs departed/broken on its relations, then stop and remove;
    /// the other units see it depart. A new leader is elected if it was the leader.
    pub fn remove_unit(&mut self, unit: &str) -> Result<()> {
        let u = self
            .state
            .units
            .get_mut(unit)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        if u.dying {
            return Ok(());
        }
        u.dying = true;
        u.leader_seen = false;
        let app = u.app.clone();
        for r in self.state.relations.values_mut() {
            r.scope.remove(unit);
        }
        let a = self.state.apps.get_mut(&app).expect("app");
        if a.leader.as_deref() == Some(unit) {
            let mut candidates: Vec<String> = self
                .state
                .units
                .values()
                .filter(|u| u.app == app && !u.dying)
                .map(|u| u.name.clone())
                .collect();
            sort_units(&mut candidates);
            let a = self.state.apps.get_mut(&app).expect("app");
            a.leader = candidates.first().cloned();
        }
        Ok(())
    }

    /// Integrate two applications: `"webapp:db"`, `"database:db"` (the endpoint may be
    /// omitted when it is unambiguous). Returns the new relation id.
    pub fn integrate(&mut self, a: &str, b: &str) -> Result<u32> {
        let (ea, eb) = self.match_endpoints(a, b)?;
        let (provider, requirer) = if ea.1 == Role::Provides {
            (ea.0, eb.0)
        } else {
            (eb.0, ea.0)
        };
        let key = format!(
            "{}:{} {}:{}",
            requirer.app, requirer.endpoint, provider.app, provider.endpoint
        );
        for r in self.state.relations.values() {
            if !r.dying && r.ends == [provider.clone(), requirer.clone()] {
                return Err(SimError::Invalid(format!(
                    "cannot add relation \"{key}\": relation {key} already exists"
                )));
            }
        }
        for end in [&provider, &requirer] {
            let meta = &self.state.apps[&end.app].meta;
            if let Some(limit) = meta.endpoints[&end.endpoint].limit {
                let n = self
                    .state
                    .relations
                    .values()
                    .filter(|r| !r.dying && r.ends.contains(end))
                    .count() as u64;
                if n >= limit {
                    return Err(SimError::Invalid(format!(
                        "cannot add relation \"{key}\": establishing a new relation for {}:{} would exceed its maximum relation limit of {limit} (quota limit exceeded)",
                        end.app, end.endpoint
                    )));
                }
            }
        }
        let interface = self.state.apps[&provider.app].meta.endpoints[&provider.endpoint]
            .interface
            .clone();
        let id = self.state.next_relation;
        self.state.next_relation += 1;
        let mut rel = Relation {
            id,
            interface,
            ends: vec![provider.clone(), requirer.clone()],
            app_bags: BTreeMap::new(),
            unit_bags: BTreeMap::new(),
            scope: Default::default(),
            dying: false,
        };
        for u in self.state.units.values_mut() {
            if !u.dying && (u.app == provider.app || u.app == requirer.app) {
                u.rels.insert(id, RelLocal::default());
                rel.preseed(&u.name, &u.address);
            }
        }
        self.state.relations.insert(id, rel);
        Ok(id)
    }

    fn match_endpoints(&self, a: &str, b: &str) -> Result<((End, Role), (End, Role))> {
        let side = |s: &str| -> Result<Vec<(End, Role, String)>> {
            let (app, ep) = parse_endpoint(s);
            let meta = &self
                .state
                .apps
                .get(app)
                .ok_or_else(|| SimError::UnknownApp(app.into()))?
                .meta;
            if let Some(ep) = ep {
                if !meta.endpoints.contains_key(ep) {
                    return Err(SimError::Invalid(format!(
                        "application {app:?} has no {ep:?} relation"
                    )));
                }
            }
            Ok(meta
                .endpoints
                .values()
                .filter(|e| e.role != Role::Peer && ep.is_none_or(|ep| ep == e.name))
                .map(|e| {
                    (
                        End {
                            app: app.to_string(),
                            endpoint: e.name.clone(),
                        },
                        e.role,
                        e.interface.clone(),
                    )
                })
                .collect())
        };
        if parse_endpoint(a).0 == parse_endpoint(b).0 {
            return Err(SimError::Invalid(format!(
                "cannot relate application {:?} to itself (use a peer endpoint)",
                parse_endpoint(a).0
            )));
        }
        for app in [parse_endpoint(a).0, parse_endpoint(b).0] {
            if self.state.apps.get(app).is_some_and(|x| x.dying) {
                return Err(SimError::Invalid(format!(
                    "application {app:?} is being removed"
                )));
            }
        }
        let (sa, sb) = (side(a)?, side(b)?);
        let mut found = Vec::new();
        for x in &sa {
            for y in &sb {
                if x.2 == y.2
                    && ((x.1 == Role::Provides && y.1 == Role::Requires)
                        || (x.1 == Role::Requires && y.1 == Role::Provides))
                {
                    found.push(((x.0.clone(), x.1), (y.0.clone(), y.1)));
                }
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(SimError::Invalid(format!(
                "no relations found between {a:?} and {b:?}"
            ))),
            _ => Err(SimError::Invalid(format!(
                "ambiguous relation: {a:?} {b:?} could refer to {}",
                found
                    .iter()
                    .map(|(x, y)| format!(
                        "\"{}:{} {}:{}\"",
                        x.0.app, x.0.endpoint, y.0.app, y.0.endpoint
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
        }
    }

    /// The id of the (live) relation between two `app[:endpoint]` specs.
    pub fn relation_id(&self, a: &str, b: &str) -> Option<u32> {
        let (aa, ae) = parse_endpoint(a);
        let (ba, be) = parse_endpoint(b);
        let matches = |e: &End, app: &str, ep: Option<&str>| {
            e.app == app && ep.is_none_or(|ep| ep == e.endpoint)
        };
        self.state
            .relations
            .values()
            .find(|r| {
                !r.dying
                    && !r.is_peer()
                    && ((matches(&r.ends[0], aa, ae) && matches(&r.ends[1], ba, be))
                        || (matches(&r.ends[1], aa, ae) && matches(&r.ends[0], ba, be)))
            })
            .map(|r| r.id)
    }

    /// Remove a relation: every unit runs departed for each remote unit, then broken.
    /// Secret grants made on it are revoked.
    pub fn remove_relation(&mut self, id: u32) -> Result<()> {
        let r = self
            .state
            .relations
            .get_mut(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        if r.is_peer() {
            return Err(SimError::Invalid(format!(
                "cannot remove peer relation {id}"
            )));
        }
        r.dying = true;
        for s in self.state.secrets.values_mut() {
            s.grants.retain(|(rel, _)| *rel != id);
        }
        self.gc_relations();
        Ok(())
    }

    /// Change application config; fires config-changed when a value changed.
    pub fn set_config<K: Into<String>, V: Into<Value>>(
        &mut self,
        app: &str,
        config: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        let before = a.effective_config();
        for (k, v) in config {
            let k = k.into();
            let v = a
                .meta
                .coerce_config(&k, v.into())
                .map_err(SimError::Invalid)?;
            a.config.insert(k, v);
        }
        if a.effective_config() != before {
            a.config_version += 1;
        }
        Ok(())
    }

    /// Replace an application's charm (each unit's charm dir is refreshed from
    /// `charm_dir`, files the charm created are kept): upgrade-charm, then config-changed.
    pub fn upgrade_charm(&mut self, app: &str, charm_dir: impl AsRef<Path>) -> Result<()> {
        let charm_dir = charm_dir.as_ref().canonicalize().map_err(io_err(format!(
            "charm directory {}",
            charm_dir.as_ref().display()
        )))?;
        let meta = CharmMeta::load(&charm_dir)?;
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        a.meta = meta;
        a.charm_dir = charm_dir.clone();
        for u in self.state.units.values_mut().filter(|u| u.app == app) {
            copy_dir(&charm_dir, &u.dir).map_err(io_err(format!(
                "cannot copy {} to {}",
                charm_dir.display(),
                u.dir.display()
            )))?;
            u.upgrade_pending = true;
        }
        Ok(())
    }

    /// Queue `update-status` on every live unit (Juju fires it every 5 minutes).
    pub fn update_status(&mut self) {
        for u in self.state.units.values_mut().filter(|u| !u.dying) {
            u.update_status_pending = true;
        }
    }

    fn gc_relations(&mut self) {
        let dead: Vec<u32> = self
            .state
            .relations
            .values()
            .filter(|r| {
                r.dying
                    && !self
                        .state
                        .units
                        .values()
                        .any(|u| u.rels.get(&r.id).is_some_and(|l| l.created))
            })
            .map(|r| r.id)
            .collect();
        for id in dead {
            self.state.relations.remove(&id);
            for u in self.state.units.values_mut() {
                u.rels.remove(&id);
            }
        }
    }

    // ---- running hooks -----------------------------------------------------------------

    /// Run hooks until none is pending (default bounds).
    pub fn settle(&mut self) -> Result<SettleReport> {
        self.settle_with(&SettleOptions::default())
    }

    /// Run hooks until none is pending: one hook per unit per round, units in name order.
    /// A failing hook is retried (up to `max_retries` times in this settle) and blocks its
    /// unit; other units go on. Errors when a unit stays in error or hooks keep firing.
    pub fn settle_with(&mut self, opts: &SettleOptions) -> Result<SettleReport> {
        let start = Instant::now();
        let mut report = SettleReport::default();
        let mut repeats: HashMap<(String, String, String), usize> = HashMap::new();
        let mut retries: HashMap<String, u32> = HashMap::new();
        let mut last_progress = Instant::now();
        loop {
            let mut ran = false;
            let mut names: Vec<String> = self.state.units.keys().cloned().collect();
            sort_units(&mut names);
            for name in names {
                let Some(unit) = self.state.units.get(&name) else {
                    continue;
                };
                let hook = match &unit.failed {
                    Some(f) => {
                        let n = retries.entry(name.clone()).or_insert(0);
                        if *n >= opts.max_retries {
                            continue;
                        }
                        *n += 1;
                        f.hook.clone()
                    }
                    None => match resolver::next_hook(&self.state, &name) {
                        Some(h) => h,
                        None => continue,
                    },
                };
                ran = true;
                let rec = self.run_hook(&name, hook)?;
                report.hooks += 1;
                if !rec.succeeded() {
                    report.failed_hooks += 1;
                }
                let key = (
                    rec.unit.clone(),
                    rec.hook.clone(),
                    rec.remote_unit.clone().unwrap_or_default(),
                );
                let n = {
                    let n = repeats.entry(key).or_insert(0);
                    *n += 1;
                    *n
                };
                if n >= opts.max_repeats || report.hooks >= opts.max_hooks {
                    let mut top: Vec<_> = repeats.iter().collect();
                    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                    let detail = top
                        .iter()
                        .take(4)
                        .map(|((u, h, r), n)| {
                            if r.is_empty() {
                                format!("{u} {h} ran {n} times")
                            } else {
                                format!("{u} {h} (remote {r}) ran {n} times")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    let detail = if n >= opts.max_repeats {
                        format!("hooks keep firing (a relation-data ping-pong?): {detail}")
                    } else {
                        let busy = self
                            .state
                            .units
                            .keys()
                            .filter(|u| resolver::next_hook(&self.state, u).is_some())
                            .count();
                        format!(
                            "max_hooks ({}) reached with {busy} units still having hooks to run",
                            opts.max_hooks
                        )
                    };
                    return Err(SimError::NotSettled {
                        hooks: report.hooks,
                        detail,
                    });
                }
                if opts.progress && last_progress.elapsed() > Duration::from_secs(2) {
                    last_progress = Instant::now();
                    let busy = self
                        .state
                        .units
                        .keys()
                        .filter(|u| resolver::next_hook(&self.state, u).is_some())
                        .count();
                    eprintln!(
                        "settling: {} hooks in {:.1}s, {busy} units with pending hooks",
                        report.hooks,
                        start.elapsed().as_secs_f64()
                    );
                }
            }
            if !ran {
                break;
            }
        }
        report.duration = start.elapsed();
        let mut stuck: Vec<&Unit> = self
            .state
            .units
            .values()
            .filter(|u| u.failed.is_some())
            .collect();
        stuck.sort_by(|a, b| state::cmp_units(&a.name, &b.name));
        if let Some(u) = stuck.first() {
            let f = u.failed.as_ref().expect("failed");
            let last = self.history().iter().rev().find(|r| r.unit == u.name);
            return Err(SimError::UnitInError {
                unit: u.name.clone(),
                hook: f.hook.name(),
                attempts: f.attempts,
                exit: last
                    .map(|r| match r.exit_code {
                        Some(c) => format!("exit code {c}"),
                        None if r.stderr.starts_with("cannot run ") => r.stderr.clone(),
                        None => "killed".into(),
                    })
                    .unwrap_or_default(),
                last_error: u
                    .logs
                    .iter()
                    .rev()
                    .find(|l| l.level == "ERROR" || l.level == "CRITICAL")
                    .map(|l| l.message.clone()),
            });
        }
        Ok(report)
    }

    fn hook_env(
        &self,
        unit: &Unit,
        ctx: &HookCtx,
        dispatch_path: &str,
        hook_name: &str,
    ) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        let mut set = |k: &str, v: &str| env.push((k.to_string(), v.to_string()));
        let dir = unit.dir.display().to_string();
        let path = std::env::var("PATH").unwrap_or_else(|_| {
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
        });
        set("PATH", &format!("{}:{path}", self.tools_dir.display()));
        set("JUJU_CHARM_DIR", &dir);
        set("CHARM_DIR", &dir);
        set("JUJU_CONTEXT_ID", &ctx.context_id);
        set("JUJU_HOOK_NAME", hook_name);
        set("JUJU_DISPATCH_PATH", dispatch_path);
        set(
            "JUJU_AGENT_SOCKET_ADDRESS",
            &self.socket.display().to_string(),
        );
        set("JUJU_AGENT_SOCKET_NETWORK", "unix");
        set("JUJU_UNIT_NAME", &unit.name);
        set("JUJU_MODEL_UUID", &self.state.uuid);
        set("JUJU_MODEL_NAME", &self.state.name);
        set("JUJU_API_ADDRESSES", "10.0.0.1:17070");
        set("JUJU_MACHINE_ID", &unit.machine.to_string());
        set("JUJU_PRINCIPAL_UNIT", "");
        set("JUJU_AVAILABILITY_ZONE", "");
        set("JUJU_VERSION", JUJU_VERSION);
        set("CLOUD_API_VERSION", "");
        for p in ["HTTP", "HTTPS", "FTP", "NO"] {
            set(&format!("JUJU_CHARM_{p}_PROXY"), "");
        }
        set("LANG", "C.UTF-8");
        set("TERM", "tmux-256color");
        set("DEBIAN_FRONTEND", "noninteractive");
        set("APT_LISTCHANGES_FRONTEND", "none");
        for k in ["HOME", "TMPDIR", "USER", "LOGNAME"] {
            if let Ok(v) = std::env::var(k) {
                set(k, &v);
            }
        }
        if let Some(h) = &ctx.hook {
            if let (Some(id), Some(ep)) = (h.relation, &h.endpoint) {
                set("JUJU_RELATION", ep);
                set("JUJU_RELATION_ID", &format!("{ep}:{id}"));
                set("JUJU_REMOTE_UNIT", h.remote_unit.as_deref().unwrap_or(""));
                set("JUJU_REMOTE_APP", h.remote_app.as_deref().unwrap_or(""));
                if let Some(d) = &h.departing {
                    set("JUJU_DEPARTING_UNIT", d);
                }
            }
            if let Some(x) = &h.secret {
                set("JUJU_SECRET_ID", &self.state.secret_uri(x));
                set("JUJU_SECRET_LABEL", h.secret_label.as_deref().unwrap_or(""));
                if let Some(rev) = h.secret_revision {
                    set("JUJU_SECRET_REVISION", &rev.to_string());
                }
            }
        }
        if let Some(name) = dispatch_path.strip_prefix("actions/") {
            set("JUJU_ACTION_NAME", name);
            set("JUJU_ACTION_UUID", &ctx.action_id.to_string());
            set("JUJU_ACTION_TAG", &format!("action-{}", ctx.action_id));
        }
        for (k, v) in &self.extra_env {
            set(k, v);
        }
        env
    }

    /// Run one process for `unit` with a fresh context; returns the context and the record.
    fn execute(
        &mut self,
        name: &str,
        hook: Option<Hook>,
        action: Option<(String, Value)>,
    ) -> Result<(HookCtx, HookRecord)> {
        let unit = self
            .state
            .units
            .get(name)
            .ok_or_else(|| SimError::UnknownUnit(name.into()))?;
        let (hook_name, dispatch_path, label) = match (&hook, &action) {
            (Some(h), _) => {
                let n = h.name();
                (n.clone(), format!("hooks/{n}"), n)
            }
            (None, Some((a, _))) => (String::new(), format!("actions/{a}"), format!("action {a}")),
            (None, None) => unreachable!("execute needs a hook or an action"),
        };
        let nonce = splitmix(&mut self.state.rng);
        let context_id = format!(
            "{name}-{}-{nonce:016x}{:016x}",
            if hook_name.is_empty() {
                "action"
            } else {
                &hook_name
            },
            splitmix(&mut self.state.rng)
        );
        let mut ctx = HookCtx {
            unit: name.to_string(),
            app: unit.app.clone(),
            context_id: context_id.clone(),
            hook: hook.clone(),
            action: action.as_ref().map(|(_, params)| ActionCtx {
                params: params.clone(),
                ..ActionCtx::default()
            }),
            leader: self.state.is_leader(name),
            hook_name: label.clone(),
            action_id: self.history.len() as u64 + 1,
            rel_writes: BTreeMap::new(),
            state: None,
            ports: None,
            secrets: None,
            rng: self.state.rng,
            unit_status: None,
            app_status: None,
            app_version: None,
            logs: Vec::new(),
            calls: Vec::new(),
        };
        let mut record = HookRecord {
            unit: name.to_string(),
            hook: label,
            relation_id: hook.as_ref().and_then(|h| h.relation),
            remote_unit: hook.as_ref().and_then(|h| h.remote_unit.clone()),
            exit_code: Some(0),
            duration: Duration::ZERO,
            peak_rss: None,
            cpu_time: None,
            tool_calls: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
        };
        let dispatch = unit.dir.join("dispatch");
        let exe = if dispatch.exists() {
            dispatch
        } else {
            unit.dir.join(&dispatch_path)
        };
        if !exe.exists() {
            // Missing hook: skipped, as Juju does (an action fails).
            if action.is_some() {
                record.exit_code = None;
                record.stderr = format!("action not implemented on unit {name:?}");
            }
            return Ok((ctx, record));
        }
        let env = self.hook_env(unit, &ctx, &dispatch_path, &hook_name);
        let out_dir = unit.dir.parent().unwrap_or(&unit.dir).to_path_buf();
        let out_path = out_dir.join("hook.stdout");
        let err_path = out_dir.join("hook.stderr");
        let stdout =
            std::fs::File::create(&out_path).map_err(io_err("cannot create hook output file"))?;
        let stderr =
            std::fs::File::create(&err_path).map_err(io_err("cannot create hook output file"))?;
        let start = Instant::now();
        let spawned = Command::new(&exe)
            .current_dir(&unit.dir)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                record.exit_code = None;
                record.stderr = format!("cannot run {}: {e}", exe.display());
                record.duration = start.elapsed();
                return Ok((ctx, record));
            }
        };
        let pid = child.id();
        let (tx, rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let socket = self.socket.clone();
        let wake_id = context_id.clone();
        std::thread::spawn(move || {
            // `wait4` also gives the resource usage; on failure (EINTR) the child is not
            // reaped yet and a plain `wait` still works.
            let status = match wait4::Wait4::wait4(&mut child) {
                Ok(r) => Ok((
                    r.status,
                    Some(r.rusage.maxrss),
                    Some(r.rusage.utime + r.rusage.stime),
                )),
                Err(_) => child.wait().map(|s| (s, None, None)),
            };
            let _ = tx.send(status);
            let wake = serde_json::to_vec(&ToolRequest {
                context_id: wake_id,
                argv: Vec::new(),
                stdin: None,
                cwd: String::new(),
                wake: true,
            })
            .unwrap_or_default();
            for _ in 0..50 {
                if let Ok(mut s) = UnixStream::connect(&socket) {
                    let _ = s.write_all(&wake);
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let timeout = self.hook_timeout;
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        });
        loop {
            let Ok((mut stream, _)) = self.listener.accept() else {
                break;
            };
            let mut buf = Vec::new();
            if stream.read_to_end(&mut buf).is_err() {
                continue;
            }
            let Ok(req) = serde_json::from_slice::<ToolRequest>(&buf) else {
                continue;
            };
            if req.wake {
                if req.context_id == context_id {
                    break;
                }
                continue;
            }
            let resp = if req.context_id == context_id {
                tools::handle(&self.state, &mut ctx, &req)
            } else {
                ToolResponse {
                    code: 1,
                    stdout: String::new(),
                    stderr: format!("ERROR context {:?} is not running\n", req.context_id),
                }
            };
            let _ = stream.write_all(&serde_json::to_vec(&resp).unwrap_or_default());
        }
        let waited = rx.recv().ok().and_then(|s| s.ok());
        drop(done_tx);
        record.duration = start.elapsed();
        let status = waited.map(|(s, _, _)| s);
        if let Some((_, rss, cpu)) = waited {
            record.peak_rss = rss;
            record.cpu_time = cpu;
        }
        record.exit_code = status.and_then(|s| s.code());
        record.stdout = truncate(std::fs::read_to_string(&out_path).unwrap_or_default());
        record.stderr = truncate(std::fs::read_to_string(&err_path).unwrap_or_default());
        if status.is_none() || record.exit_code.is_none() {
            use std::os::unix::process::ExitStatusExt;
            if let Some(sig) = status.and_then(|s| s.signal()) {
                record
                    .stderr
                    .push_str(&format!("\n(killed by signal {sig})"));
            }
        }
        record.tool_calls = std::mem::take(&mut ctx.calls);
        Ok((ctx, record))
    }

    /// Apply what takes effect at once (status, logs, version) and, if `commit`, the
    /// buffered changes.
    fn finish(&mut self, ctx: HookCtx, commit: bool) {
        self.state.rng = ctx.rng;
        let name = ctx.unit.clone();
        if let Some(a) = self.state.apps.get_mut(&ctx.app) {
            if let Some(s) = ctx.app_status {
                a.status = Some(s);
            }
            if let Some(v) = ctx.app_version {
                a.version = v;
            }
        }
        let Some(unit) = self.state.units.get_mut(&name) else {
            return;
        };
        if let Some(s) = ctx.unit_status {
            unit.workload = s;
        }
        unit.logs.extend(ctx.logs);
        if !commit {
            return;
        }
        if let Some(s) = ctx.state {
            unit.state = s;
        }
        if let Some(p) = ctx.ports {
            unit.ports = p;
        }
        if let Some(s) = ctx.secrets {
            self.state.secrets = s;
        }
        for ((rel, owner), data) in ctx.rel_writes {
            let Some(r) = self.state.relations.get_mut(&rel) else {
                continue;
            };
            let is_app = !owner.contains('/');
            let peer = r.is_peer();
            let bag = if is_app {
                r.app_bags.entry(owner.clone()).or_default()
            } else {
                r.unit_bags.entry(owner.clone()).or_default()
            };
            if bag.data != data {
                bag.data = data;
                bag.version += 1;
                if is_app && peer {
                    let v = bag.version;
                    if let Some(l) = self
                        .state
                        .units
                        .get_mut(&name)
                        .and_then(|u| u.rels.get_mut(&rel))
                    {
                        l.app_seen.insert(owner, v);
                    }
                }
            }
        }
    }

    fn run_hook(&mut self, name: &str, hook: Hook) -> Result<HookRecord> {
        let (ctx, record) = self.execute(name, Some(hook.clone()), None)?;
        let ok = record.succeeded();
        self.finish(ctx, ok);
        if ok {
            if let Some(u) = self.state.units.get_mut(name) {
                u.failed = None;
            }
            if resolver::commit(&mut self.state, name, &hook) {
                if let Some(u) = self.state.units.remove(name) {
                    let app = u.app.clone();
                    self.removed.insert(name.to_string(), u);
                    if let Some(a) = self.state.apps.get_mut(&app) {
                        if a.leader.as_deref() == Some(name) {
                            a.leader = None;
                        }
                    }
                }
            }
            self.gc_relations();
            self.gc_apps();
        } else if let Some(u) = self.state.units.get_mut(name) {
            let attempts = u.failed.as_ref().map(|f| f.attempts).unwrap_or(0) + 1;
            u.failed = Some(FailedHook {
                hook: hook.clone(),
                attempts,
            });
        }
        self.record(record.clone());
        Ok(record)
    }

    /// Run an action on a unit (Juju: `juju run <unit> <action>`). The unit does not go
    /// into error when it fails; its changes are committed only when the process exits 0.
    pub fn run_action(&mut self, unit: &str, action: &str, params: Value) -> Result<ActionOutcome> {
        let u = self
            .state
            .units
            .get(unit)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        let meta = &self.state.apps[&u.app].meta;
        let Some(spec) = meta.actions.get(action) else {
            return Err(SimError::Invalid(format!(
                "action {action:?} not defined for unit {unit:?}"
            )));
        };
        let mut full = serde_json::Map::new();
        if let Some(props) = spec.get("params").and_then(Value::as_object) {
            for (k, p) in props {
                if let Some(d) = p.get("default") {
                    full.insert(k.clone(), d.clone());
                }
            }
        }
        if let Value::Object(m) = params {
            full.extend(m);
        }
        let (mut ctx, record) =
            self.execute(unit, None, Some((action.into(), Value::Object(full))))?;
        let act = ctx.action.take().unwrap_or_default();
        let ok = record.succeeded();
        self.finish(ctx, ok);
        self.record(record.clone());
        let (status, message) = match (&record.exit_code, act.failed) {
            (Some(0), None) => ("completed", String::new()),
            (Some(0), Some(m)) => ("failed", m),
            (Some(c), _) => ("failed", format!("exit status {c}")),
            (None, _) if !record.stderr.is_empty() && record.tool_calls.is_empty() => {
                ("failed", record.stderr.clone())
            }
            (None, _) => ("failed", "killed".to_string()),
        };
        Ok(ActionOutcome {
            status: status.into(),
            message,
            results: Value::Object(act.results),
            logs: act.logs,
            record,
        })
    }

    // ---- reading the model ---------------------------------------------------------------

    fn unit(&self, name: &str) -> Result<&Unit> {
        self.state
            .units
            .get(name)
            .or_else(|| self.removed.get(name))
            .ok_or_else(|| SimError::UnknownUnit(name.into()))
    }

    /// Names of the applications.
    pub fn applications(&self) -> Vec<String> {
        self.state.apps.keys().cloned().collect()
    }

    /// Live units of an application, in order.
    pub fn units(&self, app: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .state
            .units
            .values()
            .filter(|u| u.app == app)
            .map(|u| u.name.clone())
            .collect();
        sort_units(&mut v);
        v
    }

    /// The leader of an application.
    pub fn leader(&self, app: &str) -> Option<String> {
        self.state.apps.get(app).and_then(|a| a.leader.clone())
    }

    /// Unit status as `juju status` shows it: `error` / `hook failed: "<hook>"` while a
    /// hook is failing, else the workload status the charm set.
    pub fn unit_status(&self, unit: &str) -> Result<Status> {
        let u = self.unit(unit)?;
        if let Some(f) = &u.failed {
            return Ok(Status::new(
                "error",
                &format!("hook failed: \"{}\"", f.hook.name()),
            ));
        }
        self.workload_status(unit)
    }

    /// The workload status the charm last set (kept while the unit is in error).
    pub fn workload_status(&self, unit: &str) -> Result<Status> {
        let u = self.unit(unit)?;
        if u.started && u.workload.status == "waiting" && u.workload.message == "agent initialising"
        {
            return Ok(Status::new("unknown", ""));
        }
        Ok(u.workload.clone())
    }

    /// Application status: what the leader set, else derived from the units.
    pub fn app_status(&self, app: &str) -> Result<Status> {
        let a = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        if let Some(s) = &a.status {
            return Ok(s.clone());
        }
        let rank = |s: &str| match s {
            "error" => 7,
            "blocked" => 6,
            "waiting" => 5,
            "maintenance" => 4,
            "terminated" => 3,
            "active" => 2,
            _ => 1,
        };
        let mut best = Status::new("unknown", "");
        for u in self.units(app) {
            let s = self.unit_status(&u)?;
            if rank(&s.status) > rank(&best.status) {
                best = s;
            }
        }
        Ok(best)
    }

    /// The version set with `application-version-set`.
    pub fn app_version(&self, app: &str) -> Result<String> {
        Ok(self
            .state
            .apps
            .get(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?
            .version
            .clone())
    }

    /// All relations.
    pub fn relations(&self) -> Vec<RelationInfo> {
        self.state
            .relations
            .values()
            .map(|r| RelationInfo {
                id: r.id,
                interface: r.interface.clone(),
                endpoints: r
                    .ends
                    .iter()
                    .map(|e| format!("{}:{}", e.app, e.endpoint))
                    .collect(),
                peer: r.is_peer(),
                dying: r.dying,
            })
            .collect()
    }

    /// A committed databag: `owner` is an application name (app bag) or a unit name.
    pub fn relation_data(&self, id: u32, owner: &str) -> Result<BTreeMap<String, String>> {
        let r = self
            .state
            .relations
            .get(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        let bag = if owner.contains('/') {
            r.unit_bags.get(owner)
        } else {
            r.app_bags.get(owner)
        };
        Ok(bag.map(|b| b.data.clone()).unwrap_or_default())
    }

    /// Units in scope of a relation.
    pub fn relation_units(&self, id: u32) -> Result<Vec<String>> {
        let r = self
            .state
            .relations
            .get(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        let mut v: Vec<String> = r.scope.iter().cloned().collect();
        sort_units(&mut v);
        Ok(v)
    }

    fn secret_info(&self, s: &state::Secret) -> SecretInfo {
        SecretInfo {
            uri: self.state.secret_uri(&s.xid),
            xid: s.xid.clone(),
            owner: match &s.owner {
                Owner::App(a) | Owner::Unit(a) => a.clone(),
            },
            label: s.label.clone(),
            revision: s.latest,
            revisions: s.revisions.clone(),
            grants: s
                .grants
                .iter()
                .map(|(r, g)| {
                    (
                        *r,
                        match g {
                            Grantee::App(a) | Grantee::Unit(a) => a.clone(),
                        },
                    )
                })
                .collect(),
            consumers: s
                .consumers
                .iter()
                .map(|(u, c)| (u.clone(), (c.label.clone(), c.tracked)))
                .collect(),
        }
    }

    /// All secrets.
    pub fn secrets(&self) -> Vec<SecretInfo> {
        self.state
            .secrets
            .values()
            .map(|s| self.secret_info(s))
            .collect()
    }

    /// A secret by URI, xid, or owner label.
    pub fn secret(&self, id_or_label: &str) -> Result<SecretInfo> {
        let found = parse_secret_id(id_or_label)
            .and_then(|x| self.state.secrets.get(&x))
            .or_else(|| {
                self.state
                    .secrets
                    .values()
                    .find(|s| s.label.as_deref() == Some(id_or_label))
            })
            .ok_or_else(|| SimError::Invalid(format!("secret {id_or_label:?} not found")))?;
        Ok(self.secret_info(found))
    }

    /// `juju-log` lines of a unit (also of removed units).
    pub fn logs(&self, unit: &str) -> Result<&[LogLine]> {
        Ok(&self.unit(unit)?.logs)
    }

    /// The unit's private charm directory (`JUJU_CHARM_DIR`).
    pub fn unit_dir(&self, unit: &str) -> Result<PathBuf> {
        Ok(self.unit(unit)?.dir.clone())
    }

    /// Read a file in the unit's charm directory (`None` if it does not exist).
    pub fn read_unit_file(&self, unit: &str, path: &str) -> Result<Option<String>> {
        let p = self.unit(unit)?.dir.join(path);
        match std::fs::read_to_string(&p) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SimError::Io {
                context: format!("cannot read {}", p.display()),
                source: e,
            }),
        }
    }

    /// Server-side charm state (`state-set`) of a unit.
    pub fn unit_state(&self, unit: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.unit(unit)?.state.clone())
    }

    /// Ports opened by a unit.
    pub fn opened_ports(&self, unit: &str) -> Result<Vec<String>> {
        Ok(self.unit(unit)?.ports.iter().cloned().collect())
    }

    /// Every hook and action run so far (the most recent [`Model::set_history_limit`]).
    pub fn history(&self) -> &[HookRecord] {
        &self.history
    }

    /// Keep at most this many records in [`Model::history`] (default 200 000; when the
    /// limit is reached the oldest half is dropped).
    pub fn set_history_limit(&mut self, limit: usize) {
        self.history_limit = limit.max(1);
        if self.history.len() > self.history_limit {
            let excess = self.history.len() - self.history_limit;
            self.history.drain(..excess);
        }
    }

    fn record(&mut self, rec: HookRecord) {
        if self.verbose {
            eprintln!("{}", format_record(&rec));
        }
        if self.history.len() >= self.history_limit {
            let half = (self.history_limit / 2).max(1);
            self.history.drain(..half);
        }
        self.history.push(rec);
    }

    /// Forget the history (e.g. between test phases).
    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// Hooks run so far by one unit, as `hook` or `hook(remote)` strings.
    pub fn hook_names(&self, unit: &str) -> Vec<String> {
        self.history()
            .iter()
            .filter(|r| r.unit == unit)
            .map(|r| match r.remote_unit.as_deref() {
                Some(u) if !u.is_empty() => format!("{}({u})", r.hook),
                _ => r.hook.clone(),
            })
            .collect()
    }

    /// A `juju status`-like table.
    pub fn status_table(&self) -> String {
        table::render(self)
    }

    pub(crate) fn unit_meta(&self, unit: &str) -> Option<(u32, String, Vec<String>)> {
        self.state.units.get(unit).map(|u| {
            (
                u.machine,
                u.address.clone(),
                u.ports.iter().cloned().collect(),
            )
        })
    }

    pub(crate) fn relation_rows(&self) -> Vec<(String, String, String, String)> {
        self.state
            .relations
            .values()
            .filter(|r| !r.dying)
            .map(|r| {
                let p = format!("{}:{}", r.ends[0].app, r.ends[0].endpoint);
                let q = r
                    .ends
                    .get(1)
                    .map(|e| format!("{}:{}", e.app, e.endpoint))
                    .unwrap_or_else(|| p.clone());
                let kind = if r.is_peer() { "peer" } else { "regular" };
                (p, q, r.interface.clone(), kind.to_string())
            })
            .collect()
    }

    pub(crate) fn charm_name(&self, app: &str) -> String {
        self.state
            .apps
            .get(app)
            .map(|a| a.meta.name.clone())
            .unwrap_or_default()
    }
}

/// One line per hook for `--verbose`.
pub fn format_record(r: &HookRecord) -> String {
    let rc = match r.exit_code {
        Some(c) => format!("rc={c}"),
        None => "killed".to_string(),
    };
    let remote = match r.remote_unit.as_deref() {
        Some(u) if !u.is_empty() => format!(" ({u})"),
        _ => String::new(),
    };
    let mut s = format!(
        "{:<14} {:<34} {rc:<7} {:>5}ms  {} tool calls",
        r.unit,
        format!("{}{remote}", r.hook),
        r.duration.as_millis(),
        r.tool_calls.len()
    );
    if !r.succeeded() {
        let lines: Vec<&str> = r.stderr.lines().collect();
        for l in &lines[lines.len().saturating_sub(5)..] {
            s.push_str("\n    | ");
            s.push_str(l);
        }
    }
    for c in &r.tool_calls {
        s.push_str("\n    ");
        s.push_str(&c.argv.join(" "));
        if c.exit_code != 0 {
            s.push_str(&format!("  => rc={} {}", c.exit_code, c.stderr.trim_end()));
        }
    }
    s
}
