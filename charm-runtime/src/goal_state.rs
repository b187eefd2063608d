//! [`GoalState`]: what `goal-state` says the model is heading for: this application's
//! units (planned and existing) and, per endpoint, the related applications and units.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The status of a unit or related application in the goal state: `waiting`, `active`,
/// `dying` for units; `joining`, `joined`, `dying`, `suspended`, `error` for related
/// applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalStatus {
    /// The status.
    pub status: String,
    /// When it last changed (RFC 3339), if Juju says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// `goal-state`'s answer.
///
/// ```
/// use charm_runtime::goal_state::GoalState;
/// let g: GoalState = serde_json::from_str(
///     r#"{"units": {"kv/0": {"status": "active"}, "kv/1": {"status": "dying"},
///                   "kv/2": {"status": "waiting"}}, "relations": {}}"#,
/// ).unwrap();
/// assert_eq!(g.planned_units(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalState {
    /// This application's units, by name.
    #[serde(default)]
    pub units: BTreeMap<String, GoalStatus>,
    /// By endpoint: related applications and units (a peer endpoint: this
    /// application's other units).
    #[serde(default)]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

impl GoalState {
    /// How many units the application is meant to have: those not dying (`ops`'
    /// `Application.planned_units`).
    pub fn planned_units(&self) -> usize {
        self.units.values().filter(|s| s.status != "dying").count()
    }
}
