//! `?` on a serde_json error in a handler: `charm_runtime::Error` converts it.
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

#[test]
fn a_databag_value_of_the_wrong_shape_fails_the_hook_with_serdes_error() {
    use charm_runtime::testing::{bag, Context as Scenario, Event as Hook, Relation, State};
    let db = Relation::new("db").remote_app_data(bag([("endpoints", r#"{"primary": 5432}"#)]));
    let state = State::new().relation(db.clone());
    let out = Scenario::<Webapp>::new()
        .run(Hook::relation_changed(&db), state)
        .unwrap();
    let error = out.error.expect("the hook fails");
    assert!(error.contains("invalid type: integer `5432`"), "{error}");
}
