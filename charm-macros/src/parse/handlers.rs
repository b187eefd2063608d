//! `#[handlers]` and `#[component]`: the `#[on(event, ..)]` methods of an `impl` block
//! and their signatures, `fn name(&mut self, ctx: &mut Context<Self>[, event: &EventType])
//! -> Result<()>` (a component's take `ComponentContext<Self>`). A charm's event names
//! are checked against its declarations later, by the [`handshake`](crate::handshake); a
//! component's by `#[component]` itself.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Ident, Token};

use crate::ctxt::Ctxt;
use crate::model::{EventRef, Handler};

/// The context type a handler takes, as messages spell it: `Context<Self>` or
/// `ComponentContext<Self>`.
#[derive(Clone, Copy)]
pub struct ContextType(pub &'static str);

/// The `#[on(..)]` methods of `item`, their `#[on]` attributes removed; a method whose
/// signature is wrong is reported and left out.
pub fn handlers(ctxt: &Ctxt, item: &mut syn::ItemImpl, context: ContextType) -> Vec<Handler> {
    let mut handlers = Vec::new();
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            handlers.extend(handler(ctxt, method, context));
        }
    }
    handlers
}

fn handler(ctxt: &Ctxt, method: &mut syn::ImplItemFn, context: ContextType) -> Option<Handler> {
    let on: Vec<syn::Attribute> = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("on"))
        .cloned()
        .collect();
    if on.is_empty() {
        return None;
    }
    method.attrs.retain(|a| !a.path().is_ident("on"));
    let mut events = Vec::new();
    for attr in &on {
        events.extend(ctxt.ok(attr.parse_args_with(|input: ParseStream| on_events(ctxt, input)))?);
    }
    let sig = &method.sig;
    if events.is_empty() {
        ctxt.error(
            sig.ident.span(),
            "`#[on(..)]` needs at least one event, e.g. `#[on(config_changed)]`",
        );
        return None;
    }
    let (event_param, output) = signature(ctxt, sig, context)?;
    Some(Handler {
        method: sig.ident.clone(),
        events,
        event_param,
        output,
    })
}

/// `event, endpoint::event, ..`. A dashed name (`backup-target_relation_changed`) is an
/// error that says how to write it, and is kept with `_` for the later checks.
fn on_events(ctxt: &Ctxt, input: ParseStream) -> syn::Result<Vec<EventRef>> {
    let mut events = Vec::new();
    while !input.is_empty() {
        let mut name = dashed(ctxt, input)?;
        let mut endpoint = None;
        if input.peek(Token![::]) {
            input.parse::<Token![::]>()?;
            endpoint = Some(name);
            name = dashed(ctxt, input)?;
        }
        events.push(EventRef { endpoint, name });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(events)
}

/// A name that may be written with dashes, as an identifier with `_` (the dashes are an
/// error).
fn dashed(ctxt: &Ctxt, input: ParseStream) -> syn::Result<Ident> {
    let first = Ident::parse_any(input)?;
    let mut name = first.to_string();
    let mut last = first.clone();
    while input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        last = Ident::parse_any(input)?;
        name = format!("{name}_{last}");
    }
    if last != first {
        ctxt.error_spanned_by(
            quote::quote!(#first #last),
            format!(
                "an event name has no `-`: a declared name's `-` becomes `_` in its events, so write `{name}`"
            ),
        );
    }
    Ok(Ident::new(&name, first.span()))
}

/// The event parameter's type (without `&`) and the return type, or `None` after
/// recording what is wrong.
fn signature(
    ctxt: &Ctxt,
    sig: &syn::Signature,
    context: ContextType,
) -> Option<(Option<syn::Type>, syn::Type)> {
    let errors_before = ctxt.count();
    if let Some(asyncness) = sig.asyncness {
        ctxt.error(
            asyncness.span,
            "a handler is not `async`: Juju runs one hook at a time, to completion; remove `async`",
        );
    }
    if !sig.generics.params.is_empty() {
        ctxt.error_spanned_by(
            &sig.generics,
            "a handler cannot be generic: it is called with the charm, its context and one event type",
        );
    }
    let event_param = parameters(ctxt, sig, context);
    let output = match &sig.output {
        syn::ReturnType::Type(_, ty) if !is_unit(ty) => Some((**ty).clone()),
        syn::ReturnType::Type(_, ty) => {
            no_result(ctxt, ty.span());
            None
        }
        syn::ReturnType::Default => {
            no_result(ctxt, sig.paren_token.span.close());
            None
        }
    };
    (ctxt.count() == errors_before).then_some(())?;
    Some((event_param?, output?))
}

fn no_result(ctxt: &Ctxt, span: proc_macro2::Span) {
    ctxt.error(
        span,
        "a handler returns `Result<()>`: add `-> Result<()>` after the parameters and end the body with `Ok(())`",
    );
}

/// `T` of a parameter `name: &T`.
fn shared_reference(arg: &syn::FnArg) -> Option<syn::Type> {
    match arg {
        syn::FnArg::Typed(syn::PatType { ty, .. }) => match &**ty {
            syn::Type::Reference(r) if r.mutability.is_none() => Some((*r.elem).clone()),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    }
}

fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(t) if t.elems.is_empty())
}

/// `&mut self`, the context, and at most one event parameter taken by `&`: the event
/// parameter's type (`Some(None)` when there is none), or `None` after recording what
/// is wrong.
fn parameters(
    ctxt: &Ctxt,
    sig: &syn::Signature,
    context: ContextType,
) -> Option<Option<syn::Type>> {
    let ContextType(context) = context;
    let mut inputs = sig.inputs.iter();
    let parens = sig.paren_token.span.join();
    match inputs.next() {
        Some(syn::FnArg::Receiver(syn::Receiver {
            kind: syn::ReceiverKind::Reference(_, _, Some(_)),
            ..
        })) => {}
        Some(other) => {
            ctxt.error_spanned_by(
                other,
                format!("a handler takes `&mut self` first: `fn name(&mut self, ctx: &mut {context}, ..)`"),
            );
            return None;
        }
        None => {
            ctxt.error(
                parens,
                format!("a handler takes `&mut self` and the context: `fn name(&mut self, ctx: &mut {context})`"),
            );
            return None;
        }
    }
    if inputs.next().is_none() {
        ctxt.error(
            parens,
            format!("a handler takes the context after `&mut self`: `ctx: &mut {context}`"),
        );
        return None;
    }
    let event_param = match inputs.next() {
        None => None,
        Some(arg) => Some(shared_reference(arg).or_else(|| {
            ctxt.error_spanned_by(
                arg,
                "take the event by shared reference, e.g. `event: &RelationChanged`",
            );
            None
        })?),
    };
    if let Some(extra) = inputs.next() {
        ctxt.error_spanned_by(
            extra,
            "a handler takes at most three parameters: `&mut self`, the context and the event",
        );
        return None;
    }
    Some(event_param)
}
