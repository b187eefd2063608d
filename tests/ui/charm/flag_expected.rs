use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client", optional = "yes"))]
pub struct Webapp;

fn main() {}
