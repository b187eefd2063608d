// `endpoint::event` on an endpoint that has no component.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(database(interface = "postgresql_client", limit = 1))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(database::database_created)]
    fn created(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
