//! `#[derive(CharmConfig)]`: `impl CharmConfig`, the options (for `charmcraft.yaml`) and
//! reading them from `config-get`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::model::Field;
use crate::parse;
use crate::parse::config::ConfigField;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let options = parse::config::options(&ctxt, &input);
    let ident = &input.ident;
    let checks: Vec<TokenStream> = options.iter().map(default_check).collect();
    let (errors, body) = match ctxt.check() {
        Ok(()) => {
            let metas = options.iter().map(|o| option_meta(&o.field));
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
        #(#checks)*
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
            description: ::charm_runtime::__private::describe::<#ty>(#description),
        }
    }
}

/// A string default of an enum option must be one of its choices: checked at compile
/// time, the error at the literal.
fn default_check(option: &ConfigField) -> TokenStream {
    let ty = &option.field.ty;
    match &option.field.default {
        Some(lit @ syn::Lit::Str(_)) => quote_spanned! {lit.span()=>
            const _: () = ::core::assert!(
                ::charm_runtime::__private::is_choice(
                    <#ty as ::charm_runtime::__private::OptionValue>::CHOICES,
                    #lit,
                ),
                "this default is not one of the option's choices (the enum's `#[derive(ConfigEnum)]` values)",
            );
        },
        _ => TokenStream::new(),
    }
}

fn read(option: &ConfigField) -> TokenStream {
    let (ident, name, ty) = (&option.field.ident, &option.field.name, &option.field.ty);
    let default = default_expr(&option.field);
    // The bound as an `f64` literal (no cast for lints to flag in the charm's code).
    let as_f64 = |lit: &Option<syn::Lit>| {
        let digits = match lit {
            Some(syn::Lit::Int(i)) => i.base10_digits().to_string(),
            Some(syn::Lit::Float(f)) => f.base10_digits().to_string(),
            _ => return quote!(::core::option::Option::None),
        };
        let span = lit
            .as_ref()
            .map(Spanned::span)
            .unwrap_or_else(proc_macro2::Span::call_site);
        let lit = syn::LitFloat::new(&format!("{digits}f64"), span);
        quote_spanned!(span=> ::core::option::Option::Some(#lit))
    };
    let range = (option.min.is_some() || option.max.is_some()).then(|| {
        let (min, max) = (as_f64(&option.min), as_f64(&option.max));
        quote! { ::charm_runtime::__private::check_range(&value, #name, #min, #max)?; }
    });
    let validate = option.validate.as_ref().map(|f| {
        quote_spanned! {f.span()=> ::charm_runtime::__private::check_with(&value, #name, #f)?; }
    });
    quote_spanned! {ty.span()=>
        #ident: {
            let value = ::charm_runtime::__private::read_option::<#ty>(values, #name, #default)?;
            #range
            #validate
            value
        }
    }
}

/// `#[derive(ConfigEnum)]`: the enum is a string option with its variants as choices.
pub fn derive_enum(input: syn::DeriveInput) -> TokenStream {
    let ctxt = Ctxt::new();
    let choices = parse::config::choices(&ctxt, &input);
    let ident = &input.ident;
    if let Err(errors) = ctxt.check() {
        return errors.into_compile_error();
    }
    let names: Vec<&String> = choices.iter().map(|c| &c.name).collect();
    let variants: Vec<&syn::Ident> = choices.iter().map(|c| &c.variant).collect();
    let expected = format!(
        "one of {}",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    quote! {
        #[automatically_derived]
        impl ::charm_runtime::__private::OptionValue for #ident {
            type Literal = &'static str;
            const TYPE: ::charm_runtime::OptionType = ::charm_runtime::OptionType::String;
            const CHOICES: &'static [&'static str] = &[#(#names),*];
            fn from_json(value: &::charm_runtime::__private::serde_json::Value) -> ::core::option::Option<Self> {
                match value.as_str()? {
                    #(#names => ::core::option::Option::Some(Self::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn literal_json(literal: &'static str) -> ::charm_runtime::__private::serde_json::Value {
                ::charm_runtime::__private::serde_json::Value::from(literal)
            }
            fn expected() -> ::std::string::String {
                #expected.into()
            }
        }
        #[automatically_derived]
        impl #ident {
            /// The value `config-get` gives for this choice.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#variants => #names,)*
                }
            }
        }
    }
}
