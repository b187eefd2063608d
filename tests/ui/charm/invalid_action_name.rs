use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[actions(_backup(description = "Back up the data"))]
pub struct Webapp;

fn main() {}
