use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(db_relation_changed)]
    fn changed(&mut self, _ctx: &mut Context<Self>, _event: RelationChanged) -> Result<()> {
        Ok(())
    }
}

fn main() {}
