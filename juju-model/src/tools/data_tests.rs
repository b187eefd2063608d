//! The tools that tell a unit about its machine and model: ports, network, goal state,
//! resources, credentials, reboot, storage-add, unit-get.

use serde_json::{json, Value};

use super::tests::cli;
use super::*;
use crate::model::{Model, RelationInfo};
use crate::tools::{OpenedPorts, PortRange};

/// `web/0` on `10.1.2.3`, trusted, with resource `blob`, storage `data`, the ports
/// 80/tcp (every endpoint) and 9000/tcp (`admin`), a relation to `db` (units `db/0`,
/// `db/1`), and a second unit `web/1` going away.
struct Web {
    trusted: bool,
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
        vec![4]
    }
    fn relation(&self, id: u32) -> Option<RelationInfo<'_>> {
        (id == 4).then_some(RelationInfo {
            id,
            endpoint: "db",
            remote_app: "db",
            peer: false,
            joined: true,
            dying: false,
        })
    }
    fn app_units(&self, app: &str) -> Vec<String> {
        match app {
            "web" => vec!["web/0".into(), "web/1".into()],
            "db" => vec!["db/0".into(), "db/1".into()],
            _ => vec![],
        }
    }
    fn unit_dying(&self, unit: &str) -> bool {
        unit == "web/1"
    }
    fn opened_ports(&self) -> OpenedPorts {
        let mut p = OpenedPorts::new();
        p.entry(String::new())
            .or_default()
            .insert(PortRange::parse("80").unwrap());
        p.entry("admin".into())
            .or_default()
            .insert(PortRange::parse("9000").unwrap());
        p
    }
    fn address(&self) -> String {
        "10.1.2.3".into()
    }
    fn has_binding(&self, name: &str) -> bool {
        ["db", "admin"].contains(&name)
    }
    fn declares_storage(&self, name: &str) -> bool {
        name == "data"
    }
    fn resource(&self, name: &str) -> Option<String> {
        (name == "blob").then(|| "/var/lib/juju/resources/blob/blob.tgz".into())
    }
    fn cloud_spec(&self) -> Option<Value> {
        self.trusted
            .then(|| json!({"type": "lxd", "name": "localhost"}))
    }
}

fn hook() -> Hook {
    Hook::new(String::new)
}

#[test]
fn ports_open_and_close_per_endpoint_and_refuse_overlaps() {
    let m = Web { trusted: false };
    let mut h = hook();
    assert_eq!(
        cli(&m, &mut h, &["opened-ports"]),
        (0, "80/tcp\n9000/tcp\n".into())
    );
    assert_eq!(
        cli(
            &m,
            &mut h,
            &["opened-ports", "--endpoints", "--format=json"]
        ),
        (0, "[\"80/tcp (*)\",\"9000/tcp (admin)\"]\n".into())
    );
    // Opening what is open, closing what is not: nothing to do.
    assert_eq!(cli(&m, &mut h, &["open-port", "80/tcp"]).0, 0);
    assert_eq!(cli(&m, &mut h, &["close-port", "8080-8088/udp"]).0, 0);
    assert_eq!(h.pending.ports, None);
    assert_eq!(
        cli(&m, &mut h, &["open-port", "70-90"]),
        (1, "ERROR cannot open 70-90/tcp (unit \"web/0\"): port range conflicts with 80/tcp (unit \"web/0\")\n".into())
    );
    assert_eq!(
        cli(
            &m,
            &mut h,
            &["open-port", "1000-2000/UDP", "--endpoints", "db,admin"]
        )
        .0,
        0
    );
    assert_eq!(
        cli(&m, &mut h, &["open-port", "1500/udp"]),
        (1, "ERROR cannot open 1500/udp (unit \"web/0\"): port range conflicts with 1000-2000/udp (unit \"web/0\") requested earlier\n".into())
    );
    assert_eq!(cli(&m, &mut h, &["close-port", "80"]).0, 0);
    assert_eq!(
        cli(&m, &mut h, &["open-port", "80/sctp"]),
        (
            2,
            "ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n".into()
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["open-port"]),
        (2, "ERROR no port or range specified\n".into())
    );
    let pending = h.pending.ports.clone().unwrap();
    assert_eq!(
        ranges_with_endpoints(&pending),
        ["9000/tcp (admin)", "1000-2000/udp (admin, db)"]
    );
    // The hook's own changes are not listed until they are committed.
    assert_eq!(
        cli(&m, &mut h, &["opened-ports"]),
        (0, "80/tcp\n9000/tcp\n".into())
    );
}

#[test]
fn network_get_answers_for_declared_bindings_and_juju_info() {
    let m = Web { trusted: false };
    let mut h = hook();
    let (code, out) = cli(&m, &mut h, &["network-get", "db", "--format=json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({
            "bind-addresses": [{"mac-address": "00:16:3e:01:02:03", "interface-name": "eth0",
                "addresses": [{"hostname": "", "value": "10.1.2.3", "cidr": "10.1.2.0/24"}]}],
            "egress-subnets": ["10.1.2.3/32"],
            "ingress-addresses": ["10.1.2.3"],
        })
    );
    assert_eq!(
        cli(
            &m,
            &mut h,
            &["network-get", "juju-info", "--ingress-address"]
        ),
        (0, "10.1.2.3\n".into())
    );
    assert_eq!(
        cli(
            &m,
            &mut h,
            &[
                "network-get",
                "admin",
                "--egress-subnets",
                "--bind-address",
                "--format=json"
            ]
        ),
        (
            0,
            "{\"bind-address\":\"10.1.2.3\",\"egress-subnets\":[\"10.1.2.3/32\"]}\n".into()
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["network-get", "nope"]),
        (
            1,
            "ERROR no network config found for binding \"nope\"\n".into()
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["network-get"]),
        (2, "ERROR no arguments specified\n".into())
    );
    assert_eq!(
        cli(
            &m,
            &mut h,
            &["network-get", "db", "--primary-address", "--bind-address"]
        ),
        (
            1,
            "ERROR --primary-address must be the only flag specified\n".into()
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["network-get", "db", "-r", "9"]),
        (
            2,
            "ERROR invalid value \"9\" for flag -r: relation not found\n".into()
        )
    );
    assert_eq!(
        cli(&m, &mut h, &["unit-get", "private-address"]),
        (0, "10.1.2.3\n".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["unit-get", "colour"]),
        (2, "ERROR unknown setting \"colour\"\n".into())
    );
}

#[test]
fn goal_state_lists_planned_and_dying_units_in_yaml_or_json() {
    let m = Web { trusted: false };
    let mut h = hook();
    let cx = HookContext::new(&m, &mut h);
    let goal = cx.goal_state().unwrap();
    assert_eq!(goal.planned_units(), 1);
    assert_eq!(goal.relations["db"]["db"].status, "joined");
    let (code, out) = cli(&m, &mut h, &["goal-state", "--format=json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["units"]["web/1"], json!({"status": "dying"}));
    assert_eq!(v["relations"]["db"]["db/1"], json!({"status": "active"}));
    let (code, out) = cli(&m, &mut h, &["goal-state"]);
    assert_eq!(code, 0);
    // YAML by default (its keys sorted: serde_json's maps are ordered by key).
    assert!(
        out.starts_with("relations:\n") && out.contains("\nunits:\n"),
        "{out}"
    );
    assert_eq!(
        cli(&m, &mut h, &["goal-state", "--format=smart"]),
        (
            2,
            "ERROR invalid value \"smart\" for flag --format: unknown format \"smart\"\n".into()
        )
    );
}

#[test]
fn resources_credentials_reboot_and_storage() {
    let m = Web { trusted: false };
    let mut h = hook();
    assert_eq!(
        cli(&m, &mut h, &["resource-get", "blob"]),
        (0, "/var/lib/juju/resources/blob/blob.tgz".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["resource-get", "other"]),
        (1, "ERROR could not download resource: HTTP request failed: Get https://.../units/unit-web-0/resources/other: resource#web/other not found\n".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["resource-get"]),
        (2, "ERROR missing required resource name\n".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["credential-get"]),
        (
            1,
            "ERROR cannot access cloud credentials: permission denied\n".into()
        )
    );
    let trusted = Web { trusted: true };
    assert_eq!(
        cli(&trusted, &mut h, &["credential-get", "--format=json"]),
        (0, "{\"name\":\"localhost\",\"type\":\"lxd\"}\n".into())
    );
    assert_eq!(cli(&m, &mut h, &["juju-reboot"]).0, 0);
    assert_eq!(h.pending.reboot, Some(false));
    assert_eq!(
        cli(&m, &mut h, &["storage-add", "data=2", "data"]).1,
        "ERROR storage \"data\" specified more than once\n"
    );
    assert_eq!(cli(&m, &mut h, &["storage-add", "data=2"]).0, 0);
    assert_eq!(cli(&m, &mut h, &["storage-add", "data"]).0, 0);
    assert_eq!(h.pending.storage_add["data"], 3);
    assert_eq!(
        cli(&m, &mut h, &["storage-add", "logs"]),
        (1, "ERROR storage \"logs\" not found\n".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["storage-add", "data=ssd,10G"]),
        (2, "ERROR only count can be specified for \"data\"\n".into())
    );
    assert_eq!(
        cli(&m, &mut h, &["storage-add"]),
        (2, "ERROR storage add requires a storage directive\n".into())
    );
    let mut action = Hook::new(String::new).action(json!({}));
    assert_eq!(
        cli(&m, &mut action, &["juju-reboot", "--now"]),
        (
            1,
            "ERROR juju-reboot is not supported when running an action.\n".into()
        )
    );
}
