//! The test charm of the testing-module tests: the charm of the upstream guide
//! "How to add an integration to a charm", with the guide's bugs fixed.
#![allow(dead_code)]

use charm_runtime::prelude::*;

/// Typed config.
#[derive(CharmConfig)]
pub struct MyConfig {
    /// The mail domain.
    #[option(default = "example.com")]
    pub domain: String,
    /// A port.
    #[option(default = 25)]
    pub port: i64,
}

/// The guide's charm: a peer endpoint, an `smtp` provider, a `db` requirer (limit 1) and
/// a subordinate `log-forwarder`.
#[derive(Charm, Default)]
#[charm(
    name = "mycharm",
    summary = "The guide's charm",
    description = "Integrations demo."
)]
#[peers(replicas(interface = "charm_gossip"))]
#[provides(smtp(interface = "smtp"))]
#[requires(db(interface = "postgresql", limit = 1))]
#[requires(log-forwarder(interface = "rsyslog-forwarder", scope = "container", optional))]
#[config(MyConfig)]
pub struct MyCharm;

/// The state key recording the secret of an smtp user.
pub fn smtp_user_key(unit: &str) -> String {
    format!("smtp-user-{}", unit.replace('/', "-"))
}

#[handlers]
impl MyCharm {
    /// Guide: `_on_db_relation_created`. The guide wrote the credentials into
    /// `event.relation.data[event.app]`, the *remote* app's bag; here the leader asks for
    /// a database in its own app bag.
    #[on(db_relation_created)]
    fn db_created(&mut self, ctx: &mut Context<Self>, event: &RelationCreated) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        event
            .relation()
            .local_app_data(&leader)
            .set("database", format!("{}-db", ctx.app_name()));
        Ok(())
    }

    /// Guide: `_on_smtp_relation_joined`. The guide wrote into `event.relation.data[event.unit]`,
    /// the *remote* unit's bag; here the credentials' secret id goes into this unit's bag
    /// and the secret is granted to the joining unit.
    #[on(smtp_relation_joined)]
    fn smtp_joined(&mut self, ctx: &mut Context<Self>, event: &RelationJoined) -> Result<()> {
        let user = event.unit().replace('/', "-");
        let secret = ctx.add_unit_secret(
            SecretContent::new()
                .with("username", user.clone())
                .with("password", format!("pw-{user}")),
            Some(&smtp_user_key(event.unit())),
        )?;
        secret.grant(event.relation(), Some(event.unit()))?;
        let id = secret.id().map(|i| i.to_string()).unwrap_or_default();
        event
            .relation()
            .local_unit_data()
            .set("smtp_credentials", id.clone());
        ctx.state_set(&smtp_user_key(event.unit()), id)?;
        Ok(())
    }

    /// Guide: `_on_smtp_relation_departed`.
    #[on(smtp_relation_departed)]
    fn smtp_departed(&mut self, ctx: &mut Context<Self>, event: &RelationDeparted) -> Result<()> {
        if event.departing_unit() == Some(ctx.unit_name()) {
            return Ok(());
        }
        let Some(departing) = event.departing_unit() else {
            return Ok(());
        };
        let key = smtp_user_key(departing);
        if let Some(id) = ctx.state_get(&key)? {
            if let Some(id) = SecretId::parse(&id) {
                ctx.secret(&id).remove_all_revisions()?;
            }
            ctx.state_delete(&key);
        }
        Ok(())
    }

    /// Guide: `_update_configuration`, the holistic handler. The guide read the secret id
    /// from `db_relation.data[self.model.app]` (our own app bag); the database publishes
    /// it in *its* app bag.
    #[on(
        config_changed,
        secret_changed,
        db_relation_changed,
        db_relation_broken
    )]
    fn update_configuration(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let Some(db) = ctx.relation(Self::DB)? else {
            ctx.state_delete("db-tables-created");
            ctx.set_status(Status::blocked("missing db relation"));
            return Ok(());
        };
        let Some(secret_id) = db.remote_app_data()?.get("credentials-id")? else {
            ctx.set_status(Status::waiting("waiting for database credentials"));
            return Ok(());
        };
        let id = SecretId::parse(&secret_id)
            .ok_or_else(|| Error::msg(format!("`{secret_id}` is not a secret id")))?;
        let content = ctx.secret(&id).refresh_content()?;
        let username = content.require("username")?;
        // "push_configuration": record what the workload was given.
        ctx.state_set("db-user", username)?;
        ctx.state_set("db-tables-created", "true")?;
        let domain = ctx.config()?.domain.clone();
        ctx.set_status(Status::active(format!("serving {domain}")));
        Ok(())
    }

    /// Guide: `_on_db_relation_broken`. The guide called `self.is_leader()` (no such
    /// method on a charm); leadership comes from the context.
    #[on(db_relation_broken)]
    fn db_broken(&mut self, ctx: &mut Context<Self>, event: &RelationBroken) -> Result<()> {
        if ctx.leader()?.is_none() {
            return Ok(());
        }
        let app = event.relation().remote_app()?.unwrap_or_default();
        ctx.state_set("dropped-database", app)?;
        Ok(())
    }

    /// The leader publishes itself to its peers.
    #[on(leader_elected)]
    fn leader_elected(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let (Some(leader), Some(peers)) = (ctx.leader()?, ctx.relation(Self::REPLICAS)?) else {
            return Ok(());
        };
        peers.local_app_data(&leader).set("leader", ctx.unit_name());
        Ok(())
    }

    /// Reports maintenance while the charm state says so.
    #[on(collect_unit_status)]
    fn collect(&mut self, ctx: &mut Context<Self>, event: &CollectStatus) -> Result<()> {
        if let Some(what) = ctx.state_get("maintenance")? {
            event.add_status(Status::maintenance(what));
        }
        Ok(())
    }

    /// Counts the peers it sees.
    #[on(
        replicas_relation_changed,
        replicas_relation_joined,
        replicas_relation_departed
    )]
    fn peers_changed(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        if let Some(peers) = ctx.relation(Self::REPLICAS)? {
            ctx.state_set("peers", peers.units()?.len().to_string())?;
            if let Some(leader) = peers.peer_app_data()?.get("leader")? {
                ctx.state_set("known-leader", leader)?;
            }
        }
        Ok(())
    }
}
