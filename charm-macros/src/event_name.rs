//! An `#[on(..)]` event name checked against what the charm declares (or, in a
//! `#[component]` block, against what a component may observe): the event type its
//! handler takes, or a message saying what is wrong, with "did you mean".

use proc_macro2::Span;

use crate::events::{LIFECYCLE, RELATION_KINDS, STORAGE_KINDS, WORKLOAD_KINDS};
use crate::model::EventRef;
use crate::parse::closest;

/// What a charm declares, as event prefixes (dashes turned to underscores).
pub struct Declared {
    pub endpoints: Vec<String>,
    pub actions: Vec<String>,
    pub storage: Vec<String>,
    pub containers: Vec<String>,
    /// The charm's own custom events.
    pub events: Vec<String>,
    /// The components attached to endpoints, with the events they emit.
    pub components: Vec<ComponentEvents>,
}

/// The events of the component attached to one endpoint.
pub struct ComponentEvents {
    /// The endpoint, as an event prefix.
    pub endpoint: String,
    /// The component's type name, for messages.
    pub type_name: String,
    pub events: Vec<String>,
}

/// What an `#[on(..)]` name resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A Juju event, delivered as this type of `charm_runtime::event`.
    Juju(&'static str),
    /// A custom event (a component's, or the charm's own).
    Custom,
}

/// Resolves an `#[on(..)]` event of a charm: the error's span is the token that is wrong.
pub fn resolve(event: &EventRef, decl: &Declared, charm: &str) -> Result<Resolved, (Span, String)> {
    let name = event.name.to_string();
    let Some(endpoint) = &event.endpoint else {
        if decl.events.contains(&name) {
            return Ok(Resolved::Custom);
        }
        return event_type(&name, decl, charm)
            .map(Resolved::Juju)
            .map_err(|m| (event.name.span(), m));
    };
    let prefix = endpoint.to_string();
    let Some(component) = decl.components.iter().find(|c| c.endpoint == prefix) else {
        let with: Vec<String> = decl.components.iter().map(|c| c.endpoint.clone()).collect();
        let message = if decl.endpoints.contains(&prefix) {
            format!(
                "endpoint `{prefix}` of `{charm}` has no component: `{prefix}::{name}` names an event of the component attached to `{prefix}` (endpoints with a component: {}); its Juju events are `{prefix}_relation_changed` and the like",
                list(&with)
            )
        } else {
            let hint = closest(&prefix, with.iter().map(String::as_str))
                .map(|e| format!("; did you mean `{e}::{name}`?"))
                .unwrap_or_default();
            format!(
                "`{charm}` declares no endpoint `{prefix}` (endpoints with a component: {}){hint}",
                list(&with)
            )
        };
        return Err((endpoint.span(), message));
    };
    if component.events.contains(&name) {
        return Ok(Resolved::Custom);
    }
    let hint = closest(&name, component.events.iter().map(String::as_str))
        .map(|e| format!("; did you mean `{e}`?"))
        .unwrap_or_default();
    Err((
        event.name.span(),
        format!(
            "the component on `{prefix}` (`{}`) emits no event `{name}`{hint} (its events: {})",
            component.type_name,
            list(&component.events)
        ),
    ))
}

/// The relation events a component observes on its endpoint, without the endpoint.
const COMPONENT_RELATION: [(&str, &str); 5] = [
    ("relation_created", "RelationCreated"),
    ("relation_joined", "RelationJoined"),
    ("relation_changed", "RelationChanged"),
    ("relation_departed", "RelationDeparted"),
    ("relation_broken", "RelationBroken"),
];

/// The event type for `name` in a `#[component]` block: its endpoint's relation events
/// (without the endpoint) and the unit's events.
pub fn component_event_type(name: &str) -> Result<&'static str, String> {
    let relation = COMPONENT_RELATION.iter();
    let unit = LIFECYCLE.iter();
    if let Some((_, ty)) = relation
        .clone()
        .chain(unit.clone())
        .find(|(n, _)| *n == name)
    {
        return Ok(ty);
    }
    if let Some((_, kind)) = name.rsplit_once("_relation_") {
        return Err(format!(
            "a component observes its endpoint's events without the endpoint's name: `relation_{kind}` (the charm decides the endpoint)"
        ));
    }
    let candidates = relation.chain(unit).map(|(n, _)| *n);
    let hint = closest(name, candidates)
        .map(|e| format!("; did you mean `{e}`?"))
        .unwrap_or_default();
    Err(format!(
        "unknown event `{name}` for a component: expected its endpoint's `relation_created`, `relation_joined`, `relation_changed`, `relation_departed` or `relation_broken`, or a unit event such as `install`, `config_changed`, `secret_changed`{hint}"
    ))
}

/// Every valid Juju event name for these declarations.
pub fn all_events(d: &Declared) -> Vec<String> {
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

    fn declared() -> Declared {
        Declared {
            endpoints: vec!["db".to_string(), "log_forwarder".to_string()],
            actions: vec!["backup".to_string()],
            storage: vec!["data".to_string()],
            containers: vec!["workload".to_string()],
            events: vec!["restart_needed".to_string()],
            components: vec![ComponentEvents {
                endpoint: "database".to_string(),
                type_name: "DatabaseRequires".to_string(),
                events: vec![
                    "database_created".to_string(),
                    "endpoints_changed".to_string(),
                ],
            }],
        }
    }

    fn event(endpoint: Option<&str>, name: &str) -> EventRef {
        EventRef {
            endpoint: endpoint.map(|e| syn::Ident::new(e, Span::call_site())),
            name: syn::Ident::new(name, Span::call_site()),
        }
    }

    #[test]
    fn custom_events_resolve_by_endpoint_and_name() {
        let d = declared();
        let ok = |e: Option<&str>, n: &str| resolve(&event(e, n), &d, "W").map_err(|e| e.1);
        assert_eq!(
            ok(Some("database"), "database_created"),
            Ok(Resolved::Custom)
        );
        assert_eq!(ok(None, "restart_needed"), Ok(Resolved::Custom));
        assert_eq!(ok(None, "install"), Ok(Resolved::Juju("Install")));
        let err = |e: Option<&str>, n: &str| resolve(&event(e, n), &d, "W").unwrap_err().1;
        let e = err(Some("database"), "databse_created");
        assert!(
            e.contains("did you mean `database_created`")
                && e.contains("(its events: database_created, endpoints_changed)"),
            "{e}"
        );
        let e = err(Some("db"), "database_created");
        assert!(e.contains("endpoint `db` of `W` has no component"), "{e}");
        let e = err(Some("databse"), "database_created");
        assert!(
            e.contains("no endpoint `databse`")
                && e.contains("did you mean `database::database_created`"),
            "{e}"
        );
        assert_eq!(
            component_event_type("relation_changed"),
            Ok("RelationChanged")
        );
        assert_eq!(component_event_type("secret_changed"), Ok("SecretChanged"));
        let e = component_event_type("db_relation_changed").unwrap_err();
        assert!(e.contains("`relation_changed`"), "{e}");
        let e = component_event_type("relation_chnged").unwrap_err();
        assert!(e.contains("did you mean `relation_changed`"), "{e}");
    }

    #[test]
    fn explains_each_kind_of_mistake() {
        let d = declared();
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
