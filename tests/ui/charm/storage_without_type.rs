use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(data(location = "/srv/data"))]
pub struct Webapp;

fn main() {}
