//! `#[derive(CustomEvent)]`: `impl CustomEvent`, and how a handler's `&Payload` parameter
//! is taken out of the dispatched event (`EventArg`).

use proc_macro2::TokenStream;
use quote::quote;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return syn::Error::new_spanned(
            &input.generics,
            "a custom event's payload is one type, not a generic one: a deferred event is read back as it",
        )
        .into_compile_error();
    }
    quote! {
        #[automatically_derived]
        impl ::charm_runtime::CustomEvent for #ident {}

        #[automatically_derived]
        impl ::charm_runtime::__private::EventArg<#ident> for #ident {
            fn with(
                event: &::charm_runtime::Event,
                handler: impl ::core::ops::FnOnce(&Self) -> ::charm_runtime::Result<()>,
            ) -> ::charm_runtime::Result<()> {
                ::charm_runtime::__private::custom_arg::<Self>(event, handler)
            }
        }
    }
}
