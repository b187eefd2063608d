//! The `db` endpoint: one database per client application.
//!
//! The client reads three plain strings from this application's databag on the
//! relation: `database`, `credentials` (the id of a secret holding `username` and
//! `password`) and `endpoints`.

use charm_runtime::prelude::*;

use crate::{bad_client_name, database_name, password, slug, Database, Databases};

/// The label of the credentials secret of relation `relation`.
fn secret_label(relation: &Relation) -> String {
    format!("db-{}", relation.id())
}

#[handlers]
impl Database {
    /// A client application was integrated: create its database and share the
    /// credentials. Leader only: the application owns the databases and the secrets.
    #[on(db_relation_created)]
    fn create_database(&mut self, ctx: &mut Context<Self>, event: &RelationCreated) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        let client = relation.remote_app()?.ok_or_else(|| {
            Error::msg(format!(
                "{}: the client application is unknown, cannot name its database",
                relation.key()
            ))
        })?;
        let Some(name) = database_name(&client) else {
            ctx.warn(format!(
                "{}: not creating a database for {client:?}",
                relation.key()
            ));
            self.blocked = Some(bad_client_name(relation));
            return Ok(());
        };
        // The list of databases lives in the peer relation, which Juju creates with the
        // first unit; should this hook come first, failing makes Juju retry it.
        let peers = ctx.relation(Self::REPLICAS)?.ok_or_else(|| {
            Error::msg("the `replicas` peer relation does not exist yet; retrying later")
        })?;
        let peer_bag = peers.local_app_data(&leader);
        let mut served: Databases = peer_bag.load()?;

        let max = ctx.config()?.max_databases;
        if !served.databases.contains(&name) && served.databases.len() as i64 >= max {
            ctx.warn(format!(
                "not creating database `{name}` for `{client}`: already serving {} (max-databases is {max})",
                served.databases.len()
            ));
            self.blocked = Some(Status::blocked("too many databases"));
            return Ok(());
        }

        let credentials = SecretContent::new()
            .with("username", format!("{name}_user"))
            .with("password", password());
        let secret = ctx.add_app_secret(&leader, credentials, Some(&secret_label(relation)))?;
        secret.grant(relation, None)?;
        let secret_id = secret
            .id()
            .ok_or_else(|| Error::msg("secret-add returned no secret id"))?;

        // Our OWN application's bag on the relation: the one the client reads.
        let bag = relation.local_app_data(&leader);
        bag.set("database", &name);
        bag.set("credentials", secret_id.as_str());
        bag.set(
            "endpoints",
            format!("{}.database:5432", slug(ctx.unit_name())),
        );

        served.databases.insert(name);
        peer_bag.save(&served)
    }

    /// The client application is gone: drop its database and its credentials.
    #[on(db_relation_broken)]
    fn drop_database(&mut self, ctx: &mut Context<Self>, event: &RelationBroken) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        let client = relation.remote_app()?.ok_or_else(|| {
            Error::msg(format!(
                "{}: the client application is unknown, cannot tell which database to drop",
                relation.key()
            ))
        })?;
        // A client with a name Juju does not give got no database.
        let Some(name) = database_name(&client) else {
            return Ok(());
        };
        if let Some(peers) = ctx.relation(Self::REPLICAS)? {
            let peer_bag = peers.local_app_data(&leader);
            let mut served: Databases = peer_bag.load()?;
            if served.databases.remove(&name) {
                peer_bag.save(&served)?;
            }
        }
        // No secret if the database was never created (the application was refused).
        match ctx
            .secret_by_label(&secret_label(relation))
            .remove_all_revisions()
        {
            Ok(()) => Ok(()),
            Err(Error::SecretNotFound { .. }) => {
                ctx.debug(format!(
                    "{}: no credentials secret to remove",
                    relation.key()
                ));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
