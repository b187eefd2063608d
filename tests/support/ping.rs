//! `ping`: a small interface library, both roles, for the tests of components (the test
//! charms, the simulator's `ping-server` and `ping-client` fixture charms). It is what an
//! interface crate is: components a charm attaches to its endpoints, custom events, stored
//! state, and a secret mapped back to its relation by a consumer label.
//!
//! The protocol: the requirer's leader writes `ping = <n>` in its application bag; the
//! provider's leader answers with `pong = <n>` and `token-secret = <id>` in its own, the
//! id of an application secret holding `token`, granted to the relation. The requirer
//! reads the secret once by id with its label `<endpoint>.<relation id>.token`, so that
//! when the provider rotates the token the requirer's `secret-changed` names the relation.

use std::collections::BTreeMap;

use charm_runtime::prelude::*;
use charm_runtime::Component;
use serde::{Deserialize, Serialize};

/// The provider answered the requirer's ping on `relation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct Ponged {
    /// The relation's id.
    pub relation: u32,
    /// The provider's `pong`.
    pub pong: String,
}

/// The provider rotated the token of `relation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct TokenRotated {
    /// The relation's id.
    pub relation: u32,
}

/// The relation to the provider is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct Gone {
    /// The relation's id.
    pub relation: u32,
}

/// What the requirer keeps between hooks, per endpoint: the token of each relation.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tokens {
    /// Relation id ⇒ token.
    pub tokens: BTreeMap<u32, String>,
}

impl StoredState for Tokens {
    const KEY: &'static str = "ping-tokens";
}

/// The requirer side of `ping`.
#[derive(Debug)]
pub struct PingRequires {
    ping: String,
    /// Whether the unit is blocked without a provider.
    required: bool,
}

impl PingRequires {
    /// A requirer that pings with `ping`, and blocks the unit without a provider.
    pub fn new(ping: impl Into<String>) -> PingRequires {
        PingRequires {
            ping: ping.into(),
            required: true,
        }
    }

    /// A requirer that pings with `ping`, for an optional endpoint.
    pub fn optional(ping: impl Into<String>) -> PingRequires {
        PingRequires {
            required: false,
            ..PingRequires::new(ping)
        }
    }

    /// The label this unit gives the token secret of relation `id` on `endpoint`.
    pub fn label(endpoint: &str, id: u32) -> String {
        format!("{endpoint}.{id}.token")
    }

    /// The relation a label of this endpoint names; `None` for another endpoint's.
    fn relation_of(endpoint: &str, label: &str) -> Option<u32> {
        let rest = label.strip_prefix(endpoint)?.strip_prefix('.')?;
        rest.strip_suffix(".token")?.parse().ok()
    }

    /// The tokens received so far, by relation id (for the charm's code).
    pub fn tokens<C: Charm>(&self, ctx: &Context<C>) -> Result<BTreeMap<u32, String>> {
        Ok(ctx.component(self)?.stored::<Tokens>()?.tokens)
    }
}

#[component(
    interface = "ping",
    role = requires,
    events(ponged = Ponged, token_rotated = TokenRotated, gone = Gone)
)]
impl PingRequires {
    #[on(relation_created)]
    fn request(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationCreated) -> Result<()> {
        if let Some(leader) = ctx.leader()? {
            event
                .relation()
                .local_app_data(&leader)
                .set("ping", &self.ping);
        }
        Ok(())
    }

    /// The provider's answer: the token, read once by id with this unit's label. A secret
    /// not granted yet is waited for: the event is deferred.
    #[on(relation_changed)]
    fn answered(
        &mut self,
        ctx: &mut ComponentContext<Self>,
        event: &RelationChanged,
    ) -> Result<()> {
        let relation = event.relation();
        let remote = relation.remote_app_data()?;
        let (Some(pong), Some(secret)) =
            (remote.get_line("pong")?, remote.get_secret("token-secret")?)
        else {
            return Ok(());
        };
        let id = relation.id().number();
        let secret = secret.with_label(Self::label(ctx.endpoint(), id));
        let content = match secret.content() {
            Ok(content) => content,
            Err(Error::PermissionDenied { .. } | Error::SecretNotFound { .. }) => {
                ctx.info(format!(
                    "the token of {}:{id} is not granted yet; deferring",
                    ctx.endpoint()
                ));
                return ctx.defer();
            }
            Err(e) => return Err(e),
        };
        let mut stored: Tokens = ctx.stored()?;
        let token = content.require("token")?.to_string();
        if stored.tokens.get(&id) != Some(&token) {
            stored.tokens.insert(id, token);
            ctx.store(&stored)?;
            ctx.emit(Ponged { relation: id, pong });
        }
        Ok(())
    }

    /// A token of this endpoint changed: the label says which relation.
    #[on(secret_changed)]
    fn rotated(&mut self, ctx: &mut ComponentContext<Self>, event: &SecretChanged) -> Result<()> {
        let Some(id) = event
            .label()
            .and_then(|l| Self::relation_of(ctx.endpoint(), l))
        else {
            return Ok(());
        };
        let content = ctx.secret(event.id()).refresh_content()?;
        let mut stored: Tokens = ctx.stored()?;
        stored
            .tokens
            .insert(id, content.require("token")?.to_string());
        ctx.store(&stored)?;
        ctx.emit(TokenRotated { relation: id });
        Ok(())
    }

    #[on(relation_broken)]
    fn broken(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationBroken) -> Result<()> {
        let id = event.relation().id().number();
        let mut stored: Tokens = ctx.stored()?;
        stored.tokens.remove(&id);
        ctx.store(&stored)?;
        ctx.emit(Gone { relation: id });
        Ok(())
    }

    /// Without a provider, the unit is blocked: the component says so.
    #[on(collect_unit_status)]
    fn status(&mut self, ctx: &mut ComponentContext<Self>, event: &CollectStatus) -> Result<()> {
        if self.required && ctx.relations()?.is_empty() {
            event.add_status(Status::blocked(format!(
                "{}: no ping server",
                ctx.endpoint()
            )));
        }
        Ok(())
    }
}

/// A requirer asked the provider on `relation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CustomEvent)]
pub struct Pinged {
    /// The relation's id.
    pub relation: u32,
    /// The requirer's `ping`.
    pub ping: String,
}

/// The provider side of `ping`.
#[derive(Debug, Default)]
pub struct PingProvides {
    /// Answers since the hook started (for the charm's status).
    answered: u32,
}

impl PingProvides {
    /// The label of the token secret the provider keeps for relation `id`.
    pub fn label(endpoint: &str, id: u32) -> String {
        format!("ping-{endpoint}-{id}")
    }

    /// Gives every relation a new token (the leader's): a new revision of each token
    /// secret, which the requirers see as `secret-changed`.
    pub fn rotate<C: Charm>(&self, ctx: &Context<C>, salt: &str) -> Result<u32> {
        let ctx = ctx.component(self)?;
        let mut rotated = 0;
        for relation in ctx.relations()? {
            let label = Self::label(ctx.endpoint(), relation.id().number());
            let token = format!("{label}-{salt}");
            ctx.secret_by_label(&label)
                .set_content(SecretContent::new().with("token", token))?;
            rotated += 1;
        }
        Ok(rotated)
    }

    /// How many pings this hook answered.
    pub fn answered(&self) -> u32 {
        self.answered
    }
}

#[component(interface = "ping", role = provides, events(pinged = Pinged))]
impl PingProvides {
    #[on(relation_changed)]
    fn answer(&mut self, ctx: &mut ComponentContext<Self>, event: &RelationChanged) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let relation = event.relation();
        let Some(ping) = relation.remote_app_data()?.get_line("ping")? else {
            return Ok(());
        };
        let bag = relation.local_app_data(&leader);
        if bag.get("pong")?.as_deref() == Some(ping.as_str()) {
            return Ok(());
        }
        let label = Self::label(ctx.endpoint(), relation.id().number());
        let content = SecretContent::new().with("token", format!("{label}-0"));
        let secret = ctx.add_app_secret(&leader, content, Some(&label))?;
        secret.grant(relation, None)?;
        let id = secret.id().map(|id| id.to_string()).unwrap_or_default();
        bag.set("token-secret", id);
        bag.set("pong", &ping);
        self.answered += 1;
        ctx.emit(Pinged {
            relation: relation.id().number(),
            ping,
        });
        Ok(())
    }
}

/// The interface's name, from the library (what a charm's `charmcraft.yaml` gets).
pub const INTERFACE: &str = <PingRequires as Component>::INTERFACE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_their_relation_and_endpoint() {
        let label = PingRequires::label("backup", 7);
        assert_eq!(PingRequires::relation_of("backup", &label), Some(7));
        assert_eq!(PingRequires::relation_of("primary", &label), None);
        assert_eq!(PingRequires::relation_of("backup", "backup.x.token"), None);
        assert_eq!(INTERFACE, "ping");
    }
}
