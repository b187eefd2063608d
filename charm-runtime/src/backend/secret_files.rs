//! Secret content on its way to `secret-add` and `secret-set`: each value in its own
//! private file, passed as a `key#file=<path>` argument, so that no value appears in a
//! process list. `ops` does the same (`ops/hookcmds/_secret.py` in canonical/operator).

use std::io::Write;
use std::path::Path;

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
        let mut builder = tempfile::Builder::new();
        builder.prefix("charm-secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder
            .tempdir()
            .map_err(|e| Error::io("creating a private directory for secret content", e))?;
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
}
