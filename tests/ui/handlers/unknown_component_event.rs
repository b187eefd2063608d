// An event the component does not emit: "did you mean", and the list it emits.
use charm_runtime::prelude::*;
use charm_tests::ping::{PingRequires, Ponged};

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
    #[on(primary::pongd)]
    fn ponged(&mut self, _ctx: &mut Context<Self>, _event: &Ponged) -> Result<()> {
        Ok(())
    }
}

fn main() {}
