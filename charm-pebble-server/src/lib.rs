//! A Pebble for the charm simulator: Pebble's HTTP API over a unix socket, for
//! one workload container whose filesystem is a directory on the host.
//!
//! The charm's Pebble client — `charm_pebble::Client`, `ops.pebble.Client`,
//! Go's — talks to it as to the real Pebble in a Kubernetes pod:
//!
//! - **layers and the plan**: Pebble's parsing, validation, `override:
//!   merge|replace` combining and error texts;
//! - **services** are real child processes, each in its own process group:
//!   the 1 s okay delay, `on-success`/`on-failure` actions with restart
//!   backoff, `kill-delay` (SIGTERM to the group, then SIGKILL), signals,
//!   `on-check-failure`; their state lives in this server, so it outlives the
//!   charm's hook processes;
//! - **files** map container paths under the root; symlinks resolve inside it,
//!   so no path reaches outside;
//! - **exec** runs a real process (working directory under the root) with its
//!   streams over websockets, or a handler registered with
//!   [`PebbleServer::on_exec`];
//! - **checks** (http, tcp, exec) with period, timeout and threshold; the
//!   embedder can force a result ([`PebbleServer::force_check`]);
//! - **notices**, **changes and tasks** (`wait_change`), signals, system info.
//!
//! The embedder (the simulator) subscribes to what Juju turns into hooks
//! ([`PebbleEvent`]), restarts the container ([`PebbleServer::restart_container`])
//! and shuts the server down, every process group with it.
//!
//! ```
//! use charm_pebble::{Layer, Pebble, Service, ServiceStatus};
//! use charm_pebble_server::{PebbleServer, ServerConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let config = ServerConfig { okay_delay: std::time::Duration::from_millis(100), ..ServerConfig::default() };
//! let server = PebbleServer::start_with(dir.path().join("root"), dir.path().join("pebble.socket"), config)?;
//! let pebble = server.client();
//! let layer = Layer::new().service("sleeper", Service::new("sleep 60").enabled());
//! pebble.add_layer("base", &layer, false)?;
//! pebble.replan_services()?;
//! assert_eq!(pebble.get_service("sleeper")?.unwrap().current, ServiceStatus::Active);
//! server.shutdown(); // the sleep is killed with its process group
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Processes run as the simulator's own user, seen as root (uid 0) in the
//! container; `user`/`group` fields are checked against the root's
//! `etc/passwd` and `etc/group` and recorded, not applied. Programs are looked
//! up in the container root first, then on the simulator's `PATH`.

mod api;
mod checks;
mod daemon;
mod duration;
mod exec;
mod files;
mod http;
mod plan;
mod process;
mod services;
mod users;

use std::collections::BTreeMap;
use std::io::{self, BufReader};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use charm_pebble::CheckStatus;

use crate::daemon::{Daemon, State};

/// Settings of a [`PebbleServer`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How long a service must run before its start counts as done (Pebble's
    /// `okayDelay`, 1 s); a service that exits sooner failed to start.
    pub okay_delay: Duration,
    /// The version `system-info` reports.
    pub version: String,
    /// The container's environment, which every service and exec inherits under its
    /// own (`environment:` of the service, of the exec): what the pod spec sets, as
    /// Juju sets `PEBBLE_SOCKET` and `JUJU_CONTAINER_NAME` in a workload container.
    pub environment: BTreeMap<String, String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            okay_delay: Duration::from_secs(1),
            version: format!("charm-pebble-server/{}", env!("CARGO_PKG_VERSION")),
            environment: BTreeMap::new(),
        }
    }
}

/// Something Juju turns into a hook on the charm's unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PebbleEvent {
    /// A custom notice occurred (new, or repeated after its `repeat-after`):
    /// `<container>-pebble-custom-notice` with `JUJU_NOTICE_ID`,
    /// `JUJU_NOTICE_TYPE=custom`, `JUJU_NOTICE_KEY`.
    CustomNotice {
        /// The notice id.
        id: String,
        /// The notice key, e.g. `example.com/db-ready`.
        key: String,
    },
    /// A check reached its failure threshold (its perform-check change
    /// errored): `<container>-pebble-check-failed` with `JUJU_PEBBLE_CHECK_NAME`.
    CheckFailed {
        /// The check name.
        check: String,
    },
    /// A failed check passed again (its recover-check change is done):
    /// `<container>-pebble-check-recovered`.
    CheckRecovered {
        /// The check name.
        check: String,
    },
}

/// A forced check result (see [`PebbleServer::force_check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOverride {
    /// Every run fails with this message.
    Fail(String),
    /// Every run passes.
    Pass,
}

/// An exec a handler answers (see [`PebbleServer::on_exec`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// The command line.
    pub command: Vec<String>,
    /// The environment it would run with.
    pub environment: BTreeMap<String, String>,
    /// Its working directory (a container path).
    pub working_dir: String,
    /// The uid asked for, if any.
    pub user_id: Option<u32>,
    /// The gid asked for, if any.
    pub group_id: Option<u32>,
    /// Everything the client sent on standard input.
    pub stdin: Vec<u8>,
}

/// What a faked command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecReply {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code.
    pub exit_code: i32,
}

impl ExecReply {
    /// Exit code `code`, no output.
    pub fn exit(code: i32) -> ExecReply {
        ExecReply {
            exit_code: code,
            ..ExecReply::default()
        }
    }
    /// Exit code 0 with this standard output.
    pub fn stdout(out: impl Into<Vec<u8>>) -> ExecReply {
        ExecReply {
            stdout: out.into(),
            ..ExecReply::default()
        }
    }
}

/// A handler that answers an exec instead of a real process.
pub type ExecHandler = dyn Fn(&ExecRequest) -> ExecReply + Send + Sync;

/// A running Pebble server for one container. Dropping it shuts it down.
pub struct PebbleServer {
    daemon: Arc<Daemon>,
    socket: PathBuf,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PebbleServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PebbleServer")
            .field("root", &self.daemon.root)
            .field("socket", &self.socket)
            .finish()
    }
}

impl PebbleServer {
    /// Serves the container whose root is `root` (created if missing) on the
    /// unix socket `socket` (a stale socket file there is replaced).
    pub fn start(root: impl Into<PathBuf>, socket: impl Into<PathBuf>) -> io::Result<PebbleServer> {
        PebbleServer::start_with(root, socket, ServerConfig::default())
    }

    /// [`start`](Self::start) with settings.
    pub fn start_with(
        root: impl Into<PathBuf>,
        socket: impl Into<PathBuf>,
        config: ServerConfig,
    ) -> io::Result<PebbleServer> {
        let root = root.into();
        let socket = socket.into();
        std::fs::create_dir_all(&root)?;
        let root = root.canonicalize()?;
        if let Some(parent) = socket.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::symlink_metadata(&socket).is_ok() {
            std::fs::remove_file(&socket)?;
        }
        let listener = UnixListener::bind(&socket)?;
        let daemon = Arc::new(Daemon::new(root, config));
        let d = Arc::clone(&daemon);
        let accept = thread::Builder::new()
            .name("pebble-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if d.lock().shutting_down {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let d = Arc::clone(&d);
                    thread::spawn(move || serve(&d, conn));
                }
            })?;
        Ok(PebbleServer {
            daemon,
            socket,
            accept: Some(accept),
        })
    }

    /// The socket path.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The container root on the host.
    pub fn root(&self) -> &Path {
        &self.daemon.root
    }

    /// A client for this server.
    pub fn client(&self) -> charm_pebble::Client {
        charm_pebble::Client::new(&self.socket)
    }

    /// Events Juju turns into hooks, from now on, in order.
    pub fn subscribe(&self) -> mpsc::Receiver<PebbleEvent> {
        self.daemon.subscribe()
    }

    /// Answers execs whose command starts with `prefix` with `handler`
    /// instead of a real process (the longest matching prefix wins; an empty
    /// prefix matches everything). Handled commands need no executable.
    pub fn on_exec(
        &self,
        prefix: &[&str],
        handler: impl Fn(&ExecRequest) -> ExecReply + Send + Sync + 'static,
    ) {
        let prefix: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        let mut h = self
            .daemon
            .exec_handlers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        h.retain(|(p, _)| *p != prefix);
        h.push((prefix, Arc::new(handler)));
    }

    /// Forces every run of check `name` to fail or pass (`None`: probe for
    /// real again). The check's period and threshold still apply; see
    /// [`refresh_check`](Self::refresh_check) to run it at once.
    pub fn force_check(&self, name: &str, outcome: Option<CheckOverride>) {
        let mut o = self
            .daemon
            .check_overrides
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match outcome {
            Some(v) => {
                o.insert(name.to_string(), v);
            }
            None => {
                o.remove(name);
            }
        }
    }

    /// Runs check `name` once now (`POST /v1/checks/refresh`) and records the
    /// result; returns its status, or `None` if the plan has no such check.
    pub fn refresh_check(&self, name: &str) -> Option<CheckStatus> {
        api::refresh(&self.daemon, name)?;
        self.daemon.lock().checks.get(name).map(|c| c.status())
    }

    /// What a service wrote (standard output and error, the last 100 KiB).
    pub fn service_logs(&self, name: &str) -> Option<String> {
        let st = self.daemon.lock();
        let svc = st.services.get(name)?;
        let logs = svc.logs.lock().unwrap_or_else(|p| p.into_inner());
        Some(String::from_utf8_lossy(&logs.iter().copied().collect::<Vec<u8>>()).into_owned())
    }

    /// Restarts the container as Kubernetes would: every process is killed,
    /// Pebble's state (layers, services, checks, changes, notices) starts
    /// afresh with a new boot id. The files under the root stay.
    pub fn restart_container(&self) {
        {
            let mut st = self.daemon.lock();
            let generation = st.generation + 1;
            *st = State::new(generation);
        }
        services::kill_everything(&self.daemon);
        self.daemon.cond.notify_all();
        self.daemon.join_waiters();
    }

    /// Stops serving and kills every process group it started, waiting until
    /// each service process is reaped. Also done on drop.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        {
            let mut st = self.daemon.lock();
            st.shutting_down = true;
            st.generation += 1;
        }
        self.daemon.cond.notify_all();
        // Wake the accept loop. If the socket file is gone (its directory removed
        // first), nothing can wake it: leave the thread blocked rather than hang here.
        if UnixStream::connect(&self.socket).is_ok() {
            let _ = accept.join();
        }
        services::kill_everything(&self.daemon);
        self.daemon.join_waiters();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for PebbleServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One connection: one request, one answer (or a websocket upgrade).
fn serve(d: &Arc<Daemon>, conn: UnixStream) {
    let Ok(write) = conn.try_clone() else { return };
    let mut reader = BufReader::with_capacity(64 * 1024, conn);
    let req = match http::read_request(&mut reader) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            let _ = http::Response::error(400, e).write_to(&mut &write);
            return;
        }
    };
    let parts: Vec<&str> = req.path.split('/').collect();
    if let (Some(true), ["", "v1", "tasks", task, "websocket", name]) = (
        req.header("upgrade")
            .map(|u| u.eq_ignore_ascii_case("websocket")),
        &parts[..],
    ) {
        let (task, name) = (task.to_string(), name.to_string());
        if let Some(resp) = exec::connect(d, &req, &task, &name, reader) {
            let _ = resp.write_to(&mut &write);
        }
        return;
    }
    let resp = api::route(d, &req);
    let _ = resp.write_to(&mut &write);
}

/// The README's example, compiled.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
