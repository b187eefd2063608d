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
        return Response::error(400, "must specify command");
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
    let timeout = match str_field("timeout").map(duration::parse).transpose() {
        Ok(t) => t.filter(|t| !t.is_zero()),
        Err(e) => return Response::error(400, format!("invalid timeout: {e}")),
    };
    let handler = d.exec_handler(&command);
    if handler.is_none() && find_program(&d.root, &command[0], None).is_none() {
        return Response::error(400, format!("cannot find executable {:?}", command[0]));
    }
    // plan.MergeServiceContext: the service's settings, overridden by the request's.
    let st = d.lock();
    let context = match str_field("service-context") {
        None => None,
        Some(name) => match st.plan.services.get(name) {
            Some(s) => Some(s.clone()),
            None => return Response::error(400, format!("context service {name:?} not found")),
        },
    };
    drop(st);
    let context = context.unwrap_or_default();
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
    let ids = match users::normalize(
        &d.root,
        id_field("user-id").or(context.user_id),
        id_field("group-id").or(context.group_id),
        str_field("user").or(context.user.as_deref()),
        str_field("group").or(context.group.as_deref()),
    ) {
        Ok(ids) => ids,
        Err(e) => return Response::error(400, e),
    };
    if let Some(user) = ids.and_then(|(uid, _)| users::by_uid(&d.root, uid)) {
        environment.insert("HOME".into(), user.home);
        environment.insert("USER".into(), user.name);
    }
    let working_dir = str_field("working-dir")
        .map(str::to_string)
        .or(context.working_dir.clone().filter(|w| !w.is_empty()));
    let (working_dir, host_dir) = match working_dir {
        None => ("/".to_string(), d.root.clone()),
        Some(w) => match files::resolve(&d.root, &w, true) {
            Ok(h) if h.is_dir() => (w, h),
            Ok(h) if h.exists() => {
                return Response::error(400, format!("working directory {w:?} not a directory"))
            }
            _ => return Response::error(400, format!("working directory {w:?} does not exist")),
        },
    };
    let split_stderr = payload.get("split-stderr").and_then(Value::as_bool) == Some(true);
    let setup = Setup {
        command: command.clone(),
        environment: environment.clone(),
        working_dir: working_dir.clone(),
        host_dir,
        timeout,
        ids,
        handler,
    };
    let mut st = d.lock();
    let summary = format!("Execute command {:?}", command[0]);
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
    let runner_d = Arc::clone(d);
    thread::spawn(move || {
        let result = run(&runner_d, &exec, setup);
        let mut st = runner_d.lock();
        if st.generation != generation {
            return;
        }
        st.execs.remove(&task);
        match result {
            Ok(code) => {
                if let Some(t) = st.tasks.get_mut(&task) {
                    t.data = Some(json!({"exit-code": code}));
                }
                st.set_task_status(task, Status::Done);
                st.set_change_status(change, Status::Done);
            }
            Err((code, e)) => {
                if let Some(t) = st.tasks.get_mut(&task) {
                    t.data = Some(json!({"exit-code": code}));
                }
                st.task_log(task, "ERROR", &e);
                st.set_task_status(task, Status::Error);
                st.set_change_status(change, Status::Error);
            }
        }
        runner_d.cond.notify_all();
    });
    Response::async_change(
        change,
        json!({"environment": environment, "task-id": task.to_string(), "working-dir": working_dir}),
    )
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
    let Conn {
        input: mut stdin_ws,
        output: mut stdout_ws,
    } = io.pop().ok_or((-1, "no stdio websocket".to_string()))?;
    let mut stderr_ws = stderr_conn.map(|c| c.output);

    if let Some(handler) = setup.handler.clone() {
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
        return Ok(exit_code);
    }

    let program = find_program(
        &d.root,
        &setup.command[0],
        setup.environment.get("PATH").map(String::as_str),
    )
    .ok_or_else(|| (-1, format!("cannot find executable {:?}", setup.command[0])))?;
    let (out_r, out_w) = std::io::pipe().map_err(|e| (-1, e.to_string()))?;
    let (err_r, err_w) = if stderr_ws.is_some() {
        let (r, w) = std::io::pipe().map_err(|e| (-1, e.to_string()))?;
        (Some(r), w)
    } else {
        (None, out_w.try_clone().map_err(|e| (-1, e.to_string()))?)
    };
    let mut cmd = Command::new(&program);
    cmd.args(&setup.command[1..])
        .env_clear()
        .envs(&setup.environment)
        .current_dir(&setup.host_dir)
        .stdin(Stdio::piped())
        .stdout(out_w)
        .stderr(err_w);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| {
        (
            -1,
            format!("fork/exec {}: {}", program.display(), go_error(&e)),
        )
    })?;
    drop(cmd);
    let pid = child.id() as i32;
    d.note_group(pid);

    // Standard input: binary messages until "end".
    let mut child_stdin = child.stdin.take();
    thread::spawn(move || {
        while let Some(m) = stdin_ws.recv() {
            if let (Message::Binary(b), Some(w)) = (m, child_stdin.as_mut()) {
                if w.write_all(&b).is_err() {
                    child_stdin = None;
                }
            }
        }
        drop(child_stdin);
    });
    // Output pumps.
    let pump = |mut r: std::io::PipeReader, mut ws: WsOut| {
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
    };
    let out_pump = pump(out_r, stdout_ws);
    let err_pump = match (err_r, stderr_ws.take()) {
        (Some(r), Some(ws)) => Some(pump(r, ws)),
        _ => None,
    };
    // Control: signals, once it connects.
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
    // Wait, with the timeout.
    let deadline = setup.timeout.map(|t| Instant::now() + t);
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    signal_group(pid, rustix::process::Signal::KILL);
                    timed_out = true;
                    break child.wait().ok();
                }
                if d.lock().shutting_down {
                    signal_group(pid, rustix::process::Signal::KILL);
                    break child.wait().ok();
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => break None,
        }
    };
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
