use charm_runtime::prelude::*;

#[derive(ActionResults, serde::Serialize)]
#[allow(non_snake_case)]
pub struct Backup {
    backup_Id: String,
    _private: u32,
    stdout: String,
    size: u64,
}

fn main() {}
