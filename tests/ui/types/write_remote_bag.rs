// The upstream guide writes `event.relation.data[event.app]`: the REMOTE app's bag.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "mailserver", summary = "A mail server")]
#[provides(smtp(interface = "smtp"))]
pub struct Mailserver;

#[handlers]
impl Mailserver {
    #[on(smtp_relation_joined)]
    fn joined(&mut self, _ctx: &mut Context<Self>, event: &RelationJoined) -> Result<()> {
        event.relation().remote_app_data()?.set("password", "secret");
        Ok(())
    }
}

fn main() {}
