//! `#[derive(Charm)]`'s attributes: `#[charm(..)]`, `#[peers]`/`#[provides]`/`#[requires]`,
//! `#[config(..)]`, `#[actions(..)]`, `#[storage(..)]`, `#[containers(..)]`,
//! `#[resources(..)]`. Each value is checked here on its own; checks between
//! declarations are in [`valid`](crate::valid).

use syn::parse::{Parse, ParseStream};
use syn::Attribute;

use super::{attr_items, items, known, DashedName, Items, Prop, Value};
use crate::ctxt::Ctxt;
use crate::model::{
    Action, Charm, CharmAttrs, ComponentField, Container, Endpoint, Mount, Reference, Resource,
    Role, Storage,
};

/// Reads the struct's attributes into a [`Charm`], recording every mistake.
pub fn charm(ctxt: &Ctxt, input: &syn::DeriveInput) -> Charm {
    if !input.generics.params.is_empty() {
        ctxt.error_spanned_by(&input.generics, "a charm type cannot be generic");
    }
    if !matches!(input.data, syn::Data::Struct(_)) {
        ctxt.error(
            input.ident.span(),
            "`Charm` is derived for a struct: `pub struct MyCharm;` or one with fields",
        );
    }
    let attrs = charm_attrs(ctxt, input);
    let mut charm = Charm {
        ident: input.ident.clone(),
        docs: super::docs(&input.attrs),
        attrs,
        endpoints: Vec::new(),
        config: None,
        actions: Vec::new(),
        storage: Vec::new(),
        containers: Vec::new(),
        resources: Vec::new(),
        events: Vec::new(),
    };
    for attr in &input.attrs {
        declarations(ctxt, attr, &mut charm);
    }
    if let syn::Data::Struct(data) = &input.data {
        for field in &data.fields {
            component_field(ctxt, field, &mut charm);
        }
    }
    charm
}

/// A field declared as an endpoint (`#[requires(database(limit = 1))] database:
/// DatabaseRequires`): the endpoint, with its component.
fn component_field(ctxt: &Ctxt, field: &syn::Field, charm: &mut Charm) {
    let mut declared = false;
    for attr in &field.attrs {
        let Some(role) = attr
            .path()
            .get_ident()
            .and_then(|i| Role::from_section(&i.to_string()))
        else {
            continue;
        };
        let role_span = attr.path().segments[0].ident.span();
        if declared {
            ctxt.error(
                role_span,
                "a field holds one component, attached to one endpoint: declare the other endpoint on another field",
            );
            continue;
        }
        declared = true;
        let Some(ident) = field.ident.clone() else {
            ctxt.error(
                role_span,
                "a component is held by a named field: `#[requires(database(..))] database: DatabaseRequires`",
            );
            continue;
        };
        let ty = match &field.ty {
            syn::Type::Path(p)
                if p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none()) =>
            {
                p.path.clone()
            }
            other => {
                ctxt.error_spanned_by(
                    other,
                    "a component field's type is the component's name, without generic arguments, e.g. `DatabaseRequires`",
                );
                continue;
            }
        };
        let decls = attr_items(ctxt, attr, |input| decl(ctxt, input));
        let mut list = decls.list.into_iter();
        let Some(first) = list.next() else {
            if !decls.failed {
                ctxt.error(
                    role_span,
                    format!(
                        "name the endpoint the component is attached to: `#[{}({ident}(..))]`",
                        role.section()
                    ),
                );
            }
            continue;
        };
        for extra in list {
            ctxt.push(extra.name.span.error(
                "a field holds one component, attached to one endpoint: declare the other endpoint on another field",
            ));
        }
        let (name, subordinate) = (
            charm.attrs.name.clone().unwrap_or_default(),
            charm.attrs.subordinate,
        );
        let site = ComponentField {
            field: ident,
            ty,
            role_span,
            interface_span: None,
        };
        charm
            .endpoints
            .push(endpoint(ctxt, first, role, &name, subordinate, Some(site)));
    }
}

/// One declaring attribute into `charm`.
fn declarations(ctxt: &Ctxt, attr: &Attribute, charm: &mut Charm) {
    let Some(kind) = attr.path().get_ident().map(|i| i.to_string()) else {
        return;
    };
    let role = match kind.as_str() {
        "peers" => Role::Peer,
        "provides" => Role::Provider,
        "requires" => Role::Requirer,
        "storage" => return charm.storage.extend(each(ctxt, attr, storage)),
        "containers" => return charm.containers.extend(each(ctxt, attr, container)),
        "resources" => return charm.resources.extend(each(ctxt, attr, resource)),
        "actions" => {
            let actions = attr_items(ctxt, attr, |input| action(ctxt, input));
            return charm.actions.extend(actions.list);
        }
        "config" => return config(ctxt, attr, &mut charm.config),
        "events" => {
            let props = super::attr_props(attr, ctxt);
            return charm.events.extend(super::event_decls(ctxt, props));
        }
        _ => return,
    };
    let (name, subordinate) = (
        charm.attrs.name.clone().unwrap_or_default(),
        charm.attrs.subordinate,
    );
    let endpoints = each(ctxt, attr, |ctxt, decl| {
        endpoint(ctxt, decl, role, &name, subordinate, None)
    });
    charm.endpoints.extend(endpoints);
}

/// `#[config(MyConfig)]`, once.
fn config(ctxt: &Ctxt, attr: &Attribute, config: &mut Option<syn::Type>) {
    let Some(ty) = ctxt.ok(attr.parse_args::<syn::Type>()) else {
        return;
    };
    if config.is_some() {
        ctxt.error_spanned_by(
            ty,
            "`#[config(..)]` is given twice; a charm has one config type",
        );
    } else {
        *config = Some(ty);
    }
}

/// One declaration: `name(key = value, ..)`.
pub struct Decl {
    pub name: DashedName,
    pub props: Items<Prop>,
}

/// `name(key = value, ..)`, or a bare `name` (no properties: a component's endpoint
/// often has none).
fn decl(ctxt: &Ctxt, input: ParseStream) -> syn::Result<Decl> {
    let name: DashedName = input.parse()?;
    if !input.peek(syn::token::Paren) {
        let props = Items {
            list: Vec::new(),
            failed: false,
        };
        return Ok(Decl { name, props });
    }
    let content;
    syn::parenthesized!(content in input);
    let props = items(ctxt, content.parse()?, Prop::parse);
    Ok(Decl { name, props })
}

/// Each declaration of a list attribute (`#[requires(a(..), b(..))]`), read by `read`.
fn each<T>(ctxt: &Ctxt, attr: &Attribute, read: impl Fn(&Ctxt, Decl) -> T) -> Vec<T> {
    let decls = attr_items(ctxt, attr, |input| decl(ctxt, input));
    decls.list.into_iter().map(|d| read(ctxt, d)).collect()
}

/// Whether Juju and `ops` accept `name` as an endpoint or interface name.
pub(crate) fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !name.ends_with(['-', '_'])
        && !name.contains("--")
        && !name.contains("__")
}

pub(crate) const NAME_RULE: &str =
    "use lowercase letters, digits and single `-` or `_`, starting with a letter";

/// Whether `name` is reserved by Juju (`juju`, `juju-*`).
fn reserved(name: &str) -> bool {
    name == "juju" || name.starts_with("juju-")
}

/// An endpoint; on a field, `component` is the field (its interface then comes from the
/// component, and need not be written).
fn endpoint(
    ctxt: &Ctxt,
    decl: Decl,
    role: Role,
    charm: &str,
    subordinate: bool,
    mut component: Option<ComponentField>,
) -> Endpoint {
    let Decl { name, props } = decl;
    if !valid_name(&name.name) {
        ctxt.push(name.span.error(format!(
            "invalid endpoint name `{}`: {NAME_RULE}",
            name.name
        )));
    }
    // A subordinate may require `juju-info`; a charm named `juju-*` may use the names.
    let exempt = charm.starts_with("juju-") || (subordinate && role == Role::Requirer);
    if reserved(&name.name) && !exempt {
        ctxt.push(name.span.error(format!(
            "endpoint name `{}` is reserved by Juju (`juju` and `juju-*`)",
            name.name
        )));
    }
    let mut ep = Endpoint {
        name: name.name.clone(),
        span: name.span,
        role,
        interface: String::new(),
        limit: None,
        optional: false,
        container_scope: false,
        description: None,
        component: None,
    };
    let mut has_interface = false;
    let props = known(
        ctxt,
        props,
        "endpoint",
        &["interface", "limit", "optional", "scope", "description"],
        &[],
    );
    for prop in props.list {
        match prop.name().as_str() {
            "interface" => {
                has_interface = true;
                ep.interface = interface(ctxt, &prop, role, charm).unwrap_or_default();
                if let Some(field) = &mut component {
                    field.interface_span = Some(prop.value_span());
                }
            }
            "limit" => ep.limit = limit(ctxt, &prop, role),
            "optional" => ep.optional = prop.flag(ctxt).unwrap_or_default(),
            "scope" => ep.container_scope = scope(ctxt, &prop),
            "description" => ep.description = prop.string(ctxt),
            _ => {}
        }
    }
    if !has_interface && !props.misspelt && component.is_none() {
        ctxt.push(name.span.error(format!(
            "endpoint `{}` needs an interface: `{}(interface = \"...\")`",
            name.name, name.name
        )));
    }
    ep.component = component;
    ep
}

fn interface(ctxt: &Ctxt, prop: &Prop, role: Role, charm: &str) -> Option<String> {
    let value = prop.string(ctxt)?;
    let span = prop.value_span();
    if !valid_name(&value) {
        ctxt.error(
            span,
            format!("invalid interface name `{value}`: {NAME_RULE} (e.g. `postgresql_client`)"),
        );
    } else if role != Role::Requirer && !charm.starts_with("juju-") && reserved(&value) {
        ctxt.error(
            span,
            format!("interface name `{value}` is reserved by Juju (`juju` and `juju-*`)"),
        );
    }
    Some(value)
}

fn limit(ctxt: &Ctxt, prop: &Prop, role: Role) -> Option<u32> {
    if role == Role::Peer {
        ctxt.error(
            prop.key.span(),
            "a peer endpoint cannot have a `limit`: Juju creates exactly one peer relation per application",
        );
        return None;
    }
    let Some(Value::Lit(syn::Lit::Int(int))) = &prop.value else {
        ctxt.error(
            prop.value_span(),
            "`limit` takes a number, e.g. `limit = 1`",
        );
        return None;
    };
    match int.base10_parse::<u32>() {
        Ok(0) => ctxt.error(int.span(), "`limit` must be at least 1"),
        Ok(n) => return Some(n),
        Err(_) => ctxt.error(int.span(), "`limit` takes a whole number from 1 up"),
    }
    None
}

fn scope(ctxt: &Ctxt, prop: &Prop) -> bool {
    match prop.string(ctxt).as_deref() {
        Some("container") => true,
        Some("global") | None => false,
        Some(other) => {
            ctxt.error(
                prop.value_span(),
                format!("invalid scope `{other}`: expected `global` or `container`"),
            );
            false
        }
    }
}

/// One action: `backup(params = BackupParams, description = "..")`.
fn action(ctxt: &Ctxt, input: ParseStream) -> syn::Result<Action> {
    let name: DashedName = input.parse()?;
    let valid = name.name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        ctxt.push(name.span.error(format!(
            "invalid action name `{}`: use letters, digits, `-` and `_`, starting with a letter",
            name.name
        )));
    }
    let props = if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        items(ctxt, content.parse()?, Prop::parse)
    } else {
        Items {
            list: Vec::new(),
            failed: false,
        }
    };
    let mut action = Action {
        name: name.name.clone(),
        span: name.span,
        params: None,
        description: String::new(),
    };
    let props = known(ctxt, props, "action", &["params", "description"], &[]);
    for prop in props.list {
        match (prop.name().as_str(), &prop.value) {
            ("params", Some(Value::Type(ty))) => action.params = Some((**ty).clone()),
            ("params", _) => ctxt.error(
                prop.value_span(),
                "`params` takes the parameters' type, e.g. `params = BackupParams`",
            ),
            ("description", _) => action.description = prop.string(ctxt).unwrap_or_default(),
            _ => {}
        }
    }
    if action.description.is_empty() && !props.misspelt {
        ctxt.push(name.span.error(format!(
            "action `{}` needs a description: `{}(description = \"...\")`",
            name.name, name.name
        )));
    }
    Ok(action)
}

/// A `type = ".."` among `allowed`, or an error.
fn kind(ctxt: &Ctxt, prop: &Prop, what: &str, allowed: [&str; 2]) -> String {
    let Some(value) = prop.string(ctxt) else {
        return String::new();
    };
    if !allowed.contains(&value.as_str()) {
        ctxt.error(
            prop.value_span(),
            format!(
                "invalid {what} type `{value}`: expected `{}` or `{}`",
                allowed[0], allowed[1]
            ),
        );
    }
    value
}

fn storage(ctxt: &Ctxt, decl: Decl) -> Storage {
    let mut st = Storage {
        name: decl.name.name,
        span: decl.name.span,
        kind: String::new(),
        location: None,
        description: None,
        multiple: None,
        minimum_size: None,
    };
    let props = known(
        ctxt,
        decl.props,
        "storage",
        &[
            "type",
            "location",
            "description",
            "multiple",
            "minimum_size",
        ],
        &[],
    );
    for prop in props.list {
        match prop.name().as_str() {
            "type" => st.kind = kind(ctxt, &prop, "storage", ["filesystem", "block"]),
            "location" => st.location = prop.string(ctxt),
            "description" => st.description = prop.string(ctxt),
            "multiple" => st.multiple = prop.string(ctxt),
            "minimum_size" => st.minimum_size = prop.string(ctxt),
            _ => {}
        }
    }
    if st.kind.is_empty() && !props.misspelt {
        ctxt.push(st.span.error(format!(
            "storage `{}` needs a type: `type = \"filesystem\"` or `\"block\"`",
            st.name
        )));
    }
    if st.location.is_some() && st.kind == "block" {
        ctxt.push(st.span.error(format!(
            "storage `{}`: a location is only for `type = \"filesystem\"`",
            st.name
        )));
    }
    st
}

fn container(ctxt: &Ctxt, decl: Decl) -> Container {
    if !valid_name(&decl.name.name) {
        ctxt.push(decl.name.span.error(format!(
            "invalid container name `{}`: {NAME_RULE}",
            decl.name.name
        )));
    }
    let mut c = Container {
        name: decl.name.name,
        span: decl.name.span,
        resource: None,
        mounts: Vec::new(),
    };
    let props = known(
        ctxt,
        decl.props,
        "container",
        &["resource", "mount"],
        &["mount"],
    );
    for prop in props.list {
        let span = prop.value_span();
        match prop.name().as_str() {
            "resource" => {
                c.resource = prop.string(ctxt).map(|name| Reference { name, span });
            }
            "mount" => match prop.string(ctxt).as_deref().map(|v| v.split_once(':')) {
                Some(Some((storage, location))) => c.mounts.push(Mount {
                    storage: storage.to_string(),
                    location: location.to_string(),
                    span,
                }),
                Some(None) => ctxt.error(
                    span,
                    "a mount is `\"<storage>:<location>\"`, e.g. `\"data:/var/lib/app\"`",
                ),
                None => {}
            },
            _ => {}
        }
    }
    c
}

fn resource(ctxt: &Ctxt, decl: Decl) -> Resource {
    let mut r = Resource {
        name: decl.name.name,
        span: decl.name.span,
        kind: String::new(),
        description: None,
        filename: None,
    };
    let props = known(
        ctxt,
        decl.props,
        "resource",
        &["type", "description", "filename"],
        &[],
    );
    for prop in props.list {
        match prop.name().as_str() {
            "type" => r.kind = kind(ctxt, &prop, "resource", ["oci-image", "file"]),
            "description" => r.description = prop.string(ctxt),
            "filename" => r.filename = prop.string(ctxt),
            _ => {}
        }
    }
    if r.kind.is_empty() && !props.misspelt {
        ctxt.push(r.span.error(format!(
            "resource `{}` needs a type: `type = \"oci-image\"` or `\"file\"`",
            r.name
        )));
    }
    if r.kind == "file" && r.filename.is_none() {
        ctxt.push(
            r.span
                .error(format!("file resource `{}` needs a `filename`", r.name)),
        );
    }
    r
}

/// Every `#[charm(..)]` of the struct, read as one list.
fn charm_attrs(ctxt: &Ctxt, input: &syn::DeriveInput) -> CharmAttrs {
    let props = input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("charm"))
        .map(|attr| super::attr_props(attr, ctxt))
        .collect();
    let keys = [
        "name",
        "title",
        "summary",
        "description",
        "base",
        "platform",
        "assumes",
        "subordinate",
    ];
    let props = known(ctxt, props, "charm", &keys, &["platform", "assumes"]);
    let mut out = CharmAttrs::default();
    for prop in props.list {
        match prop.name().as_str() {
            "name" => {
                out.name = prop
                    .string(ctxt)
                    .inspect(|name| charm_name(ctxt, &prop, name))
            }
            "title" => out.title = prop.string(ctxt),
            "summary" => out.summary = prop.string(ctxt),
            "description" => out.description = prop.string(ctxt),
            "base" => out.base = prop.string(ctxt),
            "platform" => out.platforms.extend(prop.string(ctxt)),
            "assumes" => out.assumes.extend(prop.string(ctxt)),
            "subordinate" => out.subordinate = prop.flag(ctxt).unwrap_or_default(),
            _ => {}
        }
    }
    if out.name.is_none() && !props.misspelt {
        ctxt.error(
            input.ident.span(),
            "a charm needs a name: `#[charm(name = \"my-charm\", summary = \"...\")]`",
        );
    }
    if out.summary.is_none() && !props.misspelt {
        ctxt.error(
            input.ident.span(),
            "a charm needs a summary: `#[charm(summary = \"...\")]` (charmcraft requires it)",
        );
    }
    out
}

/// Checks a charm name as charmcraft does: 1-40 lowercase letters, digits and single
/// dashes, at least one letter.
fn charm_name(ctxt: &Ctxt, prop: &Prop, name: &str) {
    let valid = (1..=40).contains(&name.len())
        && name.chars().any(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        ctxt.error(
            prop.value_span(),
            format!(
                "invalid charm name `{name}`: 1-40 lowercase letters, digits and single dashes, with at least one letter"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_juju_accepts() {
        for ok in ["db", "log-forwarder", "a1_b2", "x"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "Db", "1db", "db-", "a--b", "a__b", "d b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
