use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(logs(interface = "loki_push_api", scope = "local"))]
pub struct Webapp;

fn main() {}
