use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(workload(mount = "/var/lib/app"))]
pub struct Webapp;

fn main() {}
