//! Events: one type per kind of Juju hook, and [`Event`], the general one a holistic
//! handler may take.
//!
//! A handler names the events it observes with `#[on(..)]` and takes the matching type
//! (`&RelationJoined` for `db_relation_joined`), `&Event` for any, or no event at all.

use std::cell::RefCell;

pub use crate::action::{Action, ActionEvent};
use crate::error::Result;
use crate::relation::Relation;
use crate::secret::SecretId;
use crate::status::Status;
use crate::workload::{Container, StorageInstance};

mod build;
mod custom;

pub(crate) use build::FromHook;
#[doc(hidden)]
pub use custom::custom_arg;
pub use custom::Custom;
pub(crate) use custom::Payload;

macro_rules! unit_events {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name;

        impl FromHook for $name {
            fn from_hook(
                _: &std::rc::Rc<crate::model::ModelInner>,
                _: &crate::env::JujuEnv,
            ) -> Option<Self> {
                Some($name)
            }
        }
    )*};
}

unit_events! {
    /// `install`: the first hook a unit runs.
    Install,
    /// `start`: after install, leader-elected and config-changed.
    Start,
    /// `stop`: the unit is being torn down.
    Stop,
    /// `remove`: the last hook a unit runs.
    Remove,
    /// `config-changed`: the configuration (or the unit's addresses) changed.
    ConfigChanged,
    /// `upgrade-charm`: a new charm revision was deployed.
    UpgradeCharm,
    /// `update-status`: periodic, for refreshing the workload status.
    UpdateStatus,
    /// `leader-elected`: this unit became the leader.
    LeaderElected,
    /// `leader-settings-changed`: the leader changed the leader settings (Juju runs it on
    /// the other units). Deprecated in Juju since 2.4, with `leader-set`: the leader
    /// writes the application's databag of a peer relation instead.
    LeaderSettingsChanged,
    /// `post-series-upgrade`: the machine's operating system was upgraded (or the upgrade
    /// rolled back: check). Machine charms only; Juju 4 no longer runs it.
    PostSeriesUpgrade,
    /// `collect-metrics`: Juju collects the metrics the charm declares, every five
    /// minutes (until Juju 3.6.11). Runs in Juju's restricted context: no charm state,
    /// relation data, leadership or status; no deferred event is re-run before it and
    /// no status is collected after it, as in `ops`.
    CollectMetrics,
}

/// `pre-series-upgrade`: `juju upgrade-machine <machine> prepare` was run; the unit
/// prepares its workload for the operating-system upgrade. Machine charms only; Juju 4 no
/// longer runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreSeriesUpgrade {
    pub(crate) target_base: Option<String>,
}

impl PreSeriesUpgrade {
    /// `JUJU_TARGET_BASE`: the base the machine is upgraded to, e.g. `ubuntu@24.04`
    /// (Juju 3 sets it; Juju 2.9 set only `JUJU_TARGET_SERIES`).
    pub fn target_base(&self) -> Option<&str> {
        self.target_base.as_deref()
    }
}

/// `meter-status-changed`: the unit's meter status changed. Runs in Juju's restricted
/// context, like `collect-metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MeterStatusChanged {
    pub(crate) status: Option<String>,
    pub(crate) info: Option<String>,
}

impl MeterStatusChanged {
    /// `JUJU_METER_STATUS`: the status code, e.g. `GREEN` or `AMBER`.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
    /// `JUJU_METER_INFO`: the message that came with it.
    pub fn info(&self) -> Option<&str> {
        self.info.as_deref()
    }
}

/// `<endpoint>-relation-created`: a relation exists, before any remote unit joined.
#[derive(Debug, Clone)]
pub struct RelationCreated {
    pub(crate) relation: Relation,
}

/// `<endpoint>-relation-joined`: a remote unit joined.
#[derive(Debug, Clone)]
pub struct RelationJoined {
    pub(crate) relation: Relation,
    pub(crate) unit: String,
}

/// `<endpoint>-relation-changed`: a remote unit's bag changed (`unit` is set), or the
/// remote application's bag changed (`unit` is `None`).
#[derive(Debug, Clone)]
pub struct RelationChanged {
    pub(crate) relation: Relation,
    pub(crate) unit: Option<String>,
}

/// `<endpoint>-relation-departed`: a unit left the relation.
#[derive(Debug, Clone)]
pub struct RelationDeparted {
    pub(crate) relation: Relation,
    pub(crate) unit: Option<String>,
    pub(crate) departing_unit: Option<String>,
}

/// `<endpoint>-relation-broken`: the relation is going away; it is no longer in
/// [`Context::relations`](crate::Context::relations), and [`Relation::active`] is false.
#[derive(Debug, Clone)]
pub struct RelationBroken {
    pub(crate) relation: Relation,
}

macro_rules! relation_accessors {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// The relation this event is about.
            pub fn relation(&self) -> &Relation {
                &self.relation
            }
        }
    )*};
}
relation_accessors!(
    RelationCreated,
    RelationJoined,
    RelationChanged,
    RelationDeparted,
    RelationBroken
);

impl RelationJoined {
    /// The unit that joined.
    pub fn unit(&self) -> &str {
        &self.unit
    }
}

impl RelationChanged {
    /// The remote unit whose bag changed, or `None` for the remote application's bag.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
}

impl RelationDeparted {
    /// The remote unit the hook is about.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
    /// The unit that is leaving: a remote unit, or this unit itself when it is the one
    /// going away. `None` when Juju did not say (`JUJU_DEPARTING_UNIT` is set by Juju 2.8
    /// and later; `ops` reads it as optional too, `_get_event_args` in
    /// <https://github.com/canonical/operator/blob/main/ops/_main.py>).
    pub fn departing_unit(&self) -> Option<&str> {
        self.departing_unit.as_deref()
    }
}

macro_rules! secret_events {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            pub(crate) id: SecretId,
            pub(crate) label: Option<String>,
            pub(crate) revision: Option<u64>,
        }
        impl $name {
            /// The secret.
            pub fn id(&self) -> &SecretId {
                &self.id
            }
            /// The label this unit knows the secret by, if any.
            pub fn label(&self) -> Option<&str> {
                self.label.as_deref()
            }
            /// The revision (secret-remove and secret-expired).
            pub fn revision(&self) -> Option<u64> {
                self.revision
            }
        }
    )*};
}

secret_events! {
    /// `secret-changed`: a secret this unit reads has a new revision.
    SecretChanged,
    /// `secret-rotate`: a secret this unit owns is due for rotation.
    SecretRotate,
    /// `secret-remove`: a revision of a secret this unit owns is no longer read by anyone.
    SecretRemove,
    /// `secret-expired`: a revision of a secret this unit owns expired.
    SecretExpired
}

/// `<storage>-storage-attached`: a storage instance is ready.
#[derive(Debug, Clone)]
pub struct StorageAttached {
    pub(crate) storage: StorageInstance,
}

/// `<storage>-storage-detaching`: a storage instance is about to go.
#[derive(Debug, Clone)]
pub struct StorageDetaching {
    pub(crate) storage: StorageInstance,
}

impl StorageAttached {
    /// The storage instance.
    pub fn storage(&self) -> &StorageInstance {
        &self.storage
    }
}

impl StorageDetaching {
    /// The storage instance.
    pub fn storage(&self) -> &StorageInstance {
        &self.storage
    }
}

/// `<container>-pebble-ready`: the container's Pebble answers.
#[derive(Debug, Clone)]
pub struct PebbleReady {
    pub(crate) container: Container,
}

/// `<container>-pebble-custom-notice`: a workload recorded a custom notice.
#[derive(Debug, Clone)]
pub struct PebbleCustomNotice {
    pub(crate) container: Container,
    pub(crate) notice: (String, String, String),
}

/// `<container>-pebble-check-failed` / `-check-recovered`: a Pebble check changed state.
#[derive(Debug, Clone)]
pub struct PebbleCheck {
    pub(crate) container: Container,
    pub(crate) check: String,
    pub(crate) failed: bool,
}

impl PebbleReady {
    /// The container.
    pub fn container(&self) -> &Container {
        &self.container
    }
}

impl PebbleCustomNotice {
    /// The container.
    pub fn container(&self) -> &Container {
        &self.container
    }
    /// The notice's id.
    pub fn notice_id(&self) -> &str {
        &self.notice.0
    }
    /// The notice's type.
    pub fn notice_type(&self) -> &str {
        &self.notice.1
    }
    /// The notice's key, e.g. `example.com/backup-done`.
    pub fn notice_key(&self) -> &str {
        &self.notice.2
    }
}

impl PebbleCheck {
    /// The container.
    pub fn container(&self) -> &Container {
        &self.container
    }
    /// The check's name.
    pub fn check(&self) -> &str {
        &self.check
    }
    /// True for check-failed, false for check-recovered.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

/// `collect_unit_status` / `collect_app_status`: run after the hook's handlers; each
/// handler adds the statuses it sees, and the highest-priority one is set
/// (blocked > maintenance > waiting > active), as `ops` does.
#[derive(Debug, Default)]
pub struct CollectStatus {
    pub(crate) statuses: RefCell<Vec<Status>>,
}

impl CollectStatus {
    /// Adds a candidate status.
    pub fn add_status(&self, status: Status) {
        self.statuses.borrow_mut().push(status);
    }
}

/// Any event: what a holistic handler observing several kinds may take (a custom event
/// is [`Event::Custom`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// `install`
    Install(Install),
    /// `start`
    Start(Start),
    /// `stop`
    Stop(Stop),
    /// `remove`
    Remove(Remove),
    /// `config-changed`
    ConfigChanged(ConfigChanged),
    /// `upgrade-charm`
    UpgradeCharm(UpgradeCharm),
    /// `update-status`
    UpdateStatus(UpdateStatus),
    /// `leader-elected`
    LeaderElected(LeaderElected),
    /// `leader-settings-changed`
    LeaderSettingsChanged(LeaderSettingsChanged),
    /// `pre-series-upgrade`
    PreSeriesUpgrade(PreSeriesUpgrade),
    /// `post-series-upgrade`
    PostSeriesUpgrade(PostSeriesUpgrade),
    /// `collect-metrics`
    CollectMetrics(CollectMetrics),
    /// `meter-status-changed`
    MeterStatusChanged(MeterStatusChanged),
    /// `<endpoint>-relation-created`
    RelationCreated(RelationCreated),
    /// `<endpoint>-relation-joined`
    RelationJoined(RelationJoined),
    /// `<endpoint>-relation-changed`
    RelationChanged(RelationChanged),
    /// `<endpoint>-relation-departed`
    RelationDeparted(RelationDeparted),
    /// `<endpoint>-relation-broken`
    RelationBroken(RelationBroken),
    /// `secret-changed`
    SecretChanged(SecretChanged),
    /// `secret-rotate`
    SecretRotate(SecretRotate),
    /// `secret-remove`
    SecretRemove(SecretRemove),
    /// `secret-expired`
    SecretExpired(SecretExpired),
    /// `collect_unit_status` or `collect_app_status`
    CollectStatus(CollectStatus),
    /// `<action>_action`
    Action(ActionEvent),
    /// `<storage>_storage_attached`
    StorageAttached(StorageAttached),
    /// `<storage>_storage_detaching`
    StorageDetaching(StorageDetaching),
    /// `<container>_pebble_ready`
    PebbleReady(PebbleReady),
    /// `<container>_pebble_custom_notice`
    PebbleCustomNotice(PebbleCustomNotice),
    /// `<container>_pebble_check_failed` and `<container>_pebble_check_recovered`
    PebbleCheck(PebbleCheck),
    /// A custom event: emitted by a component (`database::database_created`) or by the
    /// charm itself (see [`component`](mod@crate::component)).
    Custom(Custom),
    /// A hook the event catalogue does not know, by name.
    Other(String),
}

impl Event {
    /// The relation the event is about, for relation events.
    pub fn relation(&self) -> Option<&Relation> {
        match self {
            Event::RelationCreated(e) => Some(&e.relation),
            Event::RelationJoined(e) => Some(&e.relation),
            Event::RelationChanged(e) => Some(&e.relation),
            Event::RelationDeparted(e) => Some(&e.relation),
            Event::RelationBroken(e) => Some(&e.relation),
            _ => None,
        }
    }

    /// Whether this is the `relation-broken` of a relation on `endpoint`.
    pub fn is_broken(&self, endpoint: &str) -> bool {
        matches!(self, Event::RelationBroken(e) if e.relation.endpoint() == endpoint)
    }
}

/// Implemented by each event type: how a handler's event parameter is taken out of the
/// [`Event`] being dispatched. `K` is the event kind the handler observes; a handler
/// whose parameter does not match does not compile.
#[diagnostic::on_unimplemented(
    message = "this handler cannot take `&{Self}`: the event it observes is delivered as `&{K}`",
    label = "expected `&{K}` (or `&Event`) here",
    note = "a handler observing several kinds of events takes `&Event`, or no event parameter"
)]
pub trait EventArg<K> {
    /// Calls `handler` with the parameter taken from `event`.
    fn with(event: &Event, handler: impl FnOnce(&Self) -> Result<()>) -> Result<()>;
}

fn unexpected() -> crate::Error {
    crate::Error::msg("internal error: event of an unexpected kind")
}

impl<K> EventArg<K> for Event {
    fn with(event: &Event, handler: impl FnOnce(&Self) -> Result<()>) -> Result<()> {
        handler(event)
    }
}

macro_rules! event_arg {
    ($name:ident) => {
        impl EventArg<$name> for $name {
            fn with(event: &Event, handler: impl FnOnce(&Self) -> Result<()>) -> Result<()> {
                match event {
                    Event::$name(e) => handler(e),
                    _ => Err(unexpected()),
                }
            }
        }
    };
}

// One invocation per type keeps compiler notes that point here short and stable.
event_arg!(Install);
event_arg!(Start);
event_arg!(Stop);
event_arg!(Remove);
event_arg!(ConfigChanged);
event_arg!(UpgradeCharm);
event_arg!(UpdateStatus);
event_arg!(LeaderElected);
event_arg!(LeaderSettingsChanged);
event_arg!(PreSeriesUpgrade);
event_arg!(PostSeriesUpgrade);
event_arg!(CollectMetrics);
event_arg!(MeterStatusChanged);
event_arg!(RelationCreated);
event_arg!(RelationJoined);
event_arg!(RelationChanged);
event_arg!(RelationDeparted);
event_arg!(RelationBroken);
event_arg!(SecretChanged);
event_arg!(SecretRotate);
event_arg!(SecretRemove);
event_arg!(SecretExpired);
event_arg!(CollectStatus);
event_arg!(StorageAttached);
event_arg!(StorageDetaching);
event_arg!(PebbleReady);
event_arg!(PebbleCustomNotice);
event_arg!(PebbleCheck);

impl EventArg<ActionEvent> for ActionEvent {
    fn with(event: &Event, handler: impl FnOnce(&Self) -> Result<()>) -> Result<()> {
        match event {
            Event::Action(e) => handler(e),
            _ => Err(unexpected()),
        }
    }
}

impl<P: serde::de::DeserializeOwned> EventArg<ActionEvent> for Action<P> {
    /// Parameters that do not fit `P` fail the action, not the unit, as Juju would.
    fn with(event: &Event, handler: impl FnOnce(&Self) -> Result<()>) -> Result<()> {
        let Event::Action(e) = event else {
            return Err(unexpected());
        };
        match e.typed::<P>() {
            Ok(action) => handler(&action),
            Err(error) => {
                *e.model.action_failure.borrow_mut() = Some(error.to_string());
                Ok(())
            }
        }
    }
}
