use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client", interface = "mysql_client"))]
pub struct Webapp;

fn main() {}
