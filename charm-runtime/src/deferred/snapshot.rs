//! What is stored of a deferred event: a [`Notice`] per deferring handler, holding an
//! [`EventSnapshot`] of the variables Juju set for the event.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::env::{EventVars, Hook, JujuEnv};

/// One deferred event, for one handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The handler that deferred it, `Type::method`.
    pub handler: String,
    /// The event: the Juju event, or the one a custom event was emitted under.
    pub event: EventSnapshot,
    /// For a component's handler: the endpoint of the instance that deferred it (two
    /// instances of one component have the same handlers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// For a custom event: its name and payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<CustomSnapshot>,
}

impl Notice {
    /// A deferred Juju event of a charm's handler.
    pub fn new(handler: impl Into<String>, event: EventSnapshot) -> Self {
        Notice {
            handler: handler.into(),
            event,
            component: None,
            custom: None,
        }
    }

    /// `hooks/db-relation-changed (db:3)`, or for a custom event
    /// `database::database_created (from hooks/database-relation-changed (database:3))`.
    pub fn describe(&self) -> String {
        match &self.custom {
            Some(custom) => format!(
                "custom event `{}` (emitted in {})",
                custom.name,
                self.event.describe()
            ),
            None => self.event.describe(),
        }
    }
}

/// What is kept of a deferred custom event besides the Juju event it was emitted under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSnapshot {
    /// `database::database_created`, or the charm's `restart_needed`.
    pub name: String,
    /// The payload, as JSON.
    pub payload: serde_json::Value,
}

/// What is needed to build an event again in a later hook: the variables Juju set for it.
///
/// The variables the runtime has a typed context for are fields of their own (the stored
/// form predates the catalogue's other variables); any other variable of the event is in
/// [`vars`](Self::vars).
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
    /// The event's other variables ([`JujuEnv::vars`]), e.g. `JUJU_TARGET_BASE`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
}

impl EventSnapshot {
    /// The snapshot of the hook `env` describes.
    pub fn of(env: &JujuEnv) -> Self {
        let r = env.relation.as_ref();
        let s = env.secret.as_ref();
        let w = env.workload.as_ref();
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
            workload_name: w.map(|w| w.container.clone()),
            notice: w.and_then(|w| w.notice.clone()),
            check_name: w.and_then(|w| w.check.clone()),
            vars: env.vars.clone(),
        }
    }

    /// The variable `var` as the snapshot keeps it.
    fn var(&self, var: &str) -> Option<String> {
        let notice = self.notice.as_ref();
        match var {
            "JUJU_RELATION" => self.relation_endpoint.clone(),
            "JUJU_RELATION_ID" => self.relation_id.map(|n| n.to_string()),
            "JUJU_REMOTE_UNIT" => self.remote_unit.clone(),
            "JUJU_REMOTE_APP" => self.remote_app.clone(),
            "JUJU_DEPARTING_UNIT" => self.departing_unit.clone(),
            "JUJU_SECRET_ID" => self.secret_id.clone(),
            "JUJU_SECRET_LABEL" => self.secret_label.clone(),
            "JUJU_SECRET_REVISION" => self.secret_revision.map(|r| r.to_string()),
            "JUJU_STORAGE_ID" => self.storage_id.clone(),
            "JUJU_STORAGE_LOCATION" => self.storage_location.clone(),
            "JUJU_WORKLOAD_NAME" => self.workload_name.clone(),
            "JUJU_NOTICE_ID" => notice.map(|n| n.0.clone()),
            "JUJU_NOTICE_TYPE" => notice.map(|n| n.1.clone()),
            "JUJU_NOTICE_KEY" => notice.map(|n| n.2.clone()),
            "JUJU_PEBBLE_CHECK_NAME" => self.check_name.clone(),
            other => self.vars.get(other).cloned(),
        }
    }

    /// The environment of the deferred event: `current`'s unit, model and charm
    /// directory; the snapshot's hook and variables, read as Juju's are when a hook
    /// starts ([`JujuEnv::from_lookup`]).
    pub fn restore(&self, current: &JujuEnv) -> Result<JujuEnv, String> {
        let hook = Hook::parse(&self.dispatch_path);
        let event = EventVars::read(&hook, &|var| self.var(var))
            .map_err(|e| format!("the stored event is incomplete: {e}"))?;
        Ok(JujuEnv {
            dispatch_path: self.dispatch_path.clone(),
            hook,
            relation: event.relation,
            secret: event.secret,
            action_id: event.action_id,
            storage: event.storage,
            workload: event.workload,
            vars: event.vars,
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

/// Parses the stored list.
pub fn parse_notices(raw: &str) -> Result<Vec<Notice>, String> {
    serde_json::from_str(raw).map_err(|e| format!("stored deferred events are unreadable: {e}"))
}

/// Parses the stored list notice by notice: the notices that read, and why each one that
/// does not was left out (its position and serde's message, cut). An error only when the
/// value is not a JSON list at all.
pub fn parse_notices_lossy(raw: &str) -> Result<(Vec<Notice>, Vec<String>), String> {
    let items: Vec<serde_json::Value> = serde_json::from_str(raw).map_err(|e| {
        format!(
            "stored deferred events are unreadable: {}",
            crate::backend::printable(&e.to_string(), 200)
        )
    })?;
    let mut notices = Vec::with_capacity(items.len());
    let mut unreadable = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<Notice>(item) {
            Ok(notice) => notices.push(notice),
            Err(e) => unreadable.push(format!(
                "#{i}: {}",
                crate::backend::printable(&e.to_string(), 200)
            )),
        }
    }
    Ok((notices, unreadable))
}

/// The stored form of `notices`.
pub fn encode_notices(notices: &[Notice]) -> String {
    serde_json::to_string(notices).unwrap_or_else(|_| "[]".into())
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
        let upgrade = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/pre-series-upgrade"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_TARGET_BASE", "ubuntu@24.04"),
        ]);
        assert_eq!(upgrade.var("JUJU_TARGET_BASE"), Some("ubuntu@24.04"));
        for original in [base.clone(), departed, secret, notice, storage, upgrade] {
            let snap = EventSnapshot::of(&original);
            let json = encode_notices(&[Notice::new("C::h", snap.clone())]);
            let back = parse_notices(&json).unwrap();
            assert_eq!(back[0].event, snap);
            let restored = snap.restore(&base).unwrap();
            assert_eq!(restored, original, "{json}");
        }
        let err = EventSnapshot {
            dispatch_path: "hooks/db-relation-changed".into(),
            ..Default::default()
        }
        .restore(&base)
        .unwrap_err();
        assert!(err.contains("JUJU_RELATION_ID"), "{err}");
    }

    #[test]
    fn the_stored_form_of_earlier_versions_still_reads() {
        let stored = r#"[{"handler":"C::h","event":{"dispatch_path":"hooks/db-relation-joined",
            "relation_endpoint":"db","relation_id":3,"remote_unit":"pg/0","remote_app":"pg"}}]"#;
        let notices = parse_notices(stored).unwrap();
        assert!(notices[0].event.vars.is_empty());
        assert!(notices[0].component.is_none() && notices[0].custom.is_none());
        let encoded = encode_notices(&notices);
        assert!(!encoded.contains("vars") && !encoded.contains("custom"));
    }

    #[test]
    fn a_custom_event_keeps_its_name_and_payload() {
        let notice = Notice {
            custom: Some(CustomSnapshot {
                name: "database::database_created".into(),
                payload: serde_json::json!({"username": "u"}),
            }),
            component: None,
            ..Notice::new("C::h", EventSnapshot::default())
        };
        let back = parse_notices(&encode_notices(std::slice::from_ref(&notice))).unwrap();
        assert_eq!(back, [notice]);
    }
}
