//! Every attribute of `#[derive(Charm)]`, every property, and every kind of handler.
use charm_runtime::prelude::*;

/// What the webapp is configured with.
#[derive(CharmConfig)]
pub struct WebappConfig {
    /// The port to listen on.
    #[option(default = 8080)]
    pub port: i64,
    /// The site's name.
    #[option(name = "site-name", default = "webapp")]
    pub site: String,
    /// A token, when set.
    pub token: Option<SecretId>,
}

/// Where a backup goes.
#[derive(ActionParams, serde::Deserialize)]
pub struct BackupParams {
    /// The directory.
    #[param(default = "/var/backups")]
    pub path: String,
    /// Whether to only say what would be done.
    pub dry_run: Option<bool>,
}

/// A web application.
///
/// Its doc comment is the description when `#[charm]` has none.
#[derive(Charm, Default)]
#[charm(name = "webapp", title = "Web app", summary = "A web application")]
#[charm(base = "ubuntu@24.04", platform = "amd64", platform = "arm64")]
#[charm(assumes = "juju >= 3.4", assumes = "k8s-api", subordinate = false)]
#[peers(replicas(interface = "webapp_peers", description = "The units"))]
#[provides(
    website(interface = "http", optional),
    metrics(interface = "prometheus_scrape")
)]
#[requires(db(interface = "postgresql_client", limit = 1, optional = false))]
#[requires(log-forwarder(interface = "loki_push_api", scope = "container"))]
#[config(WebappConfig)]
#[actions(
    backup(params = BackupParams, description = "Back up the data"),
    "rotate-logs"(description = "Rotate the logs")
)]
#[storage(data(
    type = "filesystem",
    location = "/srv/data",
    description = "Data",
    multiple = "1-3",
    minimum_size = "1G"
))]
#[storage(scratch(r#type = "block"))]
#[containers(workload(
    resource = "webapp-image",
    mount = "data:/srv/data",
    mount = "scratch:/dev/scratch"
))]
#[resources(webapp-image(type = "oci-image", description = "The image"))]
#[resources(certs(type = "file", filename = "certs.tar"))]
pub struct Webapp;

#[handlers]
impl Webapp {
    #[on(
        install,
        start,
        config_changed,
        upgrade_charm,
        update_status,
        leader_elected
    )]
    fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let config = ctx.config()?;
        let _port: i64 = config.port;
        let _site: &str = &config.site;
        let _token: Option<&SecretId> = config.token.as_ref();
        let _db = ctx.relation(Self::DB)?;
        let _logs = ctx.relations(Self::LOG_FORWARDER)?;
        Ok(())
    }

    #[on(
        db_relation_created,
        db_relation_joined,
        log_forwarder_relation_changed
    )]
    #[on(replicas_relation_departed, website_relation_broken)]
    fn relation(&mut self, _ctx: &mut Context<Self>, _event: &Event) -> Result<()> {
        Ok(())
    }

    #[on(db_relation_changed)]
    fn db_changed(&mut self, _ctx: &mut Context<Self>, _event: &RelationChanged) -> Result<()> {
        Ok(())
    }

    #[on(backup_action)]
    fn backup(&mut self, _ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
        action.set_result("path", action.params().path.clone())?;
        if action.params().dry_run == Some(true) {
            action.set_result("dry-run", "true")?;
        }
        Ok(())
    }

    #[on(rotate_logs_action)]
    fn rotate(&mut self, _ctx: &mut Context<Self>, _action: &ActionEvent) -> Result<()> {
        Ok(())
    }

    #[on(data_storage_attached, scratch_storage_detaching)]
    fn storage(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }

    #[on(workload_pebble_ready)]
    fn ready(&mut self, _ctx: &mut Context<Self>, _event: &PebbleReady) -> Result<()> {
        let _ = Self::WORKLOAD;
        Ok(())
    }

    #[on(collect_unit_status, collect_app_status)]
    fn status(&mut self, _ctx: &mut Context<Self>, _event: &CollectStatus) -> Result<()> {
        Ok(())
    }
}

#[test]
fn every_declaration_is_in_the_charmcraft_yaml() {
    let yaml = <Webapp as Charm>::metadata().charmcraft_yaml();
    assert!(yaml.contains("log-forwarder"));
}
