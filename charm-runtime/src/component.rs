//! Components: interface libraries as ordinary crates, and custom events.
//!
//! A **component** is one role of one interface (a `postgresql_client` requirer, a
//! `tls-certificates` provider), written once in a library crate and attached by a charm
//! to one of its endpoints. It observes that endpoint's relation events, and the unit's
//! events it needs (`secret_changed`, `config_changed`, ...), itself: the charm writes no
//! forwarding code. It emits its own events, typed, which the charm handles with
//! `#[on(<endpoint>::<event>)]`. Versioning is cargo's semver, where `ops` copies
//! `lib/charms/<lib>/v0/*.py` into each charm.
//!
//! ```
//! # mod ping {
//! use charm_runtime::component::ComponentContext;
//! use charm_runtime::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! /// The library's event: the other side said `pong`.
//! #[derive(Debug, Serialize, Deserialize, CustomEvent)]
//! pub struct Ponged {
//!     pub relation: u32,
//! }
//!
//! /// The `ping` interface, requirer side.
//! #[derive(Default)]
//! pub struct Pinger;
//!
//! #[component(interface = "ping", role = requires, events(ponged = Ponged))]
//! impl Pinger {
//!     #[on(relation_created)]
//!     fn ping(&mut self, _ctx: &mut ComponentContext<Self>, event: &RelationCreated) -> Result<()> {
//!         event.relation().local_unit_data().set("ping", "1");
//!         Ok(())
//!     }
//!
//!     #[on(relation_changed)]
//!     fn changed(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationChanged) -> Result<()> {
//!         if event.relation().remote_app_data()?.get("pong")?.is_some() {
//!             ctx.emit(Ponged { relation: event.relation().id().number() });
//!         }
//!         Ok(())
//!     }
//! }
//! # }
//! # use ping::{Pinger, Ponged};
//! use charm_runtime::prelude::*;
//!
//! #[derive(Charm, Default)]
//! #[charm(name = "demo", summary = "Uses the ping interface")]
//! pub struct Demo {
//!     // The interface comes from the component: `ping`.
//!     #[requires(server(limit = 1))]
//!     server: Pinger,
//! }
//!
//! #[handlers]
//! impl Demo {
//!     #[on(server::ponged)]
//!     fn ponged(&mut self, ctx: &mut Context<Self>, event: &Ponged) -> Result<()> {
//!         ctx.set_status(Status::active(format!("pong on {}", event.relation)));
//!         Ok(())
//!     }
//! }
//!
//! let yaml = <Demo as Charm>::metadata().charmcraft_yaml();
//! assert!(yaml.contains("requires:\n  server:\n    interface: ping\n    limit: 1\n"));
//! ```
//!
//! What the compiler checks, each an error at the charm author's token: a component on an
//! endpoint of the other role (`#[provides]` for a requirer), an `interface = ".."` that
//! differs from the library's, an `#[on(server::pongd)]` the component does not emit (with
//! "did you mean"), a handler parameter that is not the event's payload type, and in the
//! library, `ctx.emit(X)` for an `X` not among its events.
//!
//! # Order within one hook
//!
//! See [`dispatch`](crate::dispatch): deferred events first; then the components whose
//! endpoint the hook is about (or that observe the hook's unit event), in the order of
//! the charm's fields; then the charm's handlers of the hook's event; then the custom
//! events emitted so far, in emission order, each to the charm's handlers of it (events
//! emitted meanwhile are queued after them); then the status collectors, the components'
//! first.
//!
//! # Custom events of the charm itself
//!
//! A charm declares its own events with `#[events(name = Type, ..)]` on its struct (ops'
//! `EventSource`), emits them with [`Context::emit`], and handles them with `#[on(name)]`.
//! Like a component's, they are deferrable, and run after the hook's handlers.

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

use charm_catalogue::EventSpec;

use crate::config::NoConfig;
use crate::error::{Error, Result};
use crate::metadata::CharmMeta;
use crate::model::{Context, ModelInner};
use crate::relation::{Relation, Role};
use crate::Charm;

/// One role of one interface, attached by a charm to one of its endpoints.
/// Implemented by `#[component(interface = "..", role = .., events(..))]` on the
/// component's `impl` block.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a component",
    label = "a field declared as an endpoint holds a component",
    note = "a component is a type whose `impl` block has `#[component(interface = \"..\", role = requires, ..)]`; declare a plain endpoint on the struct instead: `#[requires(name(interface = \"..\"))]`"
)]
pub trait Component: 'static {
    /// The interface name, e.g. `postgresql_client`: the charm's `charmcraft.yaml` takes
    /// it from here.
    const INTERFACE: &'static str;
    /// The role of the endpoints the component may be attached to.
    const ROLE: Role;
    /// The events it emits, as the event catalogue describes them ([`EventSpec::custom`]).
    const EVENTS: &'static [EventSpec];
}

/// A custom event's payload: what a handler of the event receives, and what a deferred
/// one keeps (as JSON). Implemented by `#[derive(CustomEvent)]`, which needs
/// `serde::Serialize` and `serde::Deserialize` too.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a custom event",
    label = "add `#[derive(CustomEvent)]` (with `Serialize`, `Deserialize` and `Debug`) to `{Self}`"
)]
pub trait CustomEvent:
    serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + 'static
{
}

/// `Self` is an event of `E` (a component or a charm), named [`NAME`](Self::NAME).
/// Implemented by `#[component(events(..))]` and by a charm's `#[events(..)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event of `{E}`",
    label = "`{E}` does not emit `{Self}`",
    note = "a component declares its events in `#[component(events(name = Type, ..))]`, a charm in `#[events(name = Type, ..)]` on its struct"
)]
pub trait EventOf<E>: CustomEvent {
    /// The event's name, as `#[on(..)]` spells it after the endpoint (`database_created`).
    const NAME: &'static str;
}

/// The charm a component sees: not any charm in particular. [`ComponentContext`] derefs
/// to a `Context<Library>`, which has everything a handler's context has that does not
/// depend on the charm's type (its config is [`NoConfig`]: read the charm's options
/// with [`Context::config_value`]).
#[derive(Debug)]
pub enum Library {}

#[diagnostic::do_not_recommend]
impl Charm for Library {
    type Config = NoConfig;
    fn metadata() -> CharmMeta {
        CharmMeta {
            name: "library".into(),
            title: None,
            summary: String::new(),
            description: String::new(),
            base: String::new(),
            platforms: Vec::new(),
            binary: String::new(),
            subordinate: false,
            assumes: Vec::new(),
            endpoints: Vec::new(),
            config: Vec::new(),
            actions: Vec::new(),
            storage: Vec::new(),
            containers: Vec::new(),
            resources: Vec::new(),
        }
    }
}

/// What a component's handler receives: the model as this hook sees it, through the
/// endpoint the component is attached to.
///
/// It derefs to a [`Context`] (leadership, secrets, logging, charm state, `defer`), and
/// adds what is the component's own: [`relations`](Self::relations) of its endpoint,
/// [`emit`](Self::emit) of its events, its [`stored`](Self::stored) state. The charm's
/// code gets one for a component it holds with [`Context::component`], to call the
/// library's methods that need the model.
pub struct ComponentContext<T: Component> {
    ctx: Context<Library>,
    endpoint: &'static str,
    _component: PhantomData<fn() -> T>,
}

impl<T: Component> std::fmt::Debug for ComponentContext<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentContext")
            .field("component", &std::any::type_name::<T>())
            .field("endpoint", &self.endpoint)
            .field("hook", &self.ctx.dispatch_path())
            .finish()
    }
}

impl<T: Component> Deref for ComponentContext<T> {
    type Target = Context<Library>;
    fn deref(&self) -> &Context<Library> {
        &self.ctx
    }
}

impl<T: Component> ComponentContext<T> {
    pub(crate) fn new(model: &Rc<ModelInner>, endpoint: &'static str) -> Self {
        ComponentContext {
            ctx: Context::new(Rc::clone(model)),
            endpoint,
            _component: PhantomData,
        }
    }

    /// The endpoint the charm attached the component to, e.g. `database`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// Every relation on the component's endpoint, by id (the one being broken left out).
    pub fn relations(&self) -> Result<Vec<Relation>> {
        self.ctx.relations_named(self.endpoint)
    }

    /// The relation on the component's endpoint, when it has at most one; an error
    /// naming the endpoint when it has several.
    pub fn relation(&self) -> Result<Option<Relation>> {
        let mut all = self.relations()?;
        match all.len() {
            0 | 1 => Ok(all.pop()),
            count => Err(Error::TooManyRelations {
                endpoint: self.endpoint.into(),
                count,
            }),
        }
    }

    /// The relation `id` on the component's endpoint, if it is one of them.
    pub fn relation_by_id(&self, id: crate::RelationId) -> Result<Option<Relation>> {
        Ok(self.relations()?.into_iter().find(|r| r.id() == id))
    }

    /// Emits one of the component's events: the charm's handlers of
    /// `<endpoint>::<name>` run after the hook's own handlers (see the
    /// [module docs](self)). Only the events the component declares type-check.
    pub fn emit<E: EventOf<T>>(&self, event: E) {
        let name = format!("{}::{}", self.endpoint.replace('-', "_"), E::NAME);
        self.ctx.model.emit(name, event);
    }

    /// The component's stored state of type `S`, kept for this endpoint across hooks
    /// (see [`stored`](crate::stored)); `S::default()` the first time.
    pub fn stored<S: crate::stored::StoredState>(&self) -> Result<S> {
        crate::stored::load(&self.ctx.model, Some(self.endpoint))
    }

    /// Replaces the component's stored state of type `S` (written when the hook
    /// succeeds). An error, at once, when it is larger than Juju keeps.
    pub fn store<S: crate::stored::StoredState>(&self, value: &S) -> Result<()> {
        crate::stored::save(&self.ctx.model, Some(self.endpoint), value)
    }
}

impl<C: Charm> Context<C> {
    /// Emits one of the charm's own events (declared with `#[events(name = Type)]` on the
    /// charm's struct): its handlers, `#[on(name)]`, run after the hook's own handlers.
    pub fn emit<E: EventOf<C>>(&self, event: E) {
        self.model.emit(E::NAME.to_string(), event);
    }

    /// A component the charm holds (`&self.database`), as its library's methods need it:
    /// with the endpoint the charm attached it to. An error for a component that is not
    /// one of the charm's fields.
    pub fn component<T: Component>(&self, component: &T) -> Result<ComponentContext<T>> {
        let endpoint = self.model.attachment_of(component)?;
        Ok(ComponentContext::new(&self.model, endpoint))
    }

    /// The value of the charm's config option `name` (as `config-get` gives it), for
    /// code that does not know the charm's config type, such as a component; `None` when
    /// unset.
    pub fn config_value(&self, name: &str) -> Result<Option<serde_json::Value>> {
        Ok(self.model.config_values()?.remove(name))
    }

    /// The charm's stored state of type `S`, kept across hooks (see
    /// [`stored`](crate::stored)); `S::default()` the first time.
    pub fn stored<S: crate::stored::StoredState>(&self) -> Result<S> {
        crate::stored::load(&self.model, None)
    }

    /// Replaces the charm's stored state of type `S` (written when the hook succeeds).
    /// An error, at once, when it is larger than Juju keeps.
    pub fn store<S: crate::stored::StoredState>(&self, value: &S) -> Result<()> {
        crate::stored::save(&self.model, None, value)
    }
}

/// A component field of a charm, as the dispatch sees it.
#[doc(hidden)]
pub struct Attached<'a> {
    /// The endpoint it is attached to, as declared.
    pub endpoint: &'static str,
    /// The component.
    pub component: &'a mut dyn Any,
    /// Its type.
    pub type_id: TypeId,
}

impl<'a> Attached<'a> {
    /// `component`, attached to `endpoint` (the derive checks it is a [`Component`]).
    pub fn new<T: 'static>(endpoint: &'static str, component: &'a mut T) -> Self {
        Attached {
            endpoint,
            component,
            type_id: TypeId::of::<T>(),
        }
    }
}

/// Where a component is: its type and address in the charm, and its endpoint. Recorded
/// once the charm is in place, so that [`Context::component`] finds the endpoint of
/// `&self.database`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttachmentRecord {
    pub(crate) type_id: TypeId,
    pub(crate) address: usize,
    pub(crate) endpoint: &'static str,
}

impl ModelInner {
    /// Records where each of the charm's components is.
    pub(crate) fn record_attachments(&self, attached: &[Attached<'_>]) {
        *self.attachments.borrow_mut() = attached
            .iter()
            .map(|a| AttachmentRecord {
                type_id: a.type_id,
                address: (&*a.component as *const dyn Any).cast::<()>() as usize,
                endpoint: a.endpoint,
            })
            .collect();
    }

    /// The endpoint `component` (a field of the charm) is attached to.
    fn attachment_of<T: Component>(&self, component: &T) -> Result<&'static str> {
        let address = (component as *const T).cast::<()>() as usize;
        let records = self.attachments.borrow();
        let of_type: Vec<&AttachmentRecord> = records
            .iter()
            .filter(|r| r.type_id == TypeId::of::<T>())
            .collect();
        let name = std::any::type_name::<T>();
        match of_type.as_slice() {
            [] => Err(Error::msg(format!(
                "`{name}` is not attached to any endpoint of this charm: declare it on a field, `#[requires(name(..))] field: {name}`"
            ))),
            // One of its type: it (a zero-sized component has no address of its own).
            [one] if std::mem::size_of::<T>() == 0 => Ok(one.endpoint),
            several => several
                .iter()
                .find(|r| r.address == address && std::mem::size_of::<T>() > 0)
                .map(|r| r.endpoint)
                .ok_or_else(|| {
                    let endpoints: Vec<&str> = several.iter().map(|r| r.endpoint).collect();
                    Error::msg(match std::mem::size_of::<T>() {
                        0 => format!(
                            "`{name}` is attached to several endpoints ({}) and has no fields, so its instances cannot be told apart: give it one",
                            endpoints.join(", ")
                        ),
                        _ => format!(
                            "this `{name}` is not one of the charm's fields (those are attached to {})",
                            endpoints.join(", ")
                        ),
                    })
                }),
        }
    }
}

/// One `#[on(..)]` method of a `#[component]` block, as registered by the macro.
#[doc(hidden)]
pub struct ComponentHandlerEntry {
    /// The component type's id.
    pub component: fn() -> TypeId,
    /// The events it observes, without the endpoint: `relation_changed`, `secret_changed`.
    pub events: &'static [&'static str],
    /// `Type::method`, for error messages and deferred events.
    pub name: &'static str,
    /// The handler's position in its block.
    pub index: u32,
    /// Calls the handler: component, where it is attached, event.
    pub call: fn(&mut dyn Any, &Site<'_>, &crate::Event) -> Result<()>,
}

inventory::collect!(ComponentHandlerEntry);

/// Where a component handler runs: the hook's model and the component's endpoint.
#[doc(hidden)]
pub struct Site<'a> {
    pub(crate) model: &'a Rc<ModelInner>,
    pub(crate) endpoint: &'static str,
}

/// Used by generated code: the context of a component handler.
#[doc(hidden)]
pub fn component_context<T: Component>(site: &Site<'_>) -> ComponentContext<T> {
    ComponentContext::new(site.model, site.endpoint)
}

/// The handlers of component type `type_id` observing `event` (without endpoint), in
/// their order in the block.
pub(crate) fn component_handlers(
    type_id: TypeId,
    event: &str,
) -> Vec<&'static ComponentHandlerEntry> {
    let mut found: Vec<&'static ComponentHandlerEntry> = inventory::iter::<ComponentHandlerEntry>
        .into_iter()
        .filter(|h| (h.component)() == type_id && h.events.contains(&event))
        .collect();
    found.sort_by_key(|h| h.index);
    found
}

/// The handler of component type `type_id` registered as `name`.
pub(crate) fn component_handler_named(
    type_id: TypeId,
    name: &str,
) -> Option<&'static ComponentHandlerEntry> {
    inventory::iter::<ComponentHandlerEntry>
        .into_iter()
        .find(|h| (h.component)() == type_id && h.name == name)
}

/// A custom event of the event catalogue's kind [`Custom`](charm_catalogue::Kind::Custom),
/// registered at link time by `#[component]` and by a charm's `#[events(..)]`.
#[doc(hidden)]
pub struct CustomEventEntry {
    /// The component or charm type that emits it, by name.
    pub owner: &'static str,
    /// The event.
    pub spec: &'static EventSpec,
}

inventory::collect!(CustomEventEntry);

/// Every custom event linked into this charm (each component's and the charm's own), as
/// `(owner type, spec)`: the catalogue's [`EVENTS`](charm_catalogue::EVENTS) are the Juju
/// events, these the rest.
pub fn custom_events() -> impl Iterator<Item = (&'static str, &'static EventSpec)> {
    inventory::iter::<CustomEventEntry>
        .into_iter()
        .map(|e| (e.owner, e.spec))
}

/// Hashes naming an event in [`NamedEvent`] (FNV-1a, as the action hash).
#[doc(hidden)]
pub const fn event_hash(name: &str) -> u64 {
    crate::action::action_hash(name)
}

/// The payload type of the event whose name hashes to `H`: implemented by a component for
/// each of its events (by their name), and by a charm for each event it may handle
/// (`<endpoint>::<name>` for its components', `<name>` for its own), so `#[handlers]`
/// checks a handler's parameter against it.
#[doc(hidden)]
pub trait NamedEvent<const H: u64> {
    /// The payload.
    type Payload: CustomEvent;
}
