//! The cargo workspace: its members, which of them are charms, and building them.
//!
//! A charm package is a member that depends on `charm-runtime` and has a binary named
//! like the package (`src/main.rs`, whose `charm_runtime::main!` makes it the charm's
//! `dispatch`). A crate made by `cargo charm new --path` is its own workspace root and
//! its own only member; in the charm-rs workspace the examples are members beside the
//! framework's crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::charmcraft_yaml::charmcraft_yaml_in;
use crate::error::{io_err, Error, Result};

/// The crate every charm depends on.
pub const RUNTIME_CRATE: &str = "charm-runtime";

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
    /// Names of the packages it depends on (normal dependencies, not dev or build).
    pub dependencies: Vec<String>,
}

impl Package {
    /// Whether this is a charm package: it depends on `charm-runtime` and has a binary
    /// named like the package.
    pub fn is_charm(&self) -> bool {
        self.dependencies.iter().any(|d| d == RUNTIME_CRATE) && self.bins.contains(&self.name)
    }
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

/// How to build: the profile, the target and the linking of the C runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// `--release`.
    pub release: bool,
    /// `--target <triple>`; `None` builds for the host, into `target/<profile>/`.
    pub target: Option<String>,
    /// Link the C runtime statically (`-C target-feature=+crt-static`, given as
    /// `target.<triple>.rustflags`, so build scripts and proc macros stay dynamic): a
    /// binary that needs no glibc of the machine it runs on. Needs `target`.
    pub crt_static: bool,
}

impl BuildOptions {
    /// What the `cargo build` line says about these options, for progress messages.
    fn describe(&self) -> String {
        let mut s = String::from(if self.release { "release" } else { "debug" });
        if let Some(t) = &self.target {
            s.push_str(", ");
            s.push_str(t);
        }
        if self.crt_static {
            s.push_str(", statically linked");
        }
        s
    }
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn strings(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
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
            return Err(Error::Command("`cargo metadata` failed".into()));
        }
        let v: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| Error::Invalid(format!("bad `cargo metadata` output: {e}")))?;
        Ok(Workspace::from_metadata(&v))
    }

    /// The workspace `cargo metadata --format-version 1 --no-deps` printed.
    pub fn from_metadata(v: &Value) -> Workspace {
        let members: Vec<&str> = strings(&v["workspace_members"])
            .filter_map(Value::as_str)
            .collect();
        let packages = strings(&v["packages"])
            .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id)))
            .map(|p| Package {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                id: p["id"].as_str().unwrap_or_default().to_string(),
                dir: Path::new(p["manifest_path"].as_str().unwrap_or_default())
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                bins: strings(&p["targets"])
                    .filter(|t| strings(&t["kind"]).any(|k| k == "bin"))
                    .filter_map(|t| t["name"].as_str().map(str::to_string))
                    .collect(),
                dependencies: strings(&p["dependencies"])
                    .filter(|d| d["kind"].is_null())
                    .filter_map(|d| d["name"].as_str().map(str::to_string))
                    .collect(),
            })
            .collect();
        Workspace {
            root: PathBuf::from(v["workspace_root"].as_str().unwrap_or(".")),
            target_dir: PathBuf::from(v["target_directory"].as_str().unwrap_or("target")),
            packages,
        }
    }

    /// The member named `name`.
    pub fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "the workspace has no package `{name}` (members: {})",
                    self.packages
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// The named packages, or, when `names` is empty, every charm package of the
    /// workspace (see [`Package::is_charm`]).
    pub fn charm_packages(&self, names: &[String]) -> Result<Vec<&Package>> {
        if !names.is_empty() {
            return names.iter().map(|n| self.package(n)).collect();
        }
        let charms: Vec<&Package> = self.packages.iter().filter(|p| p.is_charm()).collect();
        if charms.is_empty() {
            return Err(Error::Invalid(format!(
                "no charm package in the workspace at {}: a charm package depends on \
                 `{RUNTIME_CRATE}` and has a binary named like the package (src/main.rs); \
                 name the packages with -p",
                self.root.display()
            )));
        }
        Ok(charms)
    }

    /// `cargo build --bins -p ...` with `options`; returns each package's binary path.
    /// Cargo's progress goes to stderr.
    pub fn build(
        &self,
        packages: &[&Package],
        options: &BuildOptions,
    ) -> Result<BTreeMap<String, PathBuf>> {
        let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
        eprintln!(
            "cargo charm: building {} ({})",
            names.join(", "),
            options.describe()
        );
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&self.root).args([
            "build",
            "--message-format=json-render-diagnostics",
            "--bins",
        ]);
        if options.release {
            cmd.arg("--release");
        }
        if let Some(target) = &options.target {
            cmd.args(["--target", target]);
            if options.crt_static {
                cmd.arg("--config").arg(format!(
                    "target.{target}.rustflags=[\"-C\", \"target-feature=+crt-static\"]"
                ));
            }
        }
        for name in &names {
            cmd.args(["-p", name]);
        }
        let out = cmd
            .stderr(Stdio::inherit())
            .output()
            .map_err(io_err("cannot run `cargo build`"))?;
        if !out.status.success() {
            return Err(Error::Command(format!(
                "`cargo build` of {} failed (its errors are above)",
                names.join(", ")
            )));
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
        if let Some(p) = packages.iter().find(|p| !bins.contains_key(&p.name)) {
            return Err(Error::Invalid(format!(
                "package `{}` has no binary target",
                p.name
            )));
        }
        Ok(bins)
    }

    /// Build the named packages (or, when empty, every charm package) for the host and
    /// ask each binary for its `charmcraft.yaml`.
    pub fn charms(&self, names: &[String], release: bool) -> Result<Vec<CharmPackage>> {
        let packages = self.charm_packages(names)?;
        let options = BuildOptions {
            release,
            ..BuildOptions::default()
        };
        let bins = self.build(&packages, &options)?;
        packages
            .iter()
            .map(|p| CharmPackage::new(p, &bins[&p.name]))
            .collect()
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

impl CharmPackage {
    /// The charm package `package`, compiled as `binary`: asks the binary for its
    /// `charmcraft.yaml`, as the package's own.
    pub fn new(package: &Package, binary: &Path) -> Result<CharmPackage> {
        Ok(CharmPackage {
            name: package.name.clone(),
            dir: package.dir.clone(),
            binary: binary.to_path_buf(),
            charmcraft_yaml: charmcraft_yaml_in(binary, &package.dir)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, bins: &[&str], deps: &[(&str, Option<&str>)]) -> Value {
        serde_json::json!({
            "name": name,
            "id": format!("path+file:///ws/{name}#0.1.0"),
            "manifest_path": format!("/ws/{name}/Cargo.toml"),
            "targets": bins.iter().map(|b| serde_json::json!({"name": b, "kind": ["bin"]}))
                .chain([serde_json::json!({"name": name, "kind": ["lib"]})])
                .collect::<Vec<_>>(),
            "dependencies": deps.iter().map(|(n, kind)| serde_json::json!({"name": n, "kind": kind}))
                .collect::<Vec<_>>(),
        })
    }

    fn workspace(packages: Vec<Value>) -> Workspace {
        let ids: Vec<Value> = packages.iter().map(|p| p["id"].clone()).collect();
        Workspace::from_metadata(&serde_json::json!({
            "packages": packages,
            "workspace_members": ids,
            "workspace_root": "/ws",
            "target_directory": "/ws/target",
        }))
    }

    #[test]
    fn a_charm_depends_on_the_runtime_and_has_a_binary_named_like_it() {
        let ws = workspace(vec![
            package("webapp", &["webapp"], &[("charm-runtime", None)]),
            package("cargo-charm", &["cargo-charm"], &[("clap", None)]),
            // The charm-rs root package: a fixture binary, not named like the package.
            package(
                "charm-tests",
                &["fixture-charm"],
                &[("charm-runtime", None)],
            ),
            // charm-runtime only as a dev-dependency: a tool, not a charm.
            package("tool", &["tool"], &[("charm-runtime", Some("dev"))]),
        ]);
        let names: Vec<&str> = ws
            .charm_packages(&[])
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["webapp"]);
        // Named packages are taken as they are.
        let named = ws.charm_packages(&["tool".into()]).unwrap();
        assert_eq!(named[0].name, "tool");
        let err = ws.charm_packages(&["nope".into()]).unwrap_err();
        assert!(
            err.to_string()
                .contains("no package `nope` (members: webapp, cargo-charm, charm-tests, tool)"),
            "{err}"
        );
    }

    #[test]
    fn a_standalone_crate_is_its_own_charm() {
        // `cargo charm new --path hello`: the root package is the only member.
        let ws = workspace(vec![package(
            "hello",
            &["hello"],
            &[("charm-runtime", None), ("serde", None)],
        )]);
        assert_eq!(
            ws.charm_packages(&[]).unwrap()[0].dir,
            Path::new("/ws/hello")
        );
        let none = workspace(vec![package("lib-only", &[], &[("charm-runtime", None)])]);
        let err = none.charm_packages(&[]).unwrap_err().to_string();
        assert!(
            err.contains("no charm package in the workspace at /ws: a charm package depends on `charm-runtime`"),
            "{err}"
        );
    }
}
