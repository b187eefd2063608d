//! # `mailserver`: a charm that hands out SMTP users, one per client unit
//!
//! The second provider of the example trio (its README says exactly what it does). It shows:
//!
//! - `relation-joined` and `relation-departed`: per-unit setup and clean-up;
//! - unit-owned Juju secrets, each granted to one remote unit only;
//! - data in the unit's OWN databag on the relation (any unit may write it: no
//!   leadership involved);
//! - status set once, at the end of every hook, from what the databags hold;
//! - names from the other side of a relation checked before they become keys, labels
//!   and user names.

use charm_runtime::prelude::*;
use charm_runtime::relation::is_unit_name;
use rand::distr::{Alphanumeric, SampleString};

/// The charm.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "mailserver",
    summary = "An example mail server that creates one SMTP user per client unit",
    description = "Provides SMTP over the `smtp` endpoint (interface smtp).\n\nEvery unit creates an SMTP user for each client unit that joins, shares the password as a unit-owned Juju secret granted to that unit alone, and removes both when the client unit departs. An example of the charm-runtime framework: it sends no mail."
)]
#[provides(smtp(interface = "smtp"))]
pub struct Mailserver {
    /// Set by a handler that refused a client unit; reported by [`Mailserver::status`].
    blocked: Option<Status>,
}

/// The key in this unit's databag that tells client unit `unit` its credentials secret.
fn user_key(unit: &str) -> String {
    format!("user-{}", slug(unit))
}

/// The label of the credentials secret of client unit `unit`.
fn secret_label(unit: &str) -> String {
    format!("smtp-{}", slug(unit))
}

#[handlers]
impl Mailserver {
    /// A client unit joined: create its SMTP user, readable by that unit alone.
    #[on(smtp_relation_joined)]
    fn add_user(&mut self, ctx: &mut Context<Self>, event: &RelationJoined) -> Result<()> {
        let client = event.unit();
        let relation = event.relation();
        // The name becomes a databag key, a secret label and an SMTP user name.
        if !is_unit_name(client) {
            ctx.warn(format!(
                "{}: not creating an SMTP user for {client:?}",
                relation.key()
            ));
            self.blocked = Some(Status::blocked(format!(
                "{}: a client unit's name is not a Juju unit name",
                relation.key()
            )));
            return Ok(());
        }
        let credentials = SecretContent::new()
            .with("username", slug(client))
            .with("password", password());
        let secret = ctx.add_unit_secret(credentials, Some(&secret_label(client)))?;
        secret.grant(relation, Some(client))?;
        let secret_id = secret
            .id()
            .ok_or_else(|| Error::msg("secret-add returned no secret id"))?;

        // This unit's OWN bag on the relation: every client unit reads it, and finds its
        // own `user-<unit>` key.
        let bag = relation.local_unit_data();
        bag.set(user_key(client), secret_id.as_str());
        bag.set("host", format!("{}.mail", slug(ctx.unit_name())));
        Ok(())
    }

    /// A client unit departed: remove its SMTP user. When this unit is the one leaving,
    /// Juju runs the hook once per remote unit; there is nothing to clean up then.
    #[on(smtp_relation_departed)]
    fn remove_user(&mut self, ctx: &mut Context<Self>, event: &RelationDeparted) -> Result<()> {
        if event.departing_unit() == Some(ctx.unit_name()) {
            return Ok(());
        }
        // A unit with a name Juju does not give got no user.
        let Some(client) = event.unit().filter(|unit| is_unit_name(unit)) else {
            return Ok(());
        };
        event.relation().local_unit_data().remove(user_key(client));
        match ctx
            .secret_by_label(&secret_label(client))
            .remove_all_revisions()
        {
            Ok(()) => Ok(()),
            // Already gone: the aim of this hook is reached.
            Err(Error::SecretNotFound { .. }) => {
                ctx.debug(format!("no SMTP credentials secret of {client} to remove"));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The unit's status, at the end of every hook: how many SMTP users it serves.
    #[on(collect_unit_status)]
    fn status(&mut self, ctx: &mut Context<Self>, event: &CollectStatus) -> Result<()> {
        if let Some(blocked) = self.blocked.take() {
            event.add_status(blocked);
        }
        let mut users = 0;
        for relation in ctx.relations(Self::SMTP)? {
            users += relation
                .local_unit_data()
                .to_map()?
                .keys()
                .filter(|key| key.starts_with("user-"))
                .count();
        }
        event.add_status(Status::active(format!("{users} smtp users")));
        Ok(())
    }
}

/// `slug(x)`: `x` with every `/` replaced by `-` (`webapp/1` becomes `webapp-1`).
pub fn slug(unit: &str) -> String {
    unit.replace('/', "-")
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
    fn keys_and_labels() {
        assert_eq!(user_key("webapp/1"), "user-webapp-1");
        assert_eq!(secret_label("webapp/1"), "smtp-webapp-1");
    }
}
