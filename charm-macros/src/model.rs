//! The charm as declared: what the parser produces and the expander consumes.

use proc_macro2::{Span, TokenStream};

/// Where a declared name stands in the user's code: all of its tokens, so an error
/// underlines the whole of `log-forwarder`, not just `log`.
#[derive(Clone)]
pub struct Place(pub TokenStream);

impl Place {
    /// An error underlining the name.
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.0, message)
    }
    /// The span of the name's first token (for generated identifiers).
    pub fn first(&self) -> Span {
        self.0
            .clone()
            .into_iter()
            .next()
            .map(|t| t.span())
            .unwrap_or_else(Span::call_site)
    }
}

/// peers / provides / requires.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Peers,
    Provides,
    Requires,
}

impl Role {
    pub fn attr(self) -> &'static str {
        match self {
            Role::Peers => "peers",
            Role::Provides => "provides",
            Role::Requires => "requires",
        }
    }
}

/// One declared endpoint.
pub struct Endpoint {
    pub name: String,
    pub span: Place,
    pub role: Role,
    pub interface: String,
    pub limit: Option<u32>,
    pub optional: bool,
    pub container_scope: bool,
    pub description: Option<String>,
}

impl Endpoint {
    /// The name as it appears in event names: dashes become underscores.
    pub fn event_prefix(&self) -> String {
        self.name.replace('-', "_")
    }
    /// The handle constant: `LOG_FORWARDER` for `log-forwarder`.
    pub fn const_name(&self) -> String {
        self.event_prefix().to_uppercase()
    }
}

/// One declared action.
pub struct Action {
    pub name: String,
    pub span: Place,
    pub params: Option<syn::Type>,
    pub description: String,
}

impl Action {
    /// The event name: `do_backup_action` for `do-backup`.
    pub fn event(&self) -> String {
        format!("{}_action", self.name.replace('-', "_"))
    }
}

/// `#[storage(name(type = "filesystem", location = "..", ..))]`
pub struct Storage {
    pub name: String,
    pub span: Place,
    pub kind: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub multiple: Option<String>,
    pub minimum_size: Option<String>,
}

/// `#[containers(name(resource = "..", mount = "storage:/path"))]`
pub struct Container {
    pub name: String,
    pub span: Place,
    pub resource: Option<(String, Span)>,
    pub mounts: Vec<(String, String, Span)>,
}

/// `#[resources(name(type = "oci-image", description = ".."))]`
pub struct Resource {
    pub name: String,
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

/// The whole declaration.
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
}
