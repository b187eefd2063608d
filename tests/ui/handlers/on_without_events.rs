use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on()]
    fn nothing(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
