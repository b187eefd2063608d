//! An in-memory Pebble for charm unit tests: the state and the API here, what a test
//! sets and reads in `control`, the filesystem in `files`, exec in `exec`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::layer::{Layer, Plan, Service, Startup};
use crate::process::ExecProcess;
use crate::types::*;
use crate::Pebble;

mod control;
mod exec;
mod files;

use exec::{spawn_fake, valid_signal, Handler};
pub use exec::{ExecHandler, ExecIo, StreamingExecHandler};
pub use files::glob_match;
use files::Entry;

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
}

impl FakePebble {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not poison later asserts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
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
        s.write_file(path, content, options)
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
        s.read_file(path)
    }

    fn list_files_with(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>> {
        let s = self.lock();
        s.ready()?;
        s.list(path, options)
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        s.make_dir(path, options)
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        let mut s = self.lock();
        s.ready()?;
        s.remove(path, recursive)
    }

    fn spawn(&self, command: &[&str], options: &ExecOptions) -> Result<ExecProcess> {
        let cmd: Vec<String> = command.iter().map(|c| c.to_string()).collect();
        let runner = {
            let mut s = self.lock();
            s.ready()?;
            s.runner(&cmd)?
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
