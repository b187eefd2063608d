//! The consistency checker: a [`State`] and [`Event`] Juju could never produce are
//! rejected before the charm runs, with a message that says what is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::env::{Hook, RelationHook, SecretHook};
use crate::metadata::{CharmMeta, EndpointMeta, Scope};
use crate::relation::Role;
use crate::secret::SecretId;

use super::scenario::{event_relation, Departing, Event};
use super::state::{Relation, RelationKind, SecretOwner, State};

/// A state or event Juju could not produce; each problem is one line of the message.
#[derive(Clone, PartialEq, Eq)]
pub struct InconsistentState {
    /// What is wrong, one problem per entry.
    pub problems: Vec<String>,
}

impl fmt::Display for InconsistentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inconsistent state: ")?;
        if let [one] = self.problems.as_slice() {
            return f.write_str(one);
        }
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Same as `Display`, so `.unwrap()` in a test prints the message.
impl fmt::Debug for InconsistentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for InconsistentState {}

fn declared(meta: &CharmMeta) -> String {
    let names: Vec<&str> = meta.endpoints.iter().map(|e| e.name.as_str()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn kind_name(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Regular => "Relation",
        RelationKind::Peer => "PeerRelation",
        RelationKind::Subordinate => "SubordinateRelation",
    }
}

/// Checks `state` and `event` against the charm's declarations and Juju's rules.
pub(crate) fn check(
    meta: &CharmMeta,
    app_name: &str,
    event: &Event,
    state: &State,
) -> Result<(), InconsistentState> {
    let mut problems = Vec::new();
    check_relations(meta, state, &mut problems);
    check_config(meta, state, &mut problems);
    check_secrets(state, &mut problems);
    check_storage(meta, state, &mut problems);
    check_event(app_name, event, state, &mut problems);
    check_other_events(meta, event, state, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(InconsistentState { problems })
    }
}

fn check_relations(meta: &CharmMeta, state: &State, problems: &mut Vec<String>) {
    let mut ids = BTreeSet::new();
    let mut per_endpoint: BTreeMap<&str, u32> = BTreeMap::new();
    for rel in &state.relations {
        let key = format!("relation {} ({}:{})", rel.id, rel.endpoint, rel.id);
        if !ids.insert(rel.id) {
            problems.push(format!(
                "{key}: two relations have id {}; relation ids are unique in a model",
                rel.id
            ));
        }
        *per_endpoint.entry(&rel.endpoint).or_default() += 1;
        let Some(ep) = meta.endpoints.iter().find(|e| e.name == rel.endpoint) else {
            problems.push(format!(
                "{key}: endpoint `{}` is not declared by charm `{}` (declared: {})",
                rel.endpoint,
                meta.name,
                declared(meta)
            ));
            continue;
        };
        check_relation(state, rel, ep, &key, problems);
    }
    check_limits(meta, per_endpoint, problems);
}

/// One relation against its endpoint: the kind its role and scope call for, what a peer
/// or subordinate relation can hold, and what a non-leader can know.
fn check_relation(
    state: &State,
    rel: &Relation,
    ep: &EndpointMeta,
    key: &str,
    problems: &mut Vec<String>,
) {
    let expected = match (ep.role, ep.scope) {
        (Role::Peer, _) => RelationKind::Peer,
        (_, Some(Scope::Container)) => RelationKind::Subordinate,
        _ => RelationKind::Regular,
    };
    if rel.kind != expected {
        problems.push(format!(
            "{key}: endpoint `{}` is a {} endpoint{}, so its relation must be a {}, not a {}",
            ep.name,
            ep.role.section(),
            if expected == RelationKind::Subordinate {
                " with `scope: container`"
            } else {
                ""
            },
            kind_name(expected),
            kind_name(rel.kind)
        ));
    }
    match rel.kind {
        RelationKind::Peer => {
            if let Some(app) = &rel.remote_app_name {
                problems.push(format!(
                    "{key}: a peer relation has no remote application, but remote_app_name is `{app}` (peers are units of this application)"
                ));
            }
            if rel.remote_units_data.contains_key(&state.unit_id) {
                problems.push(format!(
                    "{key}: the peer units include this unit's own id {}; list the *other* units",
                    state.unit_id
                ));
            }
        }
        RelationKind::Subordinate => {
            if rel.remote_units_data.len() > 1 {
                problems.push(format!(
                    "{key}: a subordinate relation sees at most one remote unit (the one in this unit's container), not {}",
                    rel.remote_units_data.len()
                ));
            }
        }
        RelationKind::Regular => {}
    }
    if !state.leader && rel.kind != RelationKind::Peer && !rel.local_app_data.is_empty() {
        problems.push(format!(
            "{key}: this unit is not the leader, yet local_app_data is set: a non-leader cannot read its application's bag on a non-peer relation (Juju answers `permission denied`), so it cannot know it; leave it empty or make the unit leader"
        ));
    }
}

/// Relations per endpoint against the endpoint's `limit` (one for a peer endpoint).
fn check_limits(meta: &CharmMeta, per_endpoint: BTreeMap<&str, u32>, problems: &mut Vec<String>) {
    for (endpoint, count) in per_endpoint {
        let Some(ep) = meta.endpoints.iter().find(|e| e.name == endpoint) else {
            continue;
        };
        let limit = if ep.role == Role::Peer {
            Some(1)
        } else {
            ep.limit
        };
        if let Some(limit) = limit {
            if count > limit {
                problems.push(format!(
                    "endpoint `{endpoint}` has {count} relations but its limit is {limit}{}",
                    if ep.role == Role::Peer {
                        " (Juju creates exactly one relation per peer endpoint)"
                    } else {
                        " (Juju refuses the extra `juju integrate`: quota limit exceeded)"
                    }
                ));
            }
        }
    }
}

fn check_config(meta: &CharmMeta, state: &State, problems: &mut Vec<String>) {
    for (name, value) in &state.config {
        let Some(option) = meta.config.iter().find(|o| &o.name == name) else {
            let names: Vec<&str> = meta.config.iter().map(|o| o.name.as_str()).collect();
            let juju = juju_model::config::coerce(name, None, value).unwrap_err();
            problems.push(format!(
                "config option `{name}` is not declared by charm `{}` (declared: {}); Juju refuses it: {juju}",
                meta.name,
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ));
            continue;
        };
        if let Err(juju) = juju_model::config::coerce(name, Some(option.kind.as_str()), value) {
            problems.push(format!(
                "config option `{name}` is of type {}, and Juju refuses the state's {value}: {juju}",
                option.kind.as_str()
            ));
        }
    }
}

fn check_secrets(state: &State, problems: &mut Vec<String>) {
    let mut ids = BTreeSet::new();
    for s in &state.secrets {
        if !ids.insert(s.id.xid().to_string()) {
            problems.push(format!("secret {}: two secrets have this id", s.id));
        }
        if s.revisions.is_empty() {
            problems.push(format!("secret {}: it has no revision", s.id));
        } else if !s.revisions.contains_key(&s.tracked_revision) {
            problems.push(format!(
                "secret {}: tracked revision {} is not one of its revisions ({})",
                s.id,
                s.tracked_revision,
                s.revisions
                    .keys()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for grant in s.grants.keys() {
            if !s.is_owned() {
                problems.push(format!(
                    "secret {}: only its owner knows its grants, and this unit does not own it",
                    s.id
                ));
                break;
            }
            if state.get_relation(*grant).is_none() {
                problems.push(format!(
                    "secret {}: granted over relation {grant}, which is not in the state (grants go away with their relation)",
                    s.id
                ));
            }
        }
    }
}

fn check_event(app_name: &str, event: &Event, state: &State, problems: &mut Vec<String>) {
    if let Some((id, endpoint)) = event_relation(event) {
        let Some(rel) = state.get_relation(id) else {
            problems.push(format!(
                "the event {} is about relation {id} ({endpoint}:{id}), which is not in the state (add the relation to State::relations)",
                event.name()
            ));
            return;
        };
        check_relation_event(app_name, event, rel, endpoint, problems);
    }
    if let (Hook::Secret(kind), Some(id)) = (&event.hook, &event.secret) {
        check_secret_event(event, kind, id, state, problems);
    }
}

/// A relation event against its relation: the endpoint, and the remote unit that joins,
/// changes or departs being one of its units.
fn check_relation_event(
    app_name: &str,
    event: &Event,
    rel: &Relation,
    endpoint: &str,
    problems: &mut Vec<String>,
) {
    let id = rel.id;
    if rel.endpoint != endpoint {
        problems.push(format!(
            "the event {} is about relation {id} on `{endpoint}`, but relation {id} in the state is on `{}`",
            event.name(),
            rel.endpoint
        ));
    }
    let remote = rel.remote_app_or(app_name);
    let known = |n: u32| rel.remote_units_data.contains_key(&n);
    let units = || {
        let list: Vec<String> = rel
            .remote_units_data
            .keys()
            .map(|n| format!("{remote}/{n}"))
            .collect();
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    };
    if let Hook::Relation { kind, .. } = &event.hook {
        match kind {
            RelationHook::Joined | RelationHook::Changed => {
                if let Some(n) = event.remote_unit.filter(|n| !known(*n)) {
                    problems.push(format!(
                        "the event {} is about remote unit {remote}/{n}, which is not in relation {id} (its units: {}); add it with remote_unit({n}, ..)",
                        event.name(),
                        units()
                    ));
                }
            }
            RelationHook::Departed => {
                if let Some(Departing::Remote(n)) = event.departing {
                    if !known(n) {
                        problems.push(format!(
                            "the departing unit {remote}/{n} is not in relation {id} (its units: {}): only a member can depart",
                            units()
                        ));
                    }
                } else if let Some(n) = event.remote_unit.filter(|n| !known(*n)) {
                    problems.push(format!(
                        "the event {} is about remote unit {remote}/{n}, which is not in relation {id} (its units: {})",
                        event.name(),
                        units()
                    ));
                }
            }
            RelationHook::Created | RelationHook::Broken => {}
        }
    }
}

/// A secret event against the secret: consumers get secret-changed, the owner (the leader
/// for an application's secret) the others, about a revision the secret has.
fn check_secret_event(
    event: &Event,
    kind: &SecretHook,
    id: &SecretId,
    state: &State,
    problems: &mut Vec<String>,
) {
    let name = event.name();
    let Some(secret) = state.get_secret(id) else {
        problems.push(format!(
            "the event {name} is about secret {id}, which is not in the state: this unit cannot see it"
        ));
        return;
    };
    match kind {
        SecretHook::Changed => {
            if secret.is_owned() {
                problems.push(format!(
                    "secret-changed goes to the consumers of a secret, but this unit's {} owns secret {id} (owners get secret-rotate, secret-remove, secret-expired)",
                    if secret.owner == SecretOwner::App { "application" } else { "unit" }
                ));
            } else if !secret.granted {
                problems.push(format!(
                    "the event {name} is about secret {id}, which was not granted to this unit: it cannot see it"
                ));
            }
        }
        SecretHook::Rotate | SecretHook::Remove | SecretHook::Expired => {
            if !secret.is_owned() {
                problems.push(format!(
                    "{name} goes to the owner of a secret, and this unit does not own secret {id} (set its owner to SecretOwner::App or SecretOwner::Unit)"
                ));
            } else if secret.owner == SecretOwner::App && !state.leader {
                problems.push(format!(
                    "{name} of application-owned secret {id} goes to the leader only; this unit is not the leader"
                ));
            }
            if let Some(rev) = event.secret_revision {
                if !secret.revisions.contains_key(&rev) {
                    problems.push(format!(
                        "{name} is about revision {rev} of secret {id}, which has no such revision (latest: {})",
                        secret.latest_revision()
                    ));
                }
            }
        }
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn check_storage(meta: &CharmMeta, state: &State, problems: &mut Vec<String>) {
    let mut containers = BTreeSet::new();
    for c in &state.containers {
        if !containers.insert(c.name.as_str()) {
            problems.push(format!(
                "container `{}`: two containers have this name",
                c.name
            ));
        }
        if !meta.containers.iter().any(|d| d.name == c.name) {
            problems.push(format!(
                "container `{}` is not declared by charm `{}` (declared: {})",
                c.name,
                meta.name,
                names(meta.containers.iter().map(|d| d.name.as_str()))
            ));
        }
    }
    let mut ids = BTreeSet::new();
    for s in &state.storages {
        if !ids.insert(s.id()) {
            problems.push(format!("storage {}: two instances have this id", s.id()));
        }
        if !meta.storage.iter().any(|d| d.name == s.name) {
            problems.push(format!(
                "storage {}: storage `{}` is not declared by charm `{}` (declared: {})",
                s.id(),
                s.name,
                meta.name,
                names(meta.storage.iter().map(|d| d.name.as_str()))
            ));
        }
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn check_other_events(meta: &CharmMeta, event: &Event, state: &State, problems: &mut Vec<String>) {
    match &event.hook {
        Hook::Action(name) => check_action_event(meta, name, event, problems),
        Hook::Storage { name, .. } => {
            let id = event.storage.clone().unwrap_or_default();
            if !meta.storage.iter().any(|s| &s.name == name) {
                problems.push(format!(
                    "the event {} is about storage `{name}`, which charm `{}` does not declare (declared: {})",
                    event.name(),
                    meta.name,
                    names(meta.storage.iter().map(|s| s.name.as_str()))
                ));
            } else if state.get_storage(&id).is_none() {
                problems.push(format!(
                    "the event {} is about storage instance {id}, which is not in the state (add it to State::storages)",
                    event.name()
                ));
            }
        }
        Hook::Workload { container, kind } => {
            if !meta.containers.iter().any(|c| &c.name == container) {
                problems.push(format!(
                    "the event {} is about container `{container}`, which charm `{}` does not declare (declared: {})",
                    event.name(),
                    meta.name,
                    names(meta.containers.iter().map(|c| c.name.as_str()))
                ));
            } else {
                match state.get_container(container) {
                    None => problems.push(format!(
                        "the event {} is about container `{container}`, which is not in the state (add it to State::containers)",
                        event.name()
                    )),
                    Some(c) if !c.can_connect && *kind == crate::env::WorkloadHook::Ready => {
                        problems.push(format!(
                            "{} fires once Pebble answers, but container `{container}` has can_connect false",
                            event.name()
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        _ => {}
    }
}

/// An action event against the action's declaration: declared, its parameters known and
/// of their type, the required ones given.
fn check_action_event(meta: &CharmMeta, name: &str, event: &Event, problems: &mut Vec<String>) {
    let Some(action) = meta.actions.iter().find(|a| a.name == name) else {
        problems.push(format!(
            "action `{name}` is not declared by charm `{}` (declared: {})",
            meta.name,
            names(meta.actions.iter().map(|a| a.name.as_str()))
        ));
        return;
    };
    for (param, value) in &event.action_params {
        let Some(spec) = action.params.iter().find(|p| &p.name == param) else {
            problems.push(format!(
                "action `{name}` has no parameter `{param}` (its parameters: {}); Juju refuses unknown parameters",
                names(action.params.iter().map(|p| p.name.as_str()))
            ));
            continue;
        };
        if let Some(expected) = spec.schema.get("type").and_then(|t| t.as_str()) {
            let got = json_type(value);
            let fits = got == expected || (expected == "number" && got == "integer");
            if !fits {
                problems.push(format!(
                    "action `{name}`, parameter `{param}`: expected {expected}, got {got} ({value})"
                ));
            }
        }
    }
    for spec in action.params.iter().filter(|p| p.required) {
        if !event.action_params.contains_key(&spec.name) && spec.schema.get("default").is_none() {
            problems.push(format!(
                "action `{name}` requires parameter `{}`, which the event does not give",
                spec.name
            ));
        }
    }
}
