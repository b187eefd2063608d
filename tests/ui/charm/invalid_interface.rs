use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "PostgreSQL Client"))]
pub struct Webapp;

fn main() {}
