//! Logging from code that has no [`Context`](crate::Context): the [`log`] crate's macros
//! (`log::info!`, `log::warn!`, ...) go to Juju's log through `juju-log`, as Python's
//! `logging` does in `ops` (its `JujuLogHandler`, `ops/log.py`).
//!
//! [`dispatch`](crate::dispatch) installs the bridge as the process's logger when the
//! hook starts (unless the charm installed another logger first) and routes the records
//! of the hook's thread through the hook's tools, so the testing module captures them
//! like `ctx.log(..)` lines. Records from other threads run `juju-log` themselves when
//! Juju's environment is there, and go to stderr (which Juju logs at WARNING) otherwise.
//!
//! Levels map as `ops` maps Python's: `error` to `ERROR`, `warn` to `WARNING`, `info` to
//! `INFO`, `debug` and `trace` to `DEBUG`. The default maximum level is `debug`; change it
//! with [`log::set_max_level`]. Crates that log through `tracing` reach it with
//! `tracing`'s `log` feature.
//!
//! ```
//! fn helper_without_ctx(path: &str) {
//!     log::info!("rendering {path}");
//! }
//! # helper_without_ctx("/etc/app.conf");
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use crate::backend::{HookTools, LogLevel, ProcessTools};

thread_local! {
    /// The running hook's tools, on the hook's thread.
    static CURRENT: RefCell<Option<Rc<dyn HookTools>>> = const { RefCell::new(None) };
}

/// The bridge: a [`log::Log`] writing to `juju-log`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JujuLogger;

static LOGGER: JujuLogger = JujuLogger;

/// The `juju-log` level of a record's level.
pub fn juju_level(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warning,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug | log::Level::Trace => LogLevel::Debug,
    }
}

impl log::Log for JujuLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = juju_level(record.level());
        let message = record.args().to_string();
        let sent = CURRENT.with(|current| {
            // A tool that logs while it logs would find the cell borrowed: stderr then.
            let Ok(current) = current.try_borrow() else {
                return false;
            };
            match current.as_ref() {
                Some(tools) => tools.juju_log(level, &message).is_ok(),
                None => false,
            }
        });
        if sent {
            return;
        }
        let in_hook = std::env::var_os("JUJU_CONTEXT_ID").is_some();
        if !in_hook || ProcessTools::new().juju_log(level, &message).is_err() {
            eprintln!("{}: {message}", level.as_str());
        }
    }

    fn flush(&self) {}
}

/// Installs the bridge as the process's logger, at level `debug`, if no logger is
/// installed yet. Returns whether the bridge is the logger now.
pub fn install() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let ok = log::set_logger(&LOGGER).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Debug);
        }
        ok
    })
}

/// While alive, the records of this thread go through `tools`.
#[must_use = "the records go through the tools only while the scope lives"]
pub(crate) struct Scope {
    previous: Option<Rc<dyn HookTools>>,
}

/// Routes this thread's records through `tools` until the returned scope is dropped.
pub(crate) fn scope(tools: Rc<dyn HookTools>) -> Scope {
    install();
    let previous = CURRENT.with(|c| c.borrow_mut().replace(tools));
    Scope { previous }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}
