//! `#[derive(ActionParams)]`: each named field one parameter, `#[param(default = ..)]`
//! on it.

use super::{attr_props, default_value, kebab, known, named_fields};
use crate::ctxt::Ctxt;
use crate::model::Field;

/// The parameters of the struct, recording every mistake.
pub fn params(ctxt: &Ctxt, input: &syn::DeriveInput) -> Vec<Field> {
    let fields = named_fields(
        ctxt,
        input,
        "`ActionParams` is derived for a struct with named fields, one per parameter",
    );
    fields.into_iter().filter_map(|f| param(ctxt, f)).collect()
}

fn param(ctxt: &Ctxt, field: &syn::Field) -> Option<Field> {
    let ident = field.ident.clone()?;
    let mut param = Field {
        name: kebab(&ident),
        ident,
        ty: field.ty.clone(),
        default: None,
        description: super::docs(&field.attrs),
    };
    let props = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("param"))
        .map(|attr| attr_props(attr, ctxt))
        .collect();
    // `default` is the only key.
    for prop in known(ctxt, props, "param", &["default"], &[]).list {
        param.default = default_value(ctxt, &prop);
    }
    Some(param)
}
