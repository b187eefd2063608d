use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct WebappConfig(String);

fn main() {}
