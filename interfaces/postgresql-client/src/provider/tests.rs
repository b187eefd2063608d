use super::*;

fn bag(pairs: &[(&str, &str)]) -> Bag {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn apply(mut bag: Bag, writes: &BagWrites) -> Bag {
    for (k, v) in writes {
        match v {
            Some(v) => bag.insert(k.clone(), v.clone()),
            None => bag.remove(k),
        };
    }
    bag
}

#[test]
fn changing_roles_after_the_request_is_an_error() {
    let first = bag(&[("database", "blog"), ("extra-user-roles", "admin")]);
    let seen = apply(
        Bag::new(),
        &relation_changed(&first, &Bag::new()).unwrap().app_writes,
    );
    let changed = bag(&[("database", "blog"), ("extra-user-roles", "SUPERUSER")]);
    let err = relation_changed(&changed, &seen).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot change extra-user-roles after relation has already been created"
    );
}

#[test]
fn answering_before_the_request_is_an_error_but_endpoints_may_go_first() {
    let remote = bag(&[("requested-secrets", r#"["username", "password"]"#)]);
    let request = Request {
        version: Version::V0,
        request_id: None,
        salt: None,
        database: String::new(),
        extra_user_roles: None,
        extra_group_roles: None,
        entity_type: None,
        prefix_matching: None,
        external_node_connectivity: false,
        requested_secrets: Vec::new(),
        seen: Object::new(),
    };
    let rel = RelationRef::new("database", 1);
    let creds = Response {
        username: Some("u".into()),
        ..Response::default()
    };
    assert!(matches!(
        answer(rel, &request, &remote, &Bag::new(), &creds),
        Err(Error::Premature)
    ));
    let endpoints = Response {
        endpoints: Some("h:5432".into()),
        ..Response::default()
    };
    let a = answer(rel, &request, &remote, &Bag::new(), &endpoints).unwrap();
    assert!(a.secrets().is_empty());
    assert_eq!(
        a.bag_writes(&BTreeMap::new()).unwrap()["endpoints"].as_deref(),
        Some("h:5432")
    );
}

#[test]
fn a_requirer_without_requested_secrets_gets_credentials_in_the_databag() {
    let remote = bag(&[("database", "old")]);
    let request = &requests(&remote).unwrap()[0];
    let mut response = Response::for_request(request);
    response.username = Some("u".into());
    response.password = Some("p".into());
    let a = answer(
        RelationRef::new("db", 3),
        request,
        &remote,
        &Bag::new(),
        &response,
    )
    .unwrap();
    assert!(a.secrets().is_empty());
    let w = a.bag_writes(&BTreeMap::new()).unwrap();
    assert_eq!(
        (w["username"].as_deref(), w["password"].as_deref()),
        (Some("u"), Some("p"))
    );
}

#[test]
fn a_missing_secret_id_is_an_error_not_a_half_answer() {
    let remote = bag(&[
        ("database", "blog"),
        ("requested-secrets", r#"["username", "password"]"#),
    ]);
    let request = &requests(&remote).unwrap()[0];
    let response = Response {
        username: Some("u".into()),
        ..Response::default()
    };
    let a = answer(
        RelationRef::new("db", 3),
        request,
        &remote,
        &Bag::new(),
        &response,
    )
    .unwrap();
    assert!(matches!(
        a.bag_writes(&BTreeMap::new()),
        Err(Error::MissingSecret(SecretGroup::User))
    ));
}

#[test]
fn bad_json_names_the_field() {
    let remote = bag(&[("version", "v1"), ("requests", "{not json")]);
    let err = requests(&remote).unwrap_err().to_string();
    assert!(
        err.contains("`requests`") && err.contains("JSON list"),
        "{err}"
    );
    assert!(version(&bag(&[("version", "v2")])).is_err());
}
