//! The provider, serving v0 requirers (`DatabaseProvides` of `data_platform_libs` v0
//! `data_interfaces.py`, LIBPATCH 59) and v1 requirers (`ResourceProviderEventHandler` of
//! dpcharmlibs-interfaces 1.2.2).
//!
//! A v0 requirer's request is its application databag (`database`, `extra-user-roles`,
//! ...); a v1 requirer writes `version: v1` and a JSON list `requests`, each entry with its
//! `request-id`. [`relation_changed`] says which requests are new (one
//! [`ProviderEvent::DatabaseRequested`] each) and keeps what it saw in this application's
//! `data` field; [`answer`] turns a [`Response`] into the secrets to create or update and,
//! once their ids are known, the databag writes ([`Answer::bag_writes`]), each the way
//! that version's library writes them.

use std::collections::BTreeMap;

use crate::diff::{Diff, DATA_FIELD};
use crate::error::bad_field;
use crate::json::{Json, Object};
use crate::requirer::REQUESTED_SECRETS_FIELD;
use crate::{
    bag_object, json_object, json_string_list, Bag, BagWrites, Error, RelationRef, SecretGroup,
    STATUS_FIELD,
};

mod answer;

pub use answer::{answer, Answer, Response, SecretWrite};

/// The protocol version a requirer speaks (its `version` field; absent: v0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `data_platform_libs` v0: the request is the requirer's databag.
    V0,
    /// dpcharmlibs-interfaces v1: the requests are the entries of `requests`.
    V1,
}

/// The fields a v1 entry may name its resource with (`RESOURCE_ALIASES`), before `resource`.
const RESOURCE_ALIASES: [&str; 6] = [
    "database",
    "subject",
    "topic",
    "index",
    "plugin-url",
    "prefix",
];

/// A request for a database.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The requirer's protocol version.
    pub version: Version,
    /// v1: the request's id (`request-id`), which names its secrets and its answer.
    pub request_id: Option<String>,
    /// v1: the request's `salt`.
    pub salt: Option<String>,
    /// The database (v0 `database`; v1 `resource` or one of its aliases).
    pub database: String,
    /// `extra-user-roles`.
    pub extra_user_roles: Option<String>,
    /// `extra-group-roles`.
    pub extra_group_roles: Option<String>,
    /// `entity-type` (`USER` or `GROUP`): an entity, not a database user, is asked for.
    pub entity_type: Option<String>,
    /// `prefix-matching`.
    pub prefix_matching: Option<String>,
    /// `external-node-connectivity`.
    pub external_node_connectivity: bool,
    /// v0: the fields the requirer wants in secrets (`requested-secrets`; none: all in the
    /// databag, as a Juju 2 requirer wants them).
    pub requested_secrets: Vec<String>,
    /// What the diff is computed on: the requirer's databag (v0) or the entry as the v1
    /// library dumps it.
    seen: Object,
}

/// An event the provider libraries emit on `relation-changed`, one per request.
#[derive(Clone, Debug, PartialEq)]
pub enum ProviderEvent {
    /// A new request for a database (`database_requested` / `resource_requested`).
    DatabaseRequested(Request),
    /// A new request for an entity (`database_entity_requested` / `resource_entity_requested`).
    EntityRequested(Request),
    /// An entity's permissions changed.
    EntityPermissionsChanged(Request),
}

impl ProviderEvent {
    /// The request the event is about.
    pub fn request(&self) -> &Request {
        match self {
            ProviderEvent::DatabaseRequested(r)
            | ProviderEvent::EntityRequested(r)
            | ProviderEvent::EntityPermissionsChanged(r) => r,
        }
    }
}

/// What a `relation-changed` means for the provider's leader.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderChanged {
    /// The events, in request order.
    pub events: Vec<ProviderEvent>,
    /// Writes to this application's databag (the `data` field).
    pub app_writes: BagWrites,
}

/// The requirer's protocol version.
pub fn version(remote_app: &Bag) -> Result<Version, Error> {
    match remote_app.get("version").map(String::as_str) {
        None | Some("v0") => Ok(Version::V0),
        Some("v1") => Ok(Version::V1),
        Some(other) => Err(bad_field("version", "`v0` or `v1`", other)),
    }
}

/// The requests in the requirer's application databag, new or not: a v0 requirer's one
/// request (once it named its `database`), or every entry of a v1 requirer's `requests`.
pub fn requests(remote_app: &Bag) -> Result<Vec<Request>, Error> {
    match version(remote_app)? {
        Version::V0 => Ok(v0_request(remote_app)?.into_iter().collect()),
        Version::V1 => v1_requests(remote_app),
    }
}

fn v0_request(remote_app: &Bag) -> Result<Option<Request>, Error> {
    let Some(database) = remote_app.get("database") else {
        return Ok(None);
    };
    let field = |k: &str| remote_app.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(Some(Request {
        version: Version::V0,
        request_id: None,
        salt: None,
        database: database.clone(),
        extra_user_roles: field("extra-user-roles"),
        extra_group_roles: field("extra-group-roles"),
        entity_type: field("entity-type"),
        prefix_matching: field("prefix-matching"),
        external_node_connectivity: remote_app
            .get("external-node-connectivity")
            .is_some_and(|v| v == "true"),
        requested_secrets: json_string_list(remote_app, REQUESTED_SECRETS_FIELD)?
            .unwrap_or_default(),
        seen: bag_object(remote_app),
    }))
}

fn v1_requests(remote_app: &Bag) -> Result<Vec<Request>, Error> {
    let text = remote_app.get("requests").map_or("[]", String::as_str);
    let Ok(Json::Array(entries)) = Json::parse(text) else {
        return Err(bad_field("requests", "a JSON list of requests", text));
    };
    entries
        .iter()
        .map(|e| {
            let entry = e
                .as_object()
                .ok_or_else(|| bad_field("requests", "a JSON list of objects", text))?;
            let seen = v1_request_dump(entry);
            let s = |k: &str| seen.str(k).map(str::to_string);
            Ok(Request {
                version: Version::V1,
                request_id: s("request-id"),
                salt: s("salt"),
                database: s("resource").unwrap_or_default(),
                extra_user_roles: s("extra-user-roles"),
                extra_group_roles: s("extra-group-roles"),
                entity_type: s("entity-type"),
                prefix_matching: s("prefix-matching"),
                external_node_connectivity: matches!(
                    seen.get("external-node-connectivity"),
                    Some(Json::Bool(true))
                ),
                requested_secrets: Vec::new(),
                seen,
            })
        })
        .collect()
}

/// The fields of `RequirerCommonModel`, in order: (field as dumped, fields it is read from).
const V1_REQUEST_FIELDS: [(&str, &[&str]); 13] = [
    ("request-id", &["request-id"]),
    ("salt", &["salt"]),
    ("extra-user-roles", &["extra-user-roles"]),
    ("extra-group-roles", &["extra-group-roles"]),
    (
        "external-node-connectivity",
        &["external-node-connectivity"],
    ),
    ("entity-type", &["entity-type"]),
    ("entity-permissions", &["entity-permissions"]),
    ("secret-mtls", &["secret-mtls"]),
    ("mtls-cert", &["mtls-cert"]),
    (
        "secret-requested-entity",
        &["requested-entity-secret", "secret-requested-entity"],
    ),
    ("entity-name", &["entity-name"]),
    ("password", &["entity-password"]),
    ("prefix-matching", &["prefix-matching"]),
];

/// A v1 request entry as the library stores it for its diff: `model_dump(mode='json',
/// exclude_none=True, exclude_defaults=True)` of `RequirerCommonModel` (fields in model
/// order, then unknown fields in their order; nulls and defaults left out).
fn v1_request_dump(entry: &Object) -> Object {
    let mut out = Object::new();
    let mut consumed: Vec<&str> = vec!["resource"];
    let resource = RESOURCE_ALIASES
        .iter()
        .chain(["resource"].iter())
        .find_map(|k| entry.get(k).filter(|v| !v.is_null()));
    consumed.extend(RESOURCE_ALIASES);
    if let Some(r) = resource.filter(|r| r.as_str() != Some("")) {
        out.insert("resource", r.clone());
    }
    for (name, sources) in V1_REQUEST_FIELDS {
        consumed.extend(sources);
        let value = sources
            .iter()
            .find_map(|k| entry.get(k).filter(|v| !v.is_null()));
        match value {
            Some(Json::Bool(false)) if name == "external-node-connectivity" => {}
            Some(v) => out.insert(name, v.clone()),
            None => {}
        }
    }
    for (k, v) in entry.iter() {
        if !consumed.contains(&k.as_str()) && !v.is_null() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// What a `relation-changed` means for the leader (other units do nothing): which
/// requests are new, and the `data` field to store for the next comparison.
///
/// v0 (`DatabaseProviderEventHandlers._on_relation_changed_event`): the requirer's
/// databag is compared with `data`; `database` added (without `entity-type`) is a
/// database request. v1 (`ResourceProviderEventHandler`): each entry of `requests` is
/// compared with `data[<request id>]`. Changing `extra-user-roles`, `extra-group-roles`
/// or `entity-type` (v1: also `resource`) of a request is an error, as in the libraries.
pub fn relation_changed(remote_app: &Bag, local_app: &Bag) -> Result<ProviderChanged, Error> {
    let mut out = ProviderChanged::default();
    match version(remote_app)? {
        Version::V0 => {
            let old = json_object(local_app, DATA_FIELD)?;
            let new = bag_object(remote_app);
            let diff = Diff::between(&old, &new);
            out.app_writes
                .insert(DATA_FIELD.into(), Some(Json::Object(new).dumps()));
            validate(
                &diff,
                &["entity-type", "extra-user-roles", "extra-group-roles"],
            )?;
            if let Some(request) = v0_request(remote_app)? {
                out.events.extend(dispatch(&diff, &["database"], request));
            }
        }
        Version::V1 => {
            if remote_app.is_empty() {
                return Ok(out);
            }
            let mut data = json_object(local_app, DATA_FIELD)?;
            let statuses = statuses_by_code(local_app)?;
            for request in v1_requests(remote_app)? {
                let old = match &request.request_id {
                    Some(rid) => data
                        .get(rid)
                        .and_then(Json::as_object)
                        .cloned()
                        .unwrap_or_default(),
                    None => data.clone(),
                };
                let diff = Diff::between(&old, &request.seen);
                // store_new_data: existing data | {status}, then data[request id] = new.
                if let Some(s) = &statuses {
                    data.insert(STATUS_FIELD, s.clone());
                }
                match &request.request_id {
                    Some(rid) => data.insert(rid.clone(), Json::Object(request.seen.clone())),
                    None => data = request.seen.clone(),
                }
                validate(
                    &diff,
                    &[
                        "resource",
                        "entity-type",
                        "extra-user-roles",
                        "extra-group-roles",
                    ],
                )?;
                let mut resource_keys: Vec<&str> = RESOURCE_ALIASES.to_vec();
                resource_keys.push("resource");
                out.events.extend(dispatch(&diff, &resource_keys, request));
            }
            out.app_writes
                .insert(DATA_FIELD.into(), Some(Json::Object(data).dumps()));
        }
    }
    Ok(out)
}

/// `{code: status}` of the statuses this application raised (`get_statuses`), if any.
fn statuses_by_code(local_app: &Bag) -> Result<Option<Json>, Error> {
    let text = local_app.get(STATUS_FIELD).map_or("[]", String::as_str);
    let list: Vec<crate::RelationStatus> = serde_json::from_str(text)
        .map_err(|_| bad_field(STATUS_FIELD, "a JSON list of statuses", text))?;
    if list.is_empty() {
        return Ok(None);
    }
    let o = list
        .into_iter()
        .map(|s| {
            let status: Object = [
                ("code".to_string(), Json::Number(s.code.into())),
                ("message".to_string(), Json::str(s.message)),
                ("resolution".to_string(), Json::str(s.resolution)),
            ]
            .into_iter()
            .collect();
            (s.code.to_string(), Json::Object(status))
        })
        .collect();
    Ok(Some(Json::Object(o)))
}

fn validate(diff: &Diff, immutable: &[&str]) -> Result<(), Error> {
    match immutable.iter().find(|k| diff.changed.contains(**k)) {
        Some(k) => Err(Error::ImmutableField(k.to_string())),
        None => Ok(()),
    }
}

fn dispatch(diff: &Diff, resource_keys: &[&str], request: Request) -> Option<ProviderEvent> {
    let resource_added = resource_keys.iter().any(|k| diff.added(k));
    let entity_added = diff.added("entity-type");
    if resource_added && !entity_added {
        Some(ProviderEvent::DatabaseRequested(request))
    } else if resource_added {
        Some(ProviderEvent::EntityRequested(request))
    } else if !entity_added && diff.added_or_changed("entity-permissions") {
        Some(ProviderEvent::EntityPermissionsChanged(request))
    } else {
        None
    }
}

/// The labels of the secrets this application published on a relation (from its own
/// databag: `secret-<group>` fields, and the ids of v1 `requests` entries with them):
/// what to remove when the relation is broken.
pub fn published_secret_labels(relation: RelationRef<'_>, local_app: &Bag) -> Vec<String> {
    let mut labels = Vec::new();
    for g in SecretGroup::ALL {
        if local_app.contains_key(&g.field()) {
            labels.push(g.label(relation.endpoint, relation.id, None));
        }
    }
    for e in v1_answers(local_app) {
        let Some(rid) = e.str("request-id") else {
            continue;
        };
        for g in SecretGroup::ALL {
            if e.str(&g.field()).is_some() {
                labels.push(g.label(relation.endpoint, relation.id, Some(rid)));
            }
        }
    }
    labels
}

/// The `requests` entries of this application's v1 answers.
fn v1_answers(local_app: &Bag) -> Vec<Object> {
    match local_app.get("requests").map(|t| Json::parse(t)) {
        Some(Ok(Json::Array(entries))) => entries
            .iter()
            .filter_map(Json::as_object)
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// The id of the `group` secret this application published for a request (v0: the
/// field `secret-<group>` of its databag; v1: that field of the answer to `request_id`),
/// as it wrote it.
pub fn published_secret_id(
    local_app: &Bag,
    request_id: Option<&str>,
    group: SecretGroup,
) -> Option<String> {
    match request_id {
        None => local_app.get(&group.field()).cloned(),
        Some(rid) => v1_answers(local_app)
            .iter()
            .find(|e| e.str("request-id") == Some(rid))
            .and_then(|e| e.str(&group.field()).map(str::to_string)),
    }
}

/// How many requests this application answered on a relation, from its own databag: a
/// v0 answer has credentials (`secret-user`, or `username` on the databag), each v1
/// answer in `requests` a `secret-user`.
///
/// ```
/// use charm_postgresql_client::provider::answered_requests;
/// use charm_postgresql_client::Bag;
/// let v0: Bag = [("secret-user".to_string(), "secret:x".to_string())].into();
/// assert_eq!(answered_requests(&v0), 1);
/// let v1: Bag = [
///     ("version".to_string(), "v1".to_string()),
///     ("requests".to_string(), r#"[{"request-id": "a", "secret-user": "secret:y"}, {"request-id": "b"}]"#.to_string()),
/// ].into();
/// assert_eq!(answered_requests(&v1), 1);
/// assert_eq!(answered_requests(&Bag::new()), 0);
/// ```
pub fn answered_requests(local_app: &Bag) -> usize {
    let user = SecretGroup::User.field();
    if local_app.get("version").map(String::as_str) == Some("v1") {
        v1_answers(local_app)
            .iter()
            .filter(|e| e.str(&user).is_some())
            .count()
    } else {
        usize::from(local_app.contains_key(&user) || local_app.contains_key("username"))
    }
}

#[cfg(test)]
mod tests;
