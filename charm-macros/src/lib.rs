//! Procedural macros of `charm-runtime`. Use them through `charm_runtime` (which
//! re-exports them); the generated code refers only to `::charm_runtime`.
//!
//! Pipeline: `parse` (attributes into the `model`), `diagnostics` (checks with spans
//! and "did you mean"), `expand` (code generation).
//!
//! ## Map
//! - [`derive@Charm`]: the charm's declarations (`#[charm(..)]`, `#[peers(..)]`,
//!   `#[provides(..)]`, `#[requires(..)]`, `#[config(..)]`, `#[actions(..)]`,
//!   `#[storage(..)]`, `#[containers(..)]`, `#[resources(..)]`) become
//!   `charm_runtime::Charm`, its metadata (`charmcraft.yaml`) and one typed endpoint
//!   handle per endpoint (`Self::DB`).
//! - [`derive@CharmConfig`]: a struct's fields become config options.
//! - [`derive@ActionParams`]: a struct's fields become an action's parameters.
//! - [`macro@handlers`]: an `impl` block's `#[on(..)]` methods become the charm's
//!   handlers, each `#[on(..)]` event checked against the declarations at compile time.
#![deny(missing_docs)]

mod diagnostics;
mod expand;
mod model;
mod parse;

use proc_macro::TokenStream;

/// `#[derive(Charm)]`: see `charm_runtime::Charm`.
#[proc_macro_derive(
    Charm,
    attributes(
        charm, peers, provides, requires, config, actions, storage, containers, resources
    )
)]
pub fn derive_charm(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::charm(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[derive(CharmConfig)]`: see `charm_runtime::CharmConfig`.
#[proc_macro_derive(CharmConfig, attributes(option))]
pub fn derive_charm_config(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::config(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[derive(ActionParams)]`: see `charm_runtime::ActionParams`.
#[proc_macro_derive(ActionParams, attributes(param))]
pub fn derive_action_params(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::action_params(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[handlers]` on an `impl` block: registers its `#[on(..)]` methods.
#[proc_macro_attribute]
pub fn handlers(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::ItemImpl);
    expand::handlers(args.into(), item).into()
}

/// Generated code calls this with the charm's declarations and a `#[handlers]` block;
/// it checks each `#[on(..)]` event and registers the handlers.
#[doc(hidden)]
#[proc_macro]
pub fn __check_handlers(input: TokenStream) -> TokenStream {
    expand::check_handlers(input.into()).into()
}
