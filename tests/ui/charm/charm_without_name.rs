use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(summary = "A web application")]
pub struct Webapp;

fn main() {}
