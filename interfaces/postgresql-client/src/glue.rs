//! What both components need to talk to the model: databag writes, secret contents as
//! databags, protocol errors as the framework's.

use charm_runtime::{DataBag, Error, ReadWrite, Relation, SecretContent};

use crate::{Bag, BagWrites};

/// Applies `writes` to a databag (`None` removes the key).
pub(crate) fn apply(bag: &DataBag<'_, ReadWrite>, writes: BagWrites) {
    for (key, value) in writes {
        match value {
            Some(value) => bag.set(key, value),
            None => bag.remove(key),
        }
    }
}

/// A secret's content as the protocol functions take it.
pub(crate) fn bag_of(content: &SecretContent) -> Bag {
    content
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A protocol error as the framework's, naming the relation.
pub(crate) fn protocol_error(relation: &Relation) -> impl FnOnce(crate::Error) -> Error + '_ {
    move |e| Error::msg(format!("{}: {e}", relation.key()))
}
