//! # `webapp`: a charm that consumes a database and, optionally, a mail relay
//!
//! The requirer of the example trio (its README says exactly what it does). It shows:
//!
//! - one holistic handler, [`Webapp::reconcile`], observing every event that can change
//!   the outcome, and computing the whole configuration from the model each time;
//! - a `requires` endpoint with `limit: 1` (`ctx.relation(Self::DB)` returns at most one
//!   relation, checked by the type) and an optional one with any number (`Self::SMTP`);
//! - reading the remote application's databag, remote units' databags, and secrets
//!   granted by the providers;
//! - a peer relation for unit-to-unit gossip (`ready`), and an application status only
//!   the leader sets;
//! - bad input turned into a status that says what is wrong, never a panic, and a config
//!   file that is replaced atomically ([`config_file`]);
//! - data from other charms treated as untrusted: values read as single lines, secret ids
//!   read through the relation that brought them, and a `config-path` that must name a
//!   file inside the charm directory;
//! - work that does not grow with the model: the leader keeps which peers are ready in its
//!   charm state and reads only the peer that changed ([`ready`]).

use charm_runtime::charm_dir::CharmFile;
use charm_runtime::databag::{check_line, BadRemoteValue};
use charm_runtime::prelude::*;
use charm_runtime::unit_order;

pub mod config_file;
pub mod ready;

use config_file::{Settings, Smtp};

/// The charm.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "webapp",
    summary = "An example web application that uses a database and, optionally, a mail relay",
    description = "Requires a database over `db` (interface postgresql_client) and, optionally, SMTP over `smtp`.\n\nWhenever anything it depends on changes, it renders the credentials it was given into its configuration file and tells its peers it is ready; the leader reports how many units are. An example of the charm-runtime framework: it serves no web pages."
)]
#[requires(db(interface = "postgresql_client", limit = 1))]
#[requires(smtp(interface = "smtp", optional))]
#[peers(replicas(interface = "charm_gossip"))]
#[config(WebappConfig)]
pub struct Webapp;

/// The charm's configuration (`config.options` in `charmcraft.yaml`).
#[derive(CharmConfig, Debug, Clone, PartialEq, Eq)]
pub struct WebappConfig {
    /// Where the configuration file is written; a relative path is relative to the charm directory.
    #[option(default = "webapp.conf")]
    pub config_path: String,
}

/// Why [`Webapp::reconcile`] stopped short of a configured workload.
enum Stop {
    /// Something outside this hook is missing or wrong: the status says what, the hook
    /// succeeds, and a later event (relation data, secret or config changing) retries.
    Status(Status),
    /// The hook failed (a hook tool, the file system): Juju logs it and retries the hook.
    Error(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Error(e)
    }
}

/// Reading a secret a provider granted us: a secret that is gone or not granted is the
/// provider's problem, reported as a status; anything else fails the hook.
fn unreadable(what: &str, e: Error) -> Stop {
    match e {
        Error::SecretNotFound { .. } | Error::PermissionDenied { .. } => {
            Stop::Status(Status::blocked(format!("cannot read {what}: {e}")))
        }
        e => Stop::Error(e),
    }
}

/// A value a provider wrote that is not what we expect is the provider's problem: a
/// blocked status naming the relation and key (`status` makes it), not a failed hook.
fn untrusted(status: impl Fn(&BadRemoteValue) -> Status) -> impl Fn(Error) -> Stop {
    move |e| match e {
        Error::BadRemoteValue(bad) => Stop::Status(status(&bad)),
        e => Stop::Error(e),
    }
}

/// The status of a `config-path` that does not name a file inside the charm directory.
pub const BAD_CONFIG_PATH: &str = "config-path must name a file inside the charm directory";

/// `slug(x)`: `x` with every `/` replaced by `-` (`webapp/1` becomes `webapp-1`).
pub fn slug(unit: &str) -> String {
    unit.replace('/', "-")
}

#[handlers]
impl Webapp {
    /// The one handler: from whatever the model says now, the config file and statuses
    /// it implies.
    #[on(
        config_changed,
        upgrade_charm,
        secret_changed,
        db_relation_changed,
        db_relation_broken,
        smtp_relation_changed,
        smtp_relation_departed,
        replicas_relation_changed
    )]
    pub fn reconcile(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
        let peers = ctx.relation(Self::REPLICAS)?;
        if let Some(peers) = &peers {
            ready::observe(ctx, peers, event)?;
        }

        // Where the file goes: `config-path` is set by whoever may change the model's
        // config, and this hook runs as root. A file inside the charm directory, or nothing.
        let config_path = &ctx.config()?.config_path;
        let file = CharmFile::resolve(ctx.charm_dir(), config_path)
            .inspect_err(|why| ctx.warn(format!("config-path {config_path:?}: {why}")))
            .ok();
        // The file written before, elsewhere, holds a password: it goes.
        config_file::remove_previous(ctx, file.as_ref())?;
        let Some(file) = file else {
            return not_ready(ctx, peers.as_ref(), Status::blocked(BAD_CONFIG_PATH));
        };

        // In `db-relation-broken` the relation is already left out: no relation.
        let Some(db) = ctx.relation(Self::DB)? else {
            file.remove()
                .map_err(|e| Error::io(format!("removing {}", file.path().display()), e))?;
            config_file::forget(ctx);
            return not_ready(ctx, peers.as_ref(), Status::blocked("missing db relation"));
        };
        let settings = match self.settings(ctx, &db) {
            Ok(settings) => settings,
            Err(Stop::Status(status)) => return not_ready(ctx, peers.as_ref(), status),
            Err(Stop::Error(e)) => return Err(e),
        };
        match file.write_if_changed(settings.render().as_bytes()) {
            Ok(true) => ctx.info(format!("wrote {}", file.path().display())),
            Ok(false) => {}
            // Most likely `config-path` names a directory that does not exist: the
            // operator fixes it, and config-changed brings us back here.
            Err(e) => {
                let status =
                    Status::blocked(format!("cannot write {}: {e}", file.path().display()));
                return not_ready(ctx, peers.as_ref(), status);
            }
        }
        config_file::remember(ctx, &file)?;

        if let Some(peers) = &peers {
            peers.local_unit_data().set("ready", "true");
        }
        ctx.set_status(Status::active("ready"));

        if let Some(leader) = ctx.leader()? {
            let (ready, units) = ready::count(ctx, peers.as_ref())?;
            ctx.set_app_status(
                &leader,
                Status::active(format!("{ready} of {units} units ready")),
            );
        }
        Ok(())
    }
}

impl Webapp {
    /// Steps 2 to 4: what the config file must say, from the `db` relation and the
    /// `smtp` relations.
    fn settings(&self, ctx: &Context<Self>, db: &Relation) -> Result<Settings, Stop> {
        let waiting = || Stop::Status(Status::waiting("waiting for database credentials"));
        if db.remote_app()?.is_none() {
            return Err(waiting());
        }
        // Plain strings, as the provider writes them (not JSON): read raw, as one line
        // each, and the secret through this relation only.
        let remote = db.remote_app_data()?;
        let bad = untrusted(|bad| Status::blocked(bad.to_string()));
        let database = remote.get_line("database").map_err(&bad)?;
        let credentials = remote.get_secret("credentials").map_err(&bad)?;
        let (Some(database), Some(credentials)) = (database, credentials) else {
            return Err(waiting());
        };
        // The latest revision: the provider may have rotated the password.
        let content = credentials
            .refresh_content()
            .map_err(|e| unreadable("the database credentials", e))?;
        let field = |key: &str| {
            line(&content, key)
                .map_err(|e| Stop::Status(Status::blocked(format!("database credentials: {e}"))))
        };
        Ok(Settings {
            database,
            username: field("username")?,
            password: field("password")?,
            smtp: self.smtp(ctx)?,
        })
    }

    /// Step 4: the first remote unit, by unit name, over all `smtp` relations, that
    /// created an SMTP user for this unit.
    fn smtp(&self, ctx: &Context<Self>) -> Result<Option<Smtp>, Stop> {
        let my_key = format!("user-{}", slug(ctx.unit_name()));
        let mut units = Vec::new();
        for relation in ctx.relations(Self::SMTP)? {
            for unit in relation.units()? {
                units.push((unit, relation.clone()));
            }
        }
        units.sort_by(|a, b| unit_order(&a.0, &b.0));
        for (unit, relation) in units {
            let blocked =
                |what: String| Status::blocked(format!("smtp credentials from {unit}: {what}"));
            let bag = relation.remote_unit_data(&unit);
            let bad = untrusted(|bad| blocked(bad.reason()));
            let Some(secret) = bag.get_secret(&my_key).map_err(&bad)? else {
                continue;
            };
            let host = bag
                .get_line("host")
                .map_err(&bad)?
                .ok_or_else(|| Stop::Status(blocked("`host` is not set".into())))?;
            let content = secret
                .refresh_content()
                .map_err(|e| unreadable(&format!("the smtp credentials from {unit}"), e))?;
            let field = |key: &str| line(&content, key).map_err(|e| Stop::Status(blocked(e)));
            return Ok(Some(Smtp {
                host,
                username: field("username")?,
                password: field("password")?,
            }));
        }
        Ok(None)
    }
}

/// A secret's value that must be there and fit on one line of the config file: the
/// provider wrote it, and a line break in a password would add lines of its own.
fn line(content: &SecretContent, key: &str) -> Result<String, String> {
    let value = content.require(key).map_err(|e| e.to_string())?;
    check_line(value).map_err(|problem| format!("`{key}` {problem}"))?;
    Ok(value.to_string())
}

/// Stops with `status`: this unit no longer says `ready` to its peers.
fn not_ready(ctx: &Context<Webapp>, peers: Option<&Relation>, status: Status) -> Result<()> {
    if let Some(peers) = peers {
        peers.local_unit_data().remove("ready");
    }
    ctx.set_status(status);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_in_natural_order() {
        let mut units = vec!["mail/10", "mail/2", "alpha/3", "mail/1"];
        units.sort_by(|a, b| unit_order(a, b));
        assert_eq!(units, ["alpha/3", "mail/1", "mail/2", "mail/10"]);
    }
}
