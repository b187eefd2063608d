//! The in-memory backend's adapter to `juju_model`: a [`State`] seen from its unit, as a
//! [`juju_model::Model`], and the way back: a hook's [`Pending`] changes applied to a
//! [`State`].
//!
//! A Scenario state is one unit's view, so some of the model is taken as given: every
//! relation in the state is joined, a secret owned by another application is read over a
//! grant to this unit (model-scoped: the state does not say over which relation), and the
//! remote end of a relation has this end's endpoint name.

use std::collections::BTreeMap;

use juju_model::{Bag, Consumer, Grant, Grantee, Owner, Pending, RelationInfo, Scope, Secrets};
use juju_model::{NetworkInfo, OpenedPorts, PortRange, Status as CoreStatus, StorageInstance};
use serde_json::{Map, Value};

use crate::port::Port;
use crate::relation::{RelationId, Role};
use crate::secret::{RotatePolicy, SecretContent, SecretId};
use crate::status::{Status, StatusKind};

use super::backend::Setup;
use super::state::{RelationKind, Secret, SecretOwner, State, Storage};

/// `State` as its unit's hook sees it.
pub(crate) struct MemoryView<'a> {
    pub state: &'a State,
    pub setup: &'a Setup,
    pub unit: &'a str,
    /// The state's secrets, as the core keeps them.
    pub secrets: &'a Secrets,
}

impl<'a> MemoryView<'a> {
    fn find(&self, id: u32) -> Option<&'a super::state::Relation> {
        self.state
            .relations
            .iter()
            .find(|r| r.id == RelationId::new(id))
    }
}

impl juju_model::Model for MemoryView<'_> {
    fn model_uuid(&self) -> &str {
        &self.state.model_uuid
    }
    fn unit(&self) -> &str {
        self.unit
    }
    fn app(&self) -> &str {
        &self.setup.app_name
    }
    fn is_leader(&self) -> bool {
        self.state.leader
    }
    fn config(&self) -> Map<String, Value> {
        self.setup.config.clone()
    }
    fn relation_ids(&self) -> Vec<u32> {
        self.state.relations.iter().map(|r| r.id.number()).collect()
    }
    fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
        let r = self.find(id)?;
        Some(RelationInfo {
            id,
            endpoint: &r.endpoint,
            remote_app: r.remote_app_or(&self.setup.app_name),
            peer: r.kind == RelationKind::Peer,
            joined: true,
            dying: false,
        })
    }
    /// The requirer first; the remote endpoint named as this one.
    fn relation_key(&self, id: u32) -> String {
        let Some(r) = self.find(id) else {
            return id.to_string();
        };
        let app = &self.setup.app_name;
        let local = format!("{app}:{}", r.endpoint);
        let remote = format!("{}:{}", r.remote_app_or(app), r.endpoint);
        match (r.kind, self.setup.roles.get(&r.endpoint)) {
            (RelationKind::Peer, _) => local,
            (_, Some(Role::Provider)) => format!("{remote} {local}"),
            _ => format!("{local} {remote}"),
        }
    }
    fn members(&self, id: u32) -> Vec<String> {
        let Some(r) = self.find(id) else {
            return Vec::new();
        };
        let app = r.remote_app_or(&self.setup.app_name);
        r.remote_units_data
            .keys()
            .map(|n| format!("{app}/{n}"))
            .filter(|u| u != self.unit)
            .collect()
    }
    fn app_bag(&self, id: u32, app: &str) -> Option<&Bag> {
        let r = self.find(id)?;
        if app == self.setup.app_name {
            Some(&r.local_app_data)
        } else if app == r.remote_app_or(&self.setup.app_name) {
            Some(&r.remote_app_data)
        } else {
            None
        }
    }
    fn unit_bag(&self, id: u32, unit: &str) -> Option<&Bag> {
        let r = self.find(id)?;
        if unit == self.unit {
            return Some(&r.local_unit_data);
        }
        let (app, n) = unit.split_once('/')?;
        if app != r.remote_app_or(&self.setup.app_name) {
            return None;
        }
        r.remote_units_data.get(&n.parse().ok()?)
    }
    /// With `planned_units`, units `0..n` (and this one); otherwise this unit and the
    /// peers of its peer relations.
    fn app_units(&self, app: &str) -> Vec<String> {
        let own = &self.setup.app_name;
        let mut units: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        if app == own {
            units.insert(self.unit.to_string());
            match self.state.planned_units {
                Some(n) => units.extend((0..n).map(|i| format!("{own}/{i}"))),
                None => {
                    for r in self
                        .state
                        .relations
                        .iter()
                        .filter(|r| r.kind == RelationKind::Peer)
                    {
                        units.extend(r.remote_units_data.keys().map(|n| format!("{own}/{n}")));
                    }
                }
            }
        } else {
            for r in &self.state.relations {
                if r.kind != RelationKind::Peer && r.remote_app_or(own) == app {
                    units.extend(r.remote_unit_names());
                }
            }
        }
        units.into_iter().collect()
    }
    /// Beyond `planned_units`, this application's units are going away.
    fn unit_dying(&self, unit: &str) -> bool {
        let own = &self.setup.app_name;
        match (self.state.planned_units, unit.split_once('/')) {
            (Some(n), Some((app, i))) if app == own => i.parse::<u32>().is_ok_and(|i| i >= n),
            _ => false,
        }
    }
    fn opened_ports(&self) -> OpenedPorts {
        let ranges = self.state.opened_ports.iter().map(to_range).collect();
        let mut ports = OpenedPorts::new();
        if !self.state.opened_ports.is_empty() {
            ports.insert(String::new(), ranges);
        }
        ports
    }
    fn address(&self) -> String {
        DEFAULT_ADDRESS.into()
    }
    fn has_binding(&self, name: &str) -> bool {
        self.setup.roles.contains_key(name)
    }
    fn network(&self, binding: &str) -> Option<NetworkInfo> {
        if let Some(n) = self.state.networks.get(binding) {
            return Some(n.clone());
        }
        (binding == "juju-info" || self.has_binding(binding))
            .then(|| NetworkInfo::single(DEFAULT_ADDRESS))
    }
    fn declares_storage(&self, name: &str) -> bool {
        self.setup.storage.contains_key(name)
    }
    fn resource(&self, name: &str) -> Option<String> {
        self.state
            .resources
            .get(name)
            .map(|p| p.display().to_string())
    }
    fn cloud_spec(&self) -> Option<Value> {
        let spec = self.state.cloud_spec.as_ref()?;
        serde_json::to_value(spec).ok()
    }
    fn unit_status(&self, unit: &str) -> CoreStatus {
        if unit == self.unit {
            to_core(&self.state.unit_status)
        } else {
            CoreStatus::unknown()
        }
    }
    fn app_status(&self) -> Option<CoreStatus> {
        Some(to_core(&self.state.app_status))
    }
    fn charm_state(&self) -> &Bag {
        &self.state.charm_state
    }
    fn secrets(&self) -> &Secrets {
        self.secrets
    }
    fn storage(&self) -> Vec<StorageInstance> {
        self.state
            .storages
            .iter()
            .map(|s| {
                let (kind, declared) = self
                    .setup
                    .storage
                    .get(&s.name)
                    .cloned()
                    .unwrap_or_else(|| ("filesystem".into(), None));
                let location = s
                    .location
                    .as_ref()
                    .map(|l| l.display().to_string())
                    .or(declared)
                    .unwrap_or_else(|| format!("/var/lib/juju/storage/{}/{}", s.name, s.index));
                StorageInstance {
                    id: s.id(),
                    name: s.name.clone(),
                    kind,
                    location,
                }
            })
            .collect()
    }
}

/// The unit address a Scenario state has unless it says otherwise (as in `ops`'
/// Scenario: an address of TEST-NET-1, RFC 5737).
const DEFAULT_ADDRESS: &str = "192.0.2.0";

/// A port as the core keeps it.
fn to_range(port: &Port) -> PortRange {
    match port.port() {
        None => PortRange {
            protocol: "icmp".into(),
            from: -1,
            to: -1,
        },
        Some(from) => PortRange {
            protocol: port.protocol().as_str().into(),
            from: i32::from(from),
            to: i32::from(port.to_port().unwrap_or(from)),
        },
    }
}

/// A port from the core (ports outside `u16`, which Juju refuses, are dropped).
fn from_range(range: &PortRange) -> Option<Port> {
    let port = |p: i32| u16::try_from(p).ok();
    Some(match range.protocol.as_str() {
        "icmp" => Port::icmp(),
        "udp" => Port::udp_range(port(range.from)?, port(range.to)?),
        _ => Port::tcp_range(port(range.from)?, port(range.to)?),
    })
}

/// A status as the core keeps it.
pub(crate) fn to_core(status: &Status) -> CoreStatus {
    CoreStatus::new(status.kind().as_str(), status.message())
}

/// A status from the core (one a charm could set, or `unknown`).
pub(crate) fn from_core(status: &CoreStatus) -> Status {
    let kind = StatusKind::parse(&status.status).unwrap_or(StatusKind::Unknown);
    Status::new(kind, status.message.clone())
}

/// The state's secrets as the core keeps them, from `unit` of `app`'s point of view.
pub(crate) fn core_secrets(state: &State, app: &str, unit: &str) -> Secrets {
    state
        .secrets
        .iter()
        .map(|s| {
            let xid = s.id.xid().to_string();
            let owned = s.is_owned();
            let owner = match s.owner {
                SecretOwner::App => Owner::App(app.to_string()),
                SecretOwner::Unit => Owner::Unit(unit.to_string()),
                // Another application, unnamed in the state: a name no application has.
                SecretOwner::Remote => Owner::App(String::new()),
            };
            let mut core = juju_model::Secret::new(xid.clone(), owner, Bag::new());
            core.revisions = s
                .revisions
                .iter()
                .map(|(r, c)| (*r, c.iter().map(|(k, v)| (k.into(), v.into())).collect()))
                .collect();
            core.latest = s.latest_revision();
            core.description = s.description.clone();
            if owned {
                core.label = s.label.clone();
                core.expire = s.expire.clone();
                core.rotate = s.rotate.map(|r| r.as_str().to_string());
                core.grants = s
                    .grants
                    .iter()
                    .flat_map(|(rel, to)| {
                        to.iter()
                            .map(move |t| grant(Scope::Relation(rel.number()), t))
                    })
                    .collect();
            } else {
                if s.granted {
                    core.grants.insert(grant(Scope::Model, unit));
                }
                let tracked = s.tracked_revision;
                let consumer = Consumer {
                    label: s.label.clone(),
                    tracked,
                    notified: tracked,
                };
                core.consumers.insert(unit.to_string(), consumer);
            }
            (xid, core)
        })
        .collect()
}

fn grant(scope: Scope, to: &str) -> Grant {
    let to = if to.contains('/') {
        Grantee::Unit(to.to_string())
    } else {
        Grantee::App(to.to_string())
    };
    Grant { scope, to }
}

/// Applies a hook's changes to `state`: the immediate ones, and the transactional ones
/// if `commit`.
pub(crate) fn apply(state: &mut State, pending: &Pending, commit: bool, unit: &str) {
    if let Some(s) = &pending.unit_status {
        state.unit_status = from_core(s);
    }
    if let Some(s) = &pending.app_status {
        state.app_status = from_core(s);
    }
    if let Some(v) = &pending.app_version {
        state.workload_version = Some(v.clone());
    }
    if !commit {
        return;
    }
    for ((id, owner), bag) in &pending.relation_data {
        let Some(r) = state.get_relation_mut(RelationId::new(*id)) else {
            continue;
        };
        if owner == unit {
            r.local_unit_data = bag.clone();
        } else {
            r.local_app_data = bag.clone();
        }
    }
    if let Some(s) = &pending.charm_state {
        state.charm_state = s.clone();
    }
    if let Some(p) = &pending.ports {
        state.opened_ports = juju_model::unique_ranges(p)
            .iter()
            .filter_map(from_range)
            .collect();
    }
    for (name, count) in &pending.storage_add {
        for _ in 0..*count {
            let index = state
                .storages
                .iter()
                .filter(|s| &s.name == name)
                .map(|s| s.index + 1)
                .max()
                .unwrap_or(0);
            state.storages.push(Storage::new(name.clone()).index(index));
        }
    }
    if let Some(secrets) = &pending.secrets {
        state.secrets = scenario_secrets(&state.secrets, secrets, unit, &state.model_uuid);
    }
}

/// The core's secrets back as the state's: the state's own updated (or gone), then the
/// new ones.
fn scenario_secrets(before: &[Secret], after: &Secrets, unit: &str, uuid: &str) -> Vec<Secret> {
    let mut out: Vec<Secret> = before
        .iter()
        .filter_map(|s| Some(updated(s.clone(), after.get(s.id.xid())?, unit)))
        .collect();
    for (xid, core) in after {
        if before.iter().any(|s| s.id.xid() == xid) {
            continue;
        }
        let uri = juju_model::names::secret_uri(uuid, xid);
        let Some(id) = SecretId::parse(&uri) else {
            continue;
        };
        let owner = match core.owner {
            Owner::App(_) => SecretOwner::App,
            Owner::Unit(_) => SecretOwner::Unit,
        };
        let first = Secret::new(SecretContent::new()).id(id).owner(owner);
        out.push(updated(first, core, unit));
    }
    out
}

/// `s` with what the core says of it now.
fn updated(mut s: Secret, core: &juju_model::Secret, unit: &str) -> Secret {
    s.revisions = core
        .revisions
        .iter()
        .map(|(r, c)| (*r, SecretContent::from(c.clone())))
        .collect();
    s.description = core.description.clone();
    if s.is_owned() {
        s.label = core.label.clone();
        s.expire = core.expire.clone();
        s.rotate = core.rotate.as_deref().and_then(RotatePolicy::parse);
        let mut grants: BTreeMap<RelationId, _> = BTreeMap::new();
        for g in &core.grants {
            if let Scope::Relation(rel) = g.scope {
                let to: &mut std::collections::BTreeSet<String> =
                    grants.entry(RelationId::new(rel)).or_default();
                to.insert(g.to.name().to_string());
            }
        }
        s.grants = grants;
    } else if let Some(c) = core.consumers.get(unit) {
        s.label = c.label.clone();
        s.tracked_revision = c.tracked;
    }
    s
}
