//! Data from other charms is untrusted: `DataBag::get_line` takes one-line values only, and
//! `DataBag::get_secret` takes a secret id only in a form Juju issues and only on the
//! relation that first brought it.
#![cfg(feature = "testing")]

use charm_runtime::relation::SECRET_RELATIONS_KEY;
use charm_runtime::testing::{self as scenario, bag, Bag, Event, Relation, Secret, State};
use charm_runtime::{SecretContent, Status};

mod consumer {
    //! Reads `credentials` from the `db` provider's application bag and `user` and `host`
    //! from each `smtp` unit's bag, and reports what it got in its status, one `;`-separated
    //! item per read. Charm state `order = smtp-first` reverses the order of the reads.
    use charm_runtime::prelude::*;
    use charm_runtime::DataBag;

    #[derive(Charm, Default)]
    #[charm(
        name = "consumer",
        summary = "Consumer",
        description = "Reads what its providers publish."
    )]
    #[requires(db(interface = "postgresql", limit = 1))]
    #[requires(smtp(interface = "smtp"))]
    pub struct Consumer;

    fn secret(bag: &DataBag<'_, charm_runtime::ReadOnly>, key: &str) -> Result<String> {
        Ok(match bag.get_secret(key) {
            Ok(Some(secret)) => format!("ok {}", secret.content()?.require("password")?),
            Ok(None) => "none".into(),
            Err(Error::BadRemoteValue(bad)) => bad.reason(),
            Err(e) => return Err(e),
        })
    }

    #[handlers]
    impl Consumer {
        #[on(config_changed, db_relation_changed, smtp_relation_changed)]
        fn read(&mut self, ctx: &mut Context<Self>) -> Result<()> {
            let read_db = || -> Result<Vec<String>> {
                let Some(relation) = ctx.relation(Self::DB)? else {
                    return Ok(Vec::new());
                };
                let credentials = secret(&relation.remote_app_data()?, "credentials")?;
                Ok(vec![format!("{} {credentials}", relation.key())])
            };
            let read_smtp = || -> Result<Vec<String>> {
                let mut seen = Vec::new();
                for relation in ctx.relations(Self::SMTP)? {
                    for unit in relation.units()? {
                        let bag = relation.remote_unit_data(&unit);
                        let host = match bag.get_line("host") {
                            Ok(host) => host.unwrap_or_default(),
                            Err(Error::BadRemoteValue(bad)) => bad.reason(),
                            Err(e) => return Err(e),
                        };
                        seen.push(format!("{unit} {} host {host}", secret(&bag, "user")?));
                    }
                }
                Ok(seen)
            };
            let seen = if ctx.state_get("order")?.as_deref() == Some("smtp-first") {
                let smtp = read_smtp()?;
                [smtp, read_db()?].concat()
            } else {
                let db = read_db()?;
                [db, read_smtp()?].concat()
            };
            ctx.set_status(Status::active(seen.join("; ")));
            Ok(())
        }
    }
}

use consumer::Consumer;

fn ctx() -> scenario::Context<Consumer> {
    scenario::Context::new()
}

fn password(p: &str) -> SecretContent {
    SecretContent::new().with("password", p)
}

/// The database's credentials, granted to this application.
fn db_secret() -> Secret {
    Secret::new(password("db-pw"))
}

fn db(secret: &Secret) -> Relation {
    Relation::new("db")
        .remote_app_name("database")
        .remote_app_data(bag([("credentials", secret.id.as_str())]))
}

/// An smtp relation whose unit 0 publishes `user` (and a host).
fn smtp(user: &str) -> Relation {
    Relation::new("smtp")
        .remote_app_name("mail")
        .remote_unit(0, bag([("user", user), ("host", "mail-0.example")]))
}

#[test]
fn a_secret_id_from_another_relation_is_refused() {
    let secret = db_secret();
    let db = db(&secret);
    // The SMTP provider names the database's credentials.
    let smtp = smtp(secret.id.as_str());
    let state = State::new()
        .relation(db.clone())
        .relation(smtp.clone())
        .secret(secret.clone());
    let out = ctx().run(Event::config_changed(), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!(
            "db:{} ok db-pw; mail/0 secret was not issued for this relation host mail-0.example",
            db.id
        ))
    );
    // The tie is kept in the unit's charm state, committed with the hook.
    let ties: serde_json::Value =
        serde_json::from_str(&out.state.charm_state[SECRET_RELATIONS_KEY]).unwrap();
    assert_eq!(
        ties,
        serde_json::json!({ secret.id.xid(): format!("db:{}", db.id) })
    );

    // A later hook reading the smtp relation alone still refuses it.
    let out = ctx()
        .run(Event::relation_changed_unit(&smtp, 0), out.state)
        .unwrap();
    out.assert_ok();
    assert!(
        out.state
            .unit_status
            .message()
            .contains("mail/0 secret was not issued for this relation"),
        "{}",
        out.state.unit_status
    );
    // Nothing new to record: no state-set.
    assert!(
        !out.calls.iter().any(|c| c.starts_with("state-set")),
        "{:?}",
        out.calls
    );
}

#[test]
fn each_relation_keeps_its_own_secrets() {
    let (a, b) = (db_secret(), Secret::new(password("smtp-pw")));
    let state = State::new()
        .relation(db(&a))
        .relation(smtp(b.id.as_str()))
        .secret(a)
        .secret(b);
    let out = ctx().run(Event::config_changed(), state).unwrap();
    out.assert_ok();
    assert!(
        out.state
            .unit_status
            .message()
            .ends_with("ok db-pw; mail/0 ok smtp-pw host mail-0.example"),
        "{}",
        out.state.unit_status
    );
    let out = ctx().run(Event::config_changed(), out.state).unwrap();
    assert!(out
        .state
        .unit_status
        .message()
        .contains("mail/0 ok smtp-pw"));
}

#[test]
fn the_first_relation_an_id_arrives_on_keeps_it() {
    // Trust on first use: read over smtp first, the id belongs to smtp, and the database's
    // relation is refused. (webapp reads `db` first, in every hook.)
    let secret = db_secret();
    let db = db(&secret);
    let smtp = smtp(secret.id.as_str());
    let state = State::new()
        .relation(db.clone())
        .relation(smtp.clone())
        .secret(secret)
        .charm_state("order", "smtp-first");
    let out = ctx().run(Event::config_changed(), state).unwrap();
    assert_eq!(
        out.state.unit_status,
        Status::active(format!(
            "mail/0 ok db-pw host mail-0.example; db:{} secret was not issued for this relation",
            db.id
        ))
    );
}

#[test]
fn a_tie_to_a_relation_that_is_gone_is_dropped() {
    // The id was tied to relation db:99, removed since (its grants went with it).
    let secret = db_secret();
    let smtp = smtp(secret.id.as_str());
    let ties = serde_json::json!({ secret.id.xid(): "db:99", "cjhg2ok5jrbc769e4mkg": "smtp:98" });
    let state = State::new()
        .relation(smtp.clone())
        .secret(secret.clone())
        .charm_state(SECRET_RELATIONS_KEY, ties.to_string());
    let out = ctx()
        .run(Event::relation_changed_unit(&smtp, 0), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("mail/0 ok db-pw host mail-0.example")
    );
    let ties: serde_json::Value =
        serde_json::from_str(&out.state.charm_state[SECRET_RELATIONS_KEY]).unwrap();
    assert_eq!(
        ties,
        serde_json::json!({ secret.id.xid(): format!("smtp:{}", smtp.id) })
    );
}

#[test]
fn values_that_are_not_ids_or_not_one_line_are_refused_and_the_hook_succeeds() {
    let long = "h".repeat(5000);
    let cases = [
        (
            bag([("user", "secret:abc"), ("host", "h")]),
            "`user` is not a secret id host h",
        ),
        (
            bag([
                ("user", "secret://junk/cjhg2ok5jrbc769e4mkg"),
                ("host", "h"),
            ]),
            "`user` is not a secret id host h",
        ),
        (
            bag([("host", "h\nsmtp_host=evil.example")]),
            "none host `host` is not one line (it has a line break or a NUL)",
        ),
        (
            bag([("host", long.as_str())]),
            "none host `host` is too long (5000 bytes, at most 4096)",
        ),
    ];
    for (data, expected) in cases {
        let smtp = Relation::new("smtp")
            .remote_app_name("mail")
            .remote_unit(0, data);
        let state = State::new().relation(smtp.clone());
        let out = ctx()
            .run(Event::relation_changed_unit(&smtp, 0), state)
            .unwrap();
        out.assert_ok();
        assert_eq!(
            out.state.unit_status,
            Status::active(format!("mail/0 {expected}"))
        );
        assert!(!out.state.charm_state.contains_key(SECRET_RELATIONS_KEY));
    }
    // Nothing published: nothing read, nothing recorded.
    let smtp = Relation::new("smtp")
        .remote_app_name("mail")
        .remote_unit(0, Bag::new());
    let out = ctx()
        .run(
            Event::relation_changed_unit(&smtp, 0),
            State::new().relation(smtp.clone()),
        )
        .unwrap();
    assert_eq!(out.state.unit_status, Status::active("mail/0 none host "));
}
