use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(data(type = "disk"))]
pub struct Webapp;

fn main() {}
