use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[containers(workload(resource = "image"))]
#[resources(image(type = "file", filename = "image.tar"))]
pub struct Webapp;

fn main() {}
