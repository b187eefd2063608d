use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct WebappConfig {
    /// The hosts to serve.
    pub hosts: Vec<String>,
}

fn main() {}
