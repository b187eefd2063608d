//! The components in small charms run in memory (Scenario), against the databags and
//! secrets Canonical's Python libraries wrote (`tests/fixtures/`): the provider component
//! answers as the libraries' providers do, byte for byte, and the requirer component
//! reads a Python provider's answer and emits the v0 library's events.

use charm_postgresql_client::{
    CredentialsChanged, DatabaseCreated, DatabaseEntityCreated, DatabaseProvides,
    DatabaseRequested, DatabaseRequires, EndpointsChanged, PrefixDatabasesChanged, Response,
};
use charm_runtime::prelude::*;
use charm_runtime::testing::{self as scenario, Bag, Event, Relation, Secret, State};
use serde_json::Value;

/// A requirer charm whose status says which event of the component it handled last.
#[derive(Charm)]
#[charm(name = "client", summary = "A postgresql_client requirer")]
pub struct Client {
    #[requires(database(limit = 1))]
    database: DatabaseRequires,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            database: DatabaseRequires::new("blog"),
        }
    }
}

#[handlers]
impl Client {
    #[on(database::database_created)]
    fn created(&mut self, ctx: &mut Context<Self>, event: &DatabaseCreated) -> Result<()> {
        let db = self.database.connection(ctx)?.expect("a relation");
        ctx.set_status(Status::active(format!(
            "created {} {:?} {:?} {:?} {}:{}",
            event.relation,
            event.database,
            event.endpoints,
            event.version,
            db.username().unwrap_or_default(),
            db.password().unwrap_or_default()
        )));
        Ok(())
    }

    #[on(database::database_entity_created)]
    fn entity(&mut self, ctx: &mut Context<Self>, event: &DatabaseEntityCreated) -> Result<()> {
        let db = self.database.connection(ctx)?.expect("a relation");
        ctx.set_status(Status::active(format!(
            "entity {} {:?} {:?} {:?} {}",
            event.relation,
            event.entity_name,
            event.database,
            event.endpoints,
            db.entity_password().unwrap_or_default()
        )));
        Ok(())
    }

    #[on(database::prefix_databases_changed)]
    fn prefixed(&mut self, ctx: &mut Context<Self>, event: &PrefixDatabasesChanged) -> Result<()> {
        ctx.set_status(Status::active(format!(
            "prefix databases on {}: {:?}",
            event.relation, event.prefix_databases
        )));
        Ok(())
    }

    #[on(database::endpoints_changed)]
    fn moved(&mut self, ctx: &mut Context<Self>, event: &EndpointsChanged) -> Result<()> {
        ctx.set_status(Status::active(format!("endpoints {}", event.endpoints)));
        Ok(())
    }

    #[on(database::credentials_changed)]
    fn rotated(&mut self, ctx: &mut Context<Self>, event: &CredentialsChanged) -> Result<()> {
        let db = self.database.connection(ctx)?.expect("a relation");
        ctx.set_status(Status::active(format!(
            "{} changed on {}: {}",
            event.group,
            event.relation,
            db.password().unwrap_or_default()
        )));
        Ok(())
    }
}

/// A provider charm answering with the fixtures' credentials.
#[derive(Charm, Default)]
#[charm(name = "server", summary = "A postgresql_client provider")]
pub struct Server {
    #[provides(database)]
    database: DatabaseProvides,
}

#[handlers]
impl Server {
    #[on(database::database_requested)]
    fn serve(&mut self, ctx: &mut Context<Self>, event: &DatabaseRequested) -> Result<()> {
        let response = Response {
            database: Some(event.database.clone()),
            username: Some(format!("relation_id_{}", event.relation)),
            password: Some("Pw0rdPw0rdPw0rdPw0rdPw0r".into()),
            // Scenario's default address, as ops.testing's.
            endpoints: Some("192.0.2.0:5432".into()),
            version: Some("16.0".into()),
            ..Response::default()
        };
        self.database
            .answer(ctx, event.relation, event.request_id.as_deref(), &response)
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn bag(v: &Value) -> Bag {
    serde_json::from_value(v.clone()).unwrap()
}

/// The fixture's bag with its secret id replaced by `id` (ids are the model's).
fn with_secret_id(f: &Value, field: &str, id: &str) -> Bag {
    let python_id = f["secrets-after"][0]["id"].as_str().unwrap();
    bag(&f[field])
        .into_iter()
        .map(|(k, v)| (k, v.replace(python_id, id)))
        .collect()
}

fn serve(fixture_name: &str) {
    let f = fixture(fixture_name);
    let rel = Relation::new("database")
        .id(7)
        .remote_app_name("blog")
        .remote_app_data(bag(&f["remote-app-bag"]));
    let state = State::new().leader(true).relation(rel.clone());
    let out = scenario::Context::<Server>::new()
        .run(Event::relation_changed(&rel), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseProvides::requested", "Server::serve"]
    );
    let expected = &f["secrets-after"][0];
    let secret = out
        .state
        .get_secret_by_label(expected["label"].as_str().unwrap())
        .expect("the secret, with the library's label");
    assert_eq!(
        serde_json::to_value(
            secret
                .latest_content()
                .unwrap()
                .iter()
                .collect::<std::collections::BTreeMap<_, _>>()
        )
        .unwrap(),
        expected["content"]
    );
    assert!(secret.grants[&rel.id].contains("blog"));
    assert_eq!(
        out.relation(rel.id).local_app_data,
        with_secret_id(&f, "app-bag-after", secret.id.as_str())
    );
}

#[test]
fn the_provider_answers_a_v0_requirer_as_the_v0_library_does() {
    serve("v0-provider-database-requested");
}

#[test]
fn the_provider_answers_a_v1_requirer_as_the_v1_library_does() {
    serve("v1-provider-resource-requested");
}

/// The fixture's requirer-side relation, its secret given a model id (ops.testing's ids
/// are not xids Juju would issue), and the secret.
fn python_answer(f: &Value) -> (Relation, Secret) {
    let python = &f["secrets-after"][0];
    let content = python["content"]
        .as_object()
        .unwrap()
        .iter()
        .fold(SecretContent::new(), |c, (k, v)| {
            c.with(k, v.as_str().unwrap())
        });
    let secret = Secret::new(content);
    let rel = Relation::new("database")
        .id(7)
        .remote_app_name("pg")
        .remote_app_data(with_secret_id(f, "remote-app-bag", secret.id.as_str()))
        .local_unit_data(with_secret_id(f, "unit-bag-before", secret.id.as_str()));
    (rel, secret)
}

/// The requirer, after reading `seen`: the same answer again emits nothing; a new
/// revision of `seen` (`secret-changed` with this unit's label for it) reaches the
/// charm's `rotated` handler through the component's.
fn quiet_then_rotated(
    ctx: &scenario::Context<Client>,
    rel: &Relation,
    state: State,
    seen: Secret,
    content: SecretContent,
) -> scenario::Output {
    let again = ctx
        .run(Event::relation_changed(rel), state.clone())
        .unwrap();
    again.assert_ok();
    assert_eq!(again.handlers, ["DatabaseRequires::answered"]);
    let rotated = seen.new_revision(content);
    let mut state = state;
    state.secrets = vec![rotated.clone()];
    let out = ctx.run(Event::secret_changed(&rotated), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::rotated", "Client::rotated"]
    );
    out
}

/// The requirer reading a v0 Python provider's answer, then a rotation of its secret.
#[test]
fn the_requirer_reads_a_python_providers_answer_and_follows_rotations() {
    let f = fixture("v0-requirer-database-created");
    let (rel, secret) = python_answer(&f);
    let ctx = scenario::Context::<Client>::new();
    let state = State::new().relation(rel.clone()).secret(secret.clone());
    let out = ctx.run(Event::relation_changed(&rel), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Client::created"]
    );
    assert_eq!(
        out.state.unit_status,
        Status::active(
            r#"created 7 Some("blog") Some("192.0.2.0:5432") Some("16.0") relation_id_7:Pw0rdPw0rdPw0rdPw0rdPw0r"#
        )
    );
    // What the library keeps for its next comparison, byte for byte.
    assert_eq!(
        out.relation(rel.id).local_unit_data,
        with_secret_id(&f, "unit-bag-after", secret.id.as_str())
    );
    let seen = out.state.get_secret(&secret.id).unwrap().clone();
    assert_eq!(
        seen.label.as_deref(),
        f["secrets-after"][0]["label"].as_str()
    );

    let out = quiet_then_rotated(
        &ctx,
        &rel,
        out.state,
        seen,
        SecretContent::new()
            .with("username", "relation_id_7")
            .with("password", "second"),
    );
    assert_eq!(
        out.state.unit_status,
        Status::active("user changed on 7: second")
    );
}

#[test]
fn the_requirer_emits_endpoints_changed() {
    let f = fixture("v0-requirer-endpoints-changed");
    let (rel, secret) = python_answer(&f);
    let state = State::new().relation(rel.clone()).secret(secret.clone());
    let out = scenario::Context::<Client>::new()
        .run(Event::relation_changed(&rel), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Client::moved"]
    );
    let endpoints = bag(&f["remote-app-bag"])["endpoints"].clone();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!("endpoints {endpoints}"))
    );
    assert_eq!(
        out.relation(rel.id).local_unit_data,
        with_secret_id(&f, "unit-bag-after", secret.id.as_str())
    );
}

#[test]
fn the_requirer_asks_for_its_database_as_the_library_does() {
    let f = fixture("v0-requirer-relation-created");
    let rel = Relation::new("database").id(7).remote_app_name("pg");
    let out = scenario::Context::<Client>::new()
        .run(
            Event::relation_created(&rel),
            State::new().leader(true).relation(rel.clone()),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.relation(rel.id).local_app_data,
        bag(&f["app-bag-after"])
    );
    assert_eq!(
        out.relation(rel.id).local_unit_data,
        bag(&f["unit-bag-after"])
    );
}

/// What a provider publishes for an entity request (`entity-type` in the request it saw),
/// the entity's credentials in the `entity` secret.
fn entity_answer(entity_type: Option<&str>) -> (Relation, Secret) {
    let secret = Secret::new(
        SecretContent::new()
            .with("entity-name", "blog_role")
            .with("entity-password", "Entity0Pw"),
    );
    let seen = match entity_type {
        Some(t) => format!(r#"{{"database": "blog", "entity-type": "{t}"}}"#),
        None => r#"{"database": "blog"}"#.to_string(),
    };
    let rel = Relation::new("database")
        .id(7)
        .remote_app_name("pg")
        .remote_app_data(scenario::bag([
            ("data", seen.as_str()),
            ("database", "blog"),
            ("endpoints", "192.0.2.0:5432"),
            ("secret-entity", secret.id.as_str()),
        ]));
    (rel, secret)
}

#[test]
fn the_requirer_emits_database_entity_created_with_the_entity_name() {
    let (rel, secret) = entity_answer(Some("USER"));
    let ctx = scenario::Context::<Client>::new();
    let state = State::new().relation(rel.clone()).secret(secret.clone());
    let out = ctx.run(Event::relation_changed(&rel), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Client::entity"]
    );
    assert_eq!(
        out.state.unit_status,
        Status::active(
            r#"entity 7 Some("blog_role") Some("blog") Some("192.0.2.0:5432") Entity0Pw"#
        )
    );
    // Labelled as the library labels it, so a new password maps back to the relation.
    let seen = out.state.get_secret(&secret.id).unwrap().clone();
    assert_eq!(seen.label.as_deref(), Some("database.7.entity.secret"));
    let out = quiet_then_rotated(
        &ctx,
        &rel,
        out.state,
        seen,
        SecretContent::new()
            .with("entity-name", "blog_role")
            .with("entity-password", "second"),
    );
    assert_eq!(
        out.state.get_secret(&secret.id).unwrap().tracked_revision,
        2
    );
}

#[test]
fn an_entity_secret_without_an_entity_request_is_no_entity() {
    // The request the provider saw named no entity type: the entity's secret is not the
    // answer the charm waits for, and the endpoints are what is new.
    let (rel, secret) = entity_answer(None);
    let state = State::new().relation(rel.clone()).secret(secret);
    let out = scenario::Context::<Client>::new()
        .run(Event::relation_changed(&rel), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Client::moved"]
    );
}

#[test]
fn the_requirer_emits_prefix_databases_changed_with_the_list() {
    let f = fixture("v0-requirer-database-created");
    let (rel, secret) = python_answer(&f);
    let ctx = scenario::Context::<Client>::new();
    let state = State::new().relation(rel.clone()).secret(secret.clone());
    let created = ctx.run(Event::relation_changed(&rel), state).unwrap();
    assert_eq!(
        created.handlers,
        ["DatabaseRequires::answered", "Client::created"]
    );

    let with_prefix = |state: &State, list: &str| {
        let mut state = state.clone();
        let remote = &mut state.get_relation_mut(rel.id).unwrap().remote_app_data;
        remote.insert("prefix-databases".into(), list.into());
        let out = ctx.run(Event::relation_changed(&rel), state).unwrap();
        out.assert_ok();
        out
    };
    let out = with_prefix(&created.state, "blog_1,blog_2");
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Client::prefixed"]
    );
    assert_eq!(
        out.state.unit_status,
        Status::active(r#"prefix databases on 7: ["blog_1", "blog_2"]"#)
    );
    // The same list again: no event.
    let again = with_prefix(&out.state, "blog_1,blog_2");
    assert_eq!(again.handlers, ["DatabaseRequires::answered"]);
    // Emptied: the event, with no database.
    let emptied = with_prefix(&out.state, "");
    assert_eq!(
        emptied.handlers,
        ["DatabaseRequires::answered", "Client::prefixed"]
    );
    assert_eq!(
        emptied.state.unit_status,
        Status::active("prefix databases on 7: []")
    );
}
