//! What a test sets and reads on a [`FakePebble`]: readiness, exec results and handlers,
//! service and check statuses, files, notices.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use super::exec::{ExecIo, Handler};
use super::files::{clean, Entry};
use super::{FakePebble, FakeService, State, FAKE_TIME};
use crate::error::Result;
use crate::layer::Layer;
use crate::types::*;

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

    /// Makes every call fail with [`Error::Connection`](crate::Error::Connection) (`false`), as before
    /// pebble-ready, or succeed again (`true`).
    pub fn set_ready(&self, ready: bool) {
        self.lock().connected = ready;
    }

    /// True when calls succeed (see [`set_ready`](Self::set_ready)).
    pub fn is_ready(&self) -> bool {
        self.lock().connected
    }

    /// Installs the handler that answers [`Pebble::exec`](crate::Pebble::exec) and [`Pebble::spawn`](crate::Pebble::spawn)
    /// (after the canned results of [`add_exec`](Self::add_exec)): it gets the
    /// whole standard input in `options.stdin` and returns the whole output.
    pub fn on_exec(
        &self,
        handler: impl FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send + 'static,
    ) {
        self.lock().exec = Some(Arc::new(Mutex::new(Handler::Buffered(Box::new(handler)))));
    }

    /// Installs a handler that plays a command with its streams open while it
    /// runs (see [`ExecProcess`](crate::ExecProcess)); it returns the exit code.
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

    /// Signals sent with [`Pebble::send_signal`](crate::Pebble::send_signal) (signal, services) and to exec
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
