//! The compiled charm against fake hook-tool executables on `PATH`: the exact argv it
//! passes, what it sends on stdin, and how it handles the tools' output and errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOOLS: &[&str] = &[
    "juju-log",
    "is-leader",
    "config-get",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "status-set",
    "state-get",
    "state-set",
    "action-get",
    "storage-get",
    "action-set",
    "action-log",
    "action-fail",
];

/// A directory of fake tools that log their argv (and stdin) and answer from files.
struct FakeJuju {
    dir: tempfile::TempDir,
}

impl FakeJuju {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        fs::create_dir_all(dir.path().join("out")).unwrap();
        let script = r#"#!/bin/sh
tool=$(basename "$0")
line="$tool"
for a in "$@"; do line="$line $a"; done
printf '%s\n' "$line" >> "$FAKE/calls"
case "$tool" in
  relation-set|state-set) printf '%s stdin: %s\n' "$tool" "$(cat)" >> "$FAKE/stdin" ;;
esac
key=$(printf '%s' "$line" | tr '/ ' '%_')
if [ -f "$FAKE/out/$key.err" ]; then cat "$FAKE/out/$key.err" >&2; exit 1; fi
if [ -f "$FAKE/out/$key" ]; then cat "$FAKE/out/$key"; exit 0; fi
if [ -f "$FAKE/out/$tool" ]; then cat "$FAKE/out/$tool"; fi
exit 0
"#;
        for tool in TOOLS {
            let path = bin.join(tool);
            fs::write(&path, script).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        FakeJuju { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// What `argv` prints (by exact argv), or what the tool prints by default.
    fn answer(&self, argv: &str, stdout: &str) {
        fs::write(self.path().join("out").join(response_key(argv)), stdout).unwrap();
    }

    /// Makes `argv` fail with `stderr` and exit code 1.
    fn fail(&self, argv: &str, stderr: &str) {
        let key = format!("{}.err", response_key(argv));
        fs::write(self.path().join("out").join(key), stderr).unwrap();
    }

    fn remove_tool(&self, tool: &str) {
        fs::remove_file(self.path().join("bin").join(tool)).unwrap();
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn stdin(&self) -> String {
        fs::read_to_string(self.path().join("stdin")).unwrap_or_default()
    }

    fn run(&self, hook: &str, extra: &[(&str, &str)]) -> Output {
        self.run_path(
            &format!("hooks/{hook}"),
            &[&[("JUJU_HOOK_NAME", hook)], extra].concat(),
        )
    }

    fn run_path(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(charm());
        cmd.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.path().join("bin").display()),
            )
            .env("FAKE", self.path())
            .env("RUST_BACKTRACE", "1")
            .env("JUJU_DISPATCH_PATH", dispatch_path)
            .env("JUJU_UNIT_NAME", "fixture/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000")
            .env("JUJU_VERSION", "3.6.8")
            .env("JUJU_CHARM_DIR", self.path())
            .current_dir(self.path());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

/// The file name the fake tools look their answer up by (as the script computes it).
fn response_key(argv: &str) -> String {
    argv.replace('/', "%").replace(' ', "_")
}

fn charm() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fixture-charm"))
}

const DB_CHANGED: &[(&str, &str)] = &[
    ("JUJU_RELATION", "db"),
    ("JUJU_RELATION_ID", "db:3"),
    ("JUJU_REMOTE_UNIT", ""),
    ("JUJU_REMOTE_APP", "database"),
];

#[test]
fn a_typical_relation_changed_hook_makes_four_tool_calls() {
    let juju = FakeJuju::new();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders", "endpoints": "db-0:5432"}"#,
    );
    juju.answer("config-get --format=json", r#"{"greeting": "hi"}"#);
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls(),
        [
            "relation-get --format=json -r 3 --app - database",
            "config-get --format=json",
            "relation-set -r 3 --file -",
            "status-set --application=False active -- using orders",
        ]
    );
    assert_eq!(
        juju.stdin(),
        "relation-set stdin: {\"seen\":\"hi orders\"}\n"
    );
}

#[test]
fn a_tool_error_is_logged_once_and_nothing_is_written() {
    let juju = FakeJuju::new();
    juju.fail(
        "relation-get --format=json -r 3 --app - database",
        "ERROR permission denied\n",
    );
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(1));
    let calls = juju.calls();
    let errors: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("juju-log --log-level ERROR"))
        .collect();
    assert_eq!(errors.len(), 1, "{calls:#?}");
    assert!(
        errors[0].contains("handler `Fixture::db_changed` failed"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("permission denied"), "{}", errors[0]);
    assert!(!calls
        .iter()
        .any(|c| c.starts_with("relation-set") || c.starts_with("status-set")));
}

#[test]
fn malformed_tool_output_names_the_tool() {
    let juju = FakeJuju::new();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        "{\"database\": 5",
    );
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(1));
    let log = juju.calls().join("\n");
    assert!(
        log.contains("hook tool `relation-get` printed unexpected output"),
        "{log}"
    );
}

#[test]
fn a_databag_value_of_the_wrong_shape_is_reported_with_its_key() {
    let juju = FakeJuju::new();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        "{\"other\": \"x\"}",
    );
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(1));
    let log = juju.calls().join("\n");
    assert!(
        log.contains("relation db:3, databag of database, key `database`: not set"),
        "{log}"
    );
}

#[test]
fn a_missing_tool_is_a_clear_error() {
    let juju = FakeJuju::new();
    juju.remove_tool("relation-get");
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(1));
    let log = juju.calls().join("\n");
    assert!(
        log.contains("hook tool `relation-get` could not be run"),
        "{log}"
    );
}

#[test]
fn a_panic_is_logged_without_a_backtrace() {
    let juju = FakeJuju::new();
    let out = juju.run("update-status", &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
    let log = juju.calls().join("\n");
    assert!(
        log.contains("handler `Fixture::explode` failed: panicked: index out of bounds"),
        "{log}"
    );
}

#[test]
fn leader_writes_the_peer_app_bag_with_one_relation_set() {
    let juju = FakeJuju::new();
    juju.answer("is-leader --format=json", "true");
    juju.answer("relation-ids replicas --format=json", "[\"replicas:1\"]");
    let out = juju.run("leader-elected", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls(),
        [
            "is-leader --format=json",
            "relation-ids replicas --format=json",
            "relation-set -r 1 --app --file -",
        ]
    );
    assert_eq!(
        juju.stdin(),
        "relation-set stdin: {\"primary\":\"fixture/0\"}\n"
    );
}

#[test]
fn unknown_hooks_are_ignored_with_a_debug_line() {
    let juju = FakeJuju::new();
    let out = juju.run("collect-metrics", &[]);
    assert_eq!(out.status.code(), Some(0));
    let calls = juju.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with("juju-log --log-level DEBUG -- hooks/collect-metrics: no handler"));
}

#[test]
fn a_malformed_environment_is_an_error_not_a_panic() {
    let juju = FakeJuju::new();
    let out = juju.run(
        "db-relation-changed",
        &[("JUJU_RELATION", "db"), ("JUJU_RELATION_ID", "three")],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = juju.calls().join("\n");
    assert!(
        log.contains("JUJU_RELATION_ID: \"three\" is not a relation id"),
        "{log}"
    );
}

#[test]
fn without_juju_it_prints_help_and_exits_2() {
    let out = Command::new(charm()).env_clear().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("charmcraft-yaml"));
    let out = Command::new(charm())
        .arg("charmcraft-yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("name: fixture\n"), "{yaml}");
    assert!(
        yaml.contains("greeting:\n      type: string\n      default: hello\n"),
        "{yaml}"
    );
}

const BACKUP: &[(&str, &str)] = &[("JUJU_ACTION_NAME", "backup"), ("JUJU_ACTION_UUID", "7")];

fn run_action(juju: &FakeJuju) -> Output {
    let mut cmd_env: Vec<(&str, &str)> = BACKUP.to_vec();
    cmd_env.push(("JUJU_HOOK_NAME", ""));
    juju.run_path("actions/backup", &cmd_env)
}

#[test]
fn an_action_gets_typed_params_and_sets_flattened_results() {
    let juju = FakeJuju::new();
    juju.answer(
        "action-get --format=json",
        r#"{"path": "/srv/backup", "keep": 5}"#,
    );
    let out = run_action(&juju);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls(),
        [
            "action-get --format=json",
            "action-log -- backing up to /srv/backup",
            "action-set kept.count=5 path=/srv/backup",
        ]
    );
}

#[test]
fn an_action_with_bad_params_fails_the_action_not_the_unit() {
    let juju = FakeJuju::new();
    juju.answer("action-get --format=json", r#"{"path": 42}"#);
    let out = run_action(&juju);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let calls = juju.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].starts_with(
            "action-fail -- invalid parameters for action `backup`: invalid type: integer `42`"
        ),
        "{calls:?}"
    );
    let juju = FakeJuju::new();
    juju.answer("action-get --format=json", r#"{"path": ""}"#);
    let out = run_action(&juju);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls()[1],
        "action-fail -- `path` is empty: give a directory to write the backup to"
    );
}

#[test]
fn actions_are_declared_in_charmcraft_yaml() {
    let out = Command::new(charm())
        .arg("charmcraft-yaml")
        .output()
        .unwrap();
    let yaml = String::from_utf8(out.stdout).unwrap();
    let expected = "actions:
  backup:
    description: Back up the data to a path.
    params:
      path:
        description: Where to write the backup.
        type: string
      keep:
        default: 3
        description: How many old backups to keep.
        type: integer
    required:
    - path
    additionalProperties: false
";
    assert!(yaml.ends_with(expected), "{yaml}");
}

#[test]
fn storage_and_workload_hooks_reach_their_handlers() {
    let juju = FakeJuju::new();
    juju.answer(
        "storage-get --format=json -s data/0 location",
        "\"/srv/data\"",
    );
    let out = juju.run("data-storage-attached", &[("JUJU_STORAGE_ID", "data/0")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls(),
        [
            "storage-get --format=json -s data/0 location",
            "status-set --application=False maintenance -- data/0 at /srv/data",
        ]
    );
    let juju = FakeJuju::new();
    let out = juju.run(
        "workload-pebble-ready",
        &[("JUJU_WORKLOAD_NAME", "workload")],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        juju.calls(),
        ["status-set --application=False active -- workload ready at /charm/containers/workload/pebble.socket"]
    );
}

#[test]
fn storage_containers_and_resources_are_declared_in_charmcraft_yaml() {
    let out = Command::new(charm())
        .arg("charmcraft-yaml")
        .output()
        .unwrap();
    let yaml = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "containers:\n  workload:\n    resource: workload_image\n    mounts:\n    - storage: data\n      location: /var/lib/app\n",
        "resources:\n  workload_image:\n    type: oci-image\n    description: The workload's image.\n",
        "storage:\n  data:\n    type: filesystem\n    description: Where data lives.\n    location: /srv/data\n",
    ] {
        assert!(yaml.contains(expected), "missing:\n{expected}\nin:\n{yaml}");
    }
}
