//! Attributes into the [`model`](crate::model).

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Token};

use crate::model::{
    Action, Charm, CharmAttrs, Container, Endpoint, Place, Resource, Role, Storage,
};
use quote::ToTokens;

/// Collects the doc comments of an item, joined by newlines.
pub fn docs(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|l| l.strip_prefix(' ').unwrap_or(&l).trim_end().to_string())
        .collect();
    // As rustdoc reads them: lines of a paragraph join with a space, paragraphs with a
    // blank line.
    let mut out = String::new();
    for line in &lines {
        if line.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

/// A name that may contain dashes: `db`, `log-forwarder`.
struct DashedName {
    name: String,
    span: Place,
}

impl Parse for DashedName {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Ok(DashedName {
                name: lit.value(),
                span: Place(lit.to_token_stream()),
            });
        }
        let first = Ident::parse_any_ident(input)?;
        let mut name = first.to_string();
        let mut tokens = first.to_token_stream();
        while input.peek(Token![-]) {
            let dash = input.parse::<Token![-]>()?;
            let next = Ident::parse_any_ident(input)?;
            name.push('-');
            name.push_str(&next.to_string());
            dash.to_tokens(&mut tokens);
            next.to_tokens(&mut tokens);
        }
        Ok(DashedName {
            name,
            span: Place(tokens),
        })
    }
}

trait ParseAnyIdent {
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident> {
        use syn::ext::IdentExt;
        Ident::parse_any(input)
    }
}

/// `key = value` or a bare `flag`.
struct Prop {
    key: Ident,
    value: Option<syn::Lit>,
}

impl Parse for Prop {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = Ident::parse_any_ident(input)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Prop { key, value })
    }
}

fn props(input: ParseStream) -> syn::Result<Vec<Prop>> {
    Ok(input
        .parse_terminated(Prop::parse, Token![,])?
        .into_iter()
        .collect())
}

fn string(prop: &Prop) -> syn::Result<String> {
    match &prop.value {
        Some(syn::Lit::Str(s)) => Ok(s.value()),
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!(
                "`{}` takes a string, e.g. `{} = \"...\"`",
                prop.key, prop.key
            ),
        )),
        None => Err(syn::Error::new(
            prop.key.span(),
            format!(
                "`{}` takes a value, e.g. `{} = \"...\"`",
                prop.key, prop.key
            ),
        )),
    }
}

fn flag(prop: &Prop) -> syn::Result<bool> {
    match &prop.value {
        None => Ok(true),
        Some(syn::Lit::Bool(b)) => Ok(b.value),
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!(
                "`{}` is a flag: write `{}` or `{} = false`",
                prop.key, prop.key, prop.key
            ),
        )),
    }
}

/// One endpoint: `name(interface = "..", limit = 1, optional, scope = "container")`.
struct EndpointDecl {
    name: DashedName,
    props: Vec<Prop>,
}

impl Parse for EndpointDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: DashedName = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        Ok(EndpointDecl {
            name,
            props: props(&content)?,
        })
    }
}

/// Checks a name against what Juju and `ops` accept for endpoints and interfaces.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !name.ends_with(['-', '_'])
        && !name.contains("--")
        && !name.contains("__")
}

fn endpoint(
    decl: EndpointDecl,
    role: Role,
    charm: &str,
    subordinate: bool,
) -> syn::Result<Endpoint> {
    let EndpointDecl { name, props } = decl;
    if !valid_name(&name.name) {
        return Err(name.span.error(
            format!(
                "invalid endpoint name `{}`: use lowercase letters, digits and single `-` or `_`, starting with a letter",
                name.name
            ),
        ));
    }
    let reserved = name.name == "juju" || name.name.starts_with("juju-");
    let exempt = charm.starts_with("juju-") || (subordinate && role == Role::Requires);
    if reserved && !exempt {
        return Err(name.span.error(format!(
            "endpoint name `{}` is reserved by Juju (`juju` and `juju-*`)",
            name.name
        )));
    }
    let mut ep = Endpoint {
        name: name.name.clone(),
        span: name.span.clone(),
        role,
        interface: String::new(),
        limit: None,
        optional: false,
        container_scope: false,
        description: None,
    };
    let mut interface_seen = false;
    for prop in &props {
        match prop.key.to_string().as_str() {
            "interface" => {
                let value = string(prop)?;
                let span = prop.value.as_ref().map(|v| v.span()).unwrap_or(prop.key.span());
                if !valid_name(&value) {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "invalid interface name `{value}`: use lowercase letters, digits and single `-` or `_`, starting with a letter (e.g. `postgresql_client`)"
                        ),
                    ));
                }
                if role != Role::Requires
                    && !charm.starts_with("juju-")
                    && (value == "juju" || value.starts_with("juju-"))
                {
                    return Err(syn::Error::new(
                        span,
                        format!("interface name `{value}` is reserved by Juju (`juju` and `juju-*`)"),
                    ));
                }
                ep.interface = value;
                interface_seen = true;
            }
            "limit" => {
                if role == Role::Peers {
                    return Err(syn::Error::new(
                        prop.key.span(),
                        "a peer endpoint cannot have a `limit`: Juju creates exactly one peer relation per application",
                    ));
                }
                match &prop.value {
                    Some(syn::Lit::Int(i)) => {
                        let n: u32 = i.base10_parse()?;
                        if n == 0 {
                            return Err(syn::Error::new(i.span(), "`limit` must be at least 1"));
                        }
                        ep.limit = Some(n);
                    }
                    _ => {
                        return Err(syn::Error::new(
                            prop.key.span(),
                            "`limit` takes a number, e.g. `limit = 1`",
                        ))
                    }
                }
            }
            "optional" => ep.optional = flag(prop)?,
            "scope" => {
                let value = string(prop)?;
                ep.container_scope = match value.as_str() {
                    "container" => true,
                    "global" => false,
                    _ => {
                        return Err(syn::Error::new(
                            prop.value.as_ref().map(|v| v.span()).unwrap_or(prop.key.span()),
                            format!("invalid scope `{value}`: expected `global` or `container`"),
                        ))
                    }
                };
            }
            "description" => ep.description = Some(string(prop)?),
            other => {
                return Err(syn::Error::new(
                    prop.key.span(),
                    format!(
                        "unknown endpoint property `{other}`; expected `interface`, `limit`, `optional`, `scope` or `description`"
                    ),
                ))
            }
        }
    }
    if !interface_seen {
        return Err(name.span.error(format!(
            "endpoint `{}` needs an interface: `{}(interface = \"...\")`",
            name.name, name.name
        )));
    }
    Ok(ep)
}

/// One action: `backup(params = BackupParams, description = "..")`.
fn action(input: ParseStream) -> syn::Result<Action> {
    let name: DashedName = input.parse()?;
    if !valid_action_name(&name.name) {
        return Err(name.span.error(format!(
            "invalid action name `{}`: use letters, digits, `-` and `_`, starting with a letter",
            name.name
        )));
    }
    let mut action = Action {
        name: name.name.clone(),
        span: name.span.clone(),
        params: None,
        description: String::new(),
    };
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        while !content.is_empty() {
            let key: Ident = content.parse()?;
            content.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "params" => action.params = Some(content.parse()?),
                "description" => action.description = content.parse::<LitStr>()?.value(),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown action property `{other}`; expected `params` or `description`"
                        ),
                    ))
                }
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
    }
    if action.description.is_empty() {
        return Err(name.span.error(format!(
            "action `{}` needs a description: `{}(description = \"...\")`",
            name.name, name.name
        )));
    }
    Ok(action)
}

fn valid_action_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn prop_span(prop: &Prop) -> Span {
    prop.value
        .as_ref()
        .map(|v| v.span())
        .unwrap_or(prop.key.span())
}

fn unknown_prop(prop: &Prop, what: &str, expected: &str) -> syn::Error {
    syn::Error::new(
        prop.key.span(),
        format!(
            "unknown {what} property `{}`; expected {expected}",
            prop.key
        ),
    )
}

fn storage(decl: EndpointDecl) -> syn::Result<Storage> {
    let mut st = Storage {
        name: decl.name.name.clone(),
        span: decl.name.span,
        kind: String::new(),
        location: None,
        description: None,
        multiple: None,
        minimum_size: None,
    };
    for prop in &decl.props {
        match prop.key.to_string().as_str() {
            "r#type" | "type" | "kind" => {
                let v = string(prop)?;
                if v != "filesystem" && v != "block" {
                    return Err(syn::Error::new(
                        prop_span(prop),
                        format!("invalid storage type `{v}`: expected `filesystem` or `block`"),
                    ));
                }
                st.kind = v;
            }
            "location" => st.location = Some(string(prop)?),
            "description" => st.description = Some(string(prop)?),
            "multiple" => st.multiple = Some(string(prop)?),
            "minimum_size" => st.minimum_size = Some(string(prop)?),
            _ => {
                return Err(unknown_prop(
                    prop,
                    "storage",
                    "`type`, `location`, `description`, `multiple` or `minimum_size`",
                ))
            }
        }
    }
    if st.kind.is_empty() {
        return Err(st.span.error(format!(
            "storage `{}` needs a type: `type = \"filesystem\"` or `\"block\"`",
            st.name
        )));
    }
    if st.location.is_some() && st.kind == "block" {
        return Err(st.span.error(format!(
            "storage `{}`: a location is only for `type = \"filesystem\"`",
            st.name
        )));
    }
    Ok(st)
}

fn container(decl: EndpointDecl) -> syn::Result<Container> {
    let mut c = Container {
        name: decl.name.name.clone(),
        span: decl.name.span,
        resource: None,
        mounts: Vec::new(),
    };
    for prop in &decl.props {
        match prop.key.to_string().as_str() {
            "resource" => c.resource = Some((string(prop)?, prop_span(prop))),
            "mount" => {
                let v = string(prop)?;
                let Some((storage, location)) = v.split_once(':') else {
                    return Err(syn::Error::new(
                        prop_span(prop),
                        "a mount is `\"<storage>:<location>\"`, e.g. `\"data:/var/lib/app\"`",
                    ));
                };
                c.mounts
                    .push((storage.to_string(), location.to_string(), prop_span(prop)));
            }
            _ => return Err(unknown_prop(prop, "container", "`resource` or `mount`")),
        }
    }
    Ok(c)
}

fn resource(decl: EndpointDecl) -> syn::Result<Resource> {
    let mut r = Resource {
        name: decl.name.name.clone(),
        kind: String::new(),
        description: None,
        filename: None,
    };
    for prop in &decl.props {
        match prop.key.to_string().as_str() {
            "r#type" | "type" | "kind" => {
                let v = string(prop)?;
                if v != "oci-image" && v != "file" {
                    return Err(syn::Error::new(
                        prop_span(prop),
                        format!("invalid resource type `{v}`: expected `oci-image` or `file`"),
                    ));
                }
                r.kind = v;
            }
            "description" => r.description = Some(string(prop)?),
            "filename" => r.filename = Some(string(prop)?),
            _ => {
                return Err(unknown_prop(
                    prop,
                    "resource",
                    "`type`, `description` or `filename`",
                ))
            }
        }
    }
    if r.kind.is_empty() {
        return Err(decl.name.span.error(format!(
            "resource `{}` needs a type: `type = \"oci-image\"` or `\"file\"`",
            r.name
        )));
    }
    if r.kind == "file" && r.filename.is_none() {
        return Err(decl
            .name
            .span
            .error(format!("file resource `{}` needs a `filename`", r.name)));
    }
    Ok(r)
}

fn charm_attrs(attr: &Attribute, out: &mut CharmAttrs) -> syn::Result<()> {
    let list: Vec<Prop> = attr.parse_args_with(props)?;
    for prop in &list {
        let key = prop.key.to_string();
        match key.as_str() {
            "name" => out.name = Some(string(prop)?),
            "title" => out.title = Some(string(prop)?),
            "summary" => out.summary = Some(string(prop)?),
            "description" => out.description = Some(string(prop)?),
            "base" => out.base = Some(string(prop)?),
            "platform" => out.platforms.push(string(prop)?),
            "assumes" => out.assumes.push(string(prop)?),
            "subordinate" => out.subordinate = flag(prop)?,
            other => {
                return Err(syn::Error::new(
                    prop.key.span(),
                    format!(
                        "unknown charm property `{other}`; expected `name`, `title`, `summary`, `description`, `base`, `platform`, `assumes` or `subordinate`"
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Parses the struct's attributes into a [`Charm`].
pub fn charm(input: &syn::DeriveInput) -> syn::Result<Charm> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a charm type cannot be generic",
        ));
    }
    let mut attrs = CharmAttrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("charm")) {
        charm_attrs(attr, &mut attrs)?;
    }
    let charm_name = attrs.name.clone().unwrap_or_default();
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut config = None;
    let mut actions: Vec<Action> = Vec::new();
    let mut storages: Vec<Storage> = Vec::new();
    let mut containers: Vec<Container> = Vec::new();
    let mut resources: Vec<Resource> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_err = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for attr in &input.attrs {
        let role = if attr.path().is_ident("peers") {
            Role::Peers
        } else if attr.path().is_ident("provides") {
            Role::Provides
        } else if attr.path().is_ident("requires") {
            Role::Requires
        } else if attr.path().is_ident("storage")
            || attr.path().is_ident("containers")
            || attr.path().is_ident("resources")
        {
            let decls = match attr.parse_args_with(|input: ParseStream| {
                input.parse_terminated(EndpointDecl::parse, Token![,])
            }) {
                Ok(d) => d,
                Err(e) => {
                    push_err(e);
                    continue;
                }
            };
            for decl in decls {
                let span = decl.name.span.clone();
                let name = decl.name.name.clone();
                let (result, dup) = if attr.path().is_ident("storage") {
                    let dup = storages.iter().any(|s| s.name == name);
                    (storage(decl).map(|s| storages.push(s)), dup)
                } else if attr.path().is_ident("containers") {
                    let dup = containers.iter().any(|c| c.name == name);
                    (container(decl).map(|c| containers.push(c)), dup)
                } else {
                    let dup = resources.iter().any(|r| r.name == name);
                    (resource(decl).map(|r| resources.push(r)), dup)
                };
                if dup {
                    push_err(span.error(format!("`{name}` is declared twice")));
                }
                if let Err(e) = result {
                    push_err(e);
                }
            }
            continue;
        } else if attr.path().is_ident("actions") {
            match attr
                .parse_args_with(|input: ParseStream| input.parse_terminated(action, Token![,]))
            {
                Ok(list) => {
                    for a in list {
                        if actions.iter().any(|p| p.event() == a.event()) {
                            push_err(
                                a.span
                                    .error(format!("action `{}` is declared twice", a.name)),
                            );
                        } else {
                            actions.push(a);
                        }
                    }
                }
                Err(e) => push_err(e),
            }
            continue;
        } else if attr.path().is_ident("config") {
            match attr.parse_args::<syn::Type>() {
                Ok(t) => config = Some(t),
                Err(e) => push_err(e),
            }
            continue;
        } else {
            continue;
        };
        let decls = match attr.parse_args_with(|input: ParseStream| {
            input.parse_terminated(EndpointDecl::parse, Token![,])
        }) {
            Ok(d) => d,
            Err(e) => {
                push_err(e);
                continue;
            }
        };
        for decl in decls {
            match endpoint(decl, role, &charm_name, attrs.subordinate) {
                Ok(ep) => {
                    if let Some(prev) = endpoints.iter().find(|p| p.name == ep.name) {
                        let mut e = ep.span.error(
                            format!(
                                "endpoint `{}` is declared twice (first in `#[{}]`); endpoint names are unique across peers, provides and requires",
                                ep.name,
                                prev.role.attr()
                            ),
                        );
                        e.combine(
                            prev.span
                                .error(format!("`{}` first declared here", ep.name)),
                        );
                        push_err(e);
                    } else if let Some(prev) = endpoints
                        .iter()
                        .find(|p| p.event_prefix() == ep.event_prefix())
                    {
                        push_err(ep.span.error(
                            format!(
                                "endpoints `{}` and `{}` collide: both give events named `{}_relation_*` once `-` becomes `_`",
                                prev.name,
                                ep.name,
                                ep.event_prefix()
                            ),
                        ));
                    } else {
                        endpoints.push(ep);
                    }
                }
                Err(e) => push_err(e),
            }
        }
    }
    for c in &containers {
        if let Some((res, span)) = &c.resource {
            match resources.iter().find(|r| &r.name == res) {
                Some(r) if r.kind == "oci-image" => {}
                Some(_) => push_err(syn::Error::new(
                    *span,
                    format!("resource `{res}` of container `{}` must be `type = \"oci-image\"`", c.name),
                )),
                None => push_err(syn::Error::new(
                    *span,
                    format!(
                        "container `{}` uses resource `{res}`, which is not declared: add `#[resources({res}(type = \"oci-image\"))]`",
                        c.name
                    ),
                )),
            }
        }
        for (storage_name, _, span) in &c.mounts {
            if !storages.iter().any(|s| &s.name == storage_name) {
                push_err(syn::Error::new(
                    *span,
                    format!("container `{}` mounts storage `{storage_name}`, which is not declared in `#[storage(..)]`", c.name),
                ));
            }
        }
        if let Some(ep) = endpoints
            .iter()
            .find(|e| e.const_name() == c.name.replace('-', "_").to_uppercase())
        {
            push_err(c.span.error(format!(
                "container `{}` and endpoint `{}` would both be `Self::{}`: rename one",
                c.name,
                ep.name,
                ep.const_name()
            )));
        }
    }
    if attrs.name.is_none() {
        push_err(syn::Error::new(
            input.ident.span(),
            "a charm needs a name: `#[charm(name = \"my-charm\", summary = \"...\")]`",
        ));
    }
    if attrs.summary.is_none() {
        push_err(syn::Error::new(
            input.ident.span(),
            "a charm needs a summary: `#[charm(summary = \"...\")]` (charmcraft requires it)",
        ));
    }
    if let Some(name) = &attrs.name {
        let ok = !name.is_empty()
            && name.len() <= 40
            && name.chars().any(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--");
        if !ok {
            push_err(syn::Error::new(
                input.ident.span(),
                format!(
                    "invalid charm name `{name}`: 1-40 lowercase letters, digits and single dashes, with at least one letter"
                ),
            ));
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(Charm {
        ident: input.ident.clone(),
        docs: docs(&input.attrs),
        attrs,
        endpoints,
        config,
        actions,
        storage: storages,
        containers,
        resources,
    })
}
