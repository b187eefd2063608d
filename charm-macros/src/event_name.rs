//! An `#[on(..)]` event name checked against what the charm declares: the event type
//! its handler takes, or a message saying what is wrong, with "did you mean".

use crate::events::{LIFECYCLE, RELATION_KINDS, STORAGE_KINDS, WORKLOAD_KINDS};
use crate::parse::closest;

/// What a charm declares, as event prefixes (dashes turned to underscores).
pub struct Declared {
    pub endpoints: Vec<String>,
    pub actions: Vec<String>,
    pub storage: Vec<String>,
    pub containers: Vec<String>,
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

/// `a, b, c`, or `none`.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The event type for `name` (a name of `crate::events`), or an error message saying
/// what is wrong. `charm` is the Rust type name, for the message.
pub fn event_type(name: &str, decl: &Declared, charm: &str) -> Result<&'static str, String> {
    if let Some((_, ty)) = LIFECYCLE.iter().find(|(n, _)| *n == name) {
        return Ok(ty);
    }
    if name == "collect_status" {
        return Err("there is no `collect_status` event: the status is collected twice, for the unit and for the application; observe `collect_unit_status`, `collect_app_status` or both".to_string());
    }
    if let Some(result) = storage_or_workload(name, decl, charm) {
        return result;
    }
    let suggestion = closest(name, all_events(decl).iter().map(String::as_str))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    if let Some((prefix, kind)) = name.rsplit_once("_relation_") {
        return relation(prefix, kind, decl, charm, &suggestion);
    }
    if let Some(action) = name.strip_suffix("_action") {
        if decl.actions.iter().any(|a| a == action) {
            return Ok("ActionEvent");
        }
        return Err(format!(
            "`{charm}` declares no action `{action}` (declared actions: {}){suggestion}",
            list(&decl.actions)
        ));
    }
    Err(format!(
        "unknown event `{name}` for `{charm}`: expected a Juju event such as `install`, `config_changed` or `<endpoint>_relation_changed` (declared endpoints: {}){suggestion}",
        list(&decl.endpoints)
    ))
}

/// `<storage>_storage_attached`, `<container>_pebble_ready`, ..: `None` when `name` has
/// none of these suffixes.
fn storage_or_workload(
    name: &str,
    decl: &Declared,
    charm: &str,
) -> Option<Result<&'static str, String>> {
    for (names, kinds, what, plural) in [
        (&decl.storage, STORAGE_KINDS, "storage", "storage"),
        (&decl.containers, WORKLOAD_KINDS, "container", "containers"),
    ] {
        for (kind, ty) in kinds {
            let Some(prefix) = name.strip_suffix(&format!("_{kind}")) else {
                continue;
            };
            if names.iter().any(|n| n == prefix) {
                return Some(Ok(ty));
            }
            return Some(Err(format!(
                "`{charm}` declares no {what} `{prefix}` (declared {plural}: {})",
                list(names)
            )));
        }
    }
    None
}

/// `<endpoint>_relation_<kind>`.
fn relation(
    prefix: &str,
    kind: &str,
    decl: &Declared,
    charm: &str,
    suggestion: &str,
) -> Result<&'static str, String> {
    let Some((_, ty)) = RELATION_KINDS.iter().find(|(k, _)| *k == kind) else {
        return Err(format!(
            "unknown relation event kind `{kind}`: expected created, joined, changed, departed or broken{suggestion}"
        ));
    };
    if decl.endpoints.iter().any(|e| e == prefix) {
        return Ok(ty);
    }
    let hint = closest(prefix, decl.endpoints.iter().map(String::as_str))
        .map(|e| format!("; did you mean `{e}_relation_{kind}`?"))
        .unwrap_or_default();
    Err(format!(
        "`{charm}` declares no endpoint `{prefix}` (declared endpoints: {}){hint}",
        list(&decl.endpoints)
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
        let e = event_type("collect_status", &d, "W").unwrap_err();
        assert!(
            e.contains("`collect_unit_status`, `collect_app_status`"),
            "{e}"
        );
        let e = event_type("bakup_action", &d, "W").unwrap_err();
        assert!(
            e.contains("no action `bakup`") && e.contains("backup_action"),
            "{e}"
        );
    }
}
