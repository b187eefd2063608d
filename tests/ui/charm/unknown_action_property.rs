use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[actions(backup(description = "Back up the data", param = BackupParams))]
pub struct Webapp;

fn main() {}
