// A component observes its endpoint's events without the endpoint, and the unit's.
use charm_runtime::prelude::*;

pub struct Requires;

#[component(interface = "demo", role = requires)]
impl Requires {
    #[on(demo_relation_changed)]
    fn changed(&mut self, _ctx: &mut ComponentContext<Self>) -> Result<()> {
        Ok(())
    }

    #[on(relation_chnged)]
    fn changed_again(&mut self, _ctx: &mut ComponentContext<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
