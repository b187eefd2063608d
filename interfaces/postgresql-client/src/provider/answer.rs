//! The provider's answer to a request: the secrets, then the databag fields, as the v0
//! and v1 libraries write them.

use super::*;

/// The provider's answer to one request. Fields left `None` are not written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The database created (v0 field `database`; v1: the entry's `resource`).
    pub database: Option<String>,
    /// The user (in the `user` secret when the requirer asked for secrets).
    pub username: Option<String>,
    /// Its password (likewise).
    pub password: Option<String>,
    /// Comma-separated `host:port` of the primary (or the service to it).
    pub endpoints: Option<String>,
    /// Comma-separated `host:port` of the replicas.
    pub read_only_endpoints: Option<String>,
    /// The server's version, e.g. `16.0`.
    pub version: Option<String>,
    /// Connection URIs (`user` group).
    pub uris: Option<String>,
    /// Read-only connection URIs (`user` group).
    pub read_only_uris: Option<String>,
    /// Whether TLS is on (`tls` group; v0 charms write `True`/`False`, v1 `true`/`false`).
    pub tls: Option<String>,
    /// The CA of the server's certificate (`tls` group).
    pub tls_ca: Option<String>,
}

impl Response {
    /// A response for `request`: its database, nothing else yet.
    pub fn for_request(request: &Request) -> Response {
        Response {
            database: Some(request.database.clone()),
            ..Response::default()
        }
    }

    /// (field, value) in the order the libraries' `set_*` calls and models name them.
    fn fields(&self) -> [(&'static str, &Option<String>); 10] {
        [
            ("username", &self.username),
            ("password", &self.password),
            ("uris", &self.uris),
            ("read-only-uris", &self.read_only_uris),
            ("tls", &self.tls),
            ("tls-ca", &self.tls_ca),
            ("endpoints", &self.endpoints),
            ("read-only-endpoints", &self.read_only_endpoints),
            ("version", &self.version),
            ("database", &self.database),
        ]
    }
}

/// A secret the answer puts fields in: create it (owned by this application, with
/// `label`, granted to the relation) or, if a secret with that label exists, update it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretWrite {
    /// Its group.
    pub group: SecretGroup,
    /// Its label.
    pub label: String,
    /// Fields to set.
    pub set: Bag,
    /// Fields to remove (v1: fields the response leaves unset).
    pub remove: Vec<String>,
}

impl SecretWrite {
    /// The content to write: `existing` (the secret's current content, if it exists)
    /// with these changes, as the libraries merge it.
    pub fn content(&self, existing: Option<&Bag>) -> Bag {
        let mut c = existing.cloned().unwrap_or_default();
        for k in &self.remove {
            c.remove(k);
        }
        c.extend(self.set.clone());
        c
    }
}

/// An answer to one request: first the secrets ([`Answer::secrets`]), then, with their
/// ids, the writes to this application's databag ([`Answer::bag_writes`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    secrets: Vec<SecretWrite>,
    kind: AnswerKind,
}

#[derive(Clone, Debug, PartialEq)]
enum AnswerKind {
    /// Plain fields, and `secret-<group>` fields for the secrets.
    V0 { plain: Bag, local_app: Bag },
    /// The entry of `requests` to update or add.
    V1 {
        requests: Vec<Json>,
        index: Option<usize>,
        entry: Object,
    },
}

/// The answer to `request` (from [`requests`] or a [`ProviderEvent`]), as the library of
/// the requirer's version writes it.
///
/// v0 (`ProviderData.update_relation_data`): the fields the requirer listed in
/// `requested-secrets` go, by group, into secrets labelled `<endpoint>.<id>.<group>.secret`
/// whose ids go in `secret-<group>`; the others go in the databag as they are. A
/// requirer that listed none (or a relation that started without secrets) gets every
/// field in the databag. Answering before the requirer named its `database` is an error.
/// v1 (`set_response`): the `user`, `tls` fields go into secrets labelled
/// `<endpoint>.<id>.<request id>.<group>.secret`; the entry of `requests` with the
/// request's id is updated (or added) with the other fields and the secrets' ids.
pub fn answer(
    relation: RelationRef<'_>,
    request: &Request,
    remote_app: &Bag,
    local_app: &Bag,
    response: &Response,
) -> Result<Answer, Error> {
    match request.version {
        Version::V0 => answer_v0(relation, remote_app, local_app, response),
        Version::V1 => answer_v1(relation, request, local_app, response),
    }
}

fn answer_v0(
    relation: RelationRef<'_>,
    remote_app: &Bag,
    local_app: &Bag,
    response: &Response,
) -> Result<Answer, Error> {
    let fields: Vec<(&str, &String)> = response
        .fields()
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let allowed_early = [
        "endpoints",
        "read-only-endpoints",
        "replset",
        "encryption-secret",
    ];
    if !remote_app.contains_key("database")
        && fields.iter().any(|(k, _)| !allowed_early.contains(k))
    {
        return Err(Error::Premature);
    }
    let requested = json_string_list(remote_app, REQUESTED_SECRETS_FIELD)?.unwrap_or_default();
    // A relation that started on the databag stays there (`fallback_to_databag`).
    let on_databag = requested.iter().any(|f| local_app.contains_key(f));
    let mut secrets: Vec<SecretWrite> = Vec::new();
    let mut plain = Bag::new();
    for (field, value) in fields {
        if !on_databag && requested.iter().any(|r| r == field) {
            let group = SecretGroup::of_field(field);
            let write = match secrets.iter_mut().find(|w| w.group == group) {
                Some(w) => w,
                None => {
                    secrets.push(SecretWrite {
                        group,
                        label: group.label(relation.endpoint, relation.id, None),
                        set: Bag::new(),
                        remove: Vec::new(),
                    });
                    secrets.last_mut().expect("just pushed")
                }
            };
            write.set.insert(field.to_string(), value.clone());
        } else {
            plain.insert(field.to_string(), value.clone());
        }
    }
    Ok(Answer {
        secrets,
        kind: AnswerKind::V0 {
            plain,
            local_app: local_app.clone(),
        },
    })
}

/// `ResourceProviderModel`'s fields as dumped, in order, before its unknown fields.
const V1_RESPONSE_FIELDS: [&str; 11] = [
    "resource",
    "request-id",
    "salt",
    "endpoints",
    "read-only-endpoints",
    "secret-user",
    "secret-tls",
    "secret-extra",
    "secret-entity",
    "version",
    "prefix-resources",
];

/// Fields `write_model` always blanks in `requests` (`CROSS_MODEL_RELATION_CONSUMER_SECRETS`).
const V1_BLANKED: [&str; 4] = ["mtls-cert", "entity-name", "entity-password", "password"];

fn answer_v1(
    relation: RelationRef<'_>,
    request: &Request,
    local_app: &Bag,
    response: &Response,
) -> Result<Answer, Error> {
    let text = local_app.get("requests").map_or("[]", String::as_str);
    let Ok(Json::Array(requests)) = Json::parse(text) else {
        return Err(bad_field("requests", "a JSON list of responses", text));
    };
    let index = requests.iter().position(|r| {
        r.as_object().and_then(|o| o.str("request-id")) == request.request_id.as_deref()
    });
    let mut entry = match index.and_then(|i| requests[i].as_object()) {
        Some(existing) => existing.clone(),
        None => {
            let mut e: Object = V1_RESPONSE_FIELDS
                .iter()
                .map(|k| (k.to_string(), Json::Null))
                .collect();
            e.insert("resource", Json::str(request.database.as_str()));
            e.insert("request-id", Json::opt_str(request.request_id.as_deref()));
            e.insert("salt", Json::opt_str(request.salt.as_deref()));
            for k in V1_BLANKED {
                e.insert(k, Json::Null);
            }
            e
        }
    };
    let mut secrets = Vec::new();
    for group in [SecretGroup::User, SecretGroup::Tls] {
        let (set, remove): (Vec<_>, Vec<_>) = response
            .fields()
            .into_iter()
            .filter(|(k, _)| SecretGroup::of_field(k) == group)
            .partition(|(_, v)| v.is_some());
        if set.is_empty() && entry.str(&group.field()).is_none() {
            continue;
        }
        secrets.push(SecretWrite {
            group,
            label: group.label(
                relation.endpoint,
                relation.id,
                request.request_id.as_deref(),
            ),
            set: set
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.clone().expect("set")))
                .collect(),
            remove: remove.into_iter().map(|(k, _)| k.to_string()).collect(),
        });
    }
    if let Some(db) = &response.database {
        entry.insert("resource", Json::str(db.as_str()));
    }
    for (field, value) in [
        ("endpoints", &response.endpoints),
        ("read-only-endpoints", &response.read_only_endpoints),
        ("version", &response.version),
    ] {
        if let Some(v) = value {
            entry.insert(field, Json::str(v.as_str()));
        }
    }
    Ok(Answer {
        secrets,
        kind: AnswerKind::V1 {
            requests,
            index,
            entry,
        },
    })
}

impl Answer {
    /// The secrets to create or update before writing the databag.
    pub fn secrets(&self) -> &[SecretWrite] {
        &self.secrets
    }

    /// The writes to this application's databag, given the id of each secret of
    /// [`Answer::secrets`] (created or found by its label).
    pub fn bag_writes(
        &self,
        secret_ids: &BTreeMap<SecretGroup, String>,
    ) -> Result<BagWrites, Error> {
        let id = |g: SecretGroup| secret_ids.get(&g).cloned().ok_or(Error::MissingSecret(g));
        let mut out = BagWrites::new();
        match &self.kind {
            AnswerKind::V0 { plain, local_app } => {
                for w in &self.secrets {
                    let field = w.group.field();
                    let id = id(w.group)?;
                    if local_app.get(&field) != Some(&id) {
                        out.insert(field, Some(id));
                    }
                }
                for (k, v) in plain {
                    out.insert(k.clone(), Some(v.clone()));
                }
            }
            AnswerKind::V1 {
                requests,
                index,
                entry,
            } => {
                let mut entry = entry.clone();
                for w in &self.secrets {
                    entry.insert(w.group.field(), Json::String(id(w.group)?));
                }
                for k in V1_BLANKED {
                    entry.insert(k, Json::Null);
                }
                let mut requests = requests.clone();
                match index {
                    Some(i) => requests[*i] = Json::Object(entry),
                    None => requests.push(Json::Object(entry)),
                }
                out.insert("version".into(), Some("v1".into()));
                out.insert("requests".into(), Some(Json::Array(requests).dumps()));
            }
        }
        Ok(out)
    }
}
