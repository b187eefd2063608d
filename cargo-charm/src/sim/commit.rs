//! What a finished hook leaves in the model: its immediate changes (statuses, workload
//! version, log lines) always, its pending ones (relation data, charm state, ports,
//! secrets) only when it exited 0, as Juju commits a hook's context.

use juju_model::Pending;

use super::server::HookCtx;
use super::{LogLine, Model};

impl Model {
    /// Applies what takes effect at once and, if `commit`, the buffered changes; whether
    /// they were committed. The controller refuses a charm state over its quota
    /// (`juju_model::check_charm_state_commit`): then nothing buffered is committed and
    /// the unit's log says why, as the uniter's does, and the hook has failed.
    pub(crate) fn finish(&mut self, ctx: HookCtx, commit: bool) -> bool {
        self.state.rng = ctx.rng.get();
        let pending = ctx.tools.pending;
        if let Some(a) = self.state.apps.get_mut(&ctx.app) {
            if let Some(s) = pending.app_status.clone() {
                a.status = Some(s);
            }
            if let Some(v) = pending.app_version.clone() {
                a.version = v;
            }
        }
        let Some(unit) = self.state.units.get_mut(&ctx.unit) else {
            return false;
        };
        if let Some(s) = pending.unit_status.clone() {
            unit.workload = s;
        }
        unit.logs.extend(pending.logs.iter().map(|l| LogLine {
            level: l.level.clone(),
            message: l.text(),
            hook: ctx.hook_name.clone(),
        }));
        let refused = match (&pending.charm_state, commit) {
            (Some(s), true) => juju_model::check_charm_state_commit(s, &unit.state).err(),
            _ => None,
        };
        if let Some(e) = refused {
            unit.logs.push(LogLine {
                level: "ERROR".into(),
                message: format!("cannot apply changes: {e}"),
                hook: ctx.hook_name.clone(),
            });
            return false;
        }
        if commit {
            self.commit(&ctx.unit, pending);
        }
        commit
    }

    /// Commits a hook's transactional changes. A relation bag whose content changed gets
    /// a new version (which is what wakes the other units' relation-changed).
    fn commit(&mut self, name: &str, pending: Pending) {
        let Some(unit) = self.state.units.get_mut(name) else {
            return;
        };
        if let Some(s) = pending.charm_state {
            unit.state = s;
        }
        if let Some(p) = pending.ports {
            unit.ports = p;
        }
        for (name, count) in pending.storage_add {
            *unit.storage_added.entry(name).or_default() += count;
        }
        if let Some(now) = pending.reboot {
            unit.reboots += 1;
            unit.logs.push(LogLine {
                level: "INFO".into(),
                message: format!(
                    "juju-reboot{}: the machine reboots (simulated: the unit goes on)",
                    if now { " --now" } else { "" }
                ),
                hook: String::new(),
            });
        }
        if let Some(s) = pending.secrets {
            self.state.secrets = s;
        }
        for ((rel, owner), data) in pending.relation_data {
            let Some(r) = self.state.relations.get_mut(&rel) else {
                continue;
            };
            let is_app = !owner.contains('/');
            let peer = r.is_peer();
            let bag = if is_app {
                r.app_bags.entry(owner.clone()).or_default()
            } else {
                r.unit_bags.entry(owner.clone()).or_default()
            };
            if bag.data == data {
                continue;
            }
            bag.data = data;
            bag.version += 1;
            // The leader has seen its own write to its peers' application bag.
            if is_app && peer {
                let v = bag.version;
                let local = self.state.units.get_mut(name);
                if let Some(l) = local.and_then(|u| u.rels.get_mut(&rel)) {
                    l.app_seen.insert(owner, v);
                }
            }
        }
    }
}
