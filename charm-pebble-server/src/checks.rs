//! Health checks (`internals/overlord/checkstate`): each running check is a
//! `perform-check` change whose task errors once `threshold` failures in a row
//! are reached; a `recover-check` change then runs until the check passes.
//! Juju turns those change-update notices into `pebble-check-failed` and
//! `pebble-check-recovered`; the embedding simulator gets them as
//! [`PebbleEvent`](crate::PebbleEvent)s.

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use charm_pebble::{Check, CheckStatus, ExecCheck, HttpCheck, Plan, Startup, TcpCheck};
use serde_json::{json, Value};

use crate::daemon::{Daemon, State, Status};
use crate::plan::check_timing;
use crate::process::{exit_code, find_program, signal_group};
use crate::{files, services, CheckOverride, PebbleEvent};

pub(crate) struct CheckData {
    pub config: Check,
    pub successes: u64,
    pub failures: u32,
    /// The running perform-check or recover-check change, if the check runs.
    pub change_id: Option<u64>,
    pub task_id: Option<u64>,
    pub prev_change_id: Option<u64>,
    pub recovering: bool,
    /// Bumped when the check stops or changes: its runner thread then ends.
    pub epoch: u64,
}

impl CheckData {
    fn new(config: Check) -> CheckData {
        CheckData {
            config,
            successes: 0,
            failures: 0,
            change_id: None,
            task_id: None,
            prev_change_id: None,
            recovering: false,
            epoch: 0,
        }
    }

    pub fn status(&self) -> CheckStatus {
        let (_, _, threshold) = check_timing(&self.config);
        if self.change_id.is_none() {
            CheckStatus::Inactive
        } else if self.failures >= threshold {
            CheckStatus::Down
        } else {
            CheckStatus::Up
        }
    }
}

fn kind_of(c: &Check) -> &'static str {
    if c.http.is_some() {
        "http"
    } else if c.tcp.is_some() {
        "tcp"
    } else {
        "exec"
    }
}

/// `checkInfo` of `GET /v1/checks`.
pub(crate) fn info_json(name: &str, data: &CheckData) -> Value {
    let (_, _, threshold) = check_timing(&data.config);
    let mut v = json!({
        "name": name,
        "startup": match data.config.startup { Some(Startup::Disabled) => "disabled", _ => "enabled" },
        "status": match data.status() {
            CheckStatus::Up => "up",
            CheckStatus::Down => "down",
            _ => "inactive",
        },
        "successes": data.successes,
        "threshold": threshold,
    });
    if let Some(level) = data.config.level {
        v["level"] = json!(match level {
            charm_pebble::CheckLevel::Alive => "alive",
            charm_pebble::CheckLevel::Ready => "ready",
        });
    }
    if data.failures > 0 {
        v["failures"] = json!(data.failures);
    }
    if let Some(c) = data.change_id {
        v["change-id"] = json!(c.to_string());
    }
    if let Some(c) = data.prev_change_id {
        v["prev-change-id"] = json!(c.to_string());
    }
    v
}

/// Ends a check's change without an error (Pebble aborts it).
fn abort(st: &mut State, name: &str) {
    let Some(data) = st.checks.get_mut(name) else {
        return;
    };
    data.epoch += 1;
    let (change, task) = (data.change_id.take(), data.task_id.take());
    data.failures = 0;
    data.recovering = false;
    if let Some(t) = task {
        st.set_task_status(t, Status::Hold);
    }
    if let Some(c) = change {
        st.set_change_status(c, Status::Hold);
    }
}

/// Starts a perform-check (or recover-check) change and its runner.
fn begin(d: &Arc<Daemon>, st: &mut State, name: &str, recovering: bool) {
    let Some(config) = st.checks.get(name).map(|c| c.config.clone()) else {
        return;
    };
    let (kind, verb) = if recovering {
        ("recover-check", "Recover")
    } else {
        ("perform-check", "Perform")
    };
    let summary = format!("{verb} {} check {name:?}", kind_of(&config));
    let (change, tasks) = st.new_change(
        kind,
        summary.clone(),
        vec![(kind.to_string(), summary)],
        BTreeMap::from([("check-name".to_string(), name.to_string())]),
    );
    st.set_change_status(change, Status::Doing);
    st.set_task_status(tasks[0], Status::Doing);
    let generation = st.generation;
    let Some(data) = st.checks.get_mut(name) else {
        return;
    };
    data.change_id = Some(change);
    data.task_id = Some(tasks[0]);
    data.recovering = recovering;
    data.epoch += 1;
    let epoch = data.epoch;
    let d = Arc::clone(d);
    let name = name.to_string();
    thread::spawn(move || run(&d, &name, generation, epoch));
}

/// The runner: every `period`, probe and record.
fn run(d: &Arc<Daemon>, name: &str, generation: u64, epoch: u64) {
    let alive = |s: &State| {
        s.generation == generation
            && !s.shutting_down
            && s.checks.get(name).is_some_and(|c| c.epoch == epoch)
    };
    loop {
        let st = d.lock();
        let Some(config) = st.checks.get(name).map(|c| c.config.clone()) else {
            return;
        };
        let (period, timeout, _) = check_timing(&config);
        let deadline = Instant::now() + period;
        let (st, _) = d.wait_until(st, Some(deadline), |s| !alive(s));
        if !alive(&st) {
            return;
        }
        let plan = st.plan.clone();
        drop(st);
        let result = probe(d, name, &config, &plan, timeout);
        let mut st = d.lock();
        if !alive(&st) {
            return;
        }
        record(d, &mut st, name, result);
        d.cond.notify_all();
    }
}

/// Records one probe's result (`doPerformCheck` / `doRecoverCheck`).
pub(crate) fn record(d: &Arc<Daemon>, st: &mut State, name: &str, result: Result<(), String>) {
    let Some(data) = st.checks.get_mut(name) else {
        return;
    };
    let (_, _, threshold) = check_timing(&data.config);
    let (Some(change), Some(task)) = (data.change_id, data.task_id) else {
        return;
    };
    match (data.recovering, result) {
        (false, Err(e)) => {
            data.failures += 1;
            let failed = data.failures >= threshold;
            st.task_log(task, "ERROR", &e);
            if failed {
                st.set_task_status(task, Status::Error);
                st.set_change_status(change, Status::Error);
                if let Some(data) = st.checks.get_mut(name) {
                    data.prev_change_id = Some(change);
                }
                d.emit(PebbleEvent::CheckFailed {
                    check: name.to_string(),
                });
                services::check_failed(d, st, name);
                begin(d, st, name, true);
                if let Some(data) = st.checks.get_mut(name) {
                    data.prev_change_id = Some(change);
                }
            }
        }
        (false, Ok(())) => {
            data.successes += 1;
            let old = std::mem::take(&mut data.failures);
            if old > 0 {
                let plural = if old == 1 { "failure" } else { "failures" };
                st.task_log(task, "INFO", &format!("succeeded after {old} {plural}"));
            }
        }
        (true, Err(e)) => {
            data.failures += 1;
            st.task_log(task, "ERROR", &e);
        }
        (true, Ok(())) => {
            data.successes = 1;
            data.failures = 0;
            st.set_task_status(task, Status::Done);
            st.set_change_status(change, Status::Done);
            d.emit(PebbleEvent::CheckRecovered {
                check: name.to_string(),
            });
            begin(d, st, name, false);
            if let Some(data) = st.checks.get_mut(name) {
                data.prev_change_id = Some(change);
            }
        }
    }
}

/// Runs one check once (an override set by the embedder wins).
pub(crate) fn probe(
    d: &Daemon,
    name: &str,
    config: &Check,
    plan: &Plan,
    timeout: Duration,
) -> Result<(), String> {
    let forced = d
        .check_overrides
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .cloned();
    match forced {
        Some(CheckOverride::Fail(message)) => return Err(message),
        Some(CheckOverride::Pass) => return Ok(()),
        None => {}
    }
    if let Some(h) = &config.http {
        return probe_http(h, timeout);
    }
    if let Some(t) = &config.tcp {
        return probe_tcp(t, timeout);
    }
    probe_exec(d, config.exec.clone().unwrap_or_default(), plan, timeout)
}

/// An `http` check: a `GET` answered with a 20x status.
fn probe_http(h: &HttpCheck, timeout: Duration) -> Result<(), String> {
    let url = h.url.clone().unwrap_or_default();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(&url);
    for (k, v) in &h.headers {
        req = req.header(k, v);
    }
    let resp = req.call().map_err(|e| format!("Get {url:?}: {e}"))?;
    let code = resp.status().as_u16();
    if (200..300).contains(&code) {
        Ok(())
    } else {
        Err(format!("non-20x status code {code}"))
    }
}

/// A `tcp` check: a connection to one of the host's addresses.
fn probe_tcp(t: &TcpCheck, timeout: Duration) -> Result<(), String> {
    let host = t.host.clone().unwrap_or_else(|| "localhost".into());
    let port = t.port.unwrap_or(0);
    let addrs: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("dial tcp {host}:{port}: {e}"))?
        .collect();
    let mut last = format!("dial tcp {host}:{port}: no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("dial tcp {a}: {e}"),
        }
    }
    Err(last)
}

/// An `exec` check: the command exits 0 within the timeout; otherwise the error carries
/// the last lines of its output.
fn probe_exec(d: &Daemon, e: ExecCheck, plan: &Plan, timeout: Duration) -> Result<(), String> {
    let words = shlex::split(e.command.as_deref().unwrap_or_default())
        .filter(|w| !w.is_empty())
        .ok_or("invalid exec check command")?;
    // The service context gives environment and working directory.
    let context = e
        .service_context
        .as_deref()
        .and_then(|s| plan.services.get(s))
        .cloned()
        .unwrap_or_default();
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.extend(context.environment);
    env.extend(e.environment);
    let program = find_program(&d.root, &words[0], None)
        .ok_or_else(|| format!("exec: {:?}: executable file not found in $PATH", words[0]))?;
    let dir = e
        .working_dir
        .or(context.working_dir)
        .filter(|w| !w.is_empty())
        .map(|w| files::resolve(&d.root, &w, true).map_err(|err| format!("chdir {w}: {err}")))
        .transpose()?
        .unwrap_or_else(|| d.root.clone());
    let mut cmd = Command::new(program);
    cmd.args(&words[1..])
        .env_clear()
        .envs(env)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|err| format!("exec: {err}"))?;
    let pid = child.id() as i32;
    d.note_group(pid);
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = child
                    .wait_with_output()
                    .map(|o| o.stdout)
                    .unwrap_or_default();
                return exec_outcome(exit_code(status), &out);
            }
            Ok(None) if Instant::now() >= deadline => {
                signal_group(pid, rustix::process::Signal::KILL);
                let _ = child.wait();
                d.forget_group_if_empty(pid);
                return Err(format!(
                    "check timed out after {}",
                    crate::duration::format(timeout)
                ));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(format!("exec: {err}")),
        }
    }
}

/// An exec check's result: a non-zero exit fails with the last five lines of output.
fn exec_outcome(code: i32, out: &[u8]) -> Result<(), String> {
    if code == 0 {
        return Ok(());
    }
    let output = String::from_utf8_lossy(out);
    let tail: Vec<&str> = output.lines().rev().take(5).collect();
    let details = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    if details.is_empty() {
        Err(format!("exit status {code}"))
    } else {
        Err(format!("exit status {code}; {details}"))
    }
}

/// `CheckManager.PlanChanged`: checks gone or changed stop, new or changed
/// ones with `startup` enabled start.
pub(crate) fn plan_changed(d: &Arc<Daemon>, st: &mut State) {
    let plan = st.plan.clone();
    let names: Vec<String> = st.checks.keys().cloned().collect();
    let mut start = Vec::new();
    for name in names {
        match plan.checks.get(&name) {
            None => {
                abort(st, &name);
                st.checks.remove(&name);
            }
            Some(new) => {
                let data = &st.checks[&name];
                if data.config == *new {
                    continue;
                }
                let was_running = data.change_id.is_some();
                let was_disabled = data.config.startup == Some(Startup::Disabled);
                abort(st, &name);
                if let Some(data) = st.checks.get_mut(&name) {
                    data.config = new.clone();
                }
                // A running check restarts with its new definition, unless
                // the change was to disable it.
                let now_disabled = new.startup == Some(Startup::Disabled);
                if was_running && (!now_disabled || was_disabled) {
                    start.push(name);
                }
            }
        }
    }
    for (name, config) in &plan.checks {
        if !st.checks.contains_key(name) {
            st.checks
                .insert(name.clone(), CheckData::new(config.clone()));
            if config.startup != Some(Startup::Disabled) {
                start.push(name.clone());
            }
        }
    }
    for name in start {
        begin(d, st, &name, false);
    }
}

/// Starts the named checks that are not running; returns them.
pub(crate) fn start_checks(d: &Arc<Daemon>, st: &mut State, names: &[String]) -> Vec<String> {
    let mut started = Vec::new();
    for n in names {
        if st.checks.get(n).is_some_and(|c| c.change_id.is_none()) {
            begin(d, st, n, false);
            started.push(n.clone());
        }
    }
    started.sort();
    started
}

/// Stops the named checks that run; returns them.
pub(crate) fn stop_checks(st: &mut State, names: &[String]) -> Vec<String> {
    let mut stopped = Vec::new();
    for n in names {
        if st.checks.get(n).is_some_and(|c| c.change_id.is_some()) {
            abort(st, n);
            if let Some(c) = st.checks.get_mut(n) {
                c.successes = 0;
            }
            stopped.push(n.clone());
        }
    }
    stopped.sort();
    stopped
}

/// Replan also (re)starts enabled checks that are not running.
pub(crate) fn replan(d: &Arc<Daemon>, st: &mut State) {
    let names: Vec<String> = st
        .checks
        .iter()
        .filter(|(_, c)| c.change_id.is_none() && c.config.startup != Some(Startup::Disabled))
        .map(|(n, _)| n.clone())
        .collect();
    for n in names {
        begin(d, st, &n, false);
    }
}
