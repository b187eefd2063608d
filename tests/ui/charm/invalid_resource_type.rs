use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[resources(image(type = "docker"))]
pub struct Webapp;

fn main() {}
