use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "logger", summary = "Forwards logs")]
#[requires(log-forwarder(interface = "loki_push_api"))]
#[provides(log_forwarder(interface = "loki_push_api"))]
pub struct Logger;

fn main() {}
