//! Storage and workload containers, each container with its in-memory Pebble.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use charm_pebble::{
    CheckStatus, ExecOutput, FakePebble, Layer, NoticesQuery, Pebble, PushOptions, ServiceStatus,
};

/// A storage instance attached to the unit (`<name>/<index>`).
///
/// ```
/// use charm_runtime::testing::Storage;
/// let data = Storage::new("data").index(1);
/// assert_eq!(data.id(), "data/1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The storage name, as declared.
    pub name: String,
    /// The instance number.
    pub index: u32,
    /// Where it is mounted (default: the declared `location`, else
    /// `/var/lib/juju/storage/<name>/<index>`).
    pub location: Option<PathBuf>,
}

impl Storage {
    /// Instance 0 of storage `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Storage {
            name: name.into(),
            index: 0,
            location: None,
        }
    }
    /// Sets the instance number.
    pub fn index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }
    /// Sets where it is mounted.
    pub fn location(mut self, location: impl Into<PathBuf>) -> Self {
        self.location = Some(location.into());
        self
    }
    /// `<name>/<index>`, as Juju names the instance.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// A workload container, with its Pebble: an in-memory [`FakePebble`] that
/// [`Container::pebble`](crate::workload::Container::pebble) hands the charm.
///
/// The Pebble is the live workload, not Juju state: what the charm does to it (layers,
/// services, files) happens at once and stays even if the hook fails, and the input and
/// output states share it. Inspect it after a run (`container.pebble.layers()`,
/// `.file(path)`, `.service_status(name)`), or prepare it before (`.on_exec(..)`).
///
/// ```
/// use std::collections::BTreeMap;
/// use charm_runtime::pebble::{CheckStatus, ExecOutput, Layer, Service};
/// use charm_runtime::testing::Container;
/// let c = Container::new("workload")
///     .layer("base", Layer::new().service("web", Service::new("/bin/web").enabled()))
///     .check_status("alive", CheckStatus::Down)
///     .exec(&["web", "--version"], ExecOutput { stdout: b"1.2\n".to_vec(), ..Default::default() })
///     .file("/etc/web.conf", "port = 80\n")
///     .notice("example.com/backup-done", BTreeMap::new());
/// assert!(c.can_connect);
/// assert_eq!(c.pebble.layers().len(), 1);
/// assert_eq!(c.notice_id("example.com/backup-done").as_deref(), Some("1"));
/// // A container whose Pebble does not answer yet:
/// let down = Container::new("workload").can_connect(false);
/// assert!(!down.can_connect);
/// ```
#[derive(Clone)]
pub struct Container {
    /// The container name, as declared.
    pub name: String,
    /// Whether Pebble answers (false: every call fails as before pebble-ready).
    pub can_connect: bool,
    /// The container's Pebble.
    pub pebble: Arc<FakePebble>,
}

impl Container {
    /// Container `name`, its Pebble up and empty.
    pub fn new(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            can_connect: true,
            pebble: Arc::new(FakePebble::new()),
        }
    }
    /// Sets whether Pebble answers.
    pub fn can_connect(mut self, can_connect: bool) -> Self {
        self.can_connect = can_connect;
        self
    }
    /// Uses this Pebble (e.g. one shared with another state).
    pub fn with_pebble(mut self, pebble: Arc<FakePebble>) -> Self {
        self.pebble = pebble;
        self
    }
    /// Adds a layer to the Pebble, as if added in an earlier hook.
    ///
    /// # Panics
    /// If Pebble would refuse the layer (the test's own mistake).
    pub fn layer(self, label: &str, layer: Layer) -> Self {
        if let Err(e) = self.pebble.add_layer(label, &layer, true) {
            panic!("container `{}`: layer {label:?}: {e}", self.name);
        }
        self
    }
    /// Sets a service's status (a running service: `Active`; a crashed one: `Error`).
    pub fn service_status(self, service: &str, status: ServiceStatus) -> Self {
        self.pebble.set_service_status(service, status);
        self
    }
    /// Sets a check's status as `get_checks` reports it (`Down`: it failed).
    pub fn check_status(self, check: &str, status: CheckStatus) -> Self {
        self.pebble.set_check_status(check, status);
        self
    }
    /// Answers commands starting with `prefix` (longest prefix first), as
    /// Scenario's `Exec`: stdout, stderr and exit code of `output`.
    pub fn exec(self, prefix: &[&str], output: ExecOutput) -> Self {
        self.pebble.add_exec(prefix, output);
        self
    }
    /// A file in the container (parent directories made).
    ///
    /// # Panics
    /// If `path` is not absolute or a parent is a file.
    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Self {
        let opts = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        if let Err(e) = self.pebble.push(path, content.as_ref(), &opts) {
            panic!("container `{}`: file {path:?}: {e}", self.name);
        }
        self
    }
    /// Records a custom notice, as `pebble notify` in the workload would; the
    /// first notice has id `"1"` (see [`Container::notice_id`]).
    pub fn notice(self, key: &str, data: BTreeMap<String, String>) -> Self {
        self.pebble.add_notice(key, data);
        self
    }
    /// The id of the custom notice with this key, for
    /// [`Event::pebble_custom_notice`](super::Event::pebble_custom_notice).
    pub fn notice_id(&self, key: &str) -> Option<String> {
        let query = NoticesQuery::new().types(["custom"]).keys([key]);
        let ready = self.pebble.is_ready();
        self.pebble.set_ready(true);
        let found = self.pebble.get_notices(&query).ok();
        self.pebble.set_ready(ready);
        found?.into_iter().next().map(|n| n.id)
    }
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.name)
            .field("can_connect", &self.can_connect)
            .finish_non_exhaustive()
    }
}

/// Equal when same name, same `can_connect` and the very same Pebble.
impl PartialEq for Container {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.can_connect == other.can_connect
            && Arc::ptr_eq(&self.pebble, &other.pebble)
    }
}
