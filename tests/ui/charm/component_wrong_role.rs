// A requirer component attached with `#[provides]`: the error is at the attribute, and
// names both roles.
use charm_runtime::prelude::*;
use charm_tests::ping::PingRequires;

#[derive(Charm)]
#[charm(name = "client", summary = "Pings a server")]
pub struct Client {
    #[provides(primary(limit = 1))]
    primary: PingRequires,
}

impl Default for Client {
    fn default() -> Self {
        Client { primary: PingRequires::new("1") }
    }
}

fn main() {}
