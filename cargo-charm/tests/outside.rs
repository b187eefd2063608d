//! A new user outside this workspace, as the README tells them: `cargo install --path
//! <checkout>/cargo-charm` (here with `--debug`, to build less), then in a fresh directory `cargo charm new hello`,
//! `cargo test`, `cargo charm yaml --check`, `cargo charm pack --dir` and
//! `cargo charm sim`, with the `cargo charm` that `cargo install` put on `PATH`.
//!
//! The crate depends on `charm-runtime = "0.1.0"` from crates.io, as `cargo charm new`
//! writes it; a `[patch.crates-io]` in the temporary directory's `.cargo/config.toml`
//! points it at this checkout (cargo's own mechanism, no edit of the crate).
//!
//! What it costs: `cargo install` builds in this workspace's own target directory, where
//! the `cargo test` running this test has built the same cargo-charm already (cargo
//! releases its build lock before it runs the tests), so the install reuses it. The
//! crate's builds go to one target directory, `target/cargo-charm-e2e`, kept between
//! runs: the first run compiles charm-runtime and its dependencies, later runs only what
//! changed. The crate gets this workspace's `Cargo.lock` so that its dependencies are
//! the versions already built there. Its builds have less debug info and
//! `pack`'s release build no optimisation ([`QUICK_PROFILES`]): what this test checks (a
//! static binary that runs as the charm) depends on neither, which cost a minute on 2
//! cores.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};
use object::{elf, Endianness};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The target directory every cargo of this test shares.
fn shared_target() -> PathBuf {
    workspace_root().join("target/cargo-charm-e2e")
}

/// The profiles of the builds this test makes: debug builds with line tables only (as
/// this workspace's), release builds without optimisation or LTO (cargo's
/// `CARGO_PROFILE_*` variables override the crate's `[profile.*]`).
const QUICK_PROFILES: [(&str, &str); 4] = [
    ("CARGO_PROFILE_DEV_DEBUG", "line-tables-only"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
];

/// This workspace's own target directory: the parent of the `tmp` directory cargo gives
/// integration tests (`CARGO_TARGET_TMPDIR`).
fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_path_buf()
}

/// Runs `cmd` with the test's environment: offline (the dependencies are this
/// workspace's, already downloaded), the installed `cargo charm` first on `PATH`,
/// [`QUICK_PROFILES`]; unless `cmd` names its own target directory, the shared
/// one and nothing of the outer `cargo test` that would steer the inner cargo (a build in
/// the workspace's target directory keeps the outer flags, or it would rebuild there).
fn run(cmd: &mut Command, root: &Path) -> Output {
    let path = format!(
        "{}:{}",
        root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    if !cmd.get_envs().any(|(k, _)| k == "CARGO_TARGET_DIR") {
        cmd.env("CARGO_TARGET_DIR", shared_target())
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
    }
    cmd.envs(QUICK_PROFILES)
        // Every crate is this workspace's, already downloaded.
        .env("CARGO_NET_OFFLINE", "true")
        .env("PATH", path)
        .env_remove("CARGO_CHARM_BIN");
    let line = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let started = std::time::Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{line}: {e}"));
    eprintln!("{line}: {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        out.status.success(),
        "{line} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What an ELF executable needs from the machine that runs it, read from its headers:
/// the `PT_INTERP` loader and the `DT_NEEDED` libraries.
fn loader_and_libraries(data: &[u8]) -> (Option<String>, Vec<String>) {
    let header = elf::FileHeader64::<Endianness>::parse(data).expect("a 64-bit ELF file");
    let endian = header.endian().unwrap();
    let interp = header
        .program_headers(endian, data)
        .unwrap()
        .iter()
        .find_map(|p| p.interpreter(endian, data).unwrap())
        .map(|i| String::from_utf8_lossy(i).into_owned());
    let sections = header.sections(endian, data).unwrap();
    let mut needed = Vec::new();
    for s in sections.iter() {
        if let Some((entries, link)) = s.dynamic(endian, data).unwrap() {
            let strings = sections.strings(endian, data, link).unwrap();
            for e in entries {
                if e.tag(endian) == elf::DT_NEEDED {
                    let name = e.string(endian, strings).unwrap();
                    needed.push(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    (interp, needed)
}

#[test]
fn a_new_user_installs_cargo_charm_and_makes_tests_and_packs_a_charm() {
    if !workspace_root().join("charm-runtime/Cargo.toml").is_file() {
        eprintln!("skipped: not in the charm-rs workspace (the published crate's tests)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    // 1. `cargo install --path <checkout>/cargo-charm`, with `--debug`: the same
    //    program, in the profile and target directory the outer `cargo test` built it in.
    run(
        cargo()
            .args(["install", "--debug", "--locked", "--path"])
            .arg(workspace_root().join("cargo-charm"))
            .arg("--root")
            .arg(&root)
            .env("CARGO_TARGET_DIR", workspace_target()),
        &root,
    );
    assert!(root.join("bin/cargo-charm").is_file());

    // charm-runtime from this checkout, in place of crates.io's.
    std::fs::create_dir_all(tmp.path().join(".cargo")).unwrap();
    std::fs::write(
        tmp.path().join(".cargo/config.toml"),
        format!(
            "[patch.crates-io]\ncharm-runtime = {{ path = {:?} }}\n",
            workspace_root().join("charm-runtime")
        ),
    )
    .unwrap();

    // 2. `cargo charm new hello`: a crate, a git repository, a .gitignore.
    let out = run(
        cargo().args(["charm", "new", "hello"]).current_dir(&work),
        &root,
    );
    assert!(
        stdout(&out).starts_with("created charm `hello` in "),
        "{}",
        stdout(&out)
    );
    let hello = work.join("hello");
    assert!(hello.join(".git").is_dir(), "no git repository");
    assert_eq!(
        std::fs::read_to_string(hello.join(".gitignore")).unwrap(),
        "/target\n"
    );
    let manifest = std::fs::read_to_string(hello.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\ncharm-runtime = \"0.1.0\"\n")
            && manifest.contains("\nserde = { version = \"1\", features = [\"derive\"] }\n"),
        "{manifest}"
    );
    std::fs::copy(
        workspace_root().join("Cargo.lock"),
        hello.join("Cargo.lock"),
    )
    .unwrap();

    // 3. `cargo test`: the Scenario test and the charmcraft.yaml freshness test.
    let out = run(cargo().args(["test"]).current_dir(&hello), &root);
    assert!(
        stdout(&out).contains("test result: ok. 2 passed"),
        "{}",
        stdout(&out)
    );

    // 4. Without -p: the crate is its own workspace root, and its charm.
    let out = run(
        cargo()
            .args(["charm", "yaml", "--check"])
            .current_dir(&hello),
        &root,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("charmcraft.yaml is up to date"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 5. `cargo charm pack --dir`: one charm per declared platform, named as charmcraft
    //    names it, with progress on stderr.
    let out = run(
        cargo().args(["charm", "pack", "--dir"]).current_dir(&hello),
        &root,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "cargo charm: building hello (release, x86_64-unknown-linux-gnu, statically linked)"
        ) || std::env::consts::ARCH != "x86_64",
        "{stderr}"
    );
    let charm = shared_target().join("charms/hello_amd64.charm");
    assert!(
        stdout(&out).contains(&format!("packed {} (", charm.display())),
        "{}",
        stdout(&out)
    );

    // The packed binary needs nothing from the machine: it runs on every base.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&charm).unwrap()).unwrap();
    let mut dispatch = Vec::new();
    zip.by_name("dispatch")
        .unwrap()
        .read_to_end(&mut dispatch)
        .unwrap();
    let (interp, needed) = loader_and_libraries(&dispatch);
    assert_eq!(interp, None, "the packed dispatch asks for a loader");
    assert!(needed.is_empty(), "the packed dispatch loads {needed:?}");
    let mut manifest = String::new();
    zip.by_name("manifest.yaml")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest: serde_json::Value = serde_saphyr::from_str(&manifest).unwrap();
    assert_eq!(manifest["charmcraft-version"], "4.5.0");
    assert_eq!(
        manifest["bases"],
        serde_json::json!([{"name": "ubuntu", "channel": "24.04", "architectures": ["amd64"]}])
    );
    // And it runs: here, with no loader and no libc of this machine.
    let exe = tmp.path().join("dispatch");
    std::fs::write(&exe, &dispatch).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let yaml = run(Command::new(&exe).arg("charmcraft-yaml"), &root);
    assert!(
        stdout(&yaml).contains("\nname: hello\n"),
        "{}",
        stdout(&yaml)
    );

    // 6. `cargo charm sim`, with the charm directory `pack --dir` laid out.
    let model = hello.join("sim.yaml");
    std::fs::write(
        &model,
        format!(
            "name: hello\napplications:\n  hello: {{charm: {}, units: 1}}\n",
            shared_target().join("charms/hello").display()
        ),
    )
    .unwrap();
    let out = run(
        cargo()
            .args(["charm", "sim"])
            .arg(&model)
            .current_dir(&hello),
        &root,
    );
    let table = stdout(&out);
    let unit = table
        .lines()
        .find(|l| l.starts_with("hello/0*"))
        .unwrap_or_else(|| panic!("no hello/0 in\n{table}"));
    assert!(
        unit.contains(" blocked ") && unit.ends_with("needs a db relation"),
        "{table}"
    );
}
