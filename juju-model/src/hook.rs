//! [`Hook`]: the running hook (which relation it is about, the action it runs) and what
//! it changed so far, [`Pending`].
//!
//! Juju's hook context keeps a hook's writes to itself until the hook exits
//! (`internal/worker/uniter/runner/context/context.go`, `Flush`): relation settings,
//! charm state, opened ports and secret changes are committed only when the hook exits
//! 0. Statuses, the workload version, log lines and action messages go to the controller
//! at once and stay whatever the exit code.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::model::{Bag, Status};
use crate::secret::Secrets;
use crate::tools::OpenedPorts;

/// Which relation hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationHookKind {
    /// `<endpoint>-relation-created`
    Created,
    /// `<endpoint>-relation-joined`
    Joined,
    /// `<endpoint>-relation-changed`
    Changed,
    /// `<endpoint>-relation-departed`
    Departed,
    /// `<endpoint>-relation-broken`
    Broken,
}

/// The relation a relation hook is about (`JUJU_RELATION_ID`, `JUJU_REMOTE_UNIT`,
/// `JUJU_REMOTE_APP`): the tools' default relation and remote unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookRelation {
    /// The relation id.
    pub id: u32,
    /// This application's endpoint.
    pub endpoint: String,
    /// Which hook.
    pub kind: RelationHookKind,
    /// The remote unit the hook is about (none for created, broken and an
    /// application-level changed).
    pub remote_unit: Option<String>,
    /// The remote application.
    pub remote_app: Option<String>,
}

/// A running action: its parameters and what it reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Action {
    /// The parameters (an object, defaults filled in).
    pub params: Value,
    /// `action-set` results, nested at the dots of their keys.
    pub results: Map<String, Value>,
    /// `action-log` messages.
    pub logs: Vec<String>,
    /// The `action-fail` message, if the action failed itself.
    pub failure: Option<String>,
}

/// One `juju-log` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// `TRACE`, `DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL`.
    pub level: String,
    /// The message as the charm sent it.
    pub message: String,
    /// The relation prefix Juju's log shows in a relation hook (`db:3`, `juju-log.go`'s
    /// `FakeId`), if any.
    pub relation: Option<String>,
}

impl LogLine {
    /// The line as Juju's log shows it: `<endpoint>:<id>: <message>` in a relation hook.
    pub fn text(&self) -> String {
        match &self.relation {
            Some(r) => format!("{r}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// What a hook changed so far.
///
/// The transactional part is committed when the hook exits 0 and dropped otherwise; the
/// immediate part (statuses, version, logs) stays either way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pending {
    /// Relation databags written: `(relation id, owner)` (the unit, or its application
    /// for `--app`) to the whole new bag. Transactional.
    pub relation_data: BTreeMap<(u32, String), Bag>,
    /// The unit's charm state, if changed. Transactional.
    pub charm_state: Option<Bag>,
    /// The unit's opened ports, if changed. Transactional.
    pub ports: Option<OpenedPorts>,
    /// Every secret, if any changed (added, updated, granted, tracked, removed).
    /// Transactional.
    pub secrets: Option<Secrets>,
    /// Storage instances to add, by storage name (`storage-add`). Transactional.
    pub storage_add: BTreeMap<String, u64>,
    /// A reboot asked for with `juju-reboot`: `Some(true)` with `--now`.
    pub reboot: Option<bool>,
    /// The unit's workload status, if set. Immediate.
    pub unit_status: Option<Status>,
    /// The application's status, if set. Immediate.
    pub app_status: Option<Status>,
    /// The workload version, if set. Immediate.
    pub app_version: Option<String>,
    /// `juju-log` lines. Immediate.
    pub logs: Vec<LogLine>,
}

impl Pending {
    /// Writes `changes` into `bag`: an empty value deletes its key.
    pub fn merge_settings(bag: &mut Bag, changes: Bag) {
        for (k, v) in changes {
            if v.is_empty() {
                bag.remove(&k);
            } else {
                bag.insert(k, v);
            }
        }
    }
}

/// The hooks Juju runs in its restricted context: the metrics collector's and the meter
/// status worker's own contexts (`collect` and `meterstatus` under
/// `internal/worker/` in juju/juju), which embed `jujuc.RestrictedContext`
/// (`internal/worker/uniter/runner/jujuc/restricted.go`) and so answer almost no tool.
pub const RESTRICTED_HOOKS: &[&str] = &["collect-metrics", "meter-status-changed"];

/// Whether Juju runs hook `name` in its restricted context ([`RESTRICTED_HOOKS`]).
///
/// ```
/// assert!(juju_model::runs_restricted("collect-metrics"));
/// assert!(!juju_model::runs_restricted("update-status"));
/// ```
pub fn runs_restricted(name: &str) -> bool {
    RESTRICTED_HOOKS.contains(&name)
}

/// The running hook: what it is about, and its [`Pending`] changes.
pub struct Hook {
    /// The relation, in a relation hook.
    pub relation: Option<HookRelation>,
    /// The action, when an action runs.
    pub action: Option<Action>,
    /// Whether the hook runs in Juju's restricted context ([`RESTRICTED_HOOKS`]): every
    /// tool but `juju-log` and `opened-ports` (which lists nothing) fails.
    pub restricted: bool,
    /// What the hook changed so far.
    pub pending: Pending,
    new_xid: Box<dyn FnMut() -> String>,
}

impl Hook {
    /// A hook that is neither a relation hook nor an action; `new_xid` makes the id of
    /// each secret `secret-add` creates (20 characters of `[0-9a-v]`).
    pub fn new(new_xid: impl FnMut() -> String + 'static) -> Hook {
        Hook {
            relation: None,
            action: None,
            restricted: false,
            pending: Pending::default(),
            new_xid: Box::new(new_xid),
        }
    }

    /// The same, running relation hook `relation`.
    pub fn relation(mut self, relation: HookRelation) -> Hook {
        self.relation = Some(relation);
        self
    }

    /// The same, running hook `name`: in Juju's restricted context if it is one of
    /// [`RESTRICTED_HOOKS`].
    pub fn named(mut self, name: &str) -> Hook {
        self.restricted = runs_restricted(name);
        self
    }

    /// The same, running an action with `params`.
    pub fn action(mut self, params: Value) -> Hook {
        self.action = Some(Action {
            params,
            ..Action::default()
        });
        self
    }

    pub(crate) fn next_xid(&mut self) -> String {
        (self.new_xid)()
    }

    /// The relation hook's relation, if it is `id`.
    pub(crate) fn relation_hook(&self, id: u32) -> Option<&HookRelation> {
        self.relation.as_ref().filter(|r| r.id == id)
    }
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hook")
            .field("relation", &self.relation)
            .field("action", &self.action)
            .field("restricted", &self.restricted)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
