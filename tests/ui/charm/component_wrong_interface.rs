// An `interface = ".."` that is not the component's: the error is at the name written,
// and names the library's.
use charm_runtime::prelude::*;
use charm_tests::ping::PingProvides;

#[derive(Charm, Default)]
#[charm(name = "server", summary = "Answers pings")]
pub struct Server {
    #[provides(clients(interface = "pong"))]
    clients: PingProvides,
}

fn main() {}
