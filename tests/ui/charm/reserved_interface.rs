use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[provides(info(interface = "juju-info"))]
pub struct Webapp;

fn main() {}
