// Two events of one component with one payload type: an event is emitted by its type.
use charm_runtime::prelude::*;

#[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
pub struct Changed;

pub struct Requires;

#[component(interface = "demo", role = requires, events(created = Changed, changed = Changed))]
impl Requires {}

fn main() {}
