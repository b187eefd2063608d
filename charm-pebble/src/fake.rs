//! An in-memory Pebble for charm unit tests.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::layer::{Layer, Plan, Service, Startup};
use crate::process::{ExecProcess, ExecReader, ExecStdin, ProcessControl};
use crate::types::*;
use crate::Pebble;

/// What a test installs to answer [`Pebble::exec`]: given the command and the
/// options, return the output (its `command` field is filled in for you) or an error.
pub type ExecHandler = Box<dyn FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send>;

/// The standard streams a [`StreamingExecHandler`] works with, open while it runs.
pub struct ExecIo<'a> {
    /// The command's standard input (end of file when the caller closes it).
    pub stdin: &'a mut (dyn Read + Send),
    /// Its standard output.
    pub stdout: &'a mut (dyn Write + Send),
    /// Its standard error (the same stream as `stdout` when combined).
    pub stderr: &'a mut (dyn Write + Send),
}

/// A handler that plays a command while the caller streams to and from it;
/// returns the exit code. Installed with [`FakePebble::on_exec_stream`].
pub type StreamingExecHandler =
    Box<dyn FnMut(&[String], &ExecOptions, ExecIo<'_>) -> std::io::Result<i32> + Send>;

enum Handler {
    Buffered(ExecHandler),
    Streaming(StreamingExecHandler),
}

/// Timestamp reported for every fake file and notice.
const FAKE_TIME: &str = "2024-01-01T00:00:00Z";

/// An in-memory Pebble implementing [`Pebble`] with Pebble's semantics:
///
/// - layers stack by label; `combine` merges into a same-labelled layer, and each
///   service, check and log target combines by its `override` (`merge` merges
///   fields, appends lists, merges maps; `replace` replaces); a plan where a
///   service has no `command` is refused, leaving the plan as it was;
/// - services start/stop/restart; starting also starts `requires`; replan
///   restarts running services whose definition changed and starts
///   `startup: enabled` ones; unknown names are API errors;
/// - a filesystem: writing needs the parent directory unless `make_dirs`;
///   errors carry Pebble's kinds (`not-found`, `generic-file-error`);
/// - checks from the plan, `up` unless the test says otherwise;
/// - exec answered by canned results ([`FakePebble::add_exec`], longest
///   matching command prefix first, as Scenario's `Exec`) or by a handler
///   ([`FakePebble::on_exec`], [`FakePebble::on_exec_stream`]);
/// - changes for every service action and exec, for `get_change`/`wait_change`;
/// - checks that stop and start, signals recorded, notices filtered as Pebble does.
///
/// All methods take `&self`; state sits behind a mutex, so a fake can be shared.
pub struct FakePebble {
    state: Arc<Mutex<State>>,
}

struct FakeService {
    status: ServiceStatus,
    starts: u32,
    /// The definition it was last (re)started with, to let replan spot changes.
    running: Option<Service>,
}

enum Entry {
    File {
        data: Vec<u8>,
        permissions: u32,
        user: Option<String>,
        group: Option<String>,
    },
    Dir {
        permissions: u32,
        user: Option<String>,
        group: Option<String>,
    },
}

struct State {
    connected: bool,
    layers: Vec<(String, Layer)>,
    services: BTreeMap<String, FakeService>,
    checks: BTreeMap<String, CheckStatus>,
    /// Checks stopped with `stop_checks` (or `startup: disabled` and not started).
    stopped_checks: BTreeSet<String>,
    /// Checks started with `start_checks` despite `startup: disabled`.
    started_checks: BTreeSet<String>,
    files: BTreeMap<String, Entry>,
    /// Shared so the handler runs without the state lock (it may use the fake).
    exec: Option<Arc<Mutex<Handler>>>,
    exec_results: Vec<(Vec<String>, ExecOutput)>,
    exec_calls: Vec<Vec<String>>,
    signals: Vec<(String, Vec<String>)>,
    notices: Vec<Notice>,
    changes: BTreeMap<u64, Change>,
    next_change: u64,
}

impl Default for FakePebble {
    fn default() -> Self {
        FakePebble::new()
    }
}

impl std::fmt::Debug for FakePebble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("FakePebble")
            .field("connected", &s.connected)
            .field(
                "layers",
                &s.layers.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            )
            .field("files", &s.files.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn api(status: u16, message: impl Into<String>) -> Error {
    Error::Api {
        status,
        message: message.into(),
        kind: None,
    }
}

fn path_err(path: &str, kind: &str, message: String) -> Error {
    Error::Path {
        path: path.to_string(),
        kind: kind.to_string(),
        message,
    }
}

/// Go's `path.Match` for one name: `*`, `?`, `[a-z]`, `[^a]`, `\\x`.
pub fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    match pat.first() {
        None => name.is_empty(),
        Some(b'*') => (0..=name.len()).any(|i| glob_match(&pat[1..], &name[i..])),
        Some(b'?') => !name.is_empty() && glob_match(&pat[1..], &name[1..]),
        Some(b'[') => {
            let Some((&c, rest)) = name.split_first() else {
                return false;
            };
            let mut i = 1;
            let negate = pat.get(1) == Some(&b'^');
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < pat.len() && (first || pat[i] != b']') {
                first = false;
                let lo = pat[i];
                if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|h| *h != b']') {
                    matched |= (lo..=pat[i + 2]).contains(&c);
                    i += 3;
                } else {
                    matched |= lo == c;
                    i += 1;
                }
            }
            i < pat.len() && matched != negate && glob_match(&pat[i + 1..], rest)
        }
        Some(b'\\') if pat.len() > 1 => {
            name.first() == Some(&pat[1]) && glob_match(&pat[2..], &name[1..])
        }
        Some(&p) => name.first() == Some(&p) && glob_match(&pat[1..], &name[1..]),
    }
}

/// Absolute, cleaned path (`/a/./b/../c/` → `/a/c`), as Pebble requires.
fn clean(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        return Err(Error::InvalidInput(format!(
            "paths must be absolute, got {path:?}"
        )));
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

fn parent(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    let i = path.rfind('/')?;
    Some(if i == 0 {
        "/".to_string()
    } else {
        path[..i].to_string()
    })
}

fn base_name(path: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("/")
        .to_string()
}

fn is_under(path: &str, dir: &str) -> bool {
    path != dir
        && (dir == "/"
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

impl State {
    fn ready(&self) -> Result<()> {
        if self.connected {
            Ok(())
        } else {
            Err(Error::Connection {
                socket: PathBuf::from("<FakePebble>"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "fake Pebble set as not ready",
                ),
            })
        }
    }

    /// Records a finished change (`err` set: failed) and returns its id.
    fn change(&mut self, kind: &str, summary: String, err: Option<String>) -> ChangeId {
        self.next_change += 1;
        let id = ChangeId(self.next_change.to_string());
        let status = if err.is_some() { "Error" } else { "Done" };
        self.changes.insert(
            self.next_change,
            Change {
                id: id.clone(),
                kind: kind.into(),
                summary: summary.clone(),
                status: status.into(),
                ready: true,
                err,
                tasks: vec![Task {
                    id: self.next_change.to_string(),
                    kind: kind.into(),
                    summary,
                    status: status.into(),
                    log: Vec::new(),
                    data: serde_json::Value::Null,
                }],
                spawn_time: FAKE_TIME.into(),
                ready_time: Some(FAKE_TIME.into()),
            },
        );
        id
    }

    fn check_active(&self, name: &str, startup: Option<Startup>) -> bool {
        if self.stopped_checks.contains(name) {
            return false;
        }
        startup != Some(Startup::Disabled) || self.started_checks.contains(name)
    }

    fn known_checks(&self, action: &str, names: &[&str]) -> Result<Plan> {
        let plan = self.plan();
        if names.is_empty() {
            return Err(api(400, format!("must specify checks for {action} action")));
        }
        let mut missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !plan.checks.contains_key(*n))
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            return Err(api(
                400,
                format!(
                    "cannot {action} checks: cannot find checks in plan: {}",
                    missing.join(", ")
                ),
            ));
        }
        Ok(plan)
    }

    fn plan_of(layers: &[(String, Layer)]) -> Result<Plan> {
        let mut combined = Layer::default();
        for (label, l) in layers {
            combined
                .combine_as(l, Some(label))
                .map_err(|m| api(400, m))?;
        }
        for (name, s) in &combined.services {
            if s.command.as_deref().is_none_or(|c| c.trim().is_empty()) {
                return Err(api(
                    400,
                    format!(r#"plan must define "command" for service "{name}""#),
                ));
            }
        }
        Ok(combined.into())
    }

    fn plan(&self) -> Plan {
        // Layers are validated as they are added, so this cannot fail afterwards.
        State::plan_of(&self.layers).unwrap_or_default()
    }

    fn status(&self, name: &str) -> ServiceStatus {
        self.services
            .get(name)
            .map(|s| s.status)
            .unwrap_or(ServiceStatus::Inactive)
    }

    fn start(&mut self, name: &str, def: &Service, restart: bool) {
        let s = self
            .services
            .entry(name.to_string())
            .or_insert(FakeService {
                status: ServiceStatus::Inactive,
                starts: 0,
                running: None,
            });
        if s.status != ServiceStatus::Active || restart {
            s.status = ServiceStatus::Active;
            s.starts += 1;
            s.running = Some(def.clone());
        }
    }

    fn known(&self, plan: &Plan, action: &str, names: &[&str]) -> Result<()> {
        if names.is_empty() {
            return Err(api(
                400,
                format!("must specify services for {action} action"),
            ));
        }
        for n in names {
            if !plan.services.contains_key(*n) {
                return Err(api(
                    400,
                    format!(r#"cannot {action} services: service "{n}" does not exist"#),
                ));
            }
        }
        Ok(())
    }

    fn entry(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    fn info(&self, path: &str, e: &Entry) -> FileInfo {
        let (file_type, size, permissions, user, group) = match e {
            Entry::File {
                data,
                permissions,
                user,
                group,
            } => (
                FileType::File,
                Some(data.len() as u64),
                *permissions,
                user,
                group,
            ),
            Entry::Dir {
                permissions,
                user,
                group,
            } => (FileType::Directory, None, *permissions, user, group),
        };
        FileInfo {
            path: path.to_string(),
            name: base_name(path),
            file_type,
            size,
            permissions,
            last_modified: FAKE_TIME.to_string(),
            user_id: None,
            user: user.clone(),
            group_id: None,
            group: group.clone(),
        }
    }

    /// Creates `dir` and its missing parents, failing on a file in the way.
    fn make_parents(&mut self, dir: &str, opts: Option<&MakeDirOptions>) -> Result<()> {
        let mut missing = Vec::new();
        let mut cur = Some(dir.to_string());
        while let Some(p) = cur {
            match self.entry(&p) {
                Some(Entry::Dir { .. }) => break,
                Some(Entry::File { .. }) => {
                    return Err(path_err(
                        dir,
                        "generic-file-error",
                        format!("mkdir {p}: not a directory"),
                    ))
                }
                None => {
                    cur = parent(&p);
                    missing.push(p);
                }
            }
        }
        for p in missing.into_iter().rev() {
            let (permissions, user, group) = match opts {
                Some(o) if p == dir => (
                    o.permissions.unwrap_or(0o755),
                    o.user.clone(),
                    o.group.clone(),
                ),
                _ => (0o755, None, None),
            };
            self.files.insert(
                p,
                Entry::Dir {
                    permissions,
                    user,
                    group,
                },
            );
        }
        Ok(())
    }
}

impl FakePebble {
    /// An empty, ready Pebble: no layers, and a filesystem with only `/`.
    pub fn new() -> FakePebble {
        let mut files = BTreeMap::new();
        files.insert(
            "/".to_string(),
            Entry::Dir {
                permissions: 0o755,
                user: None,
                group: None,
            },
        );
        FakePebble {
            state: Arc::new(Mutex::new(State {
                connected: true,
                layers: Vec::new(),
                services: BTreeMap::new(),
                checks: BTreeMap::new(),
                stopped_checks: BTreeSet::new(),
                started_checks: BTreeSet::new(),
                files,
                exec: None,
                exec_results: Vec::new(),
                exec_calls: Vec::new(),
                signals: Vec::new(),
                notices: Vec::new(),
                changes: BTreeMap::new(),
                next_change: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not poison later asserts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes every call fail with [`Error::Connection`] (`false`), as before
    /// pebble-ready, or succeed again (`true`).
    pub fn set_ready(&self, ready: bool) {
        self.lock().connected = ready;
    }

    /// True when calls succeed (see [`set_ready`](Self::set_ready)).
    pub fn is_ready(&self) -> bool {
        self.lock().connected
    }

    /// Installs the handler that answers [`Pebble::exec`] and [`Pebble::spawn`]
    /// (after the canned results of [`add_exec`](Self::add_exec)): it gets the
    /// whole standard input in `options.stdin` and returns the whole output.
    pub fn on_exec(
        &self,
        handler: impl FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send + 'static,
    ) {
        self.lock().exec = Some(Arc::new(Mutex::new(Handler::Buffered(Box::new(handler)))));
    }

    /// Installs a handler that plays a command with its streams open while it
    /// runs (see [`ExecProcess`]); it returns the exit code.
    pub fn on_exec_stream(
        &self,
        handler: impl FnMut(&[String], &ExecOptions, ExecIo<'_>) -> std::io::Result<i32>
            + Send
            + 'static,
    ) {
        self.lock().exec = Some(Arc::new(Mutex::new(Handler::Streaming(Box::new(handler)))));
    }

    /// Answers commands starting with `prefix` with `output` (its exit code,
    /// stdout, stderr), as Scenario's `Exec(command_prefix, ...)`: the longest
    /// matching prefix wins, before any handler.
    pub fn add_exec(&self, prefix: &[&str], output: ExecOutput) {
        let prefix: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        let mut s = self.lock();
        s.exec_results.retain(|(p, _)| *p != prefix);
        s.exec_results.push((prefix, output));
    }

    /// Signals sent with [`Pebble::send_signal`] (signal, services) and to exec
    /// processes (signal, command), in order.
    pub fn signals(&self) -> Vec<(String, Vec<String>)> {
        self.lock().signals.clone()
    }

    /// Every command run through exec so far, in order.
    pub fn exec_calls(&self) -> Vec<Vec<String>> {
        self.lock().exec_calls.clone()
    }

    /// The layers added so far, by label, in order.
    pub fn layers(&self) -> Vec<(String, Layer)> {
        self.lock().layers.clone()
    }

    /// The current status of a service in the plan, or `None` if not in the plan.
    pub fn service_status(&self, name: &str) -> Option<ServiceStatus> {
        let s = self.lock();
        s.plan().services.contains_key(name).then(|| s.status(name))
    }

    /// Forces a service's status (to play a crash: `Error` or `Backoff`).
    pub fn set_service_status(&self, name: &str, status: ServiceStatus) {
        let mut s = self.lock();
        let e = s.services.entry(name.to_string()).or_insert(FakeService {
            status,
            starts: 0,
            running: None,
        });
        e.status = status;
    }

    /// How many times a service was started or restarted.
    pub fn start_count(&self, name: &str) -> u32 {
        self.lock().services.get(name).map_or(0, |s| s.starts)
    }

    /// Sets a check's status as `get_checks` reports it.
    pub fn set_check_status(&self, name: &str, status: CheckStatus) {
        self.lock().checks.insert(name.to_string(), status);
    }

    /// The content of a file, if it exists and is a regular file.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        let p = clean(path).ok()?;
        match self.lock().files.get(&p) {
            Some(Entry::File { data, .. }) => Some(data.clone()),
            _ => None,
        }
    }

    /// Records a custom notice, as `pebble notify <key>` in the workload would.
    pub fn add_notice(&self, key: &str, data: BTreeMap<String, String>) -> Notice {
        let mut s = self.lock();
        if let Some(n) = s
            .notices
            .iter_mut()
            .find(|n| n.notice_type == "custom" && n.key == key)
        {
            n.occurrences += 1;
            n.last_data = data;
            return n.clone();
        }
        let notice = Notice {
            id: (s.notices.len() + 1).to_string(),
            notice_type: "custom".into(),
            key: key.into(),
            user_id: None,
            first_occurred: FAKE_TIME.into(),
            last_occurred: FAKE_TIME.into(),
            last_repeated: FAKE_TIME.into(),
            occurrences: 1,
            last_data: data,
            repeat_after: None,
            expire_after: None,
        };
        s.notices.push(notice.clone());
        notice
    }
}

impl Pebble for FakePebble {
    fn system_info(&self) -> Result<SystemInfo> {
        self.lock().ready()?;
        Ok(SystemInfo {
            version: "fake".into(),
            boot_id: None,
            http_address: None,
        })
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        if label.is_empty() {
            return Err(api(400, "label must be set"));
        }
        let mut layers = s.layers.clone();
        match layers.iter_mut().find(|(l, _)| l == label) {
            Some((_, existing)) if combine => existing
                .combine_as(layer, Some(label))
                .map_err(|m| api(400, m))?,
            Some(_) => return Err(api(400, format!(r#"layer "{label}" already exists"#))),
            None => {
                // Validates the overrides the same way as combining does.
                let mut fresh = Layer::default();
                fresh
                    .combine_as(layer, Some(label))
                    .map_err(|m| api(400, m))?;
                layers.push((label.to_string(), layer.clone()));
            }
        }
        State::plan_of(&layers)?;
        s.layers = layers;
        Ok(())
    }

    fn get_plan(&self) -> Result<Plan> {
        let s = self.lock();
        s.ready()?;
        Ok(s.plan())
    }

    fn start_services(&self, services: &[&str]) -> Result<ChangeId> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.plan();
        s.known(&plan, "start", services)?;
        // Required services start too (transitively).
        let mut todo: Vec<String> = services.iter().map(|n| n.to_string()).collect();
        let mut seen = BTreeSet::new();
        while let Some(n) = todo.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            let Some(def) = plan.services.get(&n) else {
                return Err(api(
                    400,
                    format!(r#"cannot start services: service "{n}" does not exist"#),
                ));
            };
            todo.extend(def.requires.iter().cloned());
        }
        for n in &seen {
            if let Some(def) = plan.services.get(n) {
                s.start(n, def, false);
            }
        }
        let summary = service_summary("start", services);
        Ok(s.change("start", summary, None))
    }

    fn stop_services(&self, services: &[&str]) -> Result<ChangeId> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.plan();
        s.known(&plan, "stop", services)?;
        for n in services {
            if let Some(svc) = s.services.get_mut(*n) {
                svc.status = ServiceStatus::Inactive;
                svc.running = None;
            }
        }
        let summary = service_summary("stop", services);
        Ok(s.change("stop", summary, None))
    }

    fn restart_services(&self, services: &[&str]) -> Result<ChangeId> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.plan();
        s.known(&plan, "restart", services)?;
        for n in services {
            if let Some(def) = plan.services.get(*n) {
                s.start(n, def, true);
            }
        }
        let summary = service_summary("restart", services);
        Ok(s.change("restart", summary, None))
    }

    fn replan_services(&self) -> Result<ChangeId> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.plan();
        for (name, def) in &plan.services {
            let (active, changed) = match s.services.get(name) {
                Some(svc) => (
                    svc.status == ServiceStatus::Active,
                    svc.running.as_ref() != Some(def),
                ),
                None => (false, true),
            };
            if active && changed {
                s.start(name, def, true);
            } else if !active && def.startup == Some(Startup::Enabled) {
                s.start(name, def, false);
            }
        }
        Ok(s.change("replan", "Replan".into(), None))
    }

    fn get_services(&self) -> Result<Vec<ServiceInfo>> {
        let s = self.lock();
        s.ready()?;
        Ok(s.plan()
            .services
            .iter()
            .map(|(name, def)| ServiceInfo {
                name: name.clone(),
                startup: def.startup.unwrap_or(Startup::Disabled),
                current: s.status(name),
            })
            .collect())
    }

    fn get_checks(&self) -> Result<Vec<CheckInfo>> {
        let s = self.lock();
        s.ready()?;
        Ok(s.plan()
            .checks
            .iter()
            .map(|(name, c)| {
                let threshold = c.threshold.unwrap_or(3);
                let status = if s.check_active(name, c.startup) {
                    s.checks.get(name).copied().unwrap_or(CheckStatus::Up)
                } else {
                    CheckStatus::Inactive
                };
                CheckInfo {
                    name: name.clone(),
                    level: c.level,
                    startup: Some(c.startup.unwrap_or(Startup::Enabled)),
                    status,
                    failures: if status == CheckStatus::Down {
                        threshold
                    } else {
                        0
                    },
                    threshold,
                    change_id: None,
                }
            })
            .collect())
    }

    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        crate::client::check_permissions(options.permissions)?;
        let Some(dir) = parent(&p) else {
            return Err(path_err(
                path,
                "generic-file-error",
                format!("open {p}: is a directory"),
            ));
        };
        match s.entry(&dir) {
            Some(Entry::Dir { .. }) => {}
            Some(Entry::File { .. }) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("open {p}: not a directory"),
                ))
            }
            None if options.make_dirs => s.make_parents(&dir, None).map_err(|e| match e {
                Error::Path { kind, message, .. } => path_err(path, &kind, message),
                e => e,
            })?,
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("open {p}: no such file or directory"),
                ))
            }
        }
        if let Some(Entry::Dir { .. }) = s.entry(&p) {
            return Err(path_err(
                path,
                "generic-file-error",
                format!("open {p}: is a directory"),
            ));
        }
        s.files.insert(
            p,
            Entry::File {
                data: content.to_vec(),
                permissions: options.permissions.unwrap_or(0o644),
                user: options.user.clone(),
                group: options.group.clone(),
            },
        );
        Ok(())
    }

    fn push_from(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
        let mut content = Vec::new();
        source.read_to_end(&mut content).map_err(|e| Error::Local {
            path: "<push source>".into(),
            source: e,
        })?;
        self.push(path, &content, options)
    }

    fn pull_to(&self, path: &str, sink: &mut dyn Write) -> Result<()> {
        let content = self.pull(path)?;
        sink.write_all(&content).map_err(|e| Error::Local {
            path: "<pull sink>".into(),
            source: e,
        })
    }

    fn pull(&self, path: &str) -> Result<Vec<u8>> {
        let s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        match s.entry(&p) {
            Some(Entry::File { data, .. }) => Ok(data.clone()),
            Some(Entry::Dir { .. }) => Err(path_err(
                path,
                "generic-file-error",
                format!("can only read a regular file: \"{p}\""),
            )),
            None => Err(path_err(
                path,
                "not-found",
                format!("stat {p}: no such file or directory"),
            )),
        }
    }

    fn list_files_with(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>> {
        let s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        let matches = |name: &str| {
            options
                .pattern
                .as_deref()
                .is_none_or(|pat| glob_match(pat.as_bytes(), name.as_bytes()))
        };
        let found = match s.entry(&p) {
            None => {
                return Err(Error::Api {
                    status: 404,
                    message: format!("stat {p}: no such file or directory"),
                    kind: Some("not-found".into()),
                })
            }
            Some(e @ Entry::File { .. }) => vec![s.info(&p, e)],
            Some(e @ Entry::Dir { .. }) if options.itself => vec![s.info(&p, e)],
            Some(Entry::Dir { .. }) => s
                .files
                .iter()
                .filter(|(k, _)| is_under(k, &p) && parent(k).as_deref() == Some(p.as_str()))
                .map(|(k, e)| s.info(k, e))
                .collect(),
        };
        Ok(found.into_iter().filter(|f| matches(&f.name)).collect())
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        crate::client::check_permissions(options.permissions)?;
        match s.entry(&p) {
            Some(Entry::Dir { .. }) if options.make_parents => return Ok(()),
            Some(_) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("mkdir {p}: file exists"),
                ))
            }
            None => {}
        }
        let dir = parent(&p).unwrap_or_else(|| "/".into());
        match s.entry(&dir) {
            Some(Entry::Dir { .. }) => {}
            Some(Entry::File { .. }) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("mkdir {p}: not a directory"),
                ))
            }
            None if options.make_parents => {}
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("mkdir {p}: no such file or directory"),
                ))
            }
        }
        s.make_parents(&p, Some(options)).map_err(|e| match e {
            Error::Path { kind, message, .. } => path_err(path, &kind, message),
            e => e,
        })
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        if p == "/" {
            return Err(path_err(
                path,
                "generic-file-error",
                "remove /: cannot remove the root".into(),
            ));
        }
        let has_children = s.files.keys().any(|k| is_under(k, &p));
        match s.entry(&p) {
            None if recursive => return Ok(()),
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("remove {p}: no such file or directory"),
                ))
            }
            Some(Entry::Dir { .. }) if has_children && !recursive => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("remove {p}: directory not empty"),
                ))
            }
            Some(_) => {}
        }
        s.files.retain(|k, _| k != &p && !is_under(k, &p));
        Ok(())
    }

    fn spawn(&self, command: &[&str], options: &ExecOptions) -> Result<ExecProcess> {
        let cmd: Vec<String> = command.iter().map(|c| c.to_string()).collect();
        let runner = {
            let mut s = self.lock();
            s.ready()?;
            if command.is_empty() {
                return Err(Error::InvalidInput("exec needs a command".into()));
            }
            s.exec_calls.push(cmd.clone());
            let canned = s
                .exec_results
                .iter()
                .filter(|(p, _)| cmd.starts_with(p))
                .max_by_key(|(p, _)| p.len())
                .map(|(_, out)| out.clone());
            match (canned, &s.exec) {
                (Some(out), _) => Runner::Canned(out),
                (None, Some(h)) => Runner::Handler(Arc::clone(h)),
                (None, None) => {
                    let summary = format!("Execute command {:?}", cmd[0]);
                    let err = format!(
                        "cannot perform the following tasks:\n- {summary} (cannot find executable {:?}: \
                         no exec result or handler in this FakePebble; add one with add_exec or on_exec)",
                        cmd[0]
                    );
                    let id = s.change("exec", summary, Some(err.clone()));
                    return Err(Error::Change {
                        change_id: id.0,
                        err,
                    });
                }
            }
        };
        let id = {
            let mut s = self.lock();
            s.change("exec", format!("Execute command {:?}", cmd[0]), None)
        };
        spawn_fake(cmd, options.clone(), runner, Arc::clone(&self.state), id)
    }

    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> {
        let s = self.lock();
        s.ready()?;
        Ok(s.notices
            .iter()
            .filter(|n| query.matches(n, Some(0)))
            .cloned()
            .collect())
    }

    fn get_notice(&self, id: &str) -> Result<Notice> {
        let s = self.lock();
        s.ready()?;
        s.notices
            .iter()
            .find(|n| n.id == id)
            .cloned()
            .ok_or_else(|| Error::Api {
                status: 404,
                message: format!("cannot find notice with ID {id:?}"),
                kind: None,
            })
    }

    fn notify(
        &self,
        key: &str,
        data: &BTreeMap<String, String>,
        _repeat_after: Option<Duration>,
    ) -> Result<String> {
        self.lock().ready()?;
        if !valid_custom_key(key) {
            return Err(api(
                400,
                format!(r#"invalid key {key:?} (must be in "example.com/path" format)"#),
            ));
        }
        Ok(self.add_notice(key, data.clone()).id)
    }

    fn get_change(&self, id: &ChangeId) -> Result<Change> {
        let s = self.lock();
        s.ready()?;
        id.0.parse::<u64>()
            .ok()
            .and_then(|n| s.changes.get(&n))
            .cloned()
            .ok_or_else(|| Error::Api {
                status: 404,
                message: format!("cannot find change with id {:?}", id.0),
                kind: Some("not-found".into()),
            })
    }

    fn wait_change(&self, id: &ChangeId, _timeout: Option<Duration>) -> Result<Change> {
        // Every fake change is finished when it is made.
        self.get_change(id)
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        if services.is_empty() {
            return Err(api(400, "must specify one or more services"));
        }
        if !valid_signal(signal) {
            return Err(api(
                500,
                services
                    .iter()
                    .map(|n| format!("cannot send signal to {n:?}: invalid signal name {signal:?}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        let errors: Vec<String> = services
            .iter()
            .filter(|n| s.status(n) != ServiceStatus::Active)
            .map(|n| format!("cannot send signal to {n:?}: service is not running"))
            .collect();
        if !errors.is_empty() {
            return Err(api(500, errors.join("; ")));
        }
        s.signals.push((
            signal.to_string(),
            services.iter().map(|n| n.to_string()).collect(),
        ));
        Ok(())
    }

    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.known_checks("start", checks)?;
        let mut started = Vec::new();
        for name in checks {
            let startup = plan.checks.get(*name).and_then(|c| c.startup);
            if !s.check_active(name, startup) {
                s.stopped_checks.remove(*name);
                s.started_checks.insert(name.to_string());
                started.push(name.to_string());
            }
        }
        started.sort();
        Ok(started)
    }

    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        let mut s = self.lock();
        s.ready()?;
        let plan = s.known_checks("stop", checks)?;
        let mut stopped = Vec::new();
        for name in checks {
            let startup = plan.checks.get(*name).and_then(|c| c.startup);
            if s.check_active(name, startup) {
                s.started_checks.remove(*name);
                s.stopped_checks.insert(name.to_string());
                stopped.push(name.to_string());
            }
        }
        stopped.sort();
        Ok(stopped)
    }
}

/// Pebble's change summary for a service action (`internals/daemon/api_services.go`).
fn service_summary(action: &str, services: &[&str]) -> String {
    let title = format!("{}{}", action[..1].to_ascii_uppercase(), &action[1..]);
    match services {
        [] => format!("{title} - no services"),
        [one] => format!("{title} service {one:?}"),
        [first, rest @ ..] => format!("{title} service {first:?} and {} more", rest.len()),
    }
}

/// Pebble's rule for custom notice keys (`internals/daemon/api_notices.go`):
/// `example.com/path`, lower-case, at most 256 bytes.
fn valid_custom_key(key: &str) -> bool {
    fn label(s: &str) -> bool {
        !s.is_empty()
            && s.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    }
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    key.len() <= 256
        && domain.split('.').count() >= 2
        && domain.split('.').all(label)
        && path.split('/').all(label)
}

/// Signal names Pebble accepts (`unix.SignalNum`): `SIG` and a Linux signal name.
fn valid_signal(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "SIGABRT",
        "SIGALRM",
        "SIGBUS",
        "SIGCHLD",
        "SIGCONT",
        "SIGFPE",
        "SIGHUP",
        "SIGILL",
        "SIGINT",
        "SIGIO",
        "SIGKILL",
        "SIGPIPE",
        "SIGPROF",
        "SIGPWR",
        "SIGQUIT",
        "SIGSEGV",
        "SIGSTKFLT",
        "SIGSTOP",
        "SIGSYS",
        "SIGTERM",
        "SIGTRAP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGUSR1",
        "SIGUSR2",
        "SIGVTALRM",
        "SIGWINCH",
        "SIGXCPU",
        "SIGXFSZ",
    ];
    NAMES.contains(&name)
}

/// How a fake command is played.
enum Runner {
    Canned(ExecOutput),
    Handler(Arc<Mutex<Handler>>),
}

/// Control of a fake command: its exit code arrives on a channel when its thread ends.
struct FakeProcess {
    command: Vec<String>,
    state: Arc<Mutex<State>>,
    done: mpsc::Receiver<Result<i32>>,
    change: ChangeId,
}

impl ProcessControl for FakeProcess {
    fn send_signal(&mut self, signal: &str) -> Result<()> {
        if !valid_signal(signal) {
            return Err(Error::InvalidInput(format!(
                "invalid signal name {signal:?}"
            )));
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.signals.push((signal.to_string(), self.command.clone()));
        Ok(())
    }

    fn wait(&mut self) -> Result<i32> {
        match self.done.recv() {
            Ok(r) => r,
            Err(_) => Err(Error::Change {
                change_id: self.change.0.clone(),
                err: "the exec handler panicked".into(),
            }),
        }
    }
}

fn pipe_err(e: std::io::Error) -> Error {
    Error::Local {
        path: "<fake exec pipe>".into(),
        source: e,
    }
}

/// Runs a fake command on its own thread, its streams over OS pipes so the
/// caller can stream while it runs.
fn spawn_fake(
    cmd: Vec<String>,
    options: ExecOptions,
    runner: Runner,
    state: Arc<Mutex<State>>,
    change: ChangeId,
) -> Result<ExecProcess> {
    let (stdin_r, stdin_w) = std::io::pipe().map_err(pipe_err)?;
    let (out_r, out_w) = std::io::pipe().map_err(pipe_err)?;
    let (err_r, err_w) = if options.combine_stderr {
        (None, out_w.try_clone().map_err(pipe_err)?)
    } else {
        let (r, w) = std::io::pipe().map_err(pipe_err)?;
        (Some(r), w)
    };
    let given_stdin = options.stdin.clone();
    let has_stdin = given_stdin.is_some();
    let (tx, rx) = mpsc::channel();
    let thread_cmd = cmd.clone();
    let change_id = change.clone();
    std::thread::spawn(move || {
        let (mut stdin_r, mut out_w, mut err_w) = (stdin_r, out_w, err_w);
        let mut given = given_stdin.as_deref();
        let stdin: &mut (dyn Read + Send) = match &mut given {
            Some(bytes) => bytes,
            None => &mut stdin_r,
        };
        let result = match runner {
            Runner::Canned(out) => {
                // Like a command that ignores its input.
                let _ = out_w.write_all(&out.stdout);
                let _ = err_w.write_all(&out.stderr);
                Ok(out.exit_code)
            }
            Runner::Handler(h) => {
                let mut h = h.lock().unwrap_or_else(|p| p.into_inner());
                match &mut *h {
                    Handler::Buffered(f) => {
                        let mut opts = options.clone();
                        if opts.stdin.is_none() {
                            let mut all = Vec::new();
                            let _ = stdin.read_to_end(&mut all);
                            opts.stdin = Some(all);
                        }
                        f(&thread_cmd, &opts).map(|out| {
                            let _ = out_w.write_all(&out.stdout);
                            let _ = err_w.write_all(&out.stderr);
                            out.exit_code
                        })
                    }
                    Handler::Streaming(f) => {
                        let io = ExecIo {
                            stdin,
                            stdout: &mut out_w,
                            stderr: &mut err_w,
                        };
                        f(&thread_cmd, &options, io).map_err(|e| Error::Change {
                            change_id: change_id.0.clone(),
                            err: format!(
                                "cannot perform the following tasks:\n- Execute command {:?} ({e})",
                                thread_cmd[0]
                            ),
                        })
                    }
                }
            }
        };
        drop((out_w, err_w));
        let _ = tx.send(result);
    });
    let stdin = (!has_stdin).then(|| Box::new(stdin_w) as ExecStdin);
    Ok(ExecProcess::new(
        cmd.clone(),
        stdin,
        Some(Box::new(out_r) as ExecReader),
        err_r.map(|r| Box::new(r) as ExecReader),
        Box::new(FakeProcess {
            command: cmd,
            state,
            done: rx,
            change,
        }),
    ))
}
