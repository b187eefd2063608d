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
            return Some(Hook::unit(if unit.stopped {
                HookKind::Remove
            } else {
                HookKind::Stop
            }));
        }
        return Some(Hook::unit(HookKind::Install));
    }
    // relation-created for relations this unit has not seen yet (not for dying ones).
    for (id, local) in &unit.rels {
        let r = &state.relations[id];
        if !local.created && !r.dying && !unit.dying {
            return Some(rel_hook(HookKind::RelationCreated, state, unit, *id));
        }
    }
    if unit.dying {
        for (id, local) in &unit.rels {
            if local.created {
                if let Some(h) = next_relation_hook(state, unit, *id, local) {
                    return Some(h);
                }
            }
        }
        return Some(Hook::unit(if unit.stopped {
            HookKind::Remove
        } else {
            HookKind::Stop
        }));
    }
    if state.is_leader(name) && !unit.leader_seen {
        return Some(Hook::unit(HookKind::LeaderElected));
    }
    for s in state.secrets.values() {
        let Some(c) = s.consumers.get(name) else {
            continue;
        };
        if s.latest > c.tracked && s.latest > c.notified && s.granted_to(&unit.app, &unit.name) {
            let mut h = Hook::unit(HookKind::SecretChanged);
            h.secret = Some(s.xid.clone());
            h.secret_label = c.label.clone();
            return Some(h);
        }
    }
    // secret-remove: the owner learns that an old revision is tracked by no consumer.
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
    for (id, local) in &unit.rels {
        if local.created {
            if let Some(h) = next_relation_hook(state, unit, *id, local) {
                return Some(h);
            }
        }
    }
    if unit.update_status_pending {
        return Some(Hook::unit(HookKind::UpdateStatus));
    }
    None
}

/// Advance the unit's view after `hook` committed. Returns true when the unit is gone.
pub(crate) fn commit(state: &mut State, name: &str, hook: &Hook) -> bool {
    let app_version = state
        .units
        .get(name)
        .and_then(|u| state.apps.get(&u.app))
        .map(|a| a.config_version)
        .unwrap_or(0);
    let rel_versions = hook.relation.and_then(|id| {
        state.relations.get(&id).map(|r| {
            let unit_v = hook
                .remote_unit
                .as_ref()
                .and_then(|u| r.unit_bags.get(u))
                .map(|b| b.version)
                .unwrap_or(0);
            let app_v = hook
                .remote_app
                .as_ref()
                .and_then(|a| r.app_bags.get(a))
                .map(|b| b.version)
                .unwrap_or(0);
            (unit_v, app_v)
        })
    });
    let address = match state.units.get(name) {
        Some(u) => u.address.clone(),
        None => return true,
    };
    let unit = state.units.get_mut(name).expect("unit");
    match hook.kind {
        HookKind::Install => unit.installed = true,
        HookKind::Start => unit.started = true,
        HookKind::ConfigChanged => unit.config_seen = app_version,
        HookKind::LeaderElected => unit.leader_seen = true,
        HookKind::Stop => unit.stopped = true,
        HookKind::Remove => return true,
        HookKind::UpgradeCharm => {
            unit.upgrade_pending = false;
            unit.config_seen = 0;
        }
        HookKind::UpdateStatus => unit.update_status_pending = false,
        HookKind::SecretRemove => {
            if let (Some(s), Some(rev)) = (
                hook.secret.as_ref().and_then(|x| state.secrets.get_mut(x)),
                hook.secret_revision,
            ) {
                s.remove_notified.insert(rev);
            }
        }
        HookKind::SecretChanged => {
            if let Some(s) = hook.secret.as_ref().and_then(|x| state.secrets.get_mut(x)) {
                let latest = s.latest;
                if let Some(c) = s.consumers.get_mut(name) {
                    c.notified = latest;
                }
            }
        }
        HookKind::RelationCreated => {
            let id = hook.relation.expect("relation hook");
            if let Some(l) = unit.rels.get_mut(&id) {
                l.created = true;
            }
            if let Some(r) = state.relations.get_mut(&id) {
                r.scope.insert(name.to_string());
                r.preseed(name, &address);
            }
        }
        HookKind::RelationJoined => {
            let id = hook.relation.expect("relation hook");
            if let Some(l) = unit.rels.get_mut(&id) {
                let u = hook.remote_unit.clone().unwrap_or_default();
                l.members.insert(u.clone(), 0);
                l.changed_pending = Some(u);
            }
        }
        HookKind::RelationChanged => {
            let id = hook.relation.expect("relation hook");
            let (unit_v, app_v) = rel_versions.unwrap_or((0, 0));
            if let Some(l) = unit.rels.get_mut(&id) {
                match hook.remote_unit.as_deref() {
                    Some(u) if !u.is_empty() => {
                        if l.changed_pending.as_deref() == Some(u) {
                            l.changed_pending = None;
                        }
                        if let Some(v) = l.members.get_mut(u) {
                            *v = unit_v;
                        }
                    }
                    _ => {
                        if let Some(a) = &hook.remote_app {
                            l.app_seen.insert(a.clone(), app_v);
                        }
                    }
                }
            }
        }
        HookKind::RelationDeparted => {
            let id = hook.relation.expect("relation hook");
            if let Some(l) = unit.rels.get_mut(&id) {
                if let Some(u) = &hook.remote_unit {
                    l.members.remove(u);
                    if l.changed_pending.as_ref() == Some(u) {
                        l.changed_pending = None;
                    }
                }
            }
        }
        HookKind::RelationBroken => {
            let id = hook.relation.expect("relation hook");
            unit.rels.remove(&id);
            if let Some(r) = state.relations.get_mut(&id) {
                r.scope.remove(name);
            }
        }
    }
    false
}
