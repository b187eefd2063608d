use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(data(type = "filesystem"), data(type = "block"))]
pub struct Webapp;

fn main() {}
