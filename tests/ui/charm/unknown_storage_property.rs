use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(data(type = "filesystem", path = "/srv"))]
pub struct Webapp;

fn main() {}
