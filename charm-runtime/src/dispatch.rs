//! Dispatch: from `JUJU_DISPATCH_PATH` to the charm's handlers, then collect-status, then
//! one flush of everything the handlers wrote.
//!
//! Handlers are registered by `#[handlers]` blocks, collected at link time with
//! `inventory`, so `main!` needs no list. **Order**: the handlers of one event run in
//! the order of their `#[handlers]` blocks sorted by module path, then by line; within a
//! block, in declaration order. The order does not depend on link order.
//!
//! **A hook's life**: (1) the environment is read into the hook's model; (2) the events
//! deferred by earlier hooks are loaded and re-run, in order, each for the handler that
//! deferred it ([`deferred`](mod@crate::deferred)): Juju events, the components' deferred
//! Juju events and custom events alike, each followed by the custom events its re-run
//! emitted; (3) the hook's own event: first the [components](mod@crate::component) it is for,
//! in the order of the charm's fields (the one attached to the hook's endpoint for a
//! relation event; every one observing it for a unit event such as `install` or
//! `secret-changed`), then the charm's handlers of it; (4) the custom events emitted
//! meanwhile, in emission order, each to the charm's handlers of it
//! (`#[on(database::database_created)]`, `#[on(restart_needed)]`); those emitted while
//! handling one are queued after; (5) the status collectors, the components' before the
//! charm's; (6) the deferred events that remain are stored with (7) one flush of
//! everything buffered: secret changes, one `relation-set` per changed databag, charm
//! state (deferred notices and stored state included), action results, then workload
//! version and statuses (the tools Juju applies at once, last). In Juju's restricted
//! context (`collect-metrics`, `meter-status-changed`) only (3), (4) and (7) happen, as in
//! `ops` (`_Manager._emit` in <https://github.com/canonical/operator/blob/main/ops/_main.py>).
//!
//! A custom event runs in the hook of the Juju event that caused it, after that event's
//! handlers: `ops` runs an emitted event at once, inside the emitting handler; here the
//! emitter finishes first, so a component's own bookkeeping is done before the charm sees
//! its event. A custom event may be deferred like any other: the notice keeps its name, its
//! payload (JSON) and the Juju event it was emitted under.
//!
//! A handler that returns an error or panics stops the hook: one `juju-log` ERROR line
//! says which handler failed and why, nothing buffered is written, and the process exits
//! 1 so Juju retries the hook. No Rust backtrace reaches Juju's log. An action is not
//! retried: it fails with the message instead ([`action`](mod@crate::action)).

use std::any::{Any, TypeId};
use std::rc::Rc;

use crate::backend::{HookTools, LogLevel, ProcessTools};
use crate::deferred;
use crate::env::JujuEnv;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::model::Context;
use crate::Charm;

mod guard;
mod phases;

/// One handler of a `#[handlers]` block, as registered by the macro.
#[doc(hidden)]
pub struct HandlerEntry {
    /// The charm type's id.
    pub charm: fn() -> TypeId,
    /// The events it observes, as `#[on(..)]` names them.
    pub events: &'static [&'static str],
    /// `Type::method`, for error messages.
    pub name: &'static str,
    /// `module_path!()` of the block.
    pub module: &'static str,
    /// The line of the block's `impl`.
    pub line: u32,
    /// The handler's position in its block.
    pub index: u32,
    /// Calls the handler: charm, context, event.
    pub call: fn(&mut dyn Any, &mut dyn Any, &Event) -> Result<()>,
}

inventory::collect!(HandlerEntry);

/// What one dispatch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The process exit code: 0, or 1 when a handler or the flush failed.
    pub exit_code: i32,
    /// The error logged, if any.
    pub error: Option<String>,
    /// The handlers that ran, in order (`Type::method`, a component's `Component::method`):
    /// re-runs of deferred events first, then the event's handlers (components', then the
    /// charm's, then those of the custom events), then status collectors.
    pub handlers: Vec<&'static str>,
}

/// Options of [`dispatch_with`].
#[derive(Debug, Clone, Default)]
pub struct DispatchOptions {
    /// The marker file that lets hooks with nothing deferred skip the `state-get`
    /// ([`deferred`](mod@crate::deferred) explains it). `None`: always read the state.
    pub deferred_marker: Option<std::path::PathBuf>,
    /// The caller knows the committed charm state holds no deferred notice (the testing
    /// module, which holds the state): skip the `state-get` that would read them.
    pub nothing_deferred: bool,
    /// The handler of any other dispatch path: a hook no `#[on(..)]` knows (`juju exec
    /// --unit u/0 -- JUJU_DISPATCH_PATH=custom/backup ./dispatch`). Made by
    /// [`other_dispatch!`](crate::other_dispatch); `main!(Charm, other = handler)` sets it.
    pub other: Option<fn() -> &'static HandlerEntry>,
}

/// Runs one hook for charm `C` against `tools`: the handlers, collect-status, the flush.
///
/// This is the one code path: production (`main!`) and the testing module both call it.
pub fn dispatch<C: Charm + Default>(env: JujuEnv, tools: Rc<dyn HookTools>) -> Outcome {
    dispatch_with::<C>(env, tools, &DispatchOptions::default())
}

/// [`dispatch`], with options: what `main!` runs.
pub fn dispatch_with<C: Charm + Default>(
    env: JujuEnv,
    tools: Rc<dyn HookTools>,
    options: &DispatchOptions,
) -> Outcome {
    // `log::info!` and friends go through this hook's tools while it runs.
    let _log = crate::log_bridge::scope(Rc::clone(&tools));
    phases::HookRun::<C>::start(env, tools).run(options)
}

const HELP: &str = "\
This program is a Juju charm: Juju runs it as the charm's `dispatch`, once per hook,
with JUJU_DISPATCH_PATH and the rest of the hook environment set.

Usage:
  <charm> charmcraft-yaml   print the charmcraft.yaml generated from the declarations
  <charm> help              print this help

To run it outside Juju, use `cargo charm sim` or the testing module.
";

/// The body of `main!`: answers `charmcraft-yaml` and `help`, or runs the hook Juju
/// asked for. Returns the process exit code.
pub fn run<C: Charm + Default>() -> i32 {
    run_with_other::<C>(None)
}

/// [`run`], with the handler of any other dispatch path (see
/// [`DispatchOptions::other`]): what `main!(Charm, other = handler)` runs.
pub fn run_with_other<C: Charm + Default>(other: Option<fn() -> &'static HandlerEntry>) -> i32 {
    // `std::env::args()` panics on an argument that is not UTF-8: read them raw.
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.get(1).map(String::as_str) {
        Some("charmcraft-yaml") => {
            print!("{}", C::metadata().charmcraft_yaml());
            return 0;
        }
        Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            return 0;
        }
        Some(other) => {
            eprintln!("unknown argument `{other}`\n\n{HELP}");
            return 2;
        }
        None => {}
    }
    // Juju < 2.8 ran hooks/<name> symlinks without JUJU_DISPATCH_PATH.
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let legacy = {
        let a = argv0.to_string_lossy();
        (a.contains("hooks/") || a.contains("actions/")).then_some(argv0.clone())
    };
    let dispatch_path = std::env::var_os("JUJU_DISPATCH_PATH")
        .filter(|s| !s.is_empty())
        .or(legacy);
    if dispatch_path.is_none() && std::env::var_os("JUJU_UNIT_NAME").is_none() {
        eprint!("{HELP}");
        return 2;
    }
    let env = JujuEnv::from_os_lookup(|k| {
        if k == "JUJU_DISPATCH_PATH" {
            dispatch_path.clone()
        } else {
            std::env::var_os(k)
        }
    });
    let tools: Rc<dyn HookTools> = Rc::new(ProcessTools::new());
    match env {
        Ok(env) => {
            // What a hook killed during `secret-add`/`secret-set` left on this machine.
            crate::backend::sweep_stale_secret_files();
            let options = DispatchOptions {
                deferred_marker: Some(env.charm_dir.join(deferred::MARKER_FILE)),
                other,
                ..DispatchOptions::default()
            };
            dispatch_with::<C>(env, tools, &options).exit_code
        }
        Err(e) => {
            let message = format!("cannot start the charm: {e}");
            if tools.juju_log(LogLevel::Error, &message).is_err() {
                eprintln!("ERROR {message}");
            }
            1
        }
    }
}

/// Used by generated code: a downcast that cannot fail, reported as an error if it does.
#[doc(hidden)]
pub fn downcast<'a, T: 'static>(value: &'a mut dyn Any, what: &str) -> Result<&'a mut T> {
    value
        .downcast_mut::<T>()
        .ok_or_else(|| Error::msg(format!("internal error: {what} of an unexpected type")))
}

/// Used by generated code: the context, typed.
#[doc(hidden)]
pub fn context<C: Charm>(value: &mut dyn Any) -> Result<&mut Context<C>> {
    value
        .downcast_mut::<Context<C>>()
        .ok_or_else(|| Error::msg("internal error: context of an unexpected type"))
}
