//! `#[component(..)]` on an `impl` block: the block (its `#[on]` attributes taken off),
//! `impl Component`, `EventOf` and `NamedEvent` for each event, the events' catalogue
//! entries, each handler registered with `inventory`, and the macro a charm's derive
//! calls to learn the component ([`attach`](crate::attach)).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::handlers::{call, Resolved};
use crate::ctxt::Ctxt;
use crate::event_name;
use crate::handshake;
use crate::model::{Component, Handler};
use crate::{attach, parse};

pub fn attribute(args: TokenStream, mut item: syn::ItemImpl) -> TokenStream {
    let ctxt = Ctxt::new();
    let component = parse::component::component(&ctxt, args, &mut item);
    let Some(component) = component else {
        let errors = ctxt.check().err().map(syn::Error::into_compile_error);
        return quote!(#item #errors);
    };
    // The handlers' event names are the component's own business: checked here.
    let handlers: Vec<(Vec<Resolved>, &Handler)> = component
        .handlers
        .iter()
        .map(|h| (resolve(&ctxt, h), h))
        .collect();
    let errors = ctxt.check().err().map(syn::Error::into_compile_error);
    let component_impl = component_impl(&component);
    let events = events(&component);
    let registrations = handlers
        .iter()
        .enumerate()
        .filter(|(_, (events, _))| !events.is_empty())
        .map(|(index, (events, handler))| registration(&component, index as u32, handler, events));
    let library = attach::library_macro(&component);
    quote! {
        #item
        #errors
        #component_impl
        #events
        #(#registrations)*
        #library
    }
}

/// A component handler's events, checked: those a component may observe.
fn resolve(ctxt: &Ctxt, handler: &Handler) -> Vec<Resolved> {
    let mut resolved = Vec::new();
    for event in &handler.events {
        if let Some(endpoint) = &event.endpoint {
            ctxt.error(
                endpoint.span(),
                "a component observes its own endpoint's events and the unit's, by name alone: `relation_changed`, `secret_changed`",
            );
            continue;
        }
        let name = event.name.to_string();
        match event_name::component_event_type(&name) {
            Ok(kind) => resolved.push(Resolved::juju(name, kind)),
            Err(message) => ctxt.error(event.name.span(), message),
        }
    }
    resolved
}

fn component_impl(component: &Component) -> TokenStream {
    let self_ty = &component.self_ty;
    let interface = &component.interface;
    let role = component
        .role
        .map(crate::model::runtime_role)
        .unwrap_or_else(|| quote!(::charm_runtime::Role::Requirer));
    let specs = component.events.iter().map(|e| {
        let name = e.name.to_string();
        let payload = &e.payload;
        let payload = quote!(#payload).to_string().replace(' ', "");
        quote!(::charm_runtime::__private::EventSpec::custom(#name, #payload))
    });
    quote! {
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::charm_runtime::Component for #self_ty {
            const INTERFACE: &'static str = #interface;
            const ROLE: ::charm_runtime::Role = #role;
            const EVENTS: &'static [::charm_runtime::__private::EventSpec] = &[#(#specs),*];
        }
    }
}

/// `EventOf` and `NamedEvent<hash>` per event, and its catalogue entry.
fn events(component: &Component) -> TokenStream {
    let self_ty = &component.self_ty;
    let owner = component.ident.to_string();
    let impls = component.events.iter().enumerate().map(|(index, e)| {
        let name = e.name.to_string();
        let payload = &e.payload;
        let hash = handshake::action_hash(&name);
        // At the payload type, so a type that is not a custom event is an error there.
        let emits = quote_spanned! {payload.span()=>
            #[automatically_derived]
            impl ::charm_runtime::__private::EventOf<#self_ty> for #payload {
                const NAME: &'static str = #name;
            }
        };
        quote! {
            #emits
            #[automatically_derived]
            impl ::charm_runtime::__private::NamedEvent<#hash> for #self_ty {
                type Payload = #payload;
            }
            ::charm_runtime::__private::inventory::submit! {
                ::charm_runtime::__private::CustomEventEntry {
                    owner: #owner,
                    spec: &<#self_ty as ::charm_runtime::Component>::EVENTS[#index],
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// A handler's entry in the registry of component handlers.
fn registration(
    component: &Component,
    index: u32,
    handler: &Handler,
    events: &[Resolved],
) -> TokenStream {
    let self_ty = &component.self_ty;
    let span = handler.method.span();
    let (this, ctx, event, site) = (
        Ident::new("component", span),
        Ident::new("ctx", span),
        Ident::new("event", span),
        Ident::new("site", span),
    );
    let call = call(self_ty, handler, events, [&this, &ctx, &event]);
    let names = events.iter().map(|e| &e.name);
    let name = format!("{}::{}", component.ident, handler.method);
    quote_spanned! {Span::call_site()=>
        const _: () = {
            fn __call(
                #this: &mut dyn ::charm_runtime::__private::Any,
                #site: &::charm_runtime::__private::Site<'_>,
                #event: &::charm_runtime::Event,
            ) -> ::charm_runtime::Result<()> {
                let #this = ::charm_runtime::__private::downcast::<#self_ty>(#this, "component")?;
                let #ctx = &mut ::charm_runtime::__private::component_context::<#self_ty>(#site);
                #call
            }
            ::charm_runtime::__private::inventory::submit! {
                ::charm_runtime::__private::ComponentHandlerEntry {
                    component: ::charm_runtime::__private::type_id::<#self_ty>,
                    events: &[#(#names),*],
                    name: #name,
                    index: #index,
                    call: __call,
                }
            }
        };
    }
}
