//! Kubernetes units: a pod per unit, with a Pebble for each workload container and a
//! real directory for each storage instance.
//!
//! Each container of a unit of a charm that declares `containers:` gets a
//! [`PebbleServer`] rooted in its own directory (`units/<app>-<n>/workloads/<container>`,
//! seeded from the image the model gives the container), listening on
//! `units/<app>-<n>/containers/<container>/pebble.socket`. Its services are real
//! processes that outlive the hooks, as in a pod. The charm reaches it:
//!
//! - a Rust charm through `CHARM_SIM_CONTAINERS_DIR`, which the hook environment sets to
//!   `units/<app>-<n>/containers` and `charm-runtime` reads instead of Juju's
//!   `/charm/containers` (Juju never sets it);
//! - any charm, `ops` ones included (ops writes `/charm/containers/<name>/pebble.socket`
//!   in `ops/model.py`), at Juju's own path when the simulator can give each hook a
//!   private mount namespace with the unit's socket directory bound on
//!   `/charm/containers`: as root, with `unshare` and `mount` from util-linux (the
//!   simulator creates the empty mount point `/charm/containers` if it is missing).
//!   Elsewhere ops charms' containers cannot connect, and [`Model::mounts_pebble_sockets`]
//!   says so.
//!
//! What Juju turns into hooks comes from the Pebble ([`PebbleEvent`]): custom notices and
//! check failures/recoveries are queued on the unit with `pebble-ready`, and run once the
//! unit has started, in order (`internal/worker/uniter/container/workload.go`: workload
//! events run only when no other operation is under way).
//!
//! A storage a container mounts is a directory in that container's root, at the
//! mount's location; the charm gets its host path (`storage-get location`). A second
//! container mounting the same storage gets a symbolic link to it, which its processes
//! follow but Pebble's file API (which keeps paths inside the root) does not.
//!
//! Each container also sees the environment Juju gives a workload container,
//! `PEBBLE_SOCKET` (its Pebble's socket, so a workload can record notices) and
//! `JUJU_CONTAINER_NAME`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use charm_pebble_server::{
    CheckOverride, ExecReply, ExecRequest, PebbleEvent, PebbleServer, ServerConfig,
};

use super::files::copy_dir;
use super::hook::{Hook, HookKind, WorkloadDetail};
use super::state::{StorageAttachment, Unit};
use super::{io_err, Model, Result, SimError};

/// The variable that points `charm-runtime` at the unit's Pebble sockets
/// (`charm_runtime::backend::CONTAINERS_DIR_VAR`).
pub const CONTAINERS_DIR_VAR: &str = "CHARM_SIM_CONTAINERS_DIR";

/// Where Juju mounts the workload containers' sockets in the charm container.
const JUJU_CONTAINERS_DIR: &str = "/charm/containers";

type Handler = Arc<dyn Fn(&ExecRequest) -> ExecReply + Send + Sync>;

/// An exec handler for a container of every unit of an application.
struct ExecRule {
    app: String,
    container: String,
    prefix: Vec<String>,
    handler: Handler,
}

/// One running container: its Pebble and what the Pebble reports.
struct Workload {
    server: PebbleServer,
    events: Receiver<PebbleEvent>,
}

/// The simulator's pods, images, exec handlers and storage numbering.
#[derive(Default)]
pub(crate) struct Workloads {
    pods: BTreeMap<String, BTreeMap<String, Workload>>,
    images: BTreeMap<(String, String), PathBuf>,
    exec: Vec<ExecRule>,
    next_storage: BTreeMap<String, u32>,
    namespaces: Option<bool>,
}

/// The unit's directory (`units/<app>-<n>`), above its charm directory.
fn unit_base(unit: &Unit) -> &Path {
    unit.dir.parent().unwrap_or(&unit.dir)
}

/// The unit's Pebble sockets (`<dir>/<container>/pebble.socket`): what
/// `CHARM_SIM_CONTAINERS_DIR` says.
pub(crate) fn sockets_dir(unit: &Unit) -> PathBuf {
    unit_base(unit).join("containers")
}

/// The pod's `/tmp`: lost when the pod is replaced.
pub(crate) fn pod_tmp(unit: &Unit) -> PathBuf {
    unit_base(unit).join("tmp")
}

impl Model {
    /// Attaches the unit's storage and, for a Kubernetes charm, starts a Pebble for each
    /// of its containers, queuing `<container>-pebble-ready`.
    pub(crate) fn provision_pod(&mut self, name: &str) -> Result<()> {
        let unit = &self.state.units[name];
        let meta = self.state.apps[&unit.app].meta.clone();
        let base = unit_base(unit).to_path_buf();
        let mut storage = Vec::new();
        for (sname, spec) in &meta.storages {
            // A storage a container mounts lives in that container's root, at the
            // mount's location (the first container, the first instance), so that
            // Pebble's file API and the workload see it where the pod spec puts it.
            let mut mounted = meta.containers.iter().find_map(|(c, spec)| {
                let (_, at) = spec.mounts.iter().find(|(s, _)| s == sname)?;
                Some(
                    base.join("workloads")
                        .join(c)
                        .join(at.trim_start_matches('/')),
                )
            });
            for _ in 0..spec.count {
                let n = self
                    .workloads
                    .next_storage
                    .entry(sname.clone())
                    .or_insert(0);
                let location = mounted
                    .take()
                    .unwrap_or_else(|| base.join("storage").join(format!("{sname}-{n}")));
                std::fs::create_dir_all(&location)
                    .map_err(io_err(format!("cannot create {}", location.display())))?;
                storage.push(StorageAttachment {
                    id: format!("{sname}/{n}"),
                    kind: spec.kind.clone(),
                    location,
                    attached: false,
                });
                *n += 1;
            }
        }
        let unit = self.state.units.get_mut(name).expect("unit");
        unit.storage = storage;
        if !meta.is_kubernetes() {
            return Ok(());
        }
        let tmp = pod_tmp(unit);
        std::fs::create_dir_all(&tmp).map_err(io_err("cannot create the pod's /tmp"))?;
        self.mounts_pebble_sockets();
        for container in meta.containers.keys() {
            self.start_container(name, container)?;
        }
        Ok(())
    }

    /// Lays out `container`'s root (its image, its storage mounts), starts its Pebble and
    /// queues `pebble-ready`.
    fn start_container(&mut self, name: &str, container: &str) -> Result<()> {
        let unit = &self.state.units[name];
        let app = unit.app.clone();
        let spec = self.state.apps[&app].meta.containers[container].clone();
        let base = unit_base(unit).to_path_buf();
        let root = base.join("workloads").join(container);
        std::fs::create_dir_all(&root)
            .map_err(io_err(format!("cannot create {}", root.display())))?;
        if let Some(image) = self.workloads.images.get(&(app.clone(), container.into())) {
            copy_dir(image, &root).map_err(io_err(format!(
                "cannot copy image {} into {}",
                image.display(),
                root.display()
            )))?;
        }
        for (storage, location) in &spec.mounts {
            let prefix = format!("{storage}/");
            let Some(instance) = unit.storage.iter().find(|s| s.id.starts_with(&prefix)) else {
                continue;
            };
            let at = root.join(location.trim_start_matches('/'));
            // Another container's mount of the same storage: a link its processes
            // follow (Pebble's file API keeps paths inside the root, so it does not).
            if at.symlink_metadata().is_err() {
                if let Some(parent) = at.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(io_err(format!("cannot create {}", parent.display())))?;
                }
                std::os::unix::fs::symlink(&instance.location, &at).map_err(io_err(format!(
                    "cannot mount storage {storage} at {}",
                    at.display()
                )))?;
            }
        }
        let socket = sockets_dir(unit).join(container).join("pebble.socket");
        let config = ServerConfig {
            environment: BTreeMap::from([
                ("PEBBLE_SOCKET".into(), socket.display().to_string()),
                ("JUJU_CONTAINER_NAME".into(), container.to_string()),
            ]),
            ..ServerConfig::default()
        };
        let server = PebbleServer::start_with(&root, &socket, config).map_err(io_err(format!(
            "cannot start Pebble for {name} {container}"
        )))?;
        for rule in &self.workloads.exec {
            if rule.app == app && rule.container == container {
                let h = Arc::clone(&rule.handler);
                let prefix: Vec<&str> = rule.prefix.iter().map(String::as_str).collect();
                server.on_exec(&prefix, move |req| h(req));
            }
        }
        let events = server.subscribe();
        self.workloads
            .pods
            .entry(name.to_string())
            .or_default()
            .insert(container.to_string(), Workload { server, events });
        self.queue_ready(name, container);
        Ok(())
    }

    /// Queues `pebble-ready` for `container`, once.
    fn queue_ready(&mut self, name: &str, container: &str) {
        let ready = Hook::workload(container, WorkloadDetail::Ready);
        if let Some(u) = self.state.units.get_mut(name) {
            if !u.workload_events.contains(&ready) {
                u.workload_events.push_back(ready);
            }
        }
    }

    fn workload(&self, unit: &str, container: &str) -> Result<&Workload> {
        if !self.state.units.contains_key(unit) {
            return Err(SimError::UnknownUnit(unit.into()));
        }
        self.workloads
            .pods
            .get(unit)
            .and_then(|p| p.get(container))
            .ok_or_else(|| {
                SimError::Invalid(format!("unit {unit:?} has no container {container:?}"))
            })
    }

    /// A Pebble client for `unit`'s `container`, to look at what the charm did.
    pub fn pebble(&self, unit: &str, container: &str) -> Result<charm_pebble::Client> {
        Ok(self.workload(unit, container)?.server.client())
    }

    /// The directory on the host that is `container`'s filesystem.
    pub fn container_root(&self, unit: &str, container: &str) -> Result<PathBuf> {
        Ok(self.workload(unit, container)?.server.root().to_path_buf())
    }

    /// What a service of `container` wrote (standard output and error, the last 100 KiB).
    pub fn service_logs(&self, unit: &str, container: &str, service: &str) -> Result<String> {
        let w = self.workload(unit, container)?;
        w.server.service_logs(service).ok_or_else(|| {
            SimError::Invalid(format!("{unit} {container} has no service {service:?}"))
        })
    }

    /// Forces every run of check `check` in `unit`'s `container` to fail or pass (`None`:
    /// probe for real again), and runs it once now. A check that crosses its threshold
    /// queues `pebble-check-failed` (or `-recovered`), which the next settle runs.
    pub fn force_check(
        &mut self,
        unit: &str,
        container: &str,
        check: &str,
        outcome: Option<CheckOverride>,
    ) -> Result<()> {
        let w = self.workload(unit, container)?;
        w.server.force_check(check, outcome);
        if w.server.refresh_check(check).is_none() {
            return Err(SimError::Invalid(format!(
                "{unit} {container}: the plan has no check {check:?}"
            )));
        }
        Ok(())
    }

    /// Answers execs whose command starts with `prefix` in `container` of every unit of
    /// `app` (now and added later) with `handler`, instead of a real process. Without a
    /// handler an exec runs the program, found in the container's root, then on `PATH`.
    pub fn on_exec(
        &mut self,
        app: &str,
        container: &str,
        prefix: &[&str],
        handler: impl Fn(&ExecRequest) -> ExecReply + Send + Sync + 'static,
    ) -> Result<()> {
        self.check_container(app, container)?;
        let handler: Handler = Arc::new(handler);
        for (unit, pod) in &self.workloads.pods {
            if self.state.units.get(unit).is_some_and(|u| u.app == app) {
                if let Some(w) = pod.get(container) {
                    let h = Arc::clone(&handler);
                    w.server.on_exec(prefix, move |req| h(req));
                }
            }
        }
        self.workloads.exec.push(ExecRule {
            app: app.into(),
            container: container.into(),
            prefix: prefix.iter().map(|s| s.to_string()).collect(),
            handler,
        });
        Ok(())
    }

    /// Gives `container` of `app` the files of `image` (a directory standing for the OCI
    /// image): copied into the root of the container of every unit, now and added later.
    pub fn set_container_image(
        &mut self,
        app: &str,
        container: &str,
        image: impl AsRef<Path>,
    ) -> Result<()> {
        self.check_container(app, container)?;
        let image = image.as_ref();
        let image = image.canonicalize().map_err(io_err(format!(
            "image of {app} {container}: {}",
            image.display()
        )))?;
        for (unit, pod) in &self.workloads.pods {
            if self.state.units.get(unit).is_some_and(|u| u.app == app) {
                if let Some(w) = pod.get(container) {
                    copy_dir(&image, w.server.root())
                        .map_err(io_err(format!("cannot copy {}", image.display())))?;
                }
            }
        }
        self.workloads
            .images
            .insert((app.into(), container.into()), image);
        Ok(())
    }

    fn check_container(&self, app: &str, container: &str) -> Result<()> {
        let a = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| SimError::UnknownApp(app.into()))?;
        if !a.meta.containers.contains_key(container) {
            return Err(SimError::Invalid(format!(
                "application {app:?} has no container {container:?}"
            )));
        }
        Ok(())
    }

    /// The workload container dies and Kubernetes starts it again: every process in it
    /// is killed, its Pebble starts afresh (no layers, services, checks or notices; the
    /// files stay), and the unit runs `<container>-pebble-ready` again. Hooks still
    /// queued from the old Pebble are dropped.
    pub fn restart_container(&mut self, unit: &str, container: &str) -> Result<()> {
        self.workload(unit, container)?.server.restart_container();
        self.poll_workloads();
        if let Some(u) = self.state.units.get_mut(unit) {
            u.workload_events
                .retain(|h| h.workload.as_ref().is_some_and(|(c, _)| c != container));
        }
        self.queue_ready(unit, container);
        Ok(())
    }

    /// Kubernetes replaces the unit's pod: every container restarts (as
    /// [`restart_container`](Self::restart_container)), the pod's `/tmp` is emptied, the
    /// charm directory and storage stay. The unit runs what Juju runs in a new pod:
    /// `upgrade-charm`, `config-changed`, then `pebble-ready` for each container.
    pub fn churn_pod(&mut self, unit: &str) -> Result<()> {
        let u = self
            .state
            .units
            .get(unit)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        if !self.state.apps[&u.app].meta.is_kubernetes() {
            return Err(SimError::Invalid(format!(
                "{unit} is not a Kubernetes unit (its charm declares no containers)"
            )));
        }
        let tmp = pod_tmp(u);
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io_err("cannot create the pod's /tmp"))?;
        let containers: Vec<String> = self
            .workloads
            .pods
            .get(unit)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        for c in containers {
            self.restart_container(unit, &c)?;
        }
        if let Some(u) = self.state.units.get_mut(unit) {
            u.upgrade_pending = true;
        }
        Ok(())
    }

    /// Moves what each Pebble reported onto its unit's queue of hooks; stops the Pebbles
    /// of units that are gone. Returns how many hooks it queued.
    pub(crate) fn poll_workloads(&mut self) -> usize {
        let units = &mut self.state.units;
        self.workloads
            .pods
            .retain(|name, _| units.contains_key(name));
        let mut queued = 0;
        for (name, pod) in &self.workloads.pods {
            let Some(u) = units.get_mut(name) else {
                continue;
            };
            for (container, w) in pod {
                while let Ok(event) = w.events.try_recv() {
                    if u.dying {
                        continue;
                    }
                    let (kind, detail) = match event {
                        PebbleEvent::CustomNotice { id, key } => (
                            HookKind::PebbleCustomNotice,
                            WorkloadDetail::Notice { id, key },
                        ),
                        PebbleEvent::CheckFailed { check } => {
                            (HookKind::PebbleCheckFailed, WorkloadDetail::Check(check))
                        }
                        PebbleEvent::CheckRecovered { check } => {
                            (HookKind::PebbleCheckRecovered, WorkloadDetail::Check(check))
                        }
                    };
                    let mut hook = Hook::workload(container, detail);
                    hook.kind = kind;
                    u.workload_events.push_back(hook);
                    queued += 1;
                }
            }
        }
        queued
    }

    /// Waits until some container's Pebble reports something Juju turns into a hook (a
    /// custom notice, a check failing or recovering), at most `timeout`; returns how
    /// many hooks that queued (0: none came). Settle then runs them.
    pub fn wait_workload_events(&mut self, timeout: Duration) -> usize {
        let start = Instant::now();
        loop {
            let n = self.poll_workloads();
            if n > 0 || start.elapsed() >= timeout {
                return n;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The storage instances attached to `unit`: id (`data/0`) and directory.
    pub fn storage(&self, unit: &str) -> Result<Vec<(String, PathBuf)>> {
        let u = self
            .state
            .units
            .get(unit)
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))?;
        Ok(u.storage
            .iter()
            .map(|s| (s.id.clone(), s.location.clone()))
            .collect())
    }

    /// Whether hooks of Kubernetes units run with the unit's Pebble sockets at Juju's
    /// `/charm/containers` (a mount namespace per hook), which charms that do not read
    /// `CHARM_SIM_CONTAINERS_DIR` (`ops` ones) need. Probed once: it takes root and
    /// util-linux's `unshare`.
    pub fn mounts_pebble_sockets(&mut self) -> bool {
        if let Some(ok) = self.workloads.namespaces {
            return ok;
        }
        let ok = std::fs::create_dir_all(JUJU_CONTAINERS_DIR).is_ok()
            && Command::new("unshare")
                .args(["--mount", "--propagation", "private", "--"])
                .args(["mount", "--bind", "/", JUJU_CONTAINERS_DIR])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        self.workloads.namespaces = Some(ok);
        ok
    }

    /// The command that runs a hook's `exe` for unit `name`: in its own mount namespace
    /// with the unit's sockets on `/charm/containers` for a Kubernetes unit, where that
    /// is possible ([`mounts_pebble_sockets`](Self::mounts_pebble_sockets)).
    pub(crate) fn hook_command(&self, name: &str, exe: &Path) -> Command {
        let sockets = self.state.units.get(name).and_then(|u| {
            let k8s = self.state.apps.get(&u.app)?.meta.is_kubernetes();
            k8s.then(|| sockets_dir(u))
        });
        match sockets {
            Some(dir) if self.workloads.namespaces == Some(true) => {
                let mut cmd = Command::new("unshare");
                cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
                    .arg(format!(
                        "mount --bind \"$0\" {JUJU_CONTAINERS_DIR} && exec \"$1\""
                    ))
                    .arg(dir)
                    .arg(exe);
                cmd
            }
            _ => Command::new(exe),
        }
    }
}

/// What a unit's storage looks like to the hook tools.
pub(crate) fn storage_instances(unit: &Unit) -> Vec<juju_model::StorageInstance> {
    unit.storage
        .iter()
        .map(|s| juju_model::StorageInstance {
            id: s.id.clone(),
            name: s.id.split('/').next().unwrap_or_default().to_string(),
            kind: s.kind.clone(),
            location: s.location.display().to_string(),
        })
        .collect()
}
