use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(workload(interface = "http"))]
#[containers(workload(resource = "image"))]
#[resources(image(type = "oci-image"))]
pub struct Webapp;

fn main() {}
