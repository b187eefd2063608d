//! Checks between declarations of one charm, after each was read on its own: names
//! declared twice, names that collide once `-` becomes `_`, containers referring to
//! undeclared resources or storage. A rejected declaration is dropped from the model,
//! so the expansion has no duplicate constants.

use crate::ctxt::Ctxt;
use crate::event_name::{all_events, Declared};
use crate::model::{const_name, event_prefix, Charm, Container, NameSpan};

/// Checks `charm`, keeping the first of each clashing pair.
pub fn charm(ctxt: &Ctxt, charm: &mut Charm) {
    endpoints(ctxt, charm);
    own_events(ctxt, charm);
    let mut actions: Vec<String> = Vec::new();
    charm.actions.retain(|a| {
        let seen = actions.contains(&event_prefix(&a.name));
        if seen {
            ctxt.push(
                a.span
                    .error(format!("action `{}` is declared twice", a.name)),
            );
        }
        actions.push(event_prefix(&a.name));
        !seen
    });
    dedup(ctxt, &mut charm.storage, |s| (&s.name, s.span));
    dedup(ctxt, &mut charm.containers, |c| (&c.name, c.span));
    dedup(ctxt, &mut charm.resources, |r| (&r.name, r.span));
    let Charm {
        containers,
        endpoints,
        ..
    } = charm;
    containers.retain(|c| {
        let clash = endpoints
            .iter()
            .find(|e| const_name(&e.name) == const_name(&c.name));
        if let Some(ep) = clash {
            ctxt.push(c.span.error(format!(
                "container `{}` and endpoint `{}` would both be `Self::{}`: rename one",
                c.name,
                ep.name,
                const_name(&ep.name)
            )));
        }
        clash.is_none()
    });
    for c in &charm.containers {
        references(ctxt, charm, c);
    }
}

/// Endpoint names are unique across peers, provides and requires, also once `-`
/// becomes `_` (their events would be the same).
fn endpoints(ctxt: &Ctxt, charm: &mut Charm) {
    let mut kept: Vec<crate::model::Endpoint> = Vec::new();
    for ep in charm.endpoints.drain(..) {
        if let Some(first) = kept.iter().find(|p| p.name == ep.name) {
            ctxt.push(ep.span.error(format!(
                "endpoint `{}` is declared twice (first in `#[{}]`); endpoint names are unique across peers, provides and requires",
                ep.name,
                first.role.section()
            )));
            ctxt.push(
                first
                    .span
                    .error(format!("`{}` first declared here", ep.name)),
            );
        } else if let Some(first) = kept
            .iter()
            .find(|p| event_prefix(&p.name) == event_prefix(&ep.name))
        {
            ctxt.push(ep.span.error(format!(
                "endpoints `{}` and `{}` collide: both give events named `{}_relation_*` once `-` becomes `_`",
                first.name,
                ep.name,
                event_prefix(&ep.name)
            )));
        } else {
            kept.push(ep);
        }
    }
    charm.endpoints = kept;
}

/// The charm's own events are not named as a Juju event it could observe.
fn own_events(ctxt: &Ctxt, charm: &mut Charm) {
    let prefixes = |names: Vec<&String>| names.into_iter().map(|n| event_prefix(n)).collect();
    let declared = Declared {
        endpoints: prefixes(charm.endpoints.iter().map(|e| &e.name).collect()),
        actions: prefixes(charm.actions.iter().map(|a| &a.name).collect()),
        storage: prefixes(charm.storage.iter().map(|s| &s.name).collect()),
        containers: prefixes(charm.containers.iter().map(|c| &c.name).collect()),
        events: Vec::new(),
        components: Vec::new(),
    };
    let juju = all_events(&declared);
    charm.events.retain(|e| {
        let name = e.name.to_string();
        let clash = juju.contains(&name) || name == "collect_status";
        if clash {
            ctxt.error(
                e.name.span(),
                format!("event `{name}` is named as a Juju event of this charm: `#[on({name})]` could not tell them apart; rename it"),
            );
        }
        !clash
    });
}

/// Keeps the first of each name.
fn dedup<T>(ctxt: &Ctxt, items: &mut Vec<T>, name: impl Fn(&T) -> (&String, NameSpan)) {
    let mut seen: Vec<String> = Vec::new();
    items.retain(|item| {
        let (item_name, span) = name(item);
        if seen.contains(item_name) {
            ctxt.push(span.error(format!("`{item_name}` is declared twice")));
            return false;
        }
        seen.push(item_name.clone());
        true
    });
}

/// A container's resource and mounts name declared ones.
fn references(ctxt: &Ctxt, charm: &Charm, c: &Container) {
    if let Some(res) = &c.resource {
        match charm.resources.iter().find(|r| r.name == res.name) {
            Some(r) if r.kind == "oci-image" || r.kind.is_empty() => {}
            Some(_) => ctxt.error(
                res.span,
                format!(
                    "resource `{}` of container `{}` must be `type = \"oci-image\"`",
                    res.name, c.name
                ),
            ),
            None => ctxt.error(
                res.span,
                format!(
                    "container `{}` uses resource `{}`, which is not declared: add `#[resources({}(type = \"oci-image\"))]`",
                    c.name, res.name, res.name
                ),
            ),
        }
    }
    for mount in &c.mounts {
        if !charm.storage.iter().any(|s| s.name == mount.storage) {
            ctxt.error(
                mount.span,
                format!(
                    "container `{}` mounts storage `{}`, which is not declared in `#[storage(..)]`",
                    c.name, mount.storage
                ),
            );
        }
    }
}
