use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "Web_App", summary = "A web application")]
pub struct Webapp;

fn main() {}
