//! Running one hook or action as a process: its context, the process with Juju's
//! environment, the tool calls it makes over the socket while it runs, and its record.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, waitid, Pid, Signal, WaitId, WaitIdOptions};
use serde_json::Value;

use super::files::read_tail;
use super::hook::Hook;
use super::resolver;
use super::server::{handle, HookCtx, ToolRequest, ToolResponse};
use super::state::{splitmix, FailedHook};
use super::{io_err, ActionOutcome, HookRecord, Model, Result, SimError};

/// How a hook process ended: its status, peak RSS and CPU time (from `wait4`).
type Waited = (ExitStatus, Option<u64>, Option<Duration>);

/// What is known of a hook before its process runs.
struct Launch {
    exe: PathBuf,
    dispatch_path: String,
    hook_name: String,
    out_path: PathBuf,
    err_path: PathBuf,
}

impl Model {
    /// Runs `hook` on unit `name`, commits it if it exits 0 (advancing the unit's view)
    /// or marks the unit in error, and records it.
    pub(crate) fn run_hook(&mut self, name: &str, hook: Hook) -> Result<HookRecord> {
        let (ctx, record) = self.execute(name, Some(hook.clone()), None)?;
        let ok = self.finish(ctx, record.succeeded());
        if ok {
            if let Some(u) = self.state.units.get_mut(name) {
                u.failed = None;
            }
            if resolver::commit(&mut self.state, name, &hook) {
                self.forget_unit(name);
            }
            self.gc_relations();
            self.gc_apps();
        } else if let Some(u) = self.state.units.get_mut(name) {
            let attempts = u.failed.as_ref().map(|f| f.attempts).unwrap_or(0) + 1;
            u.failed = Some(FailedHook { hook, attempts });
        }
        self.record(record.clone());
        Ok(record)
    }

    /// A unit that ran its remove hook leaves the model (its record stays readable).
    fn forget_unit(&mut self, name: &str) {
        let Some(u) = self.state.units.remove(name) else {
            return;
        };
        if let Some(a) = self.state.apps.get_mut(&u.app) {
            if a.leader.as_deref() == Some(name) {
                a.leader = None;
            }
        }
        self.removed.insert(name.to_string(), u);
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
        let (mut ctx, record) = self.execute(unit, None, Some((action, Value::Object(full))))?;
        let act = ctx.tools.action.take().unwrap_or_default();
        let ok = record.succeeded();
        let committed = self.finish(ctx, ok);
        self.record(record.clone());
        let (status, message) = match (&record.exit_code, act.failure) {
            // `finalizeAction` in Juju's `internal/worker/uniter/runner/context/context.go`.
            (Some(0), None) if !committed => {
                ("failed", "committing requested changes failed".into())
            }
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

    /// A fresh context for a hook or action of unit `name`, with a new context id.
    pub(crate) fn new_context(
        &mut self,
        name: &str,
        hook: Option<Hook>,
        action: Option<(&str, Value)>,
    ) -> Result<HookCtx> {
        let unit = self
            .state
            .units
            .get(name)
            .ok_or_else(|| SimError::UnknownUnit(name.into()))?;
        let what = match &hook {
            Some(h) => h.name(),
            None => "action".to_string(),
        };
        let nonce = splitmix(&mut self.state.rng);
        let context_id = format!(
            "{name}-{what}-{nonce:016x}{:016x}",
            splitmix(&mut self.state.rng)
        );
        let mut ctx = HookCtx::new(unit, context_id, hook, action, self.state.rng);
        ctx.action_id = self.history.len() as u64 + 1;
        Ok(ctx)
    }

    /// Runs one process for `name` with a fresh context; returns the context and the
    /// record.
    fn execute(
        &mut self,
        name: &str,
        hook: Option<Hook>,
        action: Option<(&str, Value)>,
    ) -> Result<(HookCtx, HookRecord)> {
        let is_action = action.is_some();
        let mut ctx = self.new_context(name, hook, action)?;
        let mut record = HookRecord {
            unit: name.to_string(),
            hook: ctx.hook_name.clone(),
            relation_id: ctx.hook.as_ref().and_then(|h| h.relation),
            remote_unit: ctx.hook.as_ref().and_then(|h| h.remote_unit.clone()),
            exit_code: Some(0),
            duration: Duration::ZERO,
            peak_rss: None,
            cpu_time: None,
            tool_calls: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
        };
        let Some(launch) = self.launch(name, &ctx) else {
            // Missing hook: skipped, as Juju does (an action fails).
            if is_action {
                record.exit_code = None;
                record.stderr = format!("action not implemented on unit {name:?}");
            }
            return Ok((ctx, record));
        };
        self.ensure_tools()?;
        let create =
            |p: &Path| std::fs::File::create(p).map_err(io_err("cannot create hook output file"));
        let outputs = (create(&launch.out_path)?, create(&launch.err_path)?);
        let start = Instant::now();
        let child = match self.spawn(name, &ctx, &launch, outputs) {
            Ok(c) => c,
            Err(e) => {
                record.exit_code = None;
                record.stderr = format!("cannot run {}: {e}", launch.exe.display());
                record.duration = start.elapsed();
                return Ok((ctx, record));
            }
        };
        let waited = self.serve(&mut ctx, child);
        record.duration = start.elapsed();
        collect(&mut record, waited, &launch);
        record.tool_calls = std::mem::take(&mut ctx.calls);
        Ok((ctx, record))
    }

    /// The executable and output files of a hook of `name`: `dispatch` if the charm has
    /// one, else `hooks/<name>` or `actions/<name>`; `None` when there is neither.
    fn launch(&self, name: &str, ctx: &HookCtx) -> Option<Launch> {
        let unit = &self.state.units[name];
        let (dispatch_path, hook_name) = match (&ctx.hook, &ctx.action_name) {
            (Some(h), _) => (format!("hooks/{}", h.name()), h.name()),
            (None, Some(action)) => (format!("actions/{action}"), String::new()),
            (None, None) => return None,
        };
        let dispatch = unit.dir.join("dispatch");
        let exe = if dispatch.exists() {
            dispatch
        } else {
            unit.dir.join(&dispatch_path)
        };
        if !exe.exists() {
            return None;
        }
        let out_dir = unit.dir.parent().unwrap_or(&unit.dir);
        Some(Launch {
            exe,
            dispatch_path,
            hook_name,
            out_path: out_dir.join("hook.stdout"),
            err_path: out_dir.join("hook.stderr"),
        })
    }

    /// Starts the hook process in a process group of its own: cwd the charm dir, Juju's
    /// environment, no stdin, its output to `outputs`.
    fn spawn(
        &self,
        name: &str,
        ctx: &HookCtx,
        launch: &Launch,
        (stdout, stderr): (File, File),
    ) -> std::io::Result<Child> {
        let unit = &self.state.units[name];
        let env = self.hook_env(unit, ctx, &launch.dispatch_path, &launch.hook_name);
        self.hook_command(name, &launch.exe)
            .current_dir(&unit.dir)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
    }

    /// Answers the hook's tool calls until its process exits (a waiter thread then wakes
    /// the accept loop), then kills what is left of its process group and reaps it; kills
    /// the group after the hook timeout.
    fn serve(&mut self, ctx: &mut HookCtx, mut child: Child) -> Option<Waited> {
        let group = Arc::new(Group {
            leader: Pid::from_child(&child),
            reaped: Mutex::new(false),
        });
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let socket = self.socket.clone();
        let wake_id = ctx.context_id.clone();
        let leader = group.leader;
        std::thread::spawn(move || wait_and_wake(leader, &socket, wake_id));
        let timeout = self.hook_timeout;
        let killer = Arc::clone(&group);
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                killer.kill();
            }
        });
        while let Ok((mut stream, _)) = self.listener.accept() {
            let Some(buf) = read_request(&mut stream) else {
                continue;
            };
            let Ok(req) = serde_json::from_slice::<ToolRequest>(&buf) else {
                continue;
            };
            if req.wake {
                if req.context_id == ctx.context_id {
                    break;
                }
                continue;
            }
            let resp = if req.context_id == ctx.context_id {
                handle(&self.state, ctx, &req)
            } else {
                ToolResponse {
                    code: 1,
                    stdout: String::new(),
                    stderr: format!("ERROR context {:?} is not running\n", req.context_id),
                }
            };
            let _ = stream.set_write_timeout(Some(CONNECTION_TIMEOUT));
            let _ = stream.write_all(&serde_json::to_vec(&resp).unwrap_or_default());
        }
        drop(done_tx);
        group.kill_and_reap(&mut child).ok()
    }
}

/// How long one tool call may take to send its request, or to read its answer: a hook
/// tool sends its whole request as soon as it connects, so a connection that stays
/// silent longer (a process of the hook holding the socket open) is dropped rather than
/// stopping the model.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request a tool call may send (its arguments and `--file -` input).
const MAX_REQUEST: u64 = 64 << 20;

/// A tool call's request: everything it sends until it shuts down its side, unless it
/// takes longer than [`CONNECTION_TIMEOUT`] or is larger than [`MAX_REQUEST`].
fn read_request(stream: &mut UnixStream) -> Option<Vec<u8>> {
    let deadline = Instant::now() + CONNECTION_TIMEOUT;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        match stream.read(&mut chunk) {
            Ok(0) => return Some(buf),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() as u64 > MAX_REQUEST {
                    let resp = ToolResponse {
                        code: 1,
                        stdout: String::new(),
                        stderr: format!(
                            "ERROR the tool call is larger than {} MiB\n",
                            MAX_REQUEST >> 20
                        ),
                    };
                    let _ = stream.set_write_timeout(Some(CONNECTION_TIMEOUT));
                    let _ = stream.write_all(&serde_json::to_vec(&resp).unwrap_or_default());
                    return None;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// A hook's process group. Its leader, the hook process, stays unreaped (a zombie once
/// it exits) until the group has been killed: while it is, neither its pid nor the
/// group id can name another process, so a kill never reaches a stranger.
struct Group {
    leader: Pid,
    /// Set once the leader is reaped: the group id may be reused from then on.
    reaped: Mutex<bool>,
}

impl Group {
    /// SIGKILL every process of the group (the hook timeout), unless it was reaped.
    fn kill(&self) {
        let reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        if !*reaped {
            let _ = kill_process_group(self.leader, Signal::KILL);
        }
    }

    /// SIGKILL what is left of the group (processes the hook started and left behind;
    /// Juju leaves them running, a simulated model would leak them), then reap the
    /// leader: `wait4` also gives its resource usage (on failure, EINTR, the child is
    /// not reaped yet and a plain `wait` still works).
    fn kill_and_reap(&self, child: &mut Child) -> std::io::Result<Waited> {
        let mut reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = kill_process_group(self.leader, Signal::KILL);
        let status = match wait4::Wait4::wait4(child) {
            Ok(r) => Ok((
                r.status,
                Some(r.rusage.maxrss),
                Some(r.rusage.utime + r.rusage.stime),
            )),
            Err(_) => child.wait().map(|s| (s, None, None)),
        };
        *reaped = true;
        status
    }
}

/// Waits for the hook process to exit without reaping it (`WNOWAIT`: it stays the
/// group's anchor, see [`Group`]), then wakes the accept loop with a request naming the
/// context.
fn wait_and_wake(leader: Pid, socket: &Path, context_id: String) {
    while let Err(rustix::io::Errno::INTR) = waitid(
        WaitId::Pid(leader),
        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
    ) {}
    let wake = serde_json::to_vec(&ToolRequest {
        context_id,
        argv: Vec::new(),
        stdin: None,
        cwd: String::new(),
        wake: true,
    })
    .unwrap_or_default();
    for _ in 0..50 {
        if let Ok(mut s) = UnixStream::connect(socket) {
            let _ = s.write_all(&wake);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Fills in how the process ended: exit code (none when killed), resource usage, and
/// its output.
fn collect(record: &mut HookRecord, waited: Option<Waited>, launch: &Launch) {
    let status = waited.map(|(s, _, _)| s);
    if let Some((_, rss, cpu)) = waited {
        record.peak_rss = rss;
        record.cpu_time = cpu;
    }
    record.exit_code = status.and_then(|s| s.code());
    record.stdout = read_tail(&launch.out_path);
    record.stderr = read_tail(&launch.err_path);
    if record.exit_code.is_none() {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.and_then(|s| s.signal()) {
            record
                .stderr
                .push_str(&format!("\n(killed by signal {sig})"));
        }
    }
}
