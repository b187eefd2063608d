// `relation()` is for endpoints with at most one relation; `smtp` may have many.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(smtp(interface = "smtp"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(config_changed)]
    fn configure(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let _smtp = ctx.relation(Self::SMTP)?;
        Ok(())
    }
}

fn main() {}
