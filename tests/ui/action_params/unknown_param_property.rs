use charm_runtime::prelude::*;

#[derive(ActionParams, serde::Deserialize)]
pub struct BackupParams {
    /// Where to write the backup.
    #[param(default = "/tmp", required)]
    pub path: String,
}

fn main() {}
