//! [`Custom`]: a custom event as dispatch delivers it, emitted now or restored from a
//! deferred notice.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use super::Event;
use crate::component::CustomEvent;
use crate::error::{Error, Result};
use crate::relation::Relation;

/// The payload as emitted, with how to store it; or as stored by a deferred notice.
#[derive(Clone)]
pub(crate) enum Payload {
    Live {
        value: Rc<dyn Any>,
        to_json: fn(&dyn Any) -> serde_json::Result<serde_json::Value>,
        type_name: &'static str,
    },
    Stored(serde_json::Value),
}

impl Payload {
    pub(crate) fn live<E: CustomEvent>(event: E) -> Self {
        fn to_json<E: CustomEvent>(value: &dyn Any) -> serde_json::Result<serde_json::Value> {
            match value.downcast_ref::<E>() {
                Some(e) => serde_json::to_value(e),
                None => Err(serde::ser::Error::custom("payload of an unexpected type")),
            }
        }
        Payload::Live {
            value: Rc::new(event),
            to_json: to_json::<E>,
            type_name: std::any::type_name::<E>(),
        }
    }
}

/// A custom event (a component's `database::database_created`, or the charm's own
/// `restart_needed`), as a handler taking `&Event` sees it: [`Event::Custom`].
pub struct Custom {
    pub(crate) name: String,
    pub(crate) payload: Payload,
    pub(crate) relation: Option<Relation>,
    /// Set when a stored payload does not read as the handler's type.
    pub(crate) unreadable: RefCell<Option<String>>,
}

impl std::fmt::Debug for Custom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let payload = match &self.payload {
            Payload::Live { type_name, .. } => type_name.to_string(),
            Payload::Stored(_) => "<stored>".to_string(),
        };
        f.debug_struct("Custom")
            .field("name", &self.name)
            .field("payload", &payload)
            .field("relation", &self.relation.as_ref().map(Relation::id))
            .finish()
    }
}

impl Custom {
    pub(crate) fn new(name: String, payload: Payload, relation: Option<Relation>) -> Self {
        Custom {
            name,
            payload,
            relation,
            unreadable: RefCell::new(None),
        }
    }

    /// The event's name as `#[on(..)]` spells it: `database::database_created`, or
    /// `restart_needed` for the charm's own.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The endpoint of the component that emitted it; `None` for the charm's own event.
    pub fn endpoint(&self) -> Option<&str> {
        self.name.split_once("::").map(|(endpoint, _)| endpoint)
    }

    /// The relation of the Juju event it was emitted under, if that was a relation event.
    pub fn relation(&self) -> Option<&Relation> {
        self.relation.as_ref()
    }

    /// The payload as JSON, as a deferred event keeps it.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        match &self.payload {
            Payload::Live { value, to_json, .. } => to_json(&**value).map_err(|e| {
                Error::msg(format!(
                    "the payload of custom event `{}` cannot be written as JSON: {e}",
                    self.name
                ))
            }),
            Payload::Stored(json) => Ok(json.clone()),
        }
    }

    /// The payload, when it is an `E`.
    pub fn payload<E: CustomEvent + Clone>(&self) -> Result<E> {
        let mut result = Err(Error::msg(""));
        with_payload::<E>(self, |e: &E| {
            result = Ok(e.clone());
            Ok(())
        })?;
        match self.unreadable.borrow_mut().take() {
            Some(why) => Err(Error::msg(why)),
            None => result,
        }
    }
}

fn unexpected() -> Error {
    Error::msg("internal error: event of an unexpected kind")
}

/// Calls `handler` with the payload of `custom` as an `E`. A stored payload that does not
/// read as `E` is recorded in [`Custom::unreadable`] and the handler is not called.
fn with_payload<E: CustomEvent>(
    custom: &Custom,
    handler: impl FnOnce(&E) -> Result<()>,
) -> Result<()> {
    match &custom.payload {
        Payload::Live { value, .. } => match value.downcast_ref::<E>() {
            Some(e) => handler(e),
            None => Err(unexpected()),
        },
        Payload::Stored(json) => match E::deserialize(json) {
            Ok(e) => handler(&e),
            Err(why) => {
                *custom.unreadable.borrow_mut() = Some(format!(
                    "its stored payload does not read as `{}` any more: {why}",
                    std::any::type_name::<E>()
                ));
                Ok(())
            }
        },
    }
}

/// Used by generated code (`#[derive(CustomEvent)]`'s `EventArg`): the payload of the
/// custom event being dispatched, as an `E`.
#[doc(hidden)]
pub fn custom_arg<E: CustomEvent>(
    event: &Event,
    handler: impl FnOnce(&E) -> Result<()>,
) -> Result<()> {
    match event {
        Event::Custom(custom) => with_payload(custom, handler),
        _ => Err(unexpected()),
    }
}
