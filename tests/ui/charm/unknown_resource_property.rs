use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[resources(image(type = "oci-image", upstream = "docker.io/nginx"))]
pub struct Webapp;

fn main() {}
