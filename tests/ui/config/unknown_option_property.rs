use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct WebappConfig {
    /// The port to listen on.
    #[option(defalt = 8080)]
    pub port: i64,
}

fn main() {}
