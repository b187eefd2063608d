//! # `greeter`: a Kubernetes charm that runs an HTTP server through Pebble
//!
//! The workload container `greeter` runs `greeter-server` (this package's second binary,
//! which the container image ships). The charm shows:
//!
//! - a Pebble layer built from config ([`layer`]): the service, its environment, and an
//!   HTTP health check Pebble acts on (`on-check-failure: restart`);
//! - `greeter-pebble-ready` and `config-changed` handled by one handler that adds the
//!   layer and replans, so a config change restarts the server with its new settings;
//! - the port opened for the server;
//! - a custom notice from the workload (`greeter.example.com/started`, recorded by the
//!   server once it listens) turned into the status;
//! - `pebble-check-failed` / `-recovered` reported in the status;
//! - an action, `greet`, that execs a command in the container;
//! - a status computed from what Pebble says, in every handler (`Greeter::status`).

use charm_runtime::pebble::{
    Check, CheckStatus, ExecOptions, HttpCheck, Layer, NoticesQuery, Override, Service,
    ServiceStatus,
};
use charm_runtime::prelude::*;
use serde::Deserialize;

/// The key of the custom notice the server records when it listens.
pub const STARTED_NOTICE: &str = "greeter.example.com/started";
/// The Pebble service and check names.
pub const SERVICE: &str = "greeter";
/// The health check's name.
pub const CHECK: &str = "alive";

/// The charm.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "greeter",
    summary = "An example Kubernetes charm: a greeting HTTP server run by Pebble",
    description = "Runs `greeter-server` in the `greeter` workload container through Pebble, configured from the charm's config, with a health check, and reports what Pebble says about it.\n\nAn example of the charm-runtime framework for Kubernetes charms."
)]
#[containers(greeter(resource = "greeter-image"))]
#[resources(greeter-image(type = "oci-image", description = "The image with greeter-server."))]
#[config(GreeterConfig)]
#[actions(greet(params = GreetParams, description = "Asks the running server to greet someone."))]
pub struct Greeter;

/// The charm's configuration.
#[derive(CharmConfig, Debug, Clone, PartialEq, Eq)]
pub struct GreeterConfig {
    /// The word the server greets with.
    #[option(default = "Hello")]
    pub greeting: String,
    /// The TCP port the server listens on.
    #[option(default = 8080)]
    pub port: i64,
}

/// Parameters of the `greet` action.
#[derive(ActionParams, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct GreetParams {
    /// Who to greet: letters, digits and dashes, at most 64.
    pub name: String,
}

impl GreeterConfig {
    /// The port, if it is one.
    fn port(&self) -> Option<u16> {
        u16::try_from(self.port).ok().filter(|p| *p > 0)
    }
    /// Why the configuration cannot run, as the status to show.
    fn problem(&self) -> Option<Status> {
        if self.port().is_none() {
            return Some(Status::blocked(format!(
                "port {} is not a TCP port (1-65535)",
                self.port
            )));
        }
        let ok = |c: char| c.is_alphanumeric() || c == ' ' || c == '-' || c == '\'';
        if self.greeting.is_empty() || self.greeting.len() > 40 || !self.greeting.chars().all(ok) {
            return Some(Status::blocked(
                "greeting must be 1-40 letters, digits, spaces, dashes or apostrophes",
            ));
        }
        None
    }
}

/// The Pebble layer for `config`: the server, and a health check Pebble restarts it on.
pub fn layer(config: &GreeterConfig, port: u16) -> Layer {
    let mut service = Service::new(format!(
        "greeter-server serve --port {port} --pid-file run/greeter.pid"
    ))
    .with_override(Override::Replace)
    .env("GREETING", config.greeting.clone())
    .enabled();
    service.summary = Some("greeting HTTP server".into());
    service.working_dir = Some("/".into());
    service
        .on_check_failure
        .insert(CHECK.into(), "restart".into());
    let alive = Check {
        r#override: Some(Override::Replace),
        period: Some("1s".into()),
        threshold: Some(2),
        http: Some(HttpCheck {
            url: Some(format!("http://localhost:{port}/health")),
            ..HttpCheck::default()
        }),
        ..Check::default()
    };
    Layer::new().service(SERVICE, service).check(CHECK, alive)
}

#[handlers]
impl Greeter {
    /// Configures the workload: on `pebble-ready`, on config changes, after an upgrade
    /// (a new pod): the layer from config, a replan (which restarts the server when its
    /// settings changed), the port.
    #[on(greeter_pebble_ready, config_changed, upgrade_charm)]
    fn configure(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let config = ctx.config()?.clone();
        if let Some(problem) = config.problem() {
            ctx.set_status(problem);
            return Ok(());
        }
        let port = config.port().expect("checked by problem()");
        let c = ctx.container(Self::GREETER);
        if !c.can_connect() {
            ctx.set_status(Status::waiting(
                "waiting for Pebble in the greeter container",
            ));
            return Ok(());
        }
        c.add_layer("greeter", &layer(&config, port), true)?;
        c.replan()?;
        ports::open(port)?;
        self.status(ctx)
    }

    /// The server recorded a notice: it is listening.
    #[on(greeter_pebble_custom_notice)]
    fn notice(&mut self, ctx: &mut Context<Self>, event: &PebbleCustomNotice) -> Result<()> {
        if event.notice_key() == STARTED_NOTICE {
            ctx.log(
                LogLevel::Info,
                format!("greeter-server started (notice {})", event.notice_id()),
            );
        }
        self.status(ctx)
    }

    /// The health check crossed its threshold, or passes again: Pebble restarts the
    /// server on failure (`on-check-failure`); the status says what happens.
    #[on(
        greeter_pebble_check_failed,
        greeter_pebble_check_recovered,
        update_status
    )]
    fn check(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        self.status(ctx)
    }

    /// `juju run greeter/0 greet name=Ada`: execs `greeter-server greet` in the container,
    /// which asks the running server.
    #[on(greet_action)]
    fn greet(&mut self, ctx: &mut Context<Self>, action: &Action<GreetParams>) -> Result<()> {
        let name = &action.params().name;
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            action.fail("`name` must be 1-64 letters, digits or dashes");
            return Ok(());
        }
        let config = ctx.config()?.clone();
        let c = ctx.container(Self::GREETER);
        if !c.can_connect() {
            action.fail("the greeter container is not ready: try again shortly");
            return Ok(());
        }
        let port = config.port.to_string();
        let out = c.exec(
            &["greeter-server", "greet", "--port", &port, "--name", name],
            &ExecOptions::default(),
        )?;
        if out.exit_code != 0 {
            action.fail(format!(
                "greeter-server greet failed ({}): {}",
                out.exit_code,
                out.stderr_str().trim()
            ));
            return Ok(());
        }
        action.set_result("greeting", out.stdout_str().trim().to_string())?;
        Ok(())
    }
}

impl Greeter {
    /// The unit's status from what Pebble says now: the service, the check, and how many
    /// times the server announced it started.
    fn status(&self, ctx: &mut Context<Self>) -> Result<()> {
        let config = ctx.config()?.clone();
        if let Some(problem) = config.problem() {
            ctx.set_status(problem);
            return Ok(());
        }
        let c = ctx.container(Self::GREETER);
        if !c.can_connect() {
            ctx.set_status(Status::waiting(
                "waiting for Pebble in the greeter container",
            ));
            return Ok(());
        }
        let status = match c.get_services()?.into_iter().find(|s| s.name == SERVICE) {
            None => Status::maintenance("greeter is not configured yet"),
            Some(s) if s.current != ServiceStatus::Active => {
                Status::maintenance("greeter-server is not running; Pebble restarts it")
            }
            Some(_) => {
                let down = c
                    .get_checks()?
                    .iter()
                    .any(|ch| ch.name == CHECK && ch.status == CheckStatus::Down);
                let starts = c
                    .get_notices(&NoticesQuery::new().types(["custom"]).keys([STARTED_NOTICE]))?
                    .first()
                    .map(|n| n.occurrences)
                    .unwrap_or(0);
                if down {
                    Status::maintenance(format!(
                        "greeter-server fails its {CHECK:?} check; Pebble restarts it"
                    ))
                } else if starts == 0 {
                    Status::maintenance("greeter-server is starting")
                } else {
                    Status::active(format!(
                        "{:?} on :{} (started {starts}x)",
                        config.greeting, config.port
                    ))
                }
            }
        };
        ctx.set_status(status);
        Ok(())
    }
}

/// Opening the server's port.
///
/// `charm-runtime` has no `Context::open_port` yet (it is being added with the other
/// port tools); until then the charm runs Juju's `open-port` tool itself. Outside a
/// hook (Scenario tests) the tool is not on `PATH` and nothing is opened.
pub mod ports {
    use charm_runtime::{Error, Result};

    /// `open-port <port>/tcp`.
    pub fn open(port: u16) -> Result<()> {
        let out = match std::process::Command::new("open-port")
            .arg(format!("{port}/tcp"))
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::msg(format!("cannot run open-port: {e}"))),
        };
        if !out.status.success() {
            return Err(Error::msg(format!(
                "open-port {port}/tcp failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }
}
