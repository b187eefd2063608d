//! What `#[derive(Charm)]` emits after an error, besides the error: what did parse, so
//! one mistake is one error (thiserror's `fallback.rs`, clap's dummies). The endpoint and
//! container constants stay (`Self::DB` in a handler still resolves), the real `Config`
//! type stays (`ctx.config()?.field` still type-checks), and the handshake macro takes
//! the `#[handlers]` blocks without checking them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::charm::{config_type, handles};
use crate::handshake;
use crate::model::Charm;

pub fn charm(charm: &Charm) -> TokenStream {
    let ident = &charm.ident;
    let config = config_type(charm.config.as_ref());
    let handles = handles(charm);
    let handshake = handshake::stand_in(ident);
    quote! {
        #[automatically_derived]
        impl ::charm_runtime::Charm for #ident {
            type Config = #config;
            fn metadata() -> ::charm_runtime::CharmMeta {
                ::core::unreachable!("the charm's declarations did not compile")
            }
        }
        #handles
        #handshake
    }
}
