use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
pub struct Webapp;

#[handlers]
impl Clone for Webapp {
    fn clone(&self) -> Self {
        Webapp
    }
}

fn main() {}
