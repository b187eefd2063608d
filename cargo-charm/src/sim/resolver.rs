//! Which hook a unit runs next, and how committing it advances the unit's view
//! (the simulator's version of the uniter's resolvers).

use juju_model::names::app_of;
use juju_model::Owner;

use super::hook::{Hook, HookKind};
use super::state::{cmp_units, RelLocal, State, Unit};

fn rel_hook(kind: HookKind, state: &State, unit: &Unit, rel: u32) -> Hook {
    let r = &state.relations[&rel];
    let mut h = Hook::unit(kind);
    h.relation = Some(rel);
    h.endpoint = r.endpoint_of(&unit.app).map(str::to_string);
    h.remote_app = Some(r.remote_app(&unit.app).to_string());
    h.remote_unit = Some(String::new());
    h
}

/// The first unit of `it` in unit order.
fn first<'a>(it: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    it.min_by(|a, b| cmp_units(a, b))
}

/// The next hook for one relation, following Juju's `nextHookForRelation`.
fn next_relation_hook(state: &State, unit: &Unit, rel: u32, local: &RelLocal) -> Option<Hook> {
    let r = &state.relations[&rel];
    let mk = |kind: HookKind, remote: Option<&String>| {
        let mut h = rel_hook(kind, state, unit, rel);
        if let Some(u) = remote {
            h.remote_unit = Some(u.clone());
        }
        h
    };
    if let Some(u) = &local.changed_pending {
        return Some(mk(HookKind::RelationChanged, Some(u)));
    }
    let gone = r.dying || unit.dying;
    let remote_app = r.remote_app(&unit.app);
    // Remote units as this unit should see them now: in scope, of the remote application.
    let is_remote =
        |u: &str| !gone && u != unit.name && app_of(u) == remote_app && r.scope.contains(u);
    if let Some(u) = first(local.members.keys().filter(|u| !is_remote(u))) {
        let mut h = mk(HookKind::RelationDeparted, Some(u));
        h.departing = Some(if unit.dying {
            unit.name.clone()
        } else {
            u.clone()
        });
        return Some(h);
    }
    if gone && local.members.is_empty() {
        return Some(mk(HookKind::RelationBroken, None));
    }
    if let Some(bag) = r.app_bags.get(remote_app) {
        let seen = local.app_seen.get(remote_app).copied().unwrap_or(0);
        if bag.version > 0 && bag.version != seen {
            return Some(mk(HookKind::RelationChanged, None));
        }
    }
    if !gone {
        let joining = r
            .scope
            .iter()
            .filter(|u| is_remote(u) && !local.members.contains_key(*u));
        if let Some(u) = first(joining) {
            return Some(mk(HookKind::RelationJoined, Some(u)));
        }
    }
    let changed = local
        .members
        .iter()
        .filter(|(u, seen)| r.unit_bags.get(*u).map(|b| b.version).unwrap_or(0) != **seen);
    first(changed.map(|(u, _)| u)).map(|u| mk(HookKind::RelationChanged, Some(u)))
}

/// The next hook `unit` should run, if any (a failed hook is handled by the caller).
pub(crate) fn next_hook(state: &State, name: &str) -> Option<Hook> {
    let unit = state.units.get(name)?;
    if !unit.installed {
        if unit.dying {
            // Never installed: nothing to tear down but stop/remove.
            return Some(stop_or_remove(unit));
        }
        // Storage hooks run before anything else, install included (`nextOp` in Juju's
        // `internal/worker/uniter/resolver.go`: the storage resolver comes first).
        return Some(storage_attached(unit).unwrap_or_else(|| Hook::unit(HookKind::Install)));
    }
    // relation-created for relations this unit has not seen yet (not for dying ones).
    for (id, local) in &unit.rels {
        let r = &state.relations[id];
        if !local.created && !r.dying && !unit.dying {
            return Some(rel_hook(HookKind::RelationCreated, state, unit, *id));
        }
    }
    if unit.dying {
        // A dying unit's storage is detached first (the storage resolver comes before the
        // relations' departure and stop).
        if let Some(s) = unit.storage.iter().find(|s| s.attached) {
            return Some(Hook::storage(
                HookKind::StorageDetaching,
                &s.id,
                &s.location.display().to_string(),
            ));
        }
        return Some(relation_hooks(state, unit).unwrap_or_else(|| stop_or_remove(unit)));
    }
    if state.is_leader(name) && !unit.leader_seen {
        return Some(Hook::unit(HookKind::LeaderElected));
    }
    if let Some(h) = secret_hook(state, unit) {
        return Some(h);
    }
    if unit.upgrade_pending {
        return Some(Hook::unit(HookKind::UpgradeCharm));
    }
    let app = &state.apps[&unit.app];
    if unit.config_seen != app.config_version {
        return Some(Hook::unit(HookKind::ConfigChanged));
    }
    if !unit.started {
        return Some(Hook::unit(HookKind::Start));
    }
    // Workload events once the unit has started and nothing else is queued
    // (`internal/worker/uniter/container/workload.go` acts only when the uniter is idle:
    // after install, config-changed and start, and after upgrade-charm's config-changed).
    if let Some(h) = unit.workload_events.front() {
        return Some(h.clone());
    }
    if let Some(h) = relation_hooks(state, unit) {
        return Some(h);
    }
    unit.update_status_pending
        .then(|| Hook::unit(HookKind::UpdateStatus))
}

/// The first storage instance whose `-storage-attached` has not run.
fn storage_attached(unit: &Unit) -> Option<Hook> {
    let s = unit.storage.iter().find(|s| !s.attached)?;
    Some(Hook::storage(
        HookKind::StorageAttached,
        &s.id,
        &s.location.display().to_string(),
    ))
}

fn stop_or_remove(unit: &Unit) -> Hook {
    Hook::unit(if unit.stopped {
        HookKind::Remove
    } else {
        HookKind::Stop
    })
}

/// The first hook of the relations the unit has joined.
fn relation_hooks(state: &State, unit: &Unit) -> Option<Hook> {
    unit.rels
        .iter()
        .filter(|(_, local)| local.created)
        .find_map(|(id, local)| next_relation_hook(state, unit, *id, local))
}

/// secret-changed for a consumer whose secret has a new revision; secret-remove for an
/// owner whose old revision no consumer tracks any more.
fn secret_hook(state: &State, unit: &Unit) -> Option<Hook> {
    let name = unit.name.as_str();
    for s in state.secrets.values() {
        let Some(c) = s.consumers.get(name) else {
            continue;
        };
        if s.latest > c.tracked && s.latest > c.notified && s.granted_to(&unit.app, name) {
            let mut h = Hook::unit(HookKind::SecretChanged);
            h.secret = Some(s.xid.clone());
            h.secret_label = c.label.clone();
            return Some(h);
        }
    }
    for s in state.secrets.values() {
        let owner = match &s.owner {
            Owner::App(a) => *a == unit.app && state.is_leader(name),
            Owner::Unit(u) => u == name,
        };
        if !owner {
            continue;
        }
        let obsolete = s.revisions.keys().find(|&&rev| {
            rev < s.latest
                && !s.remove_notified.contains(&rev)
                && !s.consumers.values().any(|c| c.tracked == rev)
        });
        if let Some(rev) = obsolete {
            let mut h = Hook::unit(HookKind::SecretRemove);
            h.secret = Some(s.xid.clone());
            h.secret_label = s.label.clone();
            h.secret_revision = Some(*rev);
            return Some(h);
        }
        // An expired revision, then a due rotation (`secrets/resolver.go`: expiry and
        // rotation go to the owner, the leader for an application secret).
        let owner_hook = if let Some(rev) = s.expired.iter().next() {
            let mut h = Hook::unit(HookKind::SecretExpired);
            h.secret_revision = Some(*rev);
            Some(h)
        } else {
            s.rotate_due.then(|| Hook::unit(HookKind::SecretRotate))
        };
        if let Some(mut h) = owner_hook {
            h.secret = Some(s.xid.clone());
            h.secret_label = s.label.clone();
            return Some(h);
        }
    }
    None
}

/// Advance the unit's view after `hook` committed. Returns true when the unit is gone.
pub(crate) fn commit(state: &mut State, name: &str, hook: &Hook) -> bool {
    let Some(unit) = state.units.get_mut(name) else {
        return true;
    };
    match hook.kind {
        HookKind::Install => unit.installed = true,
        HookKind::Start => unit.started = true,
        HookKind::ConfigChanged => {
            unit.config_seen = state
                .apps
                .get(&unit.app)
                .map(|a| a.config_version)
                .unwrap_or(0);
        }
        HookKind::LeaderElected => unit.leader_seen = true,
        HookKind::Stop => unit.stopped = true,
        HookKind::Remove => return true,
        HookKind::UpgradeCharm => {
            unit.upgrade_pending = false;
            unit.config_seen = 0;
        }
        HookKind::UpdateStatus => unit.update_status_pending = false,
        HookKind::SecretRemove
        | HookKind::SecretChanged
        | HookKind::SecretRotate
        | HookKind::SecretExpired => commit_secret_hook(state, name, hook),
        HookKind::StorageAttached | HookKind::StorageDetaching => {
            let id = hook.storage.as_ref().map(|(id, _)| id.as_str());
            if hook.kind == HookKind::StorageAttached {
                if let Some(s) = unit.storage.iter_mut().find(|s| Some(s.id.as_str()) == id) {
                    s.attached = true;
                }
            } else {
                unit.storage.retain(|s| Some(s.id.as_str()) != id);
            }
        }
        HookKind::PebbleReady
        | HookKind::PebbleCustomNotice
        | HookKind::PebbleCheckFailed
        | HookKind::PebbleCheckRecovered => {
            if let Some(i) = unit.workload_events.iter().position(|h| h == hook) {
                unit.workload_events.remove(i);
            }
        }
        _ => commit_relation_hook(state, name, hook),
    }
    false
}

/// The owner was told of an obsolete revision (secret-remove), or the consumer of the
/// latest one (secret-changed).
fn commit_secret_hook(state: &mut State, name: &str, hook: &Hook) {
    let Some(s) = hook.secret.as_ref().and_then(|x| state.secrets.get_mut(x)) else {
        return;
    };
    if hook.kind == HookKind::SecretRemove {
        if let Some(rev) = hook.secret_revision {
            s.remove_notified.insert(rev);
        }
    } else if hook.kind == HookKind::SecretExpired {
        if let Some(rev) = hook.secret_revision {
            s.expired.remove(&rev);
        }
    } else if hook.kind == HookKind::SecretRotate {
        // Juju fires secret-rotate again after a retry interval until the owner makes a
        // new revision; the simulator has no clock: one hook per rotation asked for.
        s.rotate_due = false;
    } else {
        let latest = s.latest;
        if let Some(c) = s.consumers.get_mut(name) {
            c.notified = latest;
        }
    }
}

/// What a committed relation hook changes in the unit's view of the relation.
fn commit_relation_hook(state: &mut State, name: &str, hook: &Hook) {
    let id = hook.relation.expect("relation hook");
    let versions = state.relations.get(&id).map(|r| {
        let unit_v = hook.remote_unit.as_ref().and_then(|u| r.unit_bags.get(u));
        let app_v = hook.remote_app.as_ref().and_then(|a| r.app_bags.get(a));
        (
            unit_v.map(|b| b.version).unwrap_or(0),
            app_v.map(|b| b.version).unwrap_or(0),
        )
    });
    let Some(unit) = state.units.get_mut(name) else {
        return;
    };
    let address = unit.address.clone();
    match hook.kind {
        HookKind::RelationCreated => {
            if let Some(l) = unit.rels.get_mut(&id) {
                l.created = true;
            }
            if let Some(r) = state.relations.get_mut(&id) {
                r.scope.insert(name.to_string());
                r.preseed(name, &address);
            }
        }
        HookKind::RelationBroken => {
            unit.rels.remove(&id);
            if let Some(r) = state.relations.get_mut(&id) {
                r.scope.remove(name);
            }
        }
        _ => {
            if let Some(l) = unit.rels.get_mut(&id) {
                seen(l, hook, versions.unwrap_or((0, 0)));
            }
        }
    }
}

/// A committed joined, changed or departed hook: membership and the bag versions the
/// unit has seen.
fn seen(l: &mut RelLocal, hook: &Hook, (unit_v, app_v): (u64, u64)) {
    let remote = hook.remote_unit.clone().filter(|u| !u.is_empty());
    match (hook.kind, remote) {
        (HookKind::RelationJoined, u) => {
            let u = u.unwrap_or_default();
            l.members.insert(u.clone(), 0);
            l.changed_pending = Some(u);
        }
        (HookKind::RelationChanged, Some(u)) => {
            if l.changed_pending.as_deref() == Some(u.as_str()) {
                l.changed_pending = None;
            }
            if let Some(v) = l.members.get_mut(&u) {
                *v = unit_v;
            }
        }
        (HookKind::RelationChanged, None) => {
            if let Some(a) = &hook.remote_app {
                l.app_seen.insert(a.clone(), app_v);
            }
        }
        (HookKind::RelationDeparted, Some(u)) => {
            l.members.remove(&u);
            if l.changed_pending.as_ref() == Some(&u) {
                l.changed_pending = None;
            }
        }
        _ => {}
    }
}
