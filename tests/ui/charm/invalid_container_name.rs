use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(Workload(resource = "image"))]
#[resources(image(type = "oci-image"))]
pub struct Webapp;

fn main() {}
