//! How a charm learns, at compile time, what each of its components is: the interface
//! and role to check the field's declaration against, and the events `#[on(..)]` may name.
//!
//! `#[component]` exports, next to the component type (`pub use` under the type's name,
//! so importing the type imports it), a macro holding the library's facts:
//!
//! ```text
//! #[macro_export]
//! macro_rules! __charm_component_DatabaseRequires_<hash> {
//!     ($($input:tt)*) => {
//!         ::charm_runtime::__private::attach_component! {
//!             library = { type_name = "DatabaseRequires", interface = "postgresql_client",
//!                         role = "requires", events = ["database_created" ..], },
//!             $($input)*
//!         }
//!     };
//! }
//! pub use __charm_component_DatabaseRequires_<hash> as DatabaseRequires;
//! ```
//!
//! `#[derive(Charm)]` on a charm with component fields calls the first component's macro
//! with the charm's declarations and every component field still to visit:
//!
//! ```text
//! DatabaseRequires! {
//!     charm = (Blog),
//!     declarations = { charm_type = "Blog", endpoints = [..], .. },
//!     pending = [{ endpoint = "database", role = requires, interface = (), ty = (DatabaseRequires) } ..],
//!     done = [],
//! }
//! ```
//!
//! and `__attach_component!` ([`step`]) sees the library's facts next to the user's
//! tokens (with their spans): it checks the first pending field (role, interface: errors
//! at the user's tokens, naming both sides), moves it to `done` with the library's events,
//! and calls the next pending component's macro; after the last, it defines the charm's
//! [handshake](crate::handshake) macro with every component's events, and the
//! `NamedEvent` impls that give each `<endpoint>::<event>` its payload type. Each step
//! expands in the charm's module, so each path means what the user wrote there.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

use crate::event_name::ComponentEvents;
use crate::handshake::{self, group, key, names};
use crate::model::{event_prefix, Charm, Component};

/// The name of a component's exported macro: the type's name and a hash of where it is
/// declared, since exported macros share the crate root.
fn macro_name(component: &Component) -> Ident {
    let site = format!("{}{:?}", component.ident, component.ident.span());
    format_ident!(
        "__charm_component_{}_{:x}",
        component.ident,
        handshake::action_hash(&site)
    )
}

/// `#[component]`'s side: the exported macro with the library's facts.
pub fn library_macro(component: &Component) -> TokenStream {
    let name = macro_name(component);
    let ident = &component.ident;
    let type_name = ident.to_string();
    let interface = &component.interface;
    let role = component.role.map(|r| r.section()).unwrap_or_default();
    let events = component.events.iter().map(|e| e.name.to_string());
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #name {
            ($($input:tt)*) => {
                ::charm_runtime::__private::attach_component! {
                    library = {
                        type_name = #type_name,
                        interface = #interface,
                        role = #role,
                        events = [#(#events)*],
                    },
                    $($input)*
                }
            };
        }
        #[doc(hidden)]
        pub use #name as #ident;
    }
}

/// The derive's side: the call of the first component's macro, which ends in the
/// charm's handshake macro. `declarations` are the charm's, but for `components`.
pub fn start(charm: &Charm, declarations: TokenStream) -> TokenStream {
    let pending: Vec<TokenStream> = charm
        .endpoints
        .iter()
        .filter_map(|e| {
            let field = e.component.as_ref()?;
            let endpoint = LitStr::new(&e.name, e.span.first);
            let role = Ident::new(e.role.section(), field.role_span);
            let interface = field
                .interface_span
                .map(|span| LitStr::new(&e.interface, span));
            let ty = &field.ty;
            Some(quote! {
                { endpoint = #endpoint, role = #role, interface = (#interface), ty = (#ty), }
            })
        })
        .collect();
    let Some(first) = charm.endpoints.iter().find_map(|e| e.component.as_ref()) else {
        return TokenStream::new();
    };
    let (ty, ident) = (&first.ty, &charm.ident);
    quote! {
        #ty! {
            charm = (#ident),
            declarations = { #declarations },
            pending = [#(#pending)*],
            done = [],
        }
    }
}

/// What a component's macro knows of itself.
struct Library {
    type_name: String,
    interface: String,
    role: String,
    events: Vec<String>,
}

impl Parse for Library {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "type_name")?;
        let type_name = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        key(input, "interface")?;
        let interface = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        key(input, "role")?;
        let role = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        let events = names(input, "events")?;
        Ok(Library {
            type_name,
            interface,
            role,
            events,
        })
    }
}

/// A component field still to visit, as the user declared it.
struct Pending {
    endpoint: LitStr,
    role: Ident,
    interface: Option<LitStr>,
    ty: TokenStream,
}

impl Parse for Pending {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "endpoint")?;
        let endpoint = input.parse()?;
        input.parse::<Token![,]>()?;
        key(input, "role")?;
        let role = input.parse()?;
        input.parse::<Token![,]>()?;
        let interface = group(input, "interface", |i| {
            if i.is_empty() {
                Ok(None)
            } else {
                i.parse().map(Some)
            }
        })?;
        let ty = group(input, "ty", |i| i.parse::<TokenStream>())?;
        Ok(Pending {
            endpoint,
            role,
            interface,
            ty,
        })
    }
}

/// A visited component field.
struct Done {
    endpoint: String,
    ty: TokenStream,
    type_name: String,
    events: Vec<String>,
}

impl Parse for Done {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "endpoint")?;
        let endpoint = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        let ty = group(input, "ty", |i| i.parse::<TokenStream>())?;
        key(input, "type_name")?;
        let type_name = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        let events = names(input, "events")?;
        Ok(Done {
            endpoint,
            ty,
            type_name,
            events,
        })
    }
}

impl quote::ToTokens for Done {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Done {
            endpoint,
            ty,
            type_name,
            events,
        } = self;
        tokens.extend(quote! {
            { endpoint = #endpoint, ty = (#ty), type_name = #type_name, events = [#(#events)*], }
        });
    }
}

/// What `__attach_component!` receives.
struct Step {
    library: Library,
    charm: Ident,
    declarations: TokenStream,
    pending: Vec<Pending>,
    done: Vec<Done>,
}

/// `key = [{ .. } ..],`
fn braced_list<T: Parse>(input: ParseStream, expected: &str) -> syn::Result<Vec<T>> {
    key(input, expected)?;
    let content;
    syn::bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let item;
        syn::braced!(item in content);
        out.push(item.parse()?);
    }
    input.parse::<Token![,]>()?;
    Ok(out)
}

impl Parse for Step {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "library")?;
        let library;
        syn::braced!(library in input);
        let library = library.parse()?;
        input.parse::<Token![,]>()?;
        let charm = group(input, "charm", Ident::parse)?;
        key(input, "declarations")?;
        let declarations;
        syn::braced!(declarations in input);
        let declarations = declarations.parse()?;
        input.parse::<Token![,]>()?;
        let pending = braced_list(input, "pending")?;
        let done = braced_list(input, "done")?;
        Ok(Step {
            library,
            charm,
            declarations,
            pending,
            done,
        })
    }
}

/// `__attach_component!`: checks one component field, then on to the next, or the
/// charm's handshake macro after the last.
pub fn step(input: TokenStream) -> TokenStream {
    let Step {
        library,
        charm,
        declarations,
        mut pending,
        mut done,
    } = match syn::parse2(input) {
        Ok(step) => step,
        Err(e) => return e.into_compile_error(),
    };
    if pending.is_empty() {
        return syn::Error::new(Span::call_site(), "internal error: no component to attach")
            .into_compile_error();
    }
    let current = pending.remove(0);
    let errors = check(&library, &current);
    done.push(Done {
        endpoint: current.endpoint.value(),
        ty: current.ty,
        type_name: library.type_name,
        events: library.events,
    });
    let next = match pending.first() {
        Some(next) => {
            let ty = &next.ty;
            let pending = pending.iter().map(|p| {
                let Pending {
                    endpoint,
                    role,
                    interface,
                    ty,
                } = p;
                quote!({ endpoint = #endpoint, role = #role, interface = (#interface), ty = (#ty), })
            });
            quote! {
                #ty! {
                    charm = (#charm),
                    declarations = { #declarations },
                    pending = [#(#pending)*],
                    done = [#(#done)*],
                }
            }
        }
        None => finish(&charm, declarations, &done),
    };
    quote!(#errors #next)
}

/// The field's declaration against the library's facts: errors at the user's tokens.
fn check(library: &Library, field: &Pending) -> TokenStream {
    let mut errors = TokenStream::new();
    let ty = &library.type_name;
    let endpoint = field.endpoint.value();
    if field.role != library.role {
        let message = format!(
            "`{ty}` is a `{role}` component (interface `{interface}`): attach it with `#[{role}({endpoint}(..))]`, not `#[{used}(..)]`",
            role = library.role,
            interface = library.interface,
            used = field.role,
        );
        errors.extend(syn::Error::new(field.role.span(), message).into_compile_error());
    }
    if let Some(interface) = &field.interface {
        if interface.value() != library.interface {
            let message = format!(
                "endpoint `{endpoint}` declares interface `{}`, but its component `{ty}` speaks `{}`: remove `interface = ..` (the component gives it) or attach a component of interface `{}`",
                interface.value(),
                library.interface,
                interface.value(),
            );
            errors.extend(syn::Error::new(interface.span(), message).into_compile_error());
        }
    }
    errors
}

/// After the last component: the charm's handshake macro, and each component event's
/// payload type under the charm's name for it (`<endpoint>::<event>`).
fn finish(charm: &Ident, declarations: TokenStream, done: &[Done]) -> TokenStream {
    let events: Vec<ComponentEvents> = done
        .iter()
        .map(|d| ComponentEvents {
            endpoint: event_prefix(&d.endpoint),
            type_name: d.type_name.clone(),
            events: d.events.clone(),
        })
        .collect();
    let mut all = declarations;
    all.extend(handshake::components(&events));
    let handshake = handshake::declare(charm, all);
    let named = done.iter().flat_map(|d| {
        let prefix = event_prefix(&d.endpoint);
        let ty = &d.ty;
        d.events.iter().map(move |event| {
            let outer = handshake::action_hash(&format!("{prefix}::{event}"));
            let inner = handshake::action_hash(event);
            quote_spanned! {Span::call_site()=>
                #[automatically_derived]
                impl ::charm_runtime::__private::NamedEvent<#outer> for #charm {
                    type Payload = <#ty as ::charm_runtime::__private::NamedEvent<#inner>>::Payload;
                }
            }
        })
    });
    quote! {
        #(#named)*
        #handshake
    }
}
