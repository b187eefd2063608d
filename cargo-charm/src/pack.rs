//! `.charm` archives, as `charmcraft pack` writes them, and `cargo charm pack`.
//!
//! A packed charm holds `dispatch` (the compiled charm), `hooks/{install,start,
//! upgrade-charm}` symlinks to it, `manifest.yaml`, and `metadata.yaml`, `config.yaml`,
//! `actions.yaml` mediated from `charmcraft.yaml` as charmcraft 4.5 mediates them
//! (`charmcraft/services/package.py`, `charmcraft/models/metadata.py`: the same keys,
//! sorted). `cargo charm pack` builds one for each platform the charm declares, with a
//! statically linked binary, so it runs on every declared base whatever the glibc of the
//! machine that built it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::error::{io_err, Error, Result};
use crate::linkage;
use crate::platform::{self, Architecture, Platform};
use crate::workspace::{BuildOptions, CharmPackage, Workspace};

/// The charmcraft release whose `manifest.yaml` a packed charm's follows; written as its
/// `charmcraft-version`, as that release writes its own version there.
pub const CHARMCRAFT_VERSION: &str = "4.5.0";

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

/// A packed charm.
#[derive(Debug, Clone)]
pub struct Packed {
    /// Path of the `.charm` file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// The platform it is for.
    pub platform: Platform,
}

/// What `cargo charm pack` made.
#[derive(Debug, Clone, Default)]
pub struct PackOutput {
    /// The `.charm` files, one per charm and platform.
    pub charms: Vec<Packed>,
    /// With `--dir`: each charm laid out as a directory, for `cargo charm sim`.
    pub dirs: Vec<PathBuf>,
}

/// A JSON value serialised with every mapping's keys sorted, as charmcraft writes
/// `metadata.yaml`, `config.yaml` and `actions.yaml` (`yaml.safe_dump(.., sort_keys=True)`).
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v))?;
                }
                m.end()
            }
            Value::Array(items) => s.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(s),
        }
    }
}

fn to_yaml<T: Serialize>(v: &T) -> Result<String> {
    serde_saphyr::to_string(v).map_err(|e| Error::Invalid(format!("cannot write YAML: {e}")))
}

/// `manifest.yaml`, with charmcraft's keys in charmcraft's order
/// (`charmcraft/models/manifest.py`).
#[derive(serde::Serialize)]
#[serde(rename_all = "kebab-case")]
struct Manifest {
    charmcraft_version: &'static str,
    charmcraft_started_at: String,
    bases: Vec<ManifestBase>,
    analysis: Analysis,
}

#[derive(serde::Serialize)]
struct ManifestBase {
    name: String,
    channel: String,
    architectures: Vec<String>,
}

#[derive(serde::Serialize)]
struct Analysis {
    attributes: Vec<Attribute>,
}

#[derive(serde::Serialize)]
struct Attribute {
    name: &'static str,
    result: &'static str,
}

/// When packing started, as charmcraft writes it (`datetime.now().isoformat()`, in
/// UTC): `SOURCE_DATE_EPOCH` when set, for reproducible archives.
fn started_at() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok());
    match epoch {
        Some(secs) => isoformat(secs, 0),
        None => isoformat(now.as_secs() as i64, now.subsec_micros()),
    }
}

/// `secs` since the epoch (and `micros`) as Python's naive `datetime.isoformat()`.
fn isoformat(secs: i64, micros: u32) -> String {
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
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    // Python's isoformat() omits a zero fraction.
    if micros != 0 {
        s.push_str(&format!(".{micros:06}"));
    }
    s
}

/// `metadata.yaml` from `charmcraft.yaml`: charmcraft's `CharmMetadata.from_charm`
/// (`title` becomes `display-name`, `links` become `docs`, `maintainers`, `issues`,
/// `source`, `website`).
fn metadata(doc: &Value) -> Value {
    let mut meta = serde_json::Map::new();
    for k in [
        "name",
        "summary",
        "description",
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
            meta.insert(k.into(), v.clone());
        }
    }
    if let Some(t) = doc.get("title").filter(|v| !v.is_null()) {
        meta.insert("display-name".into(), t.clone());
    }
    if let Some(links) = doc.get("links").and_then(Value::as_object) {
        for (from, v) in links {
            let (to, v) = match from.as_str() {
                "documentation" => ("docs", v.clone()),
                "contact" if v.is_string() => ("maintainers", Value::Array(vec![v.clone()])),
                "contact" => ("maintainers", v.clone()),
                other => (other, v.clone()),
            };
            meta.insert(to.into(), v);
        }
    }
    Value::Object(meta)
}

/// The files `charmcraft pack` would put in the charm for `platform`: `dispatch` (the
/// binary), `hooks/{install,start,upgrade-charm}` symlinks, `manifest.yaml`,
/// `metadata.yaml`, and `config.yaml` / `actions.yaml` when declared.
pub fn charm_files(
    binary: &Path,
    charmcraft_yaml: &str,
    platform: &Platform,
) -> Result<Vec<CharmFile>> {
    let doc = crate::meta::parse_yaml(charmcraft_yaml, "charmcraft.yaml")
        .map_err(|e| Error::Invalid(e.to_string()))?;
    if doc["name"].as_str().is_none() {
        return Err(Error::Invalid("charmcraft.yaml has no `name`".into()));
    }
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
    // charmcraft's linters find neither a Python charm nor the ops framework here.
    let manifest = Manifest {
        charmcraft_version: CHARMCRAFT_VERSION,
        charmcraft_started_at: started_at(),
        bases: vec![ManifestBase {
            name: platform.base.name.clone(),
            channel: platform.base.channel.clone(),
            architectures: vec![platform.arch.clone()],
        }],
        analysis: Analysis {
            attributes: vec![
                Attribute {
                    name: "language",
                    result: "unknown",
                },
                Attribute {
                    name: "framework",
                    result: "unknown",
                },
            ],
        },
    };
    let mut add = |path: &str, text: String| {
        files.push(CharmFile {
            path: path.into(),
            data: text.into_bytes(),
            mode: 0o644,
            symlink: false,
        })
    };
    add("manifest.yaml", to_yaml(&manifest)?);
    add("metadata.yaml", to_yaml(&Sorted(&metadata(&doc)))?);
    if let Some(config) = doc
        .get("config")
        .filter(|c| c.as_object().is_some_and(|m| !m.is_empty()))
    {
        add("config.yaml", to_yaml(&Sorted(config))?);
    }
    if let Some(actions) = doc
        .get("actions")
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        add("actions.yaml", to_yaml(&Sorted(actions))?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The platform a binary built on this machine is laid out for, for the simulator: the
/// first declared platform of the host's architecture, else the first declared.
pub fn local_platform(charmcraft_yaml: &str) -> Result<Platform> {
    let doc = crate::meta::parse_yaml(charmcraft_yaml, "charmcraft.yaml")
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let mut platforms = platform::declared(&doc)?;
    let host = Architecture::host().map(|a| a.debian);
    let i = platforms
        .iter()
        .position(|p| Some(p.arch.as_str()) == host)
        .unwrap_or(0);
    Ok(platforms.swap_remove(i))
}

/// Pack `binary` as the charm `charmcraft_yaml` describes, for `platform`, into
/// `out_dir/<name>_<platform>.charm`.
pub fn pack_charm(
    binary: &Path,
    charmcraft_yaml: &str,
    platform: &Platform,
    out_dir: &Path,
) -> Result<Packed> {
    let files = charm_files(binary, charmcraft_yaml, platform)?;
    let name = crate::meta::parse_yaml(charmcraft_yaml, "charmcraft.yaml")
        .ok()
        .and_then(|d| d["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    std::fs::create_dir_all(out_dir)
        .map_err(io_err(format!("cannot create {}", out_dir.display())))?;
    let path = out_dir.join(platform.charm_file_name(&name));
    let zip_err = |e: zip::result::ZipError| Error::Zip {
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
    Ok(Packed {
        path,
        size,
        platform: platform.clone(),
    })
}

/// Lay a charm out as a directory (what the simulator deploys), for
/// [`local_platform`].
pub fn charm_dir(binary: &Path, charmcraft_yaml: &str, dir: &Path) -> Result<()> {
    let files = charm_files(binary, charmcraft_yaml, &local_platform(charmcraft_yaml)?)?;
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

/// How `cargo charm pack` builds for `arch`: release, for its target, statically linked.
fn portable(arch: &Architecture) -> BuildOptions {
    BuildOptions {
        release: true,
        target: Some(arch.target.into()),
        crt_static: true,
    }
}

/// Whether the Rust standard library for `target` is installed (`rustup target add`).
fn target_installed(target: &str) -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            Path::new(String::from_utf8_lossy(&o.stdout).trim())
                .join("lib/rustlib")
                .join(target)
                .join("lib")
                .is_dir()
        })
        .unwrap_or(false)
}

/// The architecture `charm` is built for on `platform`, if this machine (`host`) can
/// build for it: its own, or one whose standard library is installed.
fn buildable(
    charm: &str,
    platform: &Platform,
    host: &Architecture,
    installed: impl Fn(&str) -> bool,
) -> Result<&'static Architecture> {
    let arch = platform.architecture()?;
    if arch == host || installed(arch.target) {
        return Ok(arch);
    }
    Err(Error::Platform(format!(
        "charm `{charm}` declares platform `{}` ({} {}) and this machine ({}) cannot build \
         for it: the Rust standard library for {t} is not installed. Install it \
         (`rustup target add {t}`) with a linker for it (`[target.{t}] linker = ...` in \
         .cargo/config.toml), pack on an {} machine, or pack with `charmcraft pack`, which \
         builds on each platform",
        platform.name,
        platform.base,
        platform.arch,
        host.debian,
        arch.debian,
        t = arch.target,
    )))
}

/// `cargo charm pack [-p pkg]... [--dir]`: build each charm package in release,
/// statically linked, for each architecture it declares (refusing, before building for
/// it, one this machine cannot build for), check that each binary runs on its platform's
/// base, and write `target/charms/<name>_<platform>.charm`; with `dirs`, also lay each
/// charm out as `target/charms/<name>/`.
pub fn pack(packages: &[String], dirs: bool) -> Result<PackOutput> {
    let ws = Workspace::load()?;
    let packages = ws.charm_packages(packages)?;
    let host = Architecture::host().ok_or_else(|| {
        Error::Platform(format!(
            "this machine's architecture ({}) is not one Juju deploys to",
            std::env::consts::ARCH
        ))
    })?;
    let mut builds: BTreeMap<&str, BTreeMap<String, PathBuf>> = BTreeMap::new();
    builds.insert(host.target, ws.build(&packages, &portable(host))?);
    let charms: Vec<CharmPackage> = packages
        .iter()
        .map(|p| CharmPackage::new(p, &builds[host.target][&p.name]))
        .collect::<Result<_>>()?;

    // The build plan, checked before building for any other architecture.
    let mut plan: Vec<(&CharmPackage, Platform, &Architecture)> = Vec::new();
    for c in &charms {
        let doc = crate::meta::parse_yaml(&c.charmcraft_yaml, "charmcraft.yaml")
            .map_err(|e| Error::Invalid(e.to_string()))?;
        for p in platform::declared(&doc)? {
            let arch = buildable(&c.name, &p, host, target_installed)?;
            plan.push((c, p, arch));
        }
    }
    for (_, _, arch) in &plan {
        if builds.contains_key(arch.target) {
            continue;
        }
        let mut names: Vec<String> = plan
            .iter()
            .filter(|(_, _, a)| a.target == arch.target)
            .map(|(c, _, _)| c.name.clone())
            .collect();
        names.dedup();
        let bins = ws.build(&ws.charm_packages(&names)?, &portable(arch))?;
        builds.insert(arch.target, bins);
    }

    let out_dir = ws.target_dir.join("charms");
    let mut out = PackOutput::default();
    for (c, p, arch) in &plan {
        let binary = &builds[arch.target][&c.name];
        linkage::check(binary, p)?;
        out.charms
            .push(pack_charm(binary, &c.charmcraft_yaml, p, &out_dir)?);
    }
    if dirs {
        for c in &charms {
            let dir = out_dir.join(&c.name);
            charm_dir(&c.binary, &c.charmcraft_yaml, &dir)?;
            out.dirs.push(dir);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{Base, ARCHITECTURES};

    fn platform(name: &str, arch: &str) -> Platform {
        Platform {
            name: name.into(),
            base: Base::parse("ubuntu@24.04").unwrap(),
            arch: arch.into(),
        }
    }

    #[test]
    fn packs_for_the_host_or_an_installed_target_and_refuses_the_rest() {
        let (amd64, arm64) = (&ARCHITECTURES[0], &ARCHITECTURES[1]);
        let none = |_: &str| false;
        assert_eq!(
            buildable("web", &platform("amd64", "amd64"), amd64, none).unwrap(),
            amd64
        );
        let installed = |t: &str| t == "aarch64-unknown-linux-gnu";
        assert_eq!(
            buildable("web", &platform("arm64", "arm64"), amd64, installed).unwrap(),
            arm64
        );
        let err = buildable("web", &platform("arm", "arm64"), amd64, none)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "charm `web` declares platform `arm` (ubuntu@24.04 arm64) and this machine (amd64) \
             cannot build for it: the Rust standard library for aarch64-unknown-linux-gnu is \
             not installed. Install it (`rustup target add aarch64-unknown-linux-gnu`) with a \
             linker for it (`[target.aarch64-unknown-linux-gnu] linker = ...` in \
             .cargo/config.toml), pack on an arm64 machine, or pack with `charmcraft pack`, \
             which builds on each platform"
        );
        let all = buildable("web", &platform("all", "all"), amd64, |_| true).unwrap_err();
        assert!(
            all.to_string()
                .contains("a compiled charm needs one architecture"),
            "{all}"
        );
    }

    #[test]
    fn started_at_is_what_pythons_isoformat_prints() {
        assert_eq!(isoformat(1_700_000_000, 0), "2023-11-14T22:13:20");
        assert_eq!(isoformat(951_782_400, 5), "2000-02-29T00:00:00.000005");
        assert_eq!(isoformat(0, 0), "1970-01-01T00:00:00");
    }
}
