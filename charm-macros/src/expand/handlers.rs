//! `#[handlers]` on an `impl` block: the block unchanged (its `#[on]` attributes taken
//! off), then a call of the [handshake](crate::handshake) macro; `__check_handlers!`,
//! which that call reaches, checks each `#[on(..)]` event and registers each handler
//! with `inventory`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::event_name;
use crate::handshake::{self, Check};
use crate::model::Handler;
use crate::parse;

/// The attribute: the block, its errors, and the handshake call.
pub fn attribute(args: TokenStream, mut item: syn::ItemImpl) -> TokenStream {
    let ctxt = Ctxt::new();
    if !args.is_empty() {
        ctxt.error_spanned_by(&args, "`#[handlers]` takes no arguments");
    }
    let charm = charm_path(&ctxt, &item);
    let context = parse::handlers::ContextType("Context<Self>");
    let handlers = parse::handlers::handlers(&ctxt, &mut item, context);
    let call = charm.map(|charm| {
        let line = quote_spanned!(item.impl_token.span=> ::core::line!());
        handshake::call(&charm, handshake::block(&item.self_ty, line, &handlers))
    });
    let errors = ctxt.check().err().map(syn::Error::into_compile_error);
    quote! {
        #item
        #errors
        #call
    }
}

/// The path of the charm type, which also names its handshake macro.
fn charm_path(ctxt: &Ctxt, item: &syn::ItemImpl) -> Option<syn::Path> {
    if let Some((path, _)) = &item.trait_ {
        ctxt.error_spanned_by(
            path,
            "`#[handlers]` goes on an inherent `impl MyCharm { .. }` block, not a trait impl",
        );
        return None;
    }
    match &*item.self_ty {
        syn::Type::Path(p)
            if p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none()) =>
        {
            Some(p.path.clone())
        }
        other => {
            ctxt.error_spanned_by(
                other,
                "`#[handlers]` needs the charm type by name, e.g. `impl MyCharm`",
            );
            None
        }
    }
}

/// `__check_handlers!`: each handler's events checked and the handler registered.
pub fn check(input: TokenStream) -> TokenStream {
    let check: Check = match syn::parse2(input) {
        Ok(check) => check,
        Err(e) => return e.into_compile_error(),
    };
    let mut out = TokenStream::new();
    for (index, handler) in check.handlers.iter().enumerate() {
        out.extend(registration(&check, index as u32, handler));
    }
    out
}

/// One event of a handler, resolved: its name, type, and action hash for an action.
pub struct Resolved {
    pub name: String,
    /// The type the event is delivered as.
    pub kind: TokenStream,
    pub action: Option<u64>,
}

impl Resolved {
    /// A Juju event, delivered as `charm_runtime::event::<kind>`.
    pub fn juju(name: String, kind: &str) -> Self {
        let kind = Ident::new(kind, Span::call_site());
        Resolved {
            name,
            kind: quote!(::charm_runtime::event::#kind),
            action: None,
        }
    }
}

fn resolve(check: &Check, handler: &Handler) -> (Vec<Resolved>, TokenStream) {
    let mut resolved = Vec::new();
    let mut errors = TokenStream::new();
    let self_ty = &check.self_ty;
    for event in &handler.events {
        let name = event.full();
        match event_name::resolve(event, &check.declared, &check.charm_type) {
            Ok(event_name::Resolved::Juju(kind)) => resolved.push(Resolved {
                action: (kind == "ActionEvent")
                    .then(|| handshake::action_hash(name.trim_end_matches("_action"))),
                ..Resolved::juju(name, kind)
            }),
            Ok(event_name::Resolved::Custom) => {
                let hash = handshake::action_hash(&name);
                resolved.push(Resolved {
                    name,
                    kind: quote!(<#self_ty as ::charm_runtime::__private::NamedEvent<#hash>>::Payload),
                    action: None,
                });
            }
            Err((span, message)) => {
                errors.extend(syn::Error::new(span, message).into_compile_error())
            }
        }
    }
    (resolved, errors)
}

/// The handler's entry in the registry: a function taking the dispatched event, and its
/// checks. Nothing for a handler whose events were all wrong (already reported).
fn registration(check: &Check, index: u32, handler: &Handler) -> TokenStream {
    let (events, errors) = resolve(check, handler);
    if events.is_empty() {
        return errors;
    }
    let self_ty = &check.self_ty;
    let line = &check.line;
    // One span for every local of the generated function: the method's, so the
    // locals resolve alike (hygiene) and a wrong signature is reported at the method.
    let span = handler.method.span();
    let (charm, ctx, event) = (
        Ident::new("charm", span),
        Ident::new("ctx", span),
        Ident::new("event", span),
    );
    let call = call(&check.self_ty, handler, &events, [&charm, &ctx, &event]);
    let names = events.iter().map(|e| &e.name);
    let name = format!(
        "{}::{}",
        quote!(#self_ty).to_string().replace(' ', ""),
        handler.method
    );
    quote! {
        #errors
        const _: () = {
            fn __call(
                #charm: &mut dyn ::charm_runtime::__private::Any,
                #ctx: &mut dyn ::charm_runtime::__private::Any,
                #event: &::charm_runtime::Event,
            ) -> ::charm_runtime::Result<()> {
                let #charm = ::charm_runtime::__private::downcast::<#self_ty>(#charm, "charm")?;
                let #ctx = ::charm_runtime::__private::context::<#self_ty>(#ctx)?;
                #call
            }
            ::charm_runtime::__private::inventory::submit! {
                ::charm_runtime::__private::HandlerEntry {
                    charm: ::charm_runtime::__private::type_id::<#self_ty>,
                    events: &[#(#names),*],
                    name: #name,
                    module: ::core::module_path!(),
                    line: #line,
                    index: #index,
                    call: __call,
                }
            }
        };
    }
}

/// The call of the method, with the event parameter taken out of the event, and the
/// checks that the parameter and the return type fit.
pub fn call(
    self_ty: &syn::Type,
    handler: &Handler,
    events: &[Resolved],
    locals: [&Ident; 3],
) -> TokenStream {
    let [charm, ctx, event] = locals;
    let (method, output) = (&handler.method, &handler.output);
    let Some(param) = &handler.event_param else {
        let invoke = quote_spanned!(method.span()=> <#self_ty>::#method(#charm, #ctx));
        let invoke = returns(output, invoke);
        return quote!(let _ = #event; #invoke);
    };
    let asserts = events.iter().map(|Resolved { kind, action, .. }| {
        let action = action.map(|hash| {
            quote_spanned! {param.span()=>
                action_parameter::<#param, <#self_ty as ::charm_runtime::__private::HasAction<#hash>>::Params>();
            }
        });
        quote_spanned! {param.span()=>
            event_parameter::<#kind, #param>();
            #action
        }
    });
    let first = &events[0].kind;
    let invoke = quote_spanned!(method.span()=> <#self_ty>::#method(#charm, #ctx, #event));
    let invoke = returns(output, invoke);
    quote! {
        fn event_parameter<K, T: ?::core::marker::Sized + ::charm_runtime::__private::EventArg<K>>() {}
        #[allow(dead_code)]
        fn action_parameter<T: ?::core::marker::Sized + ::charm_runtime::__private::ActionArg<P>, P>() {}
        #(#asserts)*
        <#param as ::charm_runtime::__private::EventArg<#first>>::with(
            #event,
            |#event| #invoke,
        )
    }
}

/// The method's result as the registry's `Result<()>`: a handler returning anything
/// else is an error at its return type.
fn returns(output: &syn::Type, invoke: TokenStream) -> TokenStream {
    // The value is named at the return type, so that is where an error points.
    let result = Ident::new("result", output.span());
    quote_spanned! {output.span()=>
        {
            let #result = #invoke;
            ::charm_runtime::__private::HandlerResult::into_result(#result)
        }
    }
}
