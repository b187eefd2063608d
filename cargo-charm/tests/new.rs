//! `cargo charm new`: the files it writes, the workspace it joins, the git repository it
//! makes. That the crate it makes builds, passes its tests and packs, outside this
//! workspace: `tests/outside.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_charm::new::{create, Runtime, Vcs};

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A fake charm-rs workspace in a temp dir: a root `Cargo.toml` with members and a
/// `charm-runtime/Cargo.toml`.
fn fake_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("Cargo.toml"),
        "[package]\nname = \"root\"\n\n[workspace]\nresolver = \"2\"\nmembers = [\n    \"charm-runtime\",\n    \"examples/database\",\n]\n\n[workspace.package]\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(ws.path().join("charm-runtime")).unwrap();
    std::fs::write(
        ws.path().join("charm-runtime/Cargo.toml"),
        "[package]\nname = \"charm-runtime\"\n",
    )
    .unwrap();
    ws
}

#[test]
fn inside_the_workspace_depends_by_path_and_joins_the_members() {
    let ws = fake_workspace();
    let dir = ws.path().join("charms/my-charm");
    let made = create("my-charm", Some(&dir), None, Vcs::None).unwrap();
    assert_eq!(made.runtime, Runtime::Path("../../charm-runtime".into()));
    assert_eq!(made.workspace, Some(ws.path().join("Cargo.toml")));

    let manifest = read(&dir, "Cargo.toml");
    assert!(manifest.contains("name = \"my-charm\"\n"), "{manifest}");
    assert!(
        manifest.contains("[dependencies]\ncharm-runtime = { path = \"../../charm-runtime\" }\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains(
            "[dev-dependencies]\ncharm-runtime = { path = \"../../charm-runtime\", features = [\"testing\"] }\n"
        ),
        "{manifest}"
    );
    let root = read(ws.path(), "Cargo.toml");
    assert!(
        root.contains("members = [\n    \"charm-runtime\",\n    \"examples/database\",\n    \"charms/my-charm\",\n]\n"),
        "{root}"
    );

    let lib = read(&dir, "src/lib.rs");
    assert!(lib.contains("#[charm(\n    name = \"my-charm\","), "{lib}");
    assert!(lib.contains(
        "#[requires(db(interface = \"postgresql_client\", limit = 1))]\npub struct MyCharm;"
    ));
    assert!(lib.contains("#[on(install, config_changed, db_relation_changed, db_relation_broken)]"));
    assert_eq!(
        read(&dir, "src/main.rs"),
        "//! The `my-charm` charm's `dispatch`: Juju runs this binary once per hook.\n\ncharm_runtime::main!(my_charm::MyCharm);\n"
    );
    let test = read(&dir, "tests/scenario.rs");
    assert!(test.contains("use my_charm::MyCharm;"), "{test}");
    assert!(
        test.contains("scenario::Context::<MyCharm>::new()"),
        "{test}"
    );
    let yaml = read(&dir, "charmcraft.yaml");
    assert!(yaml.contains("name: my-charm\n"), "{yaml}");
    // A workspace member is built from the workspace root, as its binary says.
    assert!(
        yaml.contains("    source: ../..\n    rust-path:\n    - charms/my-charm\n    organize:\n      bin/my-charm: dispatch\n"),
        "{yaml}"
    );
    assert!(yaml.ends_with("requires:\n  db:\n    interface: postgresql_client\n    limit: 1\n"));
    let model = read(&dir, "model.yaml");
    assert!(
        model.contains("  my-charm: {charm: ../../target/charms/my-charm, units: 1}\n"),
        "{model}"
    );
    assert!(
        model.contains("  - [my-charm:db, database:db]\n"),
        "{model}"
    );

    // A second time: the directory is not empty, nothing changes.
    let err = create("my-charm", Some(&dir), None, Vcs::None).unwrap_err();
    assert!(
        err.to_string().contains("already exists and is not empty"),
        "{err}"
    );
    assert_eq!(read(ws.path(), "Cargo.toml"), root);
}

#[test]
fn outside_a_workspace_depends_by_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hello");
    let made = create("hello", Some(&dir), None, Vcs::Git).unwrap();
    assert_eq!(made.workspace, None);
    assert!(made.git_init && dir.join(".git").is_dir());
    assert_eq!(
        made.runtime,
        Runtime::Version(env!("CARGO_PKG_VERSION").into())
    );
    let manifest = read(&dir, "Cargo.toml");
    assert!(manifest.contains(&format!(
        "[dependencies]\ncharm-runtime = \"{}\"\n",
        env!("CARGO_PKG_VERSION")
    )));
    let mut files: Vec<String> = made.files.iter().map(|p| p.display().to_string()).collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".gitignore",
            "Cargo.toml",
            "charmcraft.yaml",
            "model.yaml",
            "src/lib.rs",
            "src/main.rs",
            "tests/scenario.rs"
        ]
    );
    assert!(read(&dir, "model.yaml").contains("  hello: {charm: target/charms/hello, units: 1}\n"));
    assert_eq!(read(&dir, ".gitignore"), "/target\n");
    // Its own workspace: the release profile a charm wants, and `source: .`.
    assert!(manifest.contains("\n[profile.release]\n"), "{manifest}");
    assert!(read(&dir, "charmcraft.yaml").contains("    source: '.'\n    organize:\n"));
}

#[test]
fn inside_a_git_work_tree_or_with_vcs_none_makes_no_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new("git")
        .args(["init", "--quiet"])
        .arg(tmp.path())
        .output();
    if !out.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: git cannot be run");
        return;
    }
    let made = create(
        "in-repo",
        Some(&tmp.path().join("charms/in-repo")),
        None,
        Vcs::Git,
    )
    .unwrap();
    assert!(!made.git_init);
    assert!(!made.dir.join(".git").exists() && !made.dir.join(".gitignore").exists());

    let elsewhere = tempfile::tempdir().unwrap();
    let made = create("no-vcs", Some(&elsewhere.path().join("c")), None, Vcs::None).unwrap();
    assert!(!made.git_init && !made.dir.join(".git").exists());
}

#[test]
fn the_generated_code_is_rustfmt_clean() {
    for name in ["a", "a-much-longer-charm-name-than-usual"] {
        rustfmt_clean(name);
    }
}

fn rustfmt_clean(name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    let made = create(name, Some(&dir), None, Vcs::None).unwrap();
    let sources: Vec<PathBuf> = made
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .map(|f| dir.join(f))
        .collect();
    assert_eq!(sources.len(), 3);
    let rustfmt = match Command::new("rustfmt")
        .args(["--edition", "2021", "--check"])
        .args(&sources)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: rustfmt cannot be run: {e}");
            return;
        }
    };
    assert!(
        rustfmt.status.success(),
        "{}",
        String::from_utf8_lossy(&rustfmt.stdout)
    );
}

#[test]
fn rejects_names_juju_would() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["MyCharm", "my_charm", "2fast", "trailing-", ""] {
        let err = create(name, Some(&tmp.path().join("x")), None, Vcs::None).unwrap_err();
        assert!(
            err.to_string().contains("invalid charm name"),
            "{name}: {err}"
        );
    }
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn the_cli_makes_a_crate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "new", "cli-charm", "--vcs", "none", "--path"])
        .arg(tmp.path().join("c"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("created charm `cli-charm` in "),
        "{stdout}"
    );
    assert!(tmp.path().join("c/src/lib.rs").is_file());
}
