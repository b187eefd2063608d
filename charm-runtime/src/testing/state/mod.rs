//! The model as a test describes it: [`State`], its [`Relation`]s and [`Secret`]s.
//!
//! Every type is plain data with public fields (struct literals work, with
//! `..Default::default()` where there is a default) and fluent builders.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::cloud::CloudSpec;
use crate::network::Network;
use crate::port::Port;
use crate::relation::RelationId;
use crate::secret::SecretId;
use crate::status::{Status, StatusKind};

mod relation;
mod secret;
mod workload;

pub use relation::{PeerRelation, Relation, RelationKind, SubordinateRelation};
pub use secret::{Secret, SecretOwner};
pub use workload::{Container, Storage};

/// A databag: keys to string values, as Juju stores them.
pub type Bag = BTreeMap<String, String>;

/// Builds a [`Bag`] from pairs: `bag([("host", "db-0"), ("port", "5432")])`.
pub fn bag<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Bag {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

thread_local! {
    static NEXT_RELATION_ID: Cell<u32> = const { Cell::new(1) };
    static NEXT_SECRET: Cell<u64> = const { Cell::new(1) };
}

/// The next relation id of this thread (each test runs on its own thread, so ids start at
/// 1 in every test).
pub(crate) fn next_relation_id() -> RelationId {
    NEXT_RELATION_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        RelationId::new(id)
    })
}

/// A fresh secret id, `secret:<20 alphanumerics>`, unique in this thread.
pub(crate) fn next_secret_id() -> SecretId {
    NEXT_SECRET.with(|n| {
        let id = n.get();
        n.set(id + 1);
        SecretId::parse(&format!("secret:d0testsecret{id:07}0")).expect("a valid secret id")
    })
}

/// Everything a test says about the model before a hook, and what a run returns after.
///
/// ```
/// use charm_runtime::Status;
/// use charm_runtime::testing::{bag, Relation, State};
/// let state = State::new()
///     .leader(true)
///     .config("port", 8080)
///     .relation(Relation::new("db").remote_app_data(bag([("host", "db-0")])))
///     .unit_status(Status::active("ready"));
/// assert!(state.leader);
/// // or as a struct literal:
/// let state = State { leader: true, unit_id: 2, ..State::default() };
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether this unit is the leader.
    pub leader: bool,
    /// Config values set by the operator (defaults come from the charm's declarations).
    pub config: BTreeMap<String, Value>,
    /// The relations.
    pub relations: Vec<Relation>,
    /// The secrets this unit owns or can see.
    pub secrets: Vec<Secret>,
    /// The storage instances attached to the unit.
    pub storages: Vec<Storage>,
    /// The workload containers (Kubernetes charms).
    pub containers: Vec<Container>,
    /// The unit's workload status (`unknown` at first).
    pub unit_status: Status,
    /// The application's status (`unknown` at first).
    pub app_status: Status,
    /// The workload version, if one was set.
    pub workload_version: Option<String>,
    /// The unit's charm state (`state-get`/`state-set`).
    pub charm_state: BTreeMap<String, String>,
    /// The model's name.
    pub model_name: String,
    /// The model's uuid.
    pub model_uuid: String,
    /// This unit's number: the unit is `<app>/<unit_id>`.
    pub unit_id: u32,
    /// The ports the unit has opened (`opened-ports`; `open-port`/`close-port` change
    /// them when the hook commits).
    pub opened_ports: BTreeSet<Port>,
    /// The unit's network per binding (`network-get`). A declared endpoint, or
    /// `juju-info`, that is not here has [`Network::single`]`("192.0.2.0")`, as in
    /// Scenario.
    pub networks: BTreeMap<String, Network>,
    /// The files of the charm's resources (`resource-get`), by resource name.
    pub resources: BTreeMap<String, PathBuf>,
    /// How many units the application is meant to have (`goal-state`; default: this
    /// unit and its peers).
    pub planned_units: Option<u32>,
    /// The cloud `credential-get` answers with; `None`: the application is not trusted
    /// and the call is refused, as Juju refuses it.
    pub cloud_spec: Option<CloudSpec>,
}

impl Default for State {
    fn default() -> Self {
        State {
            leader: false,
            config: BTreeMap::new(),
            relations: Vec::new(),
            secrets: Vec::new(),
            storages: Vec::new(),
            containers: Vec::new(),
            unit_status: Status::new(StatusKind::Unknown, ""),
            app_status: Status::new(StatusKind::Unknown, ""),
            workload_version: None,
            charm_state: BTreeMap::new(),
            model_name: "test-model".into(),
            model_uuid: "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f".into(),
            unit_id: 0,
            opened_ports: BTreeSet::new(),
            networks: BTreeMap::new(),
            resources: BTreeMap::new(),
            planned_units: None,
            cloud_spec: None,
        }
    }
}

impl AsRef<State> for State {
    fn as_ref(&self) -> &State {
        self
    }
}

impl State {
    /// An empty state: not leader, no relation, no secret, statuses `unknown`, unit 0.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets leadership.
    pub fn leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }
    /// Sets a config option (`"port", 8080`; the option's name as in charmcraft.yaml).
    pub fn config(mut self, option: impl Into<String>, value: impl Into<Value>) -> Self {
        self.config.insert(option.into(), value.into());
        self
    }
    /// Adds a relation.
    pub fn relation(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }
    /// Adds relations.
    pub fn relations(mut self, relations: impl IntoIterator<Item = Relation>) -> Self {
        self.relations.extend(relations);
        self
    }
    /// Adds a secret.
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }
    /// Adds a storage instance.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storages.push(storage);
        self
    }
    /// Adds a workload container.
    pub fn container(mut self, container: Container) -> Self {
        self.containers.push(container);
        self
    }
    /// Sets the unit status.
    pub fn unit_status(mut self, status: Status) -> Self {
        self.unit_status = status;
        self
    }
    /// Sets the application status.
    pub fn app_status(mut self, status: Status) -> Self {
        self.app_status = status;
        self
    }
    /// Sets a charm-state value.
    pub fn charm_state(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.charm_state.insert(key.into(), value.into());
        self
    }
    /// Sets the model name.
    pub fn model_name(mut self, name: impl Into<String>) -> Self {
        self.model_name = name.into();
        self
    }
    /// Sets this unit's number.
    pub fn unit_id(mut self, id: u32) -> Self {
        self.unit_id = id;
        self
    }
    /// Adds an opened port.
    pub fn opened_port(mut self, port: Port) -> Self {
        self.opened_ports.insert(port);
        self
    }
    /// Sets the unit's network on a binding.
    pub fn network(mut self, binding: impl Into<String>, network: Network) -> Self {
        self.networks.insert(binding.into(), network);
        self
    }
    /// Sets the file of a resource.
    pub fn resource(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.resources.insert(name.into(), path.into());
        self
    }
    /// Sets how many units the application is meant to have.
    pub fn planned_units(mut self, units: u32) -> Self {
        self.planned_units = Some(units);
        self
    }
    /// Trusts the application with this cloud (`credential-get` answers with it).
    pub fn cloud_spec(mut self, spec: CloudSpec) -> Self {
        self.cloud_spec = Some(spec);
        self
    }

    /// The relation with this id.
    pub fn get_relation(&self, id: RelationId) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }
    /// The relation with this id, mutably.
    pub fn get_relation_mut(&mut self, id: RelationId) -> Option<&mut Relation> {
        self.relations.iter_mut().find(|r| r.id == id)
    }
    /// The relations on an endpoint.
    pub fn get_relations<'a>(&'a self, endpoint: &'a str) -> impl Iterator<Item = &'a Relation> {
        self.relations
            .iter()
            .filter(move |r| r.endpoint == endpoint)
    }
    /// The secret with this id.
    pub fn get_secret(&self, id: &SecretId) -> Option<&Secret> {
        self.secrets.iter().find(|s| &s.id == id)
    }
    /// The storage instance `<name>/<index>`.
    pub fn get_storage(&self, id: &str) -> Option<&Storage> {
        self.storages.iter().find(|s| s.id() == id)
    }
    /// The container with this name.
    pub fn get_container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
    /// The secret with this label.
    pub fn get_secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }
}
