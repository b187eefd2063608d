//! Storage, containers and their Pebble, resources, networks, and what the charm left.

use std::collections::BTreeMap;

use super::{HResult, Harness, HarnessError};
use crate::testing::scenario::Event;
use crate::testing::state::{Container, Storage};
use crate::Charm;

impl<C: Charm + Default> Harness<C> {
    /// Adds `count` instances of storage `name`; with `attach`, attaches them (firing
    /// storage-attached once begun). Returns their ids (`data/0`).
    pub fn add_storage(&mut self, name: &str, count: u32, attach: bool) -> HResult<Vec<String>> {
        if !self.ctx.meta().storage.iter().any(|s| s.name == name) {
            return Err(HarnessError::Invalid(format!(
                "add_storage: storage `{name}` is not declared by charm `{}`",
                self.ctx.meta().name
            )));
        }
        let first = self
            .state
            .storages
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.index + 1)
            .max()
            .unwrap_or(0);
        let mut ids = Vec::new();
        for index in first..first + count {
            let storage = Storage::new(name).index(index);
            ids.push(storage.id());
            if attach {
                self.state.storages.push(storage.clone());
                self.fire_if_begun(Event::storage_attached(&storage))?;
            } else {
                self.detached.push(storage);
            }
        }
        Ok(ids)
    }

    /// Attaches a storage instance added with `attach == false`: fires storage-attached.
    pub fn attach_storage(&mut self, id: &str) -> HResult {
        let Some(pos) = self.detached.iter().position(|s| s.id() == id) else {
            return Err(HarnessError::Invalid(format!(
                "attach_storage: no detached storage `{id}` (add it with add_storage(.., attach: false))"
            )));
        };
        let storage = self.detached.remove(pos);
        self.state.storages.push(storage.clone());
        self.fire_if_begun(Event::storage_attached(&storage))
    }

    /// Detaches a storage instance: fires storage-detaching, then removes it.
    pub fn detach_storage(&mut self, id: &str) -> HResult {
        let Some(storage) = self.state.get_storage(id).cloned() else {
            return Err(HarnessError::Invalid(format!(
                "detach_storage: storage `{id}` is not attached"
            )));
        };
        let result = self.fire_if_begun(Event::storage_detaching(&storage));
        self.state.storages.retain(|s| s.id() != id);
        self.detached.push(storage);
        result
    }

    /// Makes a container's Pebble answer: fires `<container>-pebble-ready`.
    pub fn container_pebble_ready(&mut self, container: &str) -> HResult {
        self.set_can_connect(container, true)?;
        self.fire(Event::pebble_ready(container))
    }

    /// Sets whether a container's Pebble answers (no hook fires).
    pub fn set_can_connect(&mut self, container: &str, can_connect: bool) -> HResult {
        let c = self
            .state
            .containers
            .iter_mut()
            .find(|c| c.name == container)
            .ok_or_else(|| {
                HarnessError::Invalid(format!(
                    "container `{container}` is not declared by charm `{}`",
                    self.ctx.meta().name
                ))
            })?;
        c.can_connect = can_connect;
        Ok(())
    }

    fn container_or_err(&self, container: &str) -> HResult<Container> {
        self.state.get_container(container).cloned().ok_or_else(|| {
            HarnessError::Invalid(format!(
                "container `{container}` is not declared by charm `{}`",
                self.ctx.meta().name
            ))
        })
    }

    /// Records a custom notice in a container, as `pebble notify <key>` in the
    /// workload would, and fires `<container>-pebble-custom-notice`
    /// (`ops.testing.Harness.pebble_notify`); returns the notice id.
    pub fn pebble_notify(
        &mut self,
        container: &str,
        key: &str,
        data: BTreeMap<String, String>,
    ) -> HResult<String> {
        let c = self.container_or_err(container)?;
        let notice = c.pebble.add_notice(key, data);
        self.fire(Event::pebble_custom_notice(container, &notice.id, key))?;
        Ok(notice.id)
    }

    /// Makes a check fail (`get_checks` reports it `down`) and fires
    /// `<container>-pebble-check-failed`.
    pub fn pebble_check_failed(&mut self, container: &str, check: &str) -> HResult {
        let c = self.container_or_err(container)?;
        c.pebble
            .set_check_status(check, charm_pebble::CheckStatus::Down);
        self.fire(Event::pebble_check_failed(container, check))
    }

    /// Makes a failed check pass again (`up`) and fires
    /// `<container>-pebble-check-recovered`.
    pub fn pebble_check_recovered(&mut self, container: &str, check: &str) -> HResult {
        let c = self.container_or_err(container)?;
        c.pebble
            .set_check_status(check, charm_pebble::CheckStatus::Up);
        self.fire(Event::pebble_check_recovered(container, check))
    }

    /// Answers commands starting with `prefix` in a container with `output`
    /// (`ops.testing.Harness.handle_exec` with a fixed result).
    pub fn handle_exec(
        &mut self,
        container: &str,
        prefix: &[&str],
        output: charm_pebble::ExecOutput,
    ) -> HResult {
        self.container_or_err(container)?
            .pebble
            .add_exec(prefix, output);
        Ok(())
    }

    /// A container, with its Pebble ([`FakePebble`](charm_pebble::FakePebble)) to inspect
    /// or prepare.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.state.get_container(name)
    }

    /// Runs only the charm's collect-status handlers (`collect_unit_status`,
    /// `collect_app_status` for the leader) and keeps the statuses they set.
    pub fn evaluate_status(&mut self) -> HResult {
        self.fire(Event::hook("collect-status"))
    }

    /// Makes `content` the file of resource `name` (`resource-get` gives its path), as
    /// `ops`' `Harness.add_resource`; returns the path.
    pub fn add_resource(
        &mut self,
        name: &str,
        content: impl AsRef<[u8]>,
    ) -> HResult<std::path::PathBuf> {
        let invalid = |e: std::io::Error| HarnessError::Invalid(format!("resource {name:?}: {e}"));
        if self.resources.is_none() {
            self.resources = Some(tempfile::tempdir().map_err(invalid)?);
        }
        let root = self.resources.as_ref().map(|d| d.path().to_path_buf());
        let dir = root.unwrap_or_default().join(name);
        std::fs::create_dir_all(&dir).map_err(invalid)?;
        let filename = self
            .ctx
            .meta()
            .resources
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.filename.clone())
            .unwrap_or_else(|| name.to_string());
        let path = dir.join(filename);
        std::fs::write(&path, content).map_err(invalid)?;
        self.state.resources.insert(name.to_string(), path.clone());
        Ok(path)
    }

    /// Sets how many units the application is meant to have (`goal-state`), as `ops`'
    /// `Harness.set_planned_units`. No hook fires.
    pub fn set_planned_units(&mut self, units: u32) {
        self.state.planned_units = Some(units);
    }

    /// Gives the unit `address` on a binding (`network-get`), or on every declared
    /// endpoint and `juju-info` when `binding` is `None`, as `ops`' `Harness.add_network`.
    pub fn add_network(&mut self, address: &str, binding: Option<&str>) {
        let network = crate::network::Network::single(address);
        let bindings: Vec<String> = match binding {
            Some(b) => vec![b.to_string()],
            None => self
                .ctx
                .meta()
                .endpoints
                .iter()
                .map(|e| e.name.clone())
                .chain(["juju-info".to_string()])
                .collect(),
        };
        for b in bindings {
            self.state.networks.insert(b, network.clone());
        }
    }

    /// Trusts the application with `spec` (`credential-get` answers it), as `ops`'
    /// `Harness.set_cloud_spec`.
    pub fn set_cloud_spec(&mut self, spec: crate::cloud::CloudSpec) {
        self.state.cloud_spec = Some(spec);
    }

    /// The ports the unit has opened.
    pub fn opened_ports(&self) -> &std::collections::BTreeSet<crate::port::Port> {
        &self.state.opened_ports
    }

    /// The workload version the charm set, as `ops`' `Harness.get_workload_version`.
    pub fn workload_version(&self) -> Option<&str> {
        self.state.workload_version.as_deref()
    }

    /// How many times a hook asked for a reboot (`juju-reboot`), as `ops`'
    /// `Harness.reboot_count`.
    pub fn reboot_count(&self) -> usize {
        self.history
            .iter()
            .filter(|(_, out)| out.reboot.is_some())
            .count()
    }
}
