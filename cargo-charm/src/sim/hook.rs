//! The hooks the simulator runs. Their names, and the variables Juju sets for each, come
//! from `charm_catalogue`'s table of events: a [`HookKind`] is only a handle on a line of
//! it.

use charm_catalogue::{EventSpec, Scope};
use juju_model::{HookRelation, RelationHookKind};

/// Which hook a unit runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookKind {
    Install,
    Start,
    ConfigChanged,
    LeaderElected,
    Stop,
    Remove,
    UpgradeCharm,
    UpdateStatus,
    RelationCreated,
    RelationJoined,
    RelationChanged,
    RelationDeparted,
    RelationBroken,
    SecretChanged,
    SecretRemove,
    SecretRotate,
    SecretExpired,
    StorageAttached,
    StorageDetaching,
    PebbleReady,
    PebbleCustomNotice,
    PebbleCheckFailed,
    PebbleCheckRecovered,
    /// Never scheduled by the simulator (metrics are gone from Juju 4); a hook session
    /// can run it, in Juju's restricted context.
    CollectMetrics,
    /// Never scheduled either (the simulator has no meter status); restricted too.
    MeterStatusChanged,
}

/// Each kind's event in the catalogue, by scope and `#[on(..)]` name.
const KINDS: [(HookKind, Scope, &str); 25] = [
    (HookKind::Install, Scope::Unit, "install"),
    (HookKind::Start, Scope::Unit, "start"),
    (HookKind::ConfigChanged, Scope::Unit, "config_changed"),
    (HookKind::LeaderElected, Scope::Unit, "leader_elected"),
    (HookKind::Stop, Scope::Unit, "stop"),
    (HookKind::Remove, Scope::Unit, "remove"),
    (HookKind::UpgradeCharm, Scope::Unit, "upgrade_charm"),
    (HookKind::UpdateStatus, Scope::Unit, "update_status"),
    (HookKind::SecretChanged, Scope::Unit, "secret_changed"),
    (HookKind::SecretRemove, Scope::Unit, "secret_remove"),
    (HookKind::SecretRotate, Scope::Unit, "secret_rotate"),
    (HookKind::SecretExpired, Scope::Unit, "secret_expired"),
    (HookKind::CollectMetrics, Scope::Unit, "collect_metrics"),
    (
        HookKind::MeterStatusChanged,
        Scope::Unit,
        "meter_status_changed",
    ),
    (
        HookKind::RelationCreated,
        Scope::Endpoint,
        "relation_created",
    ),
    (HookKind::RelationJoined, Scope::Endpoint, "relation_joined"),
    (
        HookKind::RelationChanged,
        Scope::Endpoint,
        "relation_changed",
    ),
    (
        HookKind::RelationDeparted,
        Scope::Endpoint,
        "relation_departed",
    ),
    (HookKind::RelationBroken, Scope::Endpoint, "relation_broken"),
    (
        HookKind::StorageAttached,
        Scope::Storage,
        "storage_attached",
    ),
    (
        HookKind::StorageDetaching,
        Scope::Storage,
        "storage_detaching",
    ),
    (HookKind::PebbleReady, Scope::Container, "pebble_ready"),
    (
        HookKind::PebbleCustomNotice,
        Scope::Container,
        "pebble_custom_notice",
    ),
    (
        HookKind::PebbleCheckFailed,
        Scope::Container,
        "pebble_check_failed",
    ),
    (
        HookKind::PebbleCheckRecovered,
        Scope::Container,
        "pebble_check_recovered",
    ),
];

/// The relation hooks, as the hook-tool rules know them.
const RELATION_KINDS: [(HookKind, RelationHookKind); 5] = [
    (HookKind::RelationCreated, RelationHookKind::Created),
    (HookKind::RelationJoined, RelationHookKind::Joined),
    (HookKind::RelationChanged, RelationHookKind::Changed),
    (HookKind::RelationDeparted, RelationHookKind::Departed),
    (HookKind::RelationBroken, RelationHookKind::Broken),
];

impl HookKind {
    /// The kind's line of the catalogue.
    pub fn spec(self) -> &'static EventSpec {
        let (_, scope, name) = KINDS
            .iter()
            .find(|(k, _, _)| *k == self)
            .expect("every kind is in KINDS");
        charm_catalogue::find(*scope, name).expect("KINDS names catalogue events")
    }
}

/// What a workload hook is about: which event of the container's Pebble.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WorkloadDetail {
    /// `pebble-ready`.
    Ready,
    /// `pebble-custom-notice`: the notice's id and key.
    Notice { id: String, key: String },
    /// `pebble-check-failed` / `-recovered`: the check.
    Check(String),
}

/// One hook to run, with what its environment says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hook {
    pub kind: HookKind,
    pub relation: Option<u32>,
    pub endpoint: Option<String>,
    pub remote_unit: Option<String>,
    pub remote_app: Option<String>,
    pub departing: Option<String>,
    pub secret: Option<String>,
    pub secret_label: Option<String>,
    pub secret_revision: Option<u64>,
    /// A storage hook's instance: its id (`data/0`) and location.
    pub storage: Option<(String, String)>,
    /// A workload hook's container, and what happened in it.
    pub workload: Option<(String, WorkloadDetail)>,
}

impl Hook {
    /// A hook about no relation and no secret.
    pub fn unit(kind: HookKind) -> Hook {
        Hook {
            kind,
            relation: None,
            endpoint: None,
            remote_unit: None,
            remote_app: None,
            departing: None,
            secret: None,
            secret_label: None,
            secret_revision: None,
            storage: None,
            workload: None,
        }
    }

    /// A storage hook about instance `id` (`data/0`) at `location`.
    pub fn storage(kind: HookKind, id: &str, location: &str) -> Hook {
        let mut h = Hook::unit(kind);
        h.storage = Some((id.to_string(), location.to_string()));
        h
    }

    /// The workload hook of `detail` in `container`.
    pub fn workload(container: &str, detail: WorkloadDetail) -> Hook {
        let kind = match &detail {
            WorkloadDetail::Ready => HookKind::PebbleReady,
            WorkloadDetail::Notice { .. } => HookKind::PebbleCustomNotice,
            WorkloadDetail::Check(_) => HookKind::PebbleCheckFailed,
        };
        let mut h = Hook::unit(kind);
        h.workload = Some((container.to_string(), detail));
        h
    }

    /// The hook named `name` (`install`, `db-relation-changed`), with its endpoint. Only
    /// unit and relation hooks: a storage or workload hook needs its instance or event.
    pub fn named(name: &str) -> Option<Hook> {
        let (spec, subject) = charm_catalogue::parse_hook(name)?;
        let (kind, _, _) = KINDS
            .iter()
            .find(|(_, scope, n)| *scope == spec.scope() && *n == spec.name)?;
        if !matches!(spec.scope(), Scope::Unit | Scope::Endpoint) {
            return None;
        }
        let mut hook = Hook::unit(*kind);
        hook.endpoint = subject.map(str::to_string);
        Some(hook)
    }

    /// What the hook's name hangs off: the endpoint, storage or container.
    fn subject(&self) -> Option<&str> {
        match self.kind.spec().scope() {
            Scope::Endpoint => self.endpoint.as_deref(),
            Scope::Storage => self
                .storage
                .as_ref()
                .map(|(id, _)| id.split_once('/').map_or(id.as_str(), |(name, _)| name)),
            Scope::Container => self.workload.as_ref().map(|(c, _)| c.as_str()),
            _ => None,
        }
    }

    /// The hook's name: `install`, `db-relation-changed`, `web-pebble-ready`.
    pub fn name(&self) -> String {
        self.kind.spec().hook_name(self.subject())
    }

    /// The variables Juju sets for a storage or workload hook: each of its catalogue
    /// line's that the hook has a value for (`HookVars` in Juju's
    /// `internal/worker/uniter/runner/context/context.go`).
    pub fn event_vars(&self) -> Vec<(&'static str, String)> {
        let spec = self.kind.spec();
        spec.env
            .iter()
            .filter_map(|var| Some((var.name, self.event_var(var.name)?)))
            .collect()
    }

    /// The value of catalogue variable `name` for this hook.
    fn event_var(&self, name: &str) -> Option<String> {
        let (container, detail) = match &self.workload {
            Some((c, d)) => (Some(c.as_str()), Some(d)),
            None => (None, None),
        };
        let (notice_id, notice_key) = match detail {
            Some(WorkloadDetail::Notice { id, key }) => (Some(id), Some(key)),
            _ => (None, None),
        };
        match name {
            "JUJU_STORAGE_ID" => self.storage.as_ref().map(|(id, _)| id.clone()),
            "JUJU_STORAGE_LOCATION" => self.storage.as_ref().map(|(_, l)| l.clone()),
            "JUJU_WORKLOAD_NAME" => container.map(str::to_string),
            "JUJU_NOTICE_ID" => notice_id.cloned(),
            "JUJU_NOTICE_KEY" => notice_key.cloned(),
            // Only custom notices become hooks (`pebbleNoticer` in Juju's
            // `internal/worker/uniter/pebblenotices.go`).
            "JUJU_NOTICE_TYPE" => notice_id.map(|_| "custom".to_string()),
            "JUJU_PEBBLE_CHECK_NAME" => match detail {
                Some(WorkloadDetail::Check(c)) => Some(c.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn relation_kind(&self) -> Option<RelationHookKind> {
        RELATION_KINDS
            .iter()
            .find(|(k, _)| *k == self.kind)
            .map(|(_, r)| *r)
    }

    /// What the hook tools need to know of a relation hook.
    pub fn tool_relation(&self) -> Option<HookRelation> {
        let kind = self.relation_kind()?;
        Some(HookRelation {
            id: self.relation?,
            endpoint: self.endpoint.clone().unwrap_or_default(),
            kind,
            remote_unit: self.remote_unit.clone(),
            remote_app: self.remote_app.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "install",
            "update-status",
            "db-relation-changed",
            "my-db-relation-broken",
        ] {
            assert_eq!(Hook::named(name).unwrap().name(), name);
        }
        assert_eq!(Hook::named("db-relation-gone"), None);
        assert_eq!(Hook::named("bogus"), None);
        // Storage and workload hooks need their instance or event.
        assert_eq!(Hook::named("data-storage-attached"), None);
    }

    #[test]
    fn every_kind_is_a_catalogue_event() {
        for (kind, _, _) in KINDS {
            let _ = kind.spec();
        }
    }

    /// The simulator sets exactly the variables the catalogue lists for each storage and
    /// workload hook, the required ones always.
    #[test]
    fn storage_and_workload_hooks_set_the_catalogue_variables() {
        let mut failed = Hook::workload("web", WorkloadDetail::Check("alive".into()));
        let hooks = [
            Hook::storage(HookKind::StorageAttached, "data/0", "/srv/data"),
            Hook::storage(HookKind::StorageDetaching, "data/1", "/srv/data1"),
            Hook::workload("web", WorkloadDetail::Ready),
            Hook::workload(
                "web",
                WorkloadDetail::Notice {
                    id: "7".into(),
                    key: "example.com/x".into(),
                },
            ),
            failed.clone(),
            {
                failed.kind = HookKind::PebbleCheckRecovered;
                failed
            },
        ];
        for hook in hooks {
            let spec = hook.kind.spec();
            let set: Vec<&str> = hook.event_vars().iter().map(|(k, _)| *k).collect();
            let listed: Vec<&str> = spec.env.iter().map(|v| v.name).collect();
            assert_eq!(set, listed, "{}", hook.name());
        }
        let h = Hook::storage(HookKind::StorageAttached, "data/0", "/srv/data");
        assert_eq!(h.name(), "data-storage-attached");
        let h = Hook::workload("web", WorkloadDetail::Ready);
        assert_eq!(h.name(), "web-pebble-ready");
        assert_eq!(h.event_vars(), [("JUJU_WORKLOAD_NAME", "web".to_string())]);
    }
}
