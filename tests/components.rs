//! Components and custom events, through the charm's real dispatch (Scenario runs over the
//! in-memory Juju): the `ping` interface library (`charm_tests::ping`, another crate than
//! these charms) attached twice to one charm and once to another. Each test names the
//! property it shows: the order within a hook, two instances kept apart, custom events
//! (the components' and the charm's own) deferred and re-run, a component's deferred
//! Juju event, consumer secret labels, stored state and its size limit, the generated
//! `charmcraft.yaml`.

use charm_runtime::deferred::STATE_KEY;
use charm_runtime::prelude::*;
use charm_runtime::testing::{self as scenario, bag, Output, Relation, Secret, State};
use charm_tests::ping::{PingProvides, PingRequires, Pinged, Ponged, TokenRotated};
use scenario::Event as Hook;
use serde::{Deserialize, Serialize};

/// The client charm's own event: both tokens are there.
#[derive(Debug, Serialize, Deserialize, CustomEvent)]
pub struct AllReady {
    tokens: usize,
}

/// The client's options.
#[derive(CharmConfig)]
pub struct ClientConfig {
    /// Defer the `ponged` events (to test deferral).
    #[option(default = false)]
    hold: bool,
}

/// Pings two servers: `primary` and `backup`, both with the `ping` requirer.
#[derive(Charm)]
#[charm(name = "ping-client", summary = "Pings two servers")]
#[config(ClientConfig)]
#[events(all_ready = AllReady)]
#[peers(replicas(interface = "ping_client_peers"))]
pub struct Client {
    #[requires(primary(limit = 1))]
    primary: PingRequires,
    #[requires(backup(limit = 1, optional, description = "The standby server"))]
    backup: PingRequires,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            primary: PingRequires::new("1"),
            backup: PingRequires::optional("2"),
        }
    }
}

#[handlers]
impl Client {
    #[on(primary_relation_changed)]
    fn primary_changed(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        ctx.debug("the charm's own handler of primary-relation-changed");
        Ok(())
    }

    #[on(primary::ponged, backup::ponged)]
    fn ponged(&mut self, ctx: &mut Context<Self>, event: &Ponged) -> Result<()> {
        if ctx.config()?.hold {
            return ctx.defer();
        }
        ctx.set_status(Status::active(format!(
            "pong {} on {}",
            event.pong, event.relation
        )));
        let tokens = self.primary.tokens(ctx)?.len() + self.backup.tokens(ctx)?.len();
        if tokens == 2 {
            ctx.emit(AllReady { tokens });
        }
        Ok(())
    }

    #[on(all_ready)]
    fn all_ready(&mut self, ctx: &mut Context<Self>, event: &AllReady) -> Result<()> {
        ctx.set_status(Status::active(format!("{} tokens", event.tokens)));
        Ok(())
    }

    #[on(primary::token_rotated, backup::token_rotated)]
    fn rotated(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
        let Event::Custom(custom) = event else {
            return Ok(());
        };
        let rotated: TokenRotated = custom.payload()?;
        let endpoint = custom.endpoint().unwrap_or_default();
        let token = match endpoint {
            "primary" => self.primary.tokens(ctx)?,
            _ => self.backup.tokens(ctx)?,
        };
        ctx.set_status(Status::active(format!(
            "{} rotated: {}",
            custom.name(),
            token[&rotated.relation]
        )));
        Ok(())
    }
}

/// Serves pings, and rotates the tokens on demand.
#[derive(Charm, Default)]
#[charm(name = "ping-server", summary = "Answers pings")]
#[actions(rotate(description = "Give every client a new token"))]
pub struct Server {
    #[provides(clients)]
    clients: PingProvides,
}

#[handlers]
impl Server {
    #[on(clients::pinged)]
    fn pinged(&mut self, ctx: &mut Context<Self>, event: &Pinged) -> Result<()> {
        let answered = self.clients.answered();
        ctx.set_status(Status::active(format!(
            "ping {} on {} ({answered} answered)",
            event.ping, event.relation
        )));
        Ok(())
    }

    #[on(rotate_action)]
    fn rotate(&mut self, ctx: &mut Context<Self>, event: &Action<NoParams>) -> Result<()> {
        let rotated = self.clients.rotate(ctx, "1")?;
        event.set_result("rotated", rotated.to_string())?;
        Ok(())
    }
}

fn client() -> scenario::Context<Client> {
    scenario::Context::new()
}

/// The `primary` relation with the server's answer, and the token secret granted.
fn answered(endpoint: &str, pong: &str, token: &str) -> (Relation, Secret) {
    let secret = Secret::new(SecretContent::new().with("token", token));
    let relation = Relation::new(endpoint)
        .remote_app_name("server")
        .remote_app_data(bag([("pong", pong), ("token-secret", secret.id.as_str())]));
    (relation, secret)
}

fn stored_key(endpoint: &str) -> String {
    format!("charm-rs.stored.{endpoint}.ping-tokens")
}

#[test]
fn the_yaml_takes_each_interface_from_its_component() {
    let yaml = <Client as Charm>::metadata().charmcraft_yaml();
    assert!(
        yaml.contains(
            "requires:\n  primary:\n    interface: ping\n    limit: 1\n  backup:\n    interface: ping\n    limit: 1\n    optional: true\n    description: The standby server\n"
        ),
        "{yaml}"
    );
    assert!(yaml.contains("peers:\n  replicas:\n    interface: ping_client_peers\n"));
    let yaml = <Server as Charm>::metadata().charmcraft_yaml();
    assert!(
        yaml.contains("provides:\n  clients:\n    interface: ping\n"),
        "{yaml}"
    );
    // The derive's handle constants cover component endpoints too.
    assert_eq!(Client::PRIMARY.name(), "primary");
}

#[test]
fn the_component_runs_first_then_the_charm_then_the_custom_events() {
    let (primary, secret) = answered("primary", "1", "t-1");
    let state = State::new()
        .leader(true)
        .relation(primary.clone())
        .secret(secret.clone());
    let out = client()
        .run(Hook::relation_changed(&primary), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "PingRequires::answered",
            "Client::primary_changed",
            "Client::ponged",
            // The status collectors, last, the components' (here both instances').
            "PingRequires::status",
            "PingRequires::status",
        ]
    );
    let id = primary.id.number();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!("pong 1 on {id}"))
    );
    // The stored state of the component on `primary`, written with the hook.
    assert_eq!(
        out.state.charm_state[&stored_key("primary")],
        format!(r#"{{"tokens":{{"{id}":"t-1"}}}}"#)
    );
}

#[test]
fn two_instances_on_two_endpoints_stay_apart() {
    let (primary, s1) = answered("primary", "1", "t-1");
    let (backup, s2) = answered("backup", "2", "t-2");
    let p = primary.id.number();
    let state = State::new()
        .relation(primary.clone())
        .relation(backup.clone())
        .secret(s1)
        .secret(s2)
        .charm_state(
            stored_key("primary"),
            format!(r#"{{"tokens":{{"{p}":"t-1"}}}}"#),
        );
    let out = client()
        .run(Hook::relation_changed(&backup), state)
        .unwrap();
    out.assert_ok();
    // Only the instance on `backup` saw the event, and only `backup::ponged` was emitted;
    // the charm's own event, emitted while handling it, ran after it.
    assert_eq!(
        out.handlers,
        [
            "PingRequires::answered",
            "Client::ponged",
            "Client::all_ready",
            "PingRequires::status",
            "PingRequires::status",
        ]
    );
    assert_eq!(out.state.unit_status, Status::active("2 tokens"));
    let b = backup.id.number();
    assert_eq!(
        out.state.charm_state[&stored_key("backup")],
        format!(r#"{{"tokens":{{"{b}":"t-2"}}}}"#)
    );
    assert_eq!(
        out.state.charm_state[&stored_key("primary")],
        format!(r#"{{"tokens":{{"{p}":"t-1"}}}}"#)
    );
}

/// The deferred notices, as stored.
fn notices(out: &Output) -> Vec<charm_runtime::deferred::Notice> {
    out.state
        .charm_state
        .get(STATE_KEY)
        .map(|raw| charm_runtime::deferred::parse_notices(raw).unwrap())
        .unwrap_or_default()
}

#[test]
fn a_deferred_custom_event_runs_again_in_the_next_hook() {
    let (primary, secret) = answered("primary", "1", "t-1");
    let state = State::new()
        .relation(primary.clone())
        .secret(secret)
        .config("hold", true);
    let out = client()
        .run(Hook::relation_changed(&primary), state)
        .unwrap();
    out.assert_ok();
    let deferred = notices(&out);
    assert_eq!(deferred.len(), 1);
    assert_eq!(deferred[0].handler, "Client::ponged");
    let custom = deferred[0].custom.as_ref().expect("a custom event");
    assert_eq!(custom.name, "primary::ponged");
    assert_eq!(custom.payload["pong"], "1");
    assert_eq!(
        deferred[0].event.dispatch_path,
        "hooks/primary-relation-changed"
    );

    // Next hook: it runs first, for the handler that deferred it, and is done.
    let mut state = out.state.clone();
    state.config.insert("hold".into(), false.into());
    let out = client().run(Hook::update_status(), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "Client::ponged",
            "PingRequires::status",
            "PingRequires::status"
        ]
    );
    let id = primary.id.number();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!("pong 1 on {id}"))
    );
    assert!(notices(&out).is_empty());
}

#[test]
fn a_component_defers_a_juju_event_and_gets_it_again() {
    let (primary, secret) = answered("primary", "1", "t-1");
    // The provider published the id, but the grant has not reached this unit yet.
    let state = State::new()
        .relation(primary.clone())
        .secret(secret.clone().not_granted());
    let out = client()
        .run(Hook::relation_changed(&primary), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "PingRequires::answered",
            "Client::primary_changed",
            "PingRequires::status",
            "PingRequires::status"
        ]
    );
    let deferred = notices(&out);
    assert_eq!(deferred.len(), 1);
    assert_eq!(
        (
            deferred[0].handler.as_str(),
            deferred[0].component.as_deref()
        ),
        ("PingRequires::answered", Some("primary"))
    );
    assert!(out.log_text().contains("is not granted yet; deferring"));

    // Granted now: the component's handler re-runs on the deferred event, and what it
    // emits is dispatched right after it, before the hook's own event.
    let mut state = out.state.clone();
    state.secrets = vec![secret];
    let out = client().run(Hook::config_changed(), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "PingRequires::answered",
            "Client::ponged",
            "PingRequires::status",
            "PingRequires::status"
        ]
    );
    assert!(notices(&out).is_empty());
}

#[test]
fn a_consumer_label_maps_secret_changed_back_to_its_relation() {
    let (primary, secret) = answered("primary", "1", "t-1");
    let (backup, _) = answered("backup", "2", "t-2");
    let state = State::new()
        .relation(primary.clone())
        .relation(backup.clone())
        .secret(secret.clone());
    let out = client()
        .run(Hook::relation_changed(&primary), state)
        .unwrap();
    out.assert_ok();
    // Read once by id, with this unit's label for it: Juju records the label.
    let label = PingRequires::label("primary", primary.id.number());
    let read = format!("secret-get --format=json {} --label {label}", secret.id);
    assert!(out.calls.contains(&read), "{:#?}", out.calls);
    let seen = out.state.get_secret(&secret.id).unwrap();
    assert_eq!(seen.label.as_deref(), Some(label.as_str()));

    // The provider rotates the token: `secret-changed` carries the label, the instance on
    // `primary` maps it to its relation; the one on `backup` ignores it.
    let mut state = out.state.clone();
    let rotated = seen
        .clone()
        .new_revision(SecretContent::new().with("token", "t-1b"));
    state.secrets = vec![rotated.clone()];
    let out = client().run(Hook::secret_changed(&rotated), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "PingRequires::rotated",
            "PingRequires::rotated",
            "Client::rotated",
            "PingRequires::status",
            "PingRequires::status",
        ]
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("primary::token_rotated rotated: t-1b")
    );
}

#[test]
fn a_broken_relation_emits_gone_and_forgets_its_token() {
    let (backup, secret) = answered("backup", "2", "t-2");
    let b = backup.id.number();
    let state = State::new()
        .relation(backup.clone())
        .secret(secret)
        .charm_state(
            stored_key("backup"),
            format!(r#"{{"tokens":{{"{b}":"t-2"}}}}"#),
        );
    let out = client().run(Hook::relation_broken(&backup), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "PingRequires::broken",
            "PingRequires::status",
            "PingRequires::status"
        ]
    );
    assert_eq!(
        out.state.charm_state[&stored_key("backup")],
        r#"{"tokens":{}}"#
    );
    assert!(out
        .log_text()
        .contains("no handler observes the custom event `backup::gone`"));
}

#[test]
fn components_contribute_statuses() {
    let out = client().run(Hook::update_status(), State::new()).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["PingRequires::status", "PingRequires::status"]
    );
    // Only `primary` is required.
    assert_eq!(
        out.state.unit_status,
        Status::blocked("primary: no ping server")
    );
}

#[test]
fn the_provider_answers_with_a_granted_secret_and_emits_pinged() {
    let clients = Relation::new("clients")
        .remote_app_name("client")
        .remote_app_data(bag([("ping", "1")]));
    let state = State::new().leader(true).relation(clients.clone());
    let out = scenario::Context::<Server>::new()
        .run(Hook::relation_changed(&clients), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(out.handlers, ["PingProvides::answer", "Server::pinged"]);
    let id = clients.id.number();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!("ping 1 on {id} (1 answered)"))
    );
    let bag = &out.relation(clients.id).local_app_data;
    assert_eq!(bag["pong"], "1");
    let label = PingProvides::label("clients", id);
    let secret = out
        .state
        .get_secret_by_label(&label)
        .expect("the token secret");
    assert_eq!(bag["token-secret"], secret.id.as_str());
    assert!(secret.grants[&clients.id].contains("client"));

    // A follower answers nothing.
    let out = scenario::Context::<Server>::new()
        .run(
            Hook::relation_changed(&clients),
            State::new().relation(clients.clone()),
        )
        .unwrap();
    assert_eq!(out.handlers, ["PingProvides::answer"]);
}

#[test]
fn a_charm_s_code_reaches_its_component_with_the_endpoint() {
    let clients = Relation::new("clients").remote_app_name("client");
    let label = PingProvides::label("clients", clients.id.number());
    let token = Secret::new(SecretContent::new().with("token", "x"))
        .app_owned()
        .label(&label);
    let state = State::new()
        .leader(true)
        .relation(clients.clone())
        .secret(token.clone());
    let out = scenario::Context::<Server>::new()
        .run(Hook::action("rotate"), state)
        .unwrap();
    out.assert_ok();
    let action = out.action.as_ref().unwrap();
    assert_eq!(action.results["rotated"], "1");
    let rotated = out.state.get_secret(&token.id).unwrap();
    assert_eq!(rotated.latest_revision(), 2);
    assert_eq!(
        rotated.latest_content().unwrap().get("token"),
        Some(format!("{label}-1").as_str())
    );
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Hoard {
    items: Vec<String>,
}

impl StoredState for Hoard {
    const KEY: &'static str = "hoard";
}

/// Stores more than Juju keeps.
#[derive(Charm, Default)]
#[charm(name = "hoarder", summary = "Keeps too much")]
pub struct Hoarder;

#[handlers]
impl Hoarder {
    #[on(install)]
    fn keep(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let mut hoard: Hoard = ctx.stored()?;
        hoard.items.push("x".repeat(40_000));
        ctx.store(&hoard)?;
        ctx.set_status(Status::active(format!("{} items", hoard.items.len())));
        Ok(())
    }
}

#[test]
fn stored_state_is_typed_and_refused_over_juju_s_64_kib() {
    let ctx = scenario::Context::<Hoarder>::new();
    let out = ctx.run(Hook::install(), State::new()).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("1 items"));
    let kept = out.state.charm_state["charm-rs.stored.hoard"].clone();
    assert_eq!(kept.len(), 40_000 + r#"{"items":[""]}"#.len());
    // One state-set at the end of the hook, with the value.
    assert!(out.calls.iter().any(|c| c.starts_with("state-set")));

    // A second item makes 80 kB: refused when stored, naming the key and the size; the
    // hook fails and the state keeps the first.
    let out = ctx.run(Hook::install(), out.state.clone()).unwrap();
    let error = out.error.clone().expect("the hook fails");
    assert!(
        error.contains("stored state `charm-rs.stored.hoard` is 80017 bytes as JSON: Juju keeps at most 65536 bytes per charm-state value"),
        "{error}"
    );
    assert_eq!(out.state.charm_state["charm-rs.stored.hoard"], kept);

    // A value that no longer reads as the type: an error naming the key.
    let out = ctx
        .run(
            Hook::install(),
            State::new().charm_state("charm-rs.stored.hoard", "[1]"),
        )
        .unwrap();
    let error = out.error.unwrap();
    assert!(
        error.contains("stored state `charm-rs.stored.hoard` does not read as"),
        "{error}"
    );
}

/// A component that needs the charm's config: it publishes the option `greeting` to every
/// relation of its endpoint when the config changes.
pub struct Greeter;

#[component(interface = "greeting", role = provides)]
impl Greeter {
    #[on(config_changed)]
    fn publish(&mut self, ctx: &mut ComponentContext<Self>) -> Result<()> {
        let Some(leader) = ctx.leader()? else {
            return Ok(());
        };
        let greeting = match ctx.config_value("greeting")? {
            Some(serde_json::Value::String(g)) => g,
            _ => return Ok(()),
        };
        for relation in ctx.relations()? {
            relation.local_app_data(&leader).set("greeting", &greeting);
        }
        Ok(())
    }
}

/// The greeter charm's options.
#[derive(CharmConfig)]
pub struct GreeterConfig {
    /// What the greeter says.
    #[option(default = "hello")]
    greeting: String,
}

/// Three components of two libraries, and config the greeter reads.
#[derive(Charm)]
#[charm(name = "greeter", summary = "Greets and pings")]
#[config(GreeterConfig)]
pub struct GreeterCharm {
    #[provides(greetings)]
    greeter: Greeter,
    #[requires(primary(limit = 1))]
    primary: PingRequires,
    #[provides(clients)]
    clients: PingProvides,
}

impl Default for GreeterCharm {
    fn default() -> Self {
        GreeterCharm {
            greeter: Greeter,
            primary: PingRequires::optional("1"),
            clients: PingProvides::default(),
        }
    }
}

#[handlers]
impl GreeterCharm {
    #[on(config_changed)]
    fn configured(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        // The charm reads its config typed; the component read the same option raw.
        ctx.set_status(Status::active(format!(
            "greeting {}",
            ctx.config()?.greeting
        )));
        Ok(())
    }
}

#[test]
fn a_component_reads_the_charm_s_config_beside_other_components() {
    let yaml = <GreeterCharm as Charm>::metadata().charmcraft_yaml();
    assert!(
        yaml.contains(
            "provides:\n  greetings:\n    interface: greeting\n  clients:\n    interface: ping\n"
        ),
        "{yaml}"
    );
    assert!(yaml.contains("requires:\n  primary:\n    interface: ping\n    limit: 1\n"));
    assert!(
        yaml.contains("config:\n  options:\n    greeting:\n"),
        "{yaml}"
    );
    let greetings = Relation::new("greetings").remote_app_name("listener");
    let state = State::new()
        .leader(true)
        .relation(greetings.clone())
        .config("greeting", "hi");
    let out = scenario::Context::<GreeterCharm>::new()
        .run(Hook::config_changed(), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        [
            "Greeter::publish",
            "GreeterCharm::configured",
            "PingRequires::status"
        ]
    );
    assert_eq!(out.relation(greetings.id).local_app_data["greeting"], "hi");
    assert_eq!(out.state.unit_status, Status::active("greeting hi"));
}
