// A component emitting an event it does not declare.
use charm_runtime::prelude::*;

#[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
pub struct Ready;

#[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
pub struct Gone;

pub struct Requires;

#[component(interface = "demo", role = requires, events(ready = Ready))]
impl Requires {
    #[on(relation_broken)]
    fn broken(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        ctx.emit(Gone);
        Ok(())
    }
}

fn main() {}
