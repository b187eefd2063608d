use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "database", summary = "A database")]
#[actions(backup(description = "Back up the databases"))]
pub struct Database;

#[handlers]
impl Database {
    #[on(bakup_action)]
    fn backup(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
