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
mod paths;
mod process;
mod types;
mod ws;

/// Pebble's wire formats, shared with `charm-pebble-server` (the simulator's
/// Pebble). Not part of the charm API: no stability promise.
#[doc(hidden)]
pub mod wire {
    pub use crate::fake::glob_match;
    pub use crate::http::{header_params, ChunkedReader, HttpError, MultipartStream, PartHead};
}

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

pub use client::{container_socket_path, Client};
pub use error::{Error, Result};
pub use fake::{ExecHandler, ExecIo, FakePebble, StreamingExecHandler};
pub use layer::{
    Check, CheckLevel, ExecCheck, HttpCheck, Layer, LogTarget, Override, Plan, Service, Startup,
    TcpCheck,
};
pub use process::{ExecProcess, ExecReader, ExecStdin, ProcessControl};
pub use types::{
    Change, ChangeId, CheckInfo, CheckStatus, ExecOptions, ExecOutput, FileInfo, FileType,
    ListFilesOptions, MakeDirOptions, Notice, NoticesQuery, PushOptions, ServiceInfo,
    ServiceStatus, SystemInfo, Task,
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

    /// Sends a signal (`SIGHUP`, `SIGUSR1`...) to running services (`POST /v1/signals`);
    /// a service that is not running is an error.
    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()>;

    /// Status of every check in the plan (`GET /v1/checks`).
    fn get_checks(&self) -> Result<Vec<CheckInfo>>;

    /// Starts checks (`POST /v1/checks`, action `start`); returns the ones that
    /// were not running before.
    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>>;

    /// Stops checks (`POST /v1/checks`, action `stop`); returns the ones that
    /// were running before.
    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>>;

    /// Writes a file in the container from a stream (`POST /v1/files`, action `write`).
    fn push_from(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()>;

    /// Reads a file of the container into a stream (`GET /v1/files?action=read`).
    fn pull_to(&self, path: &str, sink: &mut dyn Write) -> Result<()>;

    /// Lists a directory's entries, or describes a single file
    /// (`GET /v1/files?action=list`), with a name pattern or `itself`.
    fn list_files_with(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>>;

    /// Creates a directory (`POST /v1/files`, action `make-dirs`).
    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()>;

    /// Removes a file or directory; `recursive` removes a directory's contents
    /// too and succeeds if the path does not exist.
    fn remove_path(&self, path: &str, recursive: bool) -> Result<()>;

    /// Starts a command in the container (`POST /v1/exec`) and returns at once,
    /// its standard streams open: see [`ExecProcess`]. With
    /// [`ExecOptions::stdin`] set, that input is sent and the process has no
    /// `stdin` handle.
    fn spawn(&self, command: &[&str], options: &ExecOptions) -> Result<ExecProcess>;

    /// Notices matching `query` (`GET /v1/notices`).
    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>>;

    /// One notice by id (`GET /v1/notices/{id}`); an unknown id is a 404 [`Error::Api`].
    fn get_notice(&self, id: &str) -> Result<Notice>;

    /// Records a custom notice (`POST /v1/notices`), as `pebble notify` does in
    /// the workload; returns its id. `key` must look like `example.com/path`.
    fn notify(
        &self,
        key: &str,
        data: &BTreeMap<String, String>,
        repeat_after: Option<Duration>,
    ) -> Result<String>;

    /// One change (`GET /v1/changes/{id}`).
    fn get_change(&self, id: &ChangeId) -> Result<Change>;

    /// Waits until a change is ready (`GET /v1/changes/{id}/wait`); `None` waits
    /// for ever. Does not look at the change's error: see [`Change::err`].
    fn wait_change(&self, id: &ChangeId, timeout: Option<Duration>) -> Result<Change>;

    /// True when Pebble answers (`ops.Container.can_connect`): a point-in-time
    /// probe, not a promise that the next call works.
    fn can_connect(&self) -> bool {
        self.system_info().is_ok()
    }

    /// Writes a file in the container (`POST /v1/files`, action `write`).
    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()> {
        self.push_from(path, &mut &content[..], options)
    }

    /// Reads a file from the container (`GET /v1/files?action=read`).
    fn pull(&self, path: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.pull_to(path, &mut out)?;
        Ok(out)
    }

    /// Lists a directory's entries, or describes a single file (`GET /v1/files?action=list`).
    fn list_files(&self, path: &str) -> Result<Vec<FileInfo>> {
        self.list_files_with(path, &ListFilesOptions::default())
    }

    /// Describes one path (a directory itself, not its entries).
    fn file_info(&self, path: &str) -> Result<FileInfo> {
        let opts = ListFilesOptions {
            itself: true,
            ..ListFilesOptions::default()
        };
        self.list_files_with(path, &opts)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::bad(format!("no file info for {path:?}"), b""))
    }

    /// True if the file or directory exists (`ops.Container.exists`).
    fn exists(&self, path: &str) -> Result<bool> {
        match self.file_info(path) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// True if a directory exists at `path` (`ops.Container.isdir`).
    fn is_dir(&self, path: &str) -> Result<bool> {
        match self.file_info(path) {
            Ok(info) => Ok(info.file_type == FileType::Directory),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs a command in the container to completion and returns its output and
    /// exit code; a non-zero exit is not an error here (see [`ExecOutput::success`]).
    fn exec(&self, command: &[&str], options: &ExecOptions) -> Result<ExecOutput> {
        self.spawn(command, options)?.wait_output()
    }

    /// Every notice the caller may see (`GET /v1/notices`).
    fn notices(&self) -> Result<Vec<Notice>> {
        self.get_notices(&NoticesQuery::default())
    }

    /// The status of one service, or `None` if it is not in the plan.
    fn get_service(&self, name: &str) -> Result<Option<ServiceInfo>> {
        Ok(self.get_services()?.into_iter().find(|s| s.name == name))
    }

    /// The status of one check, or `None` if it is not in the plan.
    fn get_check(&self, name: &str) -> Result<Option<CheckInfo>> {
        Ok(self.get_checks()?.into_iter().find(|c| c.name == name))
    }

    /// Copies local files and directories into the container, recursively, as
    /// `ops.Container.push_path`: a directory `a` lands as `dest_dir/a/..`, a
    /// source ending in `/*` has its contents placed in `dest_dir`. Only regular
    /// files and directories are copied, with their permission bits (not their
    /// owner: the charm's users are not the workload's). Every source is tried;
    /// failures are collected into one [`Error::Multi`].
    fn push_path(&self, sources: &[&Path], dest_dir: &str) -> Result<()> {
        paths::push_path(self, sources, dest_dir)
    }

    /// Copies files and directories of the container to a local directory,
    /// recursively, as `ops.Container.pull_path` (same layout rules as
    /// [`push_path`](Self::push_path)); failures are collected into one [`Error::Multi`].
    fn pull_path(&self, sources: &[&str], dest_dir: &Path) -> Result<()> {
        paths::pull_path(self, sources, dest_dir)
    }
}

/// Forwards every required [`Pebble`] method through a pointer type, so charm
/// code can take `impl Pebble` and be handed `&client`, `Box<dyn Pebble>` or
/// `Arc<FakePebble>`.
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
            fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
                (**self).send_signal(signal, services)
            }
            fn get_checks(&self) -> Result<Vec<CheckInfo>> { (**self).get_checks() }
            fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> { (**self).start_checks(checks) }
            fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> { (**self).stop_checks(checks) }
            fn push_from(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
                (**self).push_from(path, source, options)
            }
            fn pull_to(&self, path: &str, sink: &mut dyn Write) -> Result<()> { (**self).pull_to(path, sink) }
            fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()> {
                (**self).push(path, content, options)
            }
            fn pull(&self, path: &str) -> Result<Vec<u8>> { (**self).pull(path) }
            fn list_files_with(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>> {
                (**self).list_files_with(path, options)
            }
            fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> { (**self).make_dir(path, options) }
            fn remove_path(&self, path: &str, recursive: bool) -> Result<()> { (**self).remove_path(path, recursive) }
            fn spawn(&self, command: &[&str], options: &ExecOptions) -> Result<ExecProcess> {
                (**self).spawn(command, options)
            }
            fn exec(&self, command: &[&str], options: &ExecOptions) -> Result<ExecOutput> {
                (**self).exec(command, options)
            }
            fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> { (**self).get_notices(query) }
            fn get_notice(&self, id: &str) -> Result<Notice> { (**self).get_notice(id) }
            fn notify(
                &self,
                key: &str,
                data: &BTreeMap<String, String>,
                repeat_after: Option<Duration>,
            ) -> Result<String> {
                (**self).notify(key, data, repeat_after)
            }
            fn get_change(&self, id: &ChangeId) -> Result<Change> { (**self).get_change(id) }
            fn wait_change(&self, id: &ChangeId, timeout: Option<Duration>) -> Result<Change> {
                (**self).wait_change(id, timeout)
            }
            fn can_connect(&self) -> bool { (**self).can_connect() }
        }
    )*};
}

forward_pebble!(&P, Box<P>, std::sync::Arc<P>);
