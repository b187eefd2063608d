use charm_runtime::prelude::*;

#[derive(Charm)]
#[charm(name = "webapp", summary = "A web application")]
pub struct Webapp;

fn main() {}
