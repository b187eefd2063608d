//! Procedural macros of `charm-runtime`. Use them through `charm_runtime` (which
//! re-exports them, with their user documentation); the generated code refers only to
//! `::charm_runtime`.
//!
//! ## How each macro runs
//!
//! As serde_derive and thiserror do: `parse` reads the attributes into the `model`,
//! recording every mistake in a `ctxt::Ctxt` instead of stopping at the first;
//! `valid` checks declarations against each other; `expand` writes the code, one
//! file per macro; after an error, `fallback` writes what did parse, so one mistake
//! is one error. `#[handlers]` learns what `#[derive(Charm)]` declared through the
//! `handshake` macro, and checks event names with `event_name` against the
//! catalogue in `events`. A charm learns its components' interfaces, roles and events
//! through the macro each `#[component]` exports (`attach`).
//!
//! ## Seeing the expansion
//!
//! `CHARM_MACROS_DEBUG=1 cargo check -p my-charm` prints each expansion to stderr (as
//! axum-macros' `AXUM_MACROS_DEBUG` does); rustc does not track the variable, so touch
//! the charm's source first to make it expand again. `cargo expand` (a separate tool)
//! shows the same, formatted. `src/tests/small_charm.expanded.rs` is a snapshot of a small
//! charm's expansion, checked by `cargo test -p charm-macros`.
#![deny(missing_docs)]

mod attach;
mod ctxt;
mod event_name;
mod events;
mod expand;
mod fallback;
mod handshake;
mod model;
mod parse;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;

/// Prints `output` when `CHARM_MACROS_DEBUG` is set.
fn debug(macro_name: &str, output: proc_macro2::TokenStream) -> TokenStream {
    if std::env::var_os("CHARM_MACROS_DEBUG").is_some() {
        eprintln!("// charm-macros: expansion of {macro_name}\n{output}\n");
    }
    output.into()
}

/// `#[derive(Charm)]`: see `charm_runtime::Charm`.
#[proc_macro_derive(
    Charm,
    attributes(
        charm, peers, provides, requires, config, actions, storage, containers, resources, events
    )
)]
pub fn derive_charm(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug("#[derive(Charm)]", expand::charm::derive(input))
}

/// `#[derive(CharmConfig)]`: see `charm_runtime::CharmConfig`.
#[proc_macro_derive(CharmConfig, attributes(option))]
pub fn derive_charm_config(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug("#[derive(CharmConfig)]", expand::config::derive(input))
}

/// `#[derive(ConfigEnum)]`: see `charm_runtime::ConfigEnum`.
#[proc_macro_derive(ConfigEnum, attributes(value))]
pub fn derive_config_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug("#[derive(ConfigEnum)]", expand::config::derive_enum(input))
}

/// `#[derive(ActionParams)]`: see `charm_runtime::ActionParams`.
#[proc_macro_derive(ActionParams, attributes(param))]
pub fn derive_action_params(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug(
        "#[derive(ActionParams)]",
        expand::action_params::derive(input),
    )
}

/// `#[derive(ActionResults)]`: see `charm_runtime::ActionResults`.
#[proc_macro_derive(ActionResults)]
pub fn derive_action_results(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug(
        "#[derive(ActionResults)]",
        expand::action_result::derive(input),
    )
}

/// `#[handlers]` on an `impl` block: see `charm_runtime::handlers`.
#[proc_macro_attribute]
pub fn handlers(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::ItemImpl);
    debug(
        "#[handlers]",
        expand::handlers::attribute(args.into(), item),
    )
}

/// `#[component(..)]` on an `impl` block: see `charm_runtime::component`.
#[proc_macro_attribute]
pub fn component(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::ItemImpl);
    debug(
        "#[component]",
        expand::component::attribute(args.into(), item),
    )
}

/// `#[derive(CustomEvent)]`: see `charm_runtime::CustomEvent`.
#[proc_macro_derive(CustomEvent)]
pub fn derive_custom_event(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    debug(
        "#[derive(CustomEvent)]",
        expand::custom_event::derive(input),
    )
}

/// One step of a charm learning its components: a component's facts and the charm's
/// declarations in, checks and the next step out (see `attach.rs`).
#[doc(hidden)]
#[proc_macro]
pub fn __attach_component(input: TokenStream) -> TokenStream {
    debug("#[derive(Charm)] (component)", attach::step(input.into()))
}

/// The handshake's far end: the charm's declarations and one `#[handlers]` block in,
/// checks and registrations out (see `handshake.rs`).
#[doc(hidden)]
#[proc_macro]
pub fn __check_handlers(input: TokenStream) -> TokenStream {
    debug("#[handlers] (check)", expand::handlers::check(input.into()))
}
