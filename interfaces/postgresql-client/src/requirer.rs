//! The requirer, speaking v0 (`DatabaseRequires` of `data_platform_libs` v0
//! `data_interfaces.py`, LIBPATCH 59), which v0 and v1 providers both serve.
//!
//! - On `relation-created` the leader writes the request ([`DatabaseRequest::relation_created`]).
//! - On `relation-changed` [`relation_changed`] compares the provider's application databag
//!   with what this unit saw last (kept in its own unit databag, field `data`) and says
//!   which events the library would emit: [`RequirerEvent::DatabaseCreated`] when
//!   credentials first appear, else [`RequirerEvent::EndpointsChanged`], ...
//! - [`connection_info`] reads the answer: fields in a secret group come from that secret
//!   (`secret-user`: username and password), the rest from the databag.

use std::collections::BTreeSet;

use crate::diff::{Diff, DATA_FIELD};
use crate::json::Json;
use crate::{
    bag_object, json_object, json_string_list, Bag, BagWrites, Error, RelationRef, RelationStatus,
    SecretGroup, SecretRef, SECRET_FIELD_PREFIX, STATUS_FIELD,
};

/// The fields the requirer asks to receive in secrets (`RequirerData.SECRET_FIELDS`),
/// written as the JSON list `requested-secrets`.
pub const REQUESTED_SECRETS: [&str; 8] = [
    "username",
    "password",
    "tls",
    "tls-ca",
    "uris",
    "read-only-uris",
    "entity-name",
    "entity-password",
];

/// The fields the requirer itself may provide in secrets (the groups of
/// `SECRET_LABEL_MAP` not requested), written as the JSON list `provided-secrets`; none
/// in a cross-model relation, where a requirer cannot share secrets.
pub const PROVIDED_SECRETS: [&str; 1] = ["mtls-cert"];

/// The field listing the fields requested as secrets.
pub const REQUESTED_SECRETS_FIELD: &str = "requested-secrets";
/// The field listing the fields provided as secrets.
pub const PROVIDED_SECRETS_FIELD: &str = "provided-secrets";

/// What the requirer asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseRequest {
    /// The database (field `database`).
    pub database: String,
    /// Roles for the user (field `extra-user-roles`), e.g. `SUPERUSER`.
    pub extra_user_roles: Option<String>,
    /// Roles for a group entity (field `extra-group-roles`).
    pub extra_group_roles: Option<String>,
    /// Ask for an entity (`USER` or `GROUP`) rather than a database user (field `entity-type`).
    pub entity_type: Option<String>,
    /// The entity's permissions, as JSON (field `entity-permissions`).
    pub entity_permissions: Option<String>,
    /// `all` or `only-existing` (field `prefix-matching`): `database` is a prefix.
    pub prefix_matching: Option<String>,
    /// Ask for endpoints reachable from outside the cloud (field
    /// `external-node-connectivity: "true"`).
    pub external_node_connectivity: bool,
}

impl DatabaseRequest {
    /// A request for `database`, nothing else.
    pub fn new(database: impl Into<String>) -> DatabaseRequest {
        DatabaseRequest {
            database: database.into(),
            ..DatabaseRequest::default()
        }
    }

    /// What the leader writes on `relation-created` (other units write nothing):
    /// `requested-secrets` and `provided-secrets` in both its application and unit
    /// databags, and the request in the application databag.
    /// `cross_model`: the relation crosses models (`relation-model-get` names another
    /// model), where the requirer provides no secrets.
    pub fn relation_created(&self, cross_model: bool) -> RequirerWrites {
        let mut app = BagWrites::new();
        let mut unit = BagWrites::new();
        let requested = Json::Array(REQUESTED_SECRETS.iter().map(|f| Json::str(*f)).collect());
        for bag in [&mut app, &mut unit] {
            bag.insert(REQUESTED_SECRETS_FIELD.into(), Some(requested.dumps()));
            if !cross_model {
                let provided =
                    Json::Array(PROVIDED_SECRETS.iter().map(|f| Json::str(*f)).collect());
                bag.insert(PROVIDED_SECRETS_FIELD.into(), Some(provided.dumps()));
            }
        }
        app.insert("database".into(), Some(self.database.clone()));
        for (field, value) in [
            ("extra-user-roles", &self.extra_user_roles),
            ("extra-group-roles", &self.extra_group_roles),
            ("entity-type", &self.entity_type),
            ("entity-permissions", &self.entity_permissions),
            ("prefix-matching", &self.prefix_matching),
        ] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                app.insert(field.into(), Some(v.clone()));
            }
        }
        if self.external_node_connectivity {
            app.insert("external-node-connectivity".into(), Some("true".into()));
        }
        RequirerWrites { app, unit }
    }
}

/// Writes to the requirer's own databags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirerWrites {
    /// To its application databag (leader only).
    pub app: BagWrites,
    /// To its unit databag.
    pub unit: BagWrites,
}

/// An event the v0 requirer library emits on `relation-changed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequirerEvent {
    /// Credentials appeared (`secret-user`, or `username` and `password`): the database exists.
    DatabaseCreated,
    /// The requested entity was created (`secret-entity` or `entity-name` appeared).
    DatabaseEntityCreated,
    /// `endpoints` appeared or changed.
    EndpointsChanged,
    /// `read-only-endpoints` appeared or changed.
    ReadOnlyEndpointsChanged,
    /// `prefix-databases` appeared or changed.
    PrefixDatabasesChanged,
    /// The provider raised a status.
    StatusRaised(RelationStatus),
    /// The provider resolved a status.
    StatusResolved(RelationStatus),
}

impl RequirerEvent {
    /// The library's name for the event (`database_created`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            RequirerEvent::DatabaseCreated => "database_created",
            RequirerEvent::DatabaseEntityCreated => "database_entity_created",
            RequirerEvent::EndpointsChanged => "endpoints_changed",
            RequirerEvent::ReadOnlyEndpointsChanged => "read_only_endpoints_changed",
            RequirerEvent::PrefixDatabasesChanged => "prefix_databases_changed",
            RequirerEvent::StatusRaised(_) => "status_raised",
            RequirerEvent::StatusResolved(_) => "status_resolved",
        }
    }
}

/// The databags a `relation-changed` of the requirer looks at.
#[derive(Clone, Copy, Debug)]
pub struct ChangedBags<'a> {
    /// The provider's application databag.
    pub remote_app: &'a Bag,
    /// A provider unit's databag, if any (a subordinate provider says `state: ready` there).
    pub remote_unit: Option<&'a Bag>,
    /// This unit's databag on the relation (where the last seen data is kept).
    pub local_unit: &'a Bag,
}

/// What a `relation-changed` means for the requirer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    /// The events the library emits, in order.
    pub events: Vec<RequirerEvent>,
    /// Writes to this unit's databag (the `data` field).
    pub unit_writes: BagWrites,
    /// Secrets that appeared: read each once by id with its label
    /// (`secret-get <uri> --label <label>`), so later `secret-changed` events name it.
    pub secrets_to_label: Vec<SecretRef>,
    /// The keys of the provider's databag that changed.
    pub diff: Diff,
}

/// What a `relation-changed` means: `DatabaseRequires._on_relation_changed_event`.
///
/// Statuses first (raised and resolved since the last look), then, unless a subordinate
/// provider is not ready yet, one of: `database_created` (credentials appeared and no
/// entity was requested), `database_entity_created`, else the first of
/// `endpoints_changed`, `read_only_endpoints_changed`, `prefix_databases_changed` whose
/// field appeared or changed. The provider's databag, without `data`, is stored as JSON
/// in this unit's `data` field for the next comparison.
pub fn relation_changed(
    relation: RelationRef<'_>,
    bags: ChangedBags<'_>,
) -> Result<Changed, Error> {
    let mut out = Changed::default();
    let old = json_object(bags.local_unit, DATA_FIELD)?;

    // RequirerEventHandlers._on_relation_changed_event: statuses.
    let old_statuses: Vec<RelationStatus> =
        statuses(old.str(STATUS_FIELD).unwrap_or("[]"), "data.status")?;
    out.events
        .extend(status_events(&old_statuses, bags.remote_app)?);

    // A subordinate provider answers only once its unit says it is ready.
    if bags.remote_app.get("subordinated").map(String::as_str) == Some("true")
        && bags
            .remote_unit
            .and_then(|u| u.get("state"))
            .map(String::as_str)
            != Some("ready")
    {
        return Ok(out);
    }

    let new = bag_object(bags.remote_app);
    let diff = Diff::between(&old, &new);
    out.unit_writes
        .insert(DATA_FIELD.into(), Some(Json::Object(new).dumps()));

    if diff
        .added
        .iter()
        .any(|k| k.starts_with(SECRET_FIELD_PREFIX))
    {
        out.secrets_to_label = SecretGroup::ALL
            .into_iter()
            .filter(|g| *g != SecretGroup::Mtls && diff.added(&g.field()))
            .map(|g| secret_ref(relation, bags.remote_app, g))
            .collect();
    }

    // The provider's `data` is the JSON of this application's databag as it saw it.
    let requested_entity = json_object(bags.remote_app, DATA_FIELD)
        .map(|o| o.contains_key("entity-type"))
        .unwrap_or(false);
    let user_secret = SecretGroup::User.field();
    let entity_secret = SecretGroup::Entity.field();
    let credentials_shared =
        diff.added(&user_secret) || (diff.added("username") && diff.added("password"));
    let entity_shared = diff.added(&entity_secret) || diff.added("entity-name");
    if credentials_shared && !requested_entity {
        out.events.push(RequirerEvent::DatabaseCreated);
    } else if entity_shared && requested_entity {
        out.events.push(RequirerEvent::DatabaseEntityCreated);
    } else if let Some(event) = [
        ("endpoints", RequirerEvent::EndpointsChanged),
        (
            "read-only-endpoints",
            RequirerEvent::ReadOnlyEndpointsChanged,
        ),
        ("prefix-databases", RequirerEvent::PrefixDatabasesChanged),
    ]
    .into_iter()
    .find_map(|(key, event)| diff.added_or_changed(key).then_some(event))
    {
        out.events.push(event);
    }
    out.diff = diff;
    Ok(out)
}

/// The statuses the provider raised and resolved since `old_statuses`.
fn status_events(
    old_statuses: &[RelationStatus],
    remote_app: &Bag,
) -> Result<Vec<RequirerEvent>, Error> {
    let current = statuses(
        remote_app.get(STATUS_FIELD).map_or("[]", String::as_str),
        STATUS_FIELD,
    )?;
    let codes = |s: &[RelationStatus]| s.iter().map(|s| s.code).collect::<BTreeSet<_>>();
    let (before, now) = (codes(old_statuses), codes(&current));
    let raised = now.difference(&before).filter_map(|code| {
        let s = current.iter().find(|s| s.code == *code)?;
        Some(RequirerEvent::StatusRaised(s.clone()))
    });
    let resolved = before.difference(&now).filter_map(|code| {
        let s = old_statuses.iter().find(|s| s.code == *code)?;
        Some(RequirerEvent::StatusResolved(s.clone()))
    });
    Ok(raised.chain(resolved).collect())
}

fn statuses(text: &str, field: &str) -> Result<Vec<RelationStatus>, Error> {
    serde_json::from_str(text)
        .map_err(|_| crate::error::bad_field(field, "a JSON list of statuses", text))
}

fn secret_ref(relation: RelationRef<'_>, remote_app: &Bag, group: SecretGroup) -> SecretRef {
    SecretRef {
        group,
        label: group.label(relation.endpoint, relation.id, None),
        uri: remote_app.get(&group.field()).cloned(),
    }
}

/// The secrets the provider published on the relation (`secret-<group>` fields).
pub fn secret_refs(relation: RelationRef<'_>, remote_app: &Bag) -> Vec<SecretRef> {
    SecretGroup::ALL
        .into_iter()
        .filter(|g| *g != SecretGroup::Mtls)
        .map(|g| secret_ref(relation, remote_app, g))
        .filter(|r| r.uri.is_some())
        .collect()
}

/// The provider's answer, as the v0 library's `fetch_relation_data` reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Every field, from the secrets and the databag.
    pub fields: Bag,
}

impl ConnectionInfo {
    /// A field's value, if set and not empty.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .get(field)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
    /// `username`.
    pub fn username(&self) -> Option<&str> {
        self.get("username")
    }
    /// `password`.
    pub fn password(&self) -> Option<&str> {
        self.get("password")
    }
    /// `endpoints`: comma-separated `host:port` (the primary, or the service to it).
    pub fn endpoints(&self) -> Option<&str> {
        self.get("endpoints")
    }
    /// `read-only-endpoints`: comma-separated `host:port` of the replicas.
    pub fn read_only_endpoints(&self) -> Option<&str> {
        self.get("read-only-endpoints")
    }
    /// `version`: the database server's version.
    pub fn version(&self) -> Option<&str> {
        self.get("version")
    }
    /// `database`: the database created.
    pub fn database(&self) -> Option<&str> {
        self.get("database")
    }
    /// `uris`.
    pub fn uris(&self) -> Option<&str> {
        self.get("uris")
    }
    /// `tls` (`True`/`False` as the provider wrote it).
    pub fn tls(&self) -> Option<&str> {
        self.get("tls")
    }
    /// `tls-ca`: the CA of the server's certificate.
    pub fn tls_ca(&self) -> Option<&str> {
        self.get("tls-ca")
    }
    /// `entity-name`: the user or group created for an entity request
    /// ([`DatabaseRequest::entity_type`]), from the `entity` secret or the databag.
    pub fn entity_name(&self) -> Option<&str> {
        self.get("entity-name")
    }
    /// `entity-password`: the entity's password (a `USER` entity; a `GROUP` has none).
    pub fn entity_password(&self) -> Option<&str> {
        self.get("entity-password")
    }
    /// `prefix-databases`: with prefix matching ([`DatabaseRequest::prefix_matching`]), the
    /// databases whose names start with the requested one, split at `,` as the library's
    /// `prefix_databases` does; empty when the field is absent or empty.
    pub fn prefix_databases(&self) -> Vec<&str> {
        self.get("prefix-databases")
            .map(|v| v.split(',').collect())
            .unwrap_or_default()
    }
    /// Both `username` and `password` are set: the resource is created
    /// (`is_resource_created`).
    pub fn has_credentials(&self) -> bool {
        self.username().is_some() && self.password().is_some()
    }
}

/// Reads the provider's answer (`fetch_relation_data` of the v0 requirer).
///
/// The fields this unit requested as secrets (its `requested-secrets`, else
/// [`REQUESTED_SECRETS`]) are read, per group, from that group's secret: `secret`
/// gives the content of the secret a [`SecretRef`] names (found by its label, else by its
/// id), or `None`. A group without a secret, or whose secret holds none of those fields,
/// is read from the databag instead (a provider without secrets). Every other field comes
/// from the databag.
pub fn connection_info(
    relation: RelationRef<'_>,
    remote_app: &Bag,
    local_unit: &Bag,
    mut secret: impl FnMut(&SecretRef) -> Option<Bag>,
) -> Result<ConnectionInfo, Error> {
    let requested: Vec<String> = match json_string_list(local_unit, REQUESTED_SECRETS_FIELD)? {
        Some(list) if !list.is_empty() => list,
        _ => REQUESTED_SECRETS.iter().map(|s| s.to_string()).collect(),
    };
    let mut fields = Bag::new();
    let mut from_bag: BTreeSet<String> = remote_app
        .keys()
        .filter(|k| !k.starts_with(SECRET_FIELD_PREFIX) && !requested.contains(k))
        .cloned()
        .collect();
    let mut groups: Vec<(SecretGroup, Vec<&String>)> = Vec::new();
    for field in &requested {
        let g = SecretGroup::of_field(field);
        match groups.iter_mut().find(|(group, _)| *group == g) {
            Some((_, fs)) => fs.push(field),
            None => groups.push((g, vec![field])),
        }
    }
    for (group, group_fields) in groups {
        let content = secret(&secret_ref(relation, remote_app, group))
            .map(|c| {
                c.into_iter()
                    .filter(|(k, _)| requested.contains(k))
                    .collect::<Bag>()
            })
            .filter(|c| !c.is_empty());
        match content {
            Some(c) => fields.extend(c),
            None => from_bag.extend(group_fields.into_iter().cloned()),
        }
    }
    for k in from_bag {
        if let Some(v) = remote_app.get(&k) {
            fields.insert(k, v.clone());
        }
    }
    Ok(ConnectionInfo { fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(pairs: &[(&str, &str)]) -> Bag {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const REL: RelationRef<'static> = RelationRef {
        endpoint: "database",
        id: 2,
    };

    #[test]
    fn a_subordinate_provider_is_waited_for() {
        let remote = bag(&[("subordinated", "true"), ("secret-user", "secret:x")]);
        let local = Bag::new();
        let not_ready = bag(&[("state", "starting")]);
        let bags = ChangedBags {
            remote_app: &remote,
            remote_unit: Some(&not_ready),
            local_unit: &local,
        };
        let c = relation_changed(REL, bags).unwrap();
        assert!(c.events.is_empty() && c.unit_writes.is_empty());
        let ready = bag(&[("state", "ready")]);
        let bags = ChangedBags {
            remote_unit: Some(&ready),
            ..bags
        };
        assert_eq!(
            relation_changed(REL, bags).unwrap().events,
            [RequirerEvent::DatabaseCreated]
        );
    }

    #[test]
    fn statuses_raised_and_resolved() {
        let s1 = r#"{"code": 4001, "message": "m", "resolution": "r"}"#;
        let s2 = r#"{"code": 5002, "message": "n", "resolution": "s"}"#;
        let remote = bag(&[("status", &format!("[{s1}]"))]);
        let local = Bag::new();
        let c = relation_changed(
            REL,
            ChangedBags {
                remote_app: &remote,
                remote_unit: None,
                local_unit: &local,
            },
        )
        .unwrap();
        assert_eq!(c.events.len(), 1);
        assert!(matches!(&c.events[0], RequirerEvent::StatusRaised(s) if s.code == 4001));
        let seen: Bag = c
            .unit_writes
            .into_iter()
            .map(|(k, v)| (k, v.unwrap()))
            .collect();
        let remote = bag(&[("status", &format!("[{s2}]"))]);
        let c = relation_changed(
            REL,
            ChangedBags {
                remote_app: &remote,
                remote_unit: None,
                local_unit: &seen,
            },
        )
        .unwrap();
        let names: Vec<&str> = c.events.iter().map(RequirerEvent::name).collect();
        assert_eq!(names, ["status_raised", "status_resolved"]);
    }

    #[test]
    fn a_provider_without_secrets_is_read_from_the_databag() {
        let remote = bag(&[("username", "u"), ("password", "p"), ("endpoints", "h:1")]);
        let info = connection_info(REL, &remote, &Bag::new(), |_| None).unwrap();
        assert_eq!(
            (info.username(), info.password(), info.endpoints()),
            (Some("u"), Some("p"), Some("h:1"))
        );
        let c = relation_changed(
            REL,
            ChangedBags {
                remote_app: &remote,
                remote_unit: None,
                local_unit: &Bag::new(),
            },
        )
        .unwrap();
        assert_eq!(c.events, [RequirerEvent::DatabaseCreated]);
    }

    /// `relation_changed` on `remote` after this unit saw `seen` (the provider's bag).
    fn events_after(seen: &Bag, remote: &Bag) -> Vec<RequirerEvent> {
        let local = bag(&[("data", &Json::Object(bag_object(seen)).dumps())]);
        relation_changed(
            REL,
            ChangedBags {
                remote_app: remote,
                remote_unit: None,
                local_unit: &local,
            },
        )
        .unwrap()
        .events
    }

    #[test]
    fn an_entity_is_created_only_when_one_was_requested() {
        let requested = r#"{"database": "blog", "entity-type": "USER"}"#;
        let plain = r#"{"database": "blog"}"#;
        let entity = |data: &str, secret_field: &str| {
            bag(&[
                ("data", data),
                (secret_field, "secret:e"),
                ("endpoints", "h:1"),
            ])
        };
        let none = Bag::new();
        // The entity's secret, for an entity request: `database_entity_created`.
        assert_eq!(
            events_after(&none, &entity(requested, "secret-entity")),
            [RequirerEvent::DatabaseEntityCreated]
        );
        // Without secrets: `entity-name` in the databag.
        let in_bag = bag(&[("data", requested), ("entity-name", "blog_role")]);
        assert_eq!(
            events_after(&none, &in_bag),
            [RequirerEvent::DatabaseEntityCreated]
        );
        // The same entity secret for a plain request: no entity, the endpoints are news.
        assert_eq!(
            events_after(&none, &entity(plain, "secret-entity")),
            [RequirerEvent::EndpointsChanged]
        );
        // Database credentials for an entity request: no `database_created` either.
        assert_eq!(
            events_after(&none, &entity(requested, "secret-user")),
            [RequirerEvent::EndpointsChanged]
        );
        // Seen already: nothing.
        let answer = entity(requested, "secret-entity");
        assert_eq!(events_after(&answer, &answer), []);
    }

    #[test]
    fn prefix_databases_changed_when_the_list_appears_or_changes() {
        let seen = bag(&[("secret-user", "secret:u"), ("endpoints", "h:1")]);
        let with = |list: &str| {
            let mut b = seen.clone();
            b.insert("prefix-databases".into(), list.into());
            b
        };
        let changed = [RequirerEvent::PrefixDatabasesChanged];
        assert_eq!(events_after(&seen, &with("blog_1,blog_2")), changed);
        assert_eq!(
            events_after(&with("blog_1"), &with("blog_1,blog_2")),
            changed
        );
        assert_eq!(events_after(&with("blog_1"), &with("")), changed);
        assert_eq!(events_after(&with("blog_1"), &with("blog_1")), []);
        // Removed: the library's diff sees a deletion, which no event reports.
        assert_eq!(events_after(&with("blog_1"), &seen), []);
        // Endpoints that change with it come first, alone.
        let mut moved = with("blog_1");
        moved.insert("endpoints".into(), "h:2".into());
        assert_eq!(
            events_after(&seen, &moved),
            [RequirerEvent::EndpointsChanged]
        );
    }

    #[test]
    fn prefix_databases_are_split_as_the_library_splits_them() {
        let info = |v: &str| ConnectionInfo {
            fields: bag(&[("prefix-databases", v)]),
        };
        assert_eq!(info("a,b").prefix_databases(), ["a", "b"]);
        assert_eq!(info("a").prefix_databases(), ["a"]);
        assert!(info("").prefix_databases().is_empty());
        assert!(ConnectionInfo::default().prefix_databases().is_empty());
    }

    #[test]
    fn entity_credentials_come_from_the_entity_secret() {
        let remote = bag(&[("secret-entity", "secret:e"), ("entity-name", "stale")]);
        let info = connection_info(REL, &remote, &Bag::new(), |r| {
            (r.group == SecretGroup::Entity)
                .then(|| bag(&[("entity-name", "blog_role"), ("entity-password", "pw")]))
        })
        .unwrap();
        assert_eq!(
            (info.entity_name(), info.entity_password()),
            (Some("blog_role"), Some("pw"))
        );
    }

    #[test]
    fn a_corrupt_data_field_is_an_error_that_names_it() {
        let local = bag(&[("data", "[1, 2]")]);
        let err = relation_changed(
            REL,
            ChangedBags {
                remote_app: &Bag::new(),
                remote_unit: None,
                local_unit: &local,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("`data`"), "{err}");
    }
}
