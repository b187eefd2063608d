//! Typed stored state, as `ops`' `StoredState`: a serde type kept in the unit's charm
//! state (Juju's `state-get`/`state-set`) across hooks, for the charm
//! ([`Context::stored`](crate::Context::stored)) or for a component, per endpoint
//! ([`ComponentContext::stored`](crate::component::ComponentContext::stored)).
//!
//! ```
//! use charm_runtime::prelude::*;
//! use charm_runtime::stored::StoredState;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Default, Serialize, Deserialize)]
//! struct Restarts {
//!     count: u32,
//! }
//! impl StoredState for Restarts {
//!     const KEY: &'static str = "restarts";
//! }
//!
//! #[derive(Charm, Default)]
//! #[charm(name = "demo", summary = "Counts its restarts")]
//! pub struct Demo;
//!
//! #[handlers]
//! impl Demo {
//!     #[on(start)]
//!     fn started(&mut self, ctx: &mut Context<Self>) -> Result<()> {
//!         let mut restarts: Restarts = ctx.stored()?;
//!         restarts.count += 1;
//!         ctx.store(&restarts)?;
//!         ctx.set_status(Status::active(format!("started {} times", restarts.count)));
//!         Ok(())
//!     }
//! }
//! # use charm_runtime::testing::{self as scenario, Event, State};
//! # let out = scenario::Context::<Demo>::new().run(Event::start(), State::new().charm_state("charm-rs.stored.restarts", r#"{"count":2}"#)).unwrap();
//! # assert_eq!(out.state.unit_status, Status::active("started 3 times"));
//! # assert_eq!(out.state.charm_state["charm-rs.stored.restarts"], r#"{"count":3}"#);
//! ```
//!
//! **Where it is kept.** One charm-state value per type, JSON, under
//! `charm-rs.stored.<KEY>` for the charm and `charm-rs.stored.<endpoint>.<KEY>` for a
//! component (so two instances of one library keep theirs apart). The whole charm state is
//! read with one `state-get` per hook at most (shared with the deferred events), and what
//! changed is written with one `state-set` when the hook succeeds: a failed hook keeps
//! nothing, as Juju commits charm state only then.
//!
//! **Size.** Juju keeps at most 64 KiB per value (`MaxCharmStateValueSize` in
//! <https://github.com/juju/juju/blob/main/core/quota/fixed_limits.go>; `state-set` fails
//! with `max allowed value length (65536) exceeded`). [`store`](crate::Context::store)
//! refuses a larger value at once, with an error naming the key and the size, instead of
//! the hook failing at its end.
//!
//! A value that no longer reads as the type (a field renamed without `#[serde(default)]`
//! or an alias) is an error naming the key: the hook fails, nothing is lost, and the next
//! revision of the charm can read it.

use crate::error::{Error, Result};
use crate::model::ModelInner;

/// A type kept in the unit's charm state: its key, and serde for the value.
pub trait StoredState: serde::Serialize + serde::de::DeserializeOwned + Default {
    /// The name it is kept under: lowercase letters, digits, `-` and `_` (checked when
    /// the program is built).
    const KEY: &'static str;
}

/// The charm-state keys of typed stored state start with this.
pub const PREFIX: &str = "charm-rs.stored.";

/// Juju's limit on one charm-state value, in bytes (`MaxCharmStateValueSize`).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Juju's limit on one charm-state key, in bytes (`MaxCharmStateKeySize`).
pub const MAX_KEY_BYTES: usize = 256;

/// Whether `key` is a valid [`StoredState::KEY`].
pub const fn valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !matches!(b[i], b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// The charm-state key of `S`, for the charm (`endpoint` `None`) or a component.
pub fn key_of<S: StoredState>(endpoint: Option<&str>) -> String {
    const {
        assert!(
            valid_key(S::KEY),
            "StoredState::KEY is lowercase letters, digits, `-` and `_`"
        )
    };
    match endpoint {
        Some(endpoint) => format!("{PREFIX}{endpoint}.{}", S::KEY),
        None => format!("{PREFIX}{}", S::KEY),
    }
}

pub(crate) fn load<S: StoredState>(model: &ModelInner, endpoint: Option<&str>) -> Result<S> {
    let key = key_of::<S>(endpoint);
    match model.state_get(&key)? {
        None => Ok(S::default()),
        Some(raw) => serde_json::from_str(&raw).map_err(|e| {
            Error::msg(format!(
                "stored state `{key}` does not read as `{}`: {e}",
                std::any::type_name::<S>()
            ))
        }),
    }
}

pub(crate) fn save<S: StoredState>(
    model: &ModelInner,
    endpoint: Option<&str>,
    value: &S,
) -> Result<()> {
    let key = key_of::<S>(endpoint);
    let raw = serde_json::to_string(value).map_err(|e| {
        Error::msg(format!(
            "stored state `{key}` cannot be written as JSON: {e}"
        ))
    })?;
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::msg(format!(
            "stored state key `{key}` is {} bytes: Juju keeps keys of at most {MAX_KEY_BYTES} bytes (`max allowed key length ({MAX_KEY_BYTES}) exceeded`); shorten the endpoint or `StoredState::KEY`",
            key.len()
        )));
    }
    if raw.len() > MAX_VALUE_BYTES {
        return Err(Error::msg(format!(
            "stored state `{key}` is {} bytes as JSON: Juju keeps at most {MAX_VALUE_BYTES} bytes per charm-state value (`max allowed value length ({MAX_VALUE_BYTES}) exceeded`); keep large data elsewhere (a file in the charm directory, a secret, a peer relation)",
            raw.len()
        )));
    }
    model.state_write(&key, Some(raw));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct S;
    impl StoredState for S {
        const KEY: &'static str = "s-1_x";
    }

    #[test]
    fn keys_name_the_owner() {
        assert_eq!(key_of::<S>(None), "charm-rs.stored.s-1_x");
        assert_eq!(key_of::<S>(Some("db")), "charm-rs.stored.db.s-1_x");
        for bad in ["", "A", "a.b", "a/b", "a b"] {
            assert!(!valid_key(bad), "{bad}");
        }
    }
}
