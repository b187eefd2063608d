use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct KvConfig {
    /// The port clients connect to.
    #[option(default = 70000)]
    pub port: u16,
}

fn main() {}
