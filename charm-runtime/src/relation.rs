//! Relations: typed endpoint handles, the [`Relation`] handle and its databags.
//!
//! Which bags a unit may read and write is Juju's rule (research/juju-contract.md §3.2),
//! and here it is in the types: the remote bags are [`ReadOnly`],
//! the unit's own bag is writable, and the application's own bag needs a
//! [`Leader`] proof.
//!
//! ## A secret id belongs to the relation it arrived on
//!
//! A provider shares a secret by granting it to a relation and publishing its id in a
//! databag of that relation. Nothing in Juju lets the consumer check which relation a
//! secret was granted for: a provider on one relation may publish the id of a secret
//! another provider granted on another one (an SMTP relay naming the database's
//! credentials), and `secret-get` would read it. [`DataBag::get_secret`] closes that:
//! the first relation an id is read through is recorded in the unit's charm state, and
//! the id is refused on every other relation while that one exists.
//!
//! ## Names
//!
//! Remote application and unit names come from Juju, which validates them;
//! [`is_application_name`] and [`is_unit_name`] are Juju's rules, for a charm that builds
//! keys, labels or file names from them and wants to be sure.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::backend::LogLevel;
use crate::databag::{DataBag, ReadOnly, ReadWrite};
use crate::error::{Error, Result};
use crate::model::{Leader, ModelInner};
use crate::secret::SecretId;

/// The charm-state key holding, for each secret id read through a relation, that relation
/// (`{"<xid>": "<endpoint>:<id>"}`, JSON). Keys starting `charm-rs.` are the framework's.
pub const SECRET_RELATIONS_KEY: &str = "charm-rs.secret-relations";

/// Whether the relation `endpoint:id` exists in this hook (not being broken).
fn relation_exists(model: &ModelInner, key: &str) -> Result<bool> {
    let Some((endpoint, id)) = key.rsplit_once(':') else {
        return Ok(false);
    };
    match (model.role(endpoint), RelationId::parse(id)) {
        (Some(_), Some(id)) => Ok(model.relation_ids(endpoint)?.contains(&id)),
        // An endpoint this version of the charm no longer declares.
        _ => Ok(false),
    }
}

/// Whether `name` is an application name Juju accepts: `[a-z][a-z0-9]*` then any number of
/// `-` and a part of `[a-z0-9]` with at least one letter (`ApplicationSnippet` in
/// juju/names `application.go`).
///
/// ```
/// use charm_runtime::relation::is_application_name;
/// assert!(is_application_name("my-web-app2"));
/// assert!(!is_application_name("web-2") && !is_application_name("Web") && !is_application_name("a--b"));
/// ```
pub fn is_application_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let lower_alnum = |p: &str| {
        p.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    parts.next().is_some_and(|first| {
        first.starts_with(|c: char| c.is_ascii_lowercase()) && lower_alnum(first)
    }) && parts.all(|p| lower_alnum(p) && p.bytes().any(|c| c.is_ascii_lowercase()))
}

/// Whether `name` is a unit name Juju accepts: an application name, `/`, and a number
/// without leading zeros (`validUnit` in juju/names `unit.go`).
///
/// ```
/// use charm_runtime::relation::is_unit_name;
/// assert!(is_unit_name("webapp/0") && is_unit_name("webapp/12"));
/// assert!(!is_unit_name("webapp/012") && !is_unit_name("webapp") && !is_unit_name("../x/0"));
/// ```
pub fn is_unit_name(name: &str) -> bool {
    name.split_once('/').is_some_and(|(app, number)| {
        is_application_name(app)
            && (number == "0"
                || (number.starts_with(|c: char| ('1'..='9').contains(&c))
                    && number.bytes().all(|c| c.is_ascii_digit())))
    })
}

/// A relation's number, unique in the model (`db:3` is relation 3 of endpoint `db`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationId(u32);

impl RelationId {
    /// A relation id from its number.
    pub const fn new(number: u32) -> Self {
        RelationId(number)
    }
    /// Parses `3` or `db:3` (Juju's `JUJU_RELATION_ID` and `relation-ids` form).
    ///
    /// ```
    /// use charm_runtime::RelationId;
    /// assert_eq!(RelationId::parse("db:3"), Some(RelationId::new(3)));
    /// assert_eq!(RelationId::parse("7"), Some(RelationId::new(7)));
    /// assert_eq!(RelationId::parse("db:x"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        s.rsplit(':').next()?.parse().ok().map(RelationId)
    }
    /// The number.
    pub fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The role of an endpoint, as declared in `charmcraft.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `peers:` — a relation between the units of this application.
    Peer,
    /// `provides:`
    Provider,
    /// `requires:`
    Requirer,
}

impl Role {
    /// The `charmcraft.yaml` section name.
    pub fn section(self) -> &'static str {
        match self {
            Role::Peer => "peers",
            Role::Provider => "provides",
            Role::Requirer => "requires",
        }
    }
}

/// Marker: at most one relation on this endpoint (`limit: 1`, or a peer endpoint).
#[derive(Debug, Clone, Copy)]
pub struct One;
/// Marker: any number of relations on this endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Many;

/// Marker types for an endpoint's role.
pub mod role {
    /// `peers:`
    #[derive(Debug, Clone, Copy)]
    pub struct Peers;
    /// `provides:`
    #[derive(Debug, Clone, Copy)]
    pub struct Provides;
    /// `requires:`
    #[derive(Debug, Clone, Copy)]
    pub struct Requires;
}

/// A typed endpoint handle, generated by `#[derive(Charm)]` as an associated constant
/// (`Self::DB` for endpoint `db`, `Self::LOG_FORWARDER` for `log-forwarder`).
///
/// `M` says how many relations it can have: [`Context::relation`](crate::Context::relation)
/// takes only [`One`]-endpoints, [`Context::relations`](crate::Context::relations) takes any.
pub struct Endpoint<R, M = Many> {
    name: &'static str,
    _marker: PhantomData<fn() -> (R, M)>,
}

impl<R, M> Endpoint<R, M> {
    /// An endpoint handle (the derive makes these; charm code uses the constants).
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Endpoint {
            name,
            _marker: PhantomData,
        }
    }
    /// The endpoint name as in `charmcraft.yaml`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<R, M> Clone for Endpoint<R, M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R, M> Copy for Endpoint<R, M> {}
impl<R, M> fmt::Debug for Endpoint<R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.name)
    }
}

/// One relation: an integration of this application's endpoint with another application
/// (or, for a peer endpoint, with its own units).
///
/// Cheap to clone; reads are lazy and cached for the hook; writes are flushed once per
/// databag when the hook's handlers all succeed.
#[derive(Clone)]
pub struct Relation {
    pub(crate) model: Rc<ModelInner>,
    pub(crate) id: RelationId,
    pub(crate) endpoint: Rc<str>,
    pub(crate) role: Role,
    pub(crate) remote_app: Option<String>,
    pub(crate) active: bool,
}

impl fmt::Debug for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Relation({}:{})", self.endpoint, self.id)
    }
}

impl Relation {
    /// The relation's id.
    pub fn id(&self) -> RelationId {
        self.id
    }
    /// The endpoint name.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
    /// `endpoint:id`, as Juju writes it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
    /// The endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Whether this is a peer relation.
    pub fn is_peer(&self) -> bool {
        self.role == Role::Peer
    }
    /// False in the relation's own `relation-broken` hook: it is going away.
    pub fn active(&self) -> bool {
        self.active
    }

    /// The remote application's name (this application's, for a peer relation).
    pub fn remote_app(&self) -> Result<Option<String>> {
        if let Some(app) = &self.remote_app {
            return Ok(Some(app.clone()));
        }
        self.model.remote_app(self.id)
    }

    /// The remote units currently in the relation, sorted (peer units, for a peer relation):
    /// Juju's `relation-list`, as `ops`' `Relation.units`.
    ///
    /// In `<endpoint>-relation-departed` the departing unit is no longer listed (Juju has
    /// removed it from the relation already); its databag stays readable for that hook:
    /// [`remote_unit_data`](Self::remote_unit_data) of `event.departing_unit()`, as `ops`
    /// keeps `relation.data[event.departing_unit]`. In `relation-broken`, no unit.
    pub fn units(&self) -> Result<Vec<String>> {
        if !self.active {
            return Ok(Vec::new());
        }
        self.model.units(self.id)
    }

    /// The remote application's databag: readable by every unit, writable by none.
    pub fn remote_app_data(&self) -> Result<DataBag<'_, ReadOnly>> {
        let app = self.remote_app()?.ok_or_else(|| Error::RelationNotFound {
            relation: format!("{} (remote application unknown)", self.key()),
        })?;
        Ok(DataBag::new(self, app, true))
    }

    /// A remote unit's databag: readable, never writable.
    pub fn remote_unit_data(&self, unit: &str) -> DataBag<'_, ReadOnly> {
        DataBag::new(self, unit.to_string(), false)
    }

    /// This unit's own databag: readable and writable.
    pub fn local_unit_data(&self) -> DataBag<'_, ReadWrite> {
        DataBag::new(self, self.model.env.unit_name.clone(), false)
    }

    /// This application's own databag: readable and writable by the leader only, so it
    /// takes the [`Leader`] proof that [`Context::leader`](crate::Context::leader) returns.
    pub fn local_app_data(&self, _leader: &Leader) -> DataBag<'_, ReadWrite> {
        DataBag::new(self, self.model.env.app_name.clone(), true)
    }

    /// Ties secret `id` to this relation, on first use (see [`DataBag::get_secret`]).
    /// `Some(that relation)` if it is tied to another relation that still exists.
    pub(crate) fn bind_secret(&self, id: &SecretId) -> Result<Option<String>> {
        let mine = self.key();
        let bound: BTreeMap<String, String> =
            match self.model.state_get(SECRET_RELATIONS_KEY)? {
                None => BTreeMap::new(),
                Some(raw) => serde_json::from_str(&raw).unwrap_or_else(|e| {
                    self.model.log(
                        LogLevel::Warning,
                        &format!("charm state `{SECRET_RELATIONS_KEY}` is not a JSON map ({e}); starting afresh"),
                    );
                    BTreeMap::new()
                }),
            };
        match bound.get(id.xid()) {
            Some(owner) if *owner == mine => return Ok(None),
            Some(owner) if relation_exists(&self.model, owner)? => return Ok(Some(owner.clone())),
            // A relation going away ties nothing to itself.
            _ if !self.active => return Ok(None),
            _ => {}
        }
        // What was tied to relations now gone goes (their grants went with them).
        let mut live = BTreeMap::new();
        for (xid, relation) in bound {
            if relation_exists(&self.model, &relation)? {
                live.insert(xid, relation);
            }
        }
        live.insert(id.xid().to_string(), mine);
        let json = serde_json::to_string(&live).map_err(|e| Error::msg(e.to_string()))?;
        self.model.state_write(SECRET_RELATIONS_KEY, Some(json));
        Ok(None)
    }

    /// On a peer relation, every unit may read the application's bag (only the leader
    /// writes it, through [`local_app_data`](Self::local_app_data)).
    ///
    /// On any other relation this is an error: only the leader may read its own
    /// application's bag there.
    pub fn peer_app_data(&self) -> Result<DataBag<'_, ReadOnly>> {
        if !self.is_peer() {
            return Err(Error::PermissionDenied {
                what: format!(
                    "reading this application's databag on {} without leadership: it is a {} endpoint, not a peer one; use local_app_data(&leader)",
                    self.key(),
                    self.role.section()
                ),
            });
        }
        Ok(DataBag::new(self, self.model.env.app_name.clone(), true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn juju_names() {
        for ok in ["a", "webapp", "my-web-app2", "a1-b2c", "pg-k8s", "x-1a"] {
            assert!(is_application_name(ok), "{ok}");
        }
        for bad in [
            "", "1a", "-a", "a-", "a--b", "web-2", "Web", "a_b", "a.b", "a/0", "é",
        ] {
            assert!(!is_application_name(bad), "{bad}");
        }
        for ok in ["a/0", "my-web-app/10", "webapp/1234"] {
            assert!(is_unit_name(ok), "{ok}");
        }
        for bad in [
            "a", "a/", "a/01", "a/-1", "a/1/2", "/0", "A/0", "a/0 ", "a/x",
        ] {
            assert!(!is_unit_name(bad), "{bad}");
        }
    }
}
