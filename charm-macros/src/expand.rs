//! Code generation.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token};

use crate::diagnostics;
use crate::model::{Charm, Role};
use crate::parse;

// ---------------------------------------------------------------------------------------
// #[derive(Charm)]

pub fn charm(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let charm = match parse::charm(&input) {
        Ok(c) => c,
        Err(e) => {
            // One mistake, one error: stand-ins so handlers and uses do not cascade.
            let ident = &input.ident;
            let macro_name = format_ident!("__charm_handlers_{}", ident);
            let error = e.into_compile_error();
            return Ok(quote! {
                #error
                impl ::charm_runtime::Charm for #ident {
                    type Config = ::charm_runtime::NoConfig;
                    fn metadata() -> ::charm_runtime::CharmMeta {
                        ::core::unimplemented!("the charm's declarations did not compile")
                    }
                }
                #[doc(hidden)]
                #[allow(unused_macros, non_snake_case)]
                macro_rules! #macro_name { ($($t:tt)*) => {}; }
                #[doc(hidden)]
                #[allow(unused_imports)]
                pub(crate) use #macro_name as #ident;
            });
        }
    };
    let Charm {
        ident,
        attrs,
        docs,
        endpoints,
        config,
        actions,
        storage,
        containers,
        resources,
    } = &charm;
    let name = attrs.name.clone().unwrap_or_default();
    let title = match &attrs.title {
        Some(t) => quote!(::core::option::Option::Some(#t.into())),
        None => quote!(::core::option::Option::None),
    };
    let summary = attrs.summary.clone().unwrap_or_default();
    let description = attrs
        .description
        .clone()
        .or_else(|| (!docs.is_empty()).then(|| docs.clone()))
        .unwrap_or_else(|| summary.clone());
    let base = attrs.base.clone().unwrap_or_else(|| "ubuntu@24.04".into());
    let platforms = if attrs.platforms.is_empty() {
        vec!["amd64".to_string()]
    } else {
        attrs.platforms.clone()
    };
    let subordinate = attrs.subordinate;
    let assumes = &attrs.assumes;
    let config_ty = match config {
        Some(t) => quote!(#t),
        None => quote!(::charm_runtime::NoConfig),
    };
    let endpoint_metas = endpoints.iter().map(|e| {
        let name = &e.name;
        let role = match e.role {
            Role::Peers => quote!(::charm_runtime::Role::Peer),
            Role::Provides => quote!(::charm_runtime::Role::Provider),
            Role::Requires => quote!(::charm_runtime::Role::Requirer),
        };
        let interface = &e.interface;
        let limit = match e.limit {
            Some(l) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None),
        };
        let optional = e.optional;
        let scope = if e.container_scope {
            quote!(::core::option::Option::Some(
                ::charm_runtime::__private::Scope::Container
            ))
        } else {
            quote!(::core::option::Option::None)
        };
        let description = match &e.description {
            Some(d) => quote!(::core::option::Option::Some(#d.into())),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::charm_runtime::__private::EndpointMeta {
                name: #name.into(),
                role: #role,
                interface: #interface.into(),
                limit: #limit,
                optional: #optional,
                scope: #scope,
                description: #description,
            }
        }
    });
    let consts = endpoints.iter().map(|e| {
        let cname = Ident::new(&e.const_name(), e.span.first());
        let name = &e.name;
        let role = match e.role {
            Role::Peers => quote!(Peers),
            Role::Provides => quote!(Provides),
            Role::Requires => quote!(Requires),
        };
        let many = if e.role == Role::Peers || e.limit == Some(1) {
            quote!(::charm_runtime::One)
        } else {
            quote!(::charm_runtime::Many)
        };
        let doc = format!(
            "The `{}` endpoint (`{}`, interface `{}`).",
            e.name,
            e.role.attr(),
            e.interface
        );
        quote! {
            #[doc = #doc]
            pub const #cname: ::charm_runtime::Endpoint<::charm_runtime::relation::role::#role, #many> =
                ::charm_runtime::Endpoint::new(#name);
        }
    });
    let prefixes: Vec<String> = endpoints.iter().map(|e| e.event_prefix()).collect();
    let storage_prefixes: Vec<String> = storage.iter().map(|s| s.name.replace('-', "_")).collect();
    let container_prefixes: Vec<String> = containers
        .iter()
        .map(|c| c.name.replace('-', "_"))
        .collect();
    let opt = |v: &Option<String>| match v {
        Some(v) => quote!(::core::option::Option::Some(#v.into())),
        None => quote!(::core::option::Option::None),
    };
    let storage_metas = storage.iter().map(|s| {
        let (name, kind) = (&s.name, &s.kind);
        let (location, description, multiple, minimum_size) = (
            opt(&s.location),
            opt(&s.description),
            opt(&s.multiple),
            opt(&s.minimum_size),
        );
        quote! {
            ::charm_runtime::__private::StorageMeta {
                name: #name.into(), kind: #kind.into(), location: #location,
                description: #description, multiple: #multiple, minimum_size: #minimum_size,
            }
        }
    });
    let container_metas = containers.iter().map(|c| {
        let name = &c.name;
        let resource = opt(&c.resource.as_ref().map(|(r, _)| r.clone()));
        let mounts = c
            .mounts
            .iter()
            .map(|(s, l, _)| quote!((#s.into(), #l.into())));
        quote! {
            ::charm_runtime::__private::ContainerMeta {
                name: #name.into(), resource: #resource, mounts: ::std::vec![#(#mounts),*],
            }
        }
    });
    let resource_metas = resources.iter().map(|r| {
        let (name, kind) = (&r.name, &r.kind);
        let (description, filename) = (opt(&r.description), opt(&r.filename));
        quote! {
            ::charm_runtime::__private::ResourceMeta {
                name: #name.into(), kind: #kind.into(), description: #description, filename: #filename,
            }
        }
    });
    let container_consts = containers.iter().map(|c| {
        let cname = Ident::new(&c.name.replace('-', "_").to_uppercase(), c.span.first());
        let name = &c.name;
        let doc = format!("The `{name}` workload container.");
        quote! {
            #[doc = #doc]
            pub const #cname: ::charm_runtime::ContainerName = ::charm_runtime::ContainerName::new(#name);
        }
    });
    let action_prefixes: Vec<String> = actions.iter().map(|a| a.name.replace('-', "_")).collect();
    let action_params: Vec<TokenStream> = actions
        .iter()
        .map(|a| match &a.params {
            Some(t) => quote!(#t),
            None => quote!(::charm_runtime::NoParams),
        })
        .collect();
    let action_metas = actions.iter().zip(&action_params).map(|(a, params)| {
        let name = &a.name;
        let description = &a.description;
        quote! {
            ::charm_runtime::__private::ActionMeta {
                name: #name.into(),
                description: #description.into(),
                params: <#params as ::charm_runtime::ActionParams>::params(),
            }
        }
    });
    let has_actions = actions.iter().zip(&action_params).map(|(a, params)| {
        let hash = diagnostics::action_hash(&a.name.replace('-', "_"));
        quote! {
            impl ::charm_runtime::__private::HasAction<#hash> for #ident {
                type Params = #params;
            }
        }
    });
    let macro_name = format_ident!("__charm_handlers_{}", ident);
    let charm_name_str = ident.to_string();
    Ok(quote! {
        impl ::charm_runtime::Charm for #ident {
            type Config = #config_ty;
            fn metadata() -> ::charm_runtime::CharmMeta {
                ::charm_runtime::CharmMeta {
                    name: #name.into(),
                    title: #title,
                    summary: #summary.into(),
                    description: #description.into(),
                    base: #base.into(),
                    platforms: ::std::vec![#(#platforms.into()),*],
                    binary: match ::core::option_env!("CARGO_BIN_NAME") {
                        ::core::option::Option::Some(bin) => bin,
                        ::core::option::Option::None => ::core::env!("CARGO_PKG_NAME"),
                    }
                    .into(),
                    subordinate: #subordinate,
                    assumes: ::std::vec![#(#assumes.into()),*],
                    endpoints: ::std::vec![#(#endpoint_metas),*],
                    config: <#config_ty as ::charm_runtime::CharmConfig>::options(),
                    actions: ::std::vec![#(#action_metas),*],
                    storage: ::std::vec![#(#storage_metas),*],
                    containers: ::std::vec![#(#container_metas),*],
                    resources: ::std::vec![#(#resource_metas),*],
                }
            }
        }

        #(#has_actions)*

        #[allow(dead_code)]
        impl #ident {
            #(#consts)*
            #(#container_consts)*
        }

        #[doc(hidden)]
        #[allow(unused_macros, non_snake_case)]
        macro_rules! #macro_name {
            ($($t:tt)*) => {
                ::charm_runtime::__private::check_handlers! {
                    #charm_name_str [#(#prefixes)*] [#(#action_prefixes)*]
                    [#(#storage_prefixes)*] [#(#container_prefixes)*] $($t)*
                }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #macro_name as #ident;
    })
}

// ---------------------------------------------------------------------------------------
// #[derive(CharmConfig)]

pub fn config(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(f),
            ..
        }) => &f.named,
        _ => {
            return Err(syn::Error::new(
                ident.span(),
                "`CharmConfig` is derived for a struct with named fields, one per option",
            ))
        }
    };
    let mut options = Vec::new();
    let mut reads = Vec::new();
    for field in fields {
        let fident = field.ident.as_ref().expect("named field");
        let ty = &field.ty;
        let mut name = fident
            .to_string()
            .trim_start_matches("r#")
            .replace('_', "-");
        let mut default: Option<syn::Lit> = None;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("option")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    default = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("name") {
                    let lit: LitStr = meta.value()?.parse()?;
                    name = lit.value();
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown option property; expected `default = ..` or `name = \"..\"`",
                    ))
                }
            })?;
        }
        let description = parse::docs(&field.attrs);
        let default_expr = match &default {
            Some(lit) => quote_spanned! {lit.span()=>
                ::core::option::Option::Some(<#ty as ::charm_runtime::__private::OptionValue>::literal_json(#lit))
            },
            None => quote!(::core::option::Option::None),
        };
        options.push(quote! {
            ::charm_runtime::ConfigOption {
                name: #name.into(),
                kind: <#ty as ::charm_runtime::__private::OptionValue>::TYPE,
                default: #default_expr,
                description: #description.into(),
            }
        });
        reads.push(quote_spanned! {ty.span()=>
            #fident: ::charm_runtime::__private::read_option::<#ty>(values, #name, #default_expr)?
        });
    }
    Ok(quote! {
        impl ::charm_runtime::CharmConfig for #ident {
            fn options() -> ::std::vec::Vec<::charm_runtime::ConfigOption> {
                ::std::vec![#(#options),*]
            }
            fn from_values(
                values: &::charm_runtime::__private::serde_json::Map<::std::string::String, ::charm_runtime::__private::serde_json::Value>,
            ) -> ::charm_runtime::Result<Self> {
                ::core::result::Result::Ok(Self { #(#reads),* })
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// #[derive(ActionParams)]

pub fn action_params(input: syn::DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(f),
            ..
        }) => &f.named,
        _ => {
            return Err(syn::Error::new(
                ident.span(),
                "`ActionParams` is derived for a struct with named fields, one per parameter",
            ))
        }
    };
    let params = fields.iter().map(|field| {
        let ty = &field.ty;
        let name = field
            .ident
            .as_ref()
            .map(|i| i.to_string().trim_start_matches("r#").replace('_', "-"))
            .unwrap_or_default();
        let description = parse::docs(&field.attrs);
        let mut default: Option<syn::Lit> = None;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("param")) {
            if let Err(e) = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    default = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("unknown param property; expected `default = ..`"))
                }
            }) {
                return e.into_compile_error();
            }
        }
        let set_default = default.as_ref().map(|lit| {
            quote!(schema.insert("default".into(), ::charm_runtime::__private::serde_json::Value::from(#lit));)
        });
        let required = default.is_none();
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
    });
    Ok(quote! {
        impl ::charm_runtime::ActionParams for #ident {
            fn params() -> ::std::vec::Vec<::charm_runtime::__private::ParamMeta> {
                ::std::vec![#(#params),*]
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// #[handlers]

struct HandlerSig {
    method: Ident,
    events: Vec<Ident>,
    param: Option<syn::Type>,
}

fn on_events(attr: &syn::Attribute) -> syn::Result<Vec<Ident>> {
    attr.parse_args_with(|input: ParseStream| {
        Ok(input
            .parse_terminated(Ident::parse, Token![,])?
            .into_iter()
            .collect())
    })
}

fn handler_sig(method: &mut syn::ImplItemFn) -> syn::Result<Option<HandlerSig>> {
    let mut events = Vec::new();
    let mut found = false;
    let mut err: Option<syn::Error> = None;
    method.attrs.retain(|attr| {
        if attr.path().is_ident("on") {
            found = true;
            match on_events(attr) {
                Ok(mut e) => events.append(&mut e),
                Err(e) => err = Some(e),
            }
            false
        } else {
            true
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    if !found {
        return Ok(None);
    }
    let sig = &method.sig;
    if events.is_empty() {
        return Err(syn::Error::new(
            sig.ident.span(),
            "`#[on(..)]` needs at least one event, e.g. `#[on(config_changed)]`",
        ));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(syn::FnArg::Receiver(syn::Receiver {
            kind: syn::ReceiverKind::Reference(_, _, Some(_)),
            ..
        })) => {}
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "a handler takes `&mut self` first: `fn name(&mut self, ctx: &mut Context<Self>, ..)`",
            ))
        }
        None => {
            return Err(syn::Error::new(
                sig.paren_token.span.join(),
                "a handler takes `&mut self` and the context: `fn name(&mut self, ctx: &mut Context<Self>)`",
            ))
        }
    }
    if inputs.next().is_none() {
        return Err(syn::Error::new(
            sig.paren_token.span.join(),
            "a handler takes the context after `&mut self`: `ctx: &mut Context<Self>`",
        ));
    }
    let param = match inputs.next() {
        None => None,
        Some(syn::FnArg::Typed(pt)) => match &*pt.ty {
            syn::Type::Reference(r) if r.mutability.is_none() => Some((*r.elem).clone()),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "take the event by shared reference, e.g. `event: &RelationChanged`",
                ))
            }
        },
        Some(other) => return Err(syn::Error::new(other.span(), "unexpected receiver")),
    };
    if let Some(extra) = inputs.next() {
        return Err(syn::Error::new(
            extra.span(),
            "a handler takes at most three parameters: `&mut self`, the context and the event",
        ));
    }
    Ok(Some(HandlerSig {
        method: sig.ident.clone(),
        events,
        param,
    }))
}

pub fn handlers(args: TokenStream, mut item: syn::ItemImpl) -> TokenStream {
    let mut errors = TokenStream::new();
    if !args.is_empty() {
        errors.extend(
            syn::Error::new(args.span(), "`#[handlers]` takes no arguments").into_compile_error(),
        );
    }
    if let Some((path, _)) = &item.trait_ {
        errors.extend(
            syn::Error::new(
                path.span(),
                "`#[handlers]` goes on an inherent `impl MyCharm { .. }` block, not a trait impl",
            )
            .into_compile_error(),
        );
        return quote!(#item #errors);
    }
    let self_path = match &*item.self_ty {
        syn::Type::Path(p) if p.qself.is_none() && !has_generics(&p.path) => p.path.clone(),
        other => {
            errors.extend(
                syn::Error::new(
                    other.span(),
                    "`#[handlers]` needs the charm type by name, e.g. `impl MyCharm`",
                )
                .into_compile_error(),
            );
            return quote!(#item #errors);
        }
    };
    let mut sigs = Vec::new();
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            match handler_sig(method) {
                Ok(Some(sig)) => sigs.push(sig),
                Ok(None) => {}
                Err(e) => errors.extend(e.into_compile_error()),
            }
        }
    }
    let self_ty = &item.self_ty;
    let line = quote_spanned!(item.impl_token.span=> ::core::line!());
    let entries = sigs.iter().map(|s| {
        let method = &s.method;
        let events = &s.events;
        let param = s.param.as_ref().map(|p| quote!(#p));
        quote!(fn #method (#(#events)*) (#param);)
    });
    quote! {
        #item
        #errors
        #self_path! { @block (#self_ty) (#line) #(#entries)* }
    }
}

fn has_generics(path: &syn::Path) -> bool {
    path.segments
        .iter()
        .any(|s| !matches!(s.arguments, syn::PathArguments::None))
}

// ---------------------------------------------------------------------------------------
// __check_handlers!: declarations + one #[handlers] block -> checks + registrations.

struct CheckInput {
    charm: String,
    declared: diagnostics::Declared,
    self_ty: syn::Type,
    line: syn::Expr,
    handlers: Vec<(Ident, Vec<Ident>, Option<syn::Type>)>,
}

impl Parse for CheckInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let charm: LitStr = input.parse()?;
        let mut lists = Vec::new();
        for _ in 0..4 {
            let content;
            syn::bracketed!(content in input);
            let mut names = Vec::new();
            while !content.is_empty() {
                names.push(content.parse::<LitStr>()?.value());
            }
            lists.push(names);
        }
        let mut lists = lists.into_iter();
        let mut next = || lists.next().unwrap_or_default();
        let declared = diagnostics::Declared {
            endpoints: next(),
            actions: next(),
            storage: next(),
            containers: next(),
        };
        input.parse::<Token![@]>()?;
        let kw: Ident = input.parse()?;
        if kw != "block" {
            return Err(syn::Error::new(kw.span(), "expected `@block`"));
        }
        let ty;
        syn::parenthesized!(ty in input);
        let self_ty: syn::Type = ty.parse()?;
        let line;
        syn::parenthesized!(line in input);
        let line: syn::Expr = line.parse()?;
        let mut handlers = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![fn]>()?;
            let method: Ident = input.parse()?;
            let evs;
            syn::parenthesized!(evs in input);
            let mut events = Vec::new();
            while !evs.is_empty() {
                events.push(evs.parse::<Ident>()?);
            }
            let param;
            syn::parenthesized!(param in input);
            let param = if param.is_empty() {
                None
            } else {
                Some(param.parse::<syn::Type>()?)
            };
            input.parse::<Token![;]>()?;
            handlers.push((method, events, param));
        }
        Ok(CheckInput {
            charm: charm.value(),
            declared,
            self_ty,
            line,
            handlers,
        })
    }
}

pub fn check_handlers(input: TokenStream) -> TokenStream {
    let input: CheckInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.into_compile_error(),
    };
    let self_ty = &input.self_ty;
    let line = &input.line;
    let mut out = TokenStream::new();
    for (index, (method, events, param)) in input.handlers.iter().enumerate() {
        let index = index as u32;
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        for ev in events {
            let name = ev.to_string();
            match diagnostics::event_type(&name, &input.declared, &input.charm) {
                Ok(kind) => {
                    let action = (kind == "ActionEvent")
                        .then(|| diagnostics::action_hash(name.trim_end_matches("_action")));
                    names.push(name);
                    kinds.push((action, Ident::new(kind, Span::call_site())));
                }
                Err(message) => {
                    out.extend(syn::Error::new(ev.span(), message).into_compile_error())
                }
            }
        }
        let Some((_, first_kind)) = kinds.first() else {
            continue;
        };
        // One span for every local of the generated function: the method's, so a wrong
        // signature is reported at the method and the locals resolve alike (hygiene).
        let (charm, ctx, event) = (
            Ident::new("charm", method.span()),
            Ident::new("ctx", method.span()),
            Ident::new("event", method.span()),
        );
        let call = match param {
            Some(param) => {
                let asserts = kinds.iter().map(|(action, kind)| {
                    let action_assert = action.map(|hash| {
                        quote_spanned! {param.span()=>
                            __assert_action_arg::<#self_ty, #hash, #param>();
                        }
                    });
                    quote_spanned! {param.span()=>
                        __assert_event_arg::<::charm_runtime::event::#kind, #param>();
                        #action_assert
                    }
                });
                let invoke =
                    quote_spanned!(method.span()=> <#self_ty>::#method(#charm, #ctx, #event));
                quote! {
                    fn __assert_event_arg<K, T: ?::core::marker::Sized + ::charm_runtime::__private::EventArg<K>>() {}
                    #[allow(dead_code)]
                    fn __assert_action_arg<C, const H: u64, T: ?::core::marker::Sized + ::charm_runtime::__private::ActionArg<C, H>>() {}
                    #(#asserts)*
                    <#param as ::charm_runtime::__private::EventArg<::charm_runtime::event::#first_kind>>::with(
                        #event,
                        |#event| #invoke,
                    )
                }
            }
            None => {
                let invoke = quote_spanned!(method.span()=> <#self_ty>::#method(#charm, #ctx));
                quote! {
                    let _ = #event;
                    #invoke
                }
            }
        };
        let name = format!(
            "{}::{}",
            quote!(#self_ty).to_string().replace(' ', ""),
            method
        );
        out.extend(quote! {
            const _: () = {
                fn __call(
                    #charm: &mut dyn ::charm_runtime::__private::Any,
                    #ctx: &mut dyn ::charm_runtime::__private::Any,
                    #event: &::charm_runtime::Event,
                ) -> ::charm_runtime::Result<()> {
                    let #charm = ::charm_runtime::__private::downcast::<#self_ty>(#charm, "charm")?;
                    let #ctx = ::charm_runtime::__private::context::<#self_ty>(#ctx)?;
                    #call
                }
                ::charm_runtime::__private::inventory::submit! {
                    ::charm_runtime::__private::HandlerEntry {
                        charm: ::charm_runtime::__private::type_id::<#self_ty>,
                        events: &[#(#names),*],
                        name: #name,
                        module: ::core::module_path!(),
                        line: #line,
                        index: #index,
                        call: __call,
                    }
                }
            };
        });
    }
    out
}
