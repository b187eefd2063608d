//! The model as a test describes it: [`State`], its [`Relation`]s and [`Secret`]s.
//!
//! Every type is plain data with public fields (struct literals work, with
//! `..Default::default()` where there is a default) and fluent builders.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use charm_pebble::{
    CheckStatus, ExecOutput, FakePebble, Layer, NoticesQuery, Pebble, PushOptions, ServiceStatus,
};

use serde_json::Value;

use crate::cloud::CloudSpec;
use crate::network::Network;
use crate::port::Port;
use crate::relation::RelationId;
use crate::secret::{RotatePolicy, SecretContent, SecretId};
use crate::status::{Status, StatusKind};

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

/// What kind of relation: Scenario's `Relation`, `PeerRelation` or `SubordinateRelation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RelationKind {
    /// A relation with another application on a `provides`/`requires` endpoint.
    #[default]
    Regular,
    /// The relation of a `peers` endpoint, between this application's units.
    Peer,
    /// A container-scoped relation (`scope: container`): one remote unit, the one in this
    /// unit's container.
    Subordinate,
}

/// One relation in the [`State`].
///
/// For a [`Regular`](RelationKind::Regular) or [`Subordinate`](RelationKind::Subordinate)
/// relation, `remote_units_data` holds the remote application's units (`id` ⇒ bag; unit
/// `remote_app_name/id`); for a [`Peer`](RelationKind::Peer) relation it holds the *other*
/// units of this application (`my-app/id`), and `remote_app_name` must be `None`.
///
/// ```
/// use charm_runtime::testing::{bag, Relation, PeerRelation};
/// let db = Relation::new("db")
///     .remote_app_name("postgresql")
///     .remote_app_data(bag([("database", "app")]))
///     .remote_unit(0, bag([("host", "10.0.0.7")]));
/// assert_eq!(db.remote_unit_names(), ["postgresql/0"]);
/// let peers = PeerRelation::new("replicas").peer_unit(1, bag([("ready", "true")]));
/// assert_eq!(peers.remote_app_name, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The endpoint, as the charm declares it.
    pub endpoint: String,
    /// The relation id (fresh and unique in the test by default).
    pub id: RelationId,
    /// Regular, peer or subordinate.
    pub kind: RelationKind,
    /// The remote application (`None` for a peer relation: it is this application).
    pub remote_app_name: Option<String>,
    /// This application's bag.
    pub local_app_data: Bag,
    /// This unit's bag.
    pub local_unit_data: Bag,
    /// The remote application's bag.
    pub remote_app_data: Bag,
    /// The remote units by number, with their bags (for a peer relation: the other units of
    /// this application).
    pub remote_units_data: BTreeMap<u32, Bag>,
}

impl Relation {
    /// A regular relation on `endpoint`, with remote application `remote`, no remote unit
    /// yet, empty bags and a fresh id.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Relation {
            endpoint: endpoint.into(),
            id: next_relation_id(),
            kind: RelationKind::Regular,
            remote_app_name: Some("remote".into()),
            local_app_data: Bag::new(),
            local_unit_data: Bag::new(),
            remote_app_data: Bag::new(),
            remote_units_data: BTreeMap::new(),
        }
    }
    /// A peer relation on `endpoint` (same as [`PeerRelation::new`]).
    pub fn peer(endpoint: impl Into<String>) -> Self {
        Relation {
            kind: RelationKind::Peer,
            remote_app_name: None,
            ..Relation::new(endpoint)
        }
    }
    /// A subordinate relation on `endpoint` (same as [`SubordinateRelation::new`]), with
    /// remote unit `remote/0`.
    pub fn subordinate(endpoint: impl Into<String>) -> Self {
        let mut r = Relation {
            kind: RelationKind::Subordinate,
            ..Relation::new(endpoint)
        };
        r.remote_units_data.insert(0, Bag::new());
        r
    }
    /// Sets the id.
    pub fn id(mut self, id: u32) -> Self {
        self.id = RelationId::new(id);
        self
    }
    /// Sets the remote application's name.
    pub fn remote_app_name(mut self, name: impl Into<String>) -> Self {
        self.remote_app_name = Some(name.into());
        self
    }
    /// Sets this application's bag.
    pub fn local_app_data(mut self, data: Bag) -> Self {
        self.local_app_data = data;
        self
    }
    /// Sets this unit's bag.
    pub fn local_unit_data(mut self, data: Bag) -> Self {
        self.local_unit_data = data;
        self
    }
    /// Sets the remote application's bag.
    pub fn remote_app_data(mut self, data: Bag) -> Self {
        self.remote_app_data = data;
        self
    }
    /// Adds (or replaces) remote unit number `id` with its bag.
    pub fn remote_unit(mut self, id: u32, data: Bag) -> Self {
        self.remote_units_data.insert(id, data);
        self
    }
    /// Adds (or replaces) peer unit number `id` with its bag (a peer relation's
    /// `remote_unit`).
    pub fn peer_unit(self, id: u32, data: Bag) -> Self {
        self.remote_unit(id, data)
    }
    /// The only remote unit of a subordinate relation: replaces any other.
    pub fn remote_unit_only(mut self, id: u32, data: Bag) -> Self {
        self.remote_units_data.clear();
        self.remote_units_data.insert(id, data);
        self
    }

    /// The remote application as Juju names it: `remote_app_name`, or `local_app` for a
    /// peer relation.
    pub(crate) fn remote_app_or<'a>(&'a self, local_app: &'a str) -> &'a str {
        match self.kind {
            RelationKind::Peer => local_app,
            _ => self.remote_app_name.as_deref().unwrap_or("remote"),
        }
    }

    /// The remote units' names (`remote/0`, ...), for a non-peer relation.
    pub fn remote_unit_names(&self) -> Vec<String> {
        self.remote_units_data
            .keys()
            .map(|n| {
                format!(
                    "{}/{n}",
                    self.remote_app_name.as_deref().unwrap_or("remote")
                )
            })
            .collect()
    }
}

/// A regular relation on no endpoint yet, with a fresh id: for struct literals,
/// `Relation { endpoint: "db".into(), ..Default::default() }`.
impl Default for Relation {
    fn default() -> Self {
        Relation::new("")
    }
}

/// Scenario's `PeerRelation`: makes a [`Relation`] of kind [`RelationKind::Peer`].
#[derive(Debug, Clone, Copy)]
pub struct PeerRelation;

impl PeerRelation {
    /// A peer relation on `endpoint`: no peer units yet, empty bags, a fresh id.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(endpoint: impl Into<String>) -> Relation {
        Relation::peer(endpoint)
    }
}

/// Scenario's `SubordinateRelation`: makes a [`Relation`] of kind
/// [`RelationKind::Subordinate`].
#[derive(Debug, Clone, Copy)]
pub struct SubordinateRelation;

impl SubordinateRelation {
    /// A subordinate relation on `endpoint` with remote unit `remote/0`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(endpoint: impl Into<String>) -> Relation {
        Relation::subordinate(endpoint)
    }
}

/// Who owns a [`Secret`] in the [`State`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecretOwner {
    /// This application: every unit reads it, only the leader manages it.
    App,
    /// This unit.
    Unit,
    /// Another application: this unit reads it if it was granted access.
    #[default]
    Remote,
}

/// A secret in the [`State`]: content by revision, owner, labels, grants.
///
/// ```
/// use charm_runtime::SecretContent;
/// use charm_runtime::testing::Secret;
/// let s = Secret::new(SecretContent::new().with("password", "old"))
///     .new_revision(SecretContent::new().with("password", "new"))
///     .label("db-password");
/// assert_eq!(s.latest_revision(), 2);
/// assert_eq!(s.tracked_revision, 1);   // a consumer still sees "old" until it refreshes
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The id (fresh and unique in the test by default).
    pub id: SecretId,
    /// Who owns it.
    pub owner: SecretOwner,
    /// The content of each revision (at least one).
    pub revisions: BTreeMap<u64, SecretContent>,
    /// The revision this unit tracks (a consumer sees it until it refreshes; an owner
    /// always sees the latest).
    pub tracked_revision: u64,
    /// The label this unit knows it by (the owner's label, or this consumer's).
    pub label: Option<String>,
    /// The description (owner).
    pub description: Option<String>,
    /// For a [`Remote`](SecretOwner::Remote) secret: whether this unit was granted access.
    pub granted: bool,
    /// For an owned secret: relation id ⇒ who was granted access over it (the remote
    /// application's name, or unit names).
    pub grants: BTreeMap<RelationId, BTreeSet<String>>,
    /// For an owned secret: when it expires, as given to `--expire` (an RFC 3339 time or
    /// a Go duration).
    pub expire: Option<String>,
    /// For an owned secret: its rotation policy.
    pub rotate: Option<RotatePolicy>,
}

impl Secret {
    /// A secret owned by another application and granted to this unit, with one revision
    /// (`1`), tracked.
    pub fn new(content: SecretContent) -> Self {
        Secret {
            id: next_secret_id(),
            owner: SecretOwner::Remote,
            revisions: BTreeMap::from([(1, content)]),
            tracked_revision: 1,
            label: None,
            description: None,
            granted: true,
            grants: BTreeMap::new(),
            expire: None,
            rotate: None,
        }
    }
    /// Sets the rotation policy.
    pub fn rotate(mut self, policy: RotatePolicy) -> Self {
        self.rotate = Some(policy);
        self
    }
    /// Sets the id.
    pub fn id(mut self, id: SecretId) -> Self {
        self.id = id;
        self
    }
    /// Sets the owner.
    pub fn owner(mut self, owner: SecretOwner) -> Self {
        self.owner = owner;
        self
    }
    /// Owned by this application.
    pub fn app_owned(self) -> Self {
        self.owner(SecretOwner::App)
    }
    /// Owned by this unit.
    pub fn unit_owned(self) -> Self {
        self.owner(SecretOwner::Unit)
    }
    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Adds a revision (the latest), leaving the tracked revision where it is.
    pub fn new_revision(mut self, content: SecretContent) -> Self {
        let next = self.latest_revision() + 1;
        self.revisions.insert(next, content);
        self
    }
    /// A remote secret this unit was *not* granted.
    pub fn not_granted(mut self) -> Self {
        self.granted = false;
        self
    }
    /// Records a grant over `relation` to `to` (an application or unit name).
    pub fn grant(mut self, relation: RelationId, to: impl Into<String>) -> Self {
        self.grants.entry(relation).or_default().insert(to.into());
        self
    }
    /// The latest revision number.
    pub fn latest_revision(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }
    /// The latest content.
    pub fn latest_content(&self) -> Option<&SecretContent> {
        self.revisions.values().next_back()
    }
    /// The tracked revision's content.
    pub fn tracked_content(&self) -> Option<&SecretContent> {
        self.revisions.get(&self.tracked_revision)
    }
    /// Whether this unit or its application owns it.
    pub fn is_owned(&self) -> bool {
        self.owner != SecretOwner::Remote
    }

    /// How a consumer sees this owned secret, for chaining one charm's output into another
    /// charm's input: same id and revisions, owned by a remote application, tracking the
    /// latest revision, granted if the owner granted it over `relation` to `consumer` (a
    /// unit name) or to its application.
    ///
    /// ```
    /// use charm_runtime::{RelationId, SecretContent};
    /// use charm_runtime::testing::{Secret, SecretOwner};
    /// let owned = Secret::new(SecretContent::new().with("password", "x"))
    ///     .app_owned()
    ///     .grant(RelationId::new(3), "webapp");
    /// let seen = owned.consumer_view(RelationId::new(3), "webapp/1");
    /// assert_eq!(seen.owner, SecretOwner::Remote);
    /// assert!(seen.granted);
    /// assert!(!owned.consumer_view(RelationId::new(4), "webapp/1").granted);
    /// ```
    pub fn consumer_view(&self, relation: RelationId, consumer: &str) -> Secret {
        let app = consumer.split('/').next().unwrap_or(consumer);
        let granted = self
            .grants
            .get(&relation)
            .is_some_and(|to| to.contains(consumer) || to.contains(app));
        Secret {
            owner: SecretOwner::Remote,
            label: None,
            description: None,
            grants: BTreeMap::new(),
            expire: None,
            rotate: None,
            granted,
            tracked_revision: self.latest_revision(),
            ..self.clone()
        }
    }
}

/// A storage instance attached to the unit (`<name>/<index>`).
///
/// ```
/// use charm_runtime::testing::Storage;
/// let data = Storage::new("data").index(1);
/// assert_eq!(data.id(), "data/1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The storage name, as declared.
    pub name: String,
    /// The instance number.
    pub index: u32,
    /// Where it is mounted (default: the declared `location`, else
    /// `/var/lib/juju/storage/<name>/<index>`).
    pub location: Option<PathBuf>,
}

impl Storage {
    /// Instance 0 of storage `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Storage {
            name: name.into(),
            index: 0,
            location: None,
        }
    }
    /// Sets the instance number.
    pub fn index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }
    /// Sets where it is mounted.
    pub fn location(mut self, location: impl Into<PathBuf>) -> Self {
        self.location = Some(location.into());
        self
    }
    /// `<name>/<index>`, as Juju names the instance.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// A workload container, with its Pebble: an in-memory [`FakePebble`] that
/// [`Container::pebble`](crate::workload::Container::pebble) hands the charm.
///
/// The Pebble is the live workload, not Juju state: what the charm does to it (layers,
/// services, files) happens at once and stays even if the hook fails, and the input and
/// output states share it. Inspect it after a run (`container.pebble.layers()`,
/// `.file(path)`, `.service_status(name)`), or prepare it before (`.on_exec(..)`).
///
/// ```
/// use std::collections::BTreeMap;
/// use charm_runtime::pebble::{CheckStatus, ExecOutput, Layer, Service};
/// use charm_runtime::testing::Container;
/// let c = Container::new("workload")
///     .layer("base", Layer::new().service("web", Service::new("/bin/web").enabled()))
///     .check_status("alive", CheckStatus::Down)
///     .exec(&["web", "--version"], ExecOutput { stdout: b"1.2\n".to_vec(), ..Default::default() })
///     .file("/etc/web.conf", "port = 80\n")
///     .notice("example.com/backup-done", BTreeMap::new());
/// assert!(c.can_connect);
/// assert_eq!(c.pebble.layers().len(), 1);
/// assert_eq!(c.notice_id("example.com/backup-done").as_deref(), Some("1"));
/// // A container whose Pebble does not answer yet:
/// let down = Container::new("workload").can_connect(false);
/// assert!(!down.can_connect);
/// ```
#[derive(Clone)]
pub struct Container {
    /// The container name, as declared.
    pub name: String,
    /// Whether Pebble answers (false: every call fails as before pebble-ready).
    pub can_connect: bool,
    /// The container's Pebble.
    pub pebble: Arc<FakePebble>,
}

impl Container {
    /// Container `name`, its Pebble up and empty.
    pub fn new(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            can_connect: true,
            pebble: Arc::new(FakePebble::new()),
        }
    }
    /// Sets whether Pebble answers.
    pub fn can_connect(mut self, can_connect: bool) -> Self {
        self.can_connect = can_connect;
        self
    }
    /// Uses this Pebble (e.g. one shared with another state).
    pub fn with_pebble(mut self, pebble: Arc<FakePebble>) -> Self {
        self.pebble = pebble;
        self
    }
    /// Adds a layer to the Pebble, as if added in an earlier hook.
    ///
    /// # Panics
    /// If Pebble would refuse the layer (the test's own mistake).
    pub fn layer(self, label: &str, layer: Layer) -> Self {
        if let Err(e) = self.pebble.add_layer(label, &layer, true) {
            panic!("container `{}`: layer {label:?}: {e}", self.name);
        }
        self
    }
    /// Sets a service's status (a running service: `Active`; a crashed one: `Error`).
    pub fn service_status(self, service: &str, status: ServiceStatus) -> Self {
        self.pebble.set_service_status(service, status);
        self
    }
    /// Sets a check's status as `get_checks` reports it (`Down`: it failed).
    pub fn check_status(self, check: &str, status: CheckStatus) -> Self {
        self.pebble.set_check_status(check, status);
        self
    }
    /// Answers commands starting with `prefix` (longest prefix first), as
    /// Scenario's `Exec`: stdout, stderr and exit code of `output`.
    pub fn exec(self, prefix: &[&str], output: ExecOutput) -> Self {
        self.pebble.add_exec(prefix, output);
        self
    }
    /// A file in the container (parent directories made).
    ///
    /// # Panics
    /// If `path` is not absolute or a parent is a file.
    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Self {
        let opts = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        if let Err(e) = self.pebble.push(path, content.as_ref(), &opts) {
            panic!("container `{}`: file {path:?}: {e}", self.name);
        }
        self
    }
    /// Records a custom notice, as `pebble notify` in the workload would; the
    /// first notice has id `"1"` (see [`Container::notice_id`]).
    pub fn notice(self, key: &str, data: BTreeMap<String, String>) -> Self {
        self.pebble.add_notice(key, data);
        self
    }
    /// The id of the custom notice with this key, for
    /// [`Event::pebble_custom_notice`](super::Event::pebble_custom_notice).
    pub fn notice_id(&self, key: &str) -> Option<String> {
        let query = NoticesQuery::new().types(["custom"]).keys([key]);
        let ready = self.pebble.is_ready();
        self.pebble.set_ready(true);
        let found = self.pebble.get_notices(&query).ok();
        self.pebble.set_ready(ready);
        found?.into_iter().next().map(|n| n.id)
    }
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.name)
            .field("can_connect", &self.can_connect)
            .finish_non_exhaustive()
    }
}

/// Equal when same name, same `can_connect` and the very same Pebble.
impl PartialEq for Container {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.can_connect == other.can_connect
            && Arc::ptr_eq(&self.pebble, &other.pebble)
    }
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
