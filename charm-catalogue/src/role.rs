//! The role of an endpoint: which section of `charmcraft.yaml` declares it.

/// The role of an endpoint, as `charmcraft.yaml` declares it: `peers:`, `provides:` or
/// `requires:`. The macros, the runtime and `cargo charm` share this one type.
///
/// ```
/// use charm_catalogue::Role;
/// assert_eq!(Role::from_section("provides"), Some(Role::Provider));
/// assert_eq!(Role::Requirer.section(), "requires");
/// assert_eq!(Role::ALL.map(Role::section), ["peers", "provides", "requires"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `peers:`: a relation between the units of this application.
    Peer,
    /// `provides:`
    Provider,
    /// `requires:`
    Requirer,
}

impl Role {
    /// Every role, in `charmcraft.yaml`'s order.
    pub const ALL: [Role; 3] = [Role::Peer, Role::Provider, Role::Requirer];

    /// The `charmcraft.yaml` section, also the charm attribute that declares the endpoint
    /// (`#[requires(..)]`).
    pub fn section(self) -> &'static str {
        match self {
            Role::Peer => "peers",
            Role::Provider => "provides",
            Role::Requirer => "requires",
        }
    }

    /// The role a section or attribute name (`requires`) declares.
    pub fn from_section(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.section() == name)
    }

    /// The variant's name (`Requirer`), for code that names it.
    pub fn variant(self) -> &'static str {
        match self {
            Role::Peer => "Peer",
            Role::Provider => "Provider",
            Role::Requirer => "Requirer",
        }
    }
}
