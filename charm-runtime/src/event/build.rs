//! From the hook's environment to its [`Event`]: [`Event::build`] is generated from the
//! event catalogue ([`charm_catalogue::juju_events!`]), one arm per line, each calling
//! the payload type's [`FromHook`].

use std::rc::Rc;

use super::*;
use crate::env::{Hook, JujuEnv, RelationHook, SecretHook, StorageHook, WorkloadHook};
use crate::model::ModelInner;
use crate::workload::{Container, StorageInstance};

/// How an event's payload is built from the environment of the hook (the running one,
/// or a deferred one restored).
pub(crate) trait FromHook: Sized {
    /// The payload; `None` when `env` lacks what it needs (an environment made by hand
    /// without the hook's variables): the event is then [`Event::Other`].
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self>;
}

macro_rules! builder {
    (
        unit { $($uv:ident $un:ident $uk:ident $up:ident needs $ur:tt may $uo:tt $ud:ident;)* }
        secret { $($sv:ident $sn:ident $sk:ident $sp:ident needs $sr:tt may $so:tt $sd:ident;)* }
        relation { $($rv:ident $rn:ident $rk:ident $rp:ident needs $rr:tt may $ro:tt $rd:ident;)* }
        storage { $($tv:ident $tn:ident $tk:ident $tp:ident needs $tr:tt may $to:tt $td:ident;)* }
        workload { $($wv:ident $wn:ident $wk:ident $wp:ident needs $wr:tt may $wo:tt $wd:ident;)* }
        $($rest:tt)*
    ) => {
        impl Event {
            /// The event of the hook `env` describes.
            pub(crate) fn build(model: &Rc<ModelInner>, env: &JujuEnv) -> Event {
                let built = match &env.hook {
                    $(Hook::$uv => <$up as FromHook>::from_hook(model, env).map(Event::$up),)*
                    $(Hook::Secret(SecretHook::$sv) => {
                        <$sp as FromHook>::from_hook(model, env).map(Event::$sp)
                    })*
                    $(Hook::Relation { kind: RelationHook::$rv, .. } => {
                        <$rp as FromHook>::from_hook(model, env).map(Event::$rp)
                    })*
                    $(Hook::Storage { kind: StorageHook::$tv, .. } => {
                        <$tp as FromHook>::from_hook(model, env).map(Event::$tp)
                    })*
                    $(Hook::Workload { kind: WorkloadHook::$wv, .. } => {
                        <$wp as FromHook>::from_hook(model, env).map(Event::$wp)
                    })*
                    Hook::Action(_) => ActionEvent::from_hook(model, env).map(Event::Action),
                    Hook::Other(_) => None,
                };
                built.unwrap_or_else(|| Event::Other(env.hook.event_name()))
            }
        }
    };
}

charm_catalogue::juju_events!(builder);

impl FromHook for PreSeriesUpgrade {
    fn from_hook(_: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(PreSeriesUpgrade {
            target_base: env.var("JUJU_TARGET_BASE").map(str::to_string),
        })
    }
}

impl FromHook for MeterStatusChanged {
    fn from_hook(_: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(MeterStatusChanged {
            status: env.var("JUJU_METER_STATUS").map(str::to_string),
            info: env.var("JUJU_METER_INFO").map(str::to_string),
        })
    }
}

/// The relation of a relation hook (on a peer relation, this application).
fn relation(model: &Rc<ModelInner>, env: &JujuEnv) -> Relation {
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
}

fn remote_unit(env: &JujuEnv) -> Option<String> {
    env.relation.as_ref().and_then(|r| r.remote_unit.clone())
}

impl FromHook for RelationCreated {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(RelationCreated {
            relation: relation(model, env),
        })
    }
}

impl FromHook for RelationJoined {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(RelationJoined {
            relation: relation(model, env),
            unit: remote_unit(env).unwrap_or_default(),
        })
    }
}

impl FromHook for RelationChanged {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(RelationChanged {
            relation: relation(model, env),
            unit: remote_unit(env),
        })
    }
}

impl FromHook for RelationDeparted {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        let departing = env.relation.as_ref().and_then(|r| r.departing_unit.clone());
        Some(RelationDeparted {
            relation: relation(model, env),
            unit: remote_unit(env),
            departing_unit: departing,
        })
    }
}

impl FromHook for RelationBroken {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(RelationBroken {
            relation: relation(model, env),
        })
    }
}

macro_rules! secret_from_hook {
    ($($name:ident),*) => {$(
        impl FromHook for $name {
            fn from_hook(_: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
                let secret = env.secret.as_ref()?;
                Some($name {
                    id: secret.id.clone(),
                    label: secret.label.clone(),
                    revision: secret.revision,
                })
            }
        }
    )*};
}
secret_from_hook!(SecretChanged, SecretRotate, SecretRemove, SecretExpired);

fn storage(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<StorageInstance> {
    let storage = env.storage.as_ref()?;
    Some(StorageInstance {
        model: Rc::clone(model),
        id: storage.id.clone(),
        location: storage.location.clone(),
    })
}

impl FromHook for StorageAttached {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(StorageAttached {
            storage: storage(model, env)?,
        })
    }
}

impl FromHook for StorageDetaching {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        Some(StorageDetaching {
            storage: storage(model, env)?,
        })
    }
}

/// The container of a workload hook, and what the hook says about it.
fn workload<'e>(
    model: &Rc<ModelInner>,
    env: &'e JujuEnv,
) -> Option<(Container, Option<&'e crate::env::WorkloadContext>)> {
    let Hook::Workload { container, .. } = &env.hook else {
        return None;
    };
    Some((Container::new(model, container), env.workload.as_ref()))
}

impl FromHook for PebbleReady {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        let (container, _) = workload(model, env)?;
        Some(PebbleReady { container })
    }
}

impl FromHook for PebbleCustomNotice {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        let (container, context) = workload(model, env)?;
        Some(PebbleCustomNotice {
            container,
            notice: context.and_then(|w| w.notice.clone()).unwrap_or_default(),
        })
    }
}

impl FromHook for PebbleCheck {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        let (container, context) = workload(model, env)?;
        Some(PebbleCheck {
            container,
            check: context.and_then(|w| w.check.clone()).unwrap_or_default(),
            failed: matches!(
                env.hook,
                Hook::Workload {
                    kind: WorkloadHook::CheckFailed,
                    ..
                }
            ),
        })
    }
}

impl FromHook for ActionEvent {
    fn from_hook(model: &Rc<ModelInner>, env: &JujuEnv) -> Option<Self> {
        let Hook::Action(name) = &env.hook else {
            return None;
        };
        Some(ActionEvent {
            model: Rc::clone(model),
            name: name.clone(),
            id: env.action_id.clone().unwrap_or_default(),
        })
    }
}
