use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client", limit = 1))]
#[requires(smtp(interface = "smtp", optional))]
#[peers(replicas(interface = "charm_gossip"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(dbb_relation_created)]
    fn create_db(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
