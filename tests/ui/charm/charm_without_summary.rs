use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp")]
pub struct Webapp;

fn main() {}
