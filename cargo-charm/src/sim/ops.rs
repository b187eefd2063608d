//! Changing the model, as `juju deploy`, `add-unit`, `integrate`, `remove-*`, `config`
//! and `refresh` do: each change queues the hooks Juju would run.

use std::collections::BTreeMap;
use std::path::Path;

use juju_model::Scope;
use serde_json::Value;

use super::binary::check_fresh;
use super::files::{check_charm_dir, copy_dir};
use super::state::{sort_units, App, End, RelLocal, Relation, Unit};
use super::{io_err, Config, Model, Result, SimError, Status};
use crate::meta::{CharmMeta, Role};

/// `app` and `endpoint` of `app[:endpoint]`.
fn parse_endpoint(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((a, e)) => (a, Some(e)),
        None => (s, None),
    }
}

/// What is checked of a charm directory before anything in it is read: no FIFO, socket
/// or device in it, and not older than the sources it was built from.
fn check_charm(charm_dir: &Path) -> Result<()> {
    check_charm_dir(charm_dir).map_err(io_err(format!(
        "cannot deploy charm directory {}",
        charm_dir.display()
    )))?;
    check_fresh(charm_dir)
}

impl Model {
    // ---- changing the model ------------------------------------------------------------

    /// Deploy `units` units of the charm in `charm_dir` as application `app`.
    pub fn deploy<K: Into<String>, V: Into<Value>>(
        &mut self,
        app: &str,
        charm_dir: impl AsRef<Path>,
        units: usize,
        config: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let charm_dir = charm_dir.as_ref();
        if !juju_model::names::is_valid_application(app) {
            return Err(SimError::Invalid(format!(
                "invalid application name {app:?}"
            )));
        }
        if self.state.apps.contains_key(app) {
            return Err(SimError::Invalid(format!(
                "application {app:?} already exists"
            )));
        }
        let charm_dir = charm_dir
            .canonicalize()
            .map_err(io_err(format!("charm directory {}", charm_dir.display())))?;
        check_charm(&charm_dir)?;
        let meta = CharmMeta::load(&charm_dir)?;
        let mut cfg = Config::new();
        for (k, v) in config {
            let k = k.into();
            let v = meta
                .coerce_config(&k, v.into())
                .map_err(SimError::Invalid)?;
            cfg.insert(k, v);
        }
        let peers: Vec<(String, String)> = meta
            .endpoints
            .values()
            .filter(|e| e.role == Role::Peer)
            .map(|e| (e.name.clone(), e.interface.clone()))
            .collect();
        self.state.apps.insert(
            app.to_string(),
            App {
                charm_dir,
                meta,
                config: cfg,
                config_version: 1,
                status: None,
                version: String::new(),
                leader: None,
                next_unit: 0,
                dying: false,
                resources: BTreeMap::new(),
                trusted: false,
            },
        );
        for (ep, interface) in peers {
            let id = self.state.next_relation;
            self.state.next_relation += 1;
            self.state.relations.insert(
                id,
                Relation {
                    id,
                    interface,
                    ends: vec![End {
                        app: app.to_string(),
                        endpoint: ep,
                    }],
                    app_bags: BTreeMap::new(),
                    unit_bags: BTreeMap::new(),
                    scope: Default::default(),
                    dying: false,
                },
            );
        }
        for _ in 0..units {
            self.add_unit(app)?;
        }
        Ok(())
    }

    /// Add a unit to `app`; returns its name.
    pub fn add_unit(&mut self, app: &str) -> Result<String> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        if a.dying {
            return Err(SimError::Invalid(format!(
                "application {app:?} is being removed"
            )));
        }
        let num = a.next_unit;
        a.next_unit += 1;
        let charm_dir = a.charm_dir.clone();
        let name = format!("{app}/{num}");
        let machine = self.state.next_machine;
        self.state.next_machine += 1;
        let k = machine + 2;
        let address = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
        let dir = self
            .work
            .join("units")
            .join(format!("{app}-{num}"))
            .join("charm");
        copy_dir(&charm_dir, &dir).map_err(io_err(format!(
            "cannot copy {} to {}",
            charm_dir.display(),
            dir.display()
        )))?;
        let mut rels = BTreeMap::new();
        for r in self.state.relations.values_mut() {
            if !r.dying && r.endpoint_of(app).is_some() {
                r.preseed(&name, &address);
                rels.insert(r.id, RelLocal::default());
            }
        }
        self.state.units.insert(
            name.clone(),
            Unit {
                name: name.clone(),
                app: app.to_string(),
                machine,
                address,
                dir,
                workload: Status::new("waiting", "agent initialising"),
                installed: false,
                started: false,
                stopped: false,
                dying: false,
                leader_seen: false,
                config_seen: 0,
                upgrade_pending: false,
                update_status_pending: false,
                storage: Vec::new(),
                workload_events: Default::default(),
                rels,
                failed: None,
                state: BTreeMap::new(),
                ports: Default::default(),
                storage_added: Default::default(),
                reboots: 0,
                logs: Vec::new(),
            },
        );
        let a = self.state.apps.get_mut(app).expect("app");
        if a.leader.is_none() {
            a.leader = Some(name.clone());
        }
        self.provision_pod(&name)?;
        Ok(name)
    }

    /// Start removing an application: its relations are removed (departed/broken on both
    /// sides) and all its units are removed; the application goes away with its last unit.
    pub fn remove_application(&mut self, app: &str) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        a.dying = true;
        let rels: Vec<u32> = self
            .state
            .relations
            .values()
            .filter(|r| !r.is_peer() && r.endpoint_of(app).is_some())
            .map(|r| r.id)
            .collect();
        for id in rels {
            self.remove_relation(id)?;
        }
        for u in self.units(app) {
            self.remove_unit(&u)?;
        }
        self.gc_apps();
        Ok(())
    }

    pub(crate) fn gc_apps(&mut self) {
        let dead: Vec<String> = self
            .state
            .apps
            .iter()
            .filter(|(name, a)| a.dying && !self.state.units.values().any(|u| &u.app == *name))
            .map(|(name, _)| name.clone())
            .collect();
        for app in dead {
            self.state.apps.remove(&app);
            // Its peer relations go with it; regular ones are collected once both sides
            // have run relation-broken.
            self.state
                .relations
                .retain(|_, r| !(r.is_peer() && r.endpoint_of(&app).is_some()));
        }
    }

    /// Start removing a unit: it runs departed/broken on its relations, then stop and remove;
    /// the other units see it depart. A new leader is elected if it was the leader.
    pub fn remove_unit(&mut self, unit: &str) -> Result<()> {
        let u = self
            .state
            .units
            .get_mut(unit)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        if u.dying {
            return Ok(());
        }
        u.dying = true;
        u.leader_seen = false;
        let app = u.app.clone();
        for r in self.state.relations.values_mut() {
            r.scope.remove(unit);
        }
        let a = self.state.apps.get_mut(&app).expect("app");
        if a.leader.as_deref() == Some(unit) {
            let mut candidates: Vec<String> = self
                .state
                .units
                .values()
                .filter(|u| u.app == app && !u.dying)
                .map(|u| u.name.clone())
                .collect();
            sort_units(&mut candidates);
            let a = self.state.apps.get_mut(&app).expect("app");
            a.leader = candidates.first().cloned();
        }
        Ok(())
    }

    /// Integrate two applications: `"webapp:db"`, `"database:db"` (the endpoint may be
    /// omitted when it is unambiguous). Returns the new relation id.
    pub fn integrate(&mut self, a: &str, b: &str) -> Result<u32> {
        let (ea, eb) = self.match_endpoints(a, b)?;
        let (provider, requirer) = if ea.1 == Role::Provider {
            (ea.0, eb.0)
        } else {
            (eb.0, ea.0)
        };
        let key = format!(
            "{}:{} {}:{}",
            requirer.app, requirer.endpoint, provider.app, provider.endpoint
        );
        for r in self.state.relations.values() {
            if !r.dying && r.ends == [provider.clone(), requirer.clone()] {
                return Err(SimError::Invalid(format!(
                    "cannot add relation \"{key}\": relation {key} already exists"
                )));
            }
        }
        for end in [&provider, &requirer] {
            let meta = &self.state.apps[&end.app].meta;
            if let Some(limit) = meta.endpoints[&end.endpoint].limit {
                let n = self
                    .state
                    .relations
                    .values()
                    .filter(|r| !r.dying && r.ends.contains(end))
                    .count() as u64;
                if n >= limit {
                    return Err(SimError::Invalid(format!(
                        "cannot add relation \"{key}\": establishing a new relation for {}:{} would exceed its maximum relation limit of {limit} (quota limit exceeded)",
                        end.app, end.endpoint
                    )));
                }
            }
        }
        let interface = self.state.apps[&provider.app].meta.endpoints[&provider.endpoint]
            .interface
            .clone();
        let id = self.state.next_relation;
        self.state.next_relation += 1;
        let mut rel = Relation {
            id,
            interface,
            ends: vec![provider.clone(), requirer.clone()],
            app_bags: BTreeMap::new(),
            unit_bags: BTreeMap::new(),
            scope: Default::default(),
            dying: false,
        };
        for u in self.state.units.values_mut() {
            if !u.dying && (u.app == provider.app || u.app == requirer.app) {
                u.rels.insert(id, RelLocal::default());
                rel.preseed(&u.name, &u.address);
            }
        }
        self.state.relations.insert(id, rel);
        Ok(id)
    }

    fn match_endpoints(&self, a: &str, b: &str) -> Result<((End, Role), (End, Role))> {
        let side = |s: &str| -> Result<Vec<(End, Role, String)>> {
            let (app, ep) = parse_endpoint(s);
            let meta = &self
                .state
                .apps
                .get(app)
                .ok_or_else(|| SimError::UnknownApp(app.into()))?
                .meta;
            if let Some(ep) = ep {
                if !meta.endpoints.contains_key(ep) {
                    return Err(SimError::Invalid(format!(
                        "application {app:?} has no {ep:?} relation"
                    )));
                }
            }
            Ok(meta
                .endpoints
                .values()
                .filter(|e| e.role != Role::Peer && ep.is_none_or(|ep| ep == e.name))
                .map(|e| {
                    (
                        End {
                            app: app.to_string(),
                            endpoint: e.name.clone(),
                        },
                        e.role,
                        e.interface.clone(),
                    )
                })
                .collect())
        };
        if parse_endpoint(a).0 == parse_endpoint(b).0 {
            return Err(SimError::Invalid(format!(
                "cannot relate application {:?} to itself (use a peer endpoint)",
                parse_endpoint(a).0
            )));
        }
        for app in [parse_endpoint(a).0, parse_endpoint(b).0] {
            if self.state.apps.get(app).is_some_and(|x| x.dying) {
                return Err(SimError::Invalid(format!(
                    "application {app:?} is being removed"
                )));
            }
        }
        let (sa, sb) = (side(a)?, side(b)?);
        let mut found = Vec::new();
        for x in &sa {
            for y in &sb {
                if x.2 == y.2
                    && ((x.1 == Role::Provider && y.1 == Role::Requirer)
                        || (x.1 == Role::Requirer && y.1 == Role::Provider))
                {
                    found.push(((x.0.clone(), x.1), (y.0.clone(), y.1)));
                }
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(SimError::Invalid(format!(
                "no relations found between {a:?} and {b:?}"
            ))),
            _ => Err(SimError::Invalid(format!(
                "ambiguous relation: {a:?} {b:?} could refer to {}",
                found
                    .iter()
                    .map(|(x, y)| format!(
                        "\"{}:{} {}:{}\"",
                        x.0.app, x.0.endpoint, y.0.app, y.0.endpoint
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
        }
    }

    /// The id of the (live) relation between two `app[:endpoint]` specs; a peer relation
    /// is named by its one end twice (`relation_id("webapp:replicas", "webapp:replicas")`).
    pub fn relation_id(&self, a: &str, b: &str) -> Option<u32> {
        let (aa, ae) = parse_endpoint(a);
        let (ba, be) = parse_endpoint(b);
        let matches = |e: &End, app: &str, ep: Option<&str>| {
            e.app == app && ep.is_none_or(|ep| ep == e.endpoint)
        };
        self.state
            .relations
            .values()
            .find(|r| {
                !r.dying
                    && match r.ends.as_slice() {
                        [peer] => matches(peer, aa, ae) && matches(peer, ba, be),
                        [p, q] => {
                            (matches(p, aa, ae) && matches(q, ba, be))
                                || (matches(q, aa, ae) && matches(p, ba, be))
                        }
                        _ => false,
                    }
            })
            .map(|r| r.id)
    }

    /// Remove a relation: every unit runs departed for each remote unit, then broken.
    /// Secret grants made on it are revoked.
    pub fn remove_relation(&mut self, id: u32) -> Result<()> {
        let r = self
            .state
            .relations
            .get_mut(&id)
            .ok_or(SimError::UnknownRelation(id))?;
        if r.is_peer() {
            return Err(SimError::Invalid(format!(
                "cannot remove peer relation {id}"
            )));
        }
        r.dying = true;
        for s in self.state.secrets.values_mut() {
            s.grants.retain(|g| g.scope != Scope::Relation(id));
        }
        self.gc_relations();
        Ok(())
    }

    /// Change application config; fires config-changed when a value changed.
    pub fn set_config<K: Into<String>, V: Into<Value>>(
        &mut self,
        app: &str,
        config: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        let before = a.effective_config();
        for (k, v) in config {
            let k = k.into();
            let v = a
                .meta
                .coerce_config(&k, v.into())
                .map_err(SimError::Invalid)?;
            a.config.insert(k, v);
        }
        if a.effective_config() != before {
            a.config_version += 1;
        }
        Ok(())
    }

    /// Replace an application's charm (each unit's charm dir is refreshed from
    /// `charm_dir`, files the charm created are kept): upgrade-charm, then config-changed.
    pub fn upgrade_charm(&mut self, app: &str, charm_dir: impl AsRef<Path>) -> Result<()> {
        let charm_dir = charm_dir.as_ref().canonicalize().map_err(io_err(format!(
            "charm directory {}",
            charm_dir.as_ref().display()
        )))?;
        check_charm(&charm_dir)?;
        let meta = CharmMeta::load(&charm_dir)?;
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        a.meta = meta;
        a.charm_dir = charm_dir.clone();
        for u in self.state.units.values_mut().filter(|u| u.app == app) {
            copy_dir(&charm_dir, &u.dir).map_err(io_err(format!(
                "cannot copy {} to {}",
                charm_dir.display(),
                u.dir.display()
            )))?;
            u.upgrade_pending = true;
        }
        Ok(())
    }

    /// Queue `update-status` on every live unit (Juju fires it every 5 minutes).
    pub fn update_status(&mut self) {
        for u in self.state.units.values_mut().filter(|u| !u.dying) {
            u.update_status_pending = true;
        }
    }

    pub(crate) fn gc_relations(&mut self) {
        let dead: Vec<u32> = self
            .state
            .relations
            .values()
            .filter(|r| {
                r.dying
                    && !self
                        .state
                        .units
                        .values()
                        .any(|u| u.rels.get(&r.id).is_some_and(|l| l.created))
            })
            .map(|r| r.id)
            .collect();
        for id in dead {
            self.state.relations.remove(&id);
            for u in self.state.units.values_mut() {
                u.rels.remove(&id);
            }
        }
    }
}
