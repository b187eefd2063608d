//! [`Event`]: what Juju would dispatch, built as Scenario builds its events.

use std::collections::BTreeMap;

use crate::env::{Hook, RelationHook, SecretHook, StorageHook, WorkloadContext, WorkloadHook};
use crate::relation::RelationId;
use crate::secret::SecretId;

use crate::testing::state::{Relation, Secret, Storage};

/// Which unit is leaving, in a relation-departed event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Departing {
    /// Remote (or peer) unit number n.
    Remote(u32),
    /// This unit itself.
    Local,
}

/// An event to run: made from the state's objects (`Event::relation_joined(&rel, 1)`).
///
/// Relation events name their relation by id and endpoint; the relation must be in the
/// state the event is run on. Remote units are numbers: unit `n` of the relation's remote
/// application (of this application, for a peer relation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub(crate) hook: Hook,
    pub(crate) relation: Option<(RelationId, String)>,
    pub(crate) remote_unit: Option<u32>,
    pub(crate) departing: Option<Departing>,
    pub(crate) secret: Option<SecretId>,
    pub(crate) secret_revision: Option<u64>,
    pub(crate) action_params: serde_json::Map<String, serde_json::Value>,
    pub(crate) action_id: Option<String>,
    pub(crate) storage: Option<String>,
    pub(crate) workload: Option<WorkloadContext>,
    /// The event's other variables ([`JujuEnv::vars`]), set with
    /// [`with_env`](Event::with_env).
    pub(crate) vars: BTreeMap<String, String>,
    /// A dispatch path other than the hook's own (`custom/backup`).
    pub(crate) dispatch_path: Option<String>,
}

/// The constructors of the catalogue's unit hooks (`Event::install()`), one per line.
macro_rules! unit_constructors {
    (unit { $($v:ident $name:ident $k:ident $p:ident needs $n:tt may $m:tt $d:ident;)* }
     $($rest:tt)*) => {
        impl Event {
            $(
                #[doc = concat!(
                    "The `", stringify!($name), "` hook (Juju spells it with dashes)."
                )]
                pub fn $name() -> Self {
                    Self::of(Hook::$v)
                }
            )*
        }
    };
}
charm_catalogue::juju_events!(unit_constructors);

impl Event {
    fn of(hook: Hook) -> Self {
        Event {
            hook,
            relation: None,
            remote_unit: None,
            departing: None,
            secret: None,
            secret_revision: None,
            action_params: serde_json::Map::new(),
            action_id: None,
            storage: None,
            workload: None,
            vars: BTreeMap::new(),
            dispatch_path: None,
        }
    }
    fn relation_event(relation: &Relation, kind: RelationHook) -> Self {
        Event {
            relation: Some((relation.id, relation.endpoint.clone())),
            ..Event::of(Hook::Relation {
                endpoint: relation.endpoint.clone(),
                kind,
            })
        }
    }
    fn secret_event(secret: &Secret, kind: SecretHook, revision: Option<u64>) -> Self {
        Event {
            secret: Some(secret.id.clone()),
            secret_revision: revision,
            ..Event::of(Hook::Secret(kind))
        }
    }

    /// A dispatch path Juju's own hooks do not use (`custom/backup`, as `juju exec ..
    /// JUJU_DISPATCH_PATH=custom/backup ./dispatch` runs it): the charm's
    /// [`other_dispatch!`](crate::other_dispatch) handler runs, given with
    /// [`Context::other_dispatch`].
    pub fn dispatch_path(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        Event {
            dispatch_path: Some(path.to_string()),
            ..Self::of(Hook::Other(name.to_string()))
        }
    }
    /// Any hook, by its Juju name (`data-storage-attached`, `some-future-hook`): the
    /// handlers observing its event run. A hook the event catalogue knows gets no
    /// variables but those [`with_env`](Self::with_env) sets.
    pub fn hook(name: &str) -> Self {
        Self::of(Hook::parse(&format!("hooks/{name}")))
    }

    /// Sets a variable Juju sets for this event beyond those the state and the
    /// constructor give (`JUJU_TARGET_BASE` for `pre-series-upgrade`): the event's payload
    /// reads it. [`Context::check`] refuses a variable the event does not carry.
    ///
    /// ```
    /// use charm_runtime::testing::Event;
    /// let event = Event::pre_series_upgrade().with_env("JUJU_TARGET_BASE", "ubuntu@24.04");
    /// # let _ = event;
    /// ```
    pub fn with_env(mut self, var: &str, value: impl Into<String>) -> Self {
        self.vars.insert(var.to_string(), value.into());
        self
    }

    /// The action `name` with no parameter given (declared defaults apply), dispatched as
    /// `actions/<name>`; add parameters with [`param`](Self::param) or
    /// [`params`](Self::params). What it did is in [`Output::action`].
    pub fn action(name: &str) -> Self {
        Event {
            action_id: Some(format!(
                "{:08x}-5c3a-4b1e-9d2f-{:012x}",
                name.len(),
                name.bytes().map(u64::from).sum::<u64>()
            )),
            ..Self::of(Hook::Action(name.to_string()))
        }
    }
    /// Sets an action parameter (its name as declared, e.g. `dry-run`).
    pub fn param(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.action_params.insert(name.to_string(), value.into());
        self
    }
    /// Sets action parameters from a JSON object (`serde_json::json!({"path": "/b"})`);
    /// anything else sets none.
    pub fn params(mut self, params: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = params {
            self.action_params.extend(map);
        }
        self
    }

    /// `<storage>-storage-attached` for a storage instance of the state.
    pub fn storage_attached(storage: &Storage) -> Self {
        Self::storage_event(storage, StorageHook::Attached)
    }
    /// `<storage>-storage-detaching` for a storage instance of the state.
    pub fn storage_detaching(storage: &Storage) -> Self {
        Self::storage_event(storage, StorageHook::Detaching)
    }
    fn storage_event(storage: &Storage, kind: StorageHook) -> Self {
        Event {
            storage: Some(storage.id()),
            ..Self::of(Hook::Storage {
                name: storage.name.clone(),
                kind,
            })
        }
    }

    /// `<container>-pebble-ready`
    pub fn pebble_ready(container: &str) -> Self {
        Self::workload_event(container, WorkloadHook::Ready, None, None)
    }
    /// `<container>-pebble-custom-notice` for notice `id` with key `key` (type `custom`).
    pub fn pebble_custom_notice(container: &str, id: &str, key: &str) -> Self {
        Self::workload_event(
            container,
            WorkloadHook::CustomNotice,
            Some((id.to_string(), "custom".to_string(), key.to_string())),
            None,
        )
    }
    /// `<container>-pebble-check-failed` for check `check`.
    pub fn pebble_check_failed(container: &str, check: &str) -> Self {
        Self::workload_event(container, WorkloadHook::CheckFailed, None, Some(check))
    }
    /// `<container>-pebble-check-recovered` for check `check`.
    pub fn pebble_check_recovered(container: &str, check: &str) -> Self {
        Self::workload_event(container, WorkloadHook::CheckRecovered, None, Some(check))
    }
    fn workload_event(
        container: &str,
        kind: WorkloadHook,
        notice: Option<(String, String, String)>,
        check: Option<&str>,
    ) -> Self {
        Event {
            workload: Some(WorkloadContext {
                container: container.to_string(),
                notice,
                check: check.map(str::to_string),
            }),
            ..Self::of(Hook::Workload {
                container: container.to_string(),
                kind,
            })
        }
    }

    /// `<endpoint>-relation-created`
    pub fn relation_created(relation: &Relation) -> Self {
        Self::relation_event(relation, RelationHook::Created)
    }
    /// `<endpoint>-relation-joined` for remote unit `remote_unit` (which is already in
    /// `relation-list`, as in Juju).
    pub fn relation_joined(relation: &Relation, remote_unit: u32) -> Self {
        Event {
            remote_unit: Some(remote_unit),
            ..Self::relation_event(relation, RelationHook::Joined)
        }
    }
    /// `<endpoint>-relation-changed` for the remote application's bag
    /// (`JUJU_REMOTE_UNIT` empty); add [`with_remote_unit`](Self::with_remote_unit) for a
    /// unit's bag.
    pub fn relation_changed(relation: &Relation) -> Self {
        Self::relation_event(relation, RelationHook::Changed)
    }
    /// `<endpoint>-relation-changed` for remote unit `remote_unit`'s bag.
    pub fn relation_changed_unit(relation: &Relation, remote_unit: u32) -> Self {
        Self::relation_changed(relation).with_remote_unit(remote_unit)
    }
    /// `<endpoint>-relation-departed`: remote unit `departing_unit` leaves (it is no longer
    /// in `relation-list`; its bag stays readable).
    pub fn relation_departed(relation: &Relation, departing_unit: u32) -> Self {
        Event {
            remote_unit: Some(departing_unit),
            departing: Some(Departing::Remote(departing_unit)),
            ..Self::relation_event(relation, RelationHook::Departed)
        }
    }
    /// `<endpoint>-relation-departed` when **this** unit is leaving: the hook runs once per
    /// remote unit, here for `remote_unit`, with `JUJU_DEPARTING_UNIT` this unit.
    pub fn relation_departed_self(relation: &Relation, remote_unit: u32) -> Self {
        Event {
            remote_unit: Some(remote_unit),
            departing: Some(Departing::Local),
            ..Self::relation_event(relation, RelationHook::Departed)
        }
    }
    /// `<endpoint>-relation-broken`: no unit left; the relation is still listed by
    /// `relation-ids` (the runtime leaves it out of `relations()`).
    pub fn relation_broken(relation: &Relation) -> Self {
        Self::relation_event(relation, RelationHook::Broken)
    }
    /// Sets `JUJU_REMOTE_UNIT` to remote unit `n` of the event's relation.
    pub fn with_remote_unit(mut self, n: u32) -> Self {
        self.remote_unit = Some(n);
        self
    }

    /// `secret-changed` (a consumer: the secret has a revision newer than the tracked one).
    pub fn secret_changed(secret: &Secret) -> Self {
        Self::secret_event(secret, SecretHook::Changed, None)
    }
    /// `secret-rotate` (the owner).
    pub fn secret_rotate(secret: &Secret) -> Self {
        Self::secret_event(secret, SecretHook::Rotate, None)
    }
    /// `secret-remove` of `revision` (the owner: no consumer tracks it any more).
    pub fn secret_remove(secret: &Secret, revision: u64) -> Self {
        Self::secret_event(secret, SecretHook::Remove, Some(revision))
    }
    /// `secret-expired` of `revision` (the owner).
    pub fn secret_expired(secret: &Secret, revision: u64) -> Self {
        Self::secret_event(secret, SecretHook::Expired, Some(revision))
    }

    /// The hook's Juju name (`db-relation-changed`).
    pub fn name(&self) -> String {
        hook_name(&self.hook)
    }

    /// A problem per variable set with [`with_env`](Self::with_env) that Juju does not
    /// set for this event (or that the state and the constructor set).
    pub(super) fn unknown_vars(&self) -> Vec<String> {
        let spec = self.hook.spec();
        self.vars
            .keys()
            .filter(|var| {
                let carried = spec.is_some_and(|s| s.carries(var));
                !carried || crate::env::CONTEXT_VARS.contains(&var.as_str())
            })
            .map(|var| {
                format!(
                    "{var} is not a variable Juju sets for {} apart from what the state and the event say (Event::with_env)",
                    self.name()
                )
            })
            .collect()
    }
}

/// `db-relation-changed`, `install`, `actions/x` ⇒ the name after `hooks/`.
fn hook_name(hook: &Hook) -> String {
    hook.juju_name()
}
