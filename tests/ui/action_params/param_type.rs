use charm_runtime::prelude::*;

#[derive(ActionParams, serde::Deserialize)]
pub struct BackupParams {
    /// When to take it.
    pub at: std::time::Duration,
}

fn main() {}
