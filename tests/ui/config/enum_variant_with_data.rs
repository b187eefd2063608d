use charm_runtime::prelude::*;

#[derive(ConfigEnum)]
pub enum Mode {
    Standalone,
    Cluster(u32),
}

fn main() {}
