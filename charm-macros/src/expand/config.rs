//! `#[derive(CharmConfig)]`: `impl CharmConfig`, the options (for `charmcraft.yaml`) and
//! reading them from `config-get`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::model::Field;
use crate::parse;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let options = parse::config::options(&ctxt, &input);
    let ident = &input.ident;
    let (errors, body) = match ctxt.check() {
        Ok(()) => {
            let metas = options.iter().map(option_meta);
            let reads = options.iter().map(read);
            let body = quote! {
                fn options() -> ::std::vec::Vec<::charm_runtime::ConfigOption> {
                    ::std::vec![#(#metas),*]
                }
                fn from_values(
                    values: &::charm_runtime::__private::serde_json::Map<::std::string::String, ::charm_runtime::__private::serde_json::Value>,
                ) -> ::charm_runtime::Result<Self> {
                    ::core::result::Result::Ok(Self { #(#reads),* })
                }
            };
            (None, body)
        }
        // The impl stays, so `#[config(..)]` and `ctx.config()` report nothing more.
        Err(errors) => {
            let body = quote! {
                fn options() -> ::std::vec::Vec<::charm_runtime::ConfigOption> { ::core::unreachable!() }
                fn from_values(
                    _: &::charm_runtime::__private::serde_json::Map<::std::string::String, ::charm_runtime::__private::serde_json::Value>,
                ) -> ::charm_runtime::Result<Self> { ::core::unreachable!() }
            };
            (Some(errors.into_compile_error()), body)
        }
    };
    quote! {
        #errors
        #[automatically_derived]
        impl ::charm_runtime::CharmConfig for #ident {
            #body
        }
    }
}

fn default_expr(option: &Field) -> TokenStream {
    let ty = &option.ty;
    match &option.default {
        Some(lit) => quote_spanned! {lit.span()=>
            ::core::option::Option::Some(<#ty as ::charm_runtime::__private::OptionValue>::literal_json(#lit))
        },
        None => quote!(::core::option::Option::None),
    }
}

fn option_meta(option: &Field) -> TokenStream {
    let (name, ty, description) = (&option.name, &option.ty, &option.description);
    let default = default_expr(option);
    quote! {
        ::charm_runtime::ConfigOption {
            name: #name.into(),
            kind: <#ty as ::charm_runtime::__private::OptionValue>::TYPE,
            default: #default,
            description: #description.into(),
        }
    }
}

fn read(option: &Field) -> TokenStream {
    let (ident, name, ty) = (&option.ident, &option.name, &option.ty);
    let default = default_expr(option);
    quote_spanned! {ty.span()=>
        #ident: ::charm_runtime::__private::read_option::<#ty>(values, #name, #default)?
    }
}
