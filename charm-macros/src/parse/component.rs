//! `#[component(interface = "..", role = requires, events(name = Type, ..))]` on an
//! `impl` block: the interface, the role, the events it emits, and its `#[on(..)]`
//! handlers.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::Ident;

use super::handlers::ContextType;
use super::{items, known, Items, Prop, Value};
use crate::ctxt::Ctxt;
use crate::model::{Component, Role};

/// One argument: `key = value`, or `events(..)`.
enum Arg {
    Prop(Prop),
    Events(Ident, TokenStream),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Ident::peek_any) && input.peek2(syn::token::Paren) {
            let key = Ident::parse_any(input)?;
            let content;
            syn::parenthesized!(content in input);
            return Ok(Arg::Events(key, content.parse()?));
        }
        input.parse().map(Arg::Prop)
    }
}

/// Reads the attribute's arguments and the block's handlers, recording every mistake.
pub fn component(ctxt: &Ctxt, args: TokenStream, item: &mut syn::ItemImpl) -> Option<Component> {
    let ident = type_name(ctxt, item);
    let mut component = Component {
        ident: ident
            .clone()
            .unwrap_or_else(|| Ident::new("Component", item.impl_token.span)),
        self_ty: (*item.self_ty).clone(),
        interface: String::new(),
        role: None,
        events: Vec::new(),
        handlers: super::handlers::handlers(ctxt, item, ContextType("ComponentContext<Self>")),
    };
    let args = items(ctxt, args, Arg::parse);
    let mut props = Items {
        list: Vec::new(),
        failed: args.failed,
    };
    let mut events_seen = false;
    for arg in args.list {
        match arg {
            Arg::Prop(prop) => props.list.push(prop),
            Arg::Events(key, tokens) if key == "events" && !events_seen => {
                events_seen = true;
                let decls = items(ctxt, tokens, Prop::parse);
                component.events = super::event_decls(ctxt, decls);
            }
            Arg::Events(key, _) if key == "events" => {
                ctxt.error(key.span(), "`events(..)` is given twice; list every event in one")
            }
            Arg::Events(key, _) => ctxt.error(
                key.span(),
                format!("unknown component property `{key}(..)`; expected `interface = \"..\"`, `role = requires` or `events(name = Type, ..)`"),
            ),
        }
    }
    let props = known(ctxt, props, "component", &["interface", "role"], &[]);
    for prop in &props.list {
        match prop.name().as_str() {
            "interface" => component.interface = interface(ctxt, prop),
            "role" => component.role = role(ctxt, prop),
            _ => {}
        }
    }
    let span = item.impl_token.span;
    if component.interface.is_empty()
        && !props.misspelt
        && !props.list.iter().any(|p| p.name() == "interface")
    {
        ctxt.error(
            span,
            "a component needs its interface: `#[component(interface = \"postgresql_client\", role = requires, ..)]`",
        );
    }
    if component.role.is_none() && !props.misspelt && !props.list.iter().any(|p| p.name() == "role")
    {
        ctxt.error(
            span,
            "a component needs its role: `role = requires`, `role = provides` or `role = peers`",
        );
    }
    ident.map(|_| component)
}

/// The type's name, from `impl Type`; an error for anything else.
fn type_name(ctxt: &Ctxt, item: &syn::ItemImpl) -> Option<Ident> {
    if let Some((path, _)) = &item.trait_ {
        ctxt.error_spanned_by(
            path,
            "`#[component]` goes on the component's inherent `impl MyComponent { .. }` block, not a trait impl",
        );
        return None;
    }
    if !item.generics.params.is_empty() {
        ctxt.error_spanned_by(
            &item.generics,
            "a component type cannot be generic: its handlers are registered for one type",
        );
        return None;
    }
    match &*item.self_ty {
        syn::Type::Path(p)
            if p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none()) =>
        {
            p.path.segments.last().map(|s| s.ident.clone())
        }
        other => {
            ctxt.error_spanned_by(
                other,
                "`#[component]` needs the component type by name, e.g. `impl DatabaseRequires`",
            );
            None
        }
    }
}

fn interface(ctxt: &Ctxt, prop: &Prop) -> String {
    let Some(value) = prop.string(ctxt) else {
        return String::new();
    };
    if !super::charm::valid_name(&value) {
        ctxt.error(
            prop.value_span(),
            format!(
                "invalid interface name `{value}`: {} (e.g. `postgresql_client`)",
                super::charm::NAME_RULE
            ),
        );
    }
    value
}

fn role(ctxt: &Ctxt, prop: &Prop) -> Option<Role> {
    let name = match &prop.value {
        Some(Value::Type(ty)) => match &**ty {
            syn::Type::Path(p) => p.path.get_ident().map(|i| i.to_string()),
            _ => None,
        },
        Some(Value::Lit(syn::Lit::Str(s))) => Some(s.value()),
        _ => None,
    };
    let role = name.as_deref().and_then(Role::from_section);
    if role.is_none() {
        ctxt.error(
            prop.value_span(),
            "`role` is `requires`, `provides` or `peers`: the attribute a charm attaches the component with",
        );
    }
    role
}
