//! Code generation, one file per macro. Generated code names only `::charm_runtime`
//! (the crate charms depend on) and its hidden `__private` module.

pub mod action_params;
pub mod action_result;
pub mod charm;
pub mod component;
pub mod config;
pub mod custom_event;
pub mod handlers;

use proc_macro2::TokenStream;
use quote::quote;

/// `Some(value.into())` or `None`.
fn opt(value: &Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v.into())),
        None => quote!(::core::option::Option::None),
    }
}
