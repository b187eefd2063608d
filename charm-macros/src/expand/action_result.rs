//! `#[derive(ActionResults)]`: `impl ActionResults`, the fields as one JSON object under
//! their keys.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::parse;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let results = parse::action_result::results(&ctxt, &input);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let (errors, body) = match ctxt.check() {
        Ok(()) => {
            let inserts = results.iter().map(|r| {
                let (field, key) = (&r.ident, &r.key);
                quote! {
                    let value = ::charm_runtime::__private::result_value(&self.#field)?;
                    if !value.is_null() {
                        results.insert(#key.into(), value);
                    }
                }
            });
            (
                None,
                quote! {
                    let mut results = ::charm_runtime::__private::serde_json::Map::new();
                    #(#inserts)*
                    ::core::result::Result::Ok(
                        ::charm_runtime::__private::serde_json::Value::Object(results),
                    )
                },
            )
        }
        // The impl stays, so a use of the type reports nothing more.
        Err(errors) => (
            Some(errors.into_compile_error()),
            quote!(::core::unreachable!()),
        ),
    };
    quote! {
        #errors
        #[automatically_derived]
        impl #impl_generics ::charm_runtime::ActionResults for #ident #ty_generics #where_clause {
            fn to_results(
                &self,
            ) -> ::charm_runtime::Result<::charm_runtime::__private::serde_json::Value> {
                #body
            }
        }
    }
}
