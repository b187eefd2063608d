//! `#[derive(Charm)]`: `impl Charm` (the metadata behind `charmcraft.yaml`), one handle
//! constant per endpoint and container (`Self::DB`), the actions' parameter types, and
//! the [handshake](crate::handshake) macro `#[handlers]` calls.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::opt;
use crate::ctxt::Ctxt;
use crate::model::{
    const_name, event_prefix, runtime_role, Action, Charm, Container, Endpoint, Resource, Role,
    Storage,
};
use crate::{attach, fallback, handshake, parse, valid};

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let mut charm = parse::charm::charm(&ctxt, &input);
    valid::charm(&ctxt, &mut charm);
    // Only a plain struct gets impls; the errors say what to change.
    let plain_struct =
        matches!(input.data, syn::Data::Struct(_)) && input.generics.params.is_empty();
    let default = plain_struct.then(|| requires_default(&charm.ident));
    match ctxt.check() {
        Ok(()) => {
            let charm_impl = charm_impl(&charm);
            let handles = handles(&charm);
            let has_actions = charm.actions.iter().map(|a| has_action(&charm.ident, a));
            let events = own_events(&charm);
            let handshake = handshake(&charm);
            quote! {
                #charm_impl
                #(#has_actions)*
                #events
                #handles
                #handshake
                #default
            }
        }
        Err(errors) => {
            let errors = errors.into_compile_error();
            let stand_in = match plain_struct {
                true => fallback::charm(&charm),
                false => handshake::stand_in(&charm.ident),
            };
            quote!(#errors #stand_in #default)
        }
    }
}

/// The handshake macro `#[handlers]` calls: defined here, or, when the charm has
/// components, by the last step of learning them ([`attach`]).
fn handshake(charm: &Charm) -> TokenStream {
    let declarations = handshake::declarations(charm);
    if charm.endpoints.iter().any(|e| e.component.is_some()) {
        return attach::start(charm, declarations);
    }
    let mut all = declarations;
    all.extend(handshake::components(&[]));
    handshake::declare(&charm.ident, all)
}

/// The charm's own events (`#[events(name = Type)]`): `EventOf`, `NamedEvent` and their
/// catalogue entries.
fn own_events(charm: &Charm) -> TokenStream {
    let ident = &charm.ident;
    let owner = ident.to_string();
    let impls = charm.events.iter().map(|e| {
        let name = e.name.to_string();
        let payload = &e.payload;
        let type_name = quote!(#payload).to_string().replace(' ', "");
        let hash = handshake::action_hash(&name);
        let emits = quote_spanned! {payload.span()=>
            #[automatically_derived]
            impl ::charm_runtime::__private::EventOf<#ident> for #payload {
                const NAME: &'static str = #name;
            }
        };
        quote! {
            #emits
            #[automatically_derived]
            impl ::charm_runtime::__private::NamedEvent<#hash> for #ident {
                type Payload = #payload;
            }
            ::charm_runtime::__private::inventory::submit! {
                ::charm_runtime::__private::CustomEventEntry {
                    owner: #owner,
                    spec: &const { ::charm_runtime::__private::EventSpec::custom(#name, #type_name) },
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// `dispatch` makes the charm with `Default::default()` in every hook: say so at the
/// struct, not in `main.rs`.
fn requires_default(ident: &Ident) -> TokenStream {
    quote::quote_spanned! {ident.span()=>
        const _: () = {
            fn charm_is_made_with_default<C: ::core::default::Default>() {}
            let _ = charm_is_made_with_default::<#ident>;
        };
    }
}

fn charm_impl(charm: &Charm) -> TokenStream {
    let Charm {
        ident,
        attrs,
        docs,
        endpoints,
        config,
        actions,
        storage,
        containers,
        resources,
        events: _,
    } = charm;
    let name = attrs.name.clone().unwrap_or_default();
    let title = opt(&attrs.title);
    let summary = attrs.summary.clone().unwrap_or_default();
    let description = attrs
        .description
        .clone()
        .or_else(|| (!docs.is_empty()).then(|| docs.clone()))
        .unwrap_or_else(|| summary.clone());
    let base = attrs.base.clone().unwrap_or_else(|| "ubuntu@24.04".into());
    let platforms = if attrs.platforms.is_empty() {
        vec!["amd64".to_string()]
    } else {
        attrs.platforms.clone()
    };
    let (subordinate, assumes) = (attrs.subordinate, &attrs.assumes);
    let config_ty = config_type(config.as_ref());
    let endpoint_metas = endpoints.iter().map(endpoint_meta);
    let action_metas = actions.iter().map(|a| action_meta(ident, a));
    let storage_metas = storage.iter().map(storage_meta);
    let container_metas = containers.iter().map(container_meta);
    let resource_metas = resources.iter().map(resource_meta);
    let attached: Vec<TokenStream> = endpoints
        .iter()
        .filter_map(|e| {
            let field = &e.component.as_ref()?.field;
            let name = &e.name;
            Some(quote!(::charm_runtime::__private::Attached::new(#name, &mut self.#field)))
        })
        .collect();
    let components = (!attached.is_empty()).then(|| {
        quote! {
            fn __components(&mut self) -> ::std::vec::Vec<::charm_runtime::__private::Attached<'_>> {
                ::std::vec![#(#attached),*]
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl ::charm_runtime::Charm for #ident {
            #components
            type Config = #config_ty;
            fn metadata() -> ::charm_runtime::CharmMeta {
                ::charm_runtime::CharmMeta {
                    name: #name.into(),
                    title: #title,
                    summary: #summary.into(),
                    description: #description.into(),
                    base: #base.into(),
                    platforms: ::std::vec![#(#platforms.into()),*],
                    binary: match ::core::option_env!("CARGO_BIN_NAME") {
                        ::core::option::Option::Some(bin) => bin,
                        ::core::option::Option::None => ::core::env!("CARGO_PKG_NAME"),
                    }
                    .into(),
                    subordinate: #subordinate,
                    assumes: ::std::vec![#(#assumes.into()),*],
                    endpoints: ::std::vec![#(#endpoint_metas),*],
                    config: ::charm_runtime::__private::config_options::<Self>(),
                    actions: ::std::vec![#(#action_metas),*],
                    storage: ::std::vec![#(#storage_metas),*],
                    containers: ::std::vec![#(#container_metas),*],
                    resources: ::std::vec![#(#resource_metas),*],
                }
            }
        }
    }
}

/// The declared config type, or `NoConfig`.
pub fn config_type(config: Option<&syn::Type>) -> TokenStream {
    match config {
        Some(t) => quote!(#t),
        None => quote!(::charm_runtime::NoConfig),
    }
}

fn endpoint_meta(e: &Endpoint) -> TokenStream {
    let name = &e.name;
    let role = runtime_role(e.role);
    // A component's endpoint: its interface is the library's.
    let interface = match &e.component {
        Some(field) => {
            let ty = &field.ty;
            quote_spanned!(ty.span()=> <#ty as ::charm_runtime::Component>::INTERFACE)
        }
        None => {
            let interface = &e.interface;
            quote!(#interface)
        }
    };
    let limit = match e.limit {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    };
    let optional = e.optional;
    let scope = if e.container_scope {
        quote!(::core::option::Option::Some(
            ::charm_runtime::__private::Scope::Container
        ))
    } else {
        quote!(::core::option::Option::None)
    };
    let description = opt(&e.description);
    quote! {
        ::charm_runtime::__private::EndpointMeta {
            name: #name.into(),
            role: #role,
            interface: #interface.into(),
            limit: #limit,
            optional: #optional,
            scope: #scope,
            description: #description,
        }
    }
}

fn storage_meta(s: &Storage) -> TokenStream {
    let (name, kind) = (&s.name, &s.kind);
    let (location, description) = (opt(&s.location), opt(&s.description));
    let (multiple, minimum_size) = (opt(&s.multiple), opt(&s.minimum_size));
    quote! {
        ::charm_runtime::__private::StorageMeta {
            name: #name.into(), kind: #kind.into(), location: #location,
            description: #description, multiple: #multiple, minimum_size: #minimum_size,
        }
    }
}

fn container_meta(c: &Container) -> TokenStream {
    let name = &c.name;
    let resource = opt(&c.resource.as_ref().map(|r| r.name.clone()));
    let mounts = c.mounts.iter().map(|m| {
        let (storage, location) = (&m.storage, &m.location);
        quote!((#storage.into(), #location.into()))
    });
    quote! {
        ::charm_runtime::__private::ContainerMeta {
            name: #name.into(), resource: #resource, mounts: ::std::vec![#(#mounts),*],
        }
    }
}

fn resource_meta(r: &Resource) -> TokenStream {
    let (name, kind) = (&r.name, &r.kind);
    let (description, filename) = (opt(&r.description), opt(&r.filename));
    quote! {
        ::charm_runtime::__private::ResourceMeta {
            name: #name.into(), kind: #kind.into(), description: #description, filename: #filename,
        }
    }
}

fn params_type(action: &Action) -> TokenStream {
    match &action.params {
        Some(t) => quote!(#t),
        None => quote!(::charm_runtime::NoParams),
    }
}

fn action_meta(charm: &Ident, a: &Action) -> TokenStream {
    let (name, description) = (&a.name, &a.description);
    // The type through `HasAction`: a misspelt type, or one without the derive, is one
    // error, at `type Params`.
    let hash = handshake::action_hash(&event_prefix(&a.name));
    quote! {
        ::charm_runtime::__private::ActionMeta {
            name: #name.into(),
            description: #description.into(),
            params: ::charm_runtime::__private::action_params::<#charm, #hash>(),
        }
    }
}

/// The action's parameter type, for the handlers' check (see [`handshake`]).
fn has_action(charm: &Ident, action: &Action) -> TokenStream {
    let hash = handshake::action_hash(&event_prefix(&action.name));
    let params = params_type(action);
    quote! {
        #[automatically_derived]
        impl ::charm_runtime::__private::HasAction<#hash> for #charm {
            type Params = #params;
        }
    }
}

/// The name as a constant's identifier (`LOG_FORWARDER`), at the name; `None` for a name
/// that cannot be one (only after an error about it).
fn const_ident(name: &str, span: Span) -> Option<Ident> {
    let ident = syn::parse_str::<Ident>(&const_name(name)).ok()?;
    Some(Ident::new(&ident.to_string(), span))
}

/// `impl Charm { pub const DB: Endpoint<..> = ..; pub const WORKLOAD: ContainerName = ..; }`
pub fn handles(charm: &Charm) -> TokenStream {
    let ident = &charm.ident;
    let endpoints = charm.endpoints.iter().filter_map(|e| {
        let cname = const_ident(&e.name, e.span.first)?;
        let name = &e.name;
        let role = match e.role {
            Role::Peer => quote!(Peers),
            Role::Provider => quote!(Provides),
            Role::Requirer => quote!(Requires),
        };
        let many = if e.role == Role::Peer || e.limit == Some(1) {
            quote!(::charm_runtime::One)
        } else {
            quote!(::charm_runtime::Many)
        };
        let interface = match &e.component {
            Some(field) => {
                let ty = &field.ty;
                format!("of the component `{}`", quote!(#ty).to_string().replace(' ', ""))
            }
            None => format!("`{}`", e.interface),
        };
        let doc = format!(
            "The `{}` endpoint (`{}`, interface {interface}).",
            e.name,
            e.role.section(),
        );
        Some(quote! {
            #[doc = #doc]
            pub const #cname: ::charm_runtime::Endpoint<::charm_runtime::relation::role::#role, #many> =
                ::charm_runtime::Endpoint::new(#name);
        })
    });
    let containers = charm.containers.iter().filter_map(|c| {
        let cname = const_ident(&c.name, c.span.first)?;
        let name = &c.name;
        let doc = format!("The `{name}` workload container.");
        Some(quote! {
            #[doc = #doc]
            pub const #cname: ::charm_runtime::ContainerName = ::charm_runtime::ContainerName::new(#name);
        })
    });
    quote! {
        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #(#endpoints)*
            #(#containers)*
        }
    }
}
