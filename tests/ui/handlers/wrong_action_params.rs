use charm_runtime::prelude::*;

#[derive(ActionParams, serde::Deserialize)]
pub struct BackupParams {
    /// Where to write the backup.
    path: String,
}

#[derive(ActionParams, serde::Deserialize)]
pub struct RestoreParams {
    /// Which backup to restore.
    from: String,
}

#[derive(Charm, Default)]
#[charm(name = "database", summary = "A database")]
#[actions(backup(params = BackupParams, description = "Back up the databases"))]
pub struct Database;

#[handlers]
impl Database {
    #[on(backup_action)]
    fn backup(&mut self, _ctx: &mut Context<Self>, action: &Action<RestoreParams>) -> Result<()> {
        let _ = &action.params().from;
        Ok(())
    }
}

fn main() {
    let _ = BackupParams { path: String::new() }.path;
}
