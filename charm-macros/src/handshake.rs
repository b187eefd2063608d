//! How `#[handlers]` learns what `#[derive(Charm)]` declared.
//!
//! Two macro invocations share no state (rustc may run them in any order, in any
//! process), so the derive hands its declarations over through the macro namespace, as
//! linkme and Rocket do. Next to `struct Webapp` it emits a `macro_rules!` named after
//! the type, holding the declarations:
//!
//! ```text
//! macro_rules! __charm_handlers_Webapp {
//!     ($($block:tt)*) => {
//!         ::charm_runtime::__private::check_handlers! {
//!             charm_type = "Webapp",
//!             endpoints = ["db" "log_forwarder"],   // as event prefixes: `-` became `_`
//!             actions = ["backup"],
//!             storage = ["data"],
//!             containers = ["workload"],
//!             events = ["restart_needed"],          // the charm's own custom events
//!             components = ["database" ("DatabaseRequires") ["database_created"]],
//!             $($block)*
//!         }
//!     };
//! }
//! pub(crate) use __charm_handlers_Webapp as Webapp;
//! ```
//!
//! `#[handlers] impl Webapp { .. }` calls it through the path the user wrote for the type
//! (`Webapp!`, `crate::charm::Webapp!`: importing the type imports the macro too) with
//! its block:
//!
//! ```text
//! Webapp! {
//!     self_ty = (Webapp),
//!     line = (::core::line!()),
//!     handler = { method = configure, events = [config_changed db_relation_changed],
//!                 event_param = (), output = (Result<()>) },
//! }
//! ```
//!
//! and `__check_handlers!` ([`Check`]) sees both: it checks each event name against the
//! declarations (`crate::event_name`) and registers the handlers
//! (`crate::expand::handlers`). Every token keeps the user's span through the
//! `macro_rules!`, so errors point at the `#[on(..)]` name.
//!
//! After an error in the declarations the derive emits [`stand_in`] instead: the macro
//! exists and expands to nothing, so handlers report no second error.
//!
//! The types of action parameters cannot travel this way (a path means something else in
//! the handlers' module), so the derive implements `HasAction<{action_hash(name)}>` for
//! the charm with `type Params`, and the handlers' check names that.
//!
//! The cost: the macro is `pub(crate)`, so a charm's handlers live in the charm's crate.
//!
//! ## Components
//!
//! A charm with components (fields declared as endpoints) learns their events the same
//! way, one step earlier: each `#[component]` exports a macro named after its type
//! ([`crate::attach`]), and the derive calls the first component's, which passes the
//! charm's declarations on to the next, each adding its events, until the last defines
//! the charm's handshake macro with `components = [..]` filled in. All of it expands in
//! the charm's module, where the component types' paths mean what the user wrote.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

use crate::event_name::{ComponentEvents, Declared};
use crate::model::{event_prefix, Charm, EventRef, Handler};

fn macro_name(charm: &Ident) -> Ident {
    format_ident!("__charm_handlers_{}", charm)
}

/// The derive's side: the declarations (`components` included), as a macro named after
/// the charm type.
pub fn declare(charm: &Ident, declarations: TokenStream) -> TokenStream {
    define(
        charm,
        quote! {
            ::charm_runtime::__private::check_handlers! {
                #declarations
                $($block)*
            }
        },
    )
}

/// `components = [..],`: the components' events, the last of the declarations.
pub fn components(components: &[ComponentEvents]) -> TokenStream {
    let entries = components.iter().map(|c| {
        let (endpoint, type_name, events) = (&c.endpoint, &c.type_name, &c.events);
        quote!(#endpoint (#type_name) [#(#events)*])
    });
    quote!(components = [#(#entries)*],)
}

/// `charm_type = "Webapp", endpoints = [..], .., events = [..],`: the first half of
/// [`Check`], but for `components`.
pub fn declarations(charm: &Charm) -> TokenStream {
    let prefixes = |names: Vec<&String>| -> Vec<String> {
        names.into_iter().map(|n| event_prefix(n)).collect()
    };
    let endpoints = prefixes(charm.endpoints.iter().map(|e| &e.name).collect());
    let actions = prefixes(charm.actions.iter().map(|a| &a.name).collect());
    let storage = prefixes(charm.storage.iter().map(|s| &s.name).collect());
    let containers = prefixes(charm.containers.iter().map(|c| &c.name).collect());
    let events = charm.events.iter().map(|e| e.name.to_string());
    let type_name = charm.ident.to_string();
    quote! {
        charm_type = #type_name,
        endpoints = [#(#endpoints)*],
        actions = [#(#actions)*],
        storage = [#(#storage)*],
        containers = [#(#containers)*],
        events = [#(#events)*],
    }
}

/// The derive's side after an error: a macro that takes any block and does nothing.
pub fn stand_in(charm: &Ident) -> TokenStream {
    define(charm, TokenStream::new())
}

pub fn define(charm: &Ident, body: TokenStream) -> TokenStream {
    let name = macro_name(charm);
    quote! {
        #[doc(hidden)]
        #[allow(unused_macros, non_snake_case)]
        macro_rules! #name {
            ($($block:tt)*) => { #body };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #name as #charm;
    }
}

/// The `#[handlers]` side: the block, given to the macro at `charm` (the path the user
/// wrote for the type).
pub fn call(charm: &syn::Path, block: TokenStream) -> TokenStream {
    quote!(#charm! { #block })
}

/// `self_ty = (..), line = (..), handler = { .. }, ..`: the second half of [`Check`].
pub fn block(self_ty: &syn::Type, line: TokenStream, handlers: &[Handler]) -> TokenStream {
    let handlers = handlers.iter().map(|h| {
        let Handler {
            method,
            events,
            event_param,
            output,
        } = h;
        quote! {
            handler = {
                method = #method,
                events = [#(#events)*],
                event_param = (#event_param),
                output = (#output),
            },
        }
    });
    quote! {
        self_ty = (#self_ty),
        line = (#line),
        #(#handlers)*
    }
}

/// The stable hash naming an action in `HasAction<H>` (FNV-1a of its event prefix), the
/// same as `charm_runtime::__private::action_hash`.
pub fn action_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// What `__check_handlers!` receives: the declarations and one `#[handlers]` block.
pub struct Check {
    /// The charm's Rust type name, for messages.
    pub charm_type: String,
    pub declared: Declared,
    pub self_ty: syn::Type,
    /// The line of the `impl`, which orders handlers of one event.
    pub line: syn::Expr,
    pub handlers: Vec<Handler>,
}

/// Reads `key = ` and checks the key.
pub fn key(input: ParseStream, expected: &str) -> syn::Result<()> {
    let key: Ident = input.parse()?;
    if key != expected {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{expected}`"),
        ));
    }
    input.parse::<Token![=]>()?;
    Ok(())
}

/// `key = [..],`: a list of names.
pub fn names(input: ParseStream, expected: &str) -> syn::Result<Vec<String>> {
    key(input, expected)?;
    let content;
    syn::bracketed!(content in input);
    let mut names = Vec::new();
    while !content.is_empty() {
        names.push(content.parse::<LitStr>()?.value());
    }
    input.parse::<Token![,]>()?;
    Ok(names)
}

/// `key = (..),`: what is inside the parentheses.
pub fn group<T>(
    input: ParseStream,
    expected: &str,
    inner: fn(ParseStream) -> syn::Result<T>,
) -> syn::Result<T> {
    key(input, expected)?;
    let content;
    syn::parenthesized!(content in input);
    let value = inner(&content)?;
    input.parse::<Token![,]>()?;
    Ok(value)
}

fn optional_type(input: ParseStream) -> syn::Result<Option<syn::Type>> {
    if input.is_empty() {
        Ok(None)
    } else {
        input.parse().map(Some)
    }
}

impl Parse for Handler {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "method")?;
        let method = input.parse()?;
        input.parse::<Token![,]>()?;
        key(input, "events")?;
        let content;
        syn::bracketed!(content in input);
        let mut events = Vec::new();
        while !content.is_empty() {
            let mut name: Ident = content.parse()?;
            let mut endpoint = None;
            if content.peek(Token![::]) {
                content.parse::<Token![::]>()?;
                endpoint = Some(name);
                name = content.parse()?;
            }
            events.push(EventRef { endpoint, name });
        }
        input.parse::<Token![,]>()?;
        let event_param = group(input, "event_param", optional_type)?;
        let output = group(input, "output", syn::Type::parse)?;
        Ok(Handler {
            method,
            events,
            event_param,
            output,
        })
    }
}

impl Parse for Check {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        key(input, "charm_type")?;
        let charm_type = input.parse::<LitStr>()?.value();
        input.parse::<Token![,]>()?;
        let declared = Declared {
            endpoints: names(input, "endpoints")?,
            actions: names(input, "actions")?,
            storage: names(input, "storage")?,
            containers: names(input, "containers")?,
            events: names(input, "events")?,
            components: component_events(input)?,
        };
        let self_ty = group(input, "self_ty", syn::Type::parse)?;
        let line = group(input, "line", syn::Expr::parse)?;
        let mut handlers = Vec::new();
        while !input.is_empty() {
            key(input, "handler")?;
            let content;
            syn::braced!(content in input);
            handlers.push(content.parse()?);
            input.parse::<Token![,]>()?;
        }
        Ok(Check {
            charm_type,
            declared,
            self_ty,
            line,
            handlers,
        })
    }
}

/// `components = ["endpoint" ("Type") ["event" ..] ..],`.
fn component_events(input: ParseStream) -> syn::Result<Vec<ComponentEvents>> {
    key(input, "components")?;
    let content;
    syn::bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let endpoint = content.parse::<LitStr>()?.value();
        let type_name;
        syn::parenthesized!(type_name in content);
        let type_name = type_name.parse::<LitStr>()?.value();
        let events;
        syn::bracketed!(events in content);
        let mut names = Vec::new();
        while !events.is_empty() {
            names.push(events.parse::<LitStr>()?.value());
        }
        out.push(ComponentEvents {
            endpoint,
            type_name,
            events: names,
        });
    }
    input.parse::<Token![,]>()?;
    Ok(out)
}
