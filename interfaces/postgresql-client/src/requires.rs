//! [`DatabaseRequires`]: the requirer as a component a charm attaches to its endpoint.
//!
//! It does what `DatabaseRequires` of `data_platform_libs` v0 does in an `ops` charm,
//! through the protocol functions of [`requirer`]:
//!
//! - `relation-created`: the leader writes the request (the database, the fields it
//!   wants in secrets);
//! - `relation-changed`: compares the provider's databag with what this unit saw last and
//!   emits one of [`DatabaseCreated`], [`DatabaseEntityCreated`], [`EndpointsChanged`],
//!   [`ReadOnlyEndpointsChanged`], [`PrefixDatabasesChanged`] (the library's statuses,
//!   `status_raised` and `status_resolved`, are logged at debug level);
//!   each secret that appeared is read once by id with this unit's label for it
//!   (`<endpoint>.<relation id>.<group>.secret`, as the library labels it);
//! - `secret-changed` of such a secret: the label names the relation; this unit tracks
//!   the new revision and emits [`CredentialsChanged`].
//!
//! The charm reads the answer with [`DatabaseRequires::connection`]: credentials from the
//! `user` secret, the rest from the databag. Events carry no credentials: a deferred
//! event is kept in Juju's charm state, the credentials stay in their secret.
//!
//! ```
//! use charm_postgresql_client::{DatabaseCreated, DatabaseRequires};
//! use charm_runtime::prelude::*;
//!
//! #[derive(Charm)]
//! #[charm(name = "blog", summary = "A blog")]
//! pub struct Blog {
//!     // The interface, `postgresql_client`, comes from the library.
//!     #[requires(database(limit = 1))]
//!     database: DatabaseRequires,
//! }
//!
//! impl Default for Blog {
//!     fn default() -> Self {
//!         Blog { database: DatabaseRequires::new("blog") }
//!     }
//! }
//!
//! #[handlers]
//! impl Blog {
//!     #[on(database::database_created)]
//!     fn created(&mut self, ctx: &mut Context<Self>, event: &DatabaseCreated) -> Result<()> {
//!         let Some(db) = self.database.connection(ctx)? else { return Ok(()) };
//!         let user = db.username().unwrap_or_default();
//!         ctx.set_status(Status::active(format!("{user} on relation {}", event.relation)));
//!         Ok(())
//!     }
//! }
//!
//! let yaml = <Blog as Charm>::metadata().charmcraft_yaml();
//! assert!(yaml.contains("  database:\n    interface: postgresql_client\n    limit: 1\n"));
//! ```

use std::cell::RefCell;

use charm_runtime::prelude::*;
use charm_runtime::{DataBag, ReadOnly, RelationId};
use serde::{Deserialize, Serialize};

use crate::glue::{apply, bag_of, protocol_error};
use crate::requirer::{self, ChangedBags, ConnectionInfo, DatabaseRequest, RequirerEvent};
use crate::{Bag, RelationRef, SecretGroup, SecretLabel, SecretRef};

/// The provider created the database: credentials are there to read
/// ([`DatabaseRequires::connection`]). The v0 library's `database_created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct DatabaseCreated {
    /// The relation's id.
    pub relation: u32,
    /// The database the provider created (`database`), if it said.
    pub database: Option<String>,
    /// Comma-separated `host:port` of the primary (`endpoints`), if published yet.
    pub endpoints: Option<String>,
    /// The server's version (`version`), if published yet.
    pub version: Option<String>,
}

/// The provider created the entity this requirer asked for
/// ([`DatabaseRequest::entity_type`](crate::requirer::DatabaseRequest::entity_type)): the
/// v0 library's `database_entity_created`, emitted instead of [`DatabaseCreated`] when the
/// request named an entity type. The password stays in its secret:
/// [`ConnectionInfo::entity_password`] of [`DatabaseRequires::connection`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct DatabaseEntityCreated {
    /// The relation's id.
    pub relation: u32,
    /// The user or group created (`entity-name`, from the `entity` secret or the databag).
    pub entity_name: Option<String>,
    /// The database (`database`), if the provider said.
    pub database: Option<String>,
    /// Comma-separated `host:port` of the primary (`endpoints`), if published yet.
    pub endpoints: Option<String>,
}

/// The provider published other `endpoints` (the v0 library's `endpoints_changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct EndpointsChanged {
    /// The relation's id.
    pub relation: u32,
    /// Comma-separated `host:port`.
    pub endpoints: String,
}

/// The provider published other `read-only-endpoints` (the v0 library's
/// `read_only_endpoints_changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct ReadOnlyEndpointsChanged {
    /// The relation's id.
    pub relation: u32,
    /// Comma-separated `host:port` of the replicas.
    pub read_only_endpoints: String,
}

/// The provider published another list of databases matching the requested prefix
/// ([`DatabaseRequest::prefix_matching`](crate::requirer::DatabaseRequest::prefix_matching)):
/// the v0 library's `prefix_databases_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct PrefixDatabasesChanged {
    /// The relation's id.
    pub relation: u32,
    /// The databases (`prefix-databases`, split at `,`; empty if the provider emptied it).
    pub prefix_databases: Vec<String>,
}

/// The provider changed a secret of the relation (new credentials: `user` or `entity`, or
/// a new CA: `tls`); this unit now tracks its latest revision. The v0 library leaves
/// `secret-changed` to the charm; this is it, mapped to its relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct CredentialsChanged {
    /// The relation's id.
    pub relation: u32,
    /// The group of the secret that changed: `user`, `entity` or `tls`.
    pub group: String,
}

/// The `postgresql_client` interface, requirer side, speaking v0 (served by v0 and v1
/// providers). Attach it to a `#[requires]` endpoint; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct DatabaseRequires {
    request: DatabaseRequest,
}

impl DatabaseRequires {
    /// A requirer asking for `database`.
    pub fn new(database: impl Into<String>) -> DatabaseRequires {
        DatabaseRequires::with_request(DatabaseRequest::new(database))
    }

    /// A requirer sending `request` (roles, prefix matching, ...).
    pub fn with_request(request: DatabaseRequest) -> DatabaseRequires {
        DatabaseRequires { request }
    }

    /// What this requirer asks for.
    pub fn request(&self) -> &DatabaseRequest {
        &self.request
    }

    /// The provider's answer on the endpoint's relation: `None` without a relation (an
    /// error naming the endpoint if it has several: use
    /// [`connections`](Self::connections)). Check
    /// [`has_credentials`](ConnectionInfo::has_credentials): a relation the provider has
    /// not answered yet gives an answer without them.
    pub fn connection<C: Charm>(&self, ctx: &Context<C>) -> Result<Option<ConnectionInfo>> {
        let ctx = ctx.component(self)?;
        match ctx.relation()? {
            Some(relation) => Ok(Some(read_connection(&ctx, &relation)?)),
            None => Ok(None),
        }
    }

    /// The provider's answer on each relation of the endpoint, by relation id.
    pub fn connections<C: Charm>(
        &self,
        ctx: &Context<C>,
    ) -> Result<Vec<(RelationId, ConnectionInfo)>> {
        let ctx = ctx.component(self)?;
        ctx.relations()?
            .iter()
            .map(|r| Ok((r.id(), read_connection(&ctx, r)?)))
            .collect()
    }
}

/// The answer on `relation`, secrets read by their label (labelling them on first read).
fn read_connection(
    ctx: &ComponentContext<DatabaseRequires>,
    relation: &Relation,
) -> Result<ConnectionInfo> {
    let rel = RelationRef::new(ctx.endpoint(), relation.id().number());
    let remote = relation.remote_app_data()?;
    let local = relation.local_unit_data().to_map()?;
    let failure = RefCell::new(None);
    let info = requirer::connection_info(rel, &remote.to_map()?, &local, |r| {
        match read_secret(&remote, r) {
            Ok(content) => content,
            Err(e) => {
                failure.borrow_mut().get_or_insert(e);
                None
            }
        }
    })
    .map_err(protocol_error(relation))?;
    match failure.into_inner() {
        Some(e) => Err(e),
        None => Ok(info),
    }
}

/// The content of a secret the provider published (`secret-<group>`), read by id with
/// this unit's label for it; `None` when there is none or it is not (yet) granted.
fn read_secret(remote: &DataBag<'_, ReadOnly>, r: &SecretRef) -> Result<Option<Bag>> {
    let Some(secret) = remote.get_secret(&r.group.field())? else {
        return Ok(None);
    };
    match secret.with_label(r.label.clone()).content() {
        Ok(content) => Ok(Some(bag_of(&content))),
        Err(Error::SecretNotFound { .. } | Error::PermissionDenied { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[component(
    interface = "postgresql_client",
    role = requires,
    events(
        database_created = DatabaseCreated,
        database_entity_created = DatabaseEntityCreated,
        endpoints_changed = EndpointsChanged,
        read_only_endpoints_changed = ReadOnlyEndpointsChanged,
        prefix_databases_changed = PrefixDatabasesChanged,
        credentials_changed = CredentialsChanged,
    )
)]
impl DatabaseRequires {
    /// The leader writes the request (`_on_relation_created_event`).
    #[on(relation_created)]
    fn request_database(
        &mut self,
        ctx: &mut ComponentContext<Self>,
        event: &RelationCreated,
    ) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        // `relation-model-get` exists from Juju 3.6.2; before, as the library, same model.
        let cross_model = ctx
            .remote_model_uuid(relation)
            .is_ok_and(|uuid| uuid != ctx.model_uuid());
        let writes = self.request.relation_created(cross_model);
        apply(&relation.local_app_data(&leader), writes.app);
        apply(&relation.local_unit_data(), writes.unit);
        Ok(())
    }

    /// The provider's answer: the library's events (`_on_relation_changed_event`).
    #[on(relation_changed)]
    fn answered(
        &mut self,
        ctx: &mut ComponentContext<Self>,
        event: &RelationChanged,
    ) -> Result<()> {
        let relation = event.relation();
        let rel = RelationRef::new(ctx.endpoint(), relation.id().number());
        let remote_app = relation.remote_app_data()?.to_map()?;
        let remote_unit = match event.unit() {
            Some(unit) => Some(relation.remote_unit_data(unit).to_map()?),
            None => None,
        };
        let local_unit = relation.local_unit_data().to_map()?;
        let changed = requirer::relation_changed(
            rel,
            ChangedBags {
                remote_app: &remote_app,
                remote_unit: remote_unit.as_ref(),
                local_unit: &local_unit,
            },
        )
        .map_err(protocol_error(relation))?;
        apply(&relation.local_unit_data(), changed.unit_writes);
        if changed.events.is_empty() && changed.secrets_to_label.is_empty() {
            return Ok(());
        }
        // Reading the answer reads each secret by id with this unit's label for it
        // (`secret-get <id> --label`): a new secret's `secret-changed` names the relation.
        let info = read_connection(ctx, relation)?;
        let id = rel.id;
        for e in changed.events {
            match &e {
                RequirerEvent::DatabaseCreated => ctx.emit(DatabaseCreated {
                    relation: id,
                    database: info.database().map(str::to_string),
                    endpoints: info.endpoints().map(str::to_string),
                    version: info.version().map(str::to_string),
                }),
                RequirerEvent::DatabaseEntityCreated => ctx.emit(DatabaseEntityCreated {
                    relation: id,
                    entity_name: info.entity_name().map(str::to_string),
                    database: info.database().map(str::to_string),
                    endpoints: info.endpoints().map(str::to_string),
                }),
                RequirerEvent::EndpointsChanged => ctx.emit(EndpointsChanged {
                    relation: id,
                    endpoints: info.endpoints().unwrap_or_default().to_string(),
                }),
                RequirerEvent::ReadOnlyEndpointsChanged => ctx.emit(ReadOnlyEndpointsChanged {
                    relation: id,
                    read_only_endpoints: info.read_only_endpoints().unwrap_or_default().to_string(),
                }),
                RequirerEvent::PrefixDatabasesChanged => ctx.emit(PrefixDatabasesChanged {
                    relation: id,
                    prefix_databases: info
                        .prefix_databases()
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                }),
                RequirerEvent::StatusRaised(status) | RequirerEvent::StatusResolved(status) => ctx
                    .debug(format!(
                        "{}: `{}` {} ({}): {}",
                        relation.key(),
                        e.name(),
                        status.code,
                        status.message,
                        status.resolution
                    )),
            }
        }
        Ok(())
    }

    /// A secret of this endpoint changed: its label names the relation.
    #[on(secret_changed)]
    fn rotated(&mut self, ctx: &mut ComponentContext<Self>, event: &SecretChanged) -> Result<()> {
        let Some(label) = event.label().and_then(SecretLabel::parse) else {
            return Ok(());
        };
        if label.endpoint != ctx.endpoint()
            || !matches!(
                label.group,
                SecretGroup::User | SecretGroup::Entity | SecretGroup::Tls
            )
        {
            return Ok(());
        }
        let id = RelationId::new(label.relation_id);
        if ctx.relation_by_id(id)?.is_none() {
            ctx.debug(format!("secret-changed for gone relation {id}"));
            return Ok(());
        }
        ctx.secret(event.id()).refresh_content()?;
        ctx.emit(CredentialsChanged {
            relation: label.relation_id,
            group: label.group.to_string(),
        });
        Ok(())
    }
}
