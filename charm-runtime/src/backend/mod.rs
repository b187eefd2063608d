//! The hook-tool boundary: one trait, [`HookTools`], with the real implementation
//! ([`ProcessTools`], which runs Juju's hook tools as processes) and, behind the `testing`
//! feature, an in-memory one.
//!
//! - [`argv`]: the command line of every tool call, the one definition both backends use;
//! - `process`: [`ProcessTools`], running a tool and reading its exit code and stderr;
//! - `failure`: a failed tool's stderr as a typed [`Error`](crate::Error), made
//!   [`printable`];
//! - `output`: the parsers of the tools' `--format=json` output;
//! - `secret_files`: secret content in private files, passed as `key#file=<path>`, and
//!   the sweep of those a killed hook left.

use std::collections::BTreeMap;

use serde_json::Value;

pub mod argv;
mod failure;
#[doc(hidden)]
pub mod output;
mod process;
mod secret_files;

pub use argv::MAX_LOG_MESSAGE;
pub(crate) use failure::{classify, quoted};
pub use failure::{printable, MAX_TOOL_MESSAGE};
pub(crate) use process::container_socket;
pub use process::{ProcessTools, CONTAINERS_DIR_VAR};
pub(crate) use secret_files::sweep_stale as sweep_stale_secret_files;

use crate::cloud::CloudSpec;
use crate::error::Result;
use crate::goal_state::GoalState;
use crate::network::Network;
use crate::port::Port;
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretMeta, SecretRead};
use crate::status::Status;

/// Severity of a `juju-log` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
}

impl LogLevel {
    /// The name Juju expects after `--log-level`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// The hook tools a charm calls, one method per tool (and per form of a tool).
///
/// Implementations turn Juju's failures into typed [`Error`](crate::Error)s: a relation that
/// is gone is [`Error::RelationNotFound`](crate::Error::RelationNotFound), a refused read is
/// [`Error::PermissionDenied`](crate::Error::PermissionDenied), and so on. Every method is
/// required: a backend says what each tool does, Pebble included.
pub trait HookTools {
    /// `juju-log --log-level <level> -- <message>`
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()>;
    /// `is-leader --format=json`
    fn is_leader(&self) -> Result<bool>;
    /// `config-get --format=json`
    fn config_get(&self) -> Result<serde_json::Map<String, Value>>;
    /// `relation-ids <endpoint> --format=json`
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>>;
    /// `relation-list --format=json -r <id>`: the remote units.
    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>>;
    /// `relation-list --format=json --app -r <id>`: the remote application.
    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>>;
    /// `relation-get --format=json -r <id> [--app] - <owner>`: a whole databag.
    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>>;
    /// `relation-set -r <id> [--app] --file -`: merge `changes` into the local bag; an
    /// empty value deletes its key.
    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()>;
    /// `status-set --application=<app> <status> -- <message>`
    fn status_set(&self, app: bool, status: &Status) -> Result<()>;
    /// `status-get --include-data --format=json --application=<app>`
    fn status_get(&self, app: bool) -> Result<Status>;
    /// `application-version-set -- <version>`
    fn application_version_set(&self, version: &str) -> Result<()>;
    /// `secret-add [--label L] [--description D] --owner <owner> key#file=...`
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId>;
    /// `secret-get --format=json [<id>] [--label L] [--peek|--refresh]`
    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent>;
    /// `secret-info-get --format=json <id>` or `--label L`
    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo>;
    /// `secret-set [--label L] <id> [key#file=...]`
    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()>;
    /// `secret-grant --relation <id> [--unit <unit>] <secret>`
    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()>;
    /// `secret-revoke --relation <id> [--unit <unit>] <secret>`
    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()>;
    /// `secret-remove <id> [--revision N]`
    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()>;
    /// `state-get --format=json`: the unit's whole charm state.
    fn state_get(&self) -> Result<BTreeMap<String, String>>;
    /// `state-set --file -`
    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()>;
    /// `state-delete <key>`
    fn state_delete(&self, key: &str) -> Result<()>;
    /// A Pebble client for the workload container `container`. [`ProcessTools`] connects
    /// to `/charm/containers/<container>/pebble.socket`, the socket Juju gives the charm
    /// (or under [`CONTAINERS_DIR_VAR`], which only the simulator sets);
    /// a test backend answers from its state.
    fn pebble(&self, container: &str) -> Box<dyn charm_pebble::Pebble>;
    /// `storage-get --format=json -s <id> <key>`: one attribute of a storage instance.
    fn storage_get(&self, id: &str, key: &str) -> Result<String>;
    /// `storage-list --format=json <name>`: the ids of the attached instances of a
    /// storage (`data/0`, ...).
    fn storage_list(&self, name: &str) -> Result<Vec<String>>;
    /// `action-get --format=json`: the running action's parameters.
    fn action_get(&self) -> Result<serde_json::Map<String, Value>>;
    /// `action-set key=value ...`
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()>;
    /// `action-log -- <message>`
    fn action_log(&self, message: &str) -> Result<()>;
    /// `action-fail -- <message>`
    fn action_fail(&self, message: &str) -> Result<()>;
    /// `open-port [--endpoints a,b] <port>`
    fn open_port(&self, port: &Port, endpoints: &[&str]) -> Result<()>;
    /// `close-port [--endpoints a,b] <port>`
    fn close_port(&self, port: &Port, endpoints: &[&str]) -> Result<()>;
    /// `opened-ports --format=json`: the committed ports (not this hook's changes).
    fn opened_ports(&self) -> Result<Vec<Port>>;
    /// `network-get --format=json [-r <id>] <binding>`
    fn network_get(&self, binding: &str, relation: Option<RelationId>) -> Result<Network>;
    /// `goal-state --format=json`
    fn goal_state(&self) -> Result<GoalState>;
    /// `resource-get <name>`: the path of the unit's copy of a resource.
    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf>;
    /// `credential-get --format=json`
    fn credential_get(&self) -> Result<CloudSpec>;
    /// `juju-reboot [--now]`
    fn juju_reboot(&self, now: bool) -> Result<()>;
    /// `storage-add <name>=<count>`
    fn storage_add(&self, name: &str, count: u32) -> Result<()>;
    /// `relation-model-get --format=json -r <id>`: the uuid of the remote application's
    /// model.
    fn relation_model_get(&self, relation: RelationId) -> Result<String>;
    /// `secret-ids --format=json`
    fn secret_ids(&self) -> Result<Vec<SecretId>>;
    /// `secret-set [--label ..] [--description ..] [--expire ..] [--rotate ..] <id>`:
    /// metadata only.
    fn secret_set_info(&self, id: &SecretId, meta: &SecretMeta) -> Result<()>;
}
