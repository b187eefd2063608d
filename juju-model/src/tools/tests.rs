//! Rules no adapter's data shows on its own: defaults taken from the hook, relations not
//! joined yet, bags of sibling units.

use super::*;
use crate::cli::{run, Request};
use crate::hook::{HookRelation, RelationHookKind};
use crate::model::{Bag, RelationInfo};

/// `web/0`, the leader, with peer `web/1`; relation 1 (`db`, to `pg`) joined, relation 2
/// (`cache`, to `redis`) not yet.
struct Web {
    pg: Bag,
    sibling: Bag,
}

impl Model for Web {
    fn model_uuid(&self) -> &str {
        "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f"
    }
    fn unit(&self) -> &str {
        "web/0"
    }
    fn app(&self) -> &str {
        "web"
    }
    fn is_leader(&self) -> bool {
        true
    }
    fn relation_ids(&self) -> Vec<u32> {
        vec![1, 2]
    }
    fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
        let (endpoint, remote_app, joined) = match id {
            1 => ("db", "pg", true),
            2 => ("cache", "redis", false),
            _ => return None,
        };
        Some(RelationInfo {
            id,
            endpoint,
            remote_app,
            peer: false,
            joined,
            dying: false,
        })
    }
    fn app_bag(&self, id: u32, app: &str) -> Option<&Bag> {
        (id == 1 && app == "pg").then_some(&self.pg)
    }
    fn unit_bag(&self, id: u32, unit: &str) -> Option<&Bag> {
        (id == 1 && unit == "web/1").then_some(&self.sibling)
    }
}

fn web() -> Web {
    let one = |k: &str, v: &str| Bag::from([(k.to_string(), v.to_string())]);
    Web {
        pg: one("host", "10.0.0.7"),
        sibling: one("seen", "1"),
    }
}

fn hook(id: u32, endpoint: &str, kind: RelationHookKind, remote: Option<&str>) -> Hook {
    Hook::new(|| "cjhg2ok5jrbc769e4mkg".into()).relation(HookRelation {
        id,
        endpoint: endpoint.into(),
        kind,
        remote_unit: remote.map(str::to_string),
        remote_app: Some(if id == 1 { "pg" } else { "redis" }.into()),
    })
}

/// A hook's call of a tool, `argv`, on `model`: the exit code, and stdout on success or
/// stderr on failure.
pub(super) fn cli(model: &dyn Model, hook: &mut Hook, argv: &[&str]) -> (i32, String) {
    let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    let cwd = std::env::temp_dir();
    let out = run(
        model,
        hook,
        &Request {
            argv: &argv,
            stdin: None,
            cwd: &cwd,
        },
    );
    (
        out.code,
        if out.code == 0 {
            out.stdout
        } else {
            out.stderr
        },
    )
}

#[test]
fn relation_get_defaults_to_the_hook_s_relation_and_remote() {
    let m = web();
    // An application-level relation-changed: no remote unit, so the remote app's bag.
    let mut h = hook(1, "db", RelationHookKind::Changed, Some(""));
    assert_eq!(
        cli(&m, &mut h, &["relation-get", "host"]),
        (0, "10.0.0.7\n".into())
    );
    let mut h = Hook::new(String::new);
    let (code, err) = cli(&m, &mut h, &["relation-get", "host"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR no relation id specified\n")
    );
    let (code, err) = cli(&m, &mut h, &["relation-get", "-r", "1", "host"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR no unit or application specified\n")
    );
}

#[test]
fn a_relation_not_joined_is_known_to_its_created_hook_only() {
    let m = web();
    let mut h = Hook::new(String::new);
    let (code, err) = cli(&m, &mut h, &["relation-list", "-r", "cache:2"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ERROR invalid value \"cache:2\" for flag -r: relation not found\n"
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["relation-ids", "cache"]),
        (0, String::new())
    );
    let mut h = hook(2, "cache", RelationHookKind::Created, None);
    assert_eq!(cli(&m, &mut h, &["relation-ids"]), (0, "cache:2\n".into()));
    assert_eq!(
        cli(&m, &mut h, &["relation-list", "--app"]),
        (0, "redis\n".into())
    );
}

#[test]
fn a_sibling_unit_s_bag_is_readable_in_a_regular_relation() {
    // The controller only checks that the unit's application is in the relation
    // (`checkRemoteUnit`, `RelatedEndpoints`).
    let m = web();
    let mut h = Hook::new(String::new);
    let mut cx = HookContext::new(&m, &mut h);
    let read = |target| RelationGet {
        relation: Some(RelationFlag::r("1")),
        app: false,
        target: Some(target),
    };
    assert_eq!(cx.relation_get(read("web/1")).unwrap()["seen"], "1");
    assert_eq!(
        cx.relation_get(read("other/0")).unwrap_err().message,
        "permission denied"
    );
    cx.relation_set(
        Some(RelationFlag::r("db:1")),
        true,
        Bag::from([("k".into(), "v".into())]),
    )
    .unwrap();
    assert_eq!(h.pending.relation_data[&(1, "web".to_string())]["k"], "v");
}

#[test]
fn argv_errors_are_gnuflag_s() {
    let m = web();
    let mut h = Hook::new(String::new);
    let (code, err) = cli(&m, &mut h, &["relation-set", "-r", "1", "a=1", "a=2"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR key \"a\" specified more than once\n")
    );
    let (code, err) = cli(&m, &mut h, &["is-leader", "extra"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ERROR unrecognized args: [\"extra\"]\n")
    );
    let (code, err) = cli(&m, &mut h, &["is-leader", "--format", "xml"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ERROR invalid value \"xml\" for flag --format: unknown format \"xml\"\n"
        )
    );
    let (code, err) = cli(&m, &mut h, &["no-such-tool"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "ERROR unknown hook command: no-such-tool\n")
    );
    assert_eq!(cli(&m, &mut h, &["is-leader"]), (0, "True\n".into()));
}
