//! What the `postgresql_client` tests read: the Python requirers' `db.json`, the
//! credentials a provider published, the `blog.conf` blog must write from them.

use cargo_charm::sim::Model;
use serde_json::Value;

use crate::unit_file;

/// The `db.json` a Python requirer charm (`tests/python-charms/pg-requirer-v*`) wrote:
/// what the provider answered, read through Canonical's library.
pub fn db_json(m: &Model, unit: &str) -> Value {
    serde_json::from_str(&unit_file(m, unit, "db.json")).unwrap()
}

/// `(username, password)` from the `user` secret a provider published, by its label.
pub fn credentials(m: &Model, label: &str) -> (String, String) {
    let content = m
        .secret(label)
        .unwrap_or_else(|e| panic!("no secret {label}: {e}"))
        .content();
    (
        content["username"].to_string(),
        content["password"].to_string(),
    )
}

/// The `blog.conf` a blog unit must hold with the credentials `provider` published on
/// `rel` (a v0 answer: `secret-user` and `endpoints` in its databag), with `tls = on`
/// when `tls`.
pub fn expected_blog_conf(m: &Model, rel: u32, provider: &str, tls: bool) -> String {
    let bag = m.relation_data(rel, provider).unwrap();
    let (username, password) = credentials(m, &format!("database.{rel}.user.secret"));
    let endpoints = bag
        .get("endpoints")
        .unwrap_or_else(|| panic!("{provider} published no endpoints: {bag:?}"));
    let endpoint = endpoints.split(',').next().unwrap();
    let tls = if tls { "on" } else { "off" };
    format!("database-uri = postgresql://{username}:{password}@{endpoint}/blog\ntls = {tls}\n")
}
