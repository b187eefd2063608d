use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(workload(image = "webapp-image"))]
pub struct Webapp;

fn main() {}
