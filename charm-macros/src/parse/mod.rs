//! The attributes of each macro into the [`model`](crate::model), one grammar per file:
//! the charm's declarations ([`charm`]), `#[option(..)]` ([`config`]), `#[param(..)]`
//! ([`action_params`]) and `#[on(..)]` ([`handlers`]). Mistakes go to the
//! [`Ctxt`](crate::ctxt::Ctxt); what parsed is kept.
//!
//! This file holds what the grammars share: names that may contain dashes, `key = value`
//! properties, doc comments.

pub mod action_params;
pub mod action_result;
pub mod charm;
pub mod component;
pub mod config;
pub mod handlers;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::model::{EventDecl, NameSpan};

/// Collects the doc comments of an item as rustdoc reads them: lines of a paragraph
/// joined with a space, paragraphs with a blank line.
pub fn docs(attrs: &[Attribute]) -> String {
    let lines = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => Some(s.value()),
            _ => None,
        });
    let mut out = String::new();
    for line in lines {
        let line = line.strip_prefix(' ').unwrap_or(&line).trim_end();
        if line.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

/// A declared name, which may contain dashes: `db`, `log-forwarder`, `"log-forwarder"`.
pub struct DashedName {
    pub name: String,
    pub span: NameSpan,
}

impl Parse for DashedName {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            let span = lit.span();
            return Ok(DashedName {
                name: lit.value(),
                span: NameSpan {
                    first: span,
                    last: span,
                },
            });
        }
        // Keywords are names too: `type`, `async`.
        let first = Ident::parse_any(input)?;
        let mut name = first.to_string();
        let mut last = first.span();
        while input.peek(Token![-]) {
            input.parse::<Token![-]>()?;
            let next = Ident::parse_any(input)?;
            name.push('-');
            name.push_str(&next.to_string());
            last = next.span();
        }
        Ok(DashedName {
            name,
            span: NameSpan {
                first: first.span(),
                last,
            },
        })
    }
}

/// The value of a property: a literal (`"postgresql_client"`, `1`, `true`) or a type
/// (`params = BackupParams`).
pub enum Value {
    Lit(syn::Lit),
    Type(Box<syn::Type>),
}

impl quote::ToTokens for Value {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        match self {
            Value::Lit(l) => l.to_tokens(tokens),
            Value::Type(t) => t.to_tokens(tokens),
        }
    }
}

/// `key = value`, or a bare `flag`.
pub struct Prop {
    pub key: Ident,
    pub value: Option<Value>,
}

impl Parse for Prop {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = Ident::parse_any(input)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(if input.peek(syn::Lit) {
                Value::Lit(input.parse()?)
            } else {
                Value::Type(Box::new(input.parse()?))
            })
        } else {
            None
        };
        Ok(Prop { key, value })
    }
}

impl Prop {
    /// The key as written, without `r#`: `type` for `r#type`.
    pub fn name(&self) -> String {
        self.key.unraw().to_string()
    }

    /// Where the value is, or the key when there is none.
    pub fn value_span(&self) -> Span {
        self.value
            .as_ref()
            .map(Spanned::span)
            .unwrap_or(self.key.span())
    }

    /// A string value; a mistake is recorded.
    pub fn string(&self, ctxt: &Ctxt) -> Option<String> {
        let key = self.name();
        match &self.value {
            Some(Value::Lit(syn::Lit::Str(s))) => Some(s.value()),
            Some(other) => {
                ctxt.error(
                    other.span(),
                    format!("`{key}` takes a string, e.g. `{key} = \"...\"`"),
                );
                None
            }
            None => {
                ctxt.error(
                    self.key.span(),
                    format!("`{key}` takes a value, e.g. `{key} = \"...\"`"),
                );
                None
            }
        }
    }

    /// A flag: bare (`optional`) or `= true`/`= false`; a mistake is recorded.
    pub fn flag(&self, ctxt: &Ctxt) -> Option<bool> {
        match &self.value {
            None => Some(true),
            Some(Value::Lit(syn::Lit::Bool(b))) => Some(b.value),
            Some(other) => {
                let key = self.name();
                ctxt.error(
                    other.span(),
                    format!("`{key}` is a flag: write `{key}` or `{key} = false`"),
                );
                None
            }
        }
    }
}

/// The comma-separated items of a list, each parsed on its own: an item with a mistake
/// is an error and left out, the others are kept (so one typo loses one item, not the
/// list).
pub struct Items<T> {
    pub list: Vec<T>,
    /// Whether an item did not parse.
    pub failed: bool,
}

impl<T> FromIterator<Items<T>> for Items<T> {
    fn from_iter<I: IntoIterator<Item = Items<T>>>(iter: I) -> Self {
        let mut all = Items {
            list: Vec::new(),
            failed: false,
        };
        for items in iter {
            all.list.extend(items.list);
            all.failed |= items.failed;
        }
        all
    }
}

/// Splits `tokens` at its top-level commas (not those of `Type<A, B>`) and parses each
/// part with `parse`.
pub fn items<T>(
    ctxt: &Ctxt,
    tokens: TokenStream,
    parse: impl Fn(ParseStream) -> syn::Result<T>,
) -> Items<T> {
    let mut parts = vec![TokenStream::new()];
    let mut angle_depth = 0usize;
    for token in tokens {
        if let TokenTree::Punct(p) = &token {
            match p.as_char() {
                ',' if angle_depth == 0 => {
                    parts.push(TokenStream::new());
                    continue;
                }
                '<' => angle_depth += 1,
                '>' => angle_depth = angle_depth.saturating_sub(1),
                _ => {}
            }
        }
        parts.last_mut().expect("one part at least").extend([token]);
    }
    let mut out = Items {
        list: Vec::new(),
        failed: false,
    };
    let whole = |input: ParseStream| {
        let item = parse(input)?;
        if !input.is_empty() {
            return Err(input.error("expected `,` here: items of a list are separated by commas"));
        }
        Ok(item)
    };
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        match ctxt.ok(whole.parse2(part)) {
            Some(item) => out.list.push(item),
            None => out.failed = true,
        }
    }
    out
}

/// The items of an attribute's parentheses (`#[requires(a(..), b(..))]`).
pub fn attr_items<T>(
    ctxt: &Ctxt,
    attr: &Attribute,
    parse: impl Fn(ParseStream) -> syn::Result<T>,
) -> Items<T> {
    match attr.meta.require_list() {
        Ok(list) => items(ctxt, list.tokens.clone(), parse),
        Err(e) => {
            ctxt.push(e);
            Items {
                list: Vec::new(),
                failed: true,
            }
        }
    }
}

/// The properties of an attribute: `#[charm(name = "..", subordinate)]`.
pub fn attr_props(attr: &Attribute, ctxt: &Ctxt) -> Items<Prop> {
    attr_items(ctxt, attr, Prop::parse)
}

/// The properties of a `what` (`endpoint`, `storage`, ..) whose keys are `known`.
pub struct Props {
    pub list: Vec<Prop>,
    /// Whether a key was unknown: then a missing required key is most likely that one,
    /// misspelt, and is not reported again.
    pub misspelt: bool,
}

/// Checks the keys of `props`: an unknown key is an error (with the closest known one)
/// and a key given twice is an error at the second, unless it is `repeatable`
/// (`platform`, `mount`: each adds one). Both are left out.
pub fn known(
    ctxt: &Ctxt,
    props: Items<Prop>,
    what: &str,
    known: &[&str],
    repeatable: &[&str],
) -> Props {
    let mut out = Props {
        list: Vec::new(),
        misspelt: props.failed,
    };
    for prop in props.list {
        let key = prop.name();
        if !known.contains(&key.as_str()) {
            let hint = closest(&key, known.iter().copied())
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            ctxt.error(
                prop.key.span(),
                format!(
                    "unknown {what} property `{key}`{hint}; expected {}",
                    one_of(known)
                ),
            );
            out.misspelt = true;
        } else if !repeatable.contains(&key.as_str()) && out.list.iter().any(|p| p.name() == key) {
            ctxt.error(prop.key.span(), format!("`{key}` is given twice; keep one"));
        } else {
            out.list.push(prop);
        }
    }
    out
}

/// Custom events, `name = Type, ..` (`events(database_created = DatabaseCreated)`): a
/// name is a snake-case identifier, declared once, and each has its own payload type (an
/// event is emitted by its type).
pub fn event_decls(ctxt: &Ctxt, props: Items<Prop>) -> Vec<EventDecl> {
    let mut out: Vec<EventDecl> = Vec::new();
    for prop in props.list {
        let name = prop.name();
        let snake = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.ends_with('_')
            && !name.contains("__");
        if !snake {
            ctxt.error(
                prop.key.span(),
                format!("invalid event name `{name}`: lowercase letters, digits and single `_`, starting with a letter (e.g. `database_created`)"),
            );
            continue;
        }
        let Some(Value::Type(payload)) = prop.value else {
            ctxt.error(
                prop.value_span(),
                format!("`{name}` takes the event's payload type: `{name} = MyEvent`"),
            );
            continue;
        };
        let key = Ident::new(&name, prop.key.span());
        let same_type = |d: &&EventDecl| {
            quote::quote!(#payload).to_string() == {
                let t = &d.payload;
                quote::quote!(#t).to_string()
            }
        };
        if out.iter().any(|d| d.name == key) {
            ctxt.error(key.span(), format!("event `{name}` is declared twice"));
        } else if let Some(first) = out.iter().find(same_type) {
            ctxt.error_spanned_by(
                &payload,
                format!(
                    "events `{}` and `{name}` have the same payload type: an event is emitted by its type, so give each its own (a newtype will do)",
                    first.name
                ),
            );
        } else {
            out.push(EventDecl {
                name: key,
                payload: *payload,
            });
        }
    }
    out
}

/// `` `a`, `b` or `c` ``.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The candidate closest to `name`, if any is close enough to be a misspelling.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The name Juju gives a Rust field: `config-path` for `config_path`.
pub fn kebab(ident: &Ident) -> String {
    ident.unraw().to_string().replace('_', "-")
}

/// The named fields of a derive's struct; anything else is an error at its name.
pub fn named_fields<'a>(
    ctxt: &Ctxt,
    input: &'a syn::DeriveInput,
    message: &str,
) -> Vec<&'a syn::Field> {
    match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(fields),
            ..
        }) => fields.named.iter().collect(),
        _ => {
            ctxt.error(input.ident.span(), message);
            Vec::new()
        }
    }
}

/// The literal of `default = ..`; a mistake is recorded.
pub fn default_value(ctxt: &Ctxt, prop: &Prop) -> Option<syn::Lit> {
    match &prop.value {
        Some(Value::Lit(lit)) => Some(lit.clone()),
        _ => {
            ctxt.error(
                prop.value_span(),
                "`default` takes a literal: a string, a number or `true`/`false`",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn a_mistake_loses_one_item() {
        let ctxt = Ctxt::new();
        let props = items(
            &ctxt,
            quote!(interface = "pg" limit = 1, params = Map<String, u8>, optional),
            Prop::parse,
        );
        let names: Vec<String> = props.list.iter().map(Prop::name).collect();
        assert_eq!(names, ["params", "optional"]);
        assert!(props.failed);
        assert_eq!(ctxt.check().unwrap_err().into_iter().count(), 1);
    }

    #[test]
    fn docs_join_as_rustdoc_does() {
        let item: syn::DeriveInput = syn::parse_quote! {
            /// One line
            /// and its rest.
            ///
            /// Second paragraph.
            struct S;
        };
        assert_eq!(
            docs(&item.attrs),
            "One line and its rest.\n\nSecond paragraph."
        );
    }
}
