//! Checks of `#[on(..)]` event names against the declared endpoints, with
//! "did you mean" suggestions.

/// Events every charm has, with the type a handler taking one receives.
pub const LIFECYCLE: &[(&str, &str)] = &[
    ("install", "Install"),
    ("start", "Start"),
    ("stop", "Stop"),
    ("remove", "Remove"),
    ("config_changed", "ConfigChanged"),
    ("upgrade_charm", "UpgradeCharm"),
    ("update_status", "UpdateStatus"),
    ("leader_elected", "LeaderElected"),
    ("leader_settings_changed", "LeaderSettingsChanged"),
    ("pre_series_upgrade", "PreSeriesUpgrade"),
    ("post_series_upgrade", "PostSeriesUpgrade"),
    ("collect_metrics", "CollectMetrics"),
    ("meter_status_changed", "MeterStatusChanged"),
    ("secret_changed", "SecretChanged"),
    ("secret_rotate", "SecretRotate"),
    ("secret_remove", "SecretRemove"),
    ("secret_expired", "SecretExpired"),
    ("collect_unit_status", "CollectStatus"),
    ("collect_app_status", "CollectStatus"),
];

/// Relation event kinds, with their types.
pub const RELATION_KINDS: &[(&str, &str)] = &[
    ("created", "RelationCreated"),
    ("joined", "RelationJoined"),
    ("changed", "RelationChanged"),
    ("departed", "RelationDeparted"),
    ("broken", "RelationBroken"),
];

/// Storage event kinds, with their types.
pub const STORAGE_KINDS: &[(&str, &str)] = &[
    ("storage_attached", "StorageAttached"),
    ("storage_detaching", "StorageDetaching"),
];

/// Workload event kinds, with their types.
pub const WORKLOAD_KINDS: &[(&str, &str)] = &[
    ("pebble_ready", "PebbleReady"),
    ("pebble_custom_notice", "PebbleCustomNotice"),
    ("pebble_check_failed", "PebbleCheck"),
    ("pebble_check_recovered", "PebbleCheck"),
];

/// What a charm declares, as event prefixes (dashes turned to underscores).
pub struct Declared {
    pub endpoints: Vec<String>,
    pub actions: Vec<String>,
    pub storage: Vec<String>,
    pub containers: Vec<String>,
}

/// The stable hash of an action name (FNV-1a), the same as `charm_runtime`'s.
pub fn action_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Every valid event name for these declarations.
fn all_events(d: &Declared) -> Vec<String> {
    let mut all: Vec<String> = LIFECYCLE.iter().map(|(n, _)| n.to_string()).collect();
    all.extend(d.actions.iter().map(|a| format!("{a}_action")));
    for (names, kinds) in [(&d.storage, STORAGE_KINDS), (&d.containers, WORKLOAD_KINDS)] {
        for n in names {
            all.extend(kinds.iter().map(|(k, _)| format!("{n}_{k}")));
        }
    }
    for ep in &d.endpoints {
        for (kind, _) in RELATION_KINDS {
            all.push(format!("{ep}_relation_{kind}"));
        }
    }
    all
}

fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The event type for `name`, or an error message saying what is wrong.
///
/// `endpoints` are the declared endpoint names as event prefixes (`log_forwarder`).
pub fn event_type(name: &str, decl: &Declared, charm: &str) -> Result<&'static str, String> {
    let (endpoints, actions) = (&decl.endpoints, &decl.actions);
    if let Some((_, ty)) = LIFECYCLE.iter().find(|(n, _)| *n == name) {
        return Ok(ty);
    }
    for (names, kinds, what) in [
        (&decl.storage, STORAGE_KINDS, "storage"),
        (&decl.containers, WORKLOAD_KINDS, "container"),
    ] {
        let plural = if what == "container" {
            "containers"
        } else {
            what
        };
        for (kind, ty) in kinds {
            if let Some(prefix) = name.strip_suffix(&format!("_{kind}")) {
                if names.iter().any(|n| n == prefix) {
                    return Ok(ty);
                }
                let declared = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                return Err(format!(
                    "`{charm}` declares no {what} `{prefix}` (declared {plural}: {declared})"
                ));
            }
        }
    }
    if let Some(action) = name.strip_suffix("_action") {
        if actions.iter().any(|a| a == action) {
            return Ok("ActionEvent");
        }
    }
    let declared = if endpoints.is_empty() {
        "none".to_string()
    } else {
        endpoints.join(", ")
    };
    let all = all_events(decl);
    let suggestion = closest(name, all.iter().map(String::as_str))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    if let Some((prefix, kind)) = name.rsplit_once("_relation_") {
        if let Some((_, ty)) = RELATION_KINDS.iter().find(|(k, _)| *k == kind) {
            if endpoints.iter().any(|e| e == prefix) {
                return Ok(ty);
            }
            let ep_hint = closest(prefix, endpoints.iter().map(String::as_str))
                .map(|e| format!("; did you mean `{e}_relation_{kind}`?"))
                .unwrap_or_default();
            return Err(format!(
                "`{charm}` declares no endpoint `{prefix}` (declared endpoints: {declared}){ep_hint}"
            ));
        }
        return Err(format!(
            "unknown relation event kind `{kind}`: expected created, joined, changed, departed or broken{suggestion}"
        ));
    }
    if let Some(action) = name.strip_suffix("_action") {
        let declared = if actions.is_empty() {
            "none".to_string()
        } else {
            actions.join(", ")
        };
        return Err(format!(
            "`{charm}` declares no action `{action}` (declared actions: {declared}){suggestion}"
        ));
    }
    Err(format!(
        "unknown event `{name}` for `{charm}`: expected a Juju event such as `install`, `config_changed` or `<endpoint>_relation_changed` (declared endpoints: {declared}){suggestion}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_kind_of_mistake() {
        let d = Declared {
            endpoints: vec!["db".to_string(), "log_forwarder".to_string()],
            actions: vec!["backup".to_string()],
            storage: vec!["data".to_string()],
            containers: vec!["workload".to_string()],
        };
        assert_eq!(
            event_type("db_relation_joined", &d, "W"),
            Ok("RelationJoined")
        );
        assert_eq!(
            event_type("log_forwarder_relation_broken", &d, "W"),
            Ok("RelationBroken")
        );
        let e = event_type("dbb_relation_created", &d, "W").unwrap_err();
        assert!(
            e.contains("no endpoint `dbb`") && e.contains("db_relation_created"),
            "{e}"
        );
        let e = event_type("db_relation_joinned", &d, "W").unwrap_err();
        assert!(
            e.contains("`joinned`") && e.contains("db_relation_joined"),
            "{e}"
        );
        let e = event_type("instal", &d, "W").unwrap_err();
        assert!(e.contains("did you mean `install`"), "{e}");
        assert_eq!(event_type("backup_action", &d, "W"), Ok("ActionEvent"));
        let e = event_type("bakup_action", &d, "W").unwrap_err();
        assert!(
            e.contains("no action `bakup`") && e.contains("backup_action"),
            "{e}"
        );
    }
}
