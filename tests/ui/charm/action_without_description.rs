use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[actions(backup)]
pub struct Webapp;

fn main() {}
