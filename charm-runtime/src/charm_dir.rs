//! Files in the charm directory (`JUJU_CHARM_DIR`) named by input the charm does not
//! control: a config option (anyone with write access to the model sets it), an action
//! parameter.
//!
//! The hook runs as root, so such a path must not reach the rest of the machine. A
//! [`CharmFile`] is a path [`CharmFile::resolve`] accepted: inside the charm directory
//! (relative to it, or absolute under it; no `..`), with no symbolic link on the way, and
//! naming a regular file or nothing yet. Anything else is a [`PathRefused`] that says why.
//!
//! What it does with the file stays that safe when the file changes under it: the
//! comparison in [`CharmFile::write_if_changed`] opens without following a symbolic link
//! and without blocking (a FIFO is refused, not waited on) and reads no more than the new
//! content's length; writes go to a temporary file created exclusively (`O_EXCL`, mode
//! 0600) beside the file, synced, then renamed over it: a reader sees the old file or the
//! new one, a failure leaves the old one, and a symbolic link planted at the path is
//! replaced, never followed.
//!
//! ```
//! use charm_runtime::charm_dir::{CharmFile, PathRefused};
//! let dir = tempfile::tempdir()?;
//! let file = CharmFile::resolve(dir.path(), "app.conf")?;
//! assert!(file.write_if_changed(b"a=1\n")?);
//! assert!(!file.write_if_changed(b"a=1\n")?);
//! assert!(matches!(CharmFile::resolve(dir.path(), "../etc/passwd"), Err(PathRefused::Outside(_))));
//! assert!(matches!(CharmFile::resolve(dir.path(), "/etc/passwd"), Err(PathRefused::Outside(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

/// Why [`CharmFile::resolve`] refused a path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PathRefused {
    /// The path is empty.
    #[error("the path is empty")]
    Empty,
    /// The path has a NUL byte, which no file name has.
    #[error("the path has a NUL byte")]
    Nul,
    /// The path leads out of the charm directory (`..`, or an absolute path elsewhere).
    #[error("{0:?} is outside the charm directory")]
    Outside(String),
    /// A symbolic link is on the way, or at the end.
    #[error("{} is a symbolic link", .0.display())]
    Symlink(PathBuf),
    /// Something on the way is not a directory.
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// The path names something else than a regular file.
    #[error("{} is {kind}, not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is: `a directory`, `a FIFO` ...
        kind: &'static str,
    },
    /// The file system could not say what is there.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path looked at.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// A path inside the charm directory that names a regular file or nothing: see the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharmFile {
    path: PathBuf,
}

fn kind_of(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

impl CharmFile {
    /// Checks `path` (relative to `charm_dir`, or absolute under it) as the
    /// [module documentation](self) says. A directory on the way that does not exist yet is
    /// no reason to refuse: writing will fail there, saying so.
    pub fn resolve(charm_dir: &Path, path: &str) -> Result<CharmFile, PathRefused> {
        if path.is_empty() {
            return Err(PathRefused::Empty);
        }
        if path.contains('\0') {
            return Err(PathRefused::Nul);
        }
        let given = Path::new(path);
        let relative = if given.is_absolute() {
            given
                .strip_prefix(charm_dir)
                .map_err(|_| PathRefused::Outside(path.into()))?
        } else {
            given
        };
        let mut names: Vec<&OsStr> = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(name) => names.push(name),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(PathRefused::Outside(path.into()))
                }
            }
        }
        let Some((last, dirs)) = names.split_last() else {
            return Err(PathRefused::NotAFile {
                path: charm_dir.to_path_buf(),
                kind: "the charm directory",
            });
        };
        let full: PathBuf = std::iter::once(charm_dir.as_os_str())
            .chain(names.iter().copied())
            .collect();
        let mut at = charm_dir.to_path_buf();
        for dir in dirs {
            at.push(dir);
            match fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(PathRefused::Symlink(at)),
                Ok(meta) if !meta.is_dir() => return Err(PathRefused::NotADirectory(at)),
                Ok(_) => {}
                // Nothing further exists: writing will say the directory is missing.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(CharmFile { path: full })
                }
                Err(source) => return Err(PathRefused::Io { path: at, source }),
            }
        }
        at.push(last);
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => Err(PathRefused::Symlink(at)),
            Ok(meta) if !meta.is_file() => Err(PathRefused::NotAFile {
                kind: kind_of(meta.file_type()),
                path: at,
            }),
            Ok(_) => Ok(CharmFile { path: at }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(CharmFile { path: at }),
            Err(source) => Err(PathRefused::Io { path: at, source }),
        }
    }

    /// The absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file holds exactly `content`: `false` if it does not exist. Opens
    /// without following a symbolic link or blocking, and reads at most one byte more
    /// than `content`.
    fn holds(&self, content: &[u8]) -> io::Result<bool> {
        let mut options = fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = match options.open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let file_type = file.metadata()?.file_type();
        if !file_type.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is {}", self.path.display(), kind_of(file_type)),
            ));
        }
        let mut existing = Vec::with_capacity(content.len() + 1);
        file.take(content.len() as u64 + 1)
            .read_to_end(&mut existing)?;
        Ok(existing == content)
    }

    /// Writes `content` unless the file holds exactly that already; returns whether it
    /// wrote.
    pub fn write_if_changed(&self, content: &[u8]) -> io::Result<bool> {
        if self.holds(content)? {
            return Ok(false);
        }
        self.write(content)?;
        Ok(true)
    }

    /// Replaces the file with `content`, through a temporary file created exclusively
    /// beside it (mode 0600) and renamed over it.
    pub fn write(&self, content: &[u8]) -> io::Result<()> {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file path",
            ));
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(content)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes the file if it is there; returns whether it was. A symbolic link put there
    /// since is removed itself, never what it points to.
    pub fn remove(&self) -> io::Result<bool> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(dir: &Path, path: &str) -> String {
        CharmFile::resolve(dir, path).unwrap_err().to_string()
    }

    #[test]
    fn paths_inside_the_charm_dir_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("etc")).unwrap();
        fs::write(root.join("etc/app.conf"), "x").unwrap();
        for (path, expected) in [
            ("app.conf", root.join("app.conf")),
            ("./etc/app.conf", root.join("etc/app.conf")),
            ("etc/new.conf", root.join("etc/new.conf")),
            ("missing/dir/app.conf", root.join("missing/dir/app.conf")),
        ] {
            assert_eq!(CharmFile::resolve(root, path).unwrap().path(), expected);
        }
        let absolute = root.join("etc/app.conf");
        let file = CharmFile::resolve(root, absolute.to_str().unwrap()).unwrap();
        assert_eq!(file.path(), absolute);
    }

    #[cfg(unix)]
    #[test]
    fn paths_out_of_it_or_through_links_or_to_other_things_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let elsewhere = tempfile::tempdir().unwrap();
        fs::write(elsewhere.path().join("shadow"), "secret").unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.join("out")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("shadow"), root.join("link.conf"))
            .unwrap();
        fs::create_dir(root.join("dir")).unwrap();
        fs::write(root.join("file"), "").unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let cases = [
            ("", "the path is empty".to_string()),
            ("a\0b", "the path has a NUL byte".into()),
            (
                "../x.conf",
                "\"../x.conf\" is outside the charm directory".into(),
            ),
            (
                "dir/../../x",
                "\"dir/../../x\" is outside the charm directory".into(),
            ),
            (
                "/etc/passwd",
                "\"/etc/passwd\" is outside the charm directory".into(),
            ),
            (
                "out/shadow",
                format!("{} is a symbolic link", root.join("out").display()),
            ),
            (
                "link.conf",
                format!("{} is a symbolic link", root.join("link.conf").display()),
            ),
            (
                "file/x",
                format!("{} is not a directory", root.join("file").display()),
            ),
            (
                "dir",
                format!(
                    "{} is a directory, not a regular file",
                    root.join("dir").display()
                ),
            ),
            (
                ".",
                format!(
                    "{} is the charm directory, not a regular file",
                    root.display()
                ),
            ),
            (
                "fifo",
                format!(
                    "{} is a FIFO, not a regular file",
                    root.join("fifo").display()
                ),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(refused(root, path), expected, "{path:?}");
        }
        let up = format!("{}/../x", root.display());
        assert!(refused(root, &up).contains("outside the charm directory"));
        assert_eq!(
            fs::read_to_string(elsewhere.path().join("shadow")).unwrap(),
            "secret"
        );
    }

    #[test]
    fn writes_atomically_only_when_changed_and_privately() {
        let dir = tempfile::tempdir().unwrap();
        let file = CharmFile::resolve(dir.path(), "app.conf").unwrap();
        assert!(file.write_if_changed(b"a=1\n").unwrap());
        assert!(!file.write_if_changed(b"a=1\n").unwrap());
        assert!(file.write_if_changed(b"a=1\nb=2\n").unwrap());
        assert!(file.write_if_changed(b"a=1\n").unwrap());
        assert_eq!(fs::read_to_string(file.path()).unwrap(), "a=1\n");
        // No temporary file left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        assert!(file.remove().unwrap());
        assert!(!file.remove().unwrap());
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let file = CharmFile::resolve(dir.path(), "missing-dir/app.conf").unwrap();
        assert_eq!(
            file.write_if_changed(b"a=1\n").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// What is put at the path after it was resolved is never followed or waited on.
    #[cfg(unix)]
    #[test]
    fn a_link_or_fifo_planted_after_resolving_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("root-only");
        fs::write(&target, "keep").unwrap();
        let file = CharmFile::resolve(dir.path(), "app.conf").unwrap();
        std::os::unix::fs::symlink(&target, file.path()).unwrap();
        // Opening without following fails: the comparison is an error, nothing written.
        assert!(file.write_if_changed(b"a=1\n").is_err());
        // A plain write replaces the link itself.
        file.write(b"a=1\n").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(!fs::symlink_metadata(file.path())
            .unwrap()
            .file_type()
            .is_symlink());
        fs::remove_file(file.path()).unwrap();
        std::os::unix::fs::symlink(&target, file.path()).unwrap();
        assert!(file.remove().unwrap());
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");

        let fifo = std::process::Command::new("mkfifo")
            .arg(file.path())
            .status()
            .unwrap();
        assert!(fifo.success());
        let err = file.write_if_changed(b"a=1\n").unwrap_err();
        assert!(err.to_string().contains("is a FIFO"), "{err}");
    }
}
