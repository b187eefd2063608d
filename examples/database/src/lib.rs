//! # `database`: a charm that hands out databases
//!
//! The provider side of the example trio (its README says exactly what it does). It shows:
//!
//! - a `provides` endpoint whose leader creates one database per client application in
//!   `db-relation-created` and drops it in `db-relation-broken` ([`db`]);
//! - credentials shared as an application-owned Juju secret granted to the relation,
//!   its id published in the charm's own application databag;
//! - a peer relation: application-wide state (`databases`, typed, JSON-encoded) that only
//!   the leader writes, and per-unit data (`host`) that every unit writes ([`peers`]);
//! - the [`Leader`] proof: leader-only writes do not compile without it;
//! - status set once, at the end of every hook, by a `collect_unit_status` handler;
//! - an action with typed parameters, `backup` ([`backup`]).
//!
//! Handlers live in one `#[handlers]` block per integration; they run in module-path
//! order (`database`, then `database::backup`, `database::db`, `database::peers`).

use std::collections::BTreeSet;

use charm_runtime::prelude::*;
use charm_runtime::relation::is_application_name;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

pub mod backup;
pub mod db;
pub mod peers;

/// The charm. Its fields live for one hook: each hook gets a fresh `Database::default()`.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "database",
    summary = "An example database server that creates one database per client application",
    description = "Provides databases over the `db` endpoint (interface postgresql_client).\n\nFor each related client application the leader creates a database named after it and shares the credentials as a Juju secret granted to that relation. The units coordinate over the `replicas` peer relation: the leader is the primary and keeps the list of databases. An example of the charm-runtime framework: it stores nothing for real."
)]
#[provides(db(interface = "postgresql_client"))]
#[peers(replicas(interface = "database_peers"))]
#[config(DatabaseConfig)]
#[actions(backup(params = backup::BackupParams, description = "Write the list of databases this application serves to a file."))]
pub struct Database {
    /// Set by a handler that found the unit blocked; reported by [`Database::status`].
    blocked: Option<Status>,
}

/// The charm's configuration (`config.options` in `charmcraft.yaml`).
#[derive(CharmConfig, Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// The most databases this application serves; further client applications are refused.
    #[option(default = 10)]
    pub max_databases: i64,
}

/// The typed part of the application databag on the `replicas` peer relation.
///
/// `databases` is JSON (as `ops`' `Relation.save` writes it: `["blog", "shop"]`); a
/// `BTreeSet` keeps the list sorted and free of duplicates by construction. The bag's
/// other key, `primary`, is a plain string and is read and written raw.
#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq, Eq)]
pub struct Databases {
    /// The databases this application serves.
    #[serde(default)]
    pub databases: BTreeSet<String>,
}

#[handlers]
impl Database {
    /// The unit's status, at the end of every hook: a blocked status a handler set wins
    /// over the active one (blocked > active).
    #[on(collect_unit_status)]
    fn status(&mut self, ctx: &mut Context<Self>, event: &CollectStatus) -> Result<()> {
        if let Some(blocked) = self.blocked.take() {
            event.add_status(blocked);
        }
        let Some(leader) = ctx.leader()? else {
            event.add_status(Status::active("replica"));
            return Ok(());
        };
        // A client application refused for `max-databases` has no database published on
        // its relation: the unit stays blocked while that relation exists, not only in
        // the hook that refused it (that relation's joined and changed hooks come next).
        for relation in ctx.relations(Self::DB)? {
            if relation.local_app_data(&leader).get("database")?.is_none() {
                let client = relation.remote_app()?.unwrap_or_default();
                event.add_status(match database_name(&client) {
                    Some(_) => Status::blocked("too many databases"),
                    None => bad_client_name(&relation),
                });
            }
        }
        let Some(peers) = ctx.relation(Self::REPLICAS)? else {
            event.add_status(Status::active("primary, 0 databases"));
            return Ok(());
        };
        // A bag someone wrote by hand is reported, not trusted (and not overwritten).
        match peers.peer_app_data()?.load::<Databases>() {
            Ok(served) => event.add_status(Status::active(format!(
                "primary, {} databases",
                served.databases.len()
            ))),
            Err(e) => {
                ctx.log(LogLevel::Error, e.to_string());
                event.add_status(Status::blocked(
                    "peer data `databases` is not a JSON list of names; see juju debug-log",
                ));
            }
        }
        Ok(())
    }
}

/// `slug(x)`: `x` with every `/` replaced by `-` (`database/0` becomes `database-0`).
pub fn slug(unit: &str) -> String {
    unit.replace('/', "-")
}

/// The database a client application gets: its name with `-` replaced by `_`. `None` if
/// `app` is not an application name Juju accepts: the name comes from the other side of
/// the relation, and ends up in a secret, a databag and a file.
pub fn database_name(app: &str) -> Option<String> {
    is_application_name(app).then(|| app.replace('-', "_"))
}

/// Whether `name` is a name [`database_name`] gives: a letter, then letters, digits and
/// `_`.
pub fn is_database_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// The status of a relation whose client application's name is not one Juju gives.
fn bad_client_name(relation: &Relation) -> Status {
    Status::blocked(format!(
        "{}: the client application's name is not a Juju application name",
        relation.key()
    ))
}

/// A new password: 24 random characters of `[A-Za-z0-9]`.
///
/// Uses `rand` 0.9: `rand::rng()` is a cryptographically secure generator (ChaCha12,
/// seeded from and periodically reseeded by the operating system) and `Alphanumeric`
/// samples the 62 characters uniformly. A well-reviewed, widely used crate is the right
/// place for this; a hand-rolled generator or a modulo over random bytes is a classic
/// source of weak or biased passwords.
pub fn password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_24_random_alphanumerics() {
        let a = password();
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, password());
    }

    #[test]
    fn names() {
        assert_eq!(slug("database/10"), "database-10");
        assert_eq!(database_name("my-web-app").as_deref(), Some("my_web_app"));
        for bad in ["", "Web", "a\nb", "../x", "a--b", "web-2"] {
            assert_eq!(database_name(bad), None, "{bad:?}");
        }
        assert!(is_database_name("my_web_app2"));
        assert!(!is_database_name("a\nb") && !is_database_name("") && !is_database_name("_a"));
    }
}
