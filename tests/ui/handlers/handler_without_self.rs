use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(install)]
    fn install() -> Result<()> {
        Ok(())
    }
}

fn main() {}
