use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct KvConfig {
    /// Worker threads.
    #[option(default = 4, min = "1", validate = "check")]
    pub workers: usize,
}

fn main() {}
