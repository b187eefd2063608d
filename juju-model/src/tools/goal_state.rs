//! `goal-state` (`worker/uniter/runner/jujuc/goal-state.go` in Juju 3.6): the units the
//! application is heading for, and for each endpoint the related applications and units.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::HookContext;
use crate::cli::{emit, no_extra, parse, Io, Res, FMT};
use crate::error::{quote, Result, ToolError};

/// The status of a unit or related application in the goal state
/// (`goalStateStatusContents`): `waiting`, `active`, `dying` for units; `joining`,
/// `joined`, `dying`, `suspended`, `error` for related applications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalStatus {
    /// The status.
    pub status: String,
    /// When it was last changed (RFC 3339), if known; left out of the output otherwise.
    pub since: Option<String>,
}

impl GoalStatus {
    fn new(status: &str) -> GoalStatus {
        GoalStatus {
            status: status.to_string(),
            since: None,
        }
    }

    fn display(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), Value::String(self.status.clone()));
        if let Some(s) = &self.since {
            m.insert("since".into(), Value::String(s.clone()));
        }
        Value::Object(m)
    }
}

/// What `goal-state` prints (`formattedGoalState`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalState {
    /// This application's units, planned and existing.
    pub units: BTreeMap<String, GoalStatus>,
    /// By endpoint: the related applications and their units (for a peer endpoint, the
    /// application's other units).
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

impl GoalState {
    /// The units that are not dying: what `ops`' `planned_units()` counts
    /// (`ops/model.py`, `Application.planned_units`).
    pub fn planned_units(&self) -> usize {
        self.units.values().filter(|s| s.status != "dying").count()
    }

    fn display(&self) -> Value {
        let group = |m: &BTreeMap<String, GoalStatus>| -> Value {
            Value::Object(m.iter().map(|(k, s)| (k.clone(), s.display())).collect())
        };
        let relations: Map<String, Value> = self
            .relations
            .iter()
            .map(|(ep, m)| (ep.clone(), group(m)))
            .collect();
        let mut out = Map::new();
        out.insert("units".into(), group(&self.units));
        out.insert("relations".into(), Value::Object(relations));
        Value::Object(out)
    }
}

impl HookContext<'_> {
    /// `goal-state`: this application's units (`active`, or `dying`), and for each
    /// endpoint with a relation the related application (`joined`) and its units.
    pub fn goal_state(&self) -> Result<GoalState> {
        let status = |unit: &str| {
            GoalStatus::new(if self.model.unit_dying(unit) {
                "dying"
            } else {
                "active"
            })
        };
        let units = self
            .model
            .app_units(self.model.app())
            .into_iter()
            .map(|u| {
                let s = status(&u);
                (u, s)
            })
            .collect();
        let mut relations: BTreeMap<String, BTreeMap<String, GoalStatus>> = BTreeMap::new();
        for id in self.model.relation_ids() {
            let Some(r) = self.model.relation(id) else {
                continue;
            };
            if !self.visible(&r) {
                continue;
            }
            let entry = relations.entry(r.endpoint.to_string()).or_default();
            if !r.peer {
                let app = if r.dying { "dying" } else { "joined" };
                entry.insert(r.remote_app.to_string(), GoalStatus::new(app));
            }
            for u in self.model.app_units(r.remote_app) {
                if u != self.model.unit() {
                    let s = status(&u);
                    entry.insert(u, s);
                }
            }
        }
        Ok(GoalState { units, relations })
    }
}

/// The command line of `goal-state`: YAML by default, YAML or JSON only.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn goal_state(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let mut p = parse(args, &FMT)?;
        match p.value("format") {
            None => {
                p.values.insert("format", "yaml".into());
            }
            Some("yaml" | "json") => {}
            Some(other) => {
                let other = quote(other);
                return Err(ToolError::usage(format!(
                    "invalid value {other} for flag --format: unknown format {other}"
                )));
            }
        }
        no_extra(&p.args, 0)?;
        emit(&p, io, &cx.goal_state()?.display())
    }
}
