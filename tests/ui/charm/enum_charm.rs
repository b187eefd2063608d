use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
pub enum Webapp {
    #[default]
    Running,
}

fn main() {}
