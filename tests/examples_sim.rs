//! The three example charms (debug builds) together in the simulator, the whole story their
//! READMEs tell: deploy, integrate, settle; every status, databag, secret and
//! config file line the READMEs name; then removing a unit, removing a relation, adding a
//! unit back, and `max-databases`.

use std::collections::BTreeMap;

use cargo_charm::sim::Model;
use charm_tests::spec::{
    charm_keys, check_database_offer, check_smtp_users, check_webapp_ready, databases,
};
use charm_tests::{
    app_status, deploy, examples, model, peer_relation, settle_cleanly, slug, unit_status,
};

#[test]
fn the_example_charms_tell_the_whole_story_of_the_spec() {
    let charms = examples();
    let mut m = model("story");
    deploy(&mut m, "database", charms.dir("database"), 2);
    deploy(&mut m, "mailserver", charms.dir("mailserver"), 1);
    deploy(&mut m, "webapp", charms.dir("webapp"), 3);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let smtp = m.integrate("webapp:smtp", "mailserver:smtp").unwrap();
    settle_cleanly(&mut m);

    // database: primary and replica, the peer bags, the offer on `db`.
    assert_eq!(m.leader("database").as_deref(), Some("database/0"));
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert_eq!(unit_status(&m, "database/1"), "active: replica");
    let peers = peer_relation(&m, "database");
    let app_bag = m.relation_data(peers, "database").unwrap();
    assert_eq!(app_bag["primary"], "database/0");
    assert_eq!(databases(&m), ["webapp"]);
    assert_eq!(app_bag.len(), 2, "{app_bag:?}");
    for u in ["database/0", "database/1"] {
        assert_eq!(
            charm_keys(m.relation_data(peers, u).unwrap()),
            BTreeMap::from([("host".to_string(), format!("{}.database", slug(u)))]),
        );
    }
    check_database_offer(&m, db, "webapp");

    // mailserver: one user per webapp unit.
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1", "webapp/2"]);

    // webapp: every unit configured, the leader counts them.
    assert_eq!(m.leader("webapp").as_deref(), Some("webapp/0"));
    check_webapp_ready(&m, "webapp", db, Some(smtp));
    // What the webapp units write on `db` and `smtp`: nothing.
    for u in m.units("webapp") {
        assert!(charm_keys(m.relation_data(db, &u).unwrap()).is_empty());
        assert!(charm_keys(m.relation_data(smtp, &u).unwrap()).is_empty());
    }
    assert!(m.relation_data(db, "webapp").unwrap().is_empty());

    // A second client application: its own database and secret, `databases` sorted.
    deploy(&mut m, "a-blog", charms.dir("webapp"), 1);
    let blog_db = m.integrate("a-blog:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog", "webapp"]);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 2 databases"
    );
    check_database_offer(&m, blog_db, "a-blog");
    // No smtp relation: the file has the database lines only.
    check_webapp_ready(&m, "a-blog", blog_db, None);
    assert_eq!(
        m.read_unit_file("a-blog/0", "webapp.conf")
            .unwrap()
            .unwrap()
            .lines()
            .count(),
        3
    );
    // a-blog/0 cannot read webapp's credentials, nor webapp's units a-blog's.
    let webapp_creds = m.secret(&format!("db-{db}")).unwrap();
    assert!(!webapp_creds.consumers.contains_key("a-blog/0"));
    let blog_creds = m.secret(&format!("db-{blog_db}")).unwrap();
    assert_eq!(
        blog_creds.consumers.keys().collect::<Vec<_>>(),
        ["a-blog/0"]
    );

    // Removing a webapp unit: mailserver drops its user and secret; counts follow.
    m.clear_history();
    m.remove_unit("webapp/2").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(m.units("webapp"), ["webapp/0", "webapp/1"]);
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1"]);
    assert!(
        m.secret("smtp-webapp-2").is_err(),
        "secret of webapp/2 removed"
    );
    check_webapp_ready(&m, "webapp", db, Some(smtp));
    assert_eq!(app_status(&m, "webapp"), "active: 2 of 2 units ready");

    // Adding a unit back: a new user, the same database.
    m.clear_history();
    assert_eq!(m.add_unit("webapp").unwrap(), "webapp/3");
    settle_cleanly(&mut m);
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1", "webapp/3"]);
    check_webapp_ready(&m, "webapp", db, Some(smtp));
    check_database_offer(&m, db, "webapp");

    // Removing the db relation: the database is dropped with its secret; webapp is
    // blocked and its config file is gone.
    let creds_uri = m.secret(&format!("db-{db}")).unwrap().uri;
    m.clear_history();
    m.remove_relation(db).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog"]);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );
    assert!(m.secret(&creds_uri).is_err(), "db-{db} secret removed");
    assert!(m.secret(&format!("db-{db}")).is_err());
    assert!(m.secret(&format!("db-{blog_db}")).is_ok(), "a-blog's stays");
    let webapp_peers = peer_relation(&m, "webapp");
    for u in m.units("webapp") {
        assert_eq!(unit_status(&m, &u), "blocked: missing db relation", "{u}");
        assert_eq!(m.read_unit_file(&u, "webapp.conf").unwrap(), None, "{u}");
        assert!(
            charm_keys(m.relation_data(webapp_peers, &u).unwrap()).is_empty(),
            "{u}"
        );
    }
    // mailserver and a-blog are untouched.
    check_smtp_users(&m, smtp, &["webapp/0", "webapp/1", "webapp/3"]);
    check_webapp_ready(&m, "a-blog", blog_db, None);

    // Integrating again: a new database offer and new credentials.
    let db2 = m.integrate("webapp:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_ne!(db2, db);
    assert_eq!(databases(&m), ["a_blog", "webapp"]);
    check_database_offer(&m, db2, "webapp");
    assert_ne!(
        m.relation_data(db2, "database").unwrap()["credentials"],
        creds_uri
    );
    check_webapp_ready(&m, "webapp", db2, Some(smtp));

    // A new `config-path`: the file is written there (relative to the charm dir), and the
    // old one, which holds the password, is removed. And back.
    let files = |m: &Model, name: &str| -> Vec<Option<String>> {
        m.units("webapp")
            .iter()
            .map(|u| m.read_unit_file(u, name).unwrap())
            .collect()
    };
    let before = files(&m, "webapp.conf");
    assert!(before.iter().all(Option::is_some));
    m.set_config("webapp", [("config-path", "app.conf")])
        .unwrap();
    settle_cleanly(&mut m);
    assert_eq!(files(&m, "app.conf"), before);
    assert!(files(&m, "webapp.conf").iter().all(Option::is_none));
    m.set_config("webapp", [("config-path", "webapp.conf")])
        .unwrap();
    settle_cleanly(&mut m);
    assert!(files(&m, "app.conf").iter().all(Option::is_none));
    check_webapp_ready(&m, "webapp", db2, Some(smtp));

    // The leaders go: the new ones take over.
    m.remove_unit("database/0").unwrap();
    m.remove_unit("webapp/0").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(m.leader("database").as_deref(), Some("database/1"));
    assert_eq!(
        unit_status(&m, "database/1"),
        "active: primary, 2 databases"
    );
    let peers = peer_relation(&m, "database");
    assert_eq!(
        m.relation_data(peers, "database").unwrap()["primary"],
        "database/1"
    );
    assert_eq!(databases(&m), ["a_blog", "webapp"]);
    assert_eq!(m.leader("webapp").as_deref(), Some("webapp/1"));
    check_smtp_users(&m, smtp, &["webapp/1", "webapp/3"]);
    check_webapp_ready(&m, "webapp", db2, Some(smtp));
    // The new database leader serves a new client.
    deploy(&mut m, "crm", charms.dir("webapp"), 1);
    let crm = m.integrate("crm:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["a_blog", "crm", "webapp"]);
    assert_eq!(
        m.relation_data(crm, "database").unwrap()["endpoints"],
        "database-1.database:5432"
    );
    check_webapp_ready(&m, "crm", crm, None);
}

#[test]
fn max_databases_refuses_a_client_and_creates_nothing() {
    let charms = examples();
    let mut m = model("max-databases");
    deploy(&mut m, "database", charms.dir("database"), 2);
    deploy(&mut m, "shop", charms.dir("webapp"), 1);
    deploy(&mut m, "blog", charms.dir("webapp"), 1);
    let shop = m.integrate("shop:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["shop"]);

    // Lowering max-databases to what is served already refuses nothing yet.
    m.set_config("database", [("max-databases", 1)]).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 1 databases"
    );

    // The next client is refused: blocked, no database, no secret, nothing published.
    m.clear_history();
    let blog = m.integrate("blog:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    let created = m
        .history()
        .iter()
        .find(|r| r.unit == "database/0" && r.hook == "db-relation-created")
        .expect("database/0 ran db-relation-created");
    let status_sets: Vec<String> = created
        .tool_calls
        .iter()
        .filter(|c| c.argv[0] == "status-set")
        .map(|c| c.argv.join(" "))
        .collect();
    assert!(
        status_sets.len() == 1 && status_sets[0].ends_with(" blocked -- too many databases"),
        "{status_sets:?}"
    );
    assert_eq!(unit_status(&m, "database/0"), "blocked: too many databases");
    assert_eq!(databases(&m), ["shop"]);
    assert!(m.relation_data(blog, "database").unwrap().is_empty());
    assert!(m.secret(&format!("db-{blog}")).is_err());
    assert_eq!(m.secrets().len(), 1, "only shop's credentials");
    assert_eq!(
        unit_status(&m, "blog/0"),
        "waiting: waiting for database credentials"
    );
    // The database keeps serving shop.
    check_database_offer(&m, shop, "shop");
    check_webapp_ready(&m, "shop", shop, None);

    // Removing the refused relation drops nothing (there is no secret to remove).
    m.remove_relation(blog).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["shop"]);
    assert_eq!(unit_status(&m, "blog/0"), "blocked: missing db relation");

    // With room again, the same client gets its database.
    m.set_config("database", [("max-databases", 2)]).unwrap();
    let blog2 = m.integrate("blog:db", "database:db").unwrap();
    settle_cleanly(&mut m);
    assert_eq!(databases(&m), ["blog", "shop"]);
    assert_eq!(
        unit_status(&m, "database/0"),
        "active: primary, 2 databases"
    );
    check_database_offer(&m, blog2, "blog");
    check_webapp_ready(&m, "blog", blog2, None);
}

#[test]
fn webapp_uses_the_first_mailserver_unit_and_moves_on_when_it_goes() {
    let charms = examples();
    let mut m = model("two-mailservers");
    deploy(&mut m, "database", charms.dir("database"), 1);
    deploy(&mut m, "mailserver", charms.dir("mailserver"), 2);
    deploy(&mut m, "webapp", charms.dir("webapp"), 2);
    let db = m.integrate("webapp:db", "database:db").unwrap();
    let smtp = m.integrate("webapp:smtp", "mailserver:smtp").unwrap();
    settle_cleanly(&mut m);
    // Both mailserver units made a user for each webapp unit; webapp takes mailserver/0's.
    for ms in ["mailserver/0", "mailserver/1"] {
        assert_eq!(unit_status(&m, ms), "active: 2 smtp users");
        let bag = charm_keys(m.relation_data(smtp, ms).unwrap());
        assert_eq!(bag["host"], format!("{}.mail", slug(ms)));
    }
    check_webapp_ready(&m, "webapp", db, Some(smtp));

    // mailserver/0 goes: webapp moves to mailserver/1's user.
    m.remove_unit("mailserver/0").unwrap();
    settle_cleanly(&mut m);
    for u in m.units("webapp") {
        let id = &m.relation_data(smtp, "mailserver/1").unwrap()[&format!("user-{}", slug(&u))];
        let creds = m.secret(id).unwrap().content();
        let conf = m.read_unit_file(&u, "webapp.conf").unwrap().unwrap();
        assert!(
            conf.ends_with(&format!(
                "smtp_host=mailserver-1.mail\nsmtp_username={}\nsmtp_password={}\n",
                creds["username"], creds["password"]
            )),
            "{u}: {conf}"
        );
        assert_eq!(unit_status(&m, &u), "active: ready");
    }

    // The smtp relation goes: the smtp lines go, the database lines stay.
    m.remove_relation(smtp).unwrap();
    settle_cleanly(&mut m);
    assert_eq!(unit_status(&m, "mailserver/1"), "active: 0 smtp users");
    check_webapp_ready(&m, "webapp", db, None);
}
