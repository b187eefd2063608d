//! Services as real child processes, supervised as Pebble's service manager
//! does (`internals/overlord/servstate/handlers.go`): the 1 s okay delay,
//! `on-success`/`on-failure` actions, restart backoff, `kill-delay`, and
//! `on-check-failure`.

use std::collections::VecDeque;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use charm_pebble::{Service, ServiceStatus};
use rustix::process::Signal;

use crate::daemon::{Daemon, State};
use crate::plan::{self, timing};
use crate::process::{exit_code, find_program, go_error, signal, signal_by_name, signal_group};
use crate::{files, users};

/// Time a service is SIGKILLed before it counts as stuck (`failDelay`).
const FAIL_DELAY: Duration = Duration::from_secs(5);
/// Bytes of output kept per service (`maxLogBytes`).
const MAX_LOG: usize = 100 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SvcState {
    Initial,
    Starting,
    Running,
    Terminating,
    Killing,
    Stopped,
    Backoff,
    Exited,
}

impl SvcState {
    /// `stateToStatus`.
    pub fn status(self) -> ServiceStatus {
        match self {
            SvcState::Starting | SvcState::Running => ServiceStatus::Active,
            SvcState::Terminating | SvcState::Killing | SvcState::Stopped => {
                ServiceStatus::Inactive
            }
            SvcState::Backoff => ServiceStatus::Backoff,
            SvcState::Initial | SvcState::Exited => ServiceStatus::Error,
        }
    }
}

pub(crate) struct Svc {
    pub config: Service,
    pub state: SvcState,
    pub pid: Option<i32>,
    /// Bumped on each transition that arms a timer; a timer of another epoch does nothing.
    pub epoch: u64,
    pub backoff_num: u32,
    pub backoff_time: Duration,
    pub restarting: bool,
    pub since: SystemTime,
    pub start_error: Option<String>,
    pub stop_error: Option<String>,
    pub start_count: u64,
    pub logs: Arc<Mutex<VecDeque<u8>>>,
}

impl Svc {
    fn new(config: Service) -> Svc {
        Svc {
            config,
            state: SvcState::Initial,
            pid: None,
            epoch: 0,
            backoff_num: 0,
            backoff_time: Duration::ZERO,
            restarting: false,
            since: SystemTime::now(),
            start_error: None,
            stop_error: None,
            start_count: 0,
            logs: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    fn transition(&mut self, state: SvcState) {
        if self.state.status() != state.status() {
            self.since = SystemTime::now();
        }
        self.state = state;
        self.restarting = false;
    }

    /// The last `lines` lines of output, indented, for a failed start's task log.
    pub fn last_lines(&self, lines: usize) -> String {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        let text = String::from_utf8_lossy(&logs.iter().copied().collect::<Vec<u8>>()).into_owned();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..]
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What a start or stop task says besides success.
pub(crate) type TaskResult = Result<Option<String>, String>;

/// Runs `f` after `delay`, unless the container restarted meanwhile.
fn after(
    d: &Arc<Daemon>,
    generation: u64,
    delay: Duration,
    f: impl FnOnce(&Arc<Daemon>, &mut State) + Send + 'static,
) {
    let d = Arc::clone(d);
    thread::spawn(move || {
        let deadline = Instant::now() + delay;
        let st = d.lock();
        let (mut st, _) = d.wait_until(st, Some(deadline), |s| s.generation != generation);
        if st.generation == generation && !st.shutting_down {
            f(&d, &mut st);
            d.cond.notify_all();
        }
    });
}

fn action_for(config: &Service, success: bool) -> (&'static str, String) {
    let (on, action) = if success {
        ("on-success", config.on_success.as_deref())
    } else {
        ("on-failure", config.on_failure.as_deref())
    };
    let action = match action {
        None | Some("") => "restart".to_string(),
        Some(a) => a.to_string(),
    };
    (on, action)
}

/// `startInternal`: spawns the process in its own process group.
fn start_internal(d: &Arc<Daemon>, st: &mut State, name: &str) -> Result<(), String> {
    let svc = st.services.get(name).ok_or("service vanished")?;
    let config = svc.config.clone();
    let (mut child, reader) = spawn(d, name, &config)?;
    let pid = child.id() as i32;
    d.note_group(pid);
    let svc = st.services.get_mut(name).ok_or("service vanished")?;
    svc.pid = Some(pid);
    svc.start_count += 1;
    let logs = Arc::clone(&svc.logs);
    let (drained_tx, drained) = std::sync::mpsc::channel::<()>();
    thread::spawn(move || {
        pump_logs(reader, &logs);
        let _ = drained_tx.send(());
    });
    let generation = st.generation;
    let waiter_d = Arc::clone(d);
    let waiter_name = name.to_string();
    let handle = thread::spawn(move || {
        let code = child.wait().map(exit_code).unwrap_or(-1);
        // What it wrote before exiting is in its logs before the exit is handled (an
        // error quotes them); a process it left holding the pipe does not hold this up.
        let _ = drained.recv_timeout(Duration::from_millis(200));
        waiter_d.forget_group_if_empty(pid);
        exited(&waiter_d, generation, &waiter_name, pid, code);
    });
    d.note_waiter(handle);
    // Reset the backoff once the service has run for backoff-limit.
    let limit = timing(&config).backoff_limit;
    let name = name.to_string();
    after(d, generation, limit, move |_, st| {
        if let Some(s) = st.services.get_mut(&name) {
            if s.pid == Some(pid) && s.state == SvcState::Running {
                s.backoff_num = 0;
                s.backoff_time = Duration::ZERO;
            }
        }
    });
    Ok(())
}

/// Starts the service's command as its user, in its working directory, with its output on
/// the returned pipe.
fn spawn(
    d: &Daemon,
    name: &str,
    config: &Service,
) -> Result<(std::process::Child, std::io::PipeReader), String> {
    let args = plan::parse_command(config.command.as_deref().unwrap_or_default())
        .map_err(|e| format!("cannot parse service {name:?} command: {e}"))?;
    let ids = users::normalize(
        &d.root,
        config.user_id,
        config.group_id,
        config.user.as_deref(),
        config.group.as_deref(),
    )?;
    let env = environment(d, config, ids);
    let path_env = env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone());
    let program = find_program(&d.root, &args[0], path_env.as_deref()).ok_or_else(|| {
        format!(
            "cannot start service: fork/exec {}: no such file or directory",
            args[0]
        )
    })?;
    let dir = match config.working_dir.as_deref() {
        Some(w) if !w.is_empty() => files::resolve(&d.root, w, true)
            .map_err(|e| format!("cannot start service: chdir {w}: {}", go_error(&e)))?,
        _ => d.root.clone(),
    };
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot start service: {e}"))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| format!("cannot start service: {e}"))?;
    let mut cmd = Command::new(&program);
    cmd.args(&args[1..])
        .env_clear()
        .envs(env)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn().map_err(|e| {
        format!(
            "cannot start service: fork/exec {}: {}",
            program.display(),
            go_error(&e)
        )
    })?;
    drop(cmd); // closes our copies of the pipe's write end
    Ok((child, reader))
}

/// The daemon's environment, then the service's; `HOME` and `USER` follow the service's user
/// unless it sets them.
fn environment(d: &Daemon, config: &Service, ids: Option<(u32, u32)>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.extend(d.config.environment.clone());
    env.extend(
        config
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    if let Some(user) = ids.and_then(|(uid, _)| users::by_uid(&d.root, uid)) {
        if !config.environment.contains_key("HOME") {
            env.push(("HOME".into(), user.home));
        }
        if !config.environment.contains_key("USER") {
            env.push(("USER".into(), user.name));
        }
    }
    env
}

fn pump_logs(mut reader: std::io::PipeReader, logs: &Mutex<VecDeque<u8>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        let mut l = logs.lock().unwrap_or_else(|p| p.into_inner());
        l.extend(&buf[..n]);
        let excess = l.len().saturating_sub(MAX_LOG);
        l.drain(..excess);
    }
}

/// `serviceData.exited`.
fn exited(d: &Arc<Daemon>, generation: u64, name: &str, pid: i32, code: i32) {
    let mut st = d.lock();
    if st.generation != generation {
        return;
    }
    let Some(svc) = st.services.get_mut(name) else {
        return;
    };
    if svc.pid != Some(pid) {
        return;
    }
    svc.pid = None;
    match svc.state {
        SvcState::Starting | SvcState::Running => {
            let (_, action) = action_for(&svc.config, code == 0);
            if svc.state == SvcState::Starting {
                svc.start_error = Some(format!("exited quickly with code {code}, will {action}"));
            }
            match action.as_str() {
                "restart" => do_backoff(d, &mut st, name),
                "ignore" if code == 0 => svc.transition(SvcState::Stopped),
                // "shutdown" & co. would stop Pebble and the container: the
                // simulator keeps the container, the service stays exited.
                _ => svc.transition(SvcState::Exited),
            }
        }
        SvcState::Terminating | SvcState::Killing => {
            if svc.restarting {
                do_backoff(d, &mut st, name);
            } else {
                svc.transition(SvcState::Stopped);
            }
        }
        _ => {}
    }
    d.cond.notify_all();
}

/// `serviceData.doBackoff`.
fn do_backoff(d: &Arc<Daemon>, st: &mut State, name: &str) {
    let Some(svc) = st.services.get_mut(name) else {
        return;
    };
    let t = timing(&svc.config);
    svc.backoff_num += 1;
    svc.backoff_time = if svc.backoff_time.is_zero() {
        t.backoff_delay
    } else if svc.backoff_time >= t.backoff_limit {
        t.backoff_limit
    } else {
        svc.backoff_time
            .mul_f64(t.backoff_factor)
            .min(t.backoff_limit)
    };
    svc.transition(SvcState::Backoff);
    svc.epoch += 1;
    let epoch = svc.epoch;
    let delay = svc.backoff_time + jitter(svc.backoff_time);
    let name = name.to_string();
    after(d, st.generation, delay, move |d, st| {
        let ok = st
            .services
            .get(&name)
            .is_some_and(|s| s.state == SvcState::Backoff && s.epoch == epoch);
        if ok {
            let started = start_internal(d, st, &name);
            if let Some(s) = st.services.get_mut(&name) {
                match started {
                    Ok(()) => s.transition(SvcState::Running),
                    Err(e) => {
                        s.start_error = Some(e);
                        s.transition(SvcState::Exited);
                    }
                }
            }
        }
    });
}

/// Up to 10% of `d`, as Pebble's jitter.
fn jitter(d: Duration) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    d.mul_f64(f64::from(nanos % 1000) / 10_000.0)
}

/// The start task (`doStart`): starts and waits out the okay delay.
pub(crate) fn start(d: &Arc<Daemon>, name: &str) -> TaskResult {
    let mut st = d.lock();
    let generation = st.generation;
    let config = st
        .plan
        .services
        .get(name)
        .cloned()
        .ok_or_else(|| format!("cannot find service {name:?} in plan"))?;
    let svc = st
        .services
        .entry(name.to_string())
        .or_insert_with(|| Svc::new(config.clone()));
    svc.config = config;
    match svc.state {
        SvcState::Starting | SvcState::Running => {
            return Ok(Some(format!("Service {name:?} already started.")))
        }
        SvcState::Terminating | SvcState::Killing => {
            return Err(format!(
                "cannot start service while {}",
                state_name(svc.state)
            ))
        }
        _ => {
            svc.backoff_num = 0;
            svc.backoff_time = Duration::ZERO;
            svc.start_error = None;
            svc.transition(SvcState::Initial);
        }
    }
    if let Err(e) = start_internal(d, &mut st, name) {
        if let Some(s) = st.services.get_mut(name) {
            s.transition(SvcState::Stopped);
        }
        d.cond.notify_all();
        return Err(e);
    }
    let svc = st.services.get_mut(name).ok_or("service vanished")?;
    svc.transition(SvcState::Starting);
    svc.epoch += 1;
    let epoch = svc.epoch;
    let okay_name = name.to_string();
    after(d, generation, d.config.okay_delay, move |_, st| {
        if let Some(s) = st.services.get_mut(&okay_name) {
            if s.state == SvcState::Starting && s.epoch == epoch {
                s.transition(SvcState::Running);
            }
        }
    });
    let (st, _) = d.wait_until(st, None, |s| {
        s.generation != generation
            || s.services
                .get(name)
                .is_none_or(|s| s.state != SvcState::Starting || s.epoch != epoch)
    });
    if st.generation != generation {
        return Err("container restarted".into());
    }
    match st.services.get(name) {
        Some(s) if s.state == SvcState::Running => Ok(None),
        Some(s) => {
            let mut msg = format!(
                "service start attempt: {}",
                s.start_error.clone().unwrap_or_else(|| "stopped".into())
            );
            let logs = s.last_lines(20);
            if !logs.is_empty() {
                msg.push_str(&format!("\n(most recent service output:\n{logs})"));
            }
            Err(msg)
        }
        None => Err("service vanished".into()),
    }
}

fn state_name(s: SvcState) -> &'static str {
    match s {
        SvcState::Initial => "initial",
        SvcState::Starting => "starting",
        SvcState::Running => "running",
        SvcState::Terminating => "terminating",
        SvcState::Killing => "killing",
        SvcState::Stopped => "stopped",
        SvcState::Backoff => "backoff",
        SvcState::Exited => "exited",
    }
}

/// SIGTERM to the group, then SIGKILL after `kill-delay` (`serviceData.stop`).
fn terminate(d: &Arc<Daemon>, st: &mut State, name: &str, restarting: bool) {
    let Some(svc) = st.services.get_mut(name) else {
        return;
    };
    if let Some(pid) = svc.pid {
        signal_group(pid, Signal::TERM);
    }
    svc.transition(SvcState::Terminating);
    svc.restarting = restarting;
    svc.epoch += 1;
    let epoch = svc.epoch;
    let kill_delay = timing(&svc.config).kill_delay;
    let name = name.to_string();
    after(d, st.generation, kill_delay, move |d, st| {
        let Some(s) = st.services.get_mut(&name) else {
            return;
        };
        if s.state != SvcState::Terminating || s.epoch != epoch {
            return;
        }
        if let Some(pid) = s.pid {
            signal_group(pid, Signal::KILL);
        }
        let restarting = s.restarting;
        s.transition(SvcState::Killing);
        s.restarting = restarting;
        s.epoch += 1;
        let epoch = s.epoch;
        after(d, st.generation, FAIL_DELAY, move |_, st| {
            if let Some(s) = st.services.get_mut(&name) {
                if s.state == SvcState::Killing && s.epoch == epoch {
                    if !s.restarting {
                        s.stop_error =
                            Some("process still running after SIGTERM and SIGKILL".into());
                    }
                    s.transition(SvcState::Stopped);
                }
            }
        });
    });
}

/// The stop task (`doStop`): waits until the service is stopped.
pub(crate) fn stop(d: &Arc<Daemon>, name: &str) -> TaskResult {
    let mut st = d.lock();
    let generation = st.generation;
    let Some(svc) = st.services.get_mut(name) else {
        return Ok(Some(format!("Service {name:?} has never been started.")));
    };
    svc.stop_error = None;
    match svc.state {
        SvcState::Terminating | SvcState::Killing => {
            return Ok(Some(format!("Service {name:?} already stopping.")))
        }
        SvcState::Stopped => return Ok(Some(format!("Service {name:?} already stopped."))),
        SvcState::Exited => {
            svc.transition(SvcState::Stopped);
            return Ok(Some(format!("Service {name:?} had already exited.")));
        }
        SvcState::Backoff => {
            svc.transition(SvcState::Stopped);
            d.cond.notify_all();
            return Ok(None);
        }
        SvcState::Initial => {
            svc.transition(SvcState::Stopped);
            return Ok(None);
        }
        SvcState::Starting => {
            svc.start_error = Some(format!(
                "stopped before the {} okay delay",
                crate::duration::format(d.config.okay_delay)
            ));
            terminate(d, &mut st, name, false);
        }
        SvcState::Running => terminate(d, &mut st, name, false),
    }
    d.cond.notify_all();
    let (st, _) = d.wait_until(st, None, |s| {
        s.generation != generation
            || s.services
                .get(name)
                .is_none_or(|s| s.state == SvcState::Stopped)
    });
    if st.generation != generation {
        return Err("container restarted".into());
    }
    match st.services.get(name).and_then(|s| s.stop_error.clone()) {
        Some(e) => Err(format!("cannot stop service: {e}")),
        None => Ok(None),
    }
}

/// `ServiceManager.SendSignal`.
pub(crate) fn send_signal(st: &State, names: &[String], sig: &str) -> Result<(), String> {
    let mut errors = Vec::new();
    for name in names {
        let err = match st.services.get(name) {
            None => Some("service is not running".to_string()),
            Some(s) => match (s.state, s.pid) {
                (SvcState::Starting | SvcState::Running, Some(pid)) => match signal_by_name(sig) {
                    None => Some(format!("invalid signal name {sig:?}")),
                    Some(signo) => signal(pid, signo).err().map(|e| go_error(&e)),
                },
                (SvcState::Initial, _) => Some(format!("invalid in state {:?}", "initial")),
                _ => Some("service is not running".to_string()),
            },
        };
        if let Some(e) = err {
            errors.push(format!("cannot send signal to {name:?}: {e}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// `ServiceManager.CheckFailed`: the services' `on-check-failure` actions.
pub(crate) fn check_failed(d: &Arc<Daemon>, st: &mut State, check: &str) {
    let names: Vec<(String, String)> = st
        .services
        .iter()
        .filter_map(|(n, s)| {
            s.config
                .on_check_failure
                .get(check)
                .map(|a| (n.clone(), a.clone()))
        })
        .collect();
    for (name, action) in names {
        let Some(state) = st.services.get(&name).map(|s| s.state) else {
            continue;
        };
        if action != "restart" {
            continue; // ignore; shutdown actions would stop the whole container
        }
        match state {
            SvcState::Running => terminate(d, st, &name, true),
            SvcState::Exited => do_backoff(d, st, &name),
            _ => {}
        }
    }
}

/// Replan (`ServiceManager.Replan`): services whose definition changed are
/// stopped and started again; `startup: enabled` services are started.
pub(crate) fn replan(st: &mut State) -> Result<(Vec<String>, Vec<String>), String> {
    let mut restart = Vec::new();
    for (name, s) in st.services.iter_mut() {
        if let Some(config) = st.plan.services.get(name) {
            if *config == s.config {
                continue;
            }
            s.config = config.clone();
        }
        restart.push(name.clone());
    }
    let start: Vec<String> = st
        .plan
        .services
        .iter()
        .filter(|(n, c)| restart.contains(n) || c.startup == Some(charm_pebble::Startup::Enabled))
        .map(|(n, _)| n.clone())
        .collect();
    let stop = plan::order(&st.plan, &restart, true)?;
    let stop: Vec<String> = stop.into_iter().filter(|n| restart.contains(n)).collect();
    let start = plan::order(&st.plan, &start, false)?;
    Ok((stop, start))
}

/// SIGKILLs every process group this daemon started.
pub(crate) fn kill_everything(d: &Daemon) {
    let groups = d.groups.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for g in groups {
        signal_group(g, Signal::KILL);
    }
}
