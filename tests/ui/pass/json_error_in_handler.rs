// `?` on a serde_json error in a handler: `charm_runtime::Error` converts it.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
#[requires(db(interface = "postgresql_client", limit = 1))]
pub struct Webapp;

#[derive(serde::Deserialize)]
struct Endpoints {
    primary: String,
}

#[handlers]
impl Webapp {
    #[on(db_relation_changed)]
    fn changed(&mut self, _ctx: &mut Context<Self>, event: &RelationChanged) -> Result<()> {
        let raw = event.relation().remote_app_data()?.get("endpoints")?;
        let endpoints: Endpoints = serde_json::from_str(raw.as_deref().unwrap_or("{}"))?;
        let _ = endpoints.primary;
        Ok(())
    }
}

fn main() {}
