//! # `minipg`: a `postgresql_client` provider
//!
//! A stand-in PostgreSQL (it stores nothing) that answers database requests the way the
//! postgresql charm does, through [`charm_postgresql_client::DatabaseProvides`], so that
//! requirers using Canonical's Python libraries (v0 `data_interfaces.py` and v1
//! dpcharmlibs-interfaces) or a Rust [`DatabaseRequires`](charm_postgresql_client::DatabaseRequires)
//! get their credentials:
//!
//! - each request gets user `relation_id_<relation id>` and a password of 24 random
//!   alphanumerics, in an application-owned secret granted to the relation; endpoints
//!   `<ingress address>:5432`, version `16.0`, and the database asked for;
//! - the component removes a relation's secrets when the relation is broken;
//! - action `rotate-password` gives a relation's user a new password (a new revision of
//!   its secret, which the requirer sees as `secret-changed`);
//! - status: active `serving <n> databases`.

use charm_postgresql_client::{DatabaseProvides, DatabaseRequested, Response};
use charm_runtime::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;

/// The port published in `endpoints`.
pub const PORT: u16 = 5432;

/// The server version published in `version`.
pub const VERSION: &str = "16.0";

/// The charm. Its fields live for one hook.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "minipg",
    summary = "A stand-in PostgreSQL that hands out databases over postgresql_client",
    description = "Answers every database request on `database` (interface postgresql_client, served to v0 and v1 requirers) with a user named after the relation, a random password in a Juju secret granted to the relation, its address and version 16.0. It stores nothing: an example of the charm-runtime framework and of the charm-postgresql-client library."
)]
#[actions(rotate-password(
    params = RotatePasswordParams,
    description = "A new password for the user of one relation (a new revision of its secret)."
))]
pub struct Minipg {
    /// The `database` endpoint; its interface comes from the library.
    #[provides(database)]
    database: DatabaseProvides,
}

/// Parameters of `rotate-password`.
#[derive(ActionParams, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RotatePasswordParams {
    /// The id of the relation whose user gets a new password.
    pub relation_id: i64,
}

#[handlers]
impl Minipg {
    /// A requirer asked for a database: answer it (the component calls only the leader).
    #[on(database::database_requested)]
    fn serve(&mut self, ctx: &mut Context<Self>, event: &DatabaseRequested) -> Result<()> {
        self.answer(ctx, event)
    }

    /// A new password for every request of one relation; result `username`.
    #[on(rotate_password_action)]
    fn rotate_password(
        &mut self,
        ctx: &mut Context<Self>,
        action: &Action<RotatePasswordParams>,
    ) -> Result<()> {
        if ctx.leader()?.is_none() {
            action.fail("only the leader rotates passwords: run the action on the leader unit");
            return Ok(());
        }
        let id = action.params().relation_id;
        let relations = ctx.relations(Self::DATABASE)?;
        let Some(id) = u32::try_from(id)
            .ok()
            .filter(|id| relations.iter().any(|r| r.id().number() == *id))
        else {
            action.fail(format!("no `database` relation with id {id}"));
            return Ok(());
        };
        let requests = self.database.requests(ctx, id)?;
        if requests.is_empty() {
            action.fail(format!("relation {id} has asked for no database yet"));
            return Ok(());
        }
        for request in &requests {
            self.answer(ctx, request)?;
        }
        action.set_result("username", username(id))?;
        Ok(())
    }

    /// `serving <n> databases`: the requests answered, over all relations.
    #[on(collect_unit_status)]
    fn status(&mut self, ctx: &mut Context<Self>, event: &CollectStatus) -> Result<()> {
        let n = self.database.answered(ctx)?;
        event.add_status(Status::active(format!("serving {n} databases")));
        Ok(())
    }
}

impl Minipg {
    /// Answers `request` with a new password (the leader's job).
    fn answer(&self, ctx: &Context<Self>, request: &DatabaseRequested) -> Result<()> {
        if ctx.leader()?.is_none() {
            return Ok(());
        }
        let relation = ctx
            .relations(Self::DATABASE)?
            .into_iter()
            .find(|r| r.id().number() == request.relation)
            .ok_or_else(|| Error::msg(format!("relation {} is gone", request.relation)))?;
        let address = ctx.network_of(&relation)?;
        let address = address.ingress_address().ok_or_else(|| {
            Error::msg(format!(
                "{}: network-get gives no ingress address",
                relation.key()
            ))
        })?;
        let response = Response {
            database: Some(request.database.clone()),
            username: Some(username(request.relation)),
            password: Some(password()),
            endpoints: Some(endpoint(address)),
            version: Some(VERSION.to_string()),
            ..Response::default()
        };
        self.database.answer(
            ctx,
            request.relation,
            request.request_id.as_deref(),
            &response,
        )
    }
}

/// The user of relation `id`: `relation_id_<id>`.
pub fn username(id: u32) -> String {
    format!("relation_id_{id}")
}

/// `<address>:5432`, with an IPv6 address in brackets.
///
/// ```
/// assert_eq!(minipg::endpoint("10.0.0.2"), "10.0.0.2:5432");
/// assert_eq!(minipg::endpoint("fd00::2"), "[fd00::2]:5432");
/// ```
pub fn endpoint(address: &str) -> String {
    if address.contains(':') {
        format!("[{address}]:{PORT}")
    } else {
        format!("{address}:{PORT}")
    }
}

/// A new password: 24 random characters of `[A-Za-z0-9]` (`rand`'s CSPRNG, sampled
/// uniformly).
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
        assert_eq!(username(7), "relation_id_7");
    }
}
