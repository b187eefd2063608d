use charm_runtime::prelude::*;

#[derive(serde::Deserialize)]
pub struct BackupParams {
    pub path: String,
}

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[actions(backup(params = BackupParams, description = "Back up the data"))]
pub struct Webapp;

fn main() {}
