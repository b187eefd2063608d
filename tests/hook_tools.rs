//! The compiled charm against fake hook-tool executables on `PATH`: the exact argv it
//! passes, what it sends on stdin, and how it handles the tools' output and errors.

use std::collections::BTreeMap;
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
    "state-delete",
    "status-get",
    "application-version-set",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-info-get",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
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
  relation-set) printf '%s stdin: %s\n' "$tool" "$(cat)" >> "$FAKE/stdin" ;;
  state-set)
    input=$(cat)
    printf '%s stdin: %s\n' "$tool" "$input" >> "$FAKE/stdin"
    printf '%s\n' "$input" >> "$FAKE/pending-state-set" ;;
  state-delete) printf '%s\n' "$1" >> "$FAKE/pending-state-delete" ;;
  secret-add|secret-set)
    # A hook killed (SIGKILL) while the tool runs, as Juju's timeout or an OOM kill does.
    if [ -f "$FAKE/kill-charm" ]; then rm "$FAKE/kill-charm"; kill -9 "$PPID"; fi
    for a in "$@"; do
      case "$a" in
        *'#file='*)
          f=${a#*#file=}
          printf '%s %s %s %s\n' "$tool" "$f" "$(stat -c %a "$f")" "$(stat -c %a "$(dirname "$f")")" >> "$FAKE/secret-files"
          printf '%s\n' "$(cat "$f")" >> "$FAKE/secret-values" ;;
      esac
    done ;;
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
        // A unit that ran hooks before, with nothing deferred: no charm state, and the
        // marker saying so (`fresh_charm_dir` removes it).
        fs::write(dir.path().join("out").join("state-get"), "{}").unwrap();
        fs::write(dir.path().join(".charm-rs-deferred"), "0").unwrap();
        FakeJuju { dir }
    }

    /// The committed charm state (what `state-get` prints).
    fn state(&self) -> BTreeMap<String, String> {
        let raw = fs::read_to_string(self.path().join("out").join("state-get")).unwrap();
        serde_json::from_str(&raw).unwrap()
    }

    /// Replaces the committed charm state.
    fn set_state(&self, state: &BTreeMap<String, String>) {
        let raw = serde_json::to_string(state).unwrap();
        fs::write(self.path().join("out").join("state-get"), raw).unwrap();
    }

    /// Runs a hook as Juju does: its `state-set`/`state-delete` are committed only if it
    /// exits 0 (juju/juju `worker/uniter/runner/context/context.go`: the charm-state cache
    /// is written by `HookContext.Flush` when the hook succeeded). Returns the output and
    /// the hook's calls.
    fn run_hook(&self, hook: &str, extra: &[(&str, &str)]) -> (Output, Vec<String>) {
        let before = self.calls().len();
        let out = self.run(hook, extra);
        let set = self.path().join("pending-state-set");
        let delete = self.path().join("pending-state-delete");
        if out.status.success() {
            let mut state = self.state();
            for line in fs::read_to_string(&set).unwrap_or_default().lines() {
                let values: BTreeMap<String, String> = serde_json::from_str(line).unwrap();
                state.extend(values);
            }
            for key in fs::read_to_string(&delete).unwrap_or_default().lines() {
                state.remove(key);
            }
            self.set_state(&state);
        }
        let _ = fs::remove_file(set);
        let _ = fs::remove_file(delete);
        (out, self.calls()[before..].to_vec())
    }

    /// The deferred notices in the committed state.
    fn deferred(&self) -> Vec<serde_json::Value> {
        match self.state().get("charm-rs.deferred") {
            Some(raw) => serde_json::from_str(raw).unwrap(),
            None => Vec::new(),
        }
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

/// A NUL byte cannot be in an argument, and one argument is at most 128 KiB: a status built
/// from a remote value is sent escaped and cut, as `juju-log` messages are, and the hook
/// succeeds.
#[test]
fn a_status_from_a_remote_value_is_escaped_and_cut() {
    let long = "x".repeat(200 * 1024);
    for (database, expected_start) in [
        ("a\\u0000b", "using a\\0b"),
        (long.as_str(), "using xxxxxxxx"),
    ] {
        let juju = FakeJuju::new();
        juju.answer(
            "relation-get --format=json -r 3 --app - database",
            &format!(r#"{{"database": "{database}"}}"#),
        );
        juju.answer("config-get --format=json", r#"{"greeting": "hi"}"#);
        let out = juju.run("db-relation-changed", DB_CHANGED);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let calls = juju.calls();
        let status = calls
            .iter()
            .find_map(|c| c.strip_prefix("status-set --application=False active -- "))
            .unwrap_or_else(|| panic!("no status-set in {calls:?}"));
        assert!(status.starts_with(expected_start), "{}", &status[..40]);
        assert!(status.len() <= charm_runtime::backend::MAX_LOG_MESSAGE);
        if database.len() > 1000 {
            assert!(
                status.ends_with("bytes in all)"),
                "{}",
                &status[status.len() - 40..]
            );
        } else {
            assert_eq!(status, "using a\\0b");
        }
    }
}

/// The same for `action-fail`, whose message here quotes an action parameter.
#[test]
fn an_action_failure_message_is_escaped_and_cut() {
    let long = "y".repeat(200 * 1024);
    for path in ["a\\u0000b", long.as_str()] {
        let juju = FakeJuju::new();
        juju.answer(
            "action-get --format=json",
            &format!(r#"{{"path": "{path}"}}"#),
        );
        let out = run_action(&juju);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let calls = juju.calls();
        let fail = calls
            .iter()
            .find_map(|c| c.strip_prefix("action-fail -- "))
            .unwrap_or_else(|| panic!("no action-fail in {calls:?}"));
        assert!(
            fail.starts_with("`path` must be absolute, not "),
            "{}",
            &fail[..40]
        );
        assert!(fail.len() <= charm_runtime::backend::MAX_LOG_MESSAGE);
        assert!(!fail.contains('\0'));
    }
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
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    let log = failed_cleanly(&out, &calls);
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
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    let log = failed_cleanly(&out, &calls);
    assert!(
        log.contains("relation db:3, databag of database, key `database`: not set"),
        "{log}"
    );
}

#[test]
fn a_missing_tool_is_a_clear_error() {
    let juju = FakeJuju::new();
    juju.remove_tool("relation-get");
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    let log = failed_cleanly(&out, &calls);
    assert!(
        log.contains("hook tool `relation-get` could not be run"),
        "{log}"
    );

    // Without juju-log either, the error goes to stderr (Juju logs it at WARNING).
    juju.remove_tool("juju-log");
    let out = juju.run("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ERROR: hooks/db-relation-changed: handler `Fixture::db_changed` failed: hook tool `relation-get` could not be run"),
        "{stderr}"
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

// ---------------------------------------------------------------------------------------
// Bad input: each time a typed error naming the tool, relation and key, one juju-log
// ERROR line, exit 1, and nothing written.

/// Tools that change the model: none may run in a failed hook.
const WRITES: &[&str] = &[
    "relation-set",
    "state-set",
    "state-delete",
    "status-set",
    "application-version-set",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
];

/// Checks the hook failed cleanly; returns its one ERROR line.
fn failed_cleanly(out: &Output, calls: &[String]) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}\n{calls:#?}");
    let errors: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("juju-log --log-level ERROR"))
        .collect();
    assert_eq!(errors.len(), 1, "{calls:#?}");
    for call in calls {
        let tool = call.split(' ').next().unwrap_or_default();
        assert!(!WRITES.contains(&tool), "a failed hook wrote: {call}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked at"), "{stderr}");
    errors[0].clone()
}

impl FakeJuju {
    fn answer_bytes(&self, argv: &str, stdout: &[u8]) {
        fs::write(self.path().join("out").join(response_key(argv)), stdout).unwrap();
    }
}

const CREDS_CHANGED: &[(&str, &str)] = &[
    ("JUJU_RELATION", "creds"),
    ("JUJU_RELATION_ID", "creds:5"),
    ("JUJU_REMOTE_APP", "vault"),
];
const CREDS_BAG: &str = "relation-get --format=json -r 5 --app - vault";

#[test]
fn missing_or_malformed_variables_are_named() {
    for (var, value, expected) in [
        ("JUJU_UNIT_NAME", "", "JUJU_UNIT_NAME: not set"),
        (
            "JUJU_UNIT_NAME",
            "fixture",
            "JUJU_UNIT_NAME: \"fixture\" is not a unit name",
        ),
        ("JUJU_RELATION_ID", "", "JUJU_RELATION_ID: not set"),
        (
            "JUJU_RELATION_ID",
            "db:",
            "JUJU_RELATION_ID: \"db:\" is not a relation id",
        ),
    ] {
        let juju = FakeJuju::new();
        let mut env = DB_CHANGED.to_vec();
        env.retain(|(k, _)| *k != var);
        env.push((var, value));
        let (out, calls) = juju.run_hook("db-relation-changed", &env);
        let error = failed_cleanly(&out, &calls);
        assert!(error.contains(expected), "{error}");
        assert!(error.contains("cannot start the charm"), "{error}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_variables_are_a_clear_error() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    for var in ["JUJU_REMOTE_UNIT", "JUJU_DISPATCH_PATH", "JUJU_MODEL_NAME"] {
        let juju = FakeJuju::new();
        let mut cmd = Command::new(charm());
        cmd.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", juju.path().join("bin").display()),
            )
            .env("FAKE", juju.path())
            .env("JUJU_DISPATCH_PATH", "hooks/db-relation-changed")
            .env("JUJU_UNIT_NAME", "fixture/0")
            .env("JUJU_CHARM_DIR", juju.path())
            .env("JUJU_RELATION", "db")
            .env("JUJU_RELATION_ID", "db:3")
            .env(var, OsStr::from_bytes(b"bad\xff/0"));
        let out = cmd.output().unwrap();
        let error = failed_cleanly(&out, &juju.calls());
        assert!(
            error.contains(&format!("{var}: is not valid UTF-8: \"bad\u{fffd}/0\"")),
            "{error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_non_utf8_argument_is_an_unknown_argument_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(charm())
        .arg(OsStr::from_bytes(b"charmcraft-yaml\xff"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown argument `charmcraft-yaml\u{fffd}`"),
        "{stderr}"
    );
}

#[test]
fn a_failing_tool_is_named_with_its_exit_code_and_message() {
    let juju = FakeJuju::new();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders"}"#,
    );
    juju.fail(
        "config-get --format=json",
        "ERROR connection is shut down\n",
    );
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert!(
        error.contains("hook tool `config-get` failed (exit code 1): connection is shut down"),
        "{error}"
    );
}

#[test]
fn tool_output_of_the_wrong_shape_names_the_tool_relation_and_key() {
    for (output, expected) in [
        (
            &br#"["database"]"#[..],
            "hook tool `relation-get` printed unexpected output: reading relation db:3, databag of database: expected JSON of type Option<BTreeMap<String, Value>>",
        ),
        (
            br#"{"database": 5}"#,
            "reading relation db:3, databag of database: key \"database\": expected a string, got \"5\"",
        ),
        (b"{\"database\": \"\xff\"}", "relation-get"),
        (b"", "EOF while parsing"),
    ] {
        let juju = FakeJuju::new();
        juju.answer_bytes("relation-get --format=json -r 3 --app - database", output);
        let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
        let error = failed_cleanly(&out, &calls);
        assert!(error.contains(expected), "{error}");
        assert!(error.contains("handler `Fixture::db_changed` failed"), "{error}");
    }
}

#[test]
fn a_typed_bag_that_does_not_decode_names_relation_owner_and_key() {
    let juju = FakeJuju::new();
    juju.answer(CREDS_BAG, r#"{"user": "\"app\"", "port": "\"high\""}"#);
    let (out, calls) = juju.run_hook("creds-relation-changed", CREDS_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert!(
        error.contains("relation creds:5, databag of vault, key `port`: cannot decode as"),
        "{error}"
    );
    assert!(error.contains("\\\"high\\\""), "{error}");

    let juju = FakeJuju::new();
    juju.answer(CREDS_BAG, r#"{"user": "app"}"#);
    let (out, calls) = juju.run_hook("creds-relation-changed", CREDS_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert!(error.contains("key `user`"), "{error}");
    assert!(error.contains("is not JSON"), "{error}");
}

#[test]
fn unknown_keys_huge_values_and_many_keys_load() {
    let big = "u".repeat(1 << 20);
    let mut bag: BTreeMap<String, String> = (0..5_000)
        .map(|i| (format!("other-{i}"), format!("not json {i}")))
        .collect();
    bag.insert("ingress-address".into(), "10.0.0.1".into());
    bag.insert("user".into(), serde_json::to_string(&big).unwrap());
    bag.insert("port".into(), "5432".into());
    let juju = FakeJuju::new();
    juju.answer(CREDS_BAG, &serde_json::to_string(&bag).unwrap());
    let (out, calls) = juju.run_hook("creds-relation-changed", CREDS_CHANGED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(calls.contains(&"relation-set -r 5 --file -".to_string()));
    let stdin = juju.stdin();
    assert!(
        stdin.contains(&format!("{big}:5432")),
        "{} bytes",
        stdin.len()
    );

    // A huge value of the wrong type: the error names the key and shows 60 characters.
    bag.insert("port".into(), serde_json::to_string(&big).unwrap());
    let juju = FakeJuju::new();
    juju.answer(CREDS_BAG, &serde_json::to_string(&bag).unwrap());
    let (out, calls) = juju.run_hook("creds-relation-changed", CREDS_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert!(error.contains("key `port`"), "{}", &error[..200]);
    assert!(error.len() < 1_000, "{} bytes", error.len());
}

// ---------------------------------------------------------------------------------------
// Secrets: content appears in no log line, error, argv or Debug output.

const CANARY: &str = "hunter2-canary";
const SECRET_CHANGED: &[(&str, &str)] = &[
    ("JUJU_SECRET_ID", "secret:cjhg2ok5jrbc769e4mkg"),
    ("JUJU_SECRET_LABEL", "db"),
];

/// No call (argv: log lines included) and no output shows the canary.
fn assert_no_canary(out: &Output, calls: &[String]) {
    for call in calls {
        assert!(
            !call.contains(CANARY),
            "leaked in a tool call: {}",
            call.replace(CANARY, "<CANARY>")
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stderr.contains(CANARY) && !stdout.contains(CANARY),
        "leaked on stdout/stderr"
    );
}

#[test]
fn secret_content_goes_through_private_files_that_are_removed() {
    let juju = FakeJuju::new();
    juju.answer("secret-add", "secret:cjhg2ok5jrbc769e4mk0\n");
    let (out, calls) = juju.run_hook("start", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_no_canary(&out, &calls);
    let add = calls.iter().find(|c| c.starts_with("secret-add")).unwrap();
    assert!(
        add.starts_with("secret-add --label mine --owner unit password#file="),
        "{add}"
    );
    let files = fs::read_to_string(juju.path().join("secret-files")).unwrap();
    let files: Vec<&str> = files.lines().collect();
    assert_eq!(files.len(), 2, "{files:?}");
    for line in files {
        let [_, path, file_mode, dir_mode] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{line}")
        };
        assert_eq!((file_mode, dir_mode), ("600", "700"), "{line}");
        assert!(!Path::new(path).exists(), "{path} was left behind");
        assert!(
            !Path::new(path).parent().unwrap().exists(),
            "its directory was left behind"
        );
    }
    let values = fs::read_to_string(juju.path().join("secret-values")).unwrap();
    assert!(
        values.contains("hunter2-canary-start"),
        "the tool got the content"
    );
    let log = calls.join("\n");
    assert!(
        log.contains("created Secret { id: Some(SecretId(secret:cjhg2ok5jrbc769e4mk0))"),
        "{log}"
    );
}

#[test]
fn secret_content_is_redacted_in_logs_and_errors() {
    // Read, logged with {:?}: keys only.
    let juju = FakeJuju::new();
    juju.answer(
        "secret-get --format=json secret:cjhg2ok5jrbc769e4mkg",
        &format!(r#"{{"username": "app", "password": "{CANARY}"}}"#),
    );
    let (out, calls) = juju.run_hook("secret-changed", SECRET_CHANGED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_no_canary(&out, &calls);
    let log = calls.join("\n");
    assert!(
        log.contains(r#"read {"password": "<redacted>", "username": "<redacted>"}"#),
        "{log}"
    );

    // A missing key: the error names it and the keys there are, never a value.
    let juju = FakeJuju::new();
    juju.answer(
        "secret-get --format=json secret:cjhg2ok5jrbc769e4mkg",
        &format!(r#"{{"password": "{CANARY}"}}"#),
    );
    let (out, calls) = juju.run_hook("secret-changed", SECRET_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert_no_canary(&out, &calls);
    assert!(
        error.contains("secret content has no key `username` (keys: password)"),
        "{error}"
    );

    // Malformed output: the error says where parsing stopped, not what it read.
    for bad in [
        format!(r#"{{"password": "{CANARY}"#),
        format!(r#""{CANARY}""#),
        format!(r#"{{"password": ["{CANARY}"]}}"#),
        format!(r#"{{"password": "{CANARY}"}} trailing"#),
    ] {
        let juju = FakeJuju::new();
        juju.answer("secret-get --format=json secret:cjhg2ok5jrbc769e4mkg", &bad);
        let (out, calls) = juju.run_hook("secret-changed", SECRET_CHANGED);
        let error = failed_cleanly(&out, &calls);
        assert_no_canary(&out, &calls);
        assert!(
            error.contains("hook tool `secret-get` printed unexpected output"),
            "{error}"
        );
        assert!(
            error.contains("not shown: they may be secret content") || error.contains("not shown"),
            "{error}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Faults: a handler that fails after writing leaves the model as if the hook never ran.

fn config_changed(greeting: &str) -> (FakeJuju, Output, Vec<String>) {
    let juju = FakeJuju::new();
    juju.answer(
        "config-get --format=json",
        &format!(r#"{{"greeting": "{greeting}"}}"#),
    );
    juju.answer("relation-ids db --format=json", r#"["db:3"]"#);
    let (out, calls) = juju.run_hook("config-changed", &[]);
    (juju, out, calls)
}

#[test]
fn a_handler_failing_after_writes_writes_nothing() {
    for (greeting, expected) in [
        ("fail", "failing after writes, on purpose"),
        ("panic", "panicked: panicking after writes, on purpose"),
    ] {
        let (juju, out, calls) = config_changed(greeting);
        let error = failed_cleanly(&out, &calls);
        assert!(error.contains(expected), "{error}");
        assert!(error.contains("Nothing it wrote was saved"), "{error}");
        assert!(
            !juju.path().join("secret-files").exists(),
            "secret content was written"
        );
        assert!(!juju.state().contains_key("greeting"));
    }
    // The same handler, succeeding: every write happens, once, at the end.
    let (juju, out, calls) = config_changed("hi");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let writes: Vec<&str> = calls
        .iter()
        .map(|c| c.split(' ').next().unwrap())
        .filter(|t| WRITES.contains(t))
        .collect();
    assert_eq!(
        writes,
        [
            "secret-set",
            "relation-set",
            "state-set",
            "application-version-set",
            "status-set"
        ],
        "{calls:#?}"
    );
    assert_eq!(juju.state()["greeting"], "hi");
}

#[test]
fn a_failed_flush_names_the_relation_and_keys_and_sets_no_status() {
    let juju = FakeJuju::new();
    juju.answer("config-get --format=json", r#"{"greeting": "hi"}"#);
    juju.answer("relation-ids db --format=json", r#"["db:3"]"#);
    juju.fail(
        "relation-set -r 3 --file -",
        "ERROR connection is shut down\n",
    );
    let (out, calls) = juju.run_hook("config-changed", &[]);
    assert_eq!(out.status.code(), Some(1));
    let errors: Vec<&String> = calls
        .iter()
        .filter(|c| c.contains("--log-level ERROR"))
        .collect();
    assert_eq!(errors.len(), 1, "{calls:#?}");
    assert!(
        errors[0].contains("writing the hook's changes failed: hook tool `relation-set` failed (exit code 1): writing relation 3, databag of fixture/0, keys greeting: connection is shut down"),
        "{}",
        errors[0]
    );
    // Immediate tools (status, version) are flushed last: a failed flush sets neither.
    assert!(
        !calls.iter().any(|c| c.starts_with("status-set")
            || c.starts_with("application-version-set")
            || c.starts_with("state-set")),
        "{calls:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// defer(): notices persisted in charm state, re-run first, in order.

const DB_JOINED: &[(&str, &str)] = &[
    ("JUJU_RELATION", "db"),
    ("JUJU_RELATION_ID", "db:3"),
    ("JUJU_REMOTE_UNIT", "database/0"),
    ("JUJU_REMOTE_APP", "database"),
];
const PEER_CHANGED: &[(&str, &str)] = &[
    ("JUJU_RELATION", "replicas"),
    ("JUJU_RELATION_ID", "replicas:1"),
    ("JUJU_REMOTE_UNIT", "fixture/1"),
    ("JUJU_REMOTE_APP", "fixture"),
];

fn info_lines(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| c.strip_prefix("juju-log --log-level INFO -- "))
        .map(str::to_string)
        .collect()
}

fn set_ready(juju: &FakeJuju) {
    let mut state = juju.state();
    state.insert("ready".into(), "yes".into());
    juju.set_state(&state);
}

#[test]
fn deferred_events_persist_and_rerun_first_in_order() {
    let juju = FakeJuju::new();
    juju.answer("relation-ids db --format=json", r#"["db:3"]"#);
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders"}"#,
    );
    let (out, calls) = juju.run_hook("db-relation-joined", DB_JOINED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(info_lines(&calls), ["db_joined db:3 database/0"]);
    let deferred = juju.deferred();
    assert_eq!(
        deferred,
        [serde_json::json!({
            "handler": "Fixture::db_joined",
            "event": {
                "dispatch_path": "hooks/db-relation-joined",
                "relation_endpoint": "db",
                "relation_id": 3,
                "remote_unit": "database/0",
                "remote_app": "database",
            }
        })]
    );
    assert_eq!(
        fs::read_to_string(juju.path().join(".charm-rs-deferred")).unwrap(),
        "1"
    );

    // The same event again: the re-run defers again (kept), the new one is identical
    // (not duplicated).
    let (out, calls) = juju.run_hook("db-relation-joined", DB_JOINED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(info_lines(&calls), ["db_joined db:3 database/0"; 2]);
    assert_eq!(juju.deferred(), deferred);

    // Another deferring handler: the re-run comes first, the new notice goes last.
    let (out, calls) = juju.run_hook("replicas-relation-changed", PEER_CHANGED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        info_lines(&calls),
        ["db_joined db:3 database/0", "peers_changed replicas:1"]
    );
    let deferred = juju.deferred();
    assert_eq!(deferred.len(), 2);
    assert_eq!(deferred[1]["handler"], "Fixture::peers_changed");

    // Ready: an unrelated hook runs both, in order, and clears the list.
    set_ready(&juju);
    juju.answer("relation-ids replicas --format=json", r#"["replicas:1"]"#);
    let (out, calls) = juju.run_hook("install", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        info_lines(&calls),
        ["db_joined db:3 database/0", "peers_changed replicas:1"]
    );
    let debug: Vec<&String> = calls
        .iter()
        .filter(|c| c.contains("re-running the deferred"))
        .collect();
    assert_eq!(debug.len(), 2, "{calls:#?}");
    assert!(
        debug[0].contains("hooks/db-relation-joined (db:3, database/0) for `Fixture::db_joined`"),
        "{}",
        debug[0]
    );
    assert!(
        calls.contains(&"relation-set -r 3 --file -".to_string()),
        "{calls:#?}"
    );
    assert!(juju.stdin().contains(r#"{"joined":"orders"}"#));
    assert!(
        calls.contains(&"state-delete charm-rs.deferred".to_string()),
        "{calls:#?}"
    );
    assert!(juju.deferred().is_empty());

    // The next hook checks the state once more (the marker was not `0`), then records
    // that nothing is deferred; the one after skips the state-get.
    let (_, calls) = juju.run_hook("update-status", &[]);
    assert!(calls.contains(&"state-get --format=json".to_string()));
    assert_eq!(
        fs::read_to_string(juju.path().join(".charm-rs-deferred")).unwrap(),
        "1"
    );
    let (_, calls) = juju.run_hook("install", &[]);
    assert!(calls.contains(&"state-get --format=json".to_string()));
    assert_eq!(
        fs::read_to_string(juju.path().join(".charm-rs-deferred")).unwrap(),
        "0"
    );
    let (_, calls) = juju.run_hook("install", &[]);
    assert!(
        !calls.iter().any(|c| c.starts_with("state-get")),
        "{calls:#?}"
    );
}

#[test]
fn a_fresh_charm_dir_reads_the_state_once() {
    let juju = FakeJuju::new();
    let marker = juju.path().join(".charm-rs-deferred");
    fs::remove_file(&marker).unwrap();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders"}"#,
    );
    juju.answer("config-get --format=json", r#"{"greeting": "hi"}"#);
    // No marker (a new unit, a replaced charm directory, a restarted pod): one state-get
    // finds nothing deferred, and the marker records it.
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(calls[0], "state-get --format=json");
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_eq!(fs::read_to_string(&marker).unwrap(), "0");
    let (_, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.starts_with("state-get")));
    // A marker that is not exactly `0` is not trusted.
    fs::write(&marker, "garbage").unwrap();
    let (_, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    assert_eq!(calls[0], "state-get --format=json");
}

#[test]
fn a_failing_hook_neither_loses_nor_duplicates_notices() {
    let juju = FakeJuju::new();
    juju.answer("relation-ids db --format=json", r#"["db:3"]"#);
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders"}"#,
    );
    juju.run_hook("db-relation-joined", DB_JOINED);
    let before = juju.deferred();
    assert_eq!(before.len(), 1);

    // The deferred handler runs (and would succeed), then the hook's own handler panics:
    // nothing is committed, so the notice is still there, once.
    set_ready(&juju);
    let (out, calls) = juju.run_hook("update-status", &[]);
    let error = failed_cleanly(&out, &calls);
    assert!(error.contains("Fixture::explode"), "{error}");
    assert_eq!(info_lines(&calls), ["db_joined db:3 database/0"]);
    assert_eq!(juju.deferred(), before);

    // A new deferral in a hook that then fails is not recorded either.
    let mut state = juju.state();
    state.remove("ready");
    juju.set_state(&state);
    juju.fail("relation-ids replicas --format=json", "ERROR boom\n");
    juju.answer("is-leader --format=json", "true");
    let (out, _) = juju.run_hook("leader-elected", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(juju.deferred(), before);

    // A fresh charm directory (the marker gone) still finds the notice.
    fs::remove_file(juju.path().join(".charm-rs-deferred")).unwrap();
    set_ready(&juju);
    let (out, calls) = juju.run_hook("install", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(info_lines(&calls), ["db_joined db:3 database/0"]);
    assert!(juju.deferred().is_empty());
}

#[test]
fn a_deferred_event_of_a_removed_relation_sees_an_inactive_relation() {
    let juju = FakeJuju::new();
    juju.answer("relation-ids db --format=json", r#"["db:3"]"#);
    juju.run_hook("db-relation-joined", DB_JOINED);
    assert_eq!(juju.deferred().len(), 1);
    // The relation is gone before the next hook.
    juju.answer("relation-ids db --format=json", "[]");
    juju.fail(
        "relation-get --format=json -r 3 --app - database",
        "ERROR invalid value \"3\" for flag -r: relation not found\n",
    );
    set_ready(&juju);
    let (out, calls) = juju.run_hook("install", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}\n{calls:#?}");
    assert_eq!(info_lines(&calls), ["db_joined db:3 database/0"]);
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("relation-get") || c.starts_with("relation-set")),
        "{calls:#?}"
    );
    let warning = calls.iter().find(|c| c.contains("WARNING")).unwrap();
    assert!(
        warning.contains("dropping writes to relation 3, databag of fixture/0 (joined)"),
        "{warning}"
    );
    assert!(juju.deferred().is_empty());
}

#[test]
fn deferring_what_ops_does_not_defer_is_an_error() {
    let juju = FakeJuju::new();
    let (out, calls) = juju.run_hook("stop", &[]);
    let error = failed_cleanly(&out, &calls);
    assert!(
        error.contains("handler `Fixture::stop` failed: handler `Fixture::stop` cannot defer: `stop` cannot be deferred"),
        "{error}"
    );
    assert!(juju.deferred().is_empty());
}

#[test]
fn unreadable_deferred_state_is_dropped_with_a_warning() {
    let juju = FakeJuju::new();
    fs::remove_file(juju.path().join(".charm-rs-deferred")).unwrap();
    let state: BTreeMap<String, String> = [(
        "charm-rs.deferred".to_string(),
        "[{\"handler\": 5".to_string(),
    )]
    .into();
    juju.set_state(&state);
    let (out, calls) = juju.run_hook("install", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warning = calls.iter().find(|c| c.contains("WARNING")).unwrap();
    assert!(
        warning.contains("stored deferred events are unreadable")
            && warning.contains("dropping them"),
        "{warning}"
    );
    assert!(
        calls.contains(&"state-delete charm-rs.deferred".to_string()),
        "{calls:#?}"
    );
    assert!(juju.state().is_empty());
}

#[test]
fn set_status_now_reaches_juju_before_the_rest_of_the_hook() {
    let juju = FakeJuju::new();
    juju.answer("config-get --format=json", r#"{"greeting": "ready"}"#);
    let out = juju.run("upgrade-charm", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The maintenance status is sent at once, before the hook's other calls; the final
    // status at the end, as ever.
    assert_eq!(
        juju.calls(),
        [
            "status-set --application=False maintenance -- upgrading",
            "config-get --format=json",
            "status-set --application=False active -- ready",
        ]
    );
}

#[test]
fn an_undeclared_action_fails_the_action_with_a_clear_message() {
    let juju = FakeJuju::new();
    let out = juju.run_path(
        "actions/restore",
        &[
            ("JUJU_ACTION_NAME", "restore"),
            ("JUJU_ACTION_UUID", "8"),
            ("JUJU_HOOK_NAME", ""),
        ],
    );
    // Failed with action-fail and exit 0, so Juju keeps the message (as for any failed
    // action); nothing else ran and nothing was written.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let calls = juju.calls();
    let fail = calls
        .iter()
        .find(|c| c.starts_with("action-fail"))
        .unwrap_or_else(|| panic!("no action-fail: {calls:#?}"));
    assert!(
        fail.starts_with(
            "action-fail -- actions/restore: the charm does not declare the action \"restore\" (it declares: backup)"
        ),
        "{fail}"
    );
    let tools: Vec<&str> = calls.iter().map(|c| c.split(' ').next().unwrap()).collect();
    assert_eq!(tools, ["juju-log", "action-fail"], "{calls:#?}");
    assert!(calls[0]
        .starts_with("juju-log --log-level ERROR -- actions/restore: the charm does not declare"));
}

#[test]
fn a_tool_s_stderr_is_escaped_and_cut_in_the_log() {
    let juju = FakeJuju::new();
    juju.answer(
        "relation-get --format=json -r 3 --app - database",
        r#"{"database": "orders"}"#,
    );
    // A tool echoing a remote value: a newline that would start a forged log line, an
    // ANSI escape, a bidi override, and 100 KB more.
    let stderr = format!(
        "ERROR bad value \"x\nINJECTED ERROR forged\x1b[2J\u{202e}\"{}\n",
        "y".repeat(100_000)
    );
    juju.fail("config-get --format=json", &stderr);
    let (out, calls) = juju.run_hook("db-relation-changed", DB_CHANGED);
    let error = failed_cleanly(&out, &calls);
    assert!(
        error.contains(r#"hook tool `config-get` failed (exit code 1): bad value "x\nINJECTED ERROR forged\u{1b}[2J\u{202e}"yyy"#),
        "{error}"
    );
    let cut = format!("… ({} bytes in all)", stderr.trim().len() - "ERROR ".len());
    assert!(
        error.contains(&format!("yyy{cut}. Nothing it wrote")),
        "{}",
        &error[error.len() - 120..]
    );
    assert!(error.len() < 2000, "{}", error.len());
    // The fake tools write one line per call: a newline in the argument would show here.
    assert!(
        !calls.iter().any(|c| c.starts_with("INJECTED")),
        "{calls:#?}"
    );
}

#[test]
fn a_relation_departed_without_juju_departing_unit_runs_as_in_ops() {
    let juju = FakeJuju::new();
    let out = juju.run(
        "db-relation-departed",
        &[
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:3"),
            ("JUJU_REMOTE_UNIT", "database/1"),
            ("JUJU_REMOTE_APP", "database"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        !juju.calls().iter().any(|c| c.contains("ERROR")),
        "{:#?}",
        juju.calls()
    );
}

#[test]
fn secret_files_a_killed_hook_left_are_swept_by_the_next_hook() {
    let juju = FakeJuju::new();
    juju.answer("secret-add", "secret:cjhg2ok5jrbc769e4mk0\n");
    let tmp = juju.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    let tmpdir = [("TMPDIR", tmp.to_str().unwrap())];
    let left = || -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        dirs
    };
    fs::write(juju.path().join("kill-charm"), "").unwrap();
    let out = juju.run("start", &tmpdir);
    assert_eq!(out.status.code(), None, "killed: {out:?}");
    let stale = left();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(
        fs::read_to_string(stale[0].join("password")).unwrap(),
        "hunter2-canary-start"
    );
    // The next hook, whatever it is, removes it: here one whose handler panics.
    let out = juju.run("update-status", &tmpdir);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(left(), Vec::<PathBuf>::new());
    // And a hook that adds a secret and exits normally leaves none.
    let out = juju.run("start", &tmpdir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(left(), Vec::<PathBuf>::new());
}
