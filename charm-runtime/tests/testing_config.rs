//! Config options of every integer type, enums and checks, through a charm: a bad value
//! is a blocked status that names the option, or a clear error; `charmcraft.yaml` says
//! `int` and lists an enum's choices.
#![cfg(feature = "testing")]

use charm_runtime::testing::{self as scenario, Event, State};
use charm_runtime::{Charm, Status};

mod kv {
    use charm_runtime::prelude::*;

    /// How much the store logs.
    #[derive(ConfigEnum, Debug, Clone, Copy, PartialEq)]
    pub enum LogLevel {
        Debug,
        Info,
        #[value(name = "warn")]
        Warning,
    }

    fn not_root(dir: &String) -> std::result::Result<(), String> {
        if dir == "/" {
            Err("must not be `/`: the store would own the whole disk".into())
        } else {
            Ok(())
        }
    }

    #[derive(CharmConfig, Debug)]
    pub struct KvConfig {
        /// The port clients connect to.
        #[option(default = 6379, min = 1024)]
        pub port: u16,
        /// Worker threads.
        #[option(default = 4, min = 1, max = 64)]
        pub workers: usize,
        /// How much to log.
        #[option(default = "info")]
        pub log_level: LogLevel,
        /// Where data lives.
        #[option(default = "/srv/kv", validate = not_root)]
        pub data_dir: String,
        /// A cap on memory, in MiB.
        pub max_memory: Option<u32>,
    }

    #[derive(Charm, Default)]
    #[charm(
        name = "kvstore",
        summary = "A key-value store",
        description = "Tests."
    )]
    #[config(KvConfig)]
    pub struct Kv;

    #[handlers]
    impl Kv {
        #[on(config_changed)]
        fn configure(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let Some(config) = ctx.config_or_block()? else {
                return Ok(());
            };
            ctx.set_status(Status::active(format!(
                "port {} workers {} log {} memory {:?} in {}",
                config.port,
                config.workers,
                config.log_level.as_str(),
                config.max_memory,
                config.data_dir
            )));
            Ok(())
        }

        #[on(update_status)]
        fn strict(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            ctx.config()?;
            Ok(())
        }
    }
}

fn configure(state: State) -> Status {
    let out = scenario::Context::<kv::Kv>::new()
        .run(Event::config_changed(), state)
        .unwrap();
    out.assert_ok();
    out.state.unit_status
}

#[test]
fn typed_values_and_defaults() {
    assert_eq!(
        configure(State::new()),
        Status::active("port 6379 workers 4 log info memory None in /srv/kv")
    );
    let state = State::new()
        .config("port", 8443)
        .config("log-level", "warn")
        .config("max-memory", 512);
    assert_eq!(
        configure(state),
        Status::active("port 8443 workers 4 log warn memory Some(512) in /srv/kv")
    );
}

#[test]
fn a_bad_value_blocks_the_unit_naming_the_option() {
    for (option, value, why) in [
        (
            "port",
            serde_json::json!(70000),
            "expected an int from 0 to 65535, got 70000",
        ),
        (
            "port",
            serde_json::json!(80),
            "must be at least 1024, got 80",
        ),
        (
            "workers",
            serde_json::json!(-1),
            "expected an int from 0 to 18446744073709551615, got -1",
        ),
        (
            "workers",
            serde_json::json!(65),
            "must be at most 64, got 65",
        ),
        (
            "log-level",
            serde_json::json!("loud"),
            "expected one of `debug`, `info`, `warn`, got \"loud\"",
        ),
        (
            "data-dir",
            serde_json::json!("/"),
            "must not be `/`: the store would own the whole disk",
        ),
    ] {
        // The consistency check would refuse a value of the wrong type: run unchecked.
        let out = scenario::Context::<kv::Kv>::new()
            .run_unchecked(&Event::config_changed(), State::new().config(option, value));
        out.assert_ok();
        assert_eq!(
            out.state.unit_status,
            Status::blocked(format!("invalid config: config option `{option}`: {why}"))
        );
    }
    // Without `config_or_block`, the error fails the hook and says the same.
    let out = scenario::Context::<kv::Kv>::new()
        .run(Event::update_status(), State::new().config("port", 80))
        .unwrap();
    assert!(out
        .error
        .unwrap()
        .contains("config option `port`: must be at least 1024, got 80"));
}

#[test]
fn charmcraft_yaml_says_int_and_lists_choices() {
    let yaml = kv::Kv::metadata().charmcraft_yaml();
    assert!(
        yaml.contains("port:\n      type: int\n      default: 6379"),
        "{yaml}"
    );
    assert!(yaml.contains("One of: `debug`, `info`, `warn`."), "{yaml}");
    assert!(yaml.contains("max-memory:\n      type: int"), "{yaml}");
}
