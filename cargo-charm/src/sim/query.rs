//! Reading the model, as `juju status`, `show-unit` and `debug-log` do.

use std::collections::BTreeMap;
use std::path::PathBuf;

use juju_model::{Scope, Secret};

use super::state::{sort_units, Unit};
use super::{format_record, table, HookRecord, LogLine, Model, RelationInfo, Result};
use super::{SecretInfo, SimError, Status};

/// A revision number as the model's public types give it (revisions never get near
/// `u32::MAX` in a simulated model).
fn rev32(revision: u64) -> u32 {
    u32::try_from(revision).unwrap_or(u32::MAX)
}

impl Model {
    fn unit(&self, name: &str) -> Result<&Unit> {
        self.state
            .units
            .get(name)
            .or_else(|| self.removed.get(name))
            .ok_or_else(|| SimError::UnknownUnit(name.into()))
    }

    /// Names of the applications.
    pub fn applications(&self) -> Vec<String> {
        self.state.apps.keys().cloned().collect()
    }

    /// Live units of an application, in order.
    pub fn units(&self, app: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .state
            .units
            .values()
            .filter(|u| u.app == app)
            .map(|u| u.name.clone())
            .collect();
        sort_units(&mut v);
        v
    }

    /// The leader of an application.
    pub fn leader(&self, app: &str) -> Option<String> {
        self.state.apps.get(app).and_then(|a| a.leader.clone())
    }

    /// Unit status as `juju status` shows it: `error` / `hook failed: "<hook>"` while a
    /// hook is failing, else the workload status the charm set.
    pub fn unit_status(&self, unit: &str) -> Result<Status> {
        let u = self.unit(unit)?;
        if let Some(f) = &u.failed {
            return Ok(Status::new(
                "error",
                format!("hook failed: \"{}\"", f.hook.name()),
            ));
        }
        self.workload_status(unit)
    }

    /// The workload status the charm last set (kept while the unit is in error).
    pub fn workload_status(&self, unit: &str) -> Result<Status> {
        let u = self.unit(unit)?;
        if u.started && u.workload.status == "waiting" && u.workload.message == "agent initialising"
        {
            return Ok(Status::new("unknown", ""));
        }
        Ok(u.workload.clone())
    }

    /// Application status: what the leader set, else derived from the units.
    pub fn app_status(&self, app: &str) -> Result<Status> {
        let a = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        if let Some(s) = &a.status {
            return Ok(s.clone());
        }
        let rank = |s: &str| match s {
            "error" => 7,
            "blocked" => 6,
            "waiting" => 5,
            "maintenance" => 4,
            "terminated" => 3,
            "active" => 2,
            _ => 1,
        };
        let mut best = Status::new("unknown", "");
        for u in self.units(app) {
            let s = self.unit_status(&u)?;
            if rank(&s.status) > rank(&best.status) {
                best = s;
            }
        }
        Ok(best)
    }

    /// The version set with `application-version-set`.
    pub fn app_version(&self, app: &str) -> Result<String> {
        Ok(self
            .state
            .apps
            .get(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?
            .version
            .clone())
    }

    /// All relations.
    pub fn relations(&self) -> Vec<RelationInfo> {
        self.state
            .relations
            .values()
            .map(|r| RelationInfo {
                id: r.id,
                interface: r.interface.clone(),
                endpoints: r
                    .ends
                    .iter()
                    .map(|e| format!("{}:{}", e.app, e.endpoint))
                    .collect(),
                peer: r.is_peer(),
                dying: r.dying,
            })
            .collect()
    }

    /// A committed databag: `owner` is an application name (app bag) or a unit name.
    pub fn relation_data(&self, id: u32, owner: &str) -> Result<BTreeMap<String, String>> {
        let r = self
            .state
            .relations
            .get(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        let bag = if owner.contains('/') {
            r.unit_bags.get(owner)
        } else {
            r.app_bags.get(owner)
        };
        Ok(bag.map(|b| b.data.clone()).unwrap_or_default())
    }

    /// Units in scope of a relation.
    pub fn relation_units(&self, id: u32) -> Result<Vec<String>> {
        let r = self
            .state
            .relations
            .get(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        let mut v: Vec<String> = r.scope.iter().cloned().collect();
        sort_units(&mut v);
        Ok(v)
    }

    fn secret_info(&self, s: &Secret) -> SecretInfo {
        SecretInfo {
            uri: self.state.secret_uri(&s.xid),
            xid: s.xid.clone(),
            owner: s.owner.name().to_string(),
            label: s.label.clone(),
            revision: rev32(s.latest),
            revisions: s
                .revisions
                .iter()
                .map(|(r, c)| (rev32(*r), c.clone()))
                .collect(),
            grants: s
                .grants
                .iter()
                .filter_map(|g| match g.scope {
                    Scope::Relation(r) => Some((r, g.to.name().to_string())),
                    Scope::Model => None,
                })
                .collect(),
            consumers: s
                .consumers
                .iter()
                .map(|(u, c)| (u.clone(), (c.label.clone(), rev32(c.tracked))))
                .collect(),
        }
    }

    /// All secrets.
    pub fn secrets(&self) -> Vec<SecretInfo> {
        self.state
            .secrets
            .values()
            .map(|s| self.secret_info(s))
            .collect()
    }

    /// A secret by URI, xid, or owner label.
    pub fn secret(&self, id_or_label: &str) -> Result<SecretInfo> {
        let found = juju_model::names::parse_secret_id(id_or_label)
            .and_then(|x| self.state.secrets.get(&x))
            .or_else(|| {
                self.state
                    .secrets
                    .values()
                    .find(|s| s.label.as_deref() == Some(id_or_label))
            })
            .ok_or_else(|| SimError::Invalid(format!("secret {id_or_label:?} not found")))?;
        Ok(self.secret_info(found))
    }

    /// `juju-log` lines of a unit (also of removed units).
    pub fn logs(&self, unit: &str) -> Result<&[LogLine]> {
        Ok(&self.unit(unit)?.logs)
    }

    /// The unit's private charm directory (`JUJU_CHARM_DIR`).
    pub fn unit_dir(&self, unit: &str) -> Result<PathBuf> {
        Ok(self.unit(unit)?.dir.clone())
    }

    /// Read a file in the unit's charm directory (`None` if it does not exist).
    pub fn read_unit_file(&self, unit: &str, path: &str) -> Result<Option<String>> {
        let p = self.unit(unit)?.dir.join(path);
        match std::fs::read_to_string(&p) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SimError::Io {
                context: format!("cannot read {}", p.display()),
                source: e,
            }),
        }
    }

    /// Server-side charm state (`state-set`) of a unit.
    pub fn unit_state(&self, unit: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.unit(unit)?.state.clone())
    }

    /// Ports opened by a unit (`80/tcp`, `1000-2000/udp`, `icmp`), each once, as
    /// `opened-ports` lists them.
    pub fn opened_ports(&self, unit: &str) -> Result<Vec<String>> {
        let ports = juju_model::unique_ranges(&self.unit(unit)?.ports);
        Ok(ports.iter().map(ToString::to_string).collect())
    }

    /// Every hook and action run so far (the most recent [`Model::set_history_limit`]).
    pub fn history(&self) -> &[HookRecord] {
        &self.history
    }

    /// Keep at most this many records in [`Model::history`] (default 200 000; when the
    /// limit is reached the oldest half is dropped).
    pub fn set_history_limit(&mut self, limit: usize) {
        self.history_limit = limit.max(1);
        if self.history.len() > self.history_limit {
            let excess = self.history.len() - self.history_limit;
            self.history.drain(..excess);
        }
    }

    pub(crate) fn record(&mut self, rec: HookRecord) {
        if self.verbose {
            eprintln!("{}", format_record(&rec));
        }
        if self.history.len() >= self.history_limit {
            let half = (self.history_limit / 2).max(1);
            self.history.drain(..half);
        }
        self.history.push(rec);
    }

    /// Forget the history (e.g. between test phases).
    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// Hooks run so far by one unit, as `hook` or `hook(remote)` strings.
    pub fn hook_names(&self, unit: &str) -> Vec<String> {
        self.history()
            .iter()
            .filter(|r| r.unit == unit)
            .map(|r| match r.remote_unit.as_deref() {
                Some(u) if !u.is_empty() => format!("{}({u})", r.hook),
                _ => r.hook.clone(),
            })
            .collect()
    }

    /// A `juju status`-like table.
    pub fn status_table(&self) -> String {
        table::render(self)
    }

    /// What `cargo charm run-action --settle` prints after the action: the hooks run
    /// since the history had `before` records (one line each, with the last lines of
    /// a failed hook's stderr), then the status table.
    pub fn after_action_report(&self, before: usize) -> String {
        let since = &self.history[before.min(self.history.len())..];
        let mut out = format!("hooks the action caused: {}\n", since.len());
        for r in since {
            let text = format_record(r);
            // The summary line and a failed hook's stderr lines; not each tool call.
            for line in text
                .lines()
                .take_while(|l| !l.starts_with("    ") || l.starts_with("    |"))
            {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
        out.push_str(&self.status_table());
        out
    }

    pub(crate) fn unit_meta(&self, unit: &str) -> Option<(u32, String, Vec<String>)> {
        self.state.units.get(unit).map(|u| {
            (
                u.machine,
                u.address.clone(),
                juju_model::unique_ranges(&u.ports)
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            )
        })
    }

    pub(crate) fn relation_rows(&self) -> Vec<(String, String, String, String)> {
        self.state
            .relations
            .values()
            .filter(|r| !r.dying)
            .map(|r| {
                let p = format!("{}:{}", r.ends[0].app, r.ends[0].endpoint);
                let q = r
                    .ends
                    .get(1)
                    .map(|e| format!("{}:{}", e.app, e.endpoint))
                    .unwrap_or_else(|| p.clone());
                let kind = if r.is_peer() { "peer" } else { "regular" };
                (p, q, r.interface.clone(), kind.to_string())
            })
            .collect()
    }

    pub(crate) fn charm_name(&self, app: &str) -> String {
        self.state
            .apps
            .get(app)
            .map(|a| a.meta.name.clone())
            .unwrap_or_default()
    }
}
