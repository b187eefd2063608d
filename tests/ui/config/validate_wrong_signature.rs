use charm_runtime::prelude::*;

fn check(workers: usize) -> bool {
    workers > 0
}

#[derive(CharmConfig)]
pub struct KvConfig {
    /// Worker threads.
    #[option(default = 4, validate = check)]
    pub workers: usize,
}

fn main() {}
