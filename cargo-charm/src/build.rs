//! Build-time tooling: workspace discovery, `charmcraft.yaml` generation and drift check,
//! `.charm` packing, and the demo model.
//!
//! A charm package is a workspace member whose binary, run as `<binary> charmcraft-yaml`,
//! prints the charm's `charmcraft.yaml`. That output is the single source of truth for
//! `charmcraft.yaml`, and for `metadata.yaml` / `config.yaml` / `actions.yaml` in the
//! packed `.charm`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::sim::{Config, Model, SimError};

/// Errors from the build tooling.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Running cargo (or a charm binary) failed.
    #[error("{0}")]
    Command(String),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Bad or unexpected input (unknown package, invalid charmcraft.yaml, ...).
    #[error("{0}")]
    Invalid(String),
    /// `cargo charm yaml --check` found stale files.
    #[error("stale charmcraft.yaml (generated output differs):\n{}\nrun `cargo charm yaml` to regenerate", .0.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n"))]
    Stale(Vec<PathBuf>),
    /// Writing the zip archive failed.
    #[error("cannot write {path}: {message}")]
    Zip {
        /// The archive.
        path: String,
        /// The zip error.
        message: String,
    },
    /// The simulator failed.
    #[error(transparent)]
    Sim(#[from] SimError),
}

type Result<T, E = BuildError> = std::result::Result<T, E>;

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let context = context.into();
    move |source| BuildError::Io { context, source }
}

/// A package of the workspace.
#[derive(Debug, Clone)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Cargo package id.
    pub id: String,
    /// Directory holding its Cargo.toml.
    pub dir: PathBuf,
    /// Names of its binary targets.
    pub bins: Vec<String>,
}

/// The cargo workspace, as `cargo metadata --no-deps` describes it.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Workspace root.
    pub root: PathBuf,
    /// Target directory.
    pub target_dir: PathBuf,
    /// Member packages.
    pub packages: Vec<Package>,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

impl Workspace {
    /// Locate the workspace of the current directory.
    pub fn load() -> Result<Workspace> {
        let out = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .stderr(Stdio::inherit())
            .output()
            .map_err(io_err("cannot run `cargo metadata`"))?;
        if !out.status.success() {
            return Err(BuildError::Command("`cargo metadata` failed".into()));
        }
        let v: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| BuildError::Invalid(format!("bad `cargo metadata` output: {e}")))?;
        let members: Vec<&str> = v["workspace_members"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let packages = v["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id)))
            .map(|p| Package {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                id: p["id"].as_str().unwrap_or_default().to_string(),
                dir: Path::new(p["manifest_path"].as_str().unwrap_or_default())
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                bins: p["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| {
                        t["kind"]
                            .as_array()
                            .is_some_and(|k| k.iter().any(|k| k == "bin"))
                    })
                    .filter_map(|t| t["name"].as_str().map(str::to_string))
                    .collect(),
            })
            .collect();
        Ok(Workspace {
            root: PathBuf::from(v["workspace_root"].as_str().unwrap_or(".")),
            target_dir: PathBuf::from(v["target_directory"].as_str().unwrap_or("target")),
            packages,
        })
    }

    fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                BuildError::Invalid(format!(
                    "the workspace has no package `{name}` (members: {})",
                    self.packages
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// `cargo build [--release] -p ...`; returns each package's binary path.
    pub fn build(&self, packages: &[&Package], release: bool) -> Result<BTreeMap<String, PathBuf>> {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&self.root).args([
            "build",
            "--message-format=json-render-diagnostics",
            "--bins",
        ]);
        if release {
            cmd.arg("--release");
        }
        for p in packages {
            cmd.args(["-p", &p.name]);
        }
        let out = cmd
            .stderr(Stdio::inherit())
            .output()
            .map_err(io_err("cannot run `cargo build`"))?;
        if !out.status.success() {
            return Err(BuildError::Command("`cargo build` failed".into()));
        }
        let mut bins = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if v["reason"] != "compiler-artifact" {
                continue;
            }
            let Some(exe) = v["executable"].as_str() else {
                continue;
            };
            let Some(pkg) = packages.iter().find(|p| v["package_id"] == p.id.as_str()) else {
                continue;
            };
            let target = v["target"]["name"].as_str().unwrap_or_default();
            // Prefer the binary named like the package when there are several.
            if !bins.contains_key(&pkg.name) || target == pkg.name {
                bins.insert(pkg.name.clone(), PathBuf::from(exe));
            }
        }
        Ok(bins)
    }

    /// Build the named packages (or, when empty, every member whose binary is named like
    /// the package, except cargo-charm and the workspace-root package) and keep those whose
    /// binary answers `charmcraft-yaml`.
    pub fn charms(&self, names: &[String], release: bool) -> Result<Vec<CharmPackage>> {
        let explicit = !names.is_empty();
        let pkgs: Vec<&Package> = if explicit {
            names
                .iter()
                .map(|n| self.package(n))
                .collect::<Result<_>>()?
        } else {
            // A charm crate's binary is named like the package (`src/main.rs`); the
            // workspace-root package (cross-crate tests) and cargo-charm are never charms.
            self.packages
                .iter()
                .filter(|p| {
                    p.bins.contains(&p.name) && p.name != "cargo-charm" && p.dir != self.root
                })
                .collect()
        };
        if pkgs.is_empty() {
            return Err(BuildError::Invalid(
                "no charm packages in the workspace (no member has a binary named like it)".into(),
            ));
        }
        let bins = self.build(&pkgs, release)?;
        let mut out = Vec::new();
        for p in pkgs {
            let Some(bin) = bins.get(&p.name) else {
                if explicit {
                    return Err(BuildError::Invalid(format!(
                        "package `{}` has no binary target",
                        p.name
                    )));
                }
                continue;
            };
            match charmcraft_yaml_of(bin) {
                Ok(yaml) => out.push(CharmPackage {
                    name: p.name.clone(),
                    dir: p.dir.clone(),
                    binary: bin.clone(),
                    charmcraft_yaml: yaml,
                }),
                Err(e) if explicit => return Err(e),
                Err(_) => {}
            }
        }
        if out.is_empty() {
            return Err(BuildError::Invalid(
                "no workspace binary answers `charmcraft-yaml`; name the charm packages with -p"
                    .into(),
            ));
        }
        Ok(out)
    }
}

/// A built charm package.
#[derive(Debug, Clone)]
pub struct CharmPackage {
    /// Package name.
    pub name: String,
    /// Package directory (where `charmcraft.yaml` lives).
    pub dir: PathBuf,
    /// The compiled charm.
    pub binary: PathBuf,
    /// The output of `<binary> charmcraft-yaml`.
    pub charmcraft_yaml: String,
}

/// Run `<binary> charmcraft-yaml` (outside any Juju environment, 10 s timeout) and check
/// that it prints a YAML mapping with a `name`.
pub fn charmcraft_yaml_of(binary: &Path) -> Result<String> {
    let mut cmd = Command::new(binary);
    cmd.arg("charmcraft-yaml")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("JUJU_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(io_err(format!("cannot run {}", binary.display())))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(io_err("wait"))? {
            break st;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(BuildError::Command(format!(
                "`{} charmcraft-yaml` did not finish in 10 s",
                binary.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = reader.join().unwrap_or_default();
    let err = ereader.join().unwrap_or_default();
    if !status.success() {
        return Err(BuildError::Command(format!(
            "`{} charmcraft-yaml` failed ({status}): {}",
            binary.display(),
            String::from_utf8_lossy(&err).trim()
        )));
    }
    let text = String::from_utf8(out).map_err(|_| {
        BuildError::Invalid(format!(
            "`{} charmcraft-yaml` printed non-UTF-8",
            binary.display()
        ))
    })?;
    let doc = crate::meta::parse_yaml(&text, "charmcraft-yaml output")
        .map_err(|e| BuildError::Invalid(e.to_string()))?;
    if doc.get("name").and_then(Value::as_str).is_none() {
        return Err(BuildError::Invalid(format!(
            "`{} charmcraft-yaml` did not print a charmcraft.yaml (no `name`)",
            binary.display()
        )));
    }
    Ok(text)
}

/// Write `content` to `path` (or, with `check`, only compare). Returns true when the
/// file was stale.
pub fn write_or_check(path: &Path, content: &str, check: bool) -> Result<bool> {
    let current = std::fs::read_to_string(path).ok();
    let stale = current.as_deref() != Some(content);
    if stale && !check {
        std::fs::write(path, content)
            .map_err(io_err(format!("cannot write {}", path.display())))?;
    }
    Ok(stale)
}

/// `cargo charm yaml [--check] [-p pkg]...`.
pub fn yaml(check: bool, packages: &[String]) -> Result<()> {
    let ws = Workspace::load()?;
    let mut stale = Vec::new();
    for c in ws.charms(packages, false)? {
        let path = c.dir.join("charmcraft.yaml");
        let was_stale = write_or_check(&path, &c.charmcraft_yaml, check)?;
        match (check, was_stale) {
            (true, true) => stale.push(path),
            (false, true) => eprintln!("wrote {}", path.display()),
            (_, false) => eprintln!("{} is up to date", path.display()),
        }
    }
    if !stale.is_empty() {
        return Err(BuildError::Stale(stale));
    }
    Ok(())
}

/// A packed charm.
#[derive(Debug, Clone)]
pub struct Packed {
    /// Path of the `.charm` file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// `cargo charm pack [-p pkg]...`: release build, then one `.charm` per charm package in
/// `target/charms/`.
pub fn pack(packages: &[String]) -> Result<Vec<Packed>> {
    let ws = Workspace::load()?;
    let out_dir = ws.target_dir.join("charms");
    ws.charms(packages, true)?
        .iter()
        .map(|c| pack_charm(&c.binary, &c.charmcraft_yaml, &out_dir))
        .collect()
}

/// `cargo charm pack --dir`: lay each charm package out as `target/charms/<name>/` (the
/// release build `pack` just made is reused). Returns the directories.
pub fn charm_dirs(packages: &[String]) -> Result<Vec<PathBuf>> {
    let ws = Workspace::load()?;
    let out_dir = ws.target_dir.join("charms");
    ws.charms(packages, true)?
        .iter()
        .map(|c| {
            let dir = out_dir.join(&c.name);
            charm_dir(&c.binary, &c.charmcraft_yaml, &dir).map(|()| dir)
        })
        .collect()
}

/// A map serialised in insertion order.
struct Ordered(Vec<(String, Value)>);

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn to_yaml<T: Serialize>(v: &T) -> Result<String> {
    serde_saphyr::to_string(v).map_err(|e| BuildError::Invalid(format!("cannot write YAML: {e}")))
}

/// Base and architecture of a charm, from `base` + `platforms` or legacy `bases`.
fn base_and_arch(doc: &Value) -> (String, String, String) {
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
    .to_string();
    if let Some(b) = doc
        .get("bases")
        .and_then(Value::as_array)
        .and_then(|b| b.first())
    {
        let b = b.get("run-on").and_then(|r| r.get(0)).unwrap_or(b);
        let name = b["name"].as_str().unwrap_or("ubuntu").to_string();
        let channel = b["channel"].as_str().unwrap_or("24.04").to_string();
        let arch = b["architectures"][0]
            .as_str()
            .map(str::to_string)
            .unwrap_or(host);
        return (name, channel, arch);
    }
    let base = doc["base"].as_str().unwrap_or("ubuntu@24.04");
    let (name, channel) = base.split_once('@').unwrap_or(("ubuntu", "24.04"));
    let arch = doc
        .get("platforms")
        .and_then(Value::as_object)
        .and_then(|p| {
            let (k, v) = p.iter().next()?;
            v.get("build-for")
                .and_then(|b| b.get(0).or(Some(b)))
                .and_then(Value::as_str)
                .map(|s| s.rsplit(':').next().unwrap_or(s).to_string())
                .or_else(|| Some(k.rsplit(':').next().unwrap_or(k).to_string()))
        })
        .unwrap_or(host);
    (name.to_string(), channel.to_string(), arch)
}

/// A file of a packed charm.
#[derive(Debug, Clone)]
pub struct CharmFile {
    /// Path inside the charm.
    pub path: String,
    /// Content (for a symlink: its target).
    pub data: Vec<u8>,
    /// Unix mode.
    pub mode: u32,
    /// Whether this is a symlink.
    pub symlink: bool,
}

fn started_at() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The files `charmcraft pack` would put in the charm: `dispatch` (the binary),
/// `hooks/{install,start,upgrade-charm}` symlinks, `manifest.yaml`, `metadata.yaml`, and
/// `config.yaml` / `actions.yaml` when declared. Returns the files and the archive name.
pub fn charm_files(binary: &Path, charmcraft_yaml: &str) -> Result<(Vec<CharmFile>, String)> {
    let doc = crate::meta::parse_yaml(charmcraft_yaml, "charmcraft.yaml")
        .map_err(|e| BuildError::Invalid(e.to_string()))?;
    let name = doc["name"]
        .as_str()
        .ok_or_else(|| BuildError::Invalid("charmcraft.yaml has no `name`".into()))?
        .to_string();
    let (base, channel, arch) = base_and_arch(&doc);
    let mut files = Vec::new();
    let dispatch =
        std::fs::read(binary).map_err(io_err(format!("cannot read {}", binary.display())))?;
    files.push(CharmFile {
        path: "dispatch".into(),
        data: dispatch,
        mode: 0o755,
        symlink: false,
    });
    for h in ["install", "start", "upgrade-charm"] {
        files.push(CharmFile {
            path: format!("hooks/{h}"),
            data: b"../dispatch".to_vec(),
            mode: 0o777,
            symlink: true,
        });
    }
    let manifest = Ordered(vec![
        (
            "analysis".into(),
            serde_json::json!({"attributes": [
                {"name": "language", "result": "unknown"},
                {"name": "framework", "result": "unknown"},
            ]}),
        ),
        (
            "bases".into(),
            serde_json::json!([{"architectures": [arch], "channel": channel, "name": base}]),
        ),
        ("charmcraft-started-at".into(), Value::String(started_at())),
        (
            "charmcraft-version".into(),
            Value::String(format!("cargo-charm {}", env!("CARGO_PKG_VERSION"))),
        ),
    ]);
    let mut meta = vec![("name".to_string(), Value::String(name.clone()))];
    if let Some(t) = doc.get("title") {
        meta.push(("display-name".into(), t.clone()));
    }
    for k in ["summary", "description"] {
        if let Some(v) = doc.get(k) {
            meta.push((k.into(), v.clone()));
        }
    }
    if let Some(links) = doc.get("links").and_then(Value::as_object) {
        for (from, to) in [
            ("contact", "maintainers"),
            ("documentation", "docs"),
            ("issues", "issues"),
            ("source", "source"),
            ("website", "website"),
        ] {
            if let Some(v) = links.get(from) {
                let v = if to == "maintainers" && v.is_string() {
                    Value::Array(vec![v.clone()])
                } else {
                    v.clone()
                };
                meta.push((to.into(), v));
            }
        }
    }
    for k in [
        "assumes",
        "charm-user",
        "containers",
        "devices",
        "extra-bindings",
        "peers",
        "provides",
        "requires",
        "resources",
        "storage",
        "subordinate",
        "terms",
    ] {
        if let Some(v) = doc.get(k).filter(|v| !v.is_null()) {
            meta.push((k.into(), v.clone()));
        }
    }
    let mut add = |path: &str, text: String| {
        files.push(CharmFile {
            path: path.into(),
            data: text.into_bytes(),
            mode: 0o644,
            symlink: false,
        })
    };
    add("manifest.yaml", to_yaml(&manifest)?);
    add("metadata.yaml", to_yaml(&Ordered(meta))?);
    if let Some(opts) = doc.get("config").and_then(|c| c.get("options")) {
        add(
            "config.yaml",
            to_yaml(&serde_json::json!({ "options": opts }))?,
        );
    }
    if let Some(actions) = doc
        .get("actions")
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        add("actions.yaml", to_yaml(actions)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, format!("{name}_{base}@{channel}-{arch}.charm")))
}

/// Pack one charm binary into `out_dir/<name>_<base>-<arch>.charm`.
pub fn pack_charm(binary: &Path, charmcraft_yaml: &str, out_dir: &Path) -> Result<Packed> {
    let (files, file_name) = charm_files(binary, charmcraft_yaml)?;
    std::fs::create_dir_all(out_dir)
        .map_err(io_err(format!("cannot create {}", out_dir.display())))?;
    let path = out_dir.join(file_name);
    let zip_err = |e: zip::result::ZipError| BuildError::Zip {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(&path)
        .map_err(io_err(format!("cannot create {}", path.display())))?;
    let mut zip = zip::ZipWriter::new(file);
    let opts = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(mode)
    };
    zip.add_directory("hooks/", opts(0o755)).map_err(zip_err)?;
    for f in &files {
        if f.symlink {
            zip.add_symlink(&f.path, String::from_utf8_lossy(&f.data), opts(f.mode))
                .map_err(zip_err)?;
        } else {
            zip.start_file(&f.path, opts(f.mode)).map_err(zip_err)?;
            zip.write_all(&f.data)
                .map_err(io_err(format!("cannot write {}", path.display())))?;
        }
    }
    zip.finish().map_err(zip_err)?;
    let size = std::fs::metadata(&path)
        .map_err(io_err(format!("cannot stat {}", path.display())))?
        .len();
    Ok(Packed { path, size })
}

/// Lay a charm out as a directory (what the simulator deploys).
pub fn charm_dir(binary: &Path, charmcraft_yaml: &str, dir: &Path) -> Result<()> {
    let (files, _) = charm_files(binary, charmcraft_yaml)?;
    let _ = std::fs::remove_dir_all(dir);
    for f in files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io_err(format!("cannot create {}", parent.display())))?;
        }
        if f.symlink {
            std::os::unix::fs::symlink(String::from_utf8_lossy(&f.data).as_ref(), &p)
        } else {
            std::fs::write(&p, &f.data).and_then(|_| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f.mode))
            })
        }
        .map_err(io_err(format!("cannot write {}", p.display())))?;
    }
    std::fs::write(dir.join("charmcraft.yaml"), charmcraft_yaml).map_err(io_err(format!(
        "cannot write charmcraft.yaml in {}",
        dir.display()
    )))?;
    // The simulator refuses the directory once the sources of `binary` change.
    crate::sim::mark_built_from(dir, binary)
        .map_err(io_err(format!("cannot mark {}", dir.display())))?;
    Ok(())
}

/// The demo charms.
pub const DEMO_CHARMS: [&str; 3] = ["database", "mailserver", "webapp"];

/// `cargo charm demo`: build the example charms in release, lay them out under
/// `target/charms/demo/`, deploy database x2, mailserver x1, webapp x3 and integrate
/// `webapp:db database:db`, `webapp:smtp mailserver:smtp` (not settled yet).
pub fn demo_model() -> Result<Model> {
    let ws = Workspace::load()?;
    let names: Vec<String> = DEMO_CHARMS.iter().map(|s| s.to_string()).collect();
    for n in &names {
        if ws.package(n).is_err() {
            return Err(BuildError::Invalid(format!(
                "the demo needs the workspace packages {} (examples/database, examples/mailserver, examples/webapp); package `{n}` is missing",
                DEMO_CHARMS.join(", ")
            )));
        }
    }
    eprintln!("building {} ...", DEMO_CHARMS.join(", "));
    let charms = ws.charms(&names, true)?;
    let base = ws.target_dir.join("charms").join("demo");
    for c in &charms {
        charm_dir(&c.binary, &c.charmcraft_yaml, &base.join(&c.name))?;
    }
    let mut m = Model::new("demo")?;
    for (app, units) in [("database", 2), ("mailserver", 1), ("webapp", 3)] {
        m.deploy(app, base.join(app), units, Config::new())?;
    }
    m.integrate("webapp:db", "database:db")?;
    m.integrate("webapp:smtp", "mailserver:smtp")?;
    Ok(m)
}
