//! Helpers shared by the workspace's cross-crate tests (`tests/*.rs`): the example charms
//! (debug builds) laid out as charm directories, simulator models whose hook tools are the
//! workspace's `cargo-charm`, fault injection into hook tools, and the Python side
//! (`python3`, the `ops` reference charms, charmcraft).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use cargo_charm::sim::Model;

pub mod ping;
pub mod postgresql;
pub mod spec;
pub mod tls;

/// The example charms the end-to-end tests run.
pub const EXAMPLES: [&str; 3] = ["database", "mailserver", "webapp"];

/// The example charms that speak the ecosystem's interfaces, through the interface
/// crates (`interfaces/`), run against Canonical's Python libraries.
pub const ECOSYSTEM_EXAMPLES: [&str; 3] = ["blog", "minica", "minipg"];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The guide `docs/how-to/add-an-integration.md`,
/// included here so that `cargo test --workspace` compiles and runs every Rust snippet in it
/// (and checks that every `compile_fail` snippet fails with the error code the page shows).
#[doc = include_str!("../../docs/how-to/add-an-integration.md")]
pub mod how_to_add_an_integration {}

/// The guide `docs/how-to/write-an-interface-library.md`, included here as the one above.
#[doc = include_str!("../../docs/how-to/write-an-interface-library.md")]
pub mod how_to_write_an_interface_library {}

/// The guide `docs/how-to/use-an-interface-library.md`, included here as the ones above.
#[doc = include_str!("../../docs/how-to/use-an-interface-library.md")]
pub mod how_to_use_an_interface_library {}

/// The cargo this test runs under (`CARGO`, set by `cargo test`), else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The directory of the workspace's debug binaries: where the running test binary's
/// profile directory is (`<target>/debug/deps/<test>` -> `<target>/debug`), else
/// `$CARGO_TARGET_DIR/debug`, else `<workspace>/target/debug`.
pub fn debug_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps) = exe.parent().filter(|d| d.ends_with("deps")) {
            if let Some(profile) = deps.parent() {
                return profile.to_path_buf();
            }
        }
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => workspace_root().join(t).join("debug"),
        None => workspace_root().join("target").join("debug"),
    }
}

/// The target directory (`debug_dir()`'s parent).
pub fn target_dir() -> PathBuf {
    let d = debug_dir();
    d.parent().map(Path::to_path_buf).unwrap_or(d)
}

/// A directory under `<target>/tmp/` private to this process. Directories left by
/// processes that are gone are removed on first use.
pub fn scratch_dir(what: &str) -> PathBuf {
    let base = target_dir().join("tmp").join("charm-tests");
    let _ = std::fs::create_dir_all(&base);
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid {
                if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
    let dir = base.join(format!("{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The debug binaries of the example charms and of `cargo-charm`, by package name.
///
/// `cargo test --workspace` has built them already (the examples and cargo-charm have
/// integration tests, so cargo builds their binaries) and a `cargo build` is then a
/// no-op; run alone (`cargo test -p charm-tests`), this builds them. The build uses the
/// same target directory (cargo releases its build lock before it runs the tests); should
/// it ever wait for that lock, it is stopped and redone in `<target>/charm-tests-build`.
pub fn binaries() -> &'static BTreeMap<String, PathBuf> {
    static BINS: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    BINS.get_or_init(|| {
        let bins = build_binaries(&target_dir()).unwrap_or_else(|| {
            eprintln!("charm-tests: the target directory is locked; building in a separate one");
            build_binaries(&target_dir().join("charm-tests-build"))
                .expect("cargo build is blocked on a lock")
        });
        // Model::new looks for the hook-tools binary itself: point it at this one.
        std::env::set_var("CARGO_CHARM_BIN", &bins["cargo-charm"]);
        bins
    })
}

/// `cargo build --bins -p <each example> -p cargo-charm` in `target`;
/// `None` if cargo blocks waiting for the lock on the build directory.
fn build_binaries(target: &Path) -> Option<BTreeMap<String, PathBuf>> {
    use std::io::{BufRead, BufReader};
    let packages: Vec<&str> = EXAMPLES
        .iter()
        .chain(&ECOSYSTEM_EXAMPLES)
        .copied()
        .chain(["cargo-charm"])
        .collect();
    let mut cmd = Command::new(cargo());
    cmd.current_dir(workspace_root())
        .args([
            "build",
            "--bins",
            "--message-format=json-render-diagnostics",
        ])
        .env("CARGO_TARGET_DIR", target)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for p in &packages {
        cmd.args(["-p", p]);
    }
    let mut child = cmd.spawn().expect("run cargo build");
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut out);
        out
    });
    let mut blocked = false;
    for line in BufReader::new(child.stderr.take().expect("piped"))
        .lines()
        .map_while(Result::ok)
    {
        // The target directory's lock: build elsewhere. The package cache's (shared by
        // every cargo of the machine) is released once the other cargo has resolved.
        if line.contains("Blocking waiting for file lock") && !line.contains("package cache") {
            blocked = true;
            let _ = child.kill();
            break;
        }
        eprintln!("{line}");
    }
    let status = child.wait().expect("wait for cargo build");
    let stdout = reader.join().unwrap_or_default();
    if blocked {
        return None;
    }
    assert!(
        status.success(),
        "`cargo build -p {}` failed",
        packages.join(" -p ")
    );
    let mut bins = BTreeMap::new();
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(exe), Some(name)) = (v["executable"].as_str(), v["target"]["name"].as_str())
        else {
            continue;
        };
        if packages.contains(&name) {
            bins.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    for p in &packages {
        assert!(bins.contains_key(*p), "cargo build did not report `{p}`");
    }
    Some(bins)
}

/// The `cargo-charm` binary (hook tools and CLI).
pub fn cargo_charm_bin() -> &'static Path {
    &binaries()["cargo-charm"]
}

/// Lay out a compiled charm as the directory `charmcraft pack` would produce (what the
/// simulator deploys); `dispatch` is a hard link to `binary` when possible.
pub fn lay_out_charm(binary: &Path, dir: &Path) -> String {
    let yaml = cargo_charm::charmcraft_yaml::charmcraft_yaml_of(binary).expect("charmcraft-yaml");
    let platform = cargo_charm::pack::local_platform(&yaml).expect("a declared platform");
    let files = cargo_charm::pack::charm_files(binary, &yaml, &platform).expect("charm files");
    let _ = std::fs::remove_dir_all(dir);
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        if f.symlink {
            std::os::unix::fs::symlink(String::from_utf8_lossy(&f.data).as_ref(), &p).unwrap();
        } else if f.path == "dispatch" && std::fs::hard_link(binary, &p).is_ok() {
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&p, &f.data).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f.mode)).unwrap();
        }
    }
    std::fs::write(dir.join("charmcraft.yaml"), &yaml).unwrap();
    yaml
}

/// The example charms laid out as charm directories (once per process).
pub struct ExampleCharms {
    dir: PathBuf,
    yaml: BTreeMap<String, String>,
}

impl ExampleCharms {
    /// The charm directory of example `name`.
    pub fn dir(&self, name: &str) -> PathBuf {
        assert!(self.yaml.contains_key(name), "no example charm {name:?}");
        self.dir.join(name)
    }

    /// The `charmcraft.yaml` the example's binary generates.
    pub fn charmcraft_yaml(&self, name: &str) -> &str {
        &self.yaml[name]
    }
}

/// The example charms (debug builds), laid out once per process.
pub fn examples() -> &'static ExampleCharms {
    static CHARMS: OnceLock<ExampleCharms> = OnceLock::new();
    CHARMS.get_or_init(|| lay_out_examples("charms", &EXAMPLES))
}

/// The ecosystem example charms ([`ECOSYSTEM_EXAMPLES`], debug builds), laid out once
/// per process.
pub fn ecosystem_examples() -> &'static ExampleCharms {
    static CHARMS: OnceLock<ExampleCharms> = OnceLock::new();
    CHARMS.get_or_init(|| lay_out_examples("ecosystem-charms", &ECOSYSTEM_EXAMPLES))
}

fn lay_out_examples(what: &str, names: &[&str]) -> ExampleCharms {
    let dir = scratch_dir(what);
    let bins = binaries();
    let yaml = names
        .iter()
        .map(|n| (n.to_string(), lay_out_charm(&bins[*n], &dir.join(n))))
        .collect();
    ExampleCharms { dir, yaml }
}

/// A new model whose hook tools are the workspace's `cargo-charm`.
pub fn model(name: &str) -> Model {
    let tools = cargo_charm_bin();
    let mut m = Model::new(name).expect("model");
    m.set_tool_binary(tools).expect("tool binary");
    m
}

/// Deploys `units` units of `app` from the charm directory `charm`, with the default config.
pub fn deploy(m: &mut Model, app: &str, charm: impl AsRef<Path>, units: usize) {
    m.deploy(app, charm, units, cargo_charm::sim::Config::new())
        .unwrap_or_else(|e| panic!("deploy {app}: {e}"));
}

/// Runs the hooks until the model is quiet, and asserts that none failed.
pub fn settle_cleanly(m: &mut Model) {
    m.settle().expect("settle");
    spec::assert_settled_cleanly(m);
}

/// What a test needs, or `None` once it has printed `SKIPPED: <why>` (the test returns):
/// `let Some(charms) = or_skip(interface_python_charms()) else { return };`.
pub fn or_skip<T>(prerequisite: Result<T, &str>) -> Option<T> {
    prerequisite.map_err(|why| eprintln!("SKIPPED: {why}")).ok()
}

/// The peer relation id of `app` (endpoint `replicas`).
pub fn peer_relation(m: &Model, app: &str) -> u32 {
    let ep = format!("{app}:replicas");
    m.relations()
        .iter()
        .find(|r| r.peer && r.endpoints == [ep.clone()])
        .unwrap_or_else(|| panic!("no peer relation {ep}"))
        .id
}

/// Status `"<status>: <message>"` of a unit.
pub fn unit_status(m: &Model, unit: &str) -> String {
    m.unit_status(unit).expect("unit").to_string()
}

/// Status `"<status>: <message>"` of an application.
pub fn app_status(m: &Model, app: &str) -> String {
    m.app_status(app).expect("app").to_string()
}

/// `slug(x)`: `/` replaced by `-`.
pub fn slug(unit: &str) -> String {
    unit.replace('/', "-")
}

/// Every failed hook of the history, as `unit hook: stderr` lines (for assertion messages).
pub fn failures(m: &Model) -> Vec<String> {
    m.history()
        .iter()
        .filter(|r| !r.succeeded())
        .map(|r| format!("{} {}: {}", r.unit, r.hook, r.stderr.trim()))
        .collect()
}

/// Fault injection into hook tools: a tools binary (a `sh` wrapper around `cargo-charm`)
/// that, when a rule matches, fails the tool call, kills the charm process calling it, or
/// hangs until the simulator's hook timeout kills it.
///
/// A rule is a file `<dir>/<slug(unit)>.<tool>.<action>` (`action`: `fail`, `kill` or
/// `hang`)
/// whose content, if not empty, must occur in the tool's argv (joined by spaces). A rule
/// fires once: the wrapper removes it and appends `<unit> <tool> <action>` to
/// `<dir>/fired`.
pub struct Faults {
    dir: tempfile::TempDir,
}

impl Faults {
    /// A rules directory and its wrapper; install it with [`Faults::install`].
    pub fn new() -> Faults {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        for t in cargo_charm::sim::TOOL_NAMES {
            std::os::unix::fs::symlink(cargo_charm_bin(), real.join(t)).unwrap();
        }
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        let script = format!(
            r#"#!/bin/sh
rules='{rules}'
tool=$(basename "$0")
unit=$(printf '%s' "$JUJU_UNIT_NAME" | tr / -)
for action in fail kill hang; do
    rule="$rules/$unit.$tool.$action"
    [ -f "$rule" ] || continue
    want=$(cat "$rule")
    case " $* " in
        *"$want"*) ;;
        *) continue ;;
    esac
    rm -f "$rule"
    echo "$JUJU_UNIT_NAME $tool $action" >> "$rules/fired"
    if [ "$action" = fail ]; then
        echo "ERROR injected failure of $tool" >&2
        exit 1
    fi
    # kill: SIGKILL the charm process mid-hook; hang: never answer (the simulator's
    # hook timeout kills the charm). Either way, wait for the charm to be gone.
    [ "$action" = kill ] && kill -KILL "$PPID"
    while kill -0 "$PPID" 2>/dev/null; do sleep 0.05; done
    exit 1
done
exec '{real}'/"$tool" "$@"
"#,
            rules = rules.display(),
            real = real.display()
        );
        let wrapper = dir.path().join("tool");
        std::fs::write(&wrapper, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Faults { dir }
    }

    /// Make `model`'s hook tools go through the wrapper.
    pub fn install(&self, model: &mut Model) {
        model
            .set_tool_binary(&self.dir.path().join("tool"))
            .expect("install fault wrapper");
    }

    /// Arm a one-shot rule: `tool` called by `unit` with argv containing `pattern`.
    pub fn arm(&self, unit: &str, tool: &str, action: &str, pattern: &str) {
        assert!(
            matches!(action, "fail" | "kill" | "hang"),
            "unknown action {action}"
        );
        let rule = self
            .dir
            .path()
            .join("rules")
            .join(format!("{}.{tool}.{action}", slug(unit)));
        std::fs::write(rule, pattern).unwrap();
    }

    /// The rules that fired so far (`<unit> <tool> <action>`).
    pub fn fired(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("rules").join("fired"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::new()
    }
}

/// `python3`, if on `PATH`.
pub fn python3() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The Python `ops` reference charms (`bench/ops-reference/build.sh`: `ops` installed from
/// PyPI, cached under `target/`), built once per process: the directory holding
/// `database/`, `mailserver/`, `webapp/`. `Err` says why they cannot be built here
/// (`python3` absent, or PyPI unreachable with nothing cached): the test skips.
pub fn ops_reference_charms() -> Result<&'static Path, &'static str> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = scratch_dir("ops-reference");
        let mut build = Command::new("bash");
        build
            .arg(workspace_root().join("bench/ops-reference/build.sh"))
            .arg(&out);
        let run = run_needing_pypi(build)?;
        assert!(
            run.status.success(),
            "bench/ops-reference/build.sh failed ({}):\n{}",
            run.status,
            output_text(&run)
        );
        Ok(out)
    })
    .as_deref()
    .map_err(String::as_str)
}

/// The Python interop charms of `tests/python-charms` (Canonical's interface libraries,
/// unmodified, in `ops` charms), laid out by its `build.sh` once per process: the
/// directory holding `pg-provider-v0/`, `pg-requirer-v1/`, `tls-provider/`, ... `Err`
/// says why they cannot be built here (`python3` absent, or PyPI unreachable with
/// nothing cached): the test skips.
pub fn interface_python_charms() -> Result<&'static Path, &'static str> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        if python3().is_none() {
            return Err("python3 not found".into());
        }
        let out = scratch_dir("python-charms");
        let run = Command::new("bash")
            .arg(workspace_root().join("tests/python-charms/build.sh"))
            .arg(&out)
            .output()
            .expect("run tests/python-charms/build.sh");
        let stderr = String::from_utf8_lossy(&run.stderr);
        match run.status.code() {
            Some(0) => Ok(out),
            Some(75) => Err(stderr.trim().to_string()),
            _ => panic!(
                "tests/python-charms/build.sh failed ({}):\n{stderr}",
                run.status
            ),
        }
    })
    .as_deref()
    .map_err(String::as_str)
}

/// The file `name` in `unit`'s charm directory; panics naming it when it is absent.
pub fn unit_file(m: &Model, unit: &str, name: &str) -> String {
    m.read_unit_file(unit, name)
        .unwrap()
        .unwrap_or_else(|| panic!("{unit} has no {name}"))
}

/// `unit`'s `events.log` (where the test charms append each event they observe, one a
/// line) has the line `event`.
pub fn assert_event_logged(m: &Model, unit: &str, event: &str) {
    let log = unit_file(m, unit, "events.log");
    assert!(
        log.lines().any(|l| l == event),
        "{unit}: no `{event}` in events.log:\n{log}"
    );
}

/// Runs `cmd`, a command that installs packages from PyPI with pip on first use (into a
/// venv or cache under `target/`) and reuses them afterwards. `Err` is the reason a test
/// that needs it skips: `python3` is absent, or PyPI does not answer and pip has nothing
/// cached. Otherwise the output, for the test to check, failure included.
///
/// When PyPI does not answer, pip runs with `PIP_NO_INDEX=1`: what is cached still
/// installs, and what is not fails at once instead of after pip's retries.
pub fn run_needing_pypi(cmd: Command) -> Result<Output, String> {
    if python3().is_none() {
        return Err("python3 not found".into());
    }
    static INDEX: OnceLock<Result<(), String>> = OnceLock::new();
    let index = INDEX.get_or_init(|| probe_index(&package_index()));
    run_with_index(cmd, index)
}

/// [`run_needing_pypi`] once the index has been probed (`index`).
fn run_with_index(mut cmd: Command, index: &Result<(), String>) -> Result<Output, String> {
    if index.is_err() {
        cmd.env("PIP_NO_INDEX", "1");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    match pypi_verdict(index, out.status.success(), &output_text(&out)) {
        PypiVerdict::Check => Ok(out),
        PypiVerdict::Skip(why) => Err(why),
    }
}

/// What a test makes of a command that needed PyPI.
#[derive(Debug, PartialEq, Eq)]
pub enum PypiVerdict {
    /// Check the output: the command succeeded, or failed for a reason of its own.
    Check,
    /// Skip the test, for this reason.
    Skip(String),
}

/// The decision [`run_needing_pypi`] makes: skip only when the index did not answer
/// (`index`, the probe's error) and the command failed because pip could not get a
/// package. Any other failure is the test's to report.
pub fn pypi_verdict(index: &Result<(), String>, succeeded: bool, output: &str) -> PypiVerdict {
    let Err(unreachable) = index else {
        return PypiVerdict::Check;
    };
    if succeeded {
        return PypiVerdict::Check;
    }
    match pip_could_not_download(output) {
        Some(line) => PypiVerdict::Skip(format!(
            "the package index is unreachable ({unreachable}) and pip has nothing cached: {line}"
        )),
        None => PypiVerdict::Check,
    }
}

/// The line where pip says it could not get a package: none found without an index
/// (`--no-index`), or the index not reached.
fn pip_could_not_download(output: &str) -> Option<&str> {
    const SIGNS: [&str; 6] = [
        "No matching distribution found",
        "Could not find a version that satisfies the requirement",
        "Failed to establish a new connection",
        "Temporary failure in name resolution",
        "Network is unreachable",
        "ProxyError",
    ];
    output
        .lines()
        .find(|l| SIGNS.iter().any(|s| l.contains(s)))
        .map(str::trim)
}

/// The index pip installs from: `PIP_INDEX_URL`, else PyPI.
fn package_index() -> String {
    std::env::var("PIP_INDEX_URL").unwrap_or_else(|_| "https://pypi.org/simple/".into())
}

/// Whether `index` answers an HTTP request (any status) within 20 s, asked through
/// `python3`'s `urllib`, which honours the proxy variables pip honours. `Err` says what
/// went wrong.
pub fn probe_index(index: &str) -> Result<(), String> {
    const PROBE: &str = "import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=10).close()
except urllib.error.HTTPError:
    pass
except Exception as e:
    sys.exit(f'{sys.argv[1]}: {e}')
";
    let mut child = Command::new("python3")
        .args(["-c", PROBE, index])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{index}: no answer within 20 s"));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// A command's stdout and stderr, for messages.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_INDEX: &str =
        "ERROR: Could not find a version that satisfies the requirement ops==2.17 (from versions: none)\nERROR: No matching distribution found for ops==2.17\n";

    fn offline() -> Result<(), String> {
        Err("https://pypi.org/simple/: <urlopen error [Errno -3] Temporary failure in name resolution>".into())
    }

    #[test]
    fn offline_and_pip_found_nothing_skips_with_both_reasons() {
        let PypiVerdict::Skip(why) = pypi_verdict(&offline(), false, NO_INDEX) else {
            panic!("not skipped");
        };
        assert!(
            why.contains("Temporary failure in name resolution"),
            "{why}"
        );
        assert!(why.contains("ops==2.17"), "{why}");
        let retries = "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError(\"Failed to establish a new connection: [Errno 101] Network is unreachable\")': /simple/ops/\n";
        assert!(matches!(
            pypi_verdict(&offline(), false, retries),
            PypiVerdict::Skip(_)
        ));
    }

    #[test]
    fn other_outcomes_are_the_test_s_to_check() {
        // Online, a failure is a failure, even one that looks like pip's.
        assert_eq!(pypi_verdict(&Ok(()), false, NO_INDEX), PypiVerdict::Check);
        // Offline with what was cached: it ran.
        assert_eq!(pypi_verdict(&offline(), true, ""), PypiVerdict::Check);
        // Offline, failing for a reason of its own.
        let broken = "Traceback (most recent call last):\nNameError: name 'x' is not defined\n";
        assert_eq!(pypi_verdict(&offline(), false, broken), PypiVerdict::Check);
    }

    #[test]
    fn the_probe_tells_an_answering_index_from_a_silent_one() {
        if python3().is_none() {
            eprintln!("SKIPPED: python3 not found");
            return;
        }
        // Nothing listens on a port just freed: refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let silent = format!("http://127.0.0.1:{port}/simple/");
        let why = probe_index(&silent).unwrap_err();
        assert!(why.contains(&silent) && why.contains("refused"), "{why}");
        // A server that answers, even 404, is reachable.
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/simple/", server.local_addr().unwrap());
        let answer = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut conn, _) = server.accept().unwrap();
            let mut request = [0; 1024];
            let _ = conn.read(&mut request);
            conn.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        });
        assert_eq!(probe_index(&url), Ok(()));
        answer.join().unwrap();
    }

    #[test]
    fn offline_pip_fails_fast_and_the_test_skips() {
        if python3().is_none() {
            eprintln!("SKIPPED: python3 not found");
            return;
        }
        let target = tempfile::tempdir().unwrap();
        let mut pip = Command::new("python3");
        pip.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(target.path())
        .arg("charm-rs-test-package-that-is-not-cached")
        // Only the empty cache and find-links dir below: nothing to find.
        .env("PIP_FIND_LINKS", target.path())
        .env("PIP_CACHE_DIR", target.path().join("cache"));
        let started = std::time::Instant::now();
        let why = run_with_index(pip, &offline()).unwrap_err();
        assert!(
            why.contains("charm-rs-test-package-that-is-not-cached"),
            "{why}"
        );
        assert!(started.elapsed().as_secs() < 60, "pip did not fail fast");
    }
}
