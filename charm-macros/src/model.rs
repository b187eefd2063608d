//! What the user declared, as the parsers read it and the expanders write it out.
//!
//! A declaration whose properties had mistakes is still here (with what did parse), so
//! the fallback expansion keeps its name: one mistake, one error.

use proc_macro2::Span;
use quote::quote_spanned;

/// The span of a declared name, from its first token to its last: an error underlines
/// all of `log-forwarder`, not just `log`.
#[derive(Clone, Copy)]
pub struct NameSpan {
    pub first: Span,
    pub last: Span,
}

impl NameSpan {
    /// An error underlining the name.
    pub fn error(self, message: impl std::fmt::Display) -> syn::Error {
        // `new_spanned` underlines from the first token's span to the last's.
        let mut tokens = quote_spanned!(self.first=> name);
        tokens.extend(quote_spanned!(self.last=> name));
        syn::Error::new_spanned(tokens, message)
    }
}

pub use charm_catalogue::Role;

/// `::charm_runtime::Role::Requirer`.
pub fn runtime_role(role: Role) -> proc_macro2::TokenStream {
    let variant = quote::format_ident!("{}", role.variant());
    quote::quote!(::charm_runtime::Role::#variant)
}

/// The name as it appears in event names and constants: dashes become underscores.
pub fn event_prefix(name: &str) -> String {
    name.replace('-', "_")
}

/// The handle constant of a declared name: `LOG_FORWARDER` for `log-forwarder`.
pub fn const_name(name: &str) -> String {
    event_prefix(name).to_uppercase()
}

/// One declared endpoint: `db(interface = "postgresql_client", limit = 1)`.
pub struct Endpoint {
    pub name: String,
    pub span: NameSpan,
    pub role: Role,
    /// Empty when the declaration has none (an error already reported).
    pub interface: String,
    pub limit: Option<u32>,
    pub optional: bool,
    pub container_scope: bool,
    pub description: Option<String>,
    /// Declared on a field holding a component: the field and its type.
    pub component: Option<ComponentField>,
}

/// A charm's field declared as an endpoint: `#[requires(database(limit = 1))] database:
/// DatabaseRequires`.
pub struct ComponentField {
    pub field: syn::Ident,
    /// The component type, as written.
    pub ty: syn::Path,
    /// The attribute's name (`requires`), where the user wrote it.
    pub role_span: Span,
    /// `interface = ".."`, if written, where.
    pub interface_span: Option<Span>,
}

/// A custom event a component or charm declares: `database_created = DatabaseCreated`.
pub struct EventDecl {
    pub name: syn::Ident,
    pub payload: syn::Type,
}

/// One declared action: `backup(params = BackupParams, description = "..")`.
pub struct Action {
    pub name: String,
    pub span: NameSpan,
    pub params: Option<syn::Type>,
    pub description: String,
}

/// `#[storage(name(type = "filesystem", location = "..", ..))]`
pub struct Storage {
    pub name: String,
    pub span: NameSpan,
    /// `filesystem` or `block`; empty when missing (an error already reported).
    pub kind: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub multiple: Option<String>,
    pub minimum_size: Option<String>,
}

/// A name a declaration refers to (`resource = "webapp-image"`), where the user wrote it.
pub struct Reference {
    pub name: String,
    pub span: Span,
}

/// `mount = "data:/var/lib/app"` of a container.
pub struct Mount {
    pub storage: String,
    pub location: String,
    pub span: Span,
}

/// `#[containers(name(resource = "..", mount = "storage:/path"))]`
pub struct Container {
    pub name: String,
    pub span: NameSpan,
    pub resource: Option<Reference>,
    pub mounts: Vec<Mount>,
}

/// `#[resources(name(type = "oci-image", description = ".."))]`
pub struct Resource {
    pub name: String,
    pub span: NameSpan,
    /// `oci-image` or `file`; empty when missing (an error already reported).
    pub kind: String,
    pub description: Option<String>,
    pub filename: Option<String>,
}

/// `#[charm(..)]`
#[derive(Default)]
pub struct CharmAttrs {
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub base: Option<String>,
    pub platforms: Vec<String>,
    pub subordinate: bool,
    pub assumes: Vec<String>,
}

/// The whole declaration of `#[derive(Charm)]`.
pub struct Charm {
    pub ident: syn::Ident,
    pub attrs: CharmAttrs,
    pub docs: String,
    pub endpoints: Vec<Endpoint>,
    pub config: Option<syn::Type>,
    pub actions: Vec<Action>,
    pub storage: Vec<Storage>,
    pub containers: Vec<Container>,
    pub resources: Vec<Resource>,
    /// `#[events(name = Type, ..)]`: the charm's own custom events.
    pub events: Vec<EventDecl>,
}

/// One field of a `#[derive(CharmConfig)]` or `#[derive(ActionParams)]` struct: a config
/// option or an action parameter.
pub struct Field {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    /// The name in `charmcraft.yaml`: `config-path` for `config_path`.
    pub name: String,
    pub default: Option<syn::Lit>,
    pub description: String,
}

/// An event an `#[on(..)]` names: `config_changed`, or a component's
/// `database::database_created`.
#[derive(Clone)]
pub struct EventRef {
    /// The endpoint of the component, for a component's event.
    pub endpoint: Option<syn::Ident>,
    pub name: syn::Ident,
}

impl EventRef {
    /// The name as the registry keeps it: `database::database_created`.
    pub fn full(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}::{}", self.name),
            None => self.name.to_string(),
        }
    }
}

impl quote::ToTokens for EventRef {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        if let Some(endpoint) = &self.endpoint {
            endpoint.to_tokens(tokens);
            tokens.extend(quote::quote_spanned!(self.name.span()=> ::));
        }
        self.name.to_tokens(tokens);
    }
}

/// One `#[on(..)]` method of a `#[handlers]` block.
pub struct Handler {
    pub method: syn::Ident,
    pub events: Vec<EventRef>,
    /// The event parameter's type, without the `&`.
    pub event_param: Option<syn::Type>,
    /// The declared return type.
    pub output: syn::Type,
}

/// `#[component(interface = "..", role = .., events(..))] impl Type { .. }`.
pub struct Component {
    /// The type's name: the component's handshake macro is exported under it.
    pub ident: syn::Ident,
    pub self_ty: syn::Type,
    /// Empty when missing (an error already reported).
    pub interface: String,
    /// `None` when missing (an error already reported).
    pub role: Option<Role>,
    pub events: Vec<EventDecl>,
    pub handlers: Vec<Handler>,
}
