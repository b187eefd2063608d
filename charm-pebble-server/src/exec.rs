//! `POST /v1/exec` and its websockets (`internals/overlord/cmdstate`): a real
//! process in the container root by default, or a handler the embedder
//! registered for the command.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

use crate::daemon::{Daemon, Status};
use crate::http::{Request, Response};
use crate::process::{exit_code, find_program, go_error, signal, signal_by_name, signal_group};
use crate::{duration, files, users, ExecHandler, ExecReply, ExecRequest};

/// How long the websockets may take to connect (`connectTimeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long output may trail the process's exit (`waitDelay`).
const WAIT_DELAY: Duration = Duration::from_secs(1);

/// The receiving half of a websocket.
pub(crate) struct WsIn(WebSocket<UnixStream>);

impl WsIn {
    /// The next data message; `None` at Pebble's `end` command, a close or an error.
    fn recv(&mut self) -> Option<Message> {
        loop {
            match self.0.read() {
                Ok(Message::Binary(b)) => return Some(Message::Binary(b)),
                Ok(Message::Text(t)) => {
                    let cmd: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                    if cmd.get("command").and_then(Value::as_str) == Some("end") {
                        return None;
                    }
                    return Some(Message::Text(t));
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue, // ping/pong: answered by tungstenite
            }
        }
    }
}

/// The sending half of a websocket (and the socket, to shut it).
pub(crate) struct WsOut(WebSocket<UnixStream>, UnixStream);

impl WsOut {
    fn send_binary(&mut self, data: &[u8]) -> bool {
        self.0.send(Message::Binary(data.to_vec().into())).is_ok()
    }
    fn send_end(&mut self) {
        let _ = self.0.send(Message::text(r#"{"command":"end"}"#));
    }
    fn shutdown(&self) {
        let _ = self.1.shutdown(std::net::Shutdown::Both);
    }
}

/// One websocket, split over clones of the socket so that reading and writing
/// go on at once.
pub(crate) struct Conn {
    input: WsIn,
    output: WsOut,
}

#[derive(Default)]
struct Slots {
    /// Connected and not yet taken by the runner.
    conns: BTreeMap<String, Conn>,
    /// Every name that connected once.
    seen: Vec<String>,
}

/// An exec task waiting for, or running with, its websockets.
pub(crate) struct Execution {
    task: u64,
    split_stderr: bool,
    slots: Mutex<Slots>,
    cond: Condvar,
    /// The control websocket's socket once taken, to close it when done.
    control: Mutex<Option<UnixStream>>,
}

impl Execution {
    fn names(&self) -> Vec<&'static str> {
        if self.split_stderr {
            vec!["control", "stdio", "stderr"]
        } else {
            vec!["control", "stdio"]
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for `names` to connect, then takes them.
    fn take(&self, names: &[&str], deadline: Instant) -> Option<Vec<Conn>> {
        let mut slots = self.slots();
        loop {
            if names.iter().all(|n| slots.conns.contains_key(*n)) {
                return Some(
                    names
                        .iter()
                        .filter_map(|n| slots.conns.remove(*n))
                        .collect(),
                );
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            slots = match self.cond.wait_timeout(slots, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// What `POST /v1/exec` checked and the runner needs.
struct Setup {
    command: Vec<String>,
    environment: BTreeMap<String, String>,
    working_dir: String,
    host_dir: std::path::PathBuf,
    timeout: Option<Duration>,
    ids: Option<(u32, u32)>,
    handler: Option<Arc<ExecHandler>>,
}

/// `v1PostExec`.
pub(crate) fn post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let setup = match setup(d, &payload) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let split_stderr = payload.get("split-stderr").and_then(Value::as_bool) == Some(true);
    let (environment, working_dir) = (setup.environment.clone(), setup.working_dir.clone());
    let (change, task) = spawn(d, setup, split_stderr);
    Response::async_change(
        change,
        json!({"environment": environment, "task-id": task.to_string(), "working-dir": working_dir}),
    )
}

/// The request checked against the container: the command found, the service context
/// merged (`plan.MergeServiceContext`: the service's settings, overridden by the request's),
/// the user and the working directory resolved.
fn setup(d: &Daemon, payload: &Value) -> Result<Setup, Response> {
    let command: Vec<String> = payload
        .get("command")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if command.is_empty() {
        return Err(Response::error(400, "must specify command"));
    }
    let str_field = |k: &str| {
        payload
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let id_field = |k: &str| {
        payload
            .get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let timeout = str_field("timeout")
        .map(duration::parse)
        .transpose()
        .map_err(|e| Response::error(400, format!("invalid timeout: {e}")))?
        .filter(|t| !t.is_zero());
    let handler = d.exec_handler(&command);
    if handler.is_none() && find_program(&d.root, &command[0], None).is_none() {
        return Err(Response::error(
            400,
            format!("cannot find executable {:?}", command[0]),
        ));
    }
    let context = service_context(d, str_field("service-context"))?;
    let ids = users::normalize(
        &d.root,
        id_field("user-id").or(context.user_id),
        id_field("group-id").or(context.group_id),
        str_field("user").or(context.user.as_deref()),
        str_field("group").or(context.group.as_deref()),
    )
    .map_err(|e| Response::error(400, e))?;
    let environment = environment(d, &context, payload, ids);
    let working_dir = str_field("working-dir")
        .map(str::to_string)
        .or(context.working_dir.clone().filter(|w| !w.is_empty()));
    let (working_dir, host_dir) = working_dir_of(d, working_dir)?;
    Ok(Setup {
        command,
        environment,
        working_dir,
        host_dir,
        timeout,
        ids,
        handler,
    })
}

/// The plan's service named by `service-context`, or an empty one.
fn service_context(d: &Daemon, name: Option<&str>) -> Result<charm_pebble::Service, Response> {
    let Some(name) = name else {
        return Ok(charm_pebble::Service::default());
    };
    let st = d.lock();
    st.plan
        .services
        .get(name)
        .cloned()
        .ok_or_else(|| Response::error(400, format!("context service {name:?} not found")))
}

/// The daemon's environment, then the context service's, then the request's; `LANG`
/// defaults to `C.UTF-8`, `HOME` and `USER` follow the user the command runs as.
fn environment(
    d: &Daemon,
    context: &charm_pebble::Service,
    payload: &Value,
    ids: Option<(u32, u32)>,
) -> BTreeMap<String, String> {
    let mut environment: BTreeMap<String, String> = std::env::vars().collect();
    environment.extend(d.config.environment.clone());
    environment.extend(context.environment.clone());
    if let Some(env) = payload.get("environment").and_then(Value::as_object) {
        for (k, v) in env {
            environment.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    environment
        .entry("LANG".into())
        .or_insert_with(|| "C.UTF-8".into());
    if let Some(user) = ids.and_then(|(uid, _)| users::by_uid(&d.root, uid)) {
        environment.insert("HOME".into(), user.home);
        environment.insert("USER".into(), user.name);
    }
    environment
}

/// The working directory in the container (`/` by default) and on the host.
fn working_dir_of(
    d: &Daemon,
    working_dir: Option<String>,
) -> Result<(String, std::path::PathBuf), Response> {
    match working_dir {
        None => Ok(("/".to_string(), d.root.clone())),
        Some(w) => match files::resolve(&d.root, &w, true) {
            Ok(h) if h.is_dir() => Ok((w, h)),
            Ok(h) if h.exists() => Err(Response::error(
                400,
                format!("working directory {w:?} not a directory"),
            )),
            _ => Err(Response::error(
                400,
                format!("working directory {w:?} does not exist"),
            )),
        },
    }
}

/// Opens the exec's change and task, and runs it on a thread once its websockets connect.
fn spawn(d: &Arc<Daemon>, setup: Setup, split_stderr: bool) -> (u64, u64) {
    let mut st = d.lock();
    let summary = format!("Execute command {:?}", setup.command[0]);
    let (change, tasks) = st.new_change(
        "exec",
        summary.clone(),
        vec![("exec".into(), summary)],
        BTreeMap::new(),
    );
    let task = tasks[0];
    let exec = Arc::new(Execution {
        task,
        split_stderr,
        slots: Mutex::new(Slots::default()),
        cond: Condvar::new(),
        control: Mutex::new(None),
    });
    st.execs.insert(task, Arc::clone(&exec));
    st.set_change_status(change, Status::Doing);
    st.set_task_status(task, Status::Doing);
    let generation = st.generation;
    drop(st);
    let d = Arc::clone(d);
    thread::spawn(move || {
        let result = run(&d, &exec, setup);
        finish(&d, generation, change, task, result);
    });
    (change, task)
}

/// Records the exec's exit code and outcome on its task and change.
fn finish(d: &Daemon, generation: u64, change: u64, task: u64, result: Result<i32, (i32, String)>) {
    let mut st = d.lock();
    if st.generation != generation {
        return;
    }
    st.execs.remove(&task);
    let (code, error) = match result {
        Ok(code) => (code, None),
        Err((code, e)) => (code, Some(e)),
    };
    if let Some(t) = st.tasks.get_mut(&task) {
        t.data = Some(json!({"exit-code": code}));
    }
    let status = match error {
        None => Status::Done,
        Some(e) => {
            st.task_log(task, "ERROR", &e);
            Status::Error
        }
    };
    st.set_task_status(task, status);
    st.set_change_status(change, status);
    d.cond.notify_all();
}

/// `v1GetTaskWebsocket`: upgrades the connection and hands it to the exec.
pub(crate) fn connect(
    d: &Daemon,
    req: &Request,
    task: &str,
    name: &str,
    reader: BufReader<UnixStream>,
) -> Option<Response> {
    let st = d.lock();
    let Some(exec) = task
        .parse::<u64>()
        .ok()
        .and_then(|t| st.execs.get(&t).cloned())
    else {
        let known = task
            .parse::<u64>()
            .ok()
            .and_then(|t| st.tasks.get(&t).map(|t| t.kind.clone()));
        return Some(match known {
            Some(kind) if kind != "exec" => {
                Response::error(400, format!("{kind:?} tasks do not have websockets"))
            }
            _ => Response::error(404, format!("cannot find task {task:?}")),
        });
    };
    drop(st);
    if !exec.names().contains(&name) {
        return Some(Response::error(
            404,
            format!("cannot find {name} websocket for task {task:?}"),
        ));
    }
    if exec.slots().seen.iter().any(|n| n == name) {
        return Some(Response::error(
            500,
            format!("{name} websocket already connected"),
        ));
    }
    let Some(key) = req.header("sec-websocket-key") else {
        return Some(Response::error(400, "websocket: not a websocket handshake"));
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let leftover = reader.buffer().to_vec();
    let mut stream = reader.into_inner();
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if stream.write_all(answer.as_bytes()).is_err() {
        return None;
    }
    let (Ok(a), Ok(b)) = (stream.try_clone(), stream.try_clone()) else {
        return None;
    };
    let conn = Conn {
        input: WsIn(WebSocket::from_partially_read(
            a,
            leftover,
            Role::Server,
            None,
        )),
        output: WsOut(WebSocket::from_raw_socket(b, Role::Server, None), stream),
    };
    let mut slots = exec.slots();
    slots.seen.push(name.to_string());
    slots.conns.insert(name.to_string(), conn);
    exec.cond.notify_all();
    None
}

/// Sends `data` then Pebble's end-of-stream message.
fn send_all(conn: &mut WsOut, data: &[u8]) {
    for chunk in data.chunks(128 * 1024) {
        if !conn.send_binary(chunk) {
            return;
        }
    }
    conn.send_end();
}

/// Runs the exec once its websockets are there: `Ok(exit code)`, or the
/// task's error (with the exit code to report).
fn run(d: &Arc<Daemon>, exec: &Arc<Execution>, setup: Setup) -> Result<i32, (i32, String)> {
    let io_names: Vec<&str> = exec
        .names()
        .into_iter()
        .filter(|n| *n != "control")
        .collect();
    let mut io = exec
        .take(&io_names, Instant::now() + CONNECT_TIMEOUT)
        .ok_or_else(|| {
            (
                -1,
                format!(
                    "exec {}: timeout waiting for websocket connections: context deadline exceeded",
                    exec.task
                ),
            )
        })?;
    let stderr_conn = if exec.split_stderr { io.pop() } else { None };
    let stdio = io.pop().ok_or((-1, "no stdio websocket".to_string()))?;
    let stderr_ws = stderr_conn.map(|c| c.output);
    match setup.handler.clone() {
        Some(handler) => Ok(run_handler(exec, &setup, &*handler, stdio, stderr_ws)),
        None => run_process(d, exec, &setup, stdio, stderr_ws),
    }
}

/// Runs the embedder's handler on the whole of standard input; its exit code.
fn run_handler(
    exec: &Execution,
    setup: &Setup,
    handler: &ExecHandler,
    stdio: Conn,
    mut stderr_ws: Option<WsOut>,
) -> i32 {
    let Conn {
        input: mut stdin_ws,
        output: mut stdout_ws,
    } = stdio;
    let mut stdin = Vec::new();
    while let Some(m) = stdin_ws.recv() {
        if let Message::Binary(b) = m {
            stdin.extend_from_slice(&b);
        }
    }
    let request = ExecRequest {
        command: setup.command.clone(),
        environment: setup.environment.clone(),
        working_dir: setup.working_dir.clone(),
        user_id: setup.ids.map(|(u, _)| u),
        group_id: setup.ids.map(|(_, g)| g),
        stdin,
    };
    let ExecReply {
        stdout,
        stderr,
        exit_code,
    } = handler(&request);
    match &mut stderr_ws {
        Some(err) => {
            send_all(&mut stdout_ws, &stdout);
            send_all(err, &stderr);
        }
        None => send_all(&mut stdout_ws, &[stdout, stderr].concat()),
    }
    close_control(exec);
    stdout_ws.shutdown();
    if let Some(e) = stderr_ws {
        e.shutdown();
    }
    exit_code
}

/// Runs the command as a process in its own group, its standard streams on the
/// websockets, until it exits, times out or the daemon stops.
fn run_process(
    d: &Arc<Daemon>,
    exec: &Arc<Execution>,
    setup: &Setup,
    stdio: Conn,
    stderr_ws: Option<WsOut>,
) -> Result<i32, (i32, String)> {
    let Conn {
        input: stdin_ws,
        output: stdout_ws,
    } = stdio;
    let os_err = |e: std::io::Error| (-1, e.to_string());
    let (out_r, out_w) = std::io::pipe().map_err(os_err)?;
    let (err_r, err_w) = if stderr_ws.is_some() {
        let (r, w) = std::io::pipe().map_err(os_err)?;
        (Some(r), w)
    } else {
        (None, out_w.try_clone().map_err(os_err)?)
    };
    let mut child = spawn_child(d, setup, out_w, err_w)?;
    let pid = child.id() as i32;
    d.note_group(pid);
    pump_stdin(stdin_ws, child.stdin.take());
    let out_pump = pump_output(out_r, stdout_ws);
    let err_pump = match (err_r, stderr_ws) {
        (Some(r), Some(ws)) => Some(pump_output(r, ws)),
        _ => None,
    };
    serve_control(exec, pid);
    let (status, timed_out) = wait_child(d, &mut child, pid, setup.timeout);
    // Output may trail the exit a little; then whatever still holds the pipes goes.
    let trail = Instant::now() + WAIT_DELAY;
    while !out_pump.is_finished() || err_pump.as_ref().is_some_and(|p| !p.is_finished()) {
        if Instant::now() >= trail {
            signal_group(pid, rustix::process::Signal::KILL);
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let stdio = out_pump.join().ok();
    let stderr = err_pump.and_then(|p| p.join().ok());
    d.forget_group_if_empty(pid);
    close_control(exec);
    for c in stdio.iter().chain(stderr.iter()) {
        c.shutdown();
    }
    if timed_out {
        let t = setup.timeout.unwrap_or_default();
        return Err((
            -1,
            format!(
                "timed out after {}: context deadline exceeded",
                duration::format(t)
            ),
        ));
    }
    match status {
        Some(s) => Ok(exit_code(s)),
        None => Err((-1, "cannot wait for the command".into())),
    }
}

/// Starts the command (found on the request's `PATH` in the container) in a new process group.
fn spawn_child(
    d: &Daemon,
    setup: &Setup,
    stdout: std::io::PipeWriter,
    stderr: std::io::PipeWriter,
) -> Result<std::process::Child, (i32, String)> {
    let program = find_program(
        &d.root,
        &setup.command[0],
        setup.environment.get("PATH").map(String::as_str),
    )
    .ok_or_else(|| (-1, format!("cannot find executable {:?}", setup.command[0])))?;
    let mut cmd = Command::new(&program);
    cmd.args(&setup.command[1..])
        .env_clear()
        .envs(&setup.environment)
        .current_dir(&setup.host_dir)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().map_err(|e| {
        (
            -1,
            format!("fork/exec {}: {}", program.display(), go_error(&e)),
        )
    })
}

/// Standard input: binary messages until "end", on a thread.
fn pump_stdin(mut ws: WsIn, mut child_stdin: Option<std::process::ChildStdin>) {
    thread::spawn(move || {
        while let Some(m) = ws.recv() {
            if let (Message::Binary(b), Some(w)) = (m, child_stdin.as_mut()) {
                if w.write_all(&b).is_err() {
                    child_stdin = None;
                }
            }
        }
        drop(child_stdin);
    });
}

/// Copies a pipe to a websocket on a thread, then sends end-of-stream; the thread gives the
/// websocket back.
fn pump_output(mut r: std::io::PipeReader, mut ws: WsOut) -> thread::JoinHandle<WsOut> {
    thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if !ws.send_binary(&buf[..n]) {
                        break;
                    }
                }
            }
        }
        ws.send_end();
        ws
    })
}

/// The control websocket, once it connects: `signal` commands go to the process.
fn serve_control(exec: &Arc<Execution>, pid: i32) {
    let control_exec = Arc::clone(exec);
    thread::spawn(move || {
        let Some(mut conns) = control_exec.take(&["control"], Instant::now() + CONNECT_TIMEOUT)
        else {
            return;
        };
        let Conn { mut input, output } = conns.remove(0);
        *control_exec
            .control
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(output.1);
        while let Some(m) = input.recv() {
            let Message::Text(t) = m else { continue };
            let cmd: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
            if cmd.get("command").and_then(Value::as_str) == Some("signal") {
                let name = cmd
                    .pointer("/signal/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some(sig) = signal_by_name(name) {
                    let _ = signal(pid, sig);
                }
            }
        }
    });
}

/// Waits for the process; kills its group at the timeout (then `true`) or when the daemon
/// stops.
fn wait_child(
    d: &Daemon,
    child: &mut std::process::Child,
    pid: i32,
    timeout: Option<Duration>,
) -> (Option<std::process::ExitStatus>, bool) {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return (Some(status), false),
            Ok(None) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    signal_group(pid, rustix::process::Signal::KILL);
                    return (child.wait().ok(), true);
                }
                if d.lock().shutting_down {
                    signal_group(pid, rustix::process::Signal::KILL);
                    return (child.wait().ok(), false);
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return (None, false),
        }
    }
}

/// Closes the control websocket (its reader thread then ends).
fn close_control(exec: &Execution) {
    if let Some(c) = exec.slots().conns.remove("control") {
        c.output.shutdown();
    }
    if let Some(s) = exec
        .control
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        let _ = s.shutdown(std::net::Shutdown::Both);
    }
}
