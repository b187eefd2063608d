// A charm's own event named as a Juju event it observes.
use charm_runtime::prelude::*;

#[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
pub struct Restart;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client"))]
#[events(db_relation_changed = Restart)]
pub struct Webapp;

fn main() {}
