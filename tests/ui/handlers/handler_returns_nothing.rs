use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(db_relation_broken)]
    fn client_gone(&mut self, ctx: &mut Context<Self>) {
        ctx.set_status(Status::blocked("no database"));
    }
}

fn main() {}
