//! The `backup` action: `juju run database/0 backup path=/srv/backup/dbs.txt`.

use charm_runtime::prelude::*;
use serde::Deserialize;

use crate::{Database, Databases};

/// Parameters of the `backup` action (`actions.backup.params` in `charmcraft.yaml`).
#[derive(ActionParams, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BackupParams {
    /// The file to write the list of databases to; a relative path is relative to the
    /// charm directory.
    pub path: String,
}

#[handlers]
impl Database {
    /// Writes the databases this application serves to `path`, one name per line, and
    /// returns `path` and `databases` (the count). A problem fails the action with a
    /// message that says what to do; it never puts the unit in error.
    #[on(backup_action)]
    fn backup(&mut self, ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
        let Some(peers) = ctx.relation(Self::REPLICAS)? else {
            action.fail("the peer relation `replicas` does not exist yet: try again shortly");
            return Ok(());
        };
        let served: Databases = match peers.peer_app_data()?.load() {
            Ok(served) => served,
            Err(e) => {
                action.fail(format!("cannot read the list of databases: {e}"));
                return Ok(());
            }
        };
        let path = ctx.charm_path(&action.params().path);
        let listing: String = served
            .databases
            .iter()
            .map(|db| format!("{db}\n"))
            .collect();
        if let Err(e) = write_atomically(&path, &listing) {
            action.fail(format!("cannot write {}: {e}", path.display()));
            return Ok(());
        }
        action.set_result("path", path.display().to_string())?;
        action.set_result("databases", served.databases.len().to_string())?;
        Ok(())
    }
}

/// Writes `content` to a temporary file beside `path`, then renames it over `path`: a
/// reader sees the old file or the new one, never half of one.
fn write_atomically(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
