use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[storage(disk(type = "block", location = "/dev/sdb"))]
pub struct Webapp;

fn main() {}
