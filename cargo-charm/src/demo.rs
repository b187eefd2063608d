//! `cargo charm demo`: the charm-rs workspace's three example charms, deployed and
//! integrated in the simulator.

use crate::error::{Error, Result};
use crate::pack::charm_dir;
use crate::sim::{Config, Model};
use crate::workspace::Workspace;

/// The demo charms.
pub const DEMO_CHARMS: [&str; 3] = ["database", "mailserver", "webapp"];

/// Build the example charms in release, lay them out under `target/charms/demo/`,
/// deploy database x2, mailserver x1, webapp x3 and integrate `webapp:db database:db`,
/// `webapp:smtp mailserver:smtp` (not settled yet).
pub fn demo_model() -> Result<Model> {
    let ws = Workspace::load()?;
    let names: Vec<String> = DEMO_CHARMS.iter().map(|s| s.to_string()).collect();
    for n in &names {
        if ws.package(n).is_err() {
            return Err(Error::Invalid(format!(
                "the demo needs the workspace packages {} (examples/database, examples/mailserver, examples/webapp); package `{n}` is missing",
                DEMO_CHARMS.join(", ")
            )));
        }
    }
    let charms = ws.charms(&names, true)?;
    let base = ws.target_dir.join("charms").join("demo");
    for c in &charms {
        charm_dir(&c.binary, &c.charmcraft_yaml, &base.join(&c.name))?;
    }
    let mut m = Model::new("demo")?;
    for (app, units) in [("database", 2), ("mailserver", 1), ("webapp", 3)] {
        m.deploy(app, base.join(app), units, Config::new())?;
    }
    m.integrate("webapp:db", "database:db")?;
    m.integrate("webapp:smtp", "mailserver:smtp")?;
    Ok(m)
}
