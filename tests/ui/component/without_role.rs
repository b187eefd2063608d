// A component without its role, and with an unknown property.
use charm_runtime::prelude::*;

pub struct Requires;

#[component(interface = "demo")]
impl Requires {}

pub struct Provides;

#[component(interface = "demo", role = provider)]
impl Provides {}

fn main() {}
