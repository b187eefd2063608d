//! One hook's run, phase by phase: read the environment, load the deferred events and
//! re-run them, run the event's handlers (the components', then the charm's, then the
//! custom events they emitted), collect the status, store the deferred events and flush.
//! Each phase returns the message the hook fails with, if it fails.

use std::any::TypeId;
use std::rc::Rc;

use charm_catalogue::Scope;

use super::guard::guarded;
use super::{DispatchOptions, HandlerEntry, Outcome};
use crate::backend::{HookTools, LogLevel};
use crate::component::{self, ComponentHandlerEntry, Site};
use crate::deferred::{self, CustomSnapshot, Deferred, EventSnapshot, Notice, Running};
use crate::env::{Hook, JujuEnv};
use crate::error::Result;
use crate::event::{CollectStatus, Custom, Event, Payload};
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

/// The name a component attached to `endpoint` observes the hook's event by: the relation
/// event without the endpoint (`relation_changed`) when the hook is about its endpoint, a
/// unit event (`install`, `secret_changed`) as it is; `None` when the hook is not for it.
fn component_event(hook: &Hook, endpoint: &str) -> Option<&'static str> {
    match hook {
        Hook::Relation { endpoint: ep, kind } => (ep == endpoint).then(|| kind.spec().name),
        Hook::Storage { .. } | Hook::Workload { .. } | Hook::Action(_) | Hook::Other(_) => None,
        unit => unit.spec().map(|spec| spec.name),
    }
}

/// The Juju event a set of handlers runs under: the hook's, or a deferred one restored.
struct Under<'e> {
    env: &'e JujuEnv,
    event: &'e Event,
}

/// One hook's run for charm `C`: the charm, its context, the handlers run so far.
pub(super) struct HookRun<C: Charm> {
    model: Rc<ModelInner>,
    ctx: Context<C>,
    charm: C,
    /// The dispatch path, which error messages start with.
    label: String,
    /// The actions the charm declares.
    actions: Vec<String>,
    handlers: Vec<&'static str>,
}

impl<C: Charm + Default> HookRun<C> {
    /// Phase 1, the environment: the model of the hook `env` describes, a fresh charm.
    pub(super) fn start(env: JujuEnv, tools: Rc<dyn HookTools>) -> Self {
        let metadata = C::metadata();
        let endpoints = metadata
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), e.role))
            .collect();
        let actions = metadata.actions.into_iter().map(|a| a.name).collect();
        let label = env.dispatch_path.clone();
        let model = Rc::new(ModelInner::new(env, tools, endpoints));
        HookRun {
            ctx: Context::new(Rc::clone(&model)),
            model,
            charm: C::default(),
            label,
            actions,
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
        // The charm stays where it is from here on: record where its components are.
        self.model.record_attachments(&self.charm.__components());
        if let Hook::Action(name) = &self.model.env.hook {
            crate::action::check_declared(name, &self.actions)
                .map_err(|m| format!("{}: {m}", self.label))?;
        }
        let mut deferred = self.load_deferred(options)?;
        self.rerun_deferred(&mut deferred)?;
        self.run_event(&mut deferred, options)?;
        self.collect_status()?;
        self.store_and_flush(&mut deferred)
    }

    /// Runs one handler of the charm: whether it deferred its event, or why it failed.
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

    /// Runs one handler of the component attached to `endpoint`: whether it deferred its
    /// event, or why it failed. `Ok(None)`: the charm has no such component any more.
    fn run_component_handler(
        &mut self,
        endpoint: &'static str,
        handler: &'static ComponentHandlerEntry,
        event: &Event,
        refusal: Option<String>,
    ) -> Phase<Option<bool>> {
        let mut components = self.charm.__components();
        let Some(attached) = components.iter_mut().find(|a| a.endpoint == endpoint) else {
            return Ok(None);
        };
        self.handlers.push(handler.name);
        *self.model.running.borrow_mut() = Some(Running::new(handler.name, refusal));
        let site = Site {
            model: &self.model,
            endpoint,
        };
        let component = &mut *attached.component;
        let result = guarded(|| (handler.call)(component, &site, event));
        let running = self.model.running.borrow_mut().take();
        result.map(|()| Some(running.is_some_and(|r| r.deferred())))
    }

    /// Phase 2: the notices committed by earlier hooks.
    fn load_deferred(&self, options: &DispatchOptions) -> Phase<Deferred> {
        let marker = options.deferred_marker.clone();
        guarded(|| Deferred::load(&self.model, marker, options.nothing_deferred))
            .map_err(|m| format!("{}: reading the deferred events failed: {m}", self.label))
    }

    /// Phase 3: each deferred event, in order, for the handler that deferred it; then the
    /// custom events that emitted.
    fn rerun_deferred(&mut self, deferred: &mut Deferred) -> Phase {
        for notice in deferred.to_rerun().to_vec() {
            let what = notice.describe();
            let env = match notice.event.restore(&self.model.env) {
                Ok(env) => env,
                Err(why) => {
                    self.warn(format!(
                        "dropping the deferred {what} of `{}`: {why}",
                        notice.handler
                    ));
                    continue;
                }
            };
            let model = Rc::clone(&self.model);
            let event = guarded(|| build_deferred_event(&model, &env))
                .map_err(|m| format!("{}: rebuilding the deferred {what}: {m}", self.label))?;
            let under = Under {
                env: &env,
                event: &event,
            };
            if self.rerun(&notice, &what, &under)? {
                deferred.keep(&notice);
            }
            self.dispatch_emitted(&under, deferred)?;
        }
        Ok(())
    }

    /// Re-runs one notice: whether its handler deferred it again.
    fn rerun(&mut self, notice: &Notice, what: &str, under: &Under<'_>) -> Phase<bool> {
        let model = Rc::clone(&self.model);
        let failed = |label: &str, m: String| {
            let after = crate::action::after_failure(&model);
            format!(
                "{label}: handler `{}` failed on the deferred {what}: {m}. {after}",
                notice.handler
            )
        };
        if let Some(endpoint) = &notice.component {
            let Some((endpoint, handler)) =
                self.deferred_component_handler(notice, endpoint, under.env)
            else {
                self.warn(format!(
                    "dropping the deferred {what}: no component handler `{}` on `{endpoint}` observes it any more",
                    notice.handler
                ));
                return Ok(false);
            };
            self.debug(format!(
                "re-running the deferred {what} for `{}` on `{endpoint}`",
                handler.name
            ));
            let again = self
                .run_component_handler(endpoint, handler, under.event, None)
                .map_err(|m| failed(&self.label, m))?;
            return Ok(again == Some(true));
        }
        let observed = match &notice.custom {
            Some(custom) => custom.name.clone(),
            None => under.env.hook.event_name(),
        };
        let handler = match handler_named::<C>(&notice.handler) {
            Some(h) if h.events.contains(&observed.as_str()) => h,
            _ => {
                self.warn(format!(
                    "dropping the deferred {what}: no handler `{}` observes it any more",
                    notice.handler
                ));
                return Ok(false);
            }
        };
        self.debug(format!(
            "re-running the deferred {what} for `{}`",
            handler.name
        ));
        let Some(custom) = &notice.custom else {
            return self
                .run_handler(handler, under.event, None)
                .map_err(|m| failed(&self.label, m));
        };
        let event = Event::Custom(Custom::new(
            custom.name.clone(),
            Payload::Stored(custom.payload.clone()),
            under.event.relation().cloned(),
        ));
        let again = self
            .run_handler(handler, &event, None)
            .map_err(|m| failed(&self.label, m))?;
        if let Event::Custom(c) = &event {
            if let Some(why) = c.unreadable.borrow_mut().take() {
                self.warn(format!("dropping the deferred {what}: {why}"));
                return Ok(false);
            }
        }
        Ok(again)
    }

    /// The instance a component notice was deferred by, and its handler, if it still
    /// observes the restored event.
    fn deferred_component_handler(
        &mut self,
        notice: &Notice,
        endpoint: &str,
        env: &JujuEnv,
    ) -> Option<(&'static str, &'static ComponentHandlerEntry)> {
        let components = self.charm.__components();
        let attached = components.iter().find(|a| a.endpoint == endpoint)?;
        let handler = component::component_handler_named(attached.type_id, &notice.handler)?;
        let observed = component_event(&env.hook, attached.endpoint)?;
        handler
            .events
            .contains(&observed)
            .then_some((attached.endpoint, handler))
    }

    /// Phase 4: the hook's own event, to the components it is for, then to the charm's
    /// handlers; then the custom events emitted meanwhile.
    fn run_event(&mut self, deferred: &mut Deferred, options: &DispatchOptions) -> Phase {
        let model = Rc::clone(&self.model);
        let event = Event::build(&model, &model.env);
        let event_name = model.env.hook.event_name();
        let refusal = deferred::deferrable(&model.env.hook).err();
        let under = Under {
            env: &model.env,
            event: &event,
        };
        let ran = self.run_components(&under, refusal.as_ref(), deferred)?;
        let mut handlers = handlers_for::<C>(&event_name);
        if handlers.is_empty() && !ran && matches!(model.env.hook, Hook::Other(_)) {
            // The escape hatch: a dispatch path no handler knows goes to the charm's `other`.
            handlers.extend(options.other.map(|other| other()));
        }
        let unhandled = matches!(model.env.hook, Hook::Other(_) | Hook::Action(_))
            || model.env.hook.restricted();
        if handlers.is_empty() && !ran && unhandled {
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
                deferred.add(Notice::new(handler.name, EventSnapshot::of(&model.env)));
            }
        }
        self.dispatch_emitted(&under, deferred)
    }

    /// The components' handlers of the event, in field order: whether any ran.
    fn run_components(
        &mut self,
        under: &Under<'_>,
        refusal: Option<&String>,
        deferred: &mut Deferred,
    ) -> Phase<bool> {
        let attached: Vec<(&'static str, TypeId)> = self
            .charm
            .__components()
            .iter()
            .map(|a| (a.endpoint, a.type_id))
            .collect();
        let mut ran = false;
        for (endpoint, type_id) in attached {
            let Some(name) = component_event(&under.env.hook, endpoint) else {
                continue;
            };
            for handler in component::component_handlers(type_id, name) {
                ran = true;
                let deferring = self
                    .run_component_handler(endpoint, handler, under.event, refusal.cloned())
                    .map_err(|m| {
                        format!(
                            "{}: handler `{}` of the component on `{endpoint}` failed: {m}. Nothing it wrote was saved; Juju will retry the hook.",
                            self.label, handler.name
                        )
                    })?;
                if deferring == Some(true) {
                    deferred.add(Notice {
                        component: Some(endpoint.to_string()),
                        ..Notice::new(handler.name, EventSnapshot::of(under.env))
                    });
                }
            }
        }
        Ok(ran)
    }

    /// The custom events emitted so far, in order, each to the charm's handlers of it;
    /// events emitted meanwhile are dispatched after them.
    fn dispatch_emitted(&mut self, under: &Under<'_>, deferred: &mut Deferred) -> Phase {
        loop {
            let Some(emitted) = self.model.emitted.borrow_mut().pop_front() else {
                return Ok(());
            };
            let handlers = handlers_for::<C>(&emitted.name);
            if handlers.is_empty() {
                self.debug(format!(
                    "no handler observes the custom event `{}`",
                    emitted.name
                ));
                continue;
            }
            let event = Event::Custom(Custom::new(
                emitted.name,
                emitted.payload,
                under.event.relation().cloned(),
            ));
            let Event::Custom(custom) = &event else {
                continue;
            };
            // Deferrable like any event, but where there is no charm state to keep it in.
            let refusal = under
                .env
                .hook
                .restricted()
                .then(|| deferred::deferrable(&under.env.hook).err())
                .flatten();
            for handler in handlers {
                let deferring = self.run_handler(handler, &event, refusal.clone()).map_err(|m| {
                    format!(
                        "{}: handler `{}` failed on the custom event `{}`: {m}. Nothing it wrote was saved; Juju will retry the hook.",
                        self.label, handler.name, custom.name()
                    )
                })?;
                if deferring {
                    let payload = custom
                        .to_json()
                        .map_err(|e| format!("{}: deferring: {e}", self.label))?;
                    deferred.add(Notice {
                        custom: Some(CustomSnapshot {
                            name: custom.name().to_string(),
                            payload,
                        }),
                        ..Notice::new(handler.name, EventSnapshot::of(under.env))
                    });
                }
            }
        }
    }

    /// Phase 5: the status collectors, application's (on the leader) then unit's, each
    /// the components' (in field order) then the charm's; none in Juju's restricted
    /// context, where `is-leader` and `status-set` are unavailable (as `ops` skips
    /// `_evaluate_status` there, in `ops/_main.py`).
    fn collect_status(&mut self) -> Phase {
        if self.model.env.hook.restricted() {
            return Ok(());
        }
        self.collect("collect_app_status", true)?;
        self.collect("collect_unit_status", false)
    }

    fn collect(&mut self, name: &'static str, app: bool) -> Phase {
        let collectors = handlers_for::<C>(name);
        let components: Vec<(&'static str, &'static ComponentHandlerEntry)> = self
            .charm
            .__components()
            .iter()
            .flat_map(|a| {
                let endpoint = a.endpoint;
                component::component_handlers(a.type_id, name)
                    .into_iter()
                    .map(move |h| (endpoint, h))
            })
            .collect();
        if collectors.is_empty() && components.is_empty() {
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
        let event = Event::CollectStatus(CollectStatus::default());
        let failed = |label: &str, handler: &str, m: String| {
            format!("{label}: status collector `{handler}` failed: {m}")
        };
        for (endpoint, handler) in components {
            self.run_component_handler(endpoint, handler, &event, refusal.clone())
                .map_err(|m| failed(&self.label, handler.name, m))?;
        }
        for handler in collectors {
            self.run_handler(handler, &event, refusal.clone())
                .map_err(|m| failed(&self.label, handler.name, m))?;
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

    fn warn(&self, message: String) {
        self.model.log(LogLevel::Warning, &message);
    }

    fn debug(&self, message: String) {
        self.model.log(LogLevel::Debug, &message);
    }
}
