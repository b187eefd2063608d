use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[resources(certs(type = "file"))]
pub struct Webapp;

fn main() {}
