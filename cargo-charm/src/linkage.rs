//! Whether a compiled charm runs on the bases it declares: what its ELF file needs from
//! the machine (an interpreter, shared libraries, glibc symbol versions) against what a
//! base has.
//!
//! `cargo charm pack` links the C runtime statically, so a packed charm needs nothing; a
//! dynamically linked binary (built elsewhere, or with `RUSTFLAGS` overriding the static
//! flags) runs only where glibc is at least as new as the newest symbol version it uses,
//! and is refused otherwise.

use std::path::Path;

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::Endianness;

use crate::error::{io_err, Error, Result};
use crate::platform::{Base, Platform};

/// The glibc of each Ubuntu release (the `libc6` package's upstream version).
const UBUNTU_GLIBC: [(&str, (u32, u32)); 7] = [
    ("18.04", (2, 27)),
    ("20.04", (2, 31)),
    ("22.04", (2, 35)),
    ("24.04", (2, 39)),
    ("24.10", (2, 40)),
    ("25.04", (2, 41)),
    ("25.10", (2, 42)),
];

/// Libraries every Ubuntu base has (packages `libc6` and `libgcc-s1`): a Rust binary
/// linked dynamically needs no others.
const BASE_LIBRARIES: [&str; 7] = [
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libgcc_s.so.1",
];

/// What an ELF executable needs from the machine that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linkage {
    /// The ELF header's `e_machine`.
    pub machine: u16,
    /// `PT_INTERP`: the dynamic loader it asks for, if any.
    pub interpreter: Option<String>,
    /// `DT_NEEDED`: the shared libraries it loads.
    pub needed: Vec<String>,
    /// The newest `GLIBC_x.y` symbol version it needs, if any.
    pub glibc: Option<(u32, u32)>,
}

impl Linkage {
    /// Whether it needs nothing from the machine: no loader, no shared library.
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none() && self.needed.is_empty()
    }
}

/// The glibc version of `base`, when known.
///
/// ```
/// use cargo_charm::linkage::glibc_of;
/// use cargo_charm::platform::Base;
/// assert_eq!(glibc_of(&Base::parse("ubuntu@22.04").unwrap()), Some((2, 35)));
/// ```
pub fn glibc_of(base: &Base) -> Option<(u32, u32)> {
    if base.name != "ubuntu" {
        return None;
    }
    UBUNTU_GLIBC
        .iter()
        .find(|(channel, _)| *channel == base.channel)
        .map(|&(_, v)| v)
}

/// `GLIBC_2.34` (or `GLIBC_2.2.5`) as `(2, 34)`.
fn glibc_version(name: &[u8]) -> Option<(u32, u32)> {
    let v = std::str::from_utf8(name).ok()?.strip_prefix("GLIBC_")?;
    let mut parts = v.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Read what the ELF file at `path` needs.
pub fn inspect(path: &Path) -> Result<Linkage> {
    let data = std::fs::read(path).map_err(io_err(format!("cannot read {}", path.display())))?;
    let bad = |e: object::read::Error| {
        Error::Invalid(format!(
            "{} is not an ELF executable Juju can run: {e}",
            path.display()
        ))
    };
    match object::FileKind::parse(&*data).map_err(bad)? {
        object::FileKind::Elf64 => read::<elf::FileHeader64<Endianness>>(&data).map_err(bad),
        object::FileKind::Elf32 => read::<elf::FileHeader32<Endianness>>(&data).map_err(bad),
        other => Err(Error::Invalid(format!(
            "{} is not an ELF executable Juju can run (it is {other:?})",
            path.display()
        ))),
    }
}

fn read<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> object::read::Result<Linkage> {
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let mut interpreter = None;
    for segment in header.program_headers(endian, data)? {
        if let Some(path) = segment.interpreter(endian, data)? {
            interpreter = Some(String::from_utf8_lossy(path).into_owned());
        }
    }
    let sections = header.sections(endian, data)?;
    let mut needed = Vec::new();
    if let Some((entries, link)) = sections.dynamic(endian, data)? {
        let strings = sections.strings(endian, data, link)?;
        for entry in entries {
            if entry.tag(endian) == elf::DT_NEEDED {
                if let Ok(name) = entry.string(endian, strings) {
                    needed.push(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    let mut glibc = None;
    if let Some((mut files, link)) = sections.gnu_verneed(endian, data)? {
        let strings = sections.strings(endian, data, link)?;
        while let Some((_, mut versions)) = files.next()? {
            while let Some(version) = versions.next()? {
                glibc = glibc.max(glibc_version(version.name(endian, strings)?));
            }
        }
    }
    Ok(Linkage {
        machine: header.e_machine(endian).0,
        interpreter,
        needed,
        glibc,
    })
}

/// Check that `binary` runs on `platform`: built for its architecture, and static or
/// needing no more than the platform's base has. Returns what it needs.
pub fn check(binary: &Path, platform: &Platform) -> Result<Linkage> {
    let arch = platform.architecture()?;
    let linkage = inspect(binary)?;
    let refuse = |why: String| {
        Err(Error::Platform(format!(
            "{} would not run on platform `{}` ({} {}): {why}",
            binary.display(),
            platform.name,
            platform.base,
            platform.arch
        )))
    };
    if linkage.machine != arch.elf_machine {
        return refuse(format!(
            "it is built for another architecture (ELF machine {}, not {}'s {})",
            linkage.machine, arch.debian, arch.elf_machine
        ));
    }
    if linkage.is_static() {
        return Ok(linkage);
    }
    if let Some(lib) = linkage
        .needed
        .iter()
        .find(|l| !BASE_LIBRARIES.contains(&l.as_str()) && !l.starts_with("ld-linux"))
    {
        return refuse(format!(
            "it loads {lib}, which the base does not have; link it statically"
        ));
    }
    let Some(have) = glibc_of(&platform.base) else {
        return refuse(format!(
            "it is linked dynamically and the glibc of {} is not known; link it statically \
             (`cargo charm pack` does, unless RUSTFLAGS overrides its flags)",
            platform.base
        ));
    };
    match linkage.glibc {
        Some(need) if need > have => refuse(format!(
            "it needs glibc {}.{} and {} has {}.{}; link it statically (`cargo charm pack` \
             does, unless RUSTFLAGS overrides its flags) or build it on the oldest base",
            need.0, need.1, platform.base, have.0, have.1
        )),
        _ => Ok(linkage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(base: &str) -> Platform {
        let host = crate::platform::Architecture::host().expect("a host Juju deploys to");
        Platform {
            name: host.debian.into(),
            base: Base::parse(base).unwrap(),
            arch: host.debian.into(),
        }
    }

    #[test]
    fn a_dynamic_binary_runs_only_where_glibc_is_new_enough() {
        // This test binary: linked dynamically against the host's glibc.
        let exe = std::env::current_exe().unwrap();
        let linkage = inspect(&exe).unwrap();
        assert!(!linkage.is_static(), "{linkage:?}");
        assert!(
            linkage.needed.iter().any(|l| l == "libc.so.6"),
            "{linkage:?}"
        );
        let need = linkage.glibc.expect("a GLIBC_ symbol version");
        assert!(need >= (2, 2), "{need:?}");
        // A base whose glibc is older than what the binary needs refuses it.
        let old = platform("ubuntu@18.04");
        if need > (2, 27) {
            let err = check(&exe, &old).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "it needs glibc {}.{} and ubuntu@18.04 has 2.27",
                    need.0, need.1
                )),
                "{err}"
            );
        }
        let unknown = check(&exe, &platform("centos@7")).unwrap_err().to_string();
        assert!(
            unknown.contains("the glibc of centos@7 is not known"),
            "{unknown}"
        );
    }

    #[test]
    fn the_architecture_must_match() {
        let exe = std::env::current_exe().unwrap();
        let host = crate::platform::Architecture::host().unwrap();
        let other = crate::platform::ARCHITECTURES
            .iter()
            .find(|a| a.debian != host.debian)
            .unwrap();
        let p = Platform {
            arch: other.debian.into(),
            ..platform("ubuntu@24.04")
        };
        let err = check(&exe, &p).unwrap_err().to_string();
        assert!(
            err.contains("it is built for another architecture"),
            "{err}"
        );
    }

    #[test]
    fn not_an_elf_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("dispatch");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let err = inspect(&script).unwrap_err().to_string();
        assert!(
            err.contains("is not an ELF executable Juju can run"),
            "{err}"
        );
    }

    #[test]
    fn reads_symbol_versions() {
        assert_eq!(glibc_version(b"GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(glibc_version(b"GLIBC_2.34"), Some((2, 34)));
        assert_eq!(glibc_version(b"GCC_3.0"), None);
        assert_eq!(glibc_version(b"GLIBC_PRIVATE"), None);
    }
}
