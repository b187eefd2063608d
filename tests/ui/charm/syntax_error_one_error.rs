// A missing comma inside one declaration: one error, and the other declarations, and
// this one's handle, are still there for the code that uses them.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client" limit = 1), smtp(interface = "smtp"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(config_changed)]
    fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let _db = ctx.relations(Self::DB)?;
        let _smtp = ctx.relations(Self::SMTP)?;
        Ok(())
    }
}

fn main() {}
