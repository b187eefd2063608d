//! Secret content on its way to `secret-add` and `secret-set`: each value in its own
//! private file, passed as a `key#file=<path>` argument, so that no value appears in a
//! process list. `ops` does the same (`ops/hookcmds/_secret.py` in canonical/operator).
//!
//! **Why files.** Juju's `secret-add` and `secret-set` take content only as arguments
//! (`key=value`, `key#base64=value`: visible to every user in `/proc/<pid>/cmdline`) or
//! from files (`key#file=<path>`, `--file <yaml>`), which the unit agent reads
//! (`secretUpsertCommand.Init` in juju/juju's
//! `internal/worker/uniter/runner/jujuc/secret-add.go`); no Juju version reads it from
//! the tool's stdin. So files it is, kept as short as possible:
//!
//! - in a fresh directory of mode 0700, files of mode 0600, created only for the one tool
//!   call and removed when it returns, also when the call unwinds from a panic;
//! - on `/dev/shm` when `TMPDIR` is not set (memory, not a disk: a killed hook leaves
//!   nothing on disk), else in `TMPDIR` or the system's temporary directory;
//! - named `charm-rs-secret-<pid>-…`: a hook killed during the call (SIGKILL, a machine
//!   reboot of a non-tmpfs `TMPDIR`) leaves its directory behind, and the next hook of
//!   any charm-rs charm on the machine removes it ([`sweep_stale`]) once that process is
//!   gone.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The start of the directories' names; the process id follows.
const PREFIX: &str = "charm-rs-secret-";

use crate::error::{Error, Result};
use crate::secret::SecretContent;

/// The files holding one tool call's secret content, and the arguments naming them.
///
/// The files live as long as this value: drop it as soon as the tool has run, and they
/// are gone.
pub(super) struct ContentFiles {
    /// Kept for its `Drop`, which removes the directory and the files.
    _dir: tempfile::TempDir,
    args: Vec<String>,
}

impl ContentFiles {
    /// Writes each value to its own file (mode 0600, in a fresh directory of mode 0700).
    pub(super) fn write(content: &SecretContent) -> Result<Self> {
        // Keys become file names: only Juju's key syntax, so never `../x` or `a/b`.
        content.validate()?;
        let prefix = format!("{PREFIX}{}-", std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let mut dir = Err(std::io::Error::other("no temporary directory"));
        for base in base_dirs() {
            dir = builder.tempdir_in(base);
            if dir.is_ok() {
                break;
            }
        }
        let dir =
            dir.map_err(|e| Error::io("creating a private directory for secret content", e))?;
        let mut args = Vec::new();
        for (key, value) in content.iter() {
            let path = dir.path().join(key);
            write_private(&path, value.as_bytes())
                .map_err(|e| Error::io(format!("writing secret key `{key}` to a file"), e))?;
            args.push(format!("{key}#file={}", path.display()));
        }
        Ok(ContentFiles { _dir: dir, args })
    }

    /// The `key#file=<path>` arguments, one per key.
    pub(super) fn args(&self) -> &[String] {
        &self.args
    }
}

/// Where the directories go, in order of preference: `TMPDIR` when set (the operator's
/// choice), else `/dev/shm` (memory) when it is there, then the system's temporary
/// directory.
fn base_dirs() -> Vec<PathBuf> {
    let tmpdir = std::env::var_os("TMPDIR").filter(|d| !d.is_empty());
    let shm = Path::new("/dev/shm");
    let mut dirs = Vec::new();
    if tmpdir.is_none() && shm.is_dir() {
        dirs.push(shm.to_path_buf());
    }
    dirs.push(std::env::temp_dir());
    dirs
}

/// Removes the secret-content directories that hooks killed during a `secret-add` or
/// `secret-set` left behind: those of this user whose process is gone. Best effort, and
/// only where `/proc` tells which processes run. Returns how many were removed.
pub(crate) fn sweep_stale() -> usize {
    // Where this hook writes, and `/dev/shm`, where one without `TMPDIR` wrote.
    let mut bases = base_dirs();
    bases.push(Path::new("/dev/shm").to_path_buf());
    bases.sort();
    bases.dedup();
    bases.iter().map(|base| sweep_stale_in(base)).sum()
}

/// [`sweep_stale`], in `base`.
fn sweep_stale_in(base: &Path) -> usize {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let proc = Path::new("/proc");
        let (Ok(me), Ok(entries)) = (std::fs::metadata("/proc/self"), std::fs::read_dir(base))
        else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            // Never a symlink (not followed), never another user's, never a live hook's.
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            let stale = meta.is_dir()
                && meta.uid() == me.uid()
                && pid != std::process::id()
                && !proc.join(pid.to_string()).exists();
            if stale && std::fs::remove_dir_all(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
    #[cfg(not(unix))]
    {
        let _ = base;
        0
    }
}

/// Creates `path` (it must not exist) readable and writable by this user only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "hunter2-canary";

    #[cfg(unix)]
    #[test]
    fn secret_files_are_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let content = SecretContent::new().with("password", CANARY);
        let files = ContentFiles::write(&content).unwrap();
        assert_eq!(files.args().len(), 1);
        let path = files.args()[0]
            .strip_prefix("password#file=")
            .unwrap()
            .to_string();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let path = Path::new(&path);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(path), 0o600);
        assert_eq!(std::fs::read_to_string(path).unwrap(), CANARY);
        drop(files);
        assert!(!path.exists() && !path.parent().unwrap().exists());
        // Keys are file names: nothing but Juju's key syntax gets that far.
        let bad = SecretContent::new().with("../escape", "x");
        assert!(ContentFiles::write(&bad).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_directories_of_gone_processes_are_swept_and_only_those() {
        let base = tempfile::tempdir().unwrap();
        // A process that is gone: a child, waited for.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let mkdir = |name: &str| {
            let path = base.path().join(name);
            std::fs::create_dir(&path).unwrap();
            std::fs::write(path.join("password"), CANARY).unwrap();
            path
        };
        let stale = mkdir(&format!("{PREFIX}{gone}-AbC123"));
        let mine = mkdir(&format!("{PREFIX}{}-XyZ789", std::process::id()));
        let live = mkdir(&format!("{PREFIX}1-init"));
        let other = mkdir(&format!("charm-secret{gone}"));
        let not_a_pid = mkdir(&format!("{PREFIX}x-1"));
        // A symlink named like a stale directory is not followed.
        let target = tempfile::tempdir().unwrap();
        std::fs::write(target.path().join("keep"), "x").unwrap();
        let link = base.path().join(format!("{PREFIX}{gone}-link"));
        std::os::unix::fs::symlink(target.path(), &link).unwrap();

        assert_eq!(sweep_stale_in(base.path()), 1);
        assert!(!stale.exists());
        for kept in [&mine, &live, &other, &not_a_pid] {
            assert!(kept.join("password").exists(), "{}", kept.display());
        }
        assert!(target.path().join("keep").exists());
    }

    #[test]
    fn the_directory_is_named_after_the_process_under_tmpdir_or_in_memory() {
        let files = ContentFiles::write(&SecretContent::new().with("password", CANARY)).unwrap();
        let path = PathBuf::from(files.args()[0].strip_prefix("password#file=").unwrap());
        let dir = path.parent().unwrap();
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with(&format!("{PREFIX}{}-", std::process::id())),
            "{name}"
        );
        assert_eq!(
            Some(dir.parent().unwrap().to_path_buf()),
            base_dirs().first().cloned()
        );
        if std::env::var_os("TMPDIR").is_none() && Path::new("/dev/shm").is_dir() {
            assert!(dir.starts_with("/dev/shm"), "{}", dir.display());
        }
    }
}
