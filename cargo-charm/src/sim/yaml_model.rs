//! The model file: applications (charm path, units, config) and relations.
//!
//! ```yaml
//! name: demo
//! applications:
//!   database:
//!     charm: ./charms/database      # relative to this file
//!     units: 2                      # or num_units
//!     config: {max-databases: 5}    # or options
//!     resources: {snapshot: ./snapshot.tgz}   # resource-get gives this file
//!     trust: true                   # credential-get answers
//!   greeter:                        # a Kubernetes charm
//!     charm: ./charms/greeter
//!     containers:
//!       greeter:
//!         image: ./images/greeter   # the container's files (the OCI image)
//!         exec:                     # canned answers instead of real processes
//!           - {command: [greeter-server, --version], stdout: "1.0.0\n"}
//!   webapp:
//!     charm: ./charms/webapp
//! relations:
//!   - [webapp:db, database:db]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{Model, Result, SimError};

/// A parsed model file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Model name (default `sim`).
    #[serde(default = "default_name")]
    pub name: String,
    /// Applications by name.
    #[serde(default)]
    pub applications: BTreeMap<String, ModelFileApp>,
    /// Relations as pairs of `app:endpoint`.
    #[serde(default)]
    pub relations: Vec<Vec<String>>,
}

/// The most units one application of a model file may have: each is a copy of its
/// charm directory and runs its own hooks, so a slip of the keyboard (`units: 50000`)
/// would fill the disk before anything ran.
pub const MAX_UNITS: usize = 1000;

fn default_name() -> String {
    "sim".into()
}

fn one() -> usize {
    1
}

/// One application in a model file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFileApp {
    /// Charm directory (relative paths are relative to the model file).
    pub charm: PathBuf,
    /// Number of units (default 1, at most [`MAX_UNITS`]).
    #[serde(default = "one", alias = "num_units")]
    pub units: usize,
    /// Config values.
    #[serde(default, alias = "options")]
    pub config: BTreeMap<String, Value>,
    /// Resource files by resource name (relative paths are relative to the model file):
    /// what `resource-get` gives the units.
    #[serde(default)]
    pub resources: BTreeMap<String, PathBuf>,
    /// Whether the application is trusted (`juju trust`): `credential-get` answers.
    #[serde(default)]
    pub trust: bool,
    /// Workload containers of a Kubernetes charm, by name.
    #[serde(default)]
    pub containers: BTreeMap<String, ModelFileContainer>,
}

/// One workload container in a model file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFileContainer {
    /// A directory of files the container starts with, standing for its OCI image
    /// (relative to the model file).
    pub image: Option<PathBuf>,
    /// Execs answered with a canned reply instead of a real process.
    #[serde(default)]
    pub exec: Vec<ModelFileExec>,
}

/// A canned exec reply: commands starting with `command` get it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFileExec {
    /// The command prefix it answers.
    pub command: Vec<String>,
    /// Standard output.
    #[serde(default)]
    pub stdout: String,
    /// Standard error.
    #[serde(default)]
    pub stderr: String,
    /// Exit code.
    #[serde(default)]
    pub exit: i32,
}

impl ModelFile {
    /// Parse a model file.
    pub fn load(path: &Path) -> Result<ModelFile> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            context: format!("cannot read {}", path.display()),
            source,
        })?;
        ModelFile::parse(&text, &path.display().to_string())
    }

    /// Parse model-file text (`what` names it in errors).
    pub fn parse(text: &str, what: &str) -> Result<ModelFile> {
        let f: ModelFile = serde_saphyr::from_str(text).map_err(|e| SimError::ModelFile {
            path: what.into(),
            message: e.to_string(),
        })?;
        for (name, app) in &f.applications {
            if app.units > MAX_UNITS {
                return Err(SimError::ModelFile {
                    path: what.into(),
                    message: format!(
                        "application {name:?} asks for {} units; a simulated model has at most {MAX_UNITS} per application",
                        app.units
                    ),
                });
            }
        }
        for r in &f.relations {
            if r.len() != 2 {
                return Err(SimError::ModelFile {
                    path: what.into(),
                    message: format!("a relation needs two endpoints, got {r:?}"),
                });
            }
        }
        Ok(f)
    }

    /// Deploy the applications and add the relations to `model`.
    pub fn apply(&self, model: &mut Model, base: &Path) -> Result<()> {
        for (name, app) in &self.applications {
            let charm = if app.charm.is_absolute() {
                app.charm.clone()
            } else {
                base.join(&app.charm)
            };
            model.deploy(name, &charm, app.units, app.config.clone())?;
            for (resource, path) in &app.resources {
                let path = if path.is_absolute() {
                    path.clone()
                } else {
                    base.join(path)
                };
                model.attach_resource(name, resource, &path)?;
            }
            model.trust(name, app.trust)?;
            for (container, spec) in &app.containers {
                if let Some(image) = &spec.image {
                    model.set_container_image(name, container, base.join(image))?;
                }
                for e in &spec.exec {
                    let reply = super::ExecReply {
                        stdout: e.stdout.clone().into_bytes(),
                        stderr: e.stderr.clone().into_bytes(),
                        exit_code: e.exit,
                    };
                    let prefix: Vec<&str> = e.command.iter().map(String::as_str).collect();
                    model.on_exec(name, container, &prefix, move |_| reply.clone())?;
                }
            }
        }
        for r in &self.relations {
            model.integrate(&r[0], &r[1])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_bounded() {
        let file = |n: usize| format!("applications:\n  big:\n    charm: ./c\n    units: {n}\n");
        assert_eq!(
            ModelFile::parse(&file(MAX_UNITS), "m.yaml")
                .unwrap()
                .applications["big"]
                .units,
            MAX_UNITS
        );
        let err = ModelFile::parse(&file(49_000), "m.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "model file m.yaml: application \"big\" asks for 49000 units; a simulated model has at most 1000 per application"
        );
    }
}
