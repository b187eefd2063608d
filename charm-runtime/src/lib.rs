//! # charm-runtime: Juju charms in Rust
//!
//! A charm declares its endpoints and config once, in Rust; the compiler checks every
//! handler against them; the binary is the charm's `dispatch` and prints its own
//! `charmcraft.yaml`.
//!
//! ```
//! use charm_runtime::prelude::*;
//!
//! #[derive(Charm, Default)]
//! #[charm(name = "demo", summary = "A demo charm", description = "Shows the shape of a charm.")]
//! #[requires(db(interface = "postgresql_client", limit = 1))]
//! #[peers(replicas(interface = "demo_peers"))]
//! pub struct Demo;
//!
//! #[handlers]
//! impl Demo {
//!     #[on(db_relation_changed)]
//!     fn db_changed(&mut self, ctx: &mut Context<Self>, event: &RelationChanged) -> Result<()> {
//!         let database = event.relation().remote_app_data()?.get("database")?;
//!         ctx.set_status(match database {
//!             Some(db) => Status::active(format!("using {db}")),
//!             None => Status::waiting("waiting for a database"),
//!         });
//!         Ok(())
//!     }
//!
//!     #[on(leader_elected, replicas_relation_changed)]
//!     fn publish(&mut self, ctx: &mut Context<Self>) -> Result<()> {
//!         let (Some(leader), Some(peers)) = (ctx.leader()?, ctx.relation(Self::REPLICAS)?) else {
//!             return Ok(());
//!         };
//!         peers.local_app_data(&leader).set("primary", ctx.unit_name());
//!         Ok(())
//!     }
//! }
//!
//! // charm_runtime::main!(Demo);   // in src/main.rs: the binary is `dispatch`
//! let yaml = <Demo as Charm>::metadata().charmcraft_yaml();
//! assert!(yaml.contains("peers:\n  replicas:\n    interface: demo_peers\n"));
//! ```
//!
//! ## Map
//! - Declarations: [`Charm`](macro@Charm), [`CharmConfig`](macro@CharmConfig),
//!   [`handlers`], [`main!`]. Generated data: [`metadata`].
//! - What a handler gets: [`Context`] ([`model`]), the [`event`] types.
//! - [`relation`]: [`Relation`] handles, [`Endpoint`] constants; [`databag`]: raw and
//!   typed (`ops`-compatible) data; [`Leader`]: the proof leader-only writes take.
//! - [`secret`], [`status`], [`config`].
//! - The `charm-catalogue` crate: every event a charm observes, in one table that the
//!   events, the environment, dispatch and deferral are generated from.
//! - [`backend`]: the hook-tool boundary; [`env`](mod@env): the Juju environment;
//!   [`dispatch`]: the hook's life, from handlers to flush; [`deferred`](mod@deferred):
//!   `ctx.defer()` and how deferred events are kept between hooks.
//! - `testing` (feature `testing`): Scenario-style `Context`/`State` runs and a `Harness`.
//! - Also: [`action`] (actions and their typed parameters), [`workload`] (containers,
//!   storage), [`pebble`] (the Pebble client), [`yaml`] (the YAML writer behind
//!   `charmcraft.yaml`), [`prelude`] (what a charm module imports).
//!
//! ## Integrations at a glance
//!
//! | you want | write |
//! |---|---|
//! | declare an endpoint | `#[requires(db(interface = "postgresql_client", limit = 1))]` on the charm struct |
//! | observe its events | `#[on(db_relation_created)]` (`created`, `joined`, `changed`, `departed`, `broken`) |
//! | the one relation of a `limit = 1` or peer endpoint | [`ctx.relation(Self::DB)?`](Context::relation) |
//! | every relation of an endpoint | [`ctx.relations(Self::SMTP)?`](Context::relations) |
//! | read the remote application's / a remote unit's bag | [`relation.remote_app_data()?`](Relation::remote_app_data), [`relation.remote_unit_data(&unit)`](Relation::remote_unit_data) |
//! | write this unit's bag | [`relation.local_unit_data().set(..)`](Relation::local_unit_data) |
//! | write this application's bag (leader) | [`relation.local_app_data(&leader)`](Relation::local_app_data), `leader` from [`ctx.leader()?`](Context::leader) |
//!
//! The step-by-step guide, every snippet of it compiled and tested, is
//! `docs/how-to/add-an-integration.md` in the repository.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod action;
pub mod backend;
pub mod config;
pub mod databag;
pub mod deferred;
pub mod dispatch;
pub mod env;
mod error;
pub mod event;
pub mod metadata;
pub mod model;
pub mod relation;
pub mod secret;
pub mod status;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod workload;
pub mod yaml;

pub use action::{Action, ActionEvent, ActionParams, NoParams};
pub use backend::LogLevel;
pub use config::{CharmConfig, ConfigOption, NoConfig, OptionType};
pub use databag::{DataBag, ReadOnly, ReadWrite};
pub use error::{Error, Result, ResultExt};
pub use event::Event;
pub use metadata::CharmMeta;
pub use model::{Context, Leader};
pub use relation::{Endpoint, Many, One, Relation, RelationId, Role};
pub use secret::{Secret, SecretContent, SecretId};
pub use status::{Status, StatusKind};
pub use workload::{Container, ContainerName, StorageInstance};

/// The Pebble client and its fake (the `charm-pebble` crate).
pub use charm_pebble as pebble;

/// Derives [`Charm`](trait@Charm) from the charm's declarations.
///
/// Attributes: `#[charm(name, title, summary, description, base, subordinate)]`,
/// `#[peers(..)]`, `#[provides(..)]`, `#[requires(..)]` — each a list of
/// `endpoint(interface = "..", limit = N, optional, scope = "container", description = "..")` —
/// and `#[config(Type)]`. Each endpoint gets a typed handle `Self::NAME`.
pub use charm_macros::Charm;

/// Derives [`CharmConfig`](trait@config::CharmConfig): each field one option
/// (`config_path` becomes `config-path`), its doc comment the description,
/// `#[option(default = ..)]` its default.
pub use charm_macros::CharmConfig;

/// Derives [`ActionParams`](trait@action::ActionParams) for an action's parameters: each
/// field one parameter (`dry_run` becomes `dry-run`), its doc comment the description,
/// `Option` fields optional, `#[param(default = ..)]` a default.
pub use charm_macros::ActionParams;

/// Registers the `#[on(..)]` methods of an `impl` block as the charm's handlers.
pub use charm_macros::handlers;

/// A charm: its declarations as data and its typed configuration.
/// Implemented by `#[derive(Charm)]`.
pub trait Charm: Sized + 'static {
    /// The typed configuration ([`NoConfig`] when none is declared).
    type Config: CharmConfig;
    /// The declarations: name, endpoints, config.
    fn metadata() -> CharmMeta;
}

/// Makes the charm's `main`: `charm_runtime::main!(MyCharm);` in `src/main.rs`.
#[macro_export]
macro_rules! main {
    ($charm:ty) => {
        fn main() {
            ::std::process::exit($crate::dispatch::run::<$charm>());
        }
    };
}

/// What a charm module imports.
pub mod prelude {
    pub use crate::config::OptionType;
    pub use crate::event::*;
    pub use crate::{
        handlers, Action, ActionEvent, ActionParams, Charm, CharmConfig, Context, Error, Leader,
        LogLevel, NoParams, Relation, Result, ResultExt, SecretContent, SecretId, Status,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::action::{action_hash, ActionArg, ActionMeta, HasAction, ParamMeta, ParamType};
    pub use crate::config::{read_option, OptionValue};
    pub use crate::dispatch::{context, downcast, HandlerEntry};
    pub use crate::event::EventArg;
    pub use crate::metadata::{EndpointMeta, Scope};
    pub use crate::workload::{ContainerMeta, ResourceMeta, StorageMeta};
    pub use charm_macros::__check_handlers as check_handlers;
    pub use inventory;
    pub use serde_json;
    pub use std::any::{Any, TypeId};

    /// The `TypeId` of `T`, as a `fn` pointer the registry can hold.
    pub fn type_id<T: 'static>() -> TypeId {
        TypeId::of::<T>()
    }
}
