//! `#[derive(CharmConfig)]`: each named field one option, `#[option(default = ..,
//! name = "..", min = .., max = .., validate = path)]` on it; `#[derive(ConfigEnum)]`:
//! each unit variant one choice of a string option, `#[value(name = "..")]` on it.

use super::{attr_props, default_value, kebab, known, named_fields};
use crate::ctxt::Ctxt;
use crate::model::Field;

/// One option: the field, and what its value is checked against.
pub struct ConfigField {
    pub field: Field,
    /// `min = <number>`.
    pub min: Option<syn::Lit>,
    /// `max = <number>`.
    pub max: Option<syn::Lit>,
    /// `validate = path::to::function`.
    pub validate: Option<syn::Path>,
}

/// The options of the struct, recording every mistake.
pub fn options(ctxt: &Ctxt, input: &syn::DeriveInput) -> Vec<ConfigField> {
    let fields = named_fields(
        ctxt,
        input,
        "`CharmConfig` is derived for a struct with named fields, one per option",
    );
    fields.into_iter().filter_map(|f| option(ctxt, f)).collect()
}

/// A number literal (`min`, `max`); a mistake is recorded.
fn number(ctxt: &Ctxt, prop: &super::Prop) -> Option<syn::Lit> {
    match &prop.value {
        Some(super::Value::Lit(lit @ (syn::Lit::Int(_) | syn::Lit::Float(_)))) => Some(lit.clone()),
        _ => {
            let key = prop.name();
            ctxt.error(
                prop.value_span(),
                format!("`{key}` takes a number literal, e.g. `{key} = 1`"),
            );
            None
        }
    }
}

/// A function path (`validate`); a mistake is recorded.
fn function(ctxt: &Ctxt, prop: &super::Prop) -> Option<syn::Path> {
    match &prop.value {
        Some(super::Value::Type(ty)) => match ty.as_ref() {
            syn::Type::Path(p) if p.qself.is_none() => Some(p.path.clone()),
            _ => {
                ctxt.error(
                    prop.value_span(),
                    "`validate` takes the path of a function `fn(&T) -> Result<(), E>`, e.g. `validate = check_port`",
                );
                None
            }
        },
        _ => {
            ctxt.error(
                prop.value_span(),
                "`validate` takes the path of a function `fn(&T) -> Result<(), E>`, e.g. `validate = check_port`",
            );
            None
        }
    }
}

fn option(ctxt: &Ctxt, field: &syn::Field) -> Option<ConfigField> {
    let ident = field.ident.clone()?;
    let mut option = ConfigField {
        field: Field {
            name: kebab(&ident),
            ident,
            ty: field.ty.clone(),
            default: None,
            description: super::docs(&field.attrs),
        },
        min: None,
        max: None,
        validate: None,
    };
    let props = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("option"))
        .map(|attr| attr_props(attr, ctxt))
        .collect();
    let keys = ["default", "name", "min", "max", "validate"];
    for prop in known(ctxt, props, "option", &keys, &[]).list {
        match prop.name().as_str() {
            "default" => option.field.default = default_value(ctxt, &prop),
            "name" => {
                if let Some(name) = prop.string(ctxt) {
                    option.field.name = name;
                }
            }
            "min" => option.min = number(ctxt, &prop),
            "max" => option.max = number(ctxt, &prop),
            "validate" => option.validate = function(ctxt, &prop),
            _ => {}
        }
    }
    Some(option)
}

/// One choice of a `#[derive(ConfigEnum)]` enum.
pub struct Choice {
    pub variant: syn::Ident,
    /// The value in `config-get` (`log-level` for `LogLevel`, or `#[value(name = "..")]`).
    pub name: String,
}

/// The choices of a `#[derive(ConfigEnum)]` enum: its unit variants; anything else is an
/// error at its name.
pub fn choices(ctxt: &Ctxt, input: &syn::DeriveInput) -> Vec<Choice> {
    let syn::Data::Enum(data) = &input.data else {
        ctxt.error(
            input.ident.span(),
            "`ConfigEnum` is derived for an enum of unit variants, one per choice",
        );
        return Vec::new();
    };
    let mut out: Vec<Choice> = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, syn::Fields::Unit) {
            ctxt.error(
                v.ident.span(),
                format!(
                    "`{}` holds data: a config choice is a unit variant (the option is a string)",
                    v.ident
                ),
            );
            continue;
        }
        let mut name = snake_to_kebab(&v.ident.to_string());
        let props = v
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("value"))
            .map(|attr| attr_props(attr, ctxt))
            .collect();
        for prop in known(ctxt, props, "value", &["name"], &[]).list {
            if let Some(n) = prop.string(ctxt) {
                name = n;
            }
        }
        if out.iter().any(|c| c.name == name) {
            ctxt.error(
                v.ident.span(),
                format!("two variants are the choice `{name}`; give one `#[value(name = \"..\")]`"),
            );
            continue;
        }
        out.push(Choice {
            variant: v.ident.clone(),
            name,
        });
    }
    out
}

/// `LogLevel` ⇒ `log-level`, `TLS1_3` ⇒ `tls1-3`.
fn snake_to_kebab(variant: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = variant.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            out.push('-');
            continue;
        }
        let boundary = i > 0
            && c.is_uppercase()
            && chars[i - 1] != '_'
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_to_kebab;

    #[test]
    fn variant_names() {
        assert_eq!(snake_to_kebab("Info"), "info");
        assert_eq!(snake_to_kebab("LogLevel"), "log-level");
        assert_eq!(snake_to_kebab("HTTPServer"), "http-server");
        assert_eq!(snake_to_kebab("Tls1_3"), "tls1-3");
    }
}
