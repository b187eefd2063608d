//! The crate against databags and secrets recorded from Canonical's Python libraries
//! (`tests/fixtures/*.json`, written by `interfaces/generate-fixtures.sh`, which runs the
//! charms of `tests/python-charms` under `ops.testing`): what Rust writes must be what
//! Python wrote, byte for byte, and what Python wrote must read back the same.

use std::collections::BTreeMap;

use charm_postgresql_client::provider::{self, ProviderEvent, Version};
use charm_postgresql_client::requirer::{self, ChangedBags, DatabaseRequest, RequirerEvent};
use charm_postgresql_client::{Bag, BagWrites, RelationRef, Response, SecretGroup};
use serde_json::Value;

const REL: RelationRef<'static> = RelationRef {
    endpoint: "database",
    id: 7,
};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn bag(v: &Value) -> Bag {
    serde_json::from_value(v.clone()).unwrap()
}

/// `bag` after `writes` (None deletes).
fn apply(mut bag: Bag, writes: &BagWrites) -> Bag {
    for (k, v) in writes {
        match v {
            Some(v) => bag.insert(k.clone(), v.clone()),
            None => bag.remove(k),
        };
    }
    bag
}

/// The secret (content by label, else by id) as the fixture's `secrets-after` has it.
fn secrets(f: &Value) -> Vec<(String, String, Bag)> {
    f["secrets-after"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap_or("").to_string(),
                s["id"].as_str().unwrap().to_string(),
                bag(&s["content"]),
            )
        })
        .collect()
}

fn events(f: &Value) -> Vec<String> {
    serde_json::from_value(f["events"].clone()).unwrap()
}

#[test]
fn v0_requirer_writes_the_request_as_the_library_does() {
    let f = fixture("v0-requirer-relation-created");
    let w = DatabaseRequest::new("blog").relation_created(false);
    assert_eq!(apply(Bag::new(), &w.app), bag(&f["app-bag-after"]));
    assert_eq!(apply(Bag::new(), &w.unit), bag(&f["unit-bag-after"]));
}

/// A requirer `relation-changed` fixture: the events, the `data` write, and what the
/// library read (`db.json`) all come out the same.
fn check_requirer_changed(name: &str) {
    let f = fixture(name);
    let remote = bag(&f["remote-app-bag"]);
    let before = bag(&f["unit-bag-before"]);
    let changed = requirer::relation_changed(
        REL,
        ChangedBags {
            remote_app: &remote,
            remote_unit: None,
            local_unit: &before,
        },
    )
    .unwrap();
    let names: Vec<&str> = changed.events.iter().map(RequirerEvent::name).collect();
    assert_eq!(names, events(&f), "{name}: events");
    assert_eq!(
        apply(before.clone(), &changed.unit_writes),
        bag(&f["unit-bag-after"]),
        "{name}: unit bag"
    );

    // The secret is found by id the first time, with the label the library gives it.
    let recorded = secrets(&f);
    let after = apply(before, &changed.unit_writes);
    let info = requirer::connection_info(REL, &remote, &after, |r| {
        recorded
            .iter()
            .find(|(label, id, _)| *label == r.label || r.uri.as_deref() == Some(id.as_str()))
            .map(|(label, _, content)| {
                assert_eq!(*label, r.label, "{name}: secret label");
                content.clone()
            })
    })
    .unwrap();
    let read = bag(&f["read"]);
    for (k, v) in &read {
        assert_eq!(info.get(k), Some(v.as_str()), "{name}: field {k}");
    }
    assert!(info.has_credentials());
}

#[test]
fn v0_requirer_sees_a_v0_provider_create_the_database() {
    let f = fixture("v0-requirer-database-created");
    check_requirer_changed("v0-requirer-database-created");
    let remote = bag(&f["remote-app-bag"]);
    let before = bag(&f["unit-bag-before"]);
    let changed = requirer::relation_changed(
        REL,
        ChangedBags {
            remote_app: &remote,
            remote_unit: None,
            local_unit: &before,
        },
    )
    .unwrap();
    let (label, id, _) = &secrets(&f)[0];
    assert_eq!(changed.secrets_to_label.len(), 1);
    assert_eq!(changed.secrets_to_label[0].label, *label);
    assert_eq!(
        changed.secrets_to_label[0].uri.as_deref(),
        Some(id.as_str())
    );
}

#[test]
fn v0_requirer_sees_endpoints_and_replicas_change() {
    check_requirer_changed("v0-requirer-endpoints-changed");
    check_requirer_changed("v0-requirer-read-only-endpoints-changed");
    check_requirer_changed("v0-requirer-version-changed");
}

#[test]
fn v0_requirer_sees_a_v1_provider_create_the_database() {
    check_requirer_changed("v0-requirer-database-created-by-v1");
}

#[test]
fn provider_answers_a_v0_request_as_the_v0_library_does() {
    let f = fixture("v0-provider-database-requested");
    let remote = bag(&f["remote-app-bag"]);
    assert_eq!(
        remote,
        bag(&fixture("v0-requirer-relation-created")["app-bag-after"])
    );
    let expected = bag(&f["app-bag-after"]);
    let local = Bag::new();

    let changed = provider::relation_changed(&remote, &local).unwrap();
    assert_eq!(changed.events.len(), 1);
    let ProviderEvent::DatabaseRequested(request) = &changed.events[0] else {
        panic!("not a database request: {:?}", changed.events)
    };
    assert_eq!(
        (request.version, request.database.as_str()),
        (Version::V0, "blog")
    );
    assert_eq!(events(&f), ["database_requested"]);
    let local = apply(local, &changed.app_writes);

    let (label, id, content) = &secrets(&f)[0];
    let mut response = Response::for_request(request);
    response.username = Some(content["username"].clone());
    response.password = Some(content["password"].clone());
    response.endpoints = Some(expected["endpoints"].clone());
    response.version = Some("16.0".into());
    let answer = provider::answer(REL, request, &remote, &local, &response).unwrap();
    assert_eq!(answer.secrets().len(), 1);
    let secret = &answer.secrets()[0];
    assert_eq!(
        (secret.group, secret.label.as_str()),
        (SecretGroup::User, label.as_str())
    );
    assert_eq!(secret.content(None), *content);
    let writes = answer
        .bag_writes(&BTreeMap::from([(SecretGroup::User, id.clone())]))
        .unwrap();
    assert_eq!(apply(local, &writes), expected);
}

#[test]
fn rotating_the_password_updates_the_secret_and_nothing_else() {
    let f = fixture("v0-provider-rotate-password");
    let remote = bag(&fixture("v0-provider-database-requested")["remote-app-bag"]);
    let local = bag(&f["app-bag-before"]);
    let request = &provider::requests(&remote).unwrap()[0];
    let (_, id, content) = &secrets(&f)[0];
    let response = Response {
        username: Some(content["username"].clone()),
        password: Some(content["password"].clone()),
        ..Response::default()
    };
    let answer = provider::answer(REL, request, &remote, &local, &response).unwrap();
    let old = secrets(&fixture("v0-provider-database-requested"))[0]
        .2
        .clone();
    assert_eq!(answer.secrets()[0].content(Some(&old)), *content);
    let writes = answer
        .bag_writes(&BTreeMap::from([(SecretGroup::User, id.clone())]))
        .unwrap();
    assert_eq!(apply(local, &writes), bag(&f["app-bag-after"]));
}

#[test]
fn v1_request_is_read_and_answered_as_the_v1_library_does() {
    let f = fixture("v1-provider-resource-requested");
    let remote = bag(&f["remote-app-bag"]);
    let expected = bag(&f["app-bag-after"]);
    // The request is what the v1 requirer library wrote, and the answer below is what the
    // v1 requirer library then took for `resource_created`.
    assert_eq!(
        remote,
        bag(&fixture("v1-requirer-relation-created")["app-bag-after"])
    );
    let consumed = fixture("v1-requirer-resource-created");
    assert_eq!(expected, bag(&consumed["remote-app-bag"]));
    assert_eq!(events(&consumed), ["resource_created"]);
    let changed = provider::relation_changed(&remote, &Bag::new()).unwrap();
    assert_eq!(events(&f), ["resource_requested"]);
    let [ProviderEvent::DatabaseRequested(request)] = changed.events.as_slice() else {
        panic!("one database request expected: {:?}", changed.events)
    };
    assert_eq!(request.version, Version::V1);
    assert_eq!(request.database, "blog");
    assert_eq!(
        changed.app_writes["data"].as_deref(),
        Some(expected["data"].as_str())
    );
    let local = apply(Bag::new(), &changed.app_writes);

    let (label, id, content) = &secrets(&f)[0];
    let mut response = Response::for_request(request);
    response.username = Some(content["username"].clone());
    response.password = Some(content["password"].clone());
    response.endpoints = Some("192.0.2.0:5432".into());
    response.version = Some("16.0".into());
    let answer = provider::answer(REL, request, &remote, &local, &response).unwrap();
    assert_eq!(answer.secrets().len(), 1);
    assert_eq!(answer.secrets()[0].label, *label);
    assert_eq!(answer.secrets()[0].content(None), *content);
    let writes = answer
        .bag_writes(&BTreeMap::from([(SecretGroup::User, id.clone())]))
        .unwrap();
    assert_eq!(apply(local.clone(), &writes), expected);

    // Answering again (a rotation) updates the entry in place.
    let again = provider::answer(REL, request, &remote, &expected, &response).unwrap();
    let writes = again
        .bag_writes(&BTreeMap::from([(SecretGroup::User, id.clone())]))
        .unwrap();
    assert_eq!(apply(expected.clone(), &writes), expected);
    // Nothing new on the next relation-changed.
    let next = provider::relation_changed(&remote, &expected).unwrap();
    assert!(next.events.is_empty());
    assert_eq!(
        provider::published_secret_labels(REL, &expected),
        [label.as_str()]
    );
}

#[test]
fn v0_request_seen_twice_is_one_request() {
    let f = fixture("v0-provider-database-requested");
    let remote = bag(&f["remote-app-bag"]);
    let changed = provider::relation_changed(&remote, &bag(&f["app-bag-after"])).unwrap();
    assert!(changed.events.is_empty());
    assert_eq!(
        provider::published_secret_labels(REL, &bag(&f["app-bag-after"])),
        ["database.7.user.secret"]
    );
}
