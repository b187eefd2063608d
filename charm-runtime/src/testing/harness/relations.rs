//! Relations: integrating, units joining and leaving, databags.

use std::collections::BTreeMap;

use super::{HResult, Harness, HarnessError};
use crate::relation::{RelationId, Role};
use crate::testing::scenario::Event;
use crate::testing::state::{Bag, Relation, RelationKind};
use crate::Charm;

impl<C: Charm + Default> Harness<C> {
    /// Integrates `endpoint` with application `remote_app` (ignored for a peer endpoint);
    /// fires relation-created. Returns the relation's id.
    pub fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> HResult<RelationId> {
        let meta = self.ctx.meta();
        let Some(ep) = meta.endpoints.iter().find(|e| e.name == endpoint) else {
            return Err(HarnessError::Invalid(format!(
                "add_relation: endpoint `{endpoint}` is not declared by charm `{}` (declared: {})",
                meta.name,
                meta.endpoints
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let rel = match (ep.role, ep.scope) {
            (Role::Peer, _) => Relation::peer(endpoint),
            (_, Some(crate::metadata::Scope::Container)) => Relation {
                remote_units_data: BTreeMap::new(),
                ..Relation::subordinate(endpoint).remote_app_name(remote_app)
            },
            _ => Relation::new(endpoint).remote_app_name(remote_app),
        };
        let id = rel.id;
        self.state.relations.push(rel.clone());
        self.fire_if_begun(Event::relation_created(&rel))?;
        Ok(id)
    }

    fn unit_number(&self, rel: &Relation, unit: &str) -> HResult<u32> {
        let remote = rel.remote_app_or(self.ctx.application());
        match unit.split_once('/') {
            Some((app, n)) if app == remote => n.parse().map_err(|_| {
                HarnessError::Invalid(format!("`{unit}` is not a unit name like `{remote}/0`"))
            }),
            _ => Err(HarnessError::Invalid(format!(
                "`{unit}` is not a unit of `{remote}`, the remote application of relation {}",
                rel.id
            ))),
        }
    }

    /// Adds a remote unit to a relation: fires relation-joined, then relation-changed.
    pub fn add_relation_unit(&mut self, id: RelationId, unit: &str) -> HResult {
        let rel = self.relation(id)?;
        let n = self.unit_number(&rel, unit)?;
        if n == self.state.unit_id && rel.kind == RelationKind::Peer {
            return Err(HarnessError::Invalid(format!(
                "`{unit}` is this unit; peer units are the others"
            )));
        }
        let rel = {
            let r = self.state.get_relation_mut(id).expect("checked above");
            r.remote_units_data.entry(n).or_default();
            r.clone()
        };
        self.fire_if_begun(Event::relation_joined(&rel, n))?;
        let rel = self.relation(id)?;
        self.fire_if_begun(Event::relation_changed_unit(&rel, n))
    }

    /// Removes a remote unit from a relation: fires relation-departed.
    pub fn remove_relation_unit(&mut self, id: RelationId, unit: &str) -> HResult {
        let rel = self.relation(id)?;
        let n = self.unit_number(&rel, unit)?;
        if !rel.remote_units_data.contains_key(&n) {
            return Err(HarnessError::Invalid(format!(
                "`{unit}` is not in relation {id}"
            )));
        }
        let result = self.fire_if_begun(Event::relation_departed(&rel, n));
        if let Some(r) = self.state.get_relation_mut(id) {
            r.remote_units_data.remove(&n);
        }
        result
    }

    /// Removes a relation: fires relation-departed for each remote unit, then
    /// relation-broken.
    pub fn remove_relation(&mut self, id: RelationId) -> HResult {
        let rel = self.relation(id)?;
        let units: Vec<u32> = rel.remote_units_data.keys().copied().collect();
        let remote = rel.remote_app_or(self.ctx.application()).to_string();
        for n in units {
            self.remove_relation_unit(id, &format!("{remote}/{n}"))?;
        }
        let rel = self.relation(id)?;
        let result = self.fire_if_begun(Event::relation_broken(&rel));
        self.state.relations.retain(|r| r.id != id);
        for s in &mut self.state.secrets {
            s.grants.remove(&id);
        }
        result
    }

    /// Merges `data` into a bag (an empty value deletes a key): `app_or_unit` names this
    /// unit, this application, the remote application or a remote unit. A change to a
    /// remote bag fires relation-changed, as does a change to this application's bag on a
    /// peer relation when this unit is not the leader; a change to this unit's bag fires
    /// nothing.
    pub fn update_relation_data(
        &mut self,
        id: RelationId,
        app_or_unit: &str,
        data: Bag,
    ) -> HResult {
        let rel = self.relation(id)?;
        let me = self.unit_name();
        let app = self.ctx.application().to_string();
        let remote = rel.remote_app_or(&app).to_string();
        enum Target {
            LocalUnit,
            LocalApp,
            RemoteApp,
            RemoteUnit(u32),
        }
        let target = if app_or_unit == me {
            Target::LocalUnit
        } else if app_or_unit == app {
            Target::LocalApp
        } else if app_or_unit == remote {
            Target::RemoteApp
        } else {
            let n = self.unit_number(&rel, app_or_unit)?;
            if !rel.remote_units_data.contains_key(&n) {
                return Err(HarnessError::Invalid(format!(
                    "`{app_or_unit}` is not in relation {id}; add it with add_relation_unit first"
                )));
            }
            Target::RemoteUnit(n)
        };
        let leader = self.state.leader;
        let r = self.state.get_relation_mut(id).expect("checked above");
        let bag = match target {
            Target::LocalUnit => &mut r.local_unit_data,
            Target::LocalApp => &mut r.local_app_data,
            Target::RemoteApp => &mut r.remote_app_data,
            Target::RemoteUnit(n) => r.remote_units_data.entry(n).or_default(),
        };
        let before = bag.clone();
        for (k, v) in data {
            if v.is_empty() {
                bag.remove(&k);
            } else {
                bag.insert(k, v);
            }
        }
        if *bag == before {
            return Ok(());
        }
        let rel = r.clone();
        match target {
            Target::LocalUnit => Ok(()),
            Target::LocalApp if rel.kind == RelationKind::Peer && !leader => {
                self.fire_if_begun(Event::relation_changed(&rel))
            }
            Target::LocalApp => Ok(()),
            Target::RemoteApp => self.fire_if_begun(Event::relation_changed(&rel)),
            Target::RemoteUnit(n) => self.fire_if_begun(Event::relation_changed_unit(&rel, n)),
        }
    }

    /// A bag: of this unit, this application, the remote application or a remote unit.
    /// `None` if the relation or the owner is unknown.
    pub fn get_relation_data(&self, id: RelationId, app_or_unit: &str) -> Option<&Bag> {
        let rel = self.state.get_relation(id)?;
        let app = self.ctx.application();
        if app_or_unit == self.unit_name() {
            return Some(&rel.local_unit_data);
        }
        if app_or_unit == app {
            return Some(&rel.local_app_data);
        }
        let remote = rel.remote_app_or(app);
        if app_or_unit == remote {
            return Some(&rel.remote_app_data);
        }
        let (a, n) = app_or_unit.split_once('/')?;
        if a != remote {
            return None;
        }
        rel.remote_units_data.get(&n.parse().ok()?)
    }
}
