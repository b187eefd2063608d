use charm_runtime::prelude::*;

#[derive(ActionParams, serde::Deserialize)]
pub struct BackupParams(String);

fn main() {}
