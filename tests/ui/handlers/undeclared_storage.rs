use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(data(type = "filesystem", location = "/srv/data"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(cache_storage_attached)]
    fn attached(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
