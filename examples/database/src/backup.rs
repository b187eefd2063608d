//! The `backup` action: `juju run database/0 backup path=/srv/backup/dbs.txt`.

use charm_runtime::charm_dir::CharmFile;
use charm_runtime::prelude::*;
use serde::Deserialize;

use crate::{is_database_name, Database, Databases};

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
    ///
    /// `path` comes from whoever runs the action, and the hook runs as root: it must name a
    /// file inside the charm directory (no `..`, no symbolic link on the way, a regular
    /// file or nothing), and the file is replaced through a temporary file created
    /// exclusively beside it, so a symbolic link planted there is never followed.
    #[on(backup_action)]
    fn backup(&mut self, ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
        let file = match CharmFile::resolve(ctx.charm_dir(), &action.params().path) {
            Ok(file) => file,
            Err(why) => {
                action.fail(format!(
                    "`path` must name a file inside the charm directory: {why}"
                ));
                return Ok(());
            }
        };
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
        // One name per line: a name that is not one would add lines of its own.
        if !served.databases.iter().all(|db| is_database_name(db)) {
            action.fail(
                "cannot write the list of databases: `databases` holds a name that is not a database name",
            );
            return Ok(());
        }
        let listing: String = served
            .databases
            .iter()
            .map(|db| format!("{db}\n"))
            .collect();
        if let Err(e) = file.write(listing.as_bytes()) {
            action.fail(format!("cannot write {}: {e}", file.path().display()));
            return Ok(());
        }
        action.set_result("path", file.path().display().to_string())?;
        action.set_result("databases", served.databases.len().to_string())?;
        Ok(())
    }
}
