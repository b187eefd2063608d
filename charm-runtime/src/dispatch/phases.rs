//! One hook's run, phase by phase: read the environment, load the deferred events and
//! re-run them, run the event's handlers, collect the status, store the deferred events
//! and flush. Each phase returns the message the hook fails with, if it fails.

use std::any::TypeId;
use std::rc::Rc;

use charm_catalogue::Scope;

use super::guard::guarded;
use super::{DispatchOptions, HandlerEntry, Outcome};
use crate::backend::{HookTools, LogLevel};
use crate::deferred::{self, Deferred, EventSnapshot, Notice, Running};
use crate::env::{Hook, JujuEnv};
use crate::error::Result;
use crate::event::{CollectStatus, Event};
use crate::model::{Context, ModelInner};
use crate::status::Status;
use crate::Charm;

/// How a phase ends: `Err` holds the message the hook fails with.
type Phase<T = ()> = std::result::Result<T, String>;

/// The handlers of charm `C` observing `event`, in their order (module, line, position).
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

/// A deferred event, built again: a relation that is gone since gets an inactive handle
/// whose bags read as empty (one `relation-ids` per endpoint tells).
fn build_deferred_event(model: &Rc<ModelInner>, env: &JujuEnv) -> Result<Event> {
    let mut event = Event::build(model, env);
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

/// One hook's run for charm `C`: the charm, its context, the handlers run so far.
pub(super) struct HookRun<C: Charm> {
    model: Rc<ModelInner>,
    ctx: Context<C>,
    charm: C,
    /// The dispatch path, which error messages start with.
    label: String,
    handlers: Vec<&'static str>,
}

impl<C: Charm + Default> HookRun<C> {
    /// Phase 1, the environment: the model of the hook `env` describes, a fresh charm.
    pub(super) fn start(env: JujuEnv, tools: Rc<dyn HookTools>) -> Self {
        let endpoints = C::metadata()
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), e.role))
            .collect();
        let label = env.dispatch_path.clone();
        let model = Rc::new(ModelInner::new(env, tools, endpoints));
        HookRun {
            ctx: Context::new(Rc::clone(&model)),
            model,
            charm: C::default(),
            label,
            handlers: Vec::new(),
        }
    }

    /// The remaining phases, then the outcome: a failed phase's message is logged and
    /// the exit code is 1, so Juju retries the hook (an action fails with the message
    /// instead: [`exit_code_after_failure`](crate::action::exit_code_after_failure)).
    pub(super) fn run(mut self, options: &DispatchOptions) -> Outcome {
        let error = self.phases(options).err();
        if let Some(message) = &error {
            self.model.log(LogLevel::Error, message);
        }
        Outcome {
            exit_code: match &error {
                Some(message) => crate::action::exit_code_after_failure(&self.model, message),
                None => 0,
            },
            error,
            handlers: self.handlers,
        }
    }

    fn phases(&mut self, options: &DispatchOptions) -> Phase {
        let mut deferred = self.load_deferred(options)?;
        self.rerun_deferred(&mut deferred)?;
        self.run_event(&mut deferred, options)?;
        self.collect_status()?;
        self.store_and_flush(&mut deferred)
    }

    /// Runs one handler: whether it deferred its event, or why it failed.
    fn run_handler(
        &mut self,
        handler: &'static HandlerEntry,
        event: &Event,
        refusal: Option<String>,
    ) -> Phase<bool> {
        self.handlers.push(handler.name);
        *self.model.running.borrow_mut() = Some(Running::new(handler.name, refusal));
        let (charm, ctx) = (&mut self.charm, &mut self.ctx);
        let result = guarded(|| (handler.call)(charm, ctx, event));
        let running = self.model.running.borrow_mut().take();
        result.map(|()| running.is_some_and(|r| r.deferred()))
    }

    /// Phase 2: the notices committed by earlier hooks.
    fn load_deferred(&self, options: &DispatchOptions) -> Phase<Deferred> {
        let marker = options.deferred_marker.clone();
        guarded(|| Deferred::load(&self.model, marker, options.nothing_deferred))
            .map_err(|m| format!("{}: reading the deferred events failed: {m}", self.label))
    }

    /// Phase 3: each deferred event, in order, for the handler that deferred it.
    fn rerun_deferred(&mut self, deferred: &mut Deferred) -> Phase {
        for notice in deferred.to_rerun().to_vec() {
            if self.rerun(&notice)? {
                deferred.keep(&notice);
            }
        }
        Ok(())
    }

    /// Re-runs one notice: whether its handler deferred it again.
    fn rerun(&mut self, notice: &Notice) -> Phase<bool> {
        let what = notice.event.describe();
        let Some((handler, env)) = self.restore(notice, &what) else {
            return Ok(false);
        };
        let message = format!("re-running the deferred {what} for `{}`", handler.name);
        self.model.log(LogLevel::Debug, &message);
        let event = guarded(|| build_deferred_event(&self.model, &env))
            .map_err(|m| format!("{}: rebuilding the deferred {what}: {m}", self.label))?;
        self.run_handler(handler, &event, None).map_err(|m| {
            format!(
                "{}: handler `{}` failed on the deferred {what}: {m}. {}",
                self.label,
                handler.name,
                crate::action::after_failure(&self.model)
            )
        })
    }

    /// The handler and environment of a notice; `None`, with a warning, when it is
    /// dropped (its handler is gone or no longer observes it, or it does not restore).
    fn restore(&self, notice: &Notice, what: &str) -> Option<(&'static HandlerEntry, JujuEnv)> {
        let warn = |message: String| self.model.log(LogLevel::Warning, &message);
        let env = match notice.event.restore(&self.model.env) {
            Ok(env) => env,
            Err(why) => {
                warn(format!(
                    "dropping the deferred {what} of `{}`: {why}",
                    notice.handler
                ));
                return None;
            }
        };
        match handler_named::<C>(&notice.handler) {
            Some(h) if h.events.contains(&env.hook.event_name().as_str()) => Some((h, env)),
            _ => {
                warn(format!(
                    "dropping the deferred {what}: no handler `{}` observes it any more",
                    notice.handler
                ));
                None
            }
        }
    }

    /// Phase 4: the handlers of the hook's own event.
    fn run_event(&mut self, deferred: &mut Deferred, options: &DispatchOptions) -> Phase {
        let model = Rc::clone(&self.model);
        let event = Event::build(&model, &model.env);
        let event_name = model.env.hook.event_name();
        let refusal = deferred::deferrable(&model.env.hook).err();
        let mut handlers = handlers_for::<C>(&event_name);
        if handlers.is_empty() && matches!(model.env.hook, Hook::Other(_)) {
            // The escape hatch: a dispatch path no handler knows goes to the charm's `other`.
            handlers.extend(options.other.map(|other| other()));
        }
        let unhandled = matches!(model.env.hook, Hook::Other(_) | Hook::Action(_))
            || model.env.hook.restricted();
        if handlers.is_empty() && unhandled {
            let message = format!(
                "{}: no handler observes `{event_name}`; nothing to do",
                self.label
            );
            model.log(LogLevel::Debug, &message);
        }
        for handler in handlers {
            let deferring = self
                .run_handler(handler, &event, refusal.clone())
                .map_err(|m| {
                    format!(
                        "{}: handler `{}` failed: {m}. {}",
                        self.label,
                        handler.name,
                        crate::action::after_failure(&model)
                    )
                })?;
            if deferring {
                deferred.add(Notice {
                    handler: handler.name.to_string(),
                    event: EventSnapshot::of(&model.env),
                });
            }
        }
        Ok(())
    }

    /// Phase 5: the status collectors, application's (on the leader) then unit's; none
    /// in Juju's restricted context, where `is-leader` and `status-set` are unavailable
    /// (as `ops` skips `_evaluate_status` there, in `ops/_main.py`).
    fn collect_status(&mut self) -> Phase {
        if self.model.env.hook.restricted() {
            return Ok(());
        }
        self.collect("collect_app_status", true)?;
        self.collect("collect_unit_status", false)
    }

    fn collect(&mut self, name: &'static str, app: bool) -> Phase {
        let collectors = handlers_for::<C>(name);
        if collectors.is_empty() {
            return Ok(());
        }
        if app {
            let leader = guarded(|| self.model.is_leader())
                .map_err(|m| format!("{}: is-leader: {m}", self.label))?;
            if !leader {
                return Ok(());
            }
        }
        let refusal = charm_catalogue::find(Scope::Framework, name)
            .and_then(|spec| spec.deferral.refusal())
            .map(str::to_string);
        let collect = CollectStatus::default();
        let event = Event::CollectStatus(collect);
        for handler in collectors {
            self.run_handler(handler, &event, refusal.clone())
                .map_err(|m| {
                    format!(
                        "{}: status collector `{}` failed: {m}",
                        self.label, handler.name
                    )
                })?;
        }
        let Event::CollectStatus(collect) = &event else {
            return Ok(());
        };
        if let Some(status) = Status::highest(&collect.statuses.borrow()).cloned() {
            match app {
                true => self.model.set_app_status(status),
                false => self.model.set_unit_status(status),
            }
        }
        Ok(())
    }

    /// Phases 6 and 7: the deferred notices that remain, buffered with the hook's other
    /// writes, then one flush of everything, then the marker that says whether any remain.
    fn store_and_flush(&mut self, deferred: &mut Deferred) -> Phase {
        deferred
            .store(&self.model)
            .map_err(|m| format!("{}: {m}", self.label))?;
        guarded(|| self.model.flush())
            .map_err(|m| format!("{}: writing the hook's changes failed: {m}", self.label))?;
        deferred.committed();
        Ok(())
    }
}
