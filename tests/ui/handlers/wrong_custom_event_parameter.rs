// A handler of a component's event whose parameter is another payload type.
use charm_runtime::prelude::*;
use charm_tests::ping::{PingRequires, TokenRotated};

#[derive(Charm)]
#[charm(name = "client", summary = "Pings a server")]
pub struct Client {
    #[requires(primary(limit = 1))]
    primary: PingRequires,
}

impl Default for Client {
    fn default() -> Self {
        Client { primary: PingRequires::new("1") }
    }
}

#[handlers]
impl Client {
    #[on(primary::ponged)]
    fn ponged(&mut self, _ctx: &mut Context<Self>, _event: &TokenRotated) -> Result<()> {
        Ok(())
    }
}

fn main() {}
