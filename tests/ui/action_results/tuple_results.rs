use charm_runtime::prelude::*;

#[derive(ActionResults, serde::Serialize)]
pub struct Backup(String);

fn main() {}
