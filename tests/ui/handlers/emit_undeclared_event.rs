// A charm emitting an event it did not declare.
use charm_runtime::prelude::*;

#[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
pub struct Restart;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(config_changed)]
    fn configure(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        ctx.emit(Restart);
        Ok(())
    }
}

fn main() {}
