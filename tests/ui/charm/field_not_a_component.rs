// A field declared as an endpoint whose type is not a component.
use charm_runtime::prelude::*;

#[derive(Default)]
pub struct Settings;

#[derive(Charm, Default)]
#[charm(name = "client", summary = "Pings a server")]
pub struct Client {
    #[requires(primary(limit = 1))]
    primary: Settings,
}

fn main() {}
