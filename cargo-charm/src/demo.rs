//! `cargo charm demo`: example charms of the charm-rs workspace, built in release,
//! deployed and integrated in the simulator.
//!
//! A demo is a model file (the format of `cargo charm sim`) whose charms are
//! `./<package>`, workspace packages (`examples/<package>`): the demo builds them, lays
//! each out as `target/charms/<model>/<package>/`, writes the model file beside them as
//! `model.yaml` and loads it as `cargo charm sim` does (which runs it again later).

use crate::error::{io_err, Error, Result};
use crate::pack::charm_dir;
use crate::sim::{Model, ModelFile};
use crate::workspace::Workspace;

/// One demo: a model name and its model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    /// The model's name (the model file's `name`), which `cargo charm run-action` also
    /// takes for the demo.
    pub name: &'static str,
    /// The model file, charms given as `./<package>`.
    pub model_file: &'static str,
}

/// `cargo charm demo`: database x2, mailserver x1, webapp x3, integrated
/// `webapp:db database:db` and `webapp:smtp mailserver:smtp`. The repository's
/// `tests/fixtures/demo-model.yaml` is this file with a comment on top.
pub const DEMO: Demo = Demo {
    name: "demo",
    model_file: "\
name: demo
applications:
  database:
    charm: ./database
    units: 2
  mailserver:
    charm: ./mailserver
    units: 1
  webapp:
    charm: ./webapp
    units: 3
relations:
  - [webapp:db, database:db]
  - [webapp:smtp, mailserver:smtp]
",
};

/// `cargo charm demo --ecosystem`: blog x2 getting a database from minipg
/// (`postgresql_client`) and a certificate per unit from minica (`tls-certificates`).
/// The repository's `tests/fixtures/demo-ecosystem-model.yaml` is this file with a
/// comment on top.
pub const ECOSYSTEM: Demo = Demo {
    name: "demo-ecosystem",
    model_file: "\
name: demo-ecosystem
applications:
  blog:
    charm: ./blog
    units: 2
  minipg:
    charm: ./minipg
    units: 1
  minica:
    charm: ./minica
    units: 1
relations:
  - [blog:database, minipg:database]
  - [blog:certificates, minica:certificates]
",
};

/// Every demo.
pub const DEMOS: [Demo; 2] = [DEMO, ECOSYSTEM];

impl Demo {
    /// The demo whose model is called `name`.
    pub fn named(name: &str) -> Option<Demo> {
        DEMOS.into_iter().find(|d| d.name == name)
    }

    /// The parsed model file.
    pub fn file(&self) -> Result<ModelFile> {
        Ok(ModelFile::parse(self.model_file, self.name)?)
    }

    /// The workspace packages the model's charms are, by application name.
    pub fn packages(&self) -> Result<Vec<String>> {
        let mut packages: Vec<String> = Vec::new();
        for app in self.file()?.applications.values() {
            let package = app
                .charm
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "demo {}: charm {} names no package",
                        self.name,
                        app.charm.display()
                    ))
                })?;
            if !packages.contains(&package) {
                packages.push(package);
            }
        }
        Ok(packages)
    }

    /// Builds the charms in release, lays them out under `target/charms/<name>/` with
    /// the model file, `model.yaml`, and deploys its applications and relations (not
    /// settled yet).
    pub fn model(&self) -> Result<Model> {
        let packages = self.packages()?;
        let ws = Workspace::load()?;
        if let Some(missing) = packages.iter().find(|p| ws.package(p).is_err()) {
            let dirs: Vec<String> = packages.iter().map(|p| format!("examples/{p}")).collect();
            return Err(Error::Invalid(format!(
                "the demo needs the workspace packages {} ({}); package `{missing}` is missing",
                packages.join(", "),
                dirs.join(", ")
            )));
        }
        let base = ws.target_dir.join("charms").join(self.name);
        for c in ws.charms(&packages, true)? {
            charm_dir(&c.binary, &c.charmcraft_yaml, &base.join(&c.name))?;
        }
        let path = base.join("model.yaml");
        std::fs::write(&path, self.model_file)
            .map_err(io_err(format!("cannot write {}", path.display())))?;
        Ok(Model::from_yaml(&path)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_demo_is_a_model_file_named_like_it() {
        for demo in DEMOS {
            assert_eq!(demo.file().unwrap().name, demo.name);
            assert_eq!(Demo::named(demo.name), Some(demo));
        }
        assert_eq!(Demo::named("sim"), None);
    }

    #[test]
    fn the_demos_deploy_example_packages() {
        assert_eq!(
            DEMO.packages().unwrap(),
            ["database", "mailserver", "webapp"]
        );
        assert_eq!(ECOSYSTEM.packages().unwrap(), ["blog", "minica", "minipg"]);
        let ecosystem = ECOSYSTEM.file().unwrap();
        let units: Vec<(&str, usize)> = ecosystem
            .applications
            .iter()
            .map(|(name, app)| (name.as_str(), app.units))
            .collect();
        assert_eq!(units, [("blog", 2), ("minica", 1), ("minipg", 1)]);
    }
}
