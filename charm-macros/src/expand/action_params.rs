//! `#[derive(ActionParams)]`: `impl ActionParams`, the parameters' JSON schema (for
//! `charmcraft.yaml`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::model::Field;
use crate::parse;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let params = parse::action_params::params(&ctxt, &input);
    let ident = &input.ident;
    let (errors, body) = match ctxt.check() {
        Ok(()) => {
            let params = params.iter().map(param_meta);
            (None, quote!(::std::vec![#(#params),*]))
        }
        // The impl stays, so `#[actions(..(params = ..))]` reports nothing more.
        Err(errors) => (
            Some(errors.into_compile_error()),
            quote!(::core::unreachable!()),
        ),
    };
    quote! {
        #errors
        #[automatically_derived]
        impl ::charm_runtime::ActionParams for #ident {
            fn params() -> ::std::vec::Vec<::charm_runtime::__private::ParamMeta> {
                #body
            }
        }
    }
}

fn param_meta(param: &Field) -> TokenStream {
    let (name, ty, description) = (&param.name, &param.ty, &param.description);
    let set_default = param.default.as_ref().map(|lit| {
        quote!(schema.insert("default".into(), ::charm_runtime::__private::serde_json::Value::from(#lit));)
    });
    let required = param.default.is_none();
    quote! {
        {
            let mut schema = match <#ty as ::charm_runtime::__private::ParamType>::schema() {
                ::charm_runtime::__private::serde_json::Value::Object(m) => m,
                _ => ::charm_runtime::__private::serde_json::Map::new(),
            };
            if !#description.is_empty() {
                schema.insert("description".into(), #description.into());
            }
            #set_default
            ::charm_runtime::__private::ParamMeta {
                name: #name.into(),
                schema: ::charm_runtime::__private::serde_json::Value::Object(schema),
                required: #required && <#ty as ::charm_runtime::__private::ParamType>::REQUIRED,
            }
        }
    }
}
