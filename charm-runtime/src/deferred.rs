//! Deferred events, as `ops` has them (research/juju-contract.md §5.2): a handler calls
//! [`Context::defer`](crate::Context::defer), and the event is run again for that handler
//! at the start of the next hook, before the new event, until the handler stops deferring.
//!
//! **What is stored.** A list of [`Notice`]s, each a handler name (`Type::method`) and an
//! [`EventSnapshot`] (the dispatch path and the relation or secret variables of the
//! event), as JSON in the unit's charm state under [`STATE_KEY`]. Juju commits charm state
//! only when the hook exits 0 (§3.5), so a hook that fails neither loses nor duplicates a
//! notice: the next run sees the list as it was before the failed hook.
//!
//! **Re-running.** On every hook but `collect-metrics` and `meter-status-changed`, each
//! notice is re-run, in order, for the handler that deferred it only, in the *current*
//! hook's context (leadership, relation membership, config are today's). A relation event
//! whose relation is gone gets an inactive [`Relation`](crate::Relation): its bags read as
//! empty and writes to them are dropped with a warning. A notice whose handler no longer
//! exists or no longer observes that event (after an upgrade) is dropped with a warning;
//! so is a stored list that is not valid JSON (a charm stuck on unreadable state helps
//! nobody).
//!
//! **Cost.** Reading the list is one `state-get`, the same one
//! [`Context::state_get`](crate::Context::state_get) uses (one per hook at most). To skip
//! even that when nothing is deferred, [`crate::dispatch::run`] keeps a marker file,
//! [`MARKER_FILE`], in the charm directory. It holds `0` only when the state read at the
//! start of a hook had no notices and that hook added none, and it is written only after
//! the hook's writes were flushed; a hook that defers first replaces it with `1` (and
//! fails, before writing anything, if it cannot). So `0` is never on disk while committed
//! state holds notices: a missing, unreadable or other marker (a fresh or replaced charm
//! directory, a pod restart on Kubernetes, a crash at any point) only costs one
//! `state-get`, never a lost notice.

use serde::{Deserialize, Serialize};

use crate::env::{
    Hook, JujuEnv, RelationContext, SecretContext, SecretHook, StorageContext, WorkloadContext,
};
use crate::relation::RelationId;
use crate::secret::SecretId;

/// The charm-state key holding the deferred notices. Keys starting `charm-rs.` are the
/// framework's: charms must not write them.
pub const STATE_KEY: &str = "charm-rs.deferred";

/// The marker file, in the charm directory (see the module docs).
pub const MARKER_FILE: &str = ".charm-rs-deferred";

/// At most this many notices are kept, in at most 64 KiB (the oldest are dropped, with
/// a warning): they are one charm-state value, which Juju limits to 64 KiB.
pub const MAX_NOTICES: usize = 100;

mod bound;
pub(crate) use bound::bound;

/// One deferred event, for one handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The handler that deferred it, `Type::method`.
    pub handler: String,
    /// The event.
    pub event: EventSnapshot,
}

/// What is needed to build an event again in a later hook: the variables Juju set for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSnapshot {
    /// `JUJU_DISPATCH_PATH`, e.g. `hooks/db-relation-changed`.
    pub dispatch_path: String,
    /// `JUJU_RELATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_endpoint: Option<String>,
    /// The number of `JUJU_RELATION_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_id: Option<u32>,
    /// `JUJU_REMOTE_UNIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_unit: Option<String>,
    /// `JUJU_REMOTE_APP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_app: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departing_unit: Option<String>,
    /// `JUJU_SECRET_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_revision: Option<u64>,
    /// `JUJU_STORAGE_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_id: Option<String>,
    /// `JUJU_STORAGE_LOCATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_location: Option<String>,
    /// `JUJU_WORKLOAD_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`, `JUJU_NOTICE_TYPE`, `JUJU_NOTICE_KEY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<(String, String, String)>,
    /// `JUJU_PEBBLE_CHECK_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
}

impl EventSnapshot {
    /// The snapshot of the hook `env` describes.
    pub fn of(env: &JujuEnv) -> Self {
        let r = env.relation.as_ref();
        let s = env.secret.as_ref();
        EventSnapshot {
            dispatch_path: env.dispatch_path.clone(),
            relation_endpoint: r.map(|r| r.endpoint.clone()),
            relation_id: r.map(|r| r.id.number()),
            remote_unit: r.and_then(|r| r.remote_unit.clone()),
            remote_app: r.and_then(|r| r.remote_app.clone()),
            departing_unit: r.and_then(|r| r.departing_unit.clone()),
            secret_id: s.map(|s| s.id.as_str().to_string()),
            secret_label: s.and_then(|s| s.label.clone()),
            secret_revision: s.and_then(|s| s.revision),
            storage_id: env.storage.as_ref().map(|s| s.id.clone()),
            storage_location: env
                .storage
                .as_ref()
                .and_then(|s| s.location.as_ref())
                .map(|l| l.to_string_lossy().into_owned()),
            workload_name: env.workload.as_ref().map(|w| w.container.clone()),
            notice: env.workload.as_ref().and_then(|w| w.notice.clone()),
            check_name: env.workload.as_ref().and_then(|w| w.check.clone()),
        }
    }

    /// The environment of the deferred event: `current`'s unit, model and charm
    /// directory, the snapshot's hook, relation and secret.
    pub fn restore(&self, current: &JujuEnv) -> Result<JujuEnv, String> {
        let hook = Hook::parse(&self.dispatch_path);
        let relation = match &hook {
            Hook::Relation { endpoint, .. } => Some(RelationContext {
                endpoint: self
                    .relation_endpoint
                    .clone()
                    .unwrap_or_else(|| endpoint.clone()),
                id: RelationId::new(
                    self.relation_id
                        .ok_or("a relation event without a relation id")?,
                ),
                remote_unit: self.remote_unit.clone(),
                remote_app: self.remote_app.clone(),
                departing_unit: self.departing_unit.clone(),
            }),
            _ => None,
        };
        let secret = match &hook {
            Hook::Secret(_) => Some(SecretContext {
                id: self
                    .secret_id
                    .as_deref()
                    .and_then(SecretId::parse)
                    .ok_or("a secret event without a valid secret id")?,
                label: self.secret_label.clone(),
                revision: self.secret_revision,
            }),
            _ => None,
        };
        let storage = match &hook {
            Hook::Storage { .. } => Some(StorageContext {
                id: self
                    .storage_id
                    .clone()
                    .ok_or("a storage event without a storage id")?,
                location: self.storage_location.as_ref().map(Into::into),
            }),
            _ => None,
        };
        let workload = match &hook {
            Hook::Workload { container, .. } => Some(WorkloadContext {
                container: self
                    .workload_name
                    .clone()
                    .unwrap_or_else(|| container.clone()),
                notice: self.notice.clone(),
                check: self.check_name.clone(),
            }),
            _ => None,
        };
        Ok(JujuEnv {
            dispatch_path: self.dispatch_path.clone(),
            hook,
            relation,
            secret,
            storage,
            workload,
            // Actions are not deferrable.
            action_id: None,
            ..current.clone()
        })
    }

    /// `hooks/db-relation-changed (db:3, database/0)`, for log lines.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(e), Some(id)) = (&self.relation_endpoint, self.relation_id) {
            parts.push(format!("{e}:{id}"));
        }
        parts.extend(self.remote_unit.clone());
        parts.extend(self.secret_id.clone());
        if parts.is_empty() {
            self.dispatch_path.clone()
        } else {
            format!("{} ({})", self.dispatch_path, parts.join(", "))
        }
    }
}

/// Whether the event of `hook` may be deferred; if not, why (the same events as `ops`).
pub fn deferrable(hook: &Hook) -> Result<(), String> {
    let why = match hook {
        Hook::Action(name) => format!("the action `{name}`"),
        Hook::Stop => "`stop`".into(),
        Hook::Remove => "`remove`".into(),
        Hook::Secret(SecretHook::Rotate) => "`secret-rotate`".into(),
        Hook::Secret(SecretHook::Expired) => "`secret-expired`".into(),
        _ => return Ok(()),
    };
    Err(format!(
        "{why} cannot be deferred (as in ops: actions, stop, remove, secret-rotate and secret-expired are not deferrable)"
    ))
}

/// Whether notices are re-run before `hook` (all hooks but the metrics ones, as `ops`).
pub fn reruns_before(hook: &Hook) -> bool {
    !matches!(hook, Hook::Other(name) if name == "collect-metrics" || name == "meter-status-changed")
}

/// Parses the stored list.
pub fn parse_notices(raw: &str) -> Result<Vec<Notice>, String> {
    serde_json::from_str(raw).map_err(|e| format!("stored deferred events are unreadable: {e}"))
}

/// The stored form of `notices`.
pub fn encode_notices(notices: &[Notice]) -> String {
    serde_json::to_string(notices).unwrap_or_else(|_| "[]".into())
}

/// Whether the marker says the committed state has no notices.
pub(crate) fn marker_says_none(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b == b"0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> JujuEnv {
        let map: std::collections::HashMap<&str, &str> = vars.iter().copied().collect();
        JujuEnv::from_lookup(|k| map.get(k).map(|v| v.to_string())).unwrap()
    }

    #[test]
    fn snapshots_restore_the_event() {
        let base = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_UNIT_NAME", "app/0"),
        ]);
        let departed = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-departed"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:3"),
            ("JUJU_REMOTE_UNIT", "pg/1"),
            ("JUJU_DEPARTING_UNIT", "pg/1"),
        ]);
        let secret = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/secret-changed"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_SECRET_ID", "secret:cjhg2ok5jrbc769e4mkg"),
            ("JUJU_SECRET_LABEL", "db"),
        ]);
        let notice = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/workload-pebble-custom-notice"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_WORKLOAD_NAME", "workload"),
            ("JUJU_NOTICE_ID", "7"),
            ("JUJU_NOTICE_TYPE", "custom"),
            ("JUJU_NOTICE_KEY", "example.com/backup"),
        ]);
        let storage = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/data-storage-attached"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_STORAGE_ID", "data/0"),
            ("JUJU_STORAGE_LOCATION", "/srv/data"),
        ]);
        for original in [base.clone(), departed, secret, notice, storage] {
            let snap = EventSnapshot::of(&original);
            let json = encode_notices(&[Notice {
                handler: "C::h".into(),
                event: snap.clone(),
            }]);
            let back = parse_notices(&json).unwrap();
            assert_eq!(back[0].event, snap);
            let restored = snap.restore(&base).unwrap();
            assert_eq!(restored, original, "{json}");
        }
        assert!(EventSnapshot {
            dispatch_path: "hooks/db-relation-changed".into(),
            ..Default::default()
        }
        .restore(&base)
        .is_err());
    }

    #[test]
    fn ops_rules_for_what_may_be_deferred() {
        for path in [
            "hooks/stop",
            "hooks/remove",
            "hooks/secret-rotate",
            "hooks/secret-expired",
            "actions/backup",
        ] {
            assert!(deferrable(&Hook::parse(path)).is_err(), "{path}");
        }
        for path in [
            "hooks/install",
            "hooks/db-relation-changed",
            "hooks/secret-changed",
            "hooks/config-changed",
        ] {
            assert!(deferrable(&Hook::parse(path)).is_ok(), "{path}");
        }
        assert!(!reruns_before(&Hook::parse("hooks/collect-metrics")));
        assert!(reruns_before(&Hook::parse("actions/backup")));
    }
}
