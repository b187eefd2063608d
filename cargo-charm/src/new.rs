//! `cargo charm new <name> [--path DIR]`: a new charm crate, from nothing to a passing
//! Scenario test.
//!
//! The crate has a `src/lib.rs` declaring one endpoint (`db`, interface
//! `postgresql_client`, `limit = 1`: the interface the workspace's example `database`
//! charm provides) and one holistic handler, a `src/main.rs` that is the charm's
//! `dispatch`, a `tests/scenario.rs` with one Scenario test (and one that the committed
//! `charmcraft.yaml` is what the declarations generate), that `charmcraft.yaml`, and a
//! `model.yaml` for `cargo charm sim`.
//!
//! Run inside the charm-rs workspace (a workspace whose root has a `charm-runtime`
//! member), the crate depends on `charm-runtime` by path and is added to the workspace's
//! `members`; anywhere else it depends on the published version, is its own workspace
//! (with the release profile a charm wants) and, as `cargo new` does, gets a git
//! repository and a `.gitignore` unless it is inside one already.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The `charm-runtime` version a crate made outside the workspace depends on.
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a charm crate could not be made.
#[derive(Debug)]
pub enum NewError {
    /// The charm name is not one Juju accepts.
    InvalidName(String),
    /// The target directory exists and is not empty.
    Exists(PathBuf),
    /// Reading or writing a file failed.
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// The workspace's `Cargo.toml` has no `members = [..]` list to add the crate to.
    Workspace(String),
}

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewError::InvalidName(name) => write!(
                f,
                "invalid charm name `{name}`: use lowercase letters, digits and single `-`, starting with a letter and not ending with `-` (e.g. `my-charm`)"
            ),
            NewError::Exists(dir) => {
                write!(f, "{} already exists and is not empty", dir.display())
            }
            NewError::Io { context, source } => write!(f, "{context}: {source}"),
            NewError::Workspace(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for NewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NewError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> NewError {
    let context = context.into();
    move |source| NewError::Io { context, source }
}

/// How the new crate depends on `charm-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `charm-runtime = { path = ".." }`, relative to the new crate.
    Path(PathBuf),
    /// `charm-runtime = "<version>"` from the registry.
    Version(String),
}

/// The version control `cargo charm new` sets up, as `cargo new --vcs` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Vcs {
    /// `git init` and a `.gitignore`, unless the directory is inside a git work tree.
    #[default]
    Git,
    /// Nothing.
    None,
}

/// A charm crate made by [`create`].
#[derive(Debug, Clone)]
pub struct NewCharm {
    /// The charm (and package) name.
    pub name: String,
    /// The crate's directory.
    pub dir: PathBuf,
    /// How it depends on `charm-runtime`.
    pub runtime: Runtime,
    /// The workspace `Cargo.toml` it was added to, if any.
    pub workspace: Option<PathBuf>,
    /// The files written, relative to `dir`.
    pub files: Vec<PathBuf>,
    /// Whether a git repository was made in `dir`.
    pub git_init: bool,
}

/// Whether Juju accepts `name` as a charm name: lowercase letters, digits and single
/// `-`, starting with a letter, not ending with `-`.
///
/// ```
/// use cargo_charm::new::valid_charm_name;
/// assert!(valid_charm_name("my-charm2"));
/// assert!(!valid_charm_name("My_Charm"));
/// assert!(!valid_charm_name("2charm"));
/// assert!(!valid_charm_name("my--charm"));
/// ```
pub fn valid_charm_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.contains("--")
        && !name.ends_with('-')
}

/// `my-charm` ⇒ `MyCharm`: the charm struct's name.
pub fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The charm-rs workspace `dir` is in: the nearest ancestor (or `dir` itself) whose
/// `Cargo.toml` has a `[workspace]` and whose `charm-runtime/Cargo.toml` is the
/// `charm-runtime` package. Returns the workspace root.
pub fn find_workspace(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find_map(|d| {
        let manifest = std::fs::read_to_string(d.join("Cargo.toml")).ok()?;
        let runtime = std::fs::read_to_string(d.join("charm-runtime/Cargo.toml")).ok()?;
        (manifest.lines().any(|l| l.trim() == "[workspace]")
            && runtime
                .lines()
                .any(|l| l.trim() == "name = \"charm-runtime\""))
        .then(|| d.to_path_buf())
    })
}

/// `path` without `.` and `..` components (lexically), made absolute from the current
/// directory.
fn absolute(path: &Path) -> Result<PathBuf, NewError> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_err("cannot read the current directory"))?
            .join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `to` relative to `from` (both absolute and lexically normal), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Whether `dir` (which need not exist) is inside a git work tree.
fn inside_git_work_tree(dir: &Path) -> bool {
    let Some(existing) = dir.ancestors().find(|d| d.is_dir()) else {
        return false;
    };
    Command::new("git")
        .arg("-C")
        .arg(existing)
        .args(["rev-parse", "--is-inside-work-tree"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes charm crate `name` in `dir` (default `./<name>`). `runtime` overrides how it
/// depends on `charm-runtime` (and then it is added to no workspace); by default, by
/// path inside the charm-rs workspace (and added to its `members`), else by version.
/// With [`Vcs::Git`] and outside a git work tree, the crate gets `git init` and a
/// `.gitignore`, as `cargo new` does.
pub fn create(
    name: &str,
    dir: Option<&Path>,
    runtime: Option<Runtime>,
    vcs: Vcs,
) -> Result<NewCharm, NewError> {
    let dir = target_dir(name, dir)?;
    let (workspace, runtime) = locate_runtime(&dir, runtime);
    let member = workspace.as_ref().map(|root| relative(root, &dir));
    // Edit the workspace manifest first: if that fails, nothing is written.
    let members_edit = match (&workspace, &member) {
        (Some(root), Some(member)) => {
            let manifest = root.join("Cargo.toml");
            let text = std::fs::read_to_string(&manifest)
                .map_err(io_err(format!("cannot read {}", manifest.display())))?;
            Some((manifest, add_member(&text, member)?))
        }
        _ => None,
    };

    let git = vcs == Vcs::Git && !inside_git_work_tree(&dir);
    let mut files = templates(name, &runtime, member.as_deref());
    if git {
        files.push((".gitignore".into(), "/target\n".into()));
    }
    write_files(&dir, &files)?;
    if let Some((manifest, text)) = members_edit {
        std::fs::write(&manifest, text)
            .map_err(io_err(format!("cannot write {}", manifest.display())))?;
    }
    if git {
        git_init(&dir)?;
    }
    Ok(NewCharm {
        name: name.into(),
        dir,
        runtime,
        workspace: workspace.map(|root| root.join("Cargo.toml")),
        files: files.into_iter().map(|(p, _)| PathBuf::from(p)).collect(),
        git_init: git,
    })
}

/// The charm's directory (default `./<name>`), absolute; it must be missing or empty.
fn target_dir(name: &str, dir: Option<&Path>) -> Result<PathBuf, NewError> {
    if !valid_charm_name(name) {
        return Err(NewError::InvalidName(name.into()));
    }
    let dir = absolute(dir.unwrap_or(Path::new(name)))?;
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map_err(io_err(format!("cannot read {}", dir.display())))?
            .next()
            .is_some()
    {
        return Err(NewError::Exists(dir));
    }
    Ok(dir)
}

/// The charm-rs workspace the charm joins (none when `runtime` is given), and how it
/// depends on `charm-runtime`: the given way, by path inside the workspace, else by
/// version.
fn locate_runtime(dir: &Path, runtime: Option<Runtime>) -> (Option<PathBuf>, Runtime) {
    let parent = dir.parent().unwrap_or(Path::new("/"));
    let workspace = match runtime {
        Some(_) => None,
        None => find_workspace(parent),
    };
    let runtime = match (runtime, &workspace) {
        (Some(r), _) => r,
        (None, Some(root)) => {
            Runtime::Path(PathBuf::from(relative(dir, &root.join("charm-runtime"))))
        }
        (None, None) => Runtime::Version(RUNTIME_VERSION.into()),
    };
    (workspace, runtime)
}

/// Writes each file under `dir`, making its parent directories.
fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), NewError> {
    for (path, content) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io_err(format!("cannot create {}", parent.display())))?;
        }
        std::fs::write(&p, content).map_err(io_err(format!("cannot write {}", p.display())))?;
    }
    Ok(())
}

/// `git init --quiet dir`.
fn git_init(dir: &Path) -> Result<(), NewError> {
    let out = Command::new("git")
        .args(["init", "--quiet"])
        .arg(dir)
        .output()
        .map_err(io_err(
            "cannot run `git init` (is git installed? `--vcs none` skips it)",
        ))?;
    if !out.status.success() {
        return Err(NewError::Io {
            context: format!("`git init {}` failed", dir.display()),
            source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        });
    }
    Ok(())
}

/// `text` (a workspace `Cargo.toml`) with `member` added to `[workspace] members`;
/// unchanged if it is already there.
///
/// ```
/// let toml = "[workspace]\nmembers = [\n    \"a\",\n    \"b\",\n]\n";
/// let out = cargo_charm::new::add_member(toml, "charms/c").unwrap();
/// assert_eq!(out, "[workspace]\nmembers = [\n    \"a\",\n    \"b\",\n    \"charms/c\",\n]\n");
/// assert_eq!(cargo_charm::new::add_member(&out, "charms/c").unwrap(), out);
/// ```
pub fn add_member(text: &str, member: &str) -> Result<String, NewError> {
    let no_list = || {
        NewError::Workspace(format!(
            "cannot add `{member}` to the workspace: its Cargo.toml has no `members = [ ... ]` list under `[workspace]`; add it by hand"
        ))
    };
    let ws = text
        .find("\n[workspace]")
        .map(|i| i + 1)
        .or_else(|| text.starts_with("[workspace]").then_some(0));
    let ws = ws.ok_or_else(no_list)?;
    let start = text[ws..]
        .find("members")
        .map(|i| ws + i)
        .ok_or_else(no_list)?;
    let open = text[start..]
        .find('[')
        .map(|i| start + i)
        .ok_or_else(no_list)?;
    let close = text[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(no_list)?;
    let list = &text[open + 1..close];
    let quoted = format!("\"{member}\"");
    if list.split(',').any(|m| m.trim() == quoted) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len() + member.len() + 8);
    if list.contains('\n') {
        // One member per line: `    "member",` before the closing bracket's line.
        let line_start = text[..close].rfind('\n').map_or(close, |i| i + 1);
        let trimmed = text[open + 1..line_start].trim_end();
        out.push_str(&text[..open + 1 + trimmed.len()]);
        if !trimmed.is_empty() && !trimmed.ends_with(',') && !trimmed.ends_with('[') {
            out.push(',');
        }
        out.push_str(&format!("\n    {quoted},\n"));
        out.push_str(&text[line_start..]);
    } else {
        let trimmed = list.trim_end();
        out.push_str(&text[..open + 1]);
        out.push_str(trimmed);
        if !trimmed.trim().is_empty() && !trimmed.ends_with(',') {
            out.push_str(", ");
        }
        out.push_str(&quoted);
        out.push_str(&text[close..]);
    }
    Ok(out)
}

/// `../..` for `examples/web`: from a workspace member up to the workspace root.
fn up_from(member: &str) -> String {
    vec![".."; member.split('/').count()].join("/")
}

/// The files of charm crate `name`: (path relative to the crate, content). `member` is
/// the crate's path in the charm-rs workspace, `None` for a crate that is its own
/// workspace.
pub fn templates(name: &str, runtime: &Runtime, member: Option<&str>) -> Vec<(String, String)> {
    let ty = type_name(name);
    let krate = name.replace('-', "_");
    let cargo_toml = cargo_toml(name, runtime, member);
    let lib = LIB_RS.replace("{name}", name).replace("{Type}", &ty);
    let main = format!(
        "//! The `{name}` charm's `dispatch`: Juju runs this binary once per hook.\n\ncharm_runtime::main!({krate}::{ty});\n"
    );
    let test = SCENARIO_RS
        .replace("{krate}", &krate)
        .replace("{Type}", &ty);
    let yaml = CHARMCRAFT_YAML
        .replace("{name}", name)
        .replace("{source}\n", &parts_section(member));
    let model = model_yaml(name, member);
    vec![
        ("Cargo.toml".into(), cargo_toml),
        ("src/lib.rs".into(), lib),
        ("src/main.rs".into(), main),
        ("tests/scenario.rs".into(), test),
        ("charmcraft.yaml".into(), yaml),
        ("model.yaml".into(), model),
    ]
}

/// The charm crate's `Cargo.toml`.
fn cargo_toml(name: &str, runtime: &Runtime, member: Option<&str>) -> String {
    let (dep, dev_dep) = match runtime {
        Runtime::Path(p) => {
            let p = p.display().to_string().replace('\\', "/");
            (
                format!("charm-runtime = {{ path = \"{p}\" }}"),
                format!("charm-runtime = {{ path = \"{p}\", features = [\"testing\"] }}"),
            )
        }
        Runtime::Version(v) => (
            format!("charm-runtime = \"{v}\""),
            format!("charm-runtime = {{ version = \"{v}\", features = [\"testing\"] }}"),
        ),
    };
    // A workspace's members take the release profile of its root.
    let profile = if member.is_some() {
        ""
    } else {
        RELEASE_PROFILE
    };
    format!(
        r#"[package]
name = "{name}"
description = "The {name} charm"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
{dep}
# Typed databags (`load`, `save`) and action parameters (`#[derive(ActionParams, Deserialize)]`) are serde types.
serde = {{ version = "1", features = ["derive"] }}

[dev-dependencies]
{dev_dep}
{profile}"#
    )
}

/// The parts section `<binary> charmcraft-yaml` prints for a crate in this place, scalars
/// quoted as the binary's YAML writer (serde-saphyr) quotes them.
fn parts_section(member: Option<&str>) -> String {
    let scalar = |v: &str| {
        serde_saphyr::to_string(&v)
            .unwrap_or_default()
            .trim_end()
            .to_string()
    };
    match member {
        None => format!("    source: {}\n", scalar(".")),
        Some(m) => format!(
            "    source: {}\n    rust-path:\n    - {}\n",
            scalar(&up_from(m)),
            scalar(m)
        ),
    }
}

/// The simulator model: inside the charm-rs workspace, the charm integrated with the
/// example `database` charm; elsewhere the charm alone.
fn model_yaml(name: &str, member: Option<&str>) -> String {
    match member {
        Some(m) => {
            let target = up_from(m) + "/target/charms";
            format!(
                "# `cargo charm pack --dir -p {name} -p database`, then `cargo charm sim {m}/model.yaml`.\nname: {name}\napplications:\n  {name}: {{charm: {target}/{name}, units: 1}}\n  database: {{charm: {target}/database, units: 1}}\nrelations:\n  - [{name}:db, database:db]\n"
            )
        }
        None => format!(
            "# `cargo charm pack --dir`, then `cargo charm sim model.yaml`.\nname: {name}\napplications:\n  {name}: {{charm: target/charms/{name}, units: 1}}\n"
        ),
    }
}

/// The release profile of a charm crate that is its own workspace.
const RELEASE_PROFILE: &str = r#"
# `cargo charm pack` and charmcraft build the charm in release. Keep `panic = "unwind"`:
# charm-runtime reports a panicking handler through `juju-log` and exits non-zero, which
# an abort would not do.
[profile.release]
strip = true
panic = "unwind"
"#;

const LIB_RS: &str = r#"//! # `{name}`: a charm
//!
//! Declares one endpoint, `db`, and one holistic handler that sets the status from it.
//! `cargo charm yaml` regenerates `charmcraft.yaml` from these declarations.

use charm_runtime::prelude::*;

/// The charm.
#[derive(Charm, Default, Debug)]
#[charm(
    name = "{name}",
    summary = "A charm that uses a database",
    description = "Requires a database over `db` (interface postgresql_client) and reports which one it uses."
)]
#[requires(db(interface = "postgresql_client", limit = 1))]
pub struct {Type};

#[handlers]
impl {Type} {
    /// The one handler: the status, from the `db` relation as it is now.
    #[on(install, config_changed, db_relation_changed, db_relation_broken)]
    pub fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let Some(db) = ctx.relation(Self::DB)? else {
            ctx.set_status(Status::blocked("needs a db relation"));
            return Ok(());
        };
        // The provider writes the database name in its application's databag.
        match db.remote_app_data()?.get("database")? {
            Some(database) => ctx.set_status(Status::active(format!("using database {database}"))),
            None => ctx.set_status(Status::waiting("waiting for a database")),
        }
        Ok(())
    }
}
"#;

const SCENARIO_RS: &str = r#"//! Scenario tests: a state in, one event, the state out.

use charm_runtime::testing::{self as scenario, bag, Event, Relation, State};
use charm_runtime::Status;

use {krate}::{Type};

#[test]
fn uses_the_database_the_provider_names() {
    let ctx = scenario::Context::<{Type}>::new();
    let db = Relation::new("db")
        .remote_app_name("database")
        .remote_app_data(bag([("database", "app")]));
    let out = ctx
        .run(
            Event::relation_changed(&db),
            State::new().relation(db.clone()),
        )
        .unwrap();
    out.assert_ok();
    assert_eq!(out.state.unit_status, Status::active("using database app"));

    let out = ctx
        .run(Event::relation_broken(&db), State::new().relation(db))
        .unwrap();
    assert_eq!(
        out.state.unit_status,
        Status::blocked("needs a db relation")
    );
}

/// `charmcraft.yaml` is generated from the declarations in `src/lib.rs`: refresh it with
/// `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test`.
#[test]
fn charmcraft_yaml_is_what_the_declarations_generate() {
    charm_runtime::testing::assert_charmcraft_yaml_fresh::<{Type}>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/charmcraft.yaml"
    ));
}
"#;

const CHARMCRAFT_YAML: &str = r#"# Generated from the declarations of the `{name}` charm; do not edit.
# Regenerate with `cargo charm yaml`.
name: {name}
type: charm
summary: A charm that uses a database
description: |
  Requires a database over `db` (interface postgresql_client) and reports which one it uses.
base: ubuntu@24.04
platforms:
  amd64: null
parts:
  charm:
    plugin: rust
{source}
    organize:
      bin/{name}: dispatch
requires:
  db:
    interface: postgresql_client
    limit: 1
"#;
