//! The hooks the simulator runs, and their names: the one place hook names are written.

use juju_model::{HookRelation, RelationHookKind};

/// Which hook a unit runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookKind {
    Install,
    Start,
    ConfigChanged,
    LeaderElected,
    Stop,
    Remove,
    UpgradeCharm,
    UpdateStatus,
    RelationCreated,
    RelationJoined,
    RelationChanged,
    RelationDeparted,
    RelationBroken,
    SecretChanged,
    SecretRemove,
    SecretRotate,
    SecretExpired,
}

/// The unit hooks by name.
const UNIT_HOOKS: [(&str, HookKind); 12] = [
    ("install", HookKind::Install),
    ("start", HookKind::Start),
    ("config-changed", HookKind::ConfigChanged),
    ("leader-elected", HookKind::LeaderElected),
    ("stop", HookKind::Stop),
    ("remove", HookKind::Remove),
    ("upgrade-charm", HookKind::UpgradeCharm),
    ("update-status", HookKind::UpdateStatus),
    ("secret-changed", HookKind::SecretChanged),
    ("secret-remove", HookKind::SecretRemove),
    ("secret-rotate", HookKind::SecretRotate),
    ("secret-expired", HookKind::SecretExpired),
];

/// The relation hooks by the suffix after `<endpoint>-relation-`.
const RELATION_HOOKS: [(&str, HookKind, RelationHookKind); 5] = [
    (
        "created",
        HookKind::RelationCreated,
        RelationHookKind::Created,
    ),
    ("joined", HookKind::RelationJoined, RelationHookKind::Joined),
    (
        "changed",
        HookKind::RelationChanged,
        RelationHookKind::Changed,
    ),
    (
        "departed",
        HookKind::RelationDeparted,
        RelationHookKind::Departed,
    ),
    ("broken", HookKind::RelationBroken, RelationHookKind::Broken),
];

/// One hook to run, with what its environment says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hook {
    pub kind: HookKind,
    pub relation: Option<u32>,
    pub endpoint: Option<String>,
    pub remote_unit: Option<String>,
    pub remote_app: Option<String>,
    pub departing: Option<String>,
    pub secret: Option<String>,
    pub secret_label: Option<String>,
    pub secret_revision: Option<u64>,
}

impl Hook {
    /// A hook about no relation and no secret.
    pub fn unit(kind: HookKind) -> Hook {
        Hook {
            kind,
            relation: None,
            endpoint: None,
            remote_unit: None,
            remote_app: None,
            departing: None,
            secret: None,
            secret_label: None,
            secret_revision: None,
        }
    }

    /// The hook named `name` (`install`, `db-relation-changed`), with its endpoint.
    pub fn named(name: &str) -> Option<Hook> {
        if let Some((_, kind)) = UNIT_HOOKS.iter().find(|(n, _)| *n == name) {
            return Some(Hook::unit(*kind));
        }
        let (endpoint, suffix) = name.rsplit_once("-relation-")?;
        let (_, kind, _) = RELATION_HOOKS.iter().find(|(s, _, _)| *s == suffix)?;
        let mut hook = Hook::unit(*kind);
        hook.endpoint = Some(endpoint.to_string());
        Some(hook)
    }

    /// The hook's name: `install`, `db-relation-changed`.
    pub fn name(&self) -> String {
        if let Some((suffix, _, _)) = self.relation_kind() {
            let endpoint = self.endpoint.as_deref().unwrap_or("");
            return format!("{endpoint}-relation-{suffix}");
        }
        UNIT_HOOKS
            .iter()
            .find(|(_, k)| *k == self.kind)
            .map(|(n, _)| n.to_string())
            .unwrap_or_default()
    }

    fn relation_kind(&self) -> Option<&(&'static str, HookKind, RelationHookKind)> {
        RELATION_HOOKS.iter().find(|(_, k, _)| *k == self.kind)
    }

    /// What the hook tools need to know of a relation hook.
    pub fn tool_relation(&self) -> Option<HookRelation> {
        let (_, _, kind) = self.relation_kind()?;
        Some(HookRelation {
            id: self.relation?,
            endpoint: self.endpoint.clone().unwrap_or_default(),
            kind: *kind,
            remote_unit: self.remote_unit.clone(),
            remote_app: self.remote_app.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "install",
            "update-status",
            "db-relation-changed",
            "my-db-relation-broken",
        ] {
            assert_eq!(Hook::named(name).unwrap().name(), name);
        }
        assert_eq!(Hook::named("db-relation-gone"), None);
        assert_eq!(Hook::named("bogus"), None);
    }
}
