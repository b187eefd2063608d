use charm_runtime::prelude::*;

#[derive(ConfigEnum)]
pub enum LogLevel {
    Debug,
    Info,
}

#[derive(CharmConfig)]
pub struct KvConfig {
    /// How much to log.
    #[option(default = "loud")]
    pub log_level: LogLevel,
}

fn main() {}
