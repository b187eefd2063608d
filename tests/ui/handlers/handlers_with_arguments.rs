use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
pub struct Webapp;

#[handlers(Webapp)]
impl Webapp {}

fn main() {}
