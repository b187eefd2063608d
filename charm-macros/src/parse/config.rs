//! `#[derive(CharmConfig)]`: each named field one option, `#[option(default = ..,
//! name = "..")]` on it.

use super::{attr_props, default_value, kebab, known, named_fields};
use crate::ctxt::Ctxt;
use crate::model::Field;

/// The options of the struct, recording every mistake.
pub fn options(ctxt: &Ctxt, input: &syn::DeriveInput) -> Vec<Field> {
    let fields = named_fields(
        ctxt,
        input,
        "`CharmConfig` is derived for a struct with named fields, one per option",
    );
    fields.into_iter().filter_map(|f| option(ctxt, f)).collect()
}

fn option(ctxt: &Ctxt, field: &syn::Field) -> Option<Field> {
    let ident = field.ident.clone()?;
    let mut option = Field {
        name: kebab(&ident),
        ident,
        ty: field.ty.clone(),
        default: None,
        description: super::docs(&field.attrs),
    };
    let props = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("option"))
        .map(|attr| attr_props(attr, ctxt))
        .collect();
    for prop in known(ctxt, props, "option", &["default", "name"], &[]).list {
        match prop.name().as_str() {
            "default" => option.default = default_value(ctxt, &prop),
            "name" => {
                if let Some(name) = prop.string(ctxt) {
                    option.name = name;
                }
            }
            _ => {}
        }
    }
    Some(option)
}
