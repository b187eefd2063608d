//! The `replicas` peer relation: which unit is the primary, and where each unit lives.

use charm_runtime::prelude::*;

use crate::{slug, Database};

#[handlers]
impl Database {
    /// Every unit tells its peers where it can be reached, once, when it first sees the
    /// peer relation.
    #[on(replicas_relation_created)]
    fn publish_host(&mut self, ctx: &mut Context<Self>, event: &RelationCreated) -> Result<()> {
        event
            .relation()
            .local_unit_data()
            .set("host", format!("{}.database", slug(ctx.unit_name())));
        Ok(())
    }

    /// The leader is the primary, and says so to its peers.
    #[on(leader_elected, replicas_relation_joined, replicas_relation_changed)]
    fn publish_primary(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let (Some(leader), Some(peers)) = (ctx.leader()?, ctx.relation(Self::REPLICAS)?) else {
            return Ok(());
        };
        peers
            .local_app_data(&leader)
            .set("primary", ctx.unit_name());
        Ok(())
    }
}
