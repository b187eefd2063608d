use charm_runtime::prelude::*;

use charm_runtime::NoConfig;

#[derive(CharmConfig)]
pub struct WebappConfig {}

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[config(NoConfig)]
#[config(WebappConfig)]
pub struct Webapp;

fn main() {}
