//! [`Model`]: the model as a unit's hook finds it when it starts (what the controller has
//! committed), seen from that unit. Each adapter implements it over its own storage.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::secret::Secrets;
use crate::tools::{NetworkInfo, OpenedPorts};

/// A databag: keys to string values, as Juju stores them.
pub type Bag = BTreeMap<String, String>;

/// A workload or application status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `active`, `blocked`, `waiting`, `maintenance`, `error`, `unknown`, `terminated`.
    pub status: String,
    /// The message.
    pub message: String,
}

impl Status {
    /// A status of kind `status` with `message`.
    pub fn new(status: impl Into<String>, message: impl Into<String>) -> Status {
        Status {
            status: status.into(),
            message: message.into(),
        }
    }

    /// `unknown`, no message: what a unit or application has before anyone sets one.
    pub fn unknown() -> Status {
        Status::new("unknown", "")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{}: {}", self.status, self.message)
        }
    }
}

/// One relation of the unit, as its hook sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationInfo<'a> {
    /// The relation id.
    pub id: u32,
    /// This application's endpoint.
    pub endpoint: &'a str,
    /// The application at the other end (this application, for a peer relation).
    pub remote_app: &'a str,
    /// A peer relation.
    pub peer: bool,
    /// Whether the unit has run (and committed) its relation-created hook: until then
    /// the relation is not listed, except to that hook itself.
    pub joined: bool,
    /// Whether the relation is being removed.
    pub dying: bool,
}

/// A storage instance attached to the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageInstance {
    /// `<name>/<index>`.
    pub id: String,
    /// The storage name, as declared.
    pub name: String,
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is attached.
    pub location: String,
}

/// The model as the running hook's unit sees it when the hook starts.
///
/// Only the first four methods are required; the others describe what a bare unit has
/// (no relations, no secrets, no config) until an adapter says otherwise.
///
/// ```
/// use juju_model::{Hook, HookContext, Model};
/// struct Bare;
/// impl Model for Bare {
///     fn model_uuid(&self) -> &str { "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f" }
///     fn unit(&self) -> &str { "demo/0" }
///     fn app(&self) -> &str { "demo" }
///     fn is_leader(&self) -> bool { false }
/// }
/// let mut hook = Hook::new(|| "cjhg2ok5jrbc769e4mkg".to_string());
/// let mut ctx = HookContext::new(&Bare, &mut hook);
/// let err = ctx.status_set("active", "", true).unwrap_err();
/// assert_eq!((err.code, err.message.as_str()), (1, "this unit is not the leader"));
/// ```
pub trait Model {
    /// The model's uuid.
    fn model_uuid(&self) -> &str;
    /// The unit running the hook (`app/0`).
    fn unit(&self) -> &str;
    /// Its application.
    fn app(&self) -> &str;
    /// Whether the unit is its application's leader.
    fn is_leader(&self) -> bool;

    /// The application's config: defaults overlaid with what the operator set, options
    /// with no value left out.
    fn config(&self) -> Map<String, Value> {
        Map::new()
    }
    /// Every declared config option (what `config-get --all` lists).
    fn config_options(&self) -> Vec<String> {
        Vec::new()
    }

    /// The ids of the relations the unit is in (joined or not yet).
    fn relation_ids(&self) -> Vec<u32> {
        Vec::new()
    }
    /// One of those relations.
    fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
        let _ = id;
        None
    }
    /// Juju's key of a relation (`requirer-app:endpoint provider-app:endpoint`, or
    /// `app:endpoint` for a peer relation): how the controller's messages name it. The
    /// default knows no roles nor remote endpoint: it puts this application first and
    /// gives the remote end this endpoint's name.
    fn relation_key(&self, id: u32) -> String {
        match self.relation(id) {
            Some(r) if r.peer => format!("{}:{}", self.app(), r.endpoint),
            Some(r) => format!(
                "{}:{} {}:{}",
                self.app(),
                r.endpoint,
                r.remote_app,
                r.endpoint
            ),
            None => id.to_string(),
        }
    }
    /// The remote units the unit knows in a relation (other units of its application in
    /// a peer relation), before the running hook's own change of membership.
    fn members(&self, id: u32) -> Vec<String> {
        let _ = id;
        Vec::new()
    }
    /// An application's committed databag in a relation.
    fn app_bag(&self, id: u32, app: &str) -> Option<&Bag> {
        let _ = (id, app);
        None
    }
    /// A unit's committed databag in a relation (`None`: the unit never entered it).
    fn unit_bag(&self, id: u32, unit: &str) -> Option<&Bag> {
        let _ = (id, unit);
        None
    }

    /// The units of an application (this application's: the ones `status-get
    /// --application` lists).
    fn app_units(&self, app: &str) -> Vec<String> {
        if app == self.app() {
            vec![self.unit().to_string()]
        } else {
            Vec::new()
        }
    }
    /// Whether a unit is being removed.
    fn unit_dying(&self, unit: &str) -> bool {
        let _ = unit;
        false
    }
    /// A unit's workload status, as last committed.
    fn unit_status(&self, unit: &str) -> Status {
        let _ = unit;
        Status::unknown()
    }
    /// The application's status, if the leader set one.
    fn app_status(&self) -> Option<Status> {
        None
    }

    /// The unit's charm state (`state-get`).
    fn charm_state(&self) -> &Bag {
        &EMPTY_BAG
    }
    /// The secrets the unit owns or may know about, by id.
    fn secrets(&self) -> &Secrets {
        &NO_SECRETS
    }
    /// The storage instances attached to the unit.
    fn storage(&self) -> Vec<StorageInstance> {
        Vec::new()
    }
    /// The ports the unit has opened, by endpoint (`""`: every endpoint).
    fn opened_ports(&self) -> OpenedPorts {
        OpenedPorts::new()
    }
    /// The unit's address (`network-get`, `unit-get`).
    fn address(&self) -> String {
        "192.0.2.0".into()
    }
    /// Whether the charm declares a binding (an endpoint or an extra binding).
    fn has_binding(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// The unit's network on a binding: by default, for a declared binding and for
    /// `juju-info` (the endpoint every charm has), one interface with
    /// [`address`](Self::address).
    fn network(&self, binding: &str) -> Option<NetworkInfo> {
        (binding == "juju-info" || self.has_binding(binding))
            .then(|| NetworkInfo::single(&self.address()))
    }
    /// Whether the charm declares storage `name` (`storage-add`).
    fn declares_storage(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// The path of the unit's copy of resource `name`, if the model has one.
    fn resource(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
    /// The cloud specification `credential-get` prints, if the application is trusted
    /// (`juju trust`); `None` otherwise.
    fn cloud_spec(&self) -> Option<Value> {
        None
    }
}

static EMPTY_BAG: Bag = Bag::new();
static NO_SECRETS: Secrets = Secrets::new();
