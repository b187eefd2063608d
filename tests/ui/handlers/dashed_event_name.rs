use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(backup-target(interface = "s3"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(backup-target_relation_changed)]
    fn changed(&mut self, _ctx: &mut Context<Self>, _event: &RelationChanged) -> Result<()> {
        Ok(())
    }
}

fn main() {}
