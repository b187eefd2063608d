//! Scenario tests of every event blog observes: start, upgrade-charm, the `database`
//! relation created and broken, and the component's `database_created`,
//! `endpoints_changed` and `credentials_changed`; `blog.conf` and the status after each.

use std::fs;
use std::path::Path;

use blog::Blog;
use charm_runtime::testing::{self as scenario, bag, Bag, Event, Output, Relation, Secret, State};
use charm_runtime::{SecretContent, Status};

/// What a v0 provider (the postgresql charm, pg-provider-v0, minipg) publishes, with
/// the id of its `user` secret.
fn answer(secret: &Secret, endpoints: &str) -> Bag {
    bag([
        ("secret-user", secret.id.as_str()),
        ("endpoints", endpoints),
        ("version", "16.0"),
        ("database", "blog"),
    ])
}

fn credentials(password: &str) -> Secret {
    Secret::new(
        SecretContent::new()
            .with("username", "relation_id_3")
            .with("password", password),
    )
}

fn provider() -> Relation {
    Relation::new("database").id(3).remote_app_name("pg")
}

fn run(dir: &Path, event: Event, state: State) -> Output {
    let ctx = scenario::Context::<Blog>::new().charm_dir(dir);
    let out = ctx.run(event, state).unwrap();
    out.assert_ok();
    out
}

fn conf(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join("blog.conf")).ok()
}

const READY: &str =
    "database-uri = postgresql://relation_id_3:first@10.0.0.7:5432/blog\ntls = off\n";

/// The blog after the provider's answer: `blog.conf` written.
fn answered(dir: &Path) -> (Output, Relation, Secret) {
    let secret = credentials("first");
    let rel = provider().remote_app_data(answer(&secret, "10.0.0.7:5432,10.0.0.8:5432"));
    let state = State::new().relation(rel.clone()).secret(secret.clone());
    let out = run(dir, Event::relation_changed(&rel), state);
    (out, rel, secret)
}

#[test]
fn start_without_a_database_relation_blocks_and_removes_blog_conf() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("blog.conf"), "stale").unwrap();
    let out = run(dir.path(), Event::start(), State::new());
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing database relation")
    );
    assert_eq!(conf(dir.path()), None);
}

#[test]
fn relation_created_sends_the_request_and_waits() {
    let dir = tempfile::tempdir().unwrap();
    let rel = provider();
    let out = run(
        dir.path(),
        Event::relation_created(&rel),
        State::new().leader(true).relation(rel.clone()),
    );
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::request_database", "Blog::reconcile"]
    );
    let app = &out.relation(rel.id).local_app_data;
    assert_eq!(app["database"], "blog");
    assert!(app["requested-secrets"].contains(r#""username", "password""#));
    assert!(out
        .relation(rel.id)
        .local_unit_data
        .contains_key("requested-secrets"));
    assert_eq!(
        out.state.unit_status,
        Status::waiting("waiting for database")
    );
    assert_eq!(conf(dir.path()), None);
}

#[test]
fn database_created_writes_blog_conf_with_the_first_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (out, rel, secret) = answered(dir.path());
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Blog::reconcile"]
    );
    assert_eq!(conf(dir.path()).as_deref(), Some(READY));
    assert_eq!(out.state.unit_status, Status::active("ready"));
    // The secret now has this unit's label: its secret-changed will name the relation.
    let seen = out.state.get_secret(&secret.id).unwrap();
    assert_eq!(seen.label.as_deref(), Some("database.3.user.secret"));
    // What the library saw, for its next comparison.
    assert!(out.relation(rel.id).local_unit_data["data"].contains("10.0.0.7:5432"));
}

#[test]
fn endpoints_changed_moves_the_uri() {
    let dir = tempfile::tempdir().unwrap();
    let (out, rel, secret) = answered(dir.path());
    let mut state = out.state.clone();
    state.get_relation_mut(rel.id).unwrap().remote_app_data = answer(&secret, "10.0.0.9:5432");
    let moved = rel
        .clone()
        .remote_app_data(answer(&secret, "10.0.0.9:5432"));
    let out = run(dir.path(), Event::relation_changed(&moved), state);
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::answered", "Blog::reconcile"]
    );
    assert_eq!(
        conf(dir.path()).as_deref(),
        Some("database-uri = postgresql://relation_id_3:first@10.0.0.9:5432/blog\ntls = off\n")
    );
}

#[test]
fn credentials_changed_follows_a_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, secret) = answered(dir.path());
    let seen = out.state.get_secret(&secret.id).unwrap().clone();
    let rotated = seen.new_revision(
        SecretContent::new()
            .with("username", "relation_id_3")
            .with("password", "second"),
    );
    let mut state = out.state.clone();
    state.secrets = vec![rotated.clone()];
    let out = run(dir.path(), Event::secret_changed(&rotated), state);
    assert_eq!(
        out.handlers,
        ["DatabaseRequires::rotated", "Blog::reconcile"]
    );
    assert_eq!(
        conf(dir.path()).as_deref(),
        Some("database-uri = postgresql://relation_id_3:second@10.0.0.7:5432/blog\ntls = off\n")
    );
    assert_eq!(
        out.state.get_secret(&secret.id).unwrap().tracked_revision,
        2
    );
}

#[test]
fn a_secret_of_something_else_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, _) = answered(dir.path());
    let other = Secret::new(SecretContent::new().with("token", "x")).label("ca");
    let state = out.state.clone().secret(other.clone());
    let out = run(dir.path(), Event::secret_changed(&other), state);
    assert_eq!(out.handlers, ["DatabaseRequires::rotated"]);
    assert_eq!(conf(dir.path()).as_deref(), Some(READY));
}

#[test]
fn relation_broken_removes_blog_conf_and_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (out, rel, _) = answered(dir.path());
    let out = run(dir.path(), Event::relation_broken(&rel), out.state.clone());
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing database relation")
    );
    assert_eq!(conf(dir.path()), None);
}

#[test]
fn upgrade_charm_rewrites_blog_conf_from_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, _) = answered(dir.path());
    fs::remove_file(dir.path().join("blog.conf")).unwrap();
    let out = run(dir.path(), Event::upgrade_charm(), out.state.clone());
    assert_eq!(conf(dir.path()).as_deref(), Some(READY));
    assert_eq!(out.state.unit_status, Status::active("ready"));
}

#[test]
fn an_endpoint_that_is_not_host_port_blocks_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let secret = credentials("first");
    let rel = provider().remote_app_data(answer(&secret, "h:1\ntls = on"));
    let state = State::new().relation(rel.clone()).secret(secret);
    let out = run(dir.path(), Event::relation_changed(&rel), state);
    assert_eq!(
        out.state.unit_status,
        Status::blocked("database endpoints are not host:port")
    );
    assert_eq!(conf(dir.path()), None);
}

/// Rust to Rust in memory: minipg's answer, as blog's unit sees it.
#[test]
fn minipgs_answer_gets_blog_ready() {
    use charm_runtime::network::Network;
    let request = Relation::new("database")
        .remote_app_name("blog")
        .remote_app_data(bag([
            ("database", "blog"),
            ("requested-secrets", r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#),
        ]));
    let served = scenario::Context::<minipg::Minipg>::new()
        .run(
            Event::relation_changed(&request),
            State::new()
                .leader(true)
                .relation(request.clone())
                .network("database", Network::single("10.0.0.7")),
        )
        .unwrap();
    served.assert_ok();
    let label = format!("database.{}.user.secret", request.id);
    let secret = served.state.get_secret_by_label(&label).unwrap();
    let password = secret
        .latest_content()
        .unwrap()
        .get("password")
        .unwrap()
        .to_string();

    let dir = tempfile::tempdir().unwrap();
    let rel = Relation::new("database")
        .id(request.id.number())
        .remote_app_name("minipg")
        .remote_app_data(served.relation(request.id).local_app_data.clone());
    let state = State::new()
        .relation(rel.clone())
        .secret(secret.consumer_view(request.id, "blog/0"));
    let out = run(dir.path(), Event::relation_changed(&rel), state);
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert_eq!(
        conf(dir.path()).unwrap(),
        format!(
            "database-uri = postgresql://relation_id_{}:{password}@10.0.0.7:5432/blog\ntls = off\n",
            request.id
        )
    );
}
