//! An in-memory Pebble for charm unit tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::layer::{Layer, Plan, Service, Startup};
use crate::types::*;
use crate::Pebble;

/// What a test installs to answer [`Pebble::exec`]: given the command and the
/// options, return the output (its `command` field is filled in for you) or an error.
pub type ExecHandler = Box<dyn FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send>;

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
/// - exec through a handler the test installs with [`FakePebble::on_exec`].
///
/// All methods take `&self`; state sits behind a mutex, so a fake can be shared.
pub struct FakePebble {
    state: Mutex<State>,
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
    files: BTreeMap<String, Entry>,
    /// Shared so the handler runs without the state lock (it may use the fake).
    exec: Option<Arc<Mutex<ExecHandler>>>,
    exec_calls: Vec<Vec<String>>,
    notices: Vec<Notice>,
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

    fn change(&mut self) -> ChangeId {
        self.next_change += 1;
        ChangeId(self.next_change.to_string())
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
            state: Mutex::new(State {
                connected: true,
                layers: Vec::new(),
                services: BTreeMap::new(),
                checks: BTreeMap::new(),
                files,
                exec: None,
                exec_calls: Vec::new(),
                notices: Vec::new(),
                next_change: 0,
            }),
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

    /// Installs the handler that answers [`Pebble::exec`].
    pub fn on_exec(
        &self,
        handler: impl FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send + 'static,
    ) {
        self.lock().exec = Some(Arc::new(Mutex::new(Box::new(handler))));
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
        Ok(s.change())
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
        Ok(s.change())
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
        Ok(s.change())
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
        Ok(s.change())
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
                let default = if c.startup == Some(Startup::Disabled) {
                    CheckStatus::Inactive
                } else {
                    CheckStatus::Up
                };
                let status = s.checks.get(name).copied().unwrap_or(default);
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

    fn list_files(&self, path: &str) -> Result<Vec<FileInfo>> {
        let s = self.lock();
        s.ready()?;
        let p = clean(path)?;
        match s.entry(&p) {
            None => Err(Error::Api {
                status: 404,
                message: format!("stat {p}: no such file or directory"),
                kind: Some("not-found".into()),
            }),
            Some(e @ Entry::File { .. }) => Ok(vec![s.info(&p, e)]),
            Some(Entry::Dir { .. }) => Ok(s
                .files
                .iter()
                .filter(|(k, _)| is_under(k, &p) && parent(k).as_deref() == Some(p.as_str()))
                .map(|(k, e)| s.info(k, e))
                .collect()),
        }
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

    fn exec(&self, command: &[&str], options: &ExecOptions) -> Result<ExecOutput> {
        let cmd: Vec<String> = command.iter().map(|c| c.to_string()).collect();
        let handler = {
            let mut s = self.lock();
            s.ready()?;
            if command.is_empty() {
                return Err(Error::InvalidInput("exec needs a command".into()));
            }
            s.exec_calls.push(cmd.clone());
            let change = s.change();
            match &s.exec {
                Some(h) => Arc::clone(h),
                None => {
                    return Err(Error::Change {
                        change_id: change.0,
                        err: format!(
                            "cannot run {cmd:?}: no exec handler installed (FakePebble::on_exec)"
                        ),
                    })
                }
            }
        };
        // The state lock is released: the handler may push files, read the plan...
        let mut out = {
            let mut h = handler.lock().unwrap_or_else(|p| p.into_inner());
            (*h)(&cmd, options)?
        };
        out.command = cmd;
        if options.combine_stderr {
            let err = std::mem::take(&mut out.stderr);
            out.stdout.extend(err);
        }
        Ok(out)
    }

    fn notices(&self) -> Result<Vec<Notice>> {
        let s = self.lock();
        s.ready()?;
        Ok(s.notices.clone())
    }
}
