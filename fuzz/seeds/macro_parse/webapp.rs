/// A web application.
#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application", description = "...", subordinate = false)]
#[requires(db(interface = "postgresql_client", limit = 1), smtp(interface = "smtp", optional))]
#[provides(website(interface = "http", scope = "container", description = "site"))]
#[peers(replicas(interface = "charm_gossip"))]
#[config(WebappConfig)]
pub struct Webapp;
