//! Juju's model as a unit's hook sees it, and the rules its hook tools enforce over it.
//!
//! One core for every place that answers hook tools without Juju: the in-memory test
//! backend of `charm-runtime` (`testing::MemoryTools`) and the model simulator of
//! `cargo-charm` (`sim`). Each is an adapter: it implements [`Model`] over its own
//! storage, runs a [`Hook`], and commits the hook's [`Pending`] changes its own way when
//! the hook exits 0.
//!
//! - [`Model`]: what the unit sees when its hook starts (relations and their databags,
//!   leadership, config, secrets, charm state, statuses, storage, ports).
//! - [`Hook`]: the running hook (the relation it is about, the action it runs) and
//!   [`Pending`], what it changed so far.
//! - [`HookContext`]: the hook tools, typed, one method per tool, with Juju's checks in
//!   Juju's order and Juju's texts ([`ToolError`]: exit code and message).
//! - [`cli`]: the same tools from their argv, as `gnuflag` parses them, printing what
//!   Juju's tools print.
//!
//! Each rule names the Juju source it follows (`github.com/juju/juju`, under
//! `internal/worker/uniter/runner/jujuc/` for the tools and
//! `internal/worker/uniter/runner/context/` for the hook context).
//!
//! ```
//! use juju_model::{Bag, Hook, HookContext, Model, RelationFlag, RelationGet, RelationInfo};
//!
//! /// `web/0`, a follower, related to `db` over relation 3.
//! struct Web(Bag);
//! impl Model for Web {
//!     fn model_uuid(&self) -> &str { "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f" }
//!     fn unit(&self) -> &str { "web/0" }
//!     fn app(&self) -> &str { "web" }
//!     fn is_leader(&self) -> bool { false }
//!     fn relation_ids(&self) -> Vec<u32> { vec![3] }
//!     fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
//!         (id == 3).then_some(RelationInfo {
//!             id, endpoint: "db", remote_app: "db", peer: false, joined: true, dying: false,
//!         })
//!     }
//!     fn app_bag(&self, id: u32, app: &str) -> Option<&Bag> {
//!         (id == 3 && app == "db").then_some(&self.0)
//!     }
//! }
//!
//! let model = Web(Bag::from([("host".to_string(), "10.0.0.7".to_string())]));
//! let mut hook = Hook::new(|| "cjhg2ok5jrbc769e4mkg".to_string());
//! let mut tools = HookContext::new(&model, &mut hook);
//! fn read(app: &str) -> RelationGet<'_> {
//!     RelationGet { relation: Some(RelationFlag::r("3")), app: true, target: Some(app) }
//! }
//! assert_eq!(tools.relation_get(read("db")).unwrap()["host"], "10.0.0.7");
//! // A follower may not read its own application's bag in a regular relation...
//! assert_eq!(tools.relation_get(read("web")).unwrap_err().message, "permission denied");
//! // ...nor write it.
//! let err = tools.relation_set(Some(RelationFlag::r("3")), true, Bag::new()).unwrap_err();
//! assert_eq!((err.code, err.message.as_str()), (1, "cannot write relation settings"));
//! ```

pub mod cli;
pub mod config;
mod error;
pub mod goyaml;
mod hook;
mod model;
pub mod names;
mod secret;
mod time;
mod tools;

pub use error::{quote, Result, ToolError};
pub use hook::{
    runs_restricted, Action, Hook, HookRelation, LogLine, Pending, RelationHookKind,
    RESTRICTED_HOOKS,
};
pub use model::{Bag, Model, RelationInfo, Status, StorageInstance};
pub use secret::{Consumer, Grant, Grantee, Owner, Scope, Secret, Secrets};
pub use tools::{
    charm_state_size, check_charm_state_commit, MAX_CHARM_STATE_KEY, MAX_CHARM_STATE_SIZE,
    MAX_CHARM_STATE_VALUE,
};
pub use tools::{
    ranges_with_endpoints, unique_ranges, AppStatus, BindAddress, GoalState, GoalStatus,
    HookContext, InterfaceAddress, NetworkInfo, OpenedPorts, PortRange, RelationFlag, RelationGet,
    SecretAdd, SecretGet, SecretInfo, SecretSet,
};
