//! The platforms a charm declares (`base` and `platforms` in `charmcraft.yaml`), read as
//! charmcraft's build planner reads them (craft-platforms, `charm/_build.py`:
//! `get_platforms_charm_build_plan`), and the Rust target that builds for each.
//!
//! charmcraft packs one `.charm` per platform, named `<charm>_<platform>.charm` (a `:` in
//! the platform's name becomes `-`), whose `manifest.yaml` names the platform's base and
//! architecture.

use serde_json::Value;

use crate::error::{Error, Result};

/// An operating system release a charm runs on: `ubuntu@24.04` is
/// `Base { name: "ubuntu", channel: "24.04" }`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Base {
    /// The distribution (`ubuntu`).
    pub name: String,
    /// The release (`24.04`).
    pub channel: String,
}

impl Base {
    /// Parse `<name>@<channel>`.
    ///
    /// ```
    /// use cargo_charm::platform::Base;
    /// assert_eq!(Base::parse("ubuntu@22.04").unwrap().channel, "22.04");
    /// assert!(Base::parse("jammy").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Base> {
        let (name, channel) = s.split_once('@')?;
        (!name.is_empty() && !channel.is_empty()).then(|| Base {
            name: name.into(),
            channel: channel.into(),
        })
    }
}

impl std::fmt::Display for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.channel)
    }
}

/// One entry of the charm's build plan: a platform, the base it runs on and the
/// architecture it is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The platform's name, the key under `platforms:` (`amd64`, `ubuntu@22.04:amd64`).
    pub name: String,
    /// The base the charm runs on there.
    pub base: Base,
    /// The Debian architecture it is built for (`amd64`, `arm64`, ...).
    pub arch: String,
}

impl Platform {
    /// The file `charmcraft pack` writes for `charm` on this platform.
    ///
    /// ```
    /// use cargo_charm::platform::{Base, Platform};
    /// let p = Platform {
    ///     name: "ubuntu@22.04:amd64".into(),
    ///     base: Base::parse("ubuntu@22.04").unwrap(),
    ///     arch: "amd64".into(),
    /// };
    /// assert_eq!(p.charm_file_name("webapp"), "webapp_ubuntu@22.04-amd64.charm");
    /// ```
    pub fn charm_file_name(&self, charm: &str) -> String {
        format!("{charm}_{}.charm", self.name.replace(':', "-"))
    }

    /// The architecture's entry in [`ARCHITECTURES`], or why there is none.
    pub fn architecture(&self) -> Result<&'static Architecture> {
        Architecture::of(&self.arch).ok_or_else(|| {
            Error::Platform(format!(
                "platform `{}` is built for `{}`: a compiled charm needs one architecture of {}",
                self.name,
                self.arch,
                ARCHITECTURES
                    .iter()
                    .map(|a| a.debian)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

/// An architecture Juju deploys to, by its three names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Architecture {
    /// Debian's (and Juju's) name: `amd64`.
    pub debian: &'static str,
    /// Rust's (`std::env::consts::ARCH`): `x86_64`.
    pub rust_arch: &'static str,
    /// The Rust target that builds a Linux binary for it.
    pub target: &'static str,
    /// The ELF header's `e_machine`.
    pub elf_machine: u16,
}

/// The architectures charmcraft builds for (craft-platforms' `DebianArchitecture`,
/// without `i386`, which no supported base has).
pub const ARCHITECTURES: [Architecture; 6] = [
    Architecture {
        debian: "amd64",
        rust_arch: "x86_64",
        target: "x86_64-unknown-linux-gnu",
        elf_machine: 62,
    },
    Architecture {
        debian: "arm64",
        rust_arch: "aarch64",
        target: "aarch64-unknown-linux-gnu",
        elf_machine: 183,
    },
    Architecture {
        debian: "armhf",
        rust_arch: "arm",
        target: "armv7-unknown-linux-gnueabihf",
        elf_machine: 40,
    },
    Architecture {
        debian: "ppc64el",
        rust_arch: "powerpc64",
        target: "powerpc64le-unknown-linux-gnu",
        elf_machine: 21,
    },
    Architecture {
        debian: "riscv64",
        rust_arch: "riscv64",
        target: "riscv64gc-unknown-linux-gnu",
        elf_machine: 243,
    },
    Architecture {
        debian: "s390x",
        rust_arch: "s390x",
        target: "s390x-unknown-linux-gnu",
        elf_machine: 22,
    },
];

impl Architecture {
    /// The architecture Debian calls `debian`.
    pub fn of(debian: &str) -> Option<&'static Architecture> {
        ARCHITECTURES.iter().find(|a| a.debian == debian)
    }

    /// The architecture of this machine, if Juju deploys to it.
    pub fn host() -> Option<&'static Architecture> {
        ARCHITECTURES
            .iter()
            .find(|a| a.rust_arch == std::env::consts::ARCH)
    }
}

/// `[<base>:]<arch>` as craft-platforms splits a platform name or a `build-for` entry.
fn split_base(s: &str) -> (Option<&str>, &str) {
    match s.rsplit_once(':') {
        Some((base, arch)) => (Some(base), arch),
        None => (None, s),
    }
}

fn list(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The build plan of a `charmcraft.yaml` document: one [`Platform`] per entry of
/// `platforms:`. Legacy `bases:` charms are refused (the charm binary never writes one).
pub fn declared(doc: &Value) -> Result<Vec<Platform>> {
    let invalid = |m: String| Error::Invalid(format!("charmcraft.yaml: {m}"));
    let Some(platforms) = doc.get("platforms") else {
        return Err(invalid(if doc.get("bases").is_some() {
            "`bases:` (charmcraft 2) is not supported: declare `base:` and `platforms:`".into()
        } else {
            "no `platforms:`: declare where the charm runs (`base: ubuntu@24.04`, `platforms: {amd64: }`)".into()
        }));
    };
    let platforms = platforms
        .as_object()
        .ok_or_else(|| invalid("`platforms` is not a mapping".into()))?;
    let top_base = doc.get("base").and_then(Value::as_str);
    let mut plan = Vec::new();
    for (name, body) in platforms {
        let (name_base, name_arch) = split_base(name);
        let build_for = match body {
            Value::Null => vec![name.as_str()],
            Value::Object(_) => match body.get("build-for") {
                Some(v) => list(v),
                None => vec![name.as_str()],
            },
            _ => return Err(invalid(format!("platform `{name}` is not a mapping"))),
        };
        let [target] = build_for[..] else {
            return Err(invalid(format!(
                "platform `{name}` builds for {} architectures; charmcraft packs one per platform: give it one `build-for`",
                build_for.len()
            )));
        };
        let (for_base, arch) = if body.is_null() {
            (name_base, name_arch)
        } else {
            split_base(target)
        };
        let base_str = top_base.or(name_base).or(for_base).ok_or_else(|| {
            invalid(format!(
                "platform `{name}` names no base and there is no top-level `base`"
            ))
        })?;
        let base = Base::parse(base_str).ok_or_else(|| {
            invalid(format!(
                "base `{base_str}` is not `<distribution>@<series>` (e.g. ubuntu@24.04)"
            ))
        })?;
        plan.push(Platform {
            name: name.clone(),
            base,
            arch: arch.to_string(),
        });
    }
    if plan.is_empty() {
        return Err(invalid("`platforms` is empty".into()));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> Result<Vec<(String, String, String)>> {
        let doc = serde_saphyr::from_str::<Value>(yaml).unwrap();
        Ok(declared(&doc)?
            .into_iter()
            .map(|p| (p.name, p.base.to_string(), p.arch))
            .collect())
    }

    fn owned(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_shapes_charmcraft_accepts() {
        // Shorthand, one base.
        assert_eq!(
            plan("base: ubuntu@24.04\nplatforms:\n  amd64:\n  arm64: null\n").unwrap(),
            owned(&[
                ("amd64", "ubuntu@24.04", "amd64"),
                ("arm64", "ubuntu@24.04", "arm64")
            ])
        );
        // Multi-base shorthand: the base in the platform's name.
        assert_eq!(
            plan("platforms:\n  ubuntu@22.04:amd64:\n  ubuntu@24.04:amd64:\n").unwrap(),
            owned(&[
                ("ubuntu@22.04:amd64", "ubuntu@22.04", "amd64"),
                ("ubuntu@24.04:amd64", "ubuntu@24.04", "amd64")
            ])
        );
        // Full form: build-on / build-for, the base in the build-for entry.
        assert_eq!(
            plan("platforms:\n  jammy:\n    build-on: [ubuntu@22.04:amd64]\n    build-for: [ubuntu@22.04:arm64]\n").unwrap(),
            owned(&[("jammy", "ubuntu@22.04", "arm64")])
        );
        assert_eq!(
            plan("base: ubuntu@24.04\nplatforms:\n  mine:\n    build-on: amd64\n    build-for: amd64\n").unwrap(),
            owned(&[("mine", "ubuntu@24.04", "amd64")])
        );
    }

    #[test]
    fn refuses_what_it_cannot_plan() {
        let err = |yaml: &str| plan(yaml).unwrap_err().to_string();
        assert!(err("bases:\n- name: ubuntu\n  channel: '22.04'\n")
            .contains("`bases:` (charmcraft 2) is not supported"));
        assert!(err("name: x\n").contains("no `platforms:`"));
        assert!(err("platforms:\n  amd64:\n").contains("platform `amd64` names no base"));
        assert!(err("base: ubuntu@24.04\nplatforms:\n  both:\n    build-on: [amd64]\n    build-for: [amd64, arm64]\n")
            .contains("builds for 2 architectures"));
        assert!(err("base: noble\nplatforms:\n  amd64:\n").contains("base `noble` is not"));
    }

    #[test]
    fn names_files_as_charmcraft_does() {
        let p = &declared(
            &serde_saphyr::from_str("base: ubuntu@24.04\nplatforms:\n  amd64:\n").unwrap(),
        )
        .unwrap()[0];
        assert_eq!(p.charm_file_name("webapp"), "webapp_amd64.charm");
        assert_eq!(p.architecture().unwrap().target, "x86_64-unknown-linux-gnu");
        let all = Platform {
            arch: "all".into(),
            ..p.clone()
        };
        assert!(all
            .architecture()
            .unwrap_err()
            .to_string()
            .contains("a compiled charm needs one architecture of amd64, arm64"));
    }
}
