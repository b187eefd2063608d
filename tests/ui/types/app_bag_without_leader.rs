// The upstream guide checks `self.is_leader()` (a method that does not exist) and writes
// the app bag; here the app bag takes a proof of leadership that only `ctx.leader()` gives.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "database", summary = "A database")]
#[provides(db(interface = "postgresql_client"))]
pub struct Database;

#[handlers]
impl Database {
    #[on(db_relation_created)]
    fn created(&mut self, _ctx: &mut Context<Self>, event: &RelationCreated) -> Result<()> {
        event.relation().local_app_data().set("database", "x");
        Ok(())
    }
}

fn main() {}
