//! Checks of what the three example charms publish, write and show (as their READMEs say),
//! shared by the tests of the Rust examples and of the Python `ops` reference charms.

use std::collections::BTreeMap;

use cargo_charm::sim::Model;

use crate::{app_status, failures, peer_relation, slug, unit_status};

/// 24 random alphanumerics.
pub fn is_password(p: &str) -> bool {
    p.len() == 24 && p.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The `databases` list of the database application's peer app bag.
pub fn databases(m: &Model) -> Vec<String> {
    let bag = m
        .relation_data(peer_relation(m, "database"), "database")
        .unwrap();
    let raw = bag
        .get("databases")
        .expect("`databases` in the peer app bag");
    serde_json::from_str(raw).unwrap_or_else(|e| panic!("`databases` = {raw:?}: {e}"))
}

/// A unit databag without the keys Juju sets itself (`ingress-address`, ...).
pub fn charm_keys(bag: BTreeMap<String, String>) -> BTreeMap<String, String> {
    bag.into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "egress-subnets" | "ingress-address" | "private-address"
            )
        })
        .collect()
}

/// No hook failed.
pub fn assert_settled_cleanly(m: &Model) {
    let failed = failures(m);
    assert!(failed.is_empty(), "failed hooks: {failed:#?}");
}

/// The webapp unit's config file, as the spec says it must be.
pub fn expected_config(
    m: &Model,
    db_rel: u32,
    unit: &str,
    smtp: Option<(&str, u32, &str)>,
) -> String {
    let bag = m.relation_data(db_rel, "database").unwrap();
    let creds = m.secret(&bag["credentials"]).unwrap().content();
    let mut want = format!(
        "database={}\nusername={}\npassword={}\n",
        bag["database"], creds["username"], creds["password"]
    );
    if let Some((provider, smtp_rel, host)) = smtp {
        let id = &m.relation_data(smtp_rel, provider).unwrap()[&format!("user-{}", slug(unit))];
        let c = m.secret(id).unwrap().content();
        want.push_str(&format!(
            "smtp_host={host}\nsmtp_username={}\nsmtp_password={}\n",
            c["username"], c["password"]
        ));
    }
    want
}

/// What the database leader publishes on a `db` relation with client application `client`,
/// and the credentials secret behind it.
pub fn check_database_offer(m: &Model, rel: u32, client: &str) {
    let dbname = client.replace('-', "_");
    let bag = m.relation_data(rel, "database").unwrap();
    assert_eq!(
        bag.keys().collect::<Vec<_>>(),
        ["credentials", "database", "endpoints"],
        "{bag:?}"
    );
    assert_eq!(bag["database"], dbname);
    assert_eq!(bag["endpoints"], "database-0.database:5432");
    let secret = m.secret(&bag["credentials"]).unwrap();
    assert_eq!(secret.owner, "database", "an application-owned secret");
    assert_eq!(secret.label.as_deref(), Some(format!("db-{rel}").as_str()));
    let content = secret.content();
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["password", "username"],
        "{content:?}"
    );
    assert_eq!(content["username"], format!("{dbname}_user"));
    assert!(is_password(&content["password"]), "{content:?}");
    assert_eq!(secret.grants, [(rel, client.to_string())]);
    // Every client unit read it (the config files below hold its content).
    for u in m.units(client) {
        assert!(
            secret.consumers.contains_key(&u),
            "{u} never read {}: {:?}",
            secret.uri,
            secret.consumers
        );
    }
}

/// What mailserver/0 publishes for each webapp unit, and the unit-scoped secrets.
pub fn check_smtp_users(m: &Model, rel: u32, clients: &[&str]) {
    let bag = charm_keys(m.relation_data(rel, "mailserver/0").unwrap());
    let mut keys: Vec<String> = clients
        .iter()
        .map(|u| format!("user-{}", slug(u)))
        .collect();
    keys.push("host".into());
    keys.sort();
    assert_eq!(bag.keys().cloned().collect::<Vec<_>>(), keys, "{bag:?}");
    assert_eq!(bag["host"], "mailserver-0.mail");
    for client in clients {
        let secret = m.secret(&bag[&format!("user-{}", slug(client))]).unwrap();
        assert_eq!(secret.owner, "mailserver/0", "a unit-owned secret");
        assert_eq!(
            secret.label.as_deref(),
            Some(format!("smtp-{}", slug(client)).as_str())
        );
        let content = secret.content();
        assert_eq!(content["username"], slug(client));
        assert!(is_password(&content["password"]), "{content:?}");
        assert_eq!(content.len(), 2, "{content:?}");
        assert_eq!(
            secret.grants,
            [(rel, client.to_string())],
            "granted to that unit only"
        );
        assert_eq!(
            secret.consumers.keys().collect::<Vec<_>>(),
            [client],
            "read by that unit only"
        );
    }
    let smtp_secrets = m
        .secrets()
        .into_iter()
        .filter(|s| s.owner == "mailserver/0")
        .count();
    assert_eq!(smtp_secrets, clients.len(), "one secret per client unit");
    assert_eq!(
        unit_status(m, "mailserver/0"),
        format!("active: {} smtp users", clients.len())
    );
}

/// Every webapp unit of `app` is ready, with the exact config file, and its leader counts
/// them.
pub fn check_webapp_ready(m: &Model, app: &str, db_rel: u32, smtp_rel: Option<u32>) {
    let units = m.units(app);
    let peers = peer_relation(m, app);
    for u in &units {
        assert_eq!(unit_status(m, u), "active: ready", "{u}");
        let smtp = smtp_rel.map(|r| ("mailserver/0", r, "mailserver-0.mail"));
        let conf = m.read_unit_file(u, "webapp.conf").unwrap();
        assert_eq!(
            conf.as_deref(),
            Some(expected_config(m, db_rel, u, smtp).as_str()),
            "{u}"
        );
        assert_eq!(
            charm_keys(m.relation_data(peers, u).unwrap()),
            BTreeMap::from([("ready".to_string(), "true".to_string())]),
            "{u}"
        );
    }
    let n = units.len();
    assert_eq!(
        app_status(m, app),
        format!("active: {n} of {n} units ready")
    );
}
