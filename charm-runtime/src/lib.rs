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
//! - Interface libraries: [`component`](mod@component) (components a charm attaches to its
//!   endpoints, custom events); [`stored`]: typed state kept across hooks.
//! - [`relation`]: [`Relation`] handles, [`Endpoint`] constants; [`databag`]: raw and
//!   typed (`ops`-compatible) data; [`Leader`]: the proof leader-only writes take.
//! - [`secret`], [`status`], [`config`]; [`charm_dir`]: files in the charm directory
//!   named by config or action parameters.
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
//! | use an interface library | a field `#[requires(database(limit = 1))] database: DatabaseRequires` and `#[on(database::database_created)]` ([`component`](mod@component)) |
//!
//! The step-by-step guides, every snippet of them compiled and tested, are
//! `docs/how-to/add-an-integration.md` and `docs/how-to/write-an-interface-library.md` in
//! the repository.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod action;
pub mod backend;
pub mod charm_dir;
pub mod component;
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
pub mod stored;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod workload;
pub mod yaml;

pub use action::{Action, ActionEvent, ActionParams, NoParams};
pub use backend::LogLevel;
pub use component::{Component, ComponentContext, CustomEvent};
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

/// Derives [`Charm`](trait@Charm) from the charm's declarations: its metadata
/// (`charmcraft.yaml`), a typed handle per endpoint and container, and what
/// [`handlers`] checks each `#[on(..)]` event against.
///
/// The struct is the charm's state for one hook: [`dispatch`] makes it with
/// `Default::default()`, so it derives (or implements) `Default` too. Each attribute may
/// be repeated; lists add up. Names may contain `-` (`log-forwarder`); in event names and
/// constants it becomes `_` (`log_forwarder_relation_changed`, `Self::LOG_FORWARDER`).
///
/// | attribute | what it declares |
/// |---|---|
/// | `#[charm(name = "..", summary = "..")]` | the charm's name (1-40 lowercase letters, digits, single `-`) and one-line summary: both required |
/// | `#[charm(title = "..", description = "..")]` | display title; description (default: the struct's doc comment, else the summary) |
/// | `#[charm(base = "ubuntu@24.04")]` | the base to build and run on (that is the default) |
/// | `#[charm(platform = "amd64")]` | an architecture; repeat for several (default `amd64`) |
/// | `#[charm(assumes = "juju >= 3.4")]` | a feature the model must have; repeat for several |
/// | `#[charm(subordinate)]` | a subordinate charm (may then `#[requires(juju-info(..))]`) |
/// | `#[peers(name(interface = ".."))]` | a peer endpoint: one relation, `Self::NAME` is an `Endpoint<Peers, One>` |
/// | `#[provides(name(interface = "..", ..))]` | a provided endpoint |
/// | `#[requires(name(interface = "..", ..))]` | a required endpoint |
/// | `#[config(MyConfig)]` | the config type, deriving [`CharmConfig`](macro@CharmConfig); once |
/// | `#[actions(name(description = "..", params = P))]` | an action; `params` names a type deriving [`ActionParams`](macro@ActionParams) and `Deserialize` (without, the handler takes `&Action<NoParams>` or `&ActionEvent`) |
/// | `#[storage(name(type = "filesystem", location = "/path"))]` | storage, `type` `filesystem` or `block`; also `description`, `multiple = "1-3"`, `minimum_size = "1G"` |
/// | `#[containers(name(resource = "image", mount = "storage:/path"))]` | a workload container with its OCI image resource; `mount` repeats; `Self::NAME` is a [`ContainerName`] |
/// | `#[resources(name(type = "oci-image"))]` | a resource, `type` `oci-image` or `file` (with `filename = ".."`); also `description` |
///
/// An endpoint's properties: `interface` (required: lowercase letters, digits, single
/// `-`/`_`), `limit = N` (how many relations; `limit = 1` makes `Self::NAME` an
/// `Endpoint<_, One>` for [`Context::relation`]), `optional`, `scope = "container"`,
/// `description = ".."`. A peer endpoint has no `limit`.
///
/// ```
/// use charm_runtime::prelude::*;
///
/// #[derive(Charm, Default)]
/// #[charm(name = "webapp", summary = "A web application", assumes = "juju >= 3.4")]
/// #[requires(db(interface = "postgresql_client", limit = 1))]
/// #[provides(website(interface = "http", optional))]
/// #[peers(replicas(interface = "webapp_peers"))]
/// #[actions(restart(description = "Restart the service"))]
/// #[storage(data(type = "filesystem", location = "/srv/data"))]
/// #[containers(workload(resource = "webapp-image", mount = "data:/srv/data"))]
/// #[resources(webapp-image(type = "oci-image", description = "The web server"))]
/// pub struct Webapp;
///
/// let _db: charm_runtime::Endpoint<_, charm_runtime::One> = Webapp::DB;
/// let yaml = <Webapp as Charm>::metadata().charmcraft_yaml();
/// assert!(yaml.contains("requires:\n  db:\n    interface: postgresql_client\n    limit: 1\n"));
/// ```
///
/// Mistakes are compile errors at the token that is wrong, all of them in one build:
/// an unknown property (with the closest known one), a key given twice, a name Juju
/// rejects, a container naming an undeclared resource. `tests/ui/charm/` in the
/// repository shows each message.
pub use charm_macros::Charm;

/// Derives [`CharmConfig`](trait@config::CharmConfig): each named field one option
/// (`config_path` becomes `config-path`), its doc comment the description. On a field,
/// `#[option(default = ..)]` gives the default (a literal of the field's type) and
/// `#[option(name = "..")]` another option name. Field types: `String`, `i64`, `f64`,
/// `bool`, [`SecretId`], or an `Option` of one (unset without a default).
pub use charm_macros::CharmConfig;

/// Derives [`ActionParams`](trait@action::ActionParams) for an action's parameters: each
/// named field one parameter (`dry_run` becomes `dry-run`), its doc comment the
/// description, `Option` fields optional, `#[param(default = ..)]` a default. Derive
/// `serde::Deserialize` too: that is how the parameters are read.
pub use charm_macros::ActionParams;

/// Registers the `#[on(..)]` methods of an `impl` block as the charm's handlers.
///
/// `#[on(event, ..)]` takes one or more event names: the lifecycle events (`install`,
/// `config_changed`, `collect_unit_status`, ..), `<endpoint>_relation_<created|joined|changed|departed|broken>`,
/// `<action>_action`, `<storage>_storage_<attached|detaching>` and
/// `<container>_pebble_<ready|custom_notice|check_failed|check_recovered>`, each checked
/// against the charm's declarations. A handler is
/// `fn name(&mut self, ctx: &mut Context<Self>) -> Result<()>`, with an optional third
/// parameter for the event: `&RelationChanged` and the like when it observes one kind,
/// `&Action<P>` for an action declared with `params = P`, or `&Event`. A charm may have
/// several `#[handlers]` blocks, in any module of its crate; handlers of one event run
/// in order of module path, then line of their block, then method.
///
/// An `Err` from a handler is logged and the hook fails, so Juju retries it; `?` works
/// on charm-runtime's errors, on `std::io::Error` and on `serde_json::Error`, and
/// [`ResultExt::context`] turns any other error into one with a message.
pub use charm_macros::handlers;

/// Makes the `impl` block of a type a **component**: one role of one interface, which a
/// charm attaches to one of its endpoints by declaring the endpoint on a field of that
/// type (see [`component`](mod@component)).
///
/// `#[component(interface = "..", role = requires, events(name = Type, ..))]`:
/// - `interface`: the interface name; the charm's `charmcraft.yaml` takes it from here;
/// - `role`: `requires`, `provides` or `peers`, the attribute a charm must attach it with;
/// - `events(..)`: the events it emits, each `name = Payload` with a payload type deriving
///   [`CustomEvent`](macro@CustomEvent), one type per event (an event is emitted by its
///   type: [`ComponentContext::emit`]).
///
/// Its `#[on(..)]` methods observe the events of the endpoint it is attached to, named
/// without the endpoint (`relation_created`, `relation_joined`, `relation_changed`,
/// `relation_departed`, `relation_broken`), and the unit's events (`install`,
/// `config_changed`, `secret_changed`, `collect_unit_status`, ...): `fn name(&mut self,
/// ctx: &mut ComponentContext<Self>[, event: &EventType]) -> Result<()>`. Put the block in
/// the module of its type: the macro the charm's derive calls to learn the component is
/// exported under the type's name, beside it.
pub use charm_macros::component;

/// Derives [`CustomEvent`](trait@CustomEvent) for a custom event's payload (with
/// `serde::Serialize`, `serde::Deserialize` and `Debug`): what a handler of the event takes
/// (`event: &DatabaseCreated`) and what a deferred one keeps, as JSON.
pub use charm_macros::CustomEvent;

/// A charm: its declarations as data and its typed configuration.
/// Implemented by `#[derive(Charm)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a charm",
    label = "add `#[derive(Charm)]` to `{Self}`",
    note = "a charm is a struct with `#[derive(Charm, Default)]` and its declarations: `#[charm(name = \"..\", summary = \"..\")]`, endpoints, config, actions"
)]
pub trait Charm: Sized + 'static {
    /// The typed configuration ([`NoConfig`] when none is declared).
    type Config: CharmConfig;
    /// The declarations: name, endpoints, config.
    fn metadata() -> CharmMeta;

    /// The charm's components, each with the endpoint it is attached to, in field order
    /// (`#[derive(Charm)]` lists the fields declared as endpoints).
    #[doc(hidden)]
    fn __components(&mut self) -> Vec<component::Attached<'_>> {
        Vec::new()
    }
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
    pub use crate::stored::StoredState;
    pub use crate::{
        component, handlers, Action, ActionEvent, ActionParams, Charm, CharmConfig,
        ComponentContext, Context, CustomEvent, Error, Leader, LogLevel, NoParams, Relation,
        Result, ResultExt, SecretContent, SecretId, Status,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::action::{
        action_hash, action_params, ActionArg, ActionMeta, HasAction, ParamMeta, ParamType,
    };
    pub use crate::component::{
        component_context, event_hash, Attached, ComponentHandlerEntry, CustomEventEntry, EventOf,
        NamedEvent, Site,
    };
    pub use crate::config::{read_option, OptionValue};
    pub use crate::dispatch::{context, downcast, HandlerEntry};
    pub use crate::event::{custom_arg, EventArg};
    pub use crate::metadata::{EndpointMeta, Scope};
    pub use crate::workload::{ContainerMeta, ResourceMeta, StorageMeta};
    pub use charm_catalogue::EventSpec;
    pub use charm_macros::__attach_component as attach_component;
    pub use charm_macros::__check_handlers as check_handlers;
    pub use inventory;
    pub use serde_json;
    pub use std::any::{Any, TypeId};

    /// The `TypeId` of `T`, as a `fn` pointer the registry can hold.
    pub fn type_id<T: 'static>() -> TypeId {
        TypeId::of::<T>()
    }

    /// The options of `C`'s config type, for its metadata.
    pub fn config_options<C: crate::Charm>() -> Vec<crate::ConfigOption> {
        <C::Config as crate::CharmConfig>::options()
    }

    /// What a handler returns: `Result<()>`, and nothing else.
    #[diagnostic::on_unimplemented(
        message = "a handler returns `charm_runtime::Result<()>`, not `{Self}`",
        label = "expected `Result<()>` here",
        note = "end the body with `Ok(())`; an `Err` is logged and Juju retries the hook"
    )]
    pub trait HandlerResult {
        /// The result, as the registry holds it.
        fn into_result(self) -> crate::Result<()>;
    }

    impl HandlerResult for crate::Result<()> {
        fn into_result(self) -> crate::Result<()> {
            self
        }
    }
}
