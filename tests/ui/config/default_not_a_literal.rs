use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct WebappConfig {
    /// The port to listen on.
    #[option(default = PORT)]
    pub port: i64,
}

fn main() {}
