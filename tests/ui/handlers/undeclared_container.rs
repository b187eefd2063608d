use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(workload(resource = "webapp-image"))]
#[resources(webapp-image(type = "oci-image"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(web_pebble_ready)]
    fn ready(&mut self, _ctx: &mut Context<Self>, _event: &PebbleReady) -> Result<()> {
        Ok(())
    }
}

fn main() {}
