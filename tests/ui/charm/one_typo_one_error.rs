// One misspelt property in a charm that uses everything it declares: exactly one error.
// The rest of the derive's output stays (`Self::DB`, the real config type), and the
// handlers are not checked against incomplete declarations.
use charm_runtime::prelude::*;

#[derive(CharmConfig)]
pub struct WebappConfig {
    /// The port to listen on.
    #[option(default = 8080)]
    pub port: i64,
}

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interfce = "postgresql_client", limit = 1))]
#[containers(workload(resource = "image"))]
#[resources(image(type = "oci-image"))]
#[config(WebappConfig)]
#[actions(backup(description = "Back up the data"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(db_relation_changed, config_changed)]
    fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let _db = ctx.relation(Self::DB)?;
        let _workload = Self::WORKLOAD;
        let port: i64 = ctx.config()?.port;
        let _ = port;
        Ok(())
    }

    #[on(backup_action)]
    fn backup(&mut self, _ctx: &mut Context<Self>, _action: &ActionEvent) -> Result<()> {
        Ok(())
    }
}

fn main() {}
