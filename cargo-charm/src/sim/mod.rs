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
//! The answers, and the rules behind them, are `juju_model`'s (the in-memory test backend
//! of `charm-runtime` answers with the same). Here: [`Model`]'s changes (`ops`), the hook
//! queue of each unit (`resolver`, `hook`), the settle loop (`settle`), one hook process
//! (`run`, `env`), its tool calls (`server`) and what it leaves (`commit`), the readers
//! (`query`), and [`HookSession`], the tools without a process.
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

mod binary;
mod commit;
mod containers;
mod data;
mod env;
mod error;
mod files;
mod hook;
mod ops;
mod picture;
mod query;
mod record;
mod resolver;
mod run;
pub(crate) mod server;
mod session;
mod settle;
mod state;
mod table;
mod yaml_model;

use std::collections::BTreeMap;
use std::fmt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use state::{splitmix, State, Unit};

pub use binary::{mark_built_from, tool_binary};
pub use charm_pebble_server::{CheckOverride, ExecReply, ExecRequest};
pub use containers::CONTAINERS_DIR_VAR;
pub(crate) use error::io_err;
pub use error::{Result, SimError};
pub use juju_model::Status;
pub use record::{
    format_record, ActionOutcome, HookRecord, LogLine, RelationInfo, SecretInfo, SettleOptions,
    SettleReport, ToolCall,
};
pub use session::HookSession;
pub use yaml_model::{ModelFile, ModelFileApp, ModelFileContainer, ModelFileExec, MAX_UNITS};

/// Config values for `deploy` / `set_config` (option name to value; strings are coerced
/// to the option's declared type).
pub type Config = BTreeMap<String, Value>;

/// The Juju version the simulator reports (`JUJU_VERSION`).
pub const JUJU_VERSION: &str = "3.6.8";

/// Every hook tool the simulator provides (the names symlinked on `PATH`): all the
/// tools [`juju_model::cli`] answers.
pub const TOOL_NAMES: &[&str] = juju_model::cli::TOOL_NAMES;

/// A simulated Juju model.
pub struct Model {
    /// First, so it drops first: the Pebbles stop (their processes killed) while the
    /// model directory with their sockets is still there.
    workloads: containers::Workloads,
    state: State,
    work: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    tools_dir: PathBuf,
    /// Whether `tools_dir` holds the hook tools (linked on first use, see `Model::new`).
    tools_linked: bool,
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

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Model {
    /// An empty model, in a new directory `charm-sim-*` of the system's temporary
    /// directory (removed when the model is dropped; those that killed simulators left
    /// behind are removed here).
    ///
    /// Hook tools are the `cargo-charm` binary, looked for when the first hook runs:
    /// the one given to [`Model::set_tool_binary`], else `CARGO_CHARM_BIN` if set, else
    /// the running executable or one next to it (`target/<profile>/`), else the one
    /// `cargo build -p cargo-charm` produces in the current workspace.
    pub fn new(name: &str) -> Result<Model> {
        files::sweep_stale_models(&std::env::temp_dir());
        let tmp = tempfile::Builder::new()
            .prefix(files::MODEL_DIR_PREFIX)
            .tempdir()
            .map_err(io_err("cannot create the model directory"))?;
        let work = tmp.path().to_path_buf();
        files::mark_owner(&work).map_err(io_err("cannot mark the model directory"))?;
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
        Ok(Model {
            workloads: Default::default(),
            state: State {
                name: name.to_string(),
                uuid,
                rng: seed,
                ..State::default()
            },
            tools_dir: work.join("tools"),
            tools_linked: false,
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
        })
    }

    /// Load a model file (see [`ModelFile`]): deploy its applications and relations
    /// (does not settle). The hook tools are looked for when the first hook runs, so
    /// [`Model::set_tool_binary`] may still choose them.
    pub fn from_yaml(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let file = ModelFile::load(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut m = Model::new(&file.name)?;
        file.apply(&mut m, base)?;
        Ok(m)
    }

    /// Use `binary` (a `cargo-charm` executable) for the hook tools (call it before the
    /// first hook runs, or to change them between hooks).
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
        self.tools_linked = true;
        Ok(())
    }

    /// Links the hook tools found by [`binary::tool_binary`] unless
    /// [`Model::set_tool_binary`] already did.
    pub(crate) fn ensure_tools(&mut self) -> Result<()> {
        if !self.tools_linked {
            self.set_tool_binary(&binary::tool_binary()?)?;
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
            files::unmark_owner(&self.work);
        }
        self.work.clone()
    }
}
