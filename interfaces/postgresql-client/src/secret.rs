//! Secret groups, the databag fields that point at them, and their labels.
//!
//! The provider puts related fields in one secret per group (`username` and `password`
//! in the `user` group, ...), owned by its application and granted to the relation, and
//! publishes the secret's id in the field `secret-<group>` of its application databag.
//! Both sides label the secret `<endpoint>.<relation id>.<group>.secret` (v1:
//! `<endpoint>.<relation id>.<request id>.<group>.secret`): the owner when it adds it,
//! the consumer when it first reads it (`secret-get <id> --label <label>`), so that a
//! later `secret-changed` names the relation it belongs to.
//! (`Data.SECRET_LABEL_MAP` and `_generate_secret_label` in `data_interfaces.py`;
//! `OpsRelationRepository._generate_secret_label` in dpcharmlibs-interfaces.)

use std::fmt;

/// Databag fields that start with this name a secret: `secret-user`, `secret-tls`, ...
pub const SECRET_FIELD_PREFIX: &str = "secret-";

/// A group of fields the provider keeps in one secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretGroup {
    /// `username`, `password`, `uris`, `read-only-uris`.
    User,
    /// `tls`, `tls-ca`.
    Tls,
    /// `mtls-cert` (written by the requirer).
    Mtls,
    /// `entity-name`, `entity-password`.
    Entity,
    /// Every other field the requirer asked to receive as a secret.
    Extra,
}

impl SecretGroup {
    /// Every group, in the order the libraries visit them.
    pub const ALL: [SecretGroup; 5] = [
        SecretGroup::User,
        SecretGroup::Tls,
        SecretGroup::Mtls,
        SecretGroup::Entity,
        SecretGroup::Extra,
    ];

    /// The group's name: `user`, `tls`, `mtls`, `entity`, `extra`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretGroup::User => "user",
            SecretGroup::Tls => "tls",
            SecretGroup::Mtls => "mtls",
            SecretGroup::Entity => "entity",
            SecretGroup::Extra => "extra",
        }
    }

    /// The group a secret field belongs to (`Data.SECRET_LABEL_MAP`; unknown fields: `extra`).
    ///
    /// ```
    /// use charm_postgresql_client::SecretGroup;
    /// assert_eq!(SecretGroup::of_field("password"), SecretGroup::User);
    /// assert_eq!(SecretGroup::of_field("tls-ca"), SecretGroup::Tls);
    /// assert_eq!(SecretGroup::of_field("api-key"), SecretGroup::Extra);
    /// ```
    pub fn of_field(field: &str) -> SecretGroup {
        match field {
            "username" | "password" | "uris" | "read-only-uris" => SecretGroup::User,
            "tls" | "tls-ca" => SecretGroup::Tls,
            "mtls-cert" => SecretGroup::Mtls,
            "entity-name" | "entity-password" => SecretGroup::Entity,
            _ => SecretGroup::Extra,
        }
    }

    /// The databag field that holds the group's secret id: `secret-user`, ...
    pub fn field(self) -> String {
        format!("{SECRET_FIELD_PREFIX}{}", self.as_str())
    }

    /// The label of a relation's secret of this group: `<endpoint>.<id>.<group>.secret`,
    /// or for a v1 request `<endpoint>.<id>.<request id>.<group>.secret`.
    ///
    /// ```
    /// use charm_postgresql_client::SecretGroup;
    /// assert_eq!(SecretGroup::User.label("database", 7, None), "database.7.user.secret");
    /// assert_eq!(
    ///     SecretGroup::User.label("database", 7, Some("fee38e812a5c971a")),
    ///     "database.7.fee38e812a5c971a.user.secret"
    /// );
    /// ```
    pub fn label(self, endpoint: &str, relation_id: u32, request_id: Option<&str>) -> String {
        match request_id {
            Some(rid) => format!("{endpoint}.{relation_id}.{rid}.{}.secret", self.as_str()),
            None => format!("{endpoint}.{relation_id}.{}.secret", self.as_str()),
        }
    }

    fn from_name(name: &str) -> Option<SecretGroup> {
        SecretGroup::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

impl fmt::Display for SecretGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a secret label says: the relation (and v1 request) a secret belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretLabel {
    /// The endpoint (relation name).
    pub endpoint: String,
    /// The relation id.
    pub relation_id: u32,
    /// The v1 request id, if any.
    pub request_id: Option<String>,
    /// The group.
    pub group: SecretGroup,
}

impl SecretLabel {
    /// Reads a label made by [`SecretGroup::label`]; `None` for any other label (a
    /// `secret-changed` that is not about this interface).
    ///
    /// ```
    /// use charm_postgresql_client::{SecretGroup, SecretLabel};
    /// let l = SecretLabel::parse("database.7.user.secret").unwrap();
    /// assert_eq!((l.endpoint.as_str(), l.relation_id, l.group), ("database", 7, SecretGroup::User));
    /// assert!(SecretLabel::parse("ca").is_none());
    /// ```
    pub fn parse(label: &str) -> Option<SecretLabel> {
        let parts: Vec<&str> = label.split('.').collect();
        let (endpoint, id, request_id, group) = match parts.as_slice() {
            [endpoint, id, group, "secret"] => (*endpoint, *id, None, *group),
            [endpoint, id, rid, group, "secret"] => (*endpoint, *id, Some(*rid), *group),
            _ => return None,
        };
        Some(SecretLabel {
            endpoint: endpoint.to_string(),
            relation_id: id.parse().ok()?,
            request_id: request_id.map(str::to_string),
            group: SecretGroup::from_name(group)?,
        })
    }
}
