//! [`DatabaseProvides`]: the provider as a component a charm attaches to its endpoint.
//!
//! It serves v0 requirers (`data_platform_libs` v0 `DatabaseRequires`) and v1 requirers
//! (dpcharmlibs-interfaces' `ResourceRequirerEventHandler`), through the protocol
//! functions of [`provider`]:
//!
//! - `relation-changed`: the leader emits [`DatabaseRequested`] for each new request (a
//!   v0 requirer's one, each new entry of a v1 requirer's `requests`);
//! - the charm creates the database and answers with [`DatabaseProvides::answer`]:
//!   credentials in an application-owned secret granted to the relation (the `user`
//!   group, labelled as the libraries label it), endpoints, version and database in the
//!   databag, each as the requirer's library version expects;
//! - `relation-broken`: the leader removes the secrets it published on the relation.
//!
//! ```
//! use charm_postgresql_client::{DatabaseProvides, DatabaseRequested, Response};
//! use charm_runtime::prelude::*;
//!
//! #[derive(Charm, Default)]
//! #[charm(name = "db", summary = "A database")]
//! pub struct Db {
//!     #[provides(database)]
//!     database: DatabaseProvides,
//! }
//!
//! #[handlers]
//! impl Db {
//!     #[on(database::database_requested)]
//!     fn create(&mut self, ctx: &mut Context<Self>, event: &DatabaseRequested) -> Result<()> {
//!         // ... create the database and its user in the workload ...
//!         let response = Response {
//!             database: Some(event.database.clone()),
//!             username: Some(format!("relation_id_{}", event.relation)),
//!             password: Some("a-random-password".into()),
//!             endpoints: Some("10.0.0.7:5432".into()),
//!             version: Some("16.0".into()),
//!             ..Response::default()
//!         };
//!         self.database.answer(ctx, event.relation, event.request_id.as_deref(), &response)
//!     }
//! }
//!
//! let yaml = <Db as Charm>::metadata().charmcraft_yaml();
//! assert!(yaml.contains("provides:\n  database:\n    interface: postgresql_client\n"));
//! ```

use std::collections::BTreeMap;

use charm_runtime::prelude::*;
use charm_runtime::RelationId;
use serde::{Deserialize, Serialize};

use crate::glue::{apply, bag_of, protocol_error};
use crate::provider::{self, ProviderEvent, Request, SecretWrite, Version};
use crate::{Bag, RelationRef, Response};

/// A requirer asked for a database: create it, then call [`DatabaseProvides::answer`].
/// The libraries' `database_requested` (v0) and `resource_requested` (v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct DatabaseRequested {
    /// The relation's id.
    pub relation: u32,
    /// The request's id (v1 requirers; `None` for v0), which the answer names.
    pub request_id: Option<String>,
    /// The database asked for.
    pub database: String,
    /// Roles asked for the user (`extra-user-roles`), e.g. `SUPERUSER`.
    pub extra_user_roles: Option<String>,
    /// Whether the requirer speaks v1 (`requests`) rather than v0.
    pub v1: bool,
}

impl DatabaseRequested {
    fn of(relation: u32, request: &Request) -> DatabaseRequested {
        DatabaseRequested {
            relation,
            request_id: request.request_id.clone(),
            database: request.database.clone(),
            extra_user_roles: request.extra_user_roles.clone(),
            v1: request.version == Version::V1,
        }
    }
}

/// The `postgresql_client` interface, provider side, serving v0 and v1 requirers.
/// Attach it to a `#[provides]` endpoint; see the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct DatabaseProvides;

impl DatabaseProvides {
    /// The requests on relation `relation` (answered or not), as [`DatabaseRequested`]
    /// events would carry them: to answer them again (a new password, ...).
    pub fn requests<C: Charm>(
        &self,
        ctx: &Context<C>,
        relation: u32,
    ) -> Result<Vec<DatabaseRequested>> {
        let ctx = ctx.component(self)?;
        let relation = find_relation(&ctx, relation)?;
        let remote = relation.remote_app_data()?.to_map()?;
        let requests = provider::requests(&remote).map_err(protocol_error(&relation))?;
        Ok(requests
            .iter()
            .map(|r| DatabaseRequested::of(relation.id().number(), r))
            .collect())
    }

    /// Answers request `request_id` (`None`: a v0 requirer's request) on relation
    /// `relation`, the leader's job: the `user` and `tls` fields of `response` go into
    /// application-owned secrets granted to the relation (created, or given a new
    /// revision when they change), the rest into this application's databag, as the
    /// requirer's library version reads them.
    ///
    /// `response` is the whole answer: a v1 answer is replaced by it (credentials left
    /// out are removed from the secret), a v0 answer is updated with the fields it sets.
    pub fn answer<C: Charm>(
        &self,
        ctx: &Context<C>,
        relation: u32,
        request_id: Option<&str>,
        response: &Response,
    ) -> Result<()> {
        let ctx = ctx.component(self)?;
        let leader = ctx.leader()?.ok_or_else(|| {
            Error::msg(format!(
                "only the leader answers database requests ({} relation {relation})",
                ctx.endpoint()
            ))
        })?;
        let relation = find_relation(&ctx, relation)?;
        let rel = RelationRef::new(ctx.endpoint(), relation.id().number());
        let remote = relation.remote_app_data()?.to_map()?;
        let local = relation.local_app_data(&leader).to_map()?;
        let requests = provider::requests(&remote).map_err(protocol_error(&relation))?;
        let request = requests
            .iter()
            .find(|r| r.request_id.as_deref() == request_id)
            .ok_or_else(|| {
                Error::msg(format!(
                    "{}: no request {} to answer",
                    relation.key(),
                    request_id.map_or("of a v0 requirer".into(), |id| format!("`{id}`"))
                ))
            })?;
        let answer = provider::answer(rel, request, &remote, &local, response)
            .map_err(protocol_error(&relation))?;
        let mut ids = BTreeMap::new();
        for write in answer.secrets() {
            let published = provider::published_secret_id(&local, request_id, write.group);
            let id = write_secret(&ctx, &leader, &relation, write, published)?;
            ids.insert(write.group, id);
        }
        let writes = answer.bag_writes(&ids).map_err(protocol_error(&relation))?;
        apply(&relation.local_app_data(&leader), writes);
        Ok(())
    }

    /// How many requests this application answered, over all relations of the endpoint
    /// (the leader's count: only it reads its application's databags; 0 elsewhere).
    pub fn answered<C: Charm>(&self, ctx: &Context<C>) -> Result<usize> {
        let ctx = ctx.component(self)?;
        let Some(leader) = ctx.leader()? else {
            return Ok(0);
        };
        let mut n = 0;
        for relation in ctx.relations()? {
            n += provider::answered_requests(&relation.local_app_data(&leader).to_map()?);
        }
        Ok(n)
    }
}

fn find_relation(ctx: &ComponentContext<DatabaseProvides>, id: u32) -> Result<Relation> {
    ctx.relation_by_id(RelationId::new(id))?
        .ok_or_else(|| Error::msg(format!("no relation {id} on endpoint `{}`", ctx.endpoint())))
}

/// Creates the secret `write` names (granted to `relation`) or, when this application
/// has it already (found by its label), gives it a new revision if its content changes.
/// Returns its id as published: `published`, the id the databag holds, when it is that
/// secret's.
fn write_secret(
    ctx: &ComponentContext<DatabaseProvides>,
    leader: &Leader,
    relation: &Relation,
    write: &SecretWrite,
    published: Option<String>,
) -> Result<String> {
    let existing = ctx.secret_by_label(&write.label);
    match existing.peek_content() {
        Ok(current) => {
            let current = bag_of(&current);
            let content = write.content(Some(&current));
            if content != current {
                existing.set_content(secret_content(content))?;
            }
            let xid = existing.info()?.id;
            let xid = xid.rsplit(['/', ':']).next().unwrap_or_default();
            Ok(match published {
                Some(p) if p.ends_with(xid) => p,
                _ => format!("secret:{xid}"),
            })
        }
        Err(Error::SecretNotFound { .. }) => {
            let secret = ctx.add_app_secret(
                leader,
                secret_content(write.content(None)),
                Some(&write.label),
            )?;
            secret.grant(relation, None)?;
            secret
                .id()
                .map(|id| id.as_str().to_string())
                .ok_or_else(|| Error::msg("secret-add returned no secret id"))
        }
        Err(e) => Err(e),
    }
}

fn secret_content(bag: Bag) -> SecretContent {
    let mut content = SecretContent::new();
    for (k, v) in bag {
        content.insert(k, v);
    }
    content
}

#[component(
    interface = "postgresql_client",
    role = provides,
    events(database_requested = DatabaseRequested)
)]
impl DatabaseProvides {
    /// New requests (`_on_relation_changed_event` of both libraries): the leader's.
    #[on(relation_changed)]
    fn requested(
        &mut self,
        ctx: &mut ComponentContext<Self>,
        event: &RelationChanged,
    ) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        let remote = relation.remote_app_data()?.to_map()?;
        let local_bag = relation.local_app_data(&leader);
        let changed = provider::relation_changed(&remote, &local_bag.to_map()?)
            .map_err(protocol_error(relation))?;
        apply(&local_bag, changed.app_writes);
        for event in changed.events {
            match event {
                ProviderEvent::DatabaseRequested(request) => {
                    ctx.emit(DatabaseRequested::of(relation.id().number(), &request));
                }
                other => ctx.warn(format!(
                    "{}: an entity request for `{}`, which this library does not serve",
                    relation.key(),
                    other.request().database
                )),
            }
        }
        Ok(())
    }

    /// The relation is gone: the leader removes the secrets it published on it.
    #[on(relation_broken)]
    fn broken(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationBroken) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        let rel = RelationRef::new(ctx.endpoint(), relation.id().number());
        let local = relation.local_app_data(&leader).to_map()?;
        for label in provider::published_secret_labels(rel, &local) {
            match ctx.secret_by_label(&label).remove_all_revisions() {
                Ok(()) | Err(Error::SecretNotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
