//! Simulator behaviour against the fixture charms: hook order, permissions, commit and
//! rollback, teardown, leadership, secrets, status table, settle bounds, tool argv errors.

mod common;

use cargo_charm::sim::{Config, SettleOptions, SimError};
use common::{calls, charm, fixture, model};

const NO_CONFIG: [(&str, &str); 0] = [];

#[test]
fn deploy_runs_hooks_in_juju_order() {
    let mut m = model("deploy");
    m.deploy("provider", fixture("provider"), 2, Config::new())
        .unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("provider/0"),
        [
            "install",
            "peers-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "peers-relation-joined(provider/1)",
            "peers-relation-changed(provider/1)",
        ]
    );
    assert_eq!(
        m.hook_names("provider/1"),
        [
            "install",
            "peers-relation-created",
            "config-changed",
            "start",
            "peers-relation-joined(provider/0)",
            "peers-relation-changed(provider/0)",
        ]
    );
    assert_eq!(m.leader("provider").as_deref(), Some("provider/0"));
    // The environment of a relation hook.
    let env = m
        .read_unit_file("provider/1", "env/peers-relation-created")
        .unwrap()
        .unwrap();
    for line in [
        "JUJU_DISPATCH_PATH=hooks/peers-relation-created",
        "JUJU_HOOK_NAME=peers-relation-created",
        "JUJU_RELATION=peers",
        "JUJU_RELATION_ID=peers:0",
        "JUJU_REMOTE_APP=provider",
        "JUJU_REMOTE_UNIT=",
        "JUJU_UNIT_NAME=provider/1",
        "JUJU_MODEL_NAME=deploy",
        "JUJU_VERSION=3.6.8",
        "JUJU_AVAILABILITY_ZONE=",
        "JUJU_PRINCIPAL_UNIT=",
        "JUJU_MACHINE_ID=1",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing in:\n{env}");
    }
    let dir = m.unit_dir("provider/1").unwrap();
    assert!(env.contains(&format!("JUJU_CHARM_DIR={}", dir.display())));
    assert!(env.contains("JUJU_CONTEXT_ID=provider/1-peers-relation-created-"));
    // A unit's bag is pre-seeded with its addresses.
    let bag = m.relation_data(0, "provider/1").unwrap();
    assert_eq!(bag["private-address"], "10.0.0.3");
    assert!(bag.contains_key("ingress-address") && bag.contains_key("egress-subnets"));
    // Adding a unit later: the others see it join.
    m.clear_history();
    m.add_unit("provider").unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("provider/0"),
        [
            "peers-relation-joined(provider/2)",
            "peers-relation-changed(provider/2)"
        ]
    );
}

#[test]
fn integrate_runs_created_then_joined_changed_on_both_sides() {
    let mut m = model("integrate");
    m.deploy("provider", fixture("provider"), 2, NO_CONFIG)
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 1, NO_CONFIG)
        .unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.unit_status("requirer/0").unwrap().to_string(),
        "blocked: missing db relation"
    );
    m.clear_history();
    let id = m.integrate("requirer:db", "provider:db").unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("requirer/0"),
        [
            "db-relation-created",
            "db-relation-changed", // app-level: the provider leader wrote its app bag
            "db-relation-joined(provider/0)",
            "db-relation-changed(provider/0)",
            "db-relation-joined(provider/1)",
            "db-relation-changed(provider/1)",
        ]
    );
    for p in ["provider/0", "provider/1"] {
        assert_eq!(
            m.hook_names(p),
            [
                "db-relation-created",
                "db-relation-joined(requirer/0)",
                "db-relation-changed(requirer/0)",
            ]
        );
    }
    // The first hook of each unit after integrate is relation-created.
    let first: Vec<&str> = m
        .history()
        .iter()
        .take(3)
        .map(|r| r.hook.as_str())
        .collect();
    assert_eq!(first, ["db-relation-created"; 3]);
    let app = m.relation_data(id, "provider").unwrap();
    assert_eq!(app["database"], "db1");
    assert_eq!(
        m.relation_data(id, "provider/1").unwrap()["host"],
        "provider-1.provider"
    );
    assert_eq!(
        m.read_unit_file("requirer/0", "members.json")
            .unwrap()
            .unwrap(),
        "[\"provider/0\",\"provider/1\"]\n"
    );
    let env = m
        .read_unit_file("requirer/0", "env/db-relation-created")
        .unwrap()
        .unwrap();
    assert!(env.contains("JUJU_RELATION_ID=db:1\n"), "{env}");
    assert!(env.contains("JUJU_REMOTE_APP=provider\n"));
    assert_eq!(
        m.unit_status("requirer/0").unwrap().to_string(),
        "active: password pw1"
    );
    // limit: 1 on requirer:db.
    m.deploy("provider2", fixture("provider"), 1, NO_CONFIG)
        .unwrap();
    let err = m.integrate("requirer:db", "provider2:db").unwrap_err();
    assert!(
        err.to_string()
            .contains("would exceed its maximum relation limit of 1"),
        "{err}"
    );
}

const META: &str = "name: perm\nsummary: s\ndescription: d\nprovides:\n  db:\n    interface: x\npeers:\n  p:\n    interface: pp\n";
const META_REQ: &str =
    "name: req\nsummary: s\ndescription: d\nrequires:\n  db:\n    interface: x\n";

#[test]
fn permission_errors_use_juju_texts_and_codes() {
    let c = charm(
        META,
        r#"
case "$JUJU_HOOK_NAME" in db-relation-joined)
  relation-get --app - "$(echo $JUJU_UNIT_NAME | cut -d/ -f1)" || true
  echo '{"a": "b"}' | relation-set --app --file - || true
  status-set --application=True active "x" || true
  secret-add --owner application k1x=v || true
  relation-get -r p:0 --app - perm || true
  relation-get -r db:99 - req/0 || true
  relation-get -r db:x - req/0 || true
  relation-get --bogus || true
  relation-get - req || true
  status-set bogus || true
  action-get || true
  secret-get secret://00000000-0000-0000-0000-000000000000/aaaaaaaaaaaaaaaaaaaa || true
  ;;
esac"#,
    );
    let r = charm(META_REQ, "true");
    let mut m = model("perm");
    m.deploy("perm", c.path(), 2, NO_CONFIG).unwrap();
    m.deploy("req", r.path(), 1, NO_CONFIG).unwrap();
    m.integrate("perm", "req").unwrap();
    m.settle().unwrap();
    let got = calls(&m, "perm/1");
    let expect = [
        ("relation-get --app - perm", 1, "ERROR permission denied\n"),
        ("relation-set --app --file -", 1, "ERROR cannot write relation settings\n"),
        ("status-set --application=True active x", 1, "ERROR this unit is not the leader\n"),
        ("secret-add --owner application k1x=v", 1, "ERROR this unit is not the leader\n"),
        ("relation-get -r p:0 --app - perm", 0, ""),
        (
            "relation-get -r db:99 - req/0",
            2,
            "ERROR invalid value \"db:99\" for flag -r: relation not found\n",
        ),
        (
            "relation-get -r db:x - req/0",
            2,
            "ERROR invalid value \"db:x\" for flag -r: invalid relation id\n",
        ),
        ("relation-get --bogus", 2, "ERROR flag provided but not defined: --bogus\n"),
        (
            "relation-get - req",
            2,
            "ERROR expected unit name, got application name \"req\"\n",
        ),
        (
            "status-set bogus",
            2,
            "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n",
        ),
        ("action-get", 1, "ERROR not running an action\n"),
        (
            "secret-get secret://00000000-0000-0000-0000-000000000000/aaaaaaaaaaaaaaaaaaaa",
            1,
            "ERROR secret \"aaaaaaaaaaaaaaaaaaaa\" not found\n",
        ),
    ];
    let got: Vec<(String, i32, String)> = got.into_iter().collect();
    let expect: Vec<(String, i32, String)> = expect
        .iter()
        .map(|(a, b, c)| (a.to_string(), *b, c.to_string()))
        .collect();
    assert_eq!(got, expect);
    // The leader may do all of it.
    let leader = calls(&m, "perm/0");
    assert!(leader[..4].iter().all(|c| c.1 == 0), "{leader:?}");
}

#[test]
fn failed_hook_rolls_back_keeps_status_and_is_retried() {
    let c = charm(
        META,
        r#"
case "$JUJU_HOOK_NAME" in db-relation-joined)
  relation-set k=v
  echo '{"s": "1"}' | state-set --file -
  open-port 8080
  secret-add --owner unit key=value > uri
  status-set maintenance "half way"
  application-version-set 1.2.3
  if [ ! -e attempted ]; then
    touch attempted
    juju-log --log-level ERROR -- "first attempt fails"
    exit 1
  fi
  status-set active done
  ;;
esac"#,
    );
    let r = charm(META_REQ, "true");
    let mut m = model("rollback");
    m.deploy("perm", c.path(), 1, NO_CONFIG).unwrap();
    m.deploy("req", r.path(), 1, NO_CONFIG).unwrap();
    let id = m.integrate("perm:db", "req:db").unwrap();
    let opts = SettleOptions {
        max_retries: 0,
        ..SettleOptions::default()
    };
    let err = m.settle_with(&opts).unwrap_err();
    match &err {
        SimError::UnitInError {
            unit,
            hook,
            last_error,
            ..
        } => {
            assert_eq!(unit, "perm/0");
            assert_eq!(hook, "db-relation-joined");
            assert_eq!(last_error.as_deref(), Some("db:1: first attempt fails"));
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("first attempt fails"));
    let st = m.unit_status("perm/0").unwrap();
    assert_eq!(st.to_string(), "error: hook failed: \"db-relation-joined\"");
    // Immediate: status and version survive; transactional: nothing else does.
    assert_eq!(
        m.workload_status("perm/0").unwrap().to_string(),
        "maintenance: half way"
    );
    assert_eq!(m.app_version("perm").unwrap(), "1.2.3");
    assert!(!m.relation_data(id, "perm/0").unwrap().contains_key("k"));
    assert!(m.unit_state("perm/0").unwrap().is_empty());
    assert!(m.opened_ports("perm/0").unwrap().is_empty());
    assert!(m.secrets().is_empty());
    assert!(m.status_table().contains("error     idle"));
    // Retry: the same hook runs again and commits.
    m.settle().unwrap();
    let joined: Vec<_> = m
        .history()
        .iter()
        .filter(|r| r.unit == "perm/0" && r.hook == "db-relation-joined")
        .map(|r| r.exit_code)
        .collect();
    assert_eq!(joined, [Some(1), Some(0)]);
    assert_eq!(m.relation_data(id, "perm/0").unwrap()["k"], "v");
    assert_eq!(m.unit_state("perm/0").unwrap()["s"], "1");
    assert_eq!(m.opened_ports("perm/0").unwrap(), ["8080/tcp"]);
    assert_eq!(m.secrets().len(), 1);
    assert_eq!(m.unit_status("perm/0").unwrap().to_string(), "active: done");
}

#[test]
fn pending_writes_are_visible_within_the_hook() {
    let c = charm(
        META,
        r#"
case "$JUJU_HOOK_NAME" in db-relation-created)
  relation-set a=1 b=2
  relation-set b=
  relation-get --format=json - "$JUJU_UNIT_NAME" > own.json
  echo '{"x": "y"}' | relation-set --app --file -
  relation-get --format=json --app - perm > app.json
  uri=$(secret-add --label mine password=s3cret)
  secret-get --label mine password > secret.txt
  secret-info-get --label mine --format=json > info.json
  ;;
esac"#,
    );
    let r = charm(META_REQ, "true");
    let mut m = model("pending");
    m.deploy("perm", c.path(), 1, NO_CONFIG).unwrap();
    m.deploy("req", r.path(), 1, NO_CONFIG).unwrap();
    m.integrate("perm:db", "req:db").unwrap();
    m.settle().unwrap();
    let own = m.read_unit_file("perm/0", "own.json").unwrap().unwrap();
    assert!(own.starts_with("{\"a\":\"1\",\"egress-subnets\""), "{own}");
    assert!(!own.contains("\"b\""));
    assert_eq!(
        m.read_unit_file("perm/0", "app.json").unwrap().unwrap(),
        "{\"x\":\"y\"}\n"
    );
    assert_eq!(
        m.read_unit_file("perm/0", "secret.txt").unwrap().unwrap(),
        "s3cret\n"
    );
    let info = m.read_unit_file("perm/0", "info.json").unwrap().unwrap();
    assert!(
        info.contains("\"label\":\"mine\",\"owner\":\"application\",\"revision\":1"),
        "{info}"
    );
}

#[test]
fn remove_relation_and_remove_unit_run_departed_and_broken() {
    let mut m = model("teardown");
    m.deploy("provider", fixture("provider"), 2, NO_CONFIG)
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 2, NO_CONFIG)
        .unwrap();
    let id = m.integrate("provider", "requirer").unwrap();
    m.settle().unwrap();
    assert_eq!(m.secrets()[0].grants, [(id, "requirer".to_string())]);

    // remove-unit: the unit departs from its relations, breaks them, stops, is removed.
    m.clear_history();
    m.remove_unit("requirer/1").unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("requirer/1"),
        [
            "db-relation-departed(provider/0)",
            "db-relation-departed(provider/1)",
            "db-relation-broken",
            "stop",
            "remove",
        ]
    );
    let departed = m
        .read_unit_file("requirer/1", "departed.txt")
        .unwrap()
        .unwrap();
    assert_eq!(departed, "requirer/1\nrequirer/1\n");
    for p in ["provider/0", "provider/1"] {
        assert_eq!(m.hook_names(p), ["db-relation-departed(requirer/1)"]);
    }
    assert_eq!(m.units("requirer"), ["requirer/0"]);

    // remove-relation: departed for each remote unit, then broken, on every unit.
    m.clear_history();
    m.remove_relation(id).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("requirer/0"),
        [
            "db-relation-departed(provider/0)",
            "db-relation-departed(provider/1)",
            "db-relation-broken",
        ]
    );
    assert_eq!(
        m.hook_names("provider/0"),
        ["db-relation-departed(requirer/0)", "db-relation-broken"]
    );
    let env = m
        .read_unit_file("requirer/0", "env/db-relation-departed")
        .unwrap()
        .unwrap();
    assert!(env.contains("JUJU_DEPARTING_UNIT=provider/1\n"), "{env}");
    let env = m
        .read_unit_file("requirer/0", "env/db-relation-broken")
        .unwrap()
        .unwrap();
    assert!(env.contains("JUJU_REMOTE_UNIT=\n") && env.contains("JUJU_REMOTE_APP=provider\n"));
    assert!(m.relations().iter().all(|r| r.peer));
    assert!(m.secrets()[0].grants.is_empty());
    assert_eq!(
        m.unit_status("requirer/0").unwrap().to_string(),
        "blocked: missing db relation"
    );
}

#[test]
fn removing_the_leader_elects_a_new_one() {
    let mut m = model("leader");
    m.deploy("provider", fixture("provider"), 3, NO_CONFIG)
        .unwrap();
    m.settle().unwrap();
    m.clear_history();
    m.remove_unit("provider/0").unwrap();
    assert_eq!(m.leader("provider").as_deref(), Some("provider/1"));
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("provider/1"),
        ["leader-elected", "peers-relation-departed(provider/0)"]
    );
    assert_eq!(
        m.hook_names("provider/2"),
        ["peers-relation-departed(provider/0)"]
    );
    assert_eq!(
        m.hook_names("provider/0"),
        [
            "peers-relation-departed(provider/1)",
            "peers-relation-departed(provider/2)",
            "peers-relation-broken",
            "stop",
            "remove"
        ]
    );
    assert!(m.status_table().contains("provider/1*"));
}

#[test]
fn secrets_are_granted_read_tracked_and_changed() {
    let mut m = model("secrets");
    m.deploy("provider", fixture("provider"), 1, NO_CONFIG)
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 2, NO_CONFIG)
        .unwrap();
    let id = m.integrate("requirer:db", "provider:db").unwrap();
    m.settle().unwrap();
    let s = m.secret(&format!("db-db:{id}")).unwrap();
    assert!(s.uri.starts_with(&format!("secret://{}/", m.uuid())));
    assert_eq!(s.xid.len(), 20);
    assert!(s
        .xid
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c)));
    assert_eq!(s.owner, "provider");
    assert_eq!(s.content()["password"], "pw1");
    assert_eq!(s.consumers["requirer/0"], (Some("dbcreds".to_string()), 1));
    assert_eq!(m.relation_data(id, "provider").unwrap()["secret-id"], s.uri);
    assert_eq!(
        m.read_unit_file("requirer/1", "password.txt")
            .unwrap()
            .unwrap(),
        "pw1\n"
    );

    // A new revision: consumers tracking revision 1 get secret-changed and refresh.
    m.clear_history();
    m.set_config("provider", [("password", "pw2")]).unwrap();
    m.settle().unwrap();
    // Once no consumer tracks revision 1, the owner is told to remove it.
    assert_eq!(
        m.hook_names("provider/0"),
        ["config-changed", "secret-remove"]
    );
    assert_eq!(m.hook_names("requirer/0"), ["secret-changed"]);
    let env = m
        .read_unit_file("provider/0", "env/secret-remove")
        .unwrap()
        .unwrap();
    assert!(env.contains("JUJU_SECRET_REVISION=1\n"), "{env}");
    assert!(
        env.contains(&format!("JUJU_SECRET_LABEL=db-db:{id}\n")),
        "{env}"
    );
    let env = m
        .read_unit_file("requirer/0", "env/secret-changed")
        .unwrap()
        .unwrap();
    assert!(
        env.contains(&format!("JUJU_SECRET_ID={}\n", s.uri)),
        "{env}"
    );
    assert!(env.contains("JUJU_SECRET_LABEL=dbcreds\n"));
    assert!(!env.contains("JUJU_SECRET_REVISION"));
    let s = m.secret(&s.uri).unwrap();
    assert_eq!(s.revision, 2);
    assert_eq!(s.revisions.keys().copied().collect::<Vec<_>>(), [2]);
    assert_eq!(s.consumers["requirer/1"].1, 2);
    assert_eq!(
        m.read_unit_file("requirer/0", "password.txt")
            .unwrap()
            .unwrap(),
        "pw2\n"
    );
    assert_eq!(
        m.unit_status("requirer/1").unwrap().to_string(),
        "active: password pw2"
    );

    // Same value again: no new revision, no event.
    m.clear_history();
    m.set_config("provider", [("count", 4)]).unwrap();
    m.settle().unwrap();
    assert_eq!(m.secret(&s.uri).unwrap().revision, 2);
    assert!(m.hook_names("requirer/0").is_empty());
}

#[test]
fn secret_get_without_grant_peek_and_refresh() {
    let owner = charm(
        META,
        r#"
case "$JUJU_HOOK_NAME" in
db-relation-created)
  uri=$(secret-add --label s v1x=one)
  echo "$uri" > uri
  secret-grant --relation "$JUJU_RELATION_ID" --unit req/0 "$uri"
  relation-set --app "uri=$uri"
  ;;
db-relation-changed)
  secret-set "$(cat uri)" v1x=two
  ;;
esac"#,
    );
    let consumer = charm(
        META_REQ,
        r#"
case "$JUJU_HOOK_NAME" in
db-relation-changed)
  if [ -z "$JUJU_REMOTE_UNIT" ]; then
    uri=$(relation-get --app uri perm)
    secret-get "$uri" --format=json >> got.txt 2>&1 || true
  fi
  ;;
secret-changed)
  secret-get "$JUJU_SECRET_ID" v1x >> got.txt
  secret-get "$JUJU_SECRET_ID" --peek v1x >> got.txt
  secret-get "$JUJU_SECRET_ID" v1x >> got.txt
  secret-get "$JUJU_SECRET_ID" --refresh v1x >> got.txt
  secret-get "$JUJU_SECRET_ID" v1x >> got.txt
  secret-get "$JUJU_SECRET_ID" --refresh --peek v1x >> got.txt 2>&1 || true
  ;;
esac"#,
    );
    let mut m = model("grant");
    m.deploy("perm", owner.path(), 1, NO_CONFIG).unwrap();
    m.deploy("req", consumer.path(), 2, NO_CONFIG).unwrap();
    m.integrate("perm:db", "req:db").unwrap();
    m.settle().unwrap();
    // req/1 never got a grant.
    let got1 = m.read_unit_file("req/1", "got.txt").unwrap().unwrap();
    assert_eq!(got1, "ERROR permission denied\n");
    let got0 = m.read_unit_file("req/0", "got.txt").unwrap().unwrap();
    assert_eq!(
        got0,
        "{\"v1x\":\"one\"}\none\ntwo\none\ntwo\ntwo\nERROR specify one of --peek or --refresh but not both\n"
    );
}

#[test]
fn status_table_looks_like_juju_status() {
    let mut m = model("table");
    m.deploy("provider", fixture("provider"), 2, NO_CONFIG)
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 1, NO_CONFIG)
        .unwrap();
    m.integrate("requirer:db", "provider:db").unwrap();
    m.settle().unwrap();
    let t = m.status_table();
    let expected = "\
Model  Controller  Cloud/Region  Version
table  sim         local/local   3.6.8

App       Version  Status  Scale  Charm     Rev  Message
provider           active  2      provider  0    1 consumers
requirer           active  1      requirer  0    password pw1

Unit         Workload  Agent  Machine  Address   Ports  Message
provider/0*  active    idle   0        10.0.0.2         provider ready
provider/1   active    idle   1        10.0.0.3         provider ready
requirer/0*  active    idle   2        10.0.0.4         password pw1

Integration provider  Requirer        Interface       Type
provider:peers        provider:peers  provider_peers  peer
provider:db           requirer:db     testdb          regular
";
    assert_eq!(t, expected);
}

#[test]
fn settle_stops_on_a_ping_pong_loop() {
    let mut m = model("pingpong");
    m.deploy("ping", fixture("pingpong"), 1, NO_CONFIG).unwrap();
    m.deploy("pong", fixture("pingpong"), 1, NO_CONFIG).unwrap();
    m.integrate("ping:out", "pong:in").unwrap();
    let opts = SettleOptions {
        max_repeats: 15,
        ..SettleOptions::default()
    };
    let err = m.settle_with(&opts).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SimError::NotSettled { .. }), "{msg}");
    assert!(
        msg.contains("ping/0 out-relation-changed (remote pong/0) ran 15 times"),
        "{msg}"
    );
    assert!(
        msg.contains("pong/0 in-relation-changed (remote ping/0)"),
        "{msg}"
    );
}

#[test]
fn model_file_and_bad_input_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    std::fs::write(
        &f,
        format!(
            "name: x\napplications:\n  p:\n    charm: {}\n    num_units: 1\n    options: {{count: \"7\"}}\n",
            fixture("provider").display()
        ),
    )
    .unwrap();
    let m = cargo_charm::sim::Model::from_yaml(&f).unwrap();
    assert_eq!(m.units("p"), ["p/0"]);
    std::fs::write(&f, "applications: [").unwrap();
    let err = cargo_charm::sim::Model::from_yaml(&f).unwrap_err();
    assert!(err.to_string().starts_with("model file "), "{err}");
    let mut m = model("bad");
    let err = m
        .deploy("p", fixture("provider"), 1, [("count", "many")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "option \"count\" expected int, got \"many\""
    );
    let err = m.deploy("p", fixture("nope"), 1, NO_CONFIG).unwrap_err();
    assert!(err.to_string().contains("charm directory"), "{err}");
    m.deploy("p", fixture("provider"), 1, NO_CONFIG).unwrap();
    let err = m.integrate("p:db", "p:peers").unwrap_err();
    assert!(err.to_string().contains("to itself"), "{err}");
    assert!(matches!(
        m.remove_unit("p/7"),
        Err(SimError::UnknownUnit(_))
    ));
}

#[test]
fn tool_argv_follows_juju_flag_syntax() {
    let c = charm(
        META,
        r#"
case "$JUJU_HOOK_NAME" in db-relation-joined)
  [ "$(is-leader)" = True ] || exit 0
  relation-get --format json -r 1 - req/0 > /dev/null
  relation-get --format=json --relation=db:1 private-address req/0 > /dev/null
  relation-get -r db:1 --app=true - req > /dev/null
  relation-set -r 1 --app=True x=1 > /dev/null
  status-set --application=False active -- "a message"
  relation-ids --format=json db > /dev/null
  relation-list --format=json --app -r db:1 > /dev/null
  config-get --format=json > /dev/null
  state-get --format=json > /dev/null
  relation-get --format=xml - req/0 || true
  relation-set -r || true
  status-set || true
  status-set active one two || true
  relation-get --app=maybe - req || true
  relation-get - req/0 extra || true
  relation-set -r db:1 novalue || true
  secret-get --peek --refresh --label x || true
  relation-get - 'Bad/Name' || true
  ;;
esac"#,
    );
    let r = charm(META_REQ, "true");
    let mut m = model("argv");
    m.deploy("perm", c.path(), 1, NO_CONFIG).unwrap();
    m.deploy("req", r.path(), 1, NO_CONFIG).unwrap();
    m.integrate("perm", "req").unwrap();
    m.settle().unwrap();
    let got = calls(&m, "perm/0");
    let (ok, bad): (Vec<_>, Vec<_>) = got.iter().skip(1).partition(|c| c.1 == 0);
    assert_eq!(ok.len(), 9, "{got:#?}");
    let bad: Vec<(i32, &str)> = bad.iter().map(|c| (c.1, c.2.as_str())).collect();
    assert_eq!(
        bad,
        [
            (2, "ERROR invalid value \"xml\" for flag --format: unknown format \"xml\"\n"),
            (2, "ERROR flag needs an argument: -r\n"),
            (2, "ERROR invalid args, require <status> [message]\n"),
            (2, "ERROR unrecognized args: [\"two\"]\n"),
            (
                2,
                "ERROR invalid value \"maybe\" for flag --app: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
            ),
            (2, "ERROR unrecognized args: [\"extra\"]\n"),
            (2, "ERROR expected \"key=value\", got \"novalue\"\n"),
            (2, "ERROR specify one of --peek or --refresh but not both\n"),
            (2, "ERROR invalid unit name \"Bad/Name\"\n"),
        ]
    );
    assert_eq!(
        m.unit_status("perm/0").unwrap().to_string(),
        "active: a message"
    );
}

#[test]
fn a_charm_that_cannot_run_is_reported() {
    let c = charm(META_REQ, "true");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        c.path().join("dispatch"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut m = model("noexec");
    m.deploy("req", c.path(), 1, NO_CONFIG).unwrap();
    let err = m.settle().unwrap_err().to_string();
    assert!(
        err.starts_with(
            "unit req/0 is stuck in error: hook \"install\" failed 4 times (last exit: cannot run "
        ),
        "{err}"
    );
    assert!(err.contains("Permission denied"), "{err}");
}

#[test]
fn remove_application_breaks_its_relations_and_removes_its_units() {
    let mut m = model("rmapp");
    m.deploy("provider", fixture("provider"), 2, NO_CONFIG)
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 1, NO_CONFIG)
        .unwrap();
    m.integrate("provider", "requirer").unwrap();
    m.settle().unwrap();
    m.clear_history();
    m.remove_application("provider").unwrap();
    assert!(m.integrate("provider", "requirer").is_err());
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("requirer/0"),
        [
            "db-relation-departed(provider/0)",
            "db-relation-departed(provider/1)",
            "db-relation-broken"
        ]
    );
    assert_eq!(
        m.hook_names("provider/1"),
        [
            "peers-relation-departed(provider/0)",
            "peers-relation-broken",
            "db-relation-departed(requirer/0)",
            "db-relation-broken",
            "stop",
            "remove"
        ]
    );
    assert_eq!(m.applications(), ["requirer"]);
    assert!(m.relations().is_empty());
    assert_eq!(
        m.unit_status("requirer/0").unwrap().to_string(),
        "blocked: missing db relation"
    );
}

#[test]
fn upgrade_charm_and_update_status() {
    let mut m = model("upgrade");
    m.deploy("provider", fixture("provider"), 1, NO_CONFIG)
        .unwrap();
    m.settle().unwrap();
    m.clear_history();
    m.upgrade_charm("provider", fixture("provider")).unwrap();
    m.settle().unwrap();
    assert_eq!(
        m.hook_names("provider/0"),
        ["upgrade-charm", "config-changed"]
    );
    m.clear_history();
    m.update_status();
    m.settle().unwrap();
    assert_eq!(m.hook_names("provider/0"), ["update-status"]);
    // Files the charm wrote survive the upgrade.
    assert!(m
        .read_unit_file("provider/0", "env/install")
        .unwrap()
        .is_some());
}

#[test]
fn hook_records_have_peak_rss_and_cpu_time() {
    // The hook waits for a child that touches 96 MiB: `wait4` counts the children the
    // hook process waited for.
    let has_python = std::process::Command::new("python3")
        .args(["-c", "pass"])
        .status()
        .is_ok_and(|s| s.success());
    let script = if has_python {
        "python3 -c 'b = bytearray(96 << 20)'"
    } else {
        "true"
    };
    let dir = charm("name: hungry\n", script);
    let mut m = model("rss");
    m.deploy("hungry", dir.path(), 1, Config::new()).unwrap();
    m.settle().unwrap();
    let install = &m.history()[0];
    assert_eq!(install.hook, "install");
    let rss = install.peak_rss.expect("peak RSS of the hook");
    assert!(rss > 0);
    assert!(install.cpu_time.is_some());
    if has_python {
        assert!(
            rss >= 96 << 20,
            "peak RSS {rss} below the 96 MiB the hook touched"
        );
    }
}
