use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(workload(resource = "webapp-image"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(workload_pebble_ready)]
    fn ready(&mut self, _ctx: &mut Context<Self>, _event: &PebbleReady) -> Result<()> {
        Ok(())
    }
}

fn main() {}
