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
//! - [`hook_tools`]: every hook tool Juju 3.6 ships, and the API for it: [`port`],
//!   [`network`], [`goal_state`], [`cloud`], [`version`], [`log_bridge`] among them.
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
pub mod cloud;
pub mod component;
pub mod config;
pub mod databag;
pub mod deferred;
pub mod dispatch;
pub mod env;
mod error;
pub mod event;
pub mod goal_state;
pub mod hook_tools;
pub mod log_bridge;
pub mod metadata;
pub mod model;
pub mod network;
pub mod port;
pub mod relation;
pub mod secret;
pub mod status;
pub mod stored;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod version;
pub mod workload;
pub mod yaml;

pub use action::{Action, ActionEvent, ActionParams, ActionResults, NoParams};
pub use backend::LogLevel;
pub use component::{Component, ComponentContext, CustomEvent};
pub use config::{CharmConfig, ConfigOption, NoConfig, OptionType};
pub use databag::{DataBag, ReadOnly, ReadWrite};
pub use error::{Error, Result, ResultExt};
pub use event::Event;
/// Juju's application and unit names, checked, units in Juju's natural order.
pub use juju_model::names::{unit_order, AppName, InvalidName, UnitName};
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
/// `#[option(default = ..)]` gives the default (a literal of the field's type),
/// `#[option(name = "..")]` another option name, `#[option(min = .., max = ..)]` bounds
/// of a number and `#[option(validate = f)]` a check `fn(&T) -> Result<(), E>`. Field
/// types: `String`; any integer type (`u16`, `usize`, `i32`, ...; Juju's `int`, refused
/// outside the type's range); `f64`; `bool`; [`SecretId`]; an enum deriving
/// [`ConfigEnum`](macro@ConfigEnum); or an `Option` of one (unset without a default).
///
/// A value that fails a check makes [`Context::config`] an
/// [`Error::Config`] naming the option and saying why;
/// [`Context::config_or_block`] turns it into a blocked status instead.
///
/// ```
/// use charm_runtime::prelude::*;
///
/// #[derive(ConfigEnum, Debug, PartialEq)]
/// pub enum LogLevel { Debug, Info, Warning }
///
/// fn not_root(dir: &String) -> std::result::Result<(), String> {
///     if dir == "/" { Err("must not be /".into()) } else { Ok(()) }
/// }
///
/// #[derive(CharmConfig, Debug)]
/// pub struct KvConfig {
///     /// The port clients connect to.
///     #[option(default = 6379, min = 1024)]
///     port: u16,
///     /// Worker threads.
///     #[option(default = 4, min = 1, max = 64)]
///     workers: usize,
///     /// How much to log.
///     #[option(default = "info")]
///     log_level: LogLevel,
///     /// Where data lives.
///     #[option(default = "/srv/kv", validate = not_root)]
///     data_dir: String,
/// }
///
/// let mut values = serde_json::Map::new();
/// let config = KvConfig::from_values(&values).unwrap();
/// assert_eq!((config.port, config.log_level), (6379, LogLevel::Info));
/// values.insert("port".into(), 70000.into());
/// let err = KvConfig::from_values(&values).unwrap_err().to_string();
/// assert_eq!(err, "config option `port`: expected an int from 0 to 65535, got 70000");
/// values.insert("port".into(), 80.into());
/// values.insert("log-level".into(), "loud".into());
/// let err = KvConfig::from_values(&values).unwrap_err().to_string();
/// assert_eq!(err, "config option `port`: must be at least 1024, got 80");
/// values.insert("port".into(), 8080.into());
/// let err = KvConfig::from_values(&values).unwrap_err().to_string();
/// assert_eq!(err, "config option `log-level`: expected one of `debug`, `info`, `warning`, got \"loud\"");
/// ```
pub use charm_macros::CharmConfig;

/// Derives a config option type for an enum of unit variants: a `string` option whose
/// value must be one of the variants, named in kebab case (`LogLevel` is `log-level`) or
/// by `#[value(name = "..")]`. Its `as_str()` gives the value back; the choices are
/// listed in the option's description in `charmcraft.yaml`, and a
/// `#[option(default = "..")]` that is not one of them does not compile.
pub use charm_macros::ConfigEnum;

/// Derives [`ActionParams`](trait@action::ActionParams) for an action's parameters: each
/// named field one parameter (`dry_run` becomes `dry-run`), its doc comment the
/// description, `Option` fields optional, `#[param(default = ..)]` a default. Derive
/// `serde::Deserialize` too: that is how the parameters are read.
pub use charm_macros::ActionParams;

/// Derives [`ActionResults`](trait@action::ActionResults) for an action's results: each
/// named field one result, its key the field's name in kebab case (`backup_id` becomes
/// `backup-id`); a nested struct's fields become dotted keys (`size.bytes`). Derive
/// `serde::Serialize` too: that is how the values are written. A field whose name does
/// not make a key Juju's `action-set` accepts (`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`, none
/// of `stdout`, `stdout-encoding`, `stderr`, `stderr-encoding`) is a compile error at its
/// name. Send them with [`Action::set_typed_results`].
///
/// ```
/// #[derive(charm_runtime::ActionResults, serde::Serialize)]
/// pub struct Backup {
///     backup_id: String,
///     size: u64,
/// }
/// use charm_runtime::action::ActionResults;
/// let results = Backup { backup_id: "b-1".into(), size: 42 }.to_results().unwrap();
/// assert_eq!(results, serde_json::json!({"backup-id": "b-1", "size": 42}));
/// ```
pub use charm_macros::ActionResults;

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
/// An `Err` from a handler is logged and the hook fails, so Juju retries it (an action
/// fails with the error's message instead: Juju does not retry actions); `?` works
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
    ($charm:ty, other = $handler:path) => {
        fn main() {
            ::std::process::exit($crate::dispatch::run_with_other::<$charm>(
                ::core::option::Option::Some($crate::other_dispatch!($charm, $handler)),
            ));
        }
    };
}

/// The handler of any dispatch path no `#[on(..)]` knows: an escape hatch for hooks run
/// by hand (`juju exec --unit app/0 -- JUJU_DISPATCH_PATH=custom/backup ./dispatch`) or
/// hooks newer than this crate. `handler` is
/// `fn(&mut Charm, &mut Context<Charm>, &Event) -> Result<()>`; the event is
/// [`Event::Other`] with the hook's name, [`Context::dispatch_path`] the whole path. It
/// runs as any handler does: deferred events first, then it, then collect-status, the
/// flush, Juju's commit rule.
///
/// In `main!(Charm, other = handler)`, or for a test,
/// `scenario::Context::new().other_dispatch(other_dispatch!(Charm, handler))`:
///
/// ```
/// use charm_runtime::prelude::*;
///
/// #[derive(Charm, Default)]
/// #[charm(name = "kv", summary = "A store")]
/// pub struct Kv;
///
/// fn by_hand(_: &mut Kv, ctx: &mut Context<Kv>, event: &Event) -> Result<()> {
///     if ctx.dispatch_path() == "custom/backup" {
///         ctx.set_status(Status::maintenance("backing up"));
///     } else {
///         ctx.warn(format!("nothing to do for {event:?}"));
///     }
///     Ok(())
/// }
///
/// // charm_runtime::main!(Kv, other = by_hand);
/// let other = charm_runtime::other_dispatch!(Kv, by_hand);
/// assert_eq!(other().name, "by_hand");
/// ```
#[macro_export]
macro_rules! other_dispatch {
    ($charm:ty, $handler:path) => {{
        fn entry() -> &'static $crate::dispatch::HandlerEntry {
            static ENTRY: $crate::dispatch::HandlerEntry = $crate::dispatch::HandlerEntry {
                charm: || ::std::any::TypeId::of::<$charm>(),
                events: &[],
                name: ::core::stringify!($handler),
                module: ::core::module_path!(),
                line: ::core::line!(),
                index: 0,
                call: |charm, ctx, event| {
                    let charm = $crate::__private::downcast::<$charm>(charm, "the charm")?;
                    let ctx = $crate::__private::context::<$charm>(ctx)?;
                    $handler(charm, ctx, event)
                },
            };
            &ENTRY
        }
        entry as fn() -> &'static $crate::dispatch::HandlerEntry
    }};
}

/// What a charm module imports.
pub mod prelude {
    pub use crate::config::OptionType;
    pub use crate::event::*;
    pub use crate::stored::StoredState;
    pub use crate::{
        component, handlers, Action, ActionEvent, ActionParams, ActionResults, Charm, CharmConfig,
        ComponentContext, ConfigEnum, Context, CustomEvent, Error, Leader, LogLevel, NoParams,
        Relation, Result, ResultExt, SecretContent, SecretId, Status,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::action::{
        action_hash, action_params, result_value, ActionArg, ActionMeta, HasAction, ParamMeta,
        ParamType,
    };
    pub use crate::component::{
        component_context, event_hash, Attached, ComponentHandlerEntry, CustomEventEntry, EventOf,
        NamedEvent, Site,
    };
    pub use crate::config::{
        check_range, check_with, describe, is_choice, read_option, OptionValue,
    };
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
