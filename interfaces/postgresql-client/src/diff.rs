//! Which keys of a databag were added, changed or deleted since the library last looked.
//!
//! Both libraries keep, in a `data` field of a databag they own, the JSON of the remote
//! application databag (v0) or of each request (v1) as they last saw it, and compare the
//! new one against it: the custom events follow from the keys that were added or changed
//! (`diff` in `data_interfaces.py`; `dpcharmlibs.interfaces.diff`).

use std::collections::BTreeSet;

use crate::json::Object;

/// The field where the last seen data is kept.
pub const DATA_FIELD: &str = "data";

/// Keys added, changed (present before and after, with another value) and deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Keys that were not there before.
    pub added: BTreeSet<String>,
    /// Keys whose value changed.
    pub changed: BTreeSet<String>,
    /// Keys that are gone.
    pub deleted: BTreeSet<String>,
}

impl Diff {
    pub(crate) fn between(old: &Object, new: &Object) -> Diff {
        let mut d = Diff::default();
        for (k, v) in new.iter() {
            match old.get(k) {
                None => {
                    d.added.insert(k.clone());
                }
                Some(o) if o != v => {
                    d.changed.insert(k.clone());
                }
                Some(_) => {}
            }
        }
        for k in old.keys() {
            if !new.contains_key(k) {
                d.deleted.insert(k.clone());
            }
        }
        d
    }

    /// Whether `key` was added.
    pub fn added(&self, key: &str) -> bool {
        self.added.contains(key)
    }

    /// Whether `key` was added or changed.
    pub fn added_or_changed(&self, key: &str) -> bool {
        self.added.contains(key) || self.changed.contains(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Json;

    fn obj(text: &str) -> Object {
        Json::parse(text).unwrap().as_object().unwrap().clone()
    }

    #[test]
    fn added_changed_deleted() {
        let d = Diff::between(
            &obj(r#"{"a": "1", "b": "2", "c": "3"}"#),
            &obj(r#"{"b": "2", "c": "4", "d": "5"}"#),
        );
        assert_eq!(d.added, ["d".to_string()].into());
        assert_eq!(d.changed, ["c".to_string()].into());
        assert_eq!(d.deleted, ["a".to_string()].into());
        assert!(d.added_or_changed("c") && d.added("d") && !d.added_or_changed("b"));
    }
}
