//! Relations as a test describes them: regular, peer and subordinate.

use std::collections::BTreeMap;

use super::{next_relation_id, Bag};
use crate::relation::RelationId;

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
