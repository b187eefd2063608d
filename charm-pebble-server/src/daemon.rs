//! The daemon's state: the plan, changes and tasks, notices, and the events the
//! embedding simulator subscribes to. One mutex, one condition variable.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use charm_pebble::{Layer, Plan};
use serde_json::{json, Value};

use crate::checks::CheckData;
use crate::exec::Execution;
use crate::services::Svc;
use crate::{CheckOverride, ExecHandler, PebbleEvent, ServerConfig};

/// Exec handlers by command prefix.
pub(crate) type ExecHandlers = Vec<(Vec<String>, Arc<ExecHandler>)>;

/// Task and change statuses, as Pebble names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Do,
    Doing,
    Done,
    Error,
    Hold,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Do => "Do",
            Status::Doing => "Doing",
            Status::Done => "Done",
            Status::Error => "Error",
            Status::Hold => "Hold",
        }
    }
    pub fn ready(self) -> bool {
        matches!(self, Status::Done | Status::Error | Status::Hold)
    }
}

pub(crate) struct TaskRec {
    pub id: u64,
    pub kind: String,
    pub summary: String,
    pub status: Status,
    /// Log lines: `<RFC 3339 time> INFO|ERROR <message>`.
    pub log: Vec<String>,
    pub spawn_time: SystemTime,
    pub ready_time: Option<SystemTime>,
    /// `api-data` (an exec task's `exit-code`).
    pub data: Option<Value>,
}

pub(crate) struct ChangeRec {
    pub id: u64,
    pub kind: String,
    pub summary: String,
    pub status: Status,
    pub tasks: Vec<u64>,
    pub spawn_time: SystemTime,
    pub ready_time: Option<SystemTime>,
    /// Extra data for the change-update notice (a check change's `check-name`).
    pub notice_data: BTreeMap<String, String>,
}

pub(crate) struct NoticeRec {
    pub id: u64,
    pub user_id: Option<u32>,
    pub kind: String,
    pub key: String,
    pub first: SystemTime,
    pub last: SystemTime,
    pub last_repeated: SystemTime,
    pub occurrences: u64,
    pub last_data: BTreeMap<String, String>,
    pub repeat_after: Option<Duration>,
}

/// Everything the container restart throws away.
pub(crate) struct State {
    /// Bumped by a container restart and at shutdown: threads of an older
    /// generation stop touching the state.
    pub generation: u64,
    pub boot_id: String,
    pub layers: Vec<(String, Layer)>,
    pub plan: Plan,
    pub services: BTreeMap<String, Svc>,
    pub checks: BTreeMap<String, CheckData>,
    pub changes: BTreeMap<u64, ChangeRec>,
    pub tasks: BTreeMap<u64, TaskRec>,
    pub notices: Vec<NoticeRec>,
    pub execs: BTreeMap<u64, Arc<Execution>>,
    pub next_change: u64,
    pub next_task: u64,
    pub next_notice: u64,
    pub shutting_down: bool,
}

impl State {
    pub fn new(generation: u64) -> State {
        State {
            generation,
            boot_id: new_boot_id(),
            layers: Vec::new(),
            plan: Plan::default(),
            services: BTreeMap::new(),
            checks: BTreeMap::new(),
            changes: BTreeMap::new(),
            tasks: BTreeMap::new(),
            notices: Vec::new(),
            execs: BTreeMap::new(),
            next_change: 0,
            next_task: 0,
            next_notice: 0,
            shutting_down: false,
        }
    }
}

/// The shared daemon.
pub(crate) struct Daemon {
    pub root: PathBuf,
    pub config: ServerConfig,
    pub st: Mutex<State>,
    /// Notified on every change of `st`.
    pub cond: Condvar,
    subscribers: Mutex<Vec<mpsc::Sender<PebbleEvent>>>,
    pub exec_handlers: Mutex<ExecHandlers>,
    pub check_overrides: Mutex<BTreeMap<String, CheckOverride>>,
    /// Ownership asked for by `user`/`group` fields, by container path: the
    /// host files keep the simulator's user (see `users`).
    pub ownership: Mutex<BTreeMap<String, (u32, u32)>>,
    /// Process groups ever started (services and exec), killed at shutdown.
    pub groups: Mutex<Vec<i32>>,
    /// Threads waiting on child processes; joined at shutdown so none is left a zombie.
    waiters: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Daemon {
    pub fn new(root: PathBuf, config: ServerConfig) -> Daemon {
        Daemon {
            root,
            config,
            st: Mutex::new(State::new(0)),
            cond: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            exec_handlers: Mutex::new(Vec::new()),
            check_overrides: Mutex::new(BTreeMap::new()),
            ownership: Mutex::new(BTreeMap::new()),
            groups: Mutex::new(Vec::new()),
            waiters: Mutex::new(Vec::new()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits on the condition variable for at most `timeout`.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, State>,
        timeout: Duration,
    ) -> MutexGuard<'a, State> {
        match self.cond.wait_timeout(guard, timeout) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        }
    }

    /// Waits until `done` holds or `deadline` passes (`None`: for ever); true if it holds.
    pub fn wait_until<'a>(
        &self,
        mut guard: MutexGuard<'a, State>,
        deadline: Option<Instant>,
        mut done: impl FnMut(&State) -> bool,
    ) -> (MutexGuard<'a, State>, bool) {
        loop {
            if done(&guard) {
                return (guard, true);
            }
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(l) if !l.is_zero() => l,
                    _ => return (guard, false),
                },
                None => Duration::from_secs(3600),
            };
            guard = self.wait(guard, left);
        }
    }

    pub fn subscribe(&self) -> mpsc::Receiver<PebbleEvent> {
        let (tx, rx) = mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    pub fn emit(&self, event: PebbleEvent) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subs.retain(|tx| tx.send(event.clone()).is_ok());
    }

    /// The handler for `command`, if one claims it (longest prefix first).
    pub fn exec_handler(&self, command: &[String]) -> Option<Arc<ExecHandler>> {
        self.exec_handlers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(prefix, _)| command.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, h)| Arc::clone(h))
    }

    pub fn note_waiter(&self, handle: std::thread::JoinHandle<()>) {
        let mut w = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        w.retain(|h| !h.is_finished());
        w.push(handle);
    }

    /// Joins every child-waiting thread (their children were killed first).
    pub fn join_waiters(&self) {
        let all: Vec<_> = self
            .waiters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for h in all {
            let _ = h.join();
        }
    }

    /// Forgets a process group once its leader is reaped and no member is
    /// left: its id may then be reused by an unrelated process, which shutdown
    /// must not signal. (A group with members keeps its id from reuse.)
    pub fn forget_group_if_empty(&self, pgid: i32) {
        if !crate::process::group_alive(pgid) {
            self.groups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|g| *g != pgid);
        }
    }

    pub fn note_group(&self, pgid: i32) {
        let mut g = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        if !g.contains(&pgid) {
            g.push(pgid);
        }
    }
}

impl State {
    /// A new change with tasks `(kind, summary)`, status `Do`; returns its id
    /// and its tasks' ids.
    pub fn new_change(
        &mut self,
        kind: &str,
        summary: String,
        tasks: Vec<(String, String)>,
        notice_data: BTreeMap<String, String>,
    ) -> (u64, Vec<u64>) {
        self.next_change += 1;
        let id = self.next_change;
        let now = SystemTime::now();
        let mut ids = Vec::new();
        for (kind, summary) in tasks {
            self.next_task += 1;
            ids.push(self.next_task);
            self.tasks.insert(
                self.next_task,
                TaskRec {
                    id: self.next_task,
                    kind,
                    summary,
                    status: Status::Do,
                    log: Vec::new(),
                    spawn_time: now,
                    ready_time: None,
                    data: None,
                },
            );
        }
        self.changes.insert(
            id,
            ChangeRec {
                id,
                kind: kind.into(),
                summary,
                status: Status::Do,
                tasks: ids.clone(),
                spawn_time: now,
                ready_time: None,
                notice_data,
            },
        );
        self.change_notice(id);
        (id, ids)
    }

    /// Sets a change's status and records its change-update notice.
    pub fn set_change_status(&mut self, id: u64, status: Status) {
        let Some(c) = self.changes.get_mut(&id) else {
            return;
        };
        if c.status == status {
            return;
        }
        c.status = status;
        if status.ready() {
            c.ready_time = Some(SystemTime::now());
        }
        self.change_notice(id);
    }

    pub fn set_task_status(&mut self, id: u64, status: Status) {
        if let Some(t) = self.tasks.get_mut(&id) {
            t.status = status;
            if status.ready() {
                t.ready_time = Some(SystemTime::now());
            }
        }
    }

    pub fn task_log(&mut self, id: u64, level: &str, message: &str) {
        if let Some(t) = self.tasks.get_mut(&id) {
            if t.log.len() > 9 {
                t.log.remove(0);
            }
            t.log
                .push(format!("{} {level} {message}", rfc3339(SystemTime::now())));
        }
    }

    fn change_notice(&mut self, id: u64) {
        let Some(c) = self.changes.get(&id) else {
            return;
        };
        let mut data = BTreeMap::from([("kind".to_string(), c.kind.clone())]);
        data.extend(c.notice_data.clone());
        self.add_notice(None, "change-update", &id.to_string(), data, None);
    }

    /// `State.AddNotice`: a new notice, or another occurrence of the same
    /// (user, type, key); true when it is new or repeated (`repeat-after` elapsed).
    pub fn add_notice(
        &mut self,
        user_id: Option<u32>,
        kind: &str,
        key: &str,
        data: BTreeMap<String, String>,
        repeat_after: Option<Duration>,
    ) -> (u64, bool) {
        let now = SystemTime::now();
        if let Some(n) = self
            .notices
            .iter_mut()
            .find(|n| n.user_id == user_id && n.kind == kind && n.key == key)
        {
            let repeat = match n.repeat_after {
                None => true,
                Some(r) => now
                    .duration_since(n.last_repeated)
                    .map(|d| d > r)
                    .unwrap_or(true),
            };
            n.occurrences += 1;
            n.last = now;
            n.last_data = data;
            n.repeat_after = repeat_after;
            if repeat {
                n.last_repeated = now;
            }
            return (n.id, repeat);
        }
        self.next_notice += 1;
        self.notices.push(NoticeRec {
            id: self.next_notice,
            user_id,
            kind: kind.into(),
            key: key.into(),
            first: now,
            last: now,
            last_repeated: now,
            occurrences: 1,
            last_data: data,
            repeat_after,
        });
        (self.next_notice, true)
    }

    /// `changeError.Error()`: Pebble's text for a failed change.
    pub fn change_err(&self, c: &ChangeRec) -> Option<String> {
        if c.status != Status::Error {
            return None;
        }
        let mut lines = Vec::new();
        for t in c.tasks.iter().filter_map(|t| self.tasks.get(t)) {
            if t.status != Status::Error {
                continue;
            }
            for l in &t.log {
                if let Some(i) = l.find(" ERROR ") {
                    lines.push(format!("- {} ({})", t.summary, &l[i + 7..]));
                }
            }
        }
        if lines.is_empty() {
            return Some(format!(
                "internal inconsistency: change {:?} in ErrorStatus with no task errors logged",
                c.kind
            ));
        }
        Some(format!(
            "cannot perform the following tasks:\n{}",
            lines.join("\n")
        ))
    }

    /// A change as `GET /v1/changes/{id}` shows it.
    pub fn change_json(&self, c: &ChangeRec) -> Value {
        let tasks: Vec<Value> = c
            .tasks
            .iter()
            .filter_map(|t| self.tasks.get(t))
            .map(|t| {
                let mut v = json!({
                    "id": t.id.to_string(),
                    "kind": t.kind,
                    "summary": t.summary,
                    "status": t.status.as_str(),
                    "progress": {"label": "", "done": u8::from(t.status.ready()), "total": 1},
                    "spawn-time": rfc3339(t.spawn_time),
                });
                if !t.log.is_empty() {
                    v["log"] = json!(t.log);
                }
                if let Some(r) = t.ready_time {
                    v["ready-time"] = json!(rfc3339(r));
                }
                if let Some(d) = &t.data {
                    v["data"] = d.clone();
                }
                v
            })
            .collect();
        let mut v = json!({
            "id": c.id.to_string(),
            "kind": c.kind,
            "summary": c.summary,
            "status": c.status.as_str(),
            "tasks": tasks,
            "ready": c.status.ready(),
            "spawn-time": rfc3339(c.spawn_time),
        });
        if let Some(err) = self.change_err(c) {
            v["err"] = json!(err);
        }
        if let Some(r) = c.ready_time {
            v["ready-time"] = json!(rfc3339(r));
        }
        v
    }
}

pub(crate) fn notice_json(n: &NoticeRec) -> Value {
    let mut v = json!({
        "id": n.id.to_string(),
        "user-id": n.user_id,
        "type": n.kind,
        "key": n.key,
        "first-occurred": rfc3339(n.first),
        "last-occurred": rfc3339(n.last),
        "last-repeated": rfc3339(n.last_repeated),
        "occurrences": n.occurrences,
    });
    if !n.last_data.is_empty() {
        v["last-data"] = json!(n.last_data);
    }
    if let Some(r) = n.repeat_after {
        v["repeat-after"] = json!(crate::duration::format(r));
    }
    v
}

fn new_boot_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let a = h.finish();
    h.write_u64(a);
    let b = h.finish();
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// RFC 3339 in UTC with nanoseconds, as Go's `time.Time` marshals.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        let t = UNIX_EPOCH + Duration::new(1_709_251_199, 5);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.000000005Z");
    }

    #[test]
    fn notices_repeat_after() {
        let mut s = State::new(0);
        let (id, new) = s.add_notice(Some(0), "custom", "a.com/x", BTreeMap::new(), None);
        assert!(new);
        let (id2, repeated) = s.add_notice(Some(0), "custom", "a.com/x", BTreeMap::new(), None);
        assert_eq!((id2, repeated), (id, true));
        let hour = Some(Duration::from_secs(3600));
        s.add_notice(Some(0), "custom", "a.com/y", BTreeMap::new(), hour);
        let (_, repeated) = s.add_notice(Some(0), "custom", "a.com/y", BTreeMap::new(), hour);
        assert!(
            !repeated,
            "within repeat-after: an occurrence, not a repeat"
        );
        assert_eq!(s.notices[1].occurrences, 2);
    }
}
