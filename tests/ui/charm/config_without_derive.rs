use charm_runtime::prelude::*;

pub struct WebappConfig {
    pub port: i64,
}

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[config(WebappConfig)]
pub struct Webapp;

fn main() {}
