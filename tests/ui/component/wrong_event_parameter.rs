// A component's handler whose parameter is not the event it observes.
use charm_runtime::prelude::*;

pub struct Requires;

#[component(interface = "demo", role = requires)]
impl Requires {
    #[on(relation_created)]
    fn created(&mut self, _ctx: &mut ComponentContext<Self>, _event: &RelationChanged) -> Result<()> {
        Ok(())
    }
}

fn main() {}
