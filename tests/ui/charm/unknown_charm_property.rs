use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application", sumary = "A web app")]
pub struct Webapp;

fn main() {}
