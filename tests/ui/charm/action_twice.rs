use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[actions(backup(description = "Back up the data"))]
#[actions(backup(description = "Back up the data again"))]
pub struct Webapp;

fn main() {}
