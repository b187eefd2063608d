use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "database", summary = "A database")]
#[peers(replicas(interface = "database_peers", limit = 1))]
pub struct Database;

fn main() {}
