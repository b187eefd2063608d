//! The three example charms together: each charm's output state feeds the next one's
//! input, as Juju would carry it across the relation.
//!
//! - `database` provides `db` to `webapp`: its own application bag becomes webapp's
//!   remote application bag, and the secret it granted becomes readable by webapp.
//! - `mailserver` provides `smtp` to `webapp`: its unit bag becomes a remote unit bag, and
//!   each unit-scoped grant makes a secret readable by that webapp unit only.

use std::fs;

use charm_runtime::testing::{
    self as scenario, Bag, Event, PeerRelation, Relation, Secret, SecretOwner, State,
};
use charm_runtime::{RelationId, SecretId, Status};
use database::Database;
use mailserver::Mailserver;
use tempfile::TempDir;
use webapp::Webapp;

const DB: u32 = 10;
const SMTP: u32 = 11;
const DB_PEERS: u32 = 12;
const WEBAPP_PEERS: u32 = 13;

/// What `consumer` (a unit name) sees of a secret its owner granted over `relation`: the
/// same id and content, readable if the grant names the unit or its application.
fn consumer_view(owned: &Secret, relation: u32, consumer: &str) -> Secret {
    let app = consumer.split('/').next().unwrap_or(consumer);
    let granted = owned
        .grants
        .get(&RelationId::new(relation))
        .is_some_and(|to| to.contains(consumer) || to.contains(app));
    Secret {
        owner: SecretOwner::Remote,
        label: None,
        grants: Default::default(),
        granted,
        tracked_revision: owned.latest_revision(),
        ..owned.clone()
    }
}

/// Every secret `owner_state` owns, as `consumer` sees them over `relation`.
fn consumer_views(owner_state: &State, relation: u32, consumer: &str) -> Vec<Secret> {
    owner_state
        .secrets
        .iter()
        .filter(|s| s.grants.contains_key(&RelationId::new(relation)))
        .map(|s| consumer_view(s, relation, consumer))
        .collect()
}

fn bag_of(state: &State, relation: u32, pick: fn(&Relation) -> &Bag) -> Bag {
    pick(state.get_relation(RelationId::new(relation)).unwrap()).clone()
}

/// The provider side: `database/0` (leader) created a database for `webapp`, and
/// `mailserver/0` created SMTP users for `webapp/0` and `webapp/1`.
struct Providers {
    database: State,
    mailserver: State,
}

fn providers() -> Providers {
    let db_ctx = scenario::Context::<Database>::new();
    let db = Relation::new("db")
        .id(DB)
        .remote_app_name("webapp")
        .remote_unit(0, Bag::new())
        .remote_unit(1, Bag::new());
    let peers = PeerRelation::new("replicas").id(DB_PEERS);
    let state = State::new()
        .leader(true)
        .relation(db.clone())
        .relation(peers);
    let out = db_ctx.run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 1 databases")
    );
    let database = out.state;

    let mail_ctx = scenario::Context::<Mailserver>::new();
    let smtp = Relation::new("smtp")
        .id(SMTP)
        .remote_app_name("webapp")
        .remote_unit(0, Bag::new())
        .remote_unit(1, Bag::new());
    let mut mailserver = State::new().relation(smtp.clone());
    for unit in [0, 1] {
        let out = mail_ctx
            .run(Event::relation_joined(&smtp, unit), mailserver)
            .unwrap();
        out.assert_ok();
        mailserver = out.state;
    }
    assert_eq!(mailserver.unit_status, Status::active("2 smtp users"));
    Providers {
        database,
        mailserver,
    }
}

/// `webapp/<unit>`'s view of the model the providers made.
fn webapp_state(p: &Providers, unit: u32, leader: bool, peers: Relation) -> State {
    let me = format!("webapp/{unit}");
    let db = Relation::new("db")
        .id(DB)
        .remote_app_name("database")
        .remote_unit(0, Bag::new())
        .remote_app_data(bag_of(&p.database, DB, |r| &r.local_app_data));
    let smtp = Relation::new("smtp")
        .id(SMTP)
        .remote_app_name("mailserver")
        .remote_unit(0, bag_of(&p.mailserver, SMTP, |r| &r.local_unit_data));
    let mut state = State::new()
        .leader(leader)
        .unit_id(unit)
        .relation(db)
        .relation(smtp)
        .relation(peers);
    state.secrets.extend(consumer_views(&p.database, DB, &me));
    state
        .secrets
        .extend(consumer_views(&p.mailserver, SMTP, &me));
    state
}

fn content(state: &State, label: &str, key: &str) -> String {
    state
        .get_secret_by_label(label)
        .and_then(|s| s.latest_content())
        .and_then(|c| c.get(key))
        .unwrap_or_else(|| panic!("secret {label} has no {key}"))
        .to_string()
}

#[test]
fn database_mailserver_and_webapp_work_together() {
    let p = providers();
    let db_password = content(&p.database, &format!("db-{DB}"), "password");
    let charm_dirs = [TempDir::new().unwrap(), TempDir::new().unwrap()];
    let ctx = |unit: usize| scenario::Context::<Webapp>::new().charm_dir(charm_dirs[unit].path());
    let config = |unit: usize| fs::read_to_string(charm_dirs[unit].path().join("webapp.conf"));

    // webapp/1 (not the leader) sees the database's data and its own SMTP user.
    let peers_of_1 = PeerRelation::new("replicas")
        .id(WEBAPP_PEERS)
        .peer_unit(0, Bag::new());
    let state = webapp_state(&p, 1, false, peers_of_1);
    // The SMTP secret of webapp/0 was granted to webapp/0 only.
    let others =
        SecretId::parse(&bag_of(&p.mailserver, SMTP, |r| &r.local_unit_data)["user-webapp-0"])
            .unwrap();
    assert!(!state.get_secret(&others).unwrap().granted);
    let db_rel = state.get_relation(RelationId::new(DB)).unwrap().clone();
    let out = ctx(1)
        .run(Event::relation_changed(&db_rel), &state)
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert_eq!(
        config(1).unwrap(),
        format!(
            "database=webapp\nusername=webapp_user\npassword={db_password}\n\
             smtp_host=mailserver-0.mail\nsmtp_username=webapp-1\nsmtp_password={}\n",
            content(&p.mailserver, "smtp-webapp-1", "password")
        )
    );
    let ready_1 = bag_of(&out.state, WEBAPP_PEERS, |r| &r.local_unit_data);
    assert_eq!(ready_1["ready"], "true");

    // webapp/0, the leader, hears from webapp/1 over the peer relation.
    let peers_of_0 = PeerRelation::new("replicas")
        .id(WEBAPP_PEERS)
        .peer_unit(1, ready_1);
    let state = webapp_state(&p, 0, true, peers_of_0.clone());
    let out = ctx(0)
        .run(Event::relation_changed_unit(&peers_of_0, 1), &state)
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("ready"));
    assert_eq!(out.state.app_status, Status::active("2 of 2 units ready"));
    assert_eq!(
        config(0).unwrap(),
        format!(
            "database=webapp\nusername=webapp_user\npassword={db_password}\n\
             smtp_host=mailserver-0.mail\nsmtp_username=webapp-0\nsmtp_password={}\n",
            content(&p.mailserver, "smtp-webapp-0", "password")
        )
    );
    let webapp_0 = out.state;

    // webapp/1 leaves: the mailserver drops its user, and webapp/0 keeps its own.
    let mail_ctx = scenario::Context::<Mailserver>::new();
    let smtp = p
        .mailserver
        .get_relation(RelationId::new(SMTP))
        .unwrap()
        .clone();
    let out = mail_ctx
        .run(Event::relation_departed(&smtp, 1), &p.mailserver)
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("1 smtp users"));
    assert!(out.state.get_secret_by_label("smtp-webapp-1").is_none());
    let mailserver = out.state;
    let mut state = webapp_0.clone();
    let smtp_rel = state.get_relation_mut(RelationId::new(SMTP)).unwrap();
    smtp_rel
        .remote_units_data
        .insert(0, bag_of(&mailserver, SMTP, |r| &r.local_unit_data));
    let smtp_rel = smtp_rel.clone();
    let out = ctx(0)
        .run(Event::relation_changed_unit(&smtp_rel, 0), &state)
        .unwrap();
    out.assert_ok();
    assert!(config(0).unwrap().contains("smtp_username=webapp-0\n"));

    // The db relation is removed: the database drops the database and its secret, and
    // webapp removes its config and is blocked.
    let db_ctx = scenario::Context::<Database>::new();
    let db = p
        .database
        .get_relation(RelationId::new(DB))
        .unwrap()
        .clone();
    let mut gone = p.database.clone();
    gone.get_relation_mut(db.id)
        .unwrap()
        .remote_units_data
        .clear();
    let out = db_ctx.run(Event::relation_broken(&db), gone).unwrap();
    out.assert_ok();
    assert!(out.state.secrets.is_empty());
    assert_eq!(
        out.state.unit_status,
        Status::active("primary, 0 databases")
    );
    assert_eq!(
        bag_of(&out.state, DB_PEERS, |r| &r.local_app_data)["databases"],
        "[]"
    );

    let mut state = webapp_0;
    state
        .get_relation_mut(RelationId::new(DB))
        .unwrap()
        .remote_units_data
        .clear();
    // The database's secret is gone for webapp too.
    let db_secret = &p
        .database
        .get_secret_by_label(&format!("db-{DB}"))
        .unwrap()
        .id;
    state.secrets.retain(|s| &s.id != db_secret);
    let out = ctx(0).run(Event::relation_broken(&db_rel), &state).unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::blocked("missing db relation")
    );
    assert!(config(0).is_err(), "the config file is removed");
    assert!(!bag_of(&out.state, WEBAPP_PEERS, |r| &r.local_unit_data).contains_key("ready"));
}

#[test]
fn a_refused_database_leaves_webapp_waiting() {
    // The database is full: it creates nothing, and webapp waits for credentials.
    let db_ctx = scenario::Context::<Database>::new();
    let db = Relation::new("db").id(DB).remote_app_name("webapp");
    let peers = PeerRelation::new("replicas")
        .id(DB_PEERS)
        .local_app_data(charm_runtime::testing::bag([("databases", r#"["other"]"#)]));
    let state = State::new()
        .leader(true)
        .config("max-databases", 1)
        .relation(db.clone())
        .relation(peers);
    let out = db_ctx.run(Event::relation_created(&db), state).unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::blocked("too many databases"));

    let dir = TempDir::new().unwrap();
    let webapp = scenario::Context::<Webapp>::new().charm_dir(dir.path());
    let db_view = Relation::new("db")
        .id(DB)
        .remote_app_name("database")
        .remote_app_data(bag_of(&out.state, DB, |r| &r.local_app_data));
    let state = State::new().leader(true).relation(db_view.clone());
    let out = webapp
        .run(Event::relation_changed(&db_view), state)
        .unwrap();
    out.assert_ok();
    assert_eq!(
        out.state.unit_status,
        Status::waiting("waiting for database credentials")
    );
    assert!(!dir.path().join("webapp.conf").exists());
}
