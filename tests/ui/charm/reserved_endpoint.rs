use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[provides(juju-info(interface = "juju_info"))]
pub struct Webapp;

fn main() {}
