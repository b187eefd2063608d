//! Dispatch: from `JUJU_DISPATCH_PATH` to the charm's handlers, then collect-status, then
//! one flush of everything the handlers wrote.
//!
//! Handlers are registered by `#[handlers]` blocks, collected at link time with
//! `inventory`, so `main!` needs no list. **Order**: the handlers of one event run in
//! the order of their `#[handlers]` blocks sorted by module path, then by line; within a
//! block, in declaration order. The order does not depend on link order.
//!
//! **A hook's life**: (1) the events deferred by earlier hooks are re-run, in order, each
//! for the handler that deferred it ([`deferred`](mod@crate::deferred)); (2) the handlers of
//! the hook's own event; (3) the status collectors; (4) one flush of everything buffered:
//! secret changes, one `relation-set` per changed databag, charm state (deferred notices
//! included), action results, then workload version and statuses (the tools Juju applies
//! at once, last).
//!
//! A handler that returns an error or panics stops the hook: one `juju-log` ERROR line
//! says which handler failed and why, nothing buffered is written, and the process exits
//! 1 so Juju retries the hook. No Rust backtrace reaches Juju's log. An action is not
//! retried: it fails with the message instead ([`action`](mod@crate::action)).

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use crate::backend::{HookTools, LogLevel, ProcessTools};
use crate::deferred::{self, EventSnapshot, Notice};
use crate::env::{Hook, JujuEnv, RelationHook, SecretHook, StorageHook, WorkloadHook};
use crate::error::{Error, Result};
use crate::event::*;
use crate::model::{Context, ModelInner, Running};
use crate::status::Status;
use crate::Charm;

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
    /// The handlers that ran, in order (`Type::method`): re-runs of deferred events
    /// first, then the event's handlers, then status collectors.
    pub handlers: Vec<&'static str>,
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics inside a dispatch are recorded, not printed: the message goes to `juju-log`.
/// Elsewhere (a test's assertion) the previous hook prints as usual.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> std::result::Result<T, String> {
    install_panic_hook();
    CAPTURING.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(false));
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "panicked: {}",
            PANIC_MESSAGE
                .with(|m| m.borrow_mut().take())
                .unwrap_or_else(|| "unknown panic".into())
        )),
    }
}

fn handlers_for<C: Charm>(event: &str) -> Vec<&'static HandlerEntry> {
    let mut found: Vec<&'static HandlerEntry> = inventory::iter::<HandlerEntry>
        .into_iter()
        .filter(|h| (h.charm)() == TypeId::of::<C>() && h.events.contains(&event))
        .collect();
    found.sort_by_key(|h| (h.module, h.line, h.index));
    found
}

/// The handler registered as `name` (`Type::method`) for charm `C`.
fn handler_named<C: Charm>(name: &str) -> Option<&'static HandlerEntry> {
    inventory::iter::<HandlerEntry>
        .into_iter()
        .find(|h| (h.charm)() == TypeId::of::<C>() && h.name == name)
}

/// The event of the hook `env` describes (the current hook's, or a deferred one's).
fn build_event(model: &Rc<ModelInner>, env: &JujuEnv) -> Event {
    let relation = || {
        let (endpoint, id) = match env.relation.as_ref() {
            Some(r) => (r.endpoint.clone(), r.id),
            None => (String::new(), crate::RelationId::new(0)),
        };
        let mut relation = model.relation(&endpoint, id);
        if !relation.is_peer() {
            if let Some(app) = env.relation.as_ref().and_then(|r| r.remote_app.clone()) {
                relation.remote_app = Some(app);
            }
        }
        relation
    };
    let remote_unit = || env.relation.as_ref().and_then(|r| r.remote_unit.clone());
    let secret = || {
        let s = env.secret.as_ref();
        (
            s.map(|s| s.id.clone()),
            s.and_then(|s| s.label.clone()),
            s.and_then(|s| s.revision),
        )
    };
    match &env.hook {
        Hook::Install => Event::Install(Install),
        Hook::Start => Event::Start(Start),
        Hook::Stop => Event::Stop(Stop),
        Hook::Remove => Event::Remove(Remove),
        Hook::ConfigChanged => Event::ConfigChanged(ConfigChanged),
        Hook::UpgradeCharm => Event::UpgradeCharm(UpgradeCharm),
        Hook::UpdateStatus => Event::UpdateStatus(UpdateStatus),
        Hook::LeaderElected => Event::LeaderElected(LeaderElected),
        Hook::Relation { kind, .. } => match kind {
            RelationHook::Created => Event::RelationCreated(RelationCreated {
                relation: relation(),
            }),
            RelationHook::Joined => Event::RelationJoined(RelationJoined {
                relation: relation(),
                unit: remote_unit().unwrap_or_default(),
            }),
            RelationHook::Changed => Event::RelationChanged(RelationChanged {
                relation: relation(),
                unit: remote_unit(),
            }),
            RelationHook::Departed => Event::RelationDeparted(RelationDeparted {
                relation: relation(),
                unit: remote_unit(),
                departing_unit: env
                    .relation
                    .as_ref()
                    .and_then(|r| r.departing_unit.clone())
                    .unwrap_or_default(),
            }),
            RelationHook::Broken => Event::RelationBroken(RelationBroken {
                relation: relation(),
            }),
        },
        Hook::Secret(kind) => {
            let (id, label, revision) = secret();
            let Some(id) = id else {
                return Event::Other(env.hook.event_name());
            };
            match kind {
                SecretHook::Changed => Event::SecretChanged(SecretChanged {
                    id,
                    label,
                    revision,
                }),
                SecretHook::Rotate => Event::SecretRotate(SecretRotate {
                    id,
                    label,
                    revision,
                }),
                SecretHook::Remove => Event::SecretRemove(SecretRemove {
                    id,
                    label,
                    revision,
                }),
                SecretHook::Expired => Event::SecretExpired(SecretExpired {
                    id,
                    label,
                    revision,
                }),
            }
        }
        Hook::Action(name) => Event::Action(crate::action::ActionEvent {
            model: Rc::clone(model),
            name: name.clone(),
            id: env.action_id.clone().unwrap_or_default(),
        }),
        Hook::Storage { kind, .. } => {
            let Some(ctx) = &env.storage else {
                return Event::Other(env.hook.event_name());
            };
            let storage = crate::workload::StorageInstance {
                model: Rc::clone(model),
                id: ctx.id.clone(),
                location: ctx.location.clone(),
            };
            match kind {
                StorageHook::Attached => Event::StorageAttached(StorageAttached { storage }),
                StorageHook::Detaching => Event::StorageDetaching(StorageDetaching { storage }),
            }
        }
        Hook::Workload { container, kind } => {
            let container = crate::workload::Container::new(model, container);
            let w = env.workload.as_ref();
            match kind {
                WorkloadHook::Ready => Event::PebbleReady(PebbleReady { container }),
                WorkloadHook::CustomNotice => Event::PebbleCustomNotice(PebbleCustomNotice {
                    container,
                    notice: w.and_then(|w| w.notice.clone()).unwrap_or_default(),
                }),
                WorkloadHook::CheckFailed | WorkloadHook::CheckRecovered => {
                    Event::PebbleCheck(PebbleCheck {
                        container,
                        check: w.and_then(|w| w.check.clone()).unwrap_or_default(),
                        failed: *kind == WorkloadHook::CheckFailed,
                    })
                }
            }
        }
        Hook::Other(_) => Event::Other(env.hook.event_name()),
    }
}

/// A deferred event, built again: a relation that is gone since gets an inactive handle
/// whose bags read as empty (one `relation-ids` per endpoint tells).
fn build_deferred_event(model: &Rc<ModelInner>, env: &JujuEnv) -> Result<Event> {
    let mut event = build_event(model, env);
    let relation = match &mut event {
        Event::RelationCreated(e) => Some(&mut e.relation),
        Event::RelationJoined(e) => Some(&mut e.relation),
        Event::RelationChanged(e) => Some(&mut e.relation),
        Event::RelationDeparted(e) => Some(&mut e.relation),
        Event::RelationBroken(e) => Some(&mut e.relation),
        _ => None,
    };
    if let Some(relation) = relation {
        if relation.active
            && !model
                .relation_ids(relation.endpoint())?
                .contains(&relation.id)
        {
            relation.active = false;
            model.gone.borrow_mut().insert(relation.id);
        }
    }
    Ok(event)
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
}

/// Runs one hook for charm `C` against `tools`: the handlers, collect-status, the flush.
///
/// This is the one code path: production (`main!`) and the testing module both call it.
pub fn dispatch<C: Charm + Default>(env: JujuEnv, tools: Rc<dyn HookTools>) -> Outcome {
    dispatch_with::<C>(env, tools, &DispatchOptions::default())
}

/// Notices loaded from the state, and what is known of the committed state.
struct Notices {
    initial: Vec<Notice>,
    /// The committed state held no notice when the hook started.
    none_committed: bool,
    /// The stored value was unreadable (it is rewritten).
    corrupt: bool,
}

fn load_notices(model: &ModelInner, options: &DispatchOptions) -> Result<Notices> {
    if options.nothing_deferred
        || options
            .deferred_marker
            .as_deref()
            .is_some_and(deferred::marker_says_none)
    {
        return Ok(Notices {
            initial: Vec::new(),
            none_committed: true,
            corrupt: false,
        });
    }
    let (initial, corrupt) = match model.state_get(deferred::STATE_KEY)? {
        None => (Vec::new(), false),
        Some(raw) => match deferred::parse_notices(&raw) {
            Ok(n) => (n, false),
            Err(why) => {
                model.log(
                    LogLevel::Warning,
                    &format!("{why}; dropping them ({} bytes)", raw.len()),
                );
                (Vec::new(), true)
            }
        },
    };
    Ok(Notices {
        none_committed: initial.is_empty() && !corrupt,
        initial,
        corrupt,
    })
}

/// [`dispatch`], with options: what `main!` runs.
pub fn dispatch_with<C: Charm + Default>(
    env: JujuEnv,
    tools: Rc<dyn HookTools>,
    options: &DispatchOptions,
) -> Outcome {
    let meta = C::metadata();
    let endpoints = meta
        .endpoints
        .iter()
        .map(|e| (e.name.clone(), e.role))
        .collect();
    let model = Rc::new(ModelInner::new(env, tools, endpoints));
    let mut ctx: Context<C> = Context::new(Rc::clone(&model));
    let mut charm = C::default();
    let event_name = model.env.hook.event_name();
    let hook_label = model.env.dispatch_path.clone();
    let mut outcome = Outcome {
        exit_code: 0,
        error: None,
        handlers: Vec::new(),
    };
    let fail = |outcome: &mut Outcome, message: String| {
        model.log(LogLevel::Error, &message);
        outcome.exit_code = crate::action::exit_code_after_failure(&model, &message);
        outcome.error = Some(message);
    };
    // Runs one handler; `Ok(deferred)`, or `Err(message)`.
    let run_handler = |charm: &mut C,
                       ctx: &mut Context<C>,
                       handler: &'static HandlerEntry,
                       event: &Event,
                       deferrable: std::result::Result<(), String>|
     -> std::result::Result<bool, String> {
        *model.running.borrow_mut() = Some(Running {
            handler: handler.name,
            deferrable,
            deferred: false,
        });
        let result = guarded(|| (handler.call)(charm, ctx, event));
        let running = model.running.borrow_mut().take();
        result.map(|()| running.is_some_and(|r| r.deferred))
    };

    // 1. Deferred events, in order, each for the handler that deferred it.
    let mut notices = None;
    let mut remaining: Vec<Notice> = Vec::new();
    if deferred::reruns_before(&model.env.hook) {
        let loaded = match guarded(|| load_notices(&model, options)) {
            Ok(n) => n,
            Err(message) => {
                fail(
                    &mut outcome,
                    format!("{hook_label}: reading the deferred events failed: {message}"),
                );
                return outcome;
            }
        };
        for notice in &loaded.initial {
            let what = notice.event.describe();
            let handler = handler_named::<C>(&notice.handler);
            let env = notice.event.restore(&model.env);
            let (handler, env) = match (handler, env) {
                (Some(h), Ok(env)) if h.events.contains(&env.hook.event_name().as_str()) => {
                    (h, env)
                }
                (_, Err(why)) => {
                    model.log(
                        LogLevel::Warning,
                        &format!(
                            "dropping the deferred {what} of `{}`: {why}",
                            notice.handler
                        ),
                    );
                    continue;
                }
                _ => {
                    model.log(
                        LogLevel::Warning,
                        &format!(
                            "dropping the deferred {what}: no handler `{}` observes it any more",
                            notice.handler
                        ),
                    );
                    continue;
                }
            };
            model.log(
                LogLevel::Debug,
                &format!("re-running the deferred {what} for `{}`", handler.name),
            );
            let event = match guarded(|| build_deferred_event(&model, &env)) {
                Ok(e) => e,
                Err(message) => {
                    fail(
                        &mut outcome,
                        format!("{hook_label}: rebuilding the deferred {what}: {message}"),
                    );
                    return outcome;
                }
            };
            outcome.handlers.push(handler.name);
            match run_handler(&mut charm, &mut ctx, handler, &event, Ok(())) {
                Ok(true) => remaining.push(notice.clone()),
                Ok(false) => {}
                Err(message) => {
                    fail(
                        &mut outcome,
                        format!(
                            "{hook_label}: handler `{}` failed on the deferred {what}: {message}. {}",
                            handler.name,
                            crate::action::after_failure(&model)
                        ),
                    );
                    return outcome;
                }
            }
        }
        notices = Some(loaded);
    }

    // 2. The hook's own event.
    let event = build_event(&model, &model.env);
    let snapshot = EventSnapshot::of(&model.env);
    let deferrable = deferred::deferrable(&model.env.hook);
    let mut new_notices = false;
    let handlers = handlers_for::<C>(&event_name);
    if handlers.is_empty() && matches!(model.env.hook, Hook::Other(_) | Hook::Action(_)) {
        model.log(
            LogLevel::Debug,
            &format!("{hook_label}: no handler observes `{event_name}`; nothing to do"),
        );
    }
    for handler in handlers {
        outcome.handlers.push(handler.name);
        match run_handler(&mut charm, &mut ctx, handler, &event, deferrable.clone()) {
            Ok(true) => {
                let notice = Notice {
                    handler: handler.name.to_string(),
                    event: snapshot.clone(),
                };
                if !remaining.contains(&notice) {
                    remaining.push(notice);
                    new_notices = true;
                }
            }
            Ok(false) => {}
            Err(message) => {
                fail(
                    &mut outcome,
                    format!(
                        "{hook_label}: handler `{}` failed: {message}. {}",
                        handler.name,
                        crate::action::after_failure(&model)
                    ),
                );
                return outcome;
            }
        }
    }

    // 3. Status collectors.
    for (name, app) in [("collect_app_status", true), ("collect_unit_status", false)] {
        let collectors = handlers_for::<C>(name);
        if collectors.is_empty() {
            continue;
        }
        if app {
            match guarded(|| model.is_leader()) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(message) => {
                    fail(&mut outcome, format!("{hook_label}: is-leader: {message}"));
                    return outcome;
                }
            }
        }
        let collect = Event::CollectStatus(CollectStatus::default());
        for handler in collectors {
            outcome.handlers.push(handler.name);
            let refuse =
                Err("status collectors run on every hook; there is nothing to defer".to_string());
            if let Err(message) = run_handler(&mut charm, &mut ctx, handler, &collect, refuse) {
                fail(
                    &mut outcome,
                    format!(
                        "{hook_label}: status collector `{}` failed: {message}",
                        handler.name
                    ),
                );
                return outcome;
            }
        }
        if let Event::CollectStatus(c) = &collect {
            if let Some(status) = Status::highest(&c.statuses.borrow()).cloned() {
                if app {
                    model.set_app_status(status);
                } else {
                    model.set_unit_status(status);
                }
            }
        }
    }

    // 4. The notices that remain, then one flush.
    if notices.is_none() && new_notices {
        // A hook that does not re-run notices (metrics) but deferred: keep the others.
        match guarded(|| load_notices(&model, options)) {
            Ok(loaded) => {
                let mut all = loaded.initial.clone();
                all.extend(remaining.drain(..).filter(|n| !loaded.initial.contains(n)));
                remaining = all;
                notices = Some(loaded);
            }
            Err(message) => {
                fail(
                    &mut outcome,
                    format!("{hook_label}: reading the deferred events failed: {message}"),
                );
                return outcome;
            }
        }
    }
    let mut none_remain_committed = false;
    if let Some(loaded) = &notices {
        deferred::bound(&model, &mut remaining);
        if remaining != loaded.initial || loaded.corrupt {
            model.state_write(
                deferred::STATE_KEY,
                (!remaining.is_empty()).then(|| deferred::encode_notices(&remaining)),
            );
        }
        none_remain_committed = loaded.none_committed && remaining.is_empty();
    }
    // A hook that neither read nor wrote the notices leaves the marker as it is.
    let marker = options
        .deferred_marker
        .as_ref()
        .filter(|_| notices.is_some());
    if let Some(marker) = marker {
        if !none_remain_committed {
            // Before anything is written: never leave `0` behind while notices may be
            // committed. If the marker can be neither written nor removed, fail the hook
            // (nothing is committed) rather than risk losing a notice.
            let written = std::fs::write(marker, b"1")
                .or_else(|_| std::fs::remove_file(marker))
                .or_else(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(e)
                    }
                });
            if let Err(e) = written {
                fail(
                    &mut outcome,
                    format!(
                        "{hook_label}: cannot update {}: {e}; failing the hook so that no deferred event is lost",
                        marker.display()
                    ),
                );
                return outcome;
            }
        }
    }

    if let Err(message) = guarded(|| model.flush()) {
        fail(
            &mut outcome,
            format!("{hook_label}: writing the hook's changes failed: {message}"),
        );
        return outcome;
    }
    if let Some(marker) = marker {
        if none_remain_committed && !deferred::marker_says_none(marker) {
            // Best effort: without it the next hook reads the state once more.
            let _ = std::fs::write(marker, b"0");
        }
    }
    outcome
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
            let options = DispatchOptions {
                deferred_marker: Some(env.charm_dir.join(deferred::MARKER_FILE)),
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
