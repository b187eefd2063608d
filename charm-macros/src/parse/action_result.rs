//! `#[derive(ActionResults)]`: each named field one result, its key the field's name in
//! kebab case, checked against the rule of Juju's `action-set`.

use super::{kebab, named_fields};
use crate::ctxt::Ctxt;

/// Result keys the controller keeps for itself (`reservedKeys` in juju/juju's
/// `internal/worker/uniter/runner/jujuc/action-set.go`); `charm_runtime::action` has the
/// same list.
const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// One result: the field and its key.
pub struct ResultField {
    pub ident: syn::Ident,
    pub key: String,
}

/// The results of the struct, recording every field whose key Juju would refuse.
pub fn results(ctxt: &Ctxt, input: &syn::DeriveInput) -> Vec<ResultField> {
    let fields = named_fields(
        ctxt,
        input,
        "`ActionResults` is derived for a struct with named fields, one per result",
    );
    fields
        .into_iter()
        .filter_map(|f| {
            let ident = f.ident.clone()?;
            let key = kebab(&ident);
            match key_problem(&key) {
                Some(problem) => {
                    ctxt.error(ident.span(), problem);
                    None
                }
                None => Some(ResultField { ident, key }),
            }
        })
        .collect()
}

/// Why Juju's `action-set` refuses `key`, if it does: it must match
/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$` (`Init` in `action-set.go`, the action name rule
/// of `internal/charm/actions.go`) and be none of [`RESERVED`].
fn key_problem(key: &str) -> Option<String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid =
        key.starts_with(alnum) && key.ends_with(alnum) && key.chars().all(|c| alnum(c) || c == '-');
    if !valid {
        return Some(format!(
            "this field is the action result key `{key}`, which Juju's `action-set` refuses: a key is lowercase letters, digits and dashes, starting and ending with a letter or digit (^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$); rename the field"
        ));
    }
    RESERVED.contains(&key).then(|| {
        format!(
            "`{key}` is an action result key Juju keeps for itself (reserved: {}); rename the field",
            RESERVED.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::key_problem;

    #[test]
    fn keys_as_action_set_checks_them() {
        for ok in ["backup-id", "size", "a1", "x-2-y"] {
            assert_eq!(key_problem(ok), None, "{ok}");
        }
        for bad in ["Size", "-private", "trailing-", "a.b", "é", ""] {
            assert!(key_problem(bad).is_some(), "{bad}");
        }
        assert!(key_problem("stderr").unwrap().contains("keeps for itself"));
    }
}
