//! The production backend: Juju's hook tools run as processes.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::secret_files::ContentFiles;
use super::{argv, classify, output, HookTools, LogLevel};
use crate::cloud::CloudSpec;
use crate::error::{Error, Result};
use crate::goal_state::GoalState;
use crate::network::Network;
use crate::port::Port;
use crate::relation::RelationId;
use crate::secret::{NewSecret, SecretContent, SecretId, SecretInfo, SecretMeta, SecretRead};
use crate::status::Status;

/// The variable that moves the workload containers' Pebble sockets away from
/// `/charm/containers/<container>/pebble.socket`, where Juju mounts them in the charm
/// container: `<dir>/<container>/pebble.socket` when set (and not empty).
///
/// Juju never sets it, so under Juju the charm connects where Juju's Pebble listens; the
/// simulator (`cargo charm sim`) sets it to the unit's own directory of sockets, so the
/// same binary reaches the simulator's Pebble without root or a `/charm` on the host.
pub const CONTAINERS_DIR_VAR: &str = "CHARM_SIM_CONTAINERS_DIR";

/// The socket of `container`'s Pebble: Juju's path, or under [`CONTAINERS_DIR_VAR`].
pub(crate) fn container_socket(container: &str) -> PathBuf {
    socket_under(std::env::var_os(CONTAINERS_DIR_VAR).as_deref(), container)
}

fn socket_under(dir: Option<&OsStr>, container: &str) -> PathBuf {
    match dir.filter(|d| !d.is_empty()) {
        Some(dir) => Path::new(dir).join(container).join("pebble.socket"),
        None => charm_pebble::container_socket_path(container),
    }
}

/// The production backend: runs each hook tool as a process found on `PATH`.
///
/// ```no_run
/// use charm_runtime::backend::{HookTools, ProcessTools};
/// let tools = ProcessTools::new();
/// let leader = tools.is_leader()?;
/// # Ok::<(), charm_runtime::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ProcessTools {
    _private: (),
}

impl ProcessTools {
    /// A backend that runs the tools found on `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `argv` (tool name first; see [`argv`]), feeding `stdin`, and returns stdout,
    /// or a typed error.
    fn run(&self, argv: &[String], stdin: Option<&[u8]>) -> Result<Vec<u8>> {
        let (tool, args) = argv.split_first().ok_or_else(|| Error::msg("empty argv"))?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = Command::new(tool);
        cmd.args(&args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| spawn_error(tool, &args, e))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A tool that exits without reading its stdin is reported by its exit code below.
            let _ = pipe.write_all(input);
        }
        let out = child.wait_with_output().map_err(|e| Error::ToolMissing {
            tool: tool.into(),
            detail: e.to_string(),
        })?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(classify(
                tool,
                &args,
                out.status.code().unwrap_or(-1),
                &stderr,
            ))
        }
    }
}

/// A tool that could not be started: missing, or refused by the OS (argv too long, a NUL
/// byte in an argument).
fn spawn_error(tool: &str, args: &[&str], e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound | ErrorKind::PermissionDenied => Error::ToolMissing {
            tool: tool.into(),
            detail: e.to_string(),
        },
        ErrorKind::ArgumentListTooLong => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: format!(
                "not started: its arguments ({} bytes) are longer than the OS allows",
                args.iter().map(|a| a.len() + 1).sum::<usize>()
            ),
        },
        ErrorKind::InvalidInput if args.iter().any(|a| a.contains('\0')) => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: "not started: an argument contains a NUL byte".into(),
        },
        _ => Error::Tool {
            tool: tool.into(),
            code: -1,
            message: format!("not started: {e}"),
        },
    }
}

impl HookTools for ProcessTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<()> {
        self.run(&argv::juju_log(level, message), None).map(drop)
    }

    fn is_leader(&self) -> Result<bool> {
        output::is_leader(&self.run(&argv::is_leader(), None)?)
    }

    fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        output::config_get(&self.run(&argv::config_get(), None)?)
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>> {
        output::relation_ids(&self.run(&argv::relation_ids(endpoint), None)?)
    }

    fn relation_list(&self, relation: RelationId) -> Result<Vec<String>> {
        output::relation_list(&self.run(&argv::relation_list(relation), None)?)
    }

    fn relation_remote_app(&self, relation: RelationId) -> Result<Option<String>> {
        output::relation_remote_app(&self.run(&argv::relation_remote_app(relation), None)?)
    }

    fn relation_get(
        &self,
        relation: RelationId,
        owner: &str,
        app: bool,
    ) -> Result<BTreeMap<String, String>> {
        output::relation_get(&self.run(&argv::relation_get(relation, owner, app), None)?)
    }

    fn relation_set(
        &self,
        relation: RelationId,
        app: bool,
        changes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let stdin = argv::settings_stdin(changes);
        self.run(&argv::relation_set(relation, app), Some(stdin.as_bytes()))
            .map(drop)
    }

    fn status_set(&self, app: bool, status: &Status) -> Result<()> {
        self.run(&argv::status_set(app, status), None).map(drop)
    }

    fn status_get(&self, app: bool) -> Result<Status> {
        output::status_get(&self.run(&argv::status_get(app), None)?, app)
    }

    fn application_version_set(&self, version: &str) -> Result<()> {
        self.run(&argv::application_version_set(version), None)
            .map(drop)
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId> {
        let files = ContentFiles::write(&secret.content)?;
        let out = self.run(&argv::secret_add(secret, files.args()), None);
        // The content files go as soon as the tool has read them.
        drop(files);
        output::secret_add(&out?)
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent> {
        output::secret_get(&self.run(&argv::secret_get(id, label, read), None)?)
    }

    fn secret_info_get(&self, id: Option<&SecretId>, label: Option<&str>) -> Result<SecretInfo> {
        output::secret_info_get(&self.run(&argv::secret_info_get(id, label), None)?)
    }

    fn secret_set(
        &self,
        id: &SecretId,
        content: Option<&SecretContent>,
        label: Option<&str>,
    ) -> Result<()> {
        let files = content.map(ContentFiles::write).transpose()?;
        let content_args = files.as_ref().map_or(&[][..], ContentFiles::args);
        let out = self.run(&argv::secret_set(id, label, content_args), None);
        drop(files);
        out.map(drop)
    }

    fn secret_grant(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.run(&argv::secret_grant(id, relation, unit), None)
            .map(drop)
    }

    fn secret_revoke(&self, id: &SecretId, relation: RelationId, unit: Option<&str>) -> Result<()> {
        self.run(&argv::secret_revoke(id, relation, unit), None)
            .map(drop)
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u64>) -> Result<()> {
        self.run(&argv::secret_remove(id, revision), None).map(drop)
    }

    fn state_get(&self) -> Result<BTreeMap<String, String>> {
        output::state_get(&self.run(&argv::state_get(), None)?)
    }

    fn state_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        let stdin = argv::settings_stdin(values);
        self.run(&argv::state_set(), Some(stdin.as_bytes()))
            .map(drop)
    }

    fn state_delete(&self, key: &str) -> Result<()> {
        self.run(&argv::state_delete(key), None).map(drop)
    }

    fn pebble(&self, container: &str) -> Box<dyn charm_pebble::Pebble> {
        Box::new(charm_pebble::Client::new(container_socket(container)))
    }

    fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        output::storage_get(&self.run(&argv::storage_get(id, key), None)?)
    }

    fn storage_list(&self, name: &str) -> Result<Vec<String>> {
        output::storage_list(&self.run(&argv::storage_list(name), None)?)
    }

    fn action_get(&self) -> Result<serde_json::Map<String, Value>> {
        output::action_get(&self.run(&argv::action_get(), None)?)
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<()> {
        self.run(&argv::action_set(results), None).map(drop)
    }

    fn action_log(&self, message: &str) -> Result<()> {
        self.run(&argv::action_log(message), None).map(drop)
    }

    fn action_fail(&self, message: &str) -> Result<()> {
        self.run(&argv::action_fail(message), None).map(drop)
    }

    fn open_port(&self, port: &Port, endpoints: &[&str]) -> Result<()> {
        self.run(&argv::open_port(port, endpoints), None).map(drop)
    }

    fn close_port(&self, port: &Port, endpoints: &[&str]) -> Result<()> {
        self.run(&argv::close_port(port, endpoints), None).map(drop)
    }

    fn opened_ports(&self) -> Result<Vec<Port>> {
        output::opened_ports(&self.run(&argv::opened_ports(), None)?)
    }

    fn network_get(&self, binding: &str, relation: Option<RelationId>) -> Result<Network> {
        output::network_get(&self.run(&argv::network_get(binding, relation), None)?)
    }

    fn goal_state(&self) -> Result<GoalState> {
        output::goal_state(&self.run(&argv::goal_state(), None)?)
    }

    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf> {
        output::resource_get(&self.run(&argv::resource_get(name), None)?)
    }

    fn credential_get(&self) -> Result<CloudSpec> {
        output::credential_get(&self.run(&argv::credential_get(), None)?)
    }

    fn juju_reboot(&self, now: bool) -> Result<()> {
        self.run(&argv::juju_reboot(now), None).map(drop)
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<()> {
        self.run(&argv::storage_add(name, count), None).map(drop)
    }

    fn relation_model_get(&self, relation: RelationId) -> Result<String> {
        output::relation_model_get(&self.run(&argv::relation_model_get(relation), None)?)
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>> {
        output::secret_ids(&self.run(&argv::secret_ids(), None)?)
    }

    fn secret_set_info(&self, id: &SecretId, meta: &SecretMeta) -> Result<()> {
        self.run(&argv::secret_set_info(id, meta), None).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_is_where_juju_mounts_it_unless_the_simulator_says() {
        assert_eq!(
            socket_under(None, "web"),
            Path::new("/charm/containers/web/pebble.socket")
        );
        // An empty value is no value: Juju's path.
        assert_eq!(
            socket_under(Some(OsStr::new("")), "web"),
            Path::new("/charm/containers/web/pebble.socket")
        );
        assert_eq!(
            socket_under(Some(OsStr::new("/tmp/sim/units/web-0/containers")), "web"),
            Path::new("/tmp/sim/units/web-0/containers/web/pebble.socket")
        );
    }
}
