//! A blocking client for [Pebble], the service manager that runs in every
//! workload container of a Kubernetes charm, and an in-memory [`FakePebble`]
//! for charm tests. The Rust counterpart of `ops.pebble`.
//!
//! Charm code is written against the [`Pebble`] trait, so the same code runs
//! against the real [`Client`] (over `/charm/containers/<name>/pebble.socket`)
//! and against [`FakePebble`] in unit tests:
//!
//! ```
//! use charm_pebble::{FakePebble, Layer, Pebble, Service, ServiceStatus};
//!
//! fn configure(pebble: &dyn Pebble) -> charm_pebble::Result<()> {
//!     let layer = Layer::new().service("web", Service::new("/bin/web --port 80").enabled());
//!     pebble.add_layer("web", &layer, true)?;
//!     pebble.replan_services()?;
//!     Ok(())
//! }
//!
//! let fake = FakePebble::new();
//! configure(&fake).unwrap();
//! assert_eq!(fake.service_status("web"), Some(ServiceStatus::Active));
//! ```
//!
//! No async runtime: every call blocks, opening one connection to the socket.
//!
//! [Pebble]: https://github.com/canonical/pebble

mod client;
#[cfg(test)]
mod client_tests;
mod error;
mod fake;
mod http;
mod layer;
mod types;
mod ws;

pub use client::{container_socket_path, Client};
pub use error::{Error, Result};
pub use fake::{ExecHandler, FakePebble};
pub use layer::{
    Check, CheckLevel, ExecCheck, HttpCheck, Layer, LogTarget, Override, Plan, Service, Startup,
    TcpCheck,
};
pub use types::{
    Change, ChangeId, CheckInfo, CheckStatus, ExecOptions, ExecOutput, FileInfo, FileType,
    MakeDirOptions, Notice, PushOptions, ServiceInfo, ServiceStatus, SystemInfo, Task,
};

/// What charm code needs from Pebble; implemented by [`Client`] and [`FakePebble`].
///
/// Service actions wait for Pebble's change to finish and fail with
/// [`Error::Change`] (carrying Pebble's error text) if it failed.
pub trait Pebble {
    /// Pebble's version and boot id (`GET /v1/system-info`); a cheap "is it up?" probe.
    fn system_info(&self) -> Result<SystemInfo>;

    /// Adds a layer under `label` (`POST /v1/layers`). With `combine`, a layer
    /// already under that label is combined with this one (entries' `override`
    /// decides merge or replace); without it, an existing label is an error.
    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()>;

    /// The combined plan of all layers (`GET /v1/plan?format=yaml`).
    fn get_plan(&self) -> Result<Plan>;

    /// Starts services (and the services they require), waiting until started.
    fn start_services(&self, services: &[&str]) -> Result<ChangeId>;

    /// Stops services, waiting until stopped.
    fn stop_services(&self, services: &[&str]) -> Result<ChangeId>;

    /// Restarts services (starting stopped ones), waiting until done.
    fn restart_services(&self, services: &[&str]) -> Result<ChangeId>;

    /// Applies the plan: restarts running services whose definition changed and
    /// starts `startup: enabled` services that are not running.
    fn replan_services(&self) -> Result<ChangeId>;

    /// Status of every service in the plan (`GET /v1/services`).
    fn get_services(&self) -> Result<Vec<ServiceInfo>>;

    /// Status of every check in the plan (`GET /v1/checks`).
    fn get_checks(&self) -> Result<Vec<CheckInfo>>;

    /// Writes a file in the container (`POST /v1/files`, action `write`).
    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()>;

    /// Reads a file from the container (`GET /v1/files?action=read`).
    fn pull(&self, path: &str) -> Result<Vec<u8>>;

    /// Lists a directory's entries, or describes a single file (`GET /v1/files?action=list`).
    fn list_files(&self, path: &str) -> Result<Vec<FileInfo>>;

    /// Creates a directory (`POST /v1/files`, action `make-dirs`).
    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()>;

    /// Removes a file or directory; `recursive` removes a directory's contents
    /// too and succeeds if the path does not exist.
    fn remove_path(&self, path: &str, recursive: bool) -> Result<()>;

    /// Runs a command in the container to completion and returns its output and
    /// exit code; a non-zero exit is not an error here (see [`ExecOutput::success`]).
    fn exec(&self, command: &[&str], options: &ExecOptions) -> Result<ExecOutput>;

    /// Notices (`GET /v1/notices`), for example custom notices the workload recorded.
    fn notices(&self) -> Result<Vec<Notice>>;

    /// The status of one service, or `None` if it is not in the plan.
    fn get_service(&self, name: &str) -> Result<Option<ServiceInfo>> {
        Ok(self.get_services()?.into_iter().find(|s| s.name == name))
    }

    /// True if the file or directory exists.
    fn exists(&self, path: &str) -> Result<bool> {
        match self.list_files(path) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Forwards every [`Pebble`] method through a pointer type, so charm code can
/// take `impl Pebble` and be handed `&client`, `Box<dyn Pebble>` or `Arc<FakePebble>`.
macro_rules! forward_pebble {
    ($($ty:ty),*) => {$(
        impl<P: Pebble + ?Sized> Pebble for $ty {
            fn system_info(&self) -> Result<SystemInfo> { (**self).system_info() }
            fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
                (**self).add_layer(label, layer, combine)
            }
            fn get_plan(&self) -> Result<Plan> { (**self).get_plan() }
            fn start_services(&self, services: &[&str]) -> Result<ChangeId> { (**self).start_services(services) }
            fn stop_services(&self, services: &[&str]) -> Result<ChangeId> { (**self).stop_services(services) }
            fn restart_services(&self, services: &[&str]) -> Result<ChangeId> { (**self).restart_services(services) }
            fn replan_services(&self) -> Result<ChangeId> { (**self).replan_services() }
            fn get_services(&self) -> Result<Vec<ServiceInfo>> { (**self).get_services() }
            fn get_checks(&self) -> Result<Vec<CheckInfo>> { (**self).get_checks() }
            fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()> {
                (**self).push(path, content, options)
            }
            fn pull(&self, path: &str) -> Result<Vec<u8>> { (**self).pull(path) }
            fn list_files(&self, path: &str) -> Result<Vec<FileInfo>> { (**self).list_files(path) }
            fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> { (**self).make_dir(path, options) }
            fn remove_path(&self, path: &str, recursive: bool) -> Result<()> { (**self).remove_path(path, recursive) }
            fn exec(&self, command: &[&str], options: &ExecOptions) -> Result<ExecOutput> {
                (**self).exec(command, options)
            }
            fn notices(&self) -> Result<Vec<Notice>> { (**self).notices() }
        }
    )*};
}

forward_pebble!(&P, Box<P>, std::sync::Arc<P>);
