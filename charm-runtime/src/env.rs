//! The Juju environment of one hook: which hook, which unit, which relation or secret.
//!
//! Juju passes everything through `JUJU_*` variables (research/juju-contract.md §1.3).
//! [`JujuEnv::from_lookup`] reads them from any source, so tests need no process env.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::SecretId;

/// What kind of relation hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationHook {
    /// `<endpoint>-relation-created`
    Created,
    /// `<endpoint>-relation-joined`
    Joined,
    /// `<endpoint>-relation-changed`
    Changed,
    /// `<endpoint>-relation-departed`
    Departed,
    /// `<endpoint>-relation-broken`
    Broken,
}

impl RelationHook {
    /// All kinds, in lifecycle order.
    pub const ALL: [RelationHook; 5] = [
        RelationHook::Created,
        RelationHook::Joined,
        RelationHook::Changed,
        RelationHook::Departed,
        RelationHook::Broken,
    ];
    /// `created`, `joined`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RelationHook::Created => "created",
            RelationHook::Joined => "joined",
            RelationHook::Changed => "changed",
            RelationHook::Departed => "departed",
            RelationHook::Broken => "broken",
        }
    }
}

/// What kind of secret hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretHook {
    /// `secret-changed` (consumers: a new revision exists)
    Changed,
    /// `secret-rotate` (owner: time to rotate)
    Rotate,
    /// `secret-remove` (owner: a revision is no longer tracked)
    Remove,
    /// `secret-expired` (owner: a revision expired)
    Expired,
}

/// What kind of storage hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageHook {
    /// `<storage>-storage-attached`
    Attached,
    /// `<storage>-storage-detaching`
    Detaching,
}

/// What kind of workload (Pebble) hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadHook {
    /// `<container>-pebble-ready`
    Ready,
    /// `<container>-pebble-custom-notice`
    CustomNotice,
    /// `<container>-pebble-check-failed`
    CheckFailed,
    /// `<container>-pebble-check-recovered`
    CheckRecovered,
}

const STORAGE_SUFFIXES: [(&str, StorageHook); 2] = [
    ("-storage-attached", StorageHook::Attached),
    ("-storage-detaching", StorageHook::Detaching),
];

const WORKLOAD_SUFFIXES: [(&str, WorkloadHook); 4] = [
    ("-pebble-ready", WorkloadHook::Ready),
    ("-pebble-custom-notice", WorkloadHook::CustomNotice),
    ("-pebble-check-failed", WorkloadHook::CheckFailed),
    ("-pebble-check-recovered", WorkloadHook::CheckRecovered),
];

/// The hook Juju is running, parsed from `JUJU_DISPATCH_PATH`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hook {
    /// `install`
    Install,
    /// `start`
    Start,
    /// `stop`
    Stop,
    /// `remove`
    Remove,
    /// `config-changed`
    ConfigChanged,
    /// `upgrade-charm`
    UpgradeCharm,
    /// `update-status`
    UpdateStatus,
    /// `leader-elected`
    LeaderElected,
    /// `<endpoint>-relation-<kind>`
    Relation {
        /// The endpoint, as declared (dashes kept).
        endpoint: String,
        /// Which relation hook.
        kind: RelationHook,
    },
    /// `secret-<kind>`
    Secret(SecretHook),
    /// `<storage>-storage-<kind>`
    Storage {
        /// The storage name, as declared.
        name: String,
        /// Which storage hook.
        kind: StorageHook,
    },
    /// `<container>-pebble-<kind>`
    Workload {
        /// The container name, as declared.
        container: String,
        /// Which workload hook.
        kind: WorkloadHook,
    },
    /// `actions/<name>`
    Action(String),
    /// Any other hook (storage, workload, metrics, ...): handled by name only.
    Other(String),
}

impl Hook {
    /// Parses `hooks/<name>` or `actions/<name>` (or a bare hook name).
    ///
    /// ```
    /// use charm_runtime::env::{Hook, RelationHook};
    /// assert_eq!(
    ///     Hook::parse("hooks/log-forwarder-relation-joined"),
    ///     Hook::Relation { endpoint: "log-forwarder".into(), kind: RelationHook::Joined }
    /// );
    /// assert_eq!(Hook::parse("hooks/install"), Hook::Install);
    /// assert_eq!(Hook::parse("hooks/install").event_name(), "install");
    /// ```
    pub fn parse(dispatch_path: &str) -> Hook {
        let (dir, name) = match dispatch_path.rsplit_once('/') {
            Some((dir, name)) => (dir.rsplit('/').next().unwrap_or(dir), name),
            None => ("hooks", dispatch_path),
        };
        if dir == "actions" {
            return Hook::Action(name.to_string());
        }
        match name {
            "install" => return Hook::Install,
            "start" => return Hook::Start,
            "stop" => return Hook::Stop,
            "remove" => return Hook::Remove,
            "config-changed" => return Hook::ConfigChanged,
            "upgrade-charm" => return Hook::UpgradeCharm,
            "update-status" => return Hook::UpdateStatus,
            "leader-elected" => return Hook::LeaderElected,
            "secret-changed" => return Hook::Secret(SecretHook::Changed),
            "secret-rotate" => return Hook::Secret(SecretHook::Rotate),
            "secret-remove" => return Hook::Secret(SecretHook::Remove),
            "secret-expired" => return Hook::Secret(SecretHook::Expired),
            _ => {}
        }
        for kind in RelationHook::ALL {
            let suffix = format!("-relation-{}", kind.as_str());
            if let Some(endpoint) = name.strip_suffix(&suffix) {
                if !endpoint.is_empty() {
                    return Hook::Relation {
                        endpoint: endpoint.to_string(),
                        kind,
                    };
                }
            }
        }
        for (suffix, kind) in STORAGE_SUFFIXES {
            if let Some(storage) = name.strip_suffix(suffix).filter(|s| !s.is_empty()) {
                return Hook::Storage {
                    name: storage.to_string(),
                    kind,
                };
            }
        }
        for (suffix, kind) in WORKLOAD_SUFFIXES {
            if let Some(container) = name.strip_suffix(suffix).filter(|s| !s.is_empty()) {
                return Hook::Workload {
                    container: container.to_string(),
                    kind,
                };
            }
        }
        Hook::Other(name.to_string())
    }

    /// The hook's name as Juju spells it (`db-relation-changed`; for an action, its name).
    pub fn juju_name(&self) -> String {
        match self {
            Hook::Install => "install".into(),
            Hook::Start => "start".into(),
            Hook::Stop => "stop".into(),
            Hook::Remove => "remove".into(),
            Hook::ConfigChanged => "config-changed".into(),
            Hook::UpgradeCharm => "upgrade-charm".into(),
            Hook::UpdateStatus => "update-status".into(),
            Hook::LeaderElected => "leader-elected".into(),
            Hook::Relation { endpoint, kind } => {
                format!("{endpoint}-relation-{}", kind.as_str())
            }
            Hook::Secret(SecretHook::Changed) => "secret-changed".into(),
            Hook::Secret(SecretHook::Rotate) => "secret-rotate".into(),
            Hook::Secret(SecretHook::Remove) => "secret-remove".into(),
            Hook::Secret(SecretHook::Expired) => "secret-expired".into(),
            Hook::Storage { name, kind } => {
                let suffix = STORAGE_SUFFIXES
                    .iter()
                    .find(|(_, k)| k == kind)
                    .map(|(s, _)| *s)
                    .unwrap_or_default();
                format!("{name}{suffix}")
            }
            Hook::Workload { container, kind } => {
                let suffix = WORKLOAD_SUFFIXES
                    .iter()
                    .find(|(_, k)| k == kind)
                    .map(|(s, _)| *s)
                    .unwrap_or_default();
                format!("{container}{suffix}")
            }
            Hook::Action(name) | Hook::Other(name) => name.clone(),
        }
    }

    /// The dispatch path Juju sets: `hooks/<name>`, or `actions/<name>`.
    pub fn dispatch_path(&self) -> String {
        match self {
            Hook::Action(name) => format!("actions/{name}"),
            other => format!("hooks/{}", other.juju_name()),
        }
    }

    /// The event name as `ops` and `#[on(..)]` spell it: dashes become underscores,
    /// actions get `_action`.
    pub fn event_name(&self) -> String {
        match self {
            Hook::Action(name) => format!("{name}_action").replace('-', "_"),
            other => other.juju_name().replace('-', "_"),
        }
    }
}

/// The relation a relation hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationContext {
    /// `JUJU_RELATION`: the endpoint.
    pub endpoint: String,
    /// `JUJU_RELATION_ID`, parsed.
    pub id: RelationId,
    /// `JUJU_REMOTE_UNIT`, if not empty.
    pub remote_unit: Option<String>,
    /// `JUJU_REMOTE_APP`, or the application of the remote unit.
    pub remote_app: Option<String>,
    /// `JUJU_DEPARTING_UNIT` (relation-departed only).
    pub departing_unit: Option<String>,
}

/// The secret a secret hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretContext {
    /// `JUJU_SECRET_ID`.
    pub id: SecretId,
    /// `JUJU_SECRET_LABEL`, if not empty.
    pub label: Option<String>,
    /// `JUJU_SECRET_REVISION` (secret-remove and secret-expired).
    pub revision: Option<u64>,
}

/// The storage instance a storage hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageContext {
    /// `JUJU_STORAGE_ID`, e.g. `data/0`.
    pub id: String,
    /// `JUJU_STORAGE_LOCATION`, if Juju set it.
    pub location: Option<PathBuf>,
}

/// The container a workload hook is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadContext {
    /// `JUJU_WORKLOAD_NAME`.
    pub container: String,
    /// `JUJU_NOTICE_ID`, `JUJU_NOTICE_TYPE`, `JUJU_NOTICE_KEY` (custom notices).
    pub notice: Option<(String, String, String)>,
    /// `JUJU_PEBBLE_CHECK_NAME` (check failed / recovered).
    pub check: Option<String>,
}

/// Everything Juju says about the running hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuEnv {
    /// `JUJU_DISPATCH_PATH`, e.g. `hooks/db-relation-changed`.
    pub dispatch_path: String,
    /// The hook, parsed.
    pub hook: Hook,
    /// `JUJU_UNIT_NAME`, e.g. `webapp/1`.
    pub unit_name: String,
    /// The application, from the unit name.
    pub app_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_VERSION` (`0.0.0` when unset, as `ops` does).
    pub juju_version: String,
    /// `JUJU_CHARM_DIR`.
    pub charm_dir: PathBuf,
    /// Set in relation hooks.
    pub relation: Option<RelationContext>,
    /// Set in secret hooks.
    pub secret: Option<SecretContext>,
    /// `JUJU_ACTION_UUID`, set when running an action.
    pub action_id: Option<String>,
    /// Set in storage hooks.
    pub storage: Option<StorageContext>,
    /// Set in workload (Pebble) hooks.
    pub workload: Option<WorkloadContext>,
    /// Where the unit runs: machine, availability zone, principal unit.
    pub placement: Placement,
}

/// Where the unit runs, as Juju says in every hook (`HookVars` in
/// `worker/uniter/runner/context/context.go`); each empty when Juju has nothing to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: Option<String>,
    /// `JUJU_MACHINE_ID` (none on Kubernetes).
    pub machine_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT`: the unit a subordinate runs beside.
    pub principal_unit: Option<String>,
}

impl Placement {
    /// The variables read from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Placement {
        Placement {
            availability_zone: nonempty(lookup("JUJU_AVAILABILITY_ZONE")),
            machine_id: nonempty(lookup("JUJU_MACHINE_ID")),
            principal_unit: nonempty(lookup("JUJU_PRINCIPAL_UNIT")),
        }
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

impl JujuEnv {
    /// Every variable [`from_lookup`](Self::from_lookup) reads.
    pub const VARIABLES: &'static [&'static str] = &[
        "JUJU_DISPATCH_PATH",
        "JUJU_UNIT_NAME",
        "JUJU_MODEL_NAME",
        "JUJU_MODEL_UUID",
        "JUJU_VERSION",
        "JUJU_CHARM_DIR",
        "JUJU_RELATION",
        "JUJU_RELATION_ID",
        "JUJU_REMOTE_UNIT",
        "JUJU_REMOTE_APP",
        "JUJU_DEPARTING_UNIT",
        "JUJU_SECRET_ID",
        "JUJU_SECRET_LABEL",
        "JUJU_SECRET_REVISION",
        "JUJU_ACTION_UUID",
        "JUJU_STORAGE_ID",
        "JUJU_STORAGE_LOCATION",
        "JUJU_WORKLOAD_NAME",
        "JUJU_NOTICE_ID",
        "JUJU_NOTICE_TYPE",
        "JUJU_NOTICE_KEY",
        "JUJU_PEBBLE_CHECK_NAME",
        "JUJU_AVAILABILITY_ZONE",
        "JUJU_MACHINE_ID",
        "JUJU_PRINCIPAL_UNIT",
    ];

    /// Reads the process environment. A variable that is not valid UTF-8 is an error
    /// naming it (not "not set", which is what `std::env::var(..).ok()` would make of it).
    pub fn from_env() -> Result<Self> {
        Self::from_os_lookup(|k| std::env::var_os(k))
    }

    /// Like [`from_lookup`](Self::from_lookup), from raw OS strings: a variable that is
    /// set but not valid UTF-8 is an [`Error::Environment`] naming it.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::ffi::OsString;
    /// use std::os::unix::ffi::OsStringExt;
    /// use charm_runtime::env::JujuEnv;
    /// let err = JujuEnv::from_os_lookup(|k| match k {
    ///     "JUJU_DISPATCH_PATH" => Some(OsString::from("hooks/install")),
    ///     "JUJU_UNIT_NAME" => Some(OsString::from_vec(b"app\xff/0".to_vec())),
    ///     _ => None,
    /// })
    /// .unwrap_err();
    /// assert!(err.to_string().contains("JUJU_UNIT_NAME: is not valid UTF-8"), "{err}");
    /// # }
    /// ```
    pub fn from_os_lookup(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<Self> {
        for var in Self::VARIABLES {
            if let Some(value) = lookup(var) {
                if value.to_str().is_none() {
                    return Err(Error::Environment {
                        var,
                        detail: format!("is not valid UTF-8: {:?}", value.to_string_lossy()),
                    });
                }
            }
        }
        Self::from_lookup(|k| lookup(k).and_then(|v| v.into_string().ok()))
    }

    /// Reads the variables from `lookup` (the process env, or a map in tests).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use charm_runtime::env::JujuEnv;
    /// let vars: HashMap<&str, &str> = [
    ///     ("JUJU_DISPATCH_PATH", "hooks/db-relation-joined"),
    ///     ("JUJU_UNIT_NAME", "webapp/0"),
    ///     ("JUJU_MODEL_NAME", "test"),
    ///     ("JUJU_RELATION", "db"),
    ///     ("JUJU_RELATION_ID", "db:3"),
    ///     ("JUJU_REMOTE_UNIT", "database/1"),
    ///     ("JUJU_REMOTE_APP", "database"),
    /// ].into();
    /// let env = JujuEnv::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    /// assert_eq!(env.app_name, "webapp");
    /// assert_eq!(env.relation.unwrap().id.number(), 3);
    ///
    /// let err = JujuEnv::from_lookup(|_| None).unwrap_err();
    /// assert!(err.to_string().contains("JUJU_DISPATCH_PATH"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |var: &'static str| {
            nonempty(lookup(var)).ok_or(Error::Environment {
                var,
                detail: "not set; Juju sets it for every hook".into(),
            })
        };
        let dispatch_path = required("JUJU_DISPATCH_PATH")?;
        let hook = Hook::parse(&dispatch_path);
        let unit_name = required("JUJU_UNIT_NAME")?;
        let app_name = match unit_name.split_once('/') {
            Some((app, n)) if !app.is_empty() && n.parse::<u32>().is_ok() => app.to_string(),
            _ => {
                return Err(Error::Environment {
                    var: "JUJU_UNIT_NAME",
                    detail: format!("{unit_name:?} is not a unit name like `app/0`"),
                })
            }
        };
        let relation = match &hook {
            Hook::Relation { endpoint, kind } => {
                let raw_id = required("JUJU_RELATION_ID")?;
                let id = RelationId::parse(&raw_id).ok_or_else(|| Error::Environment {
                    var: "JUJU_RELATION_ID",
                    detail: format!("{raw_id:?} is not a relation id like `db:3`"),
                })?;
                let remote_unit = nonempty(lookup("JUJU_REMOTE_UNIT"));
                let remote_app = nonempty(lookup("JUJU_REMOTE_APP")).or_else(|| {
                    remote_unit
                        .as_ref()
                        .and_then(|u| u.split('/').next())
                        .map(str::to_string)
                });
                let departing_unit = nonempty(lookup("JUJU_DEPARTING_UNIT"));
                if *kind == RelationHook::Departed && departing_unit.is_none() {
                    return Err(Error::Environment {
                        var: "JUJU_DEPARTING_UNIT",
                        detail: "not set in a relation-departed hook".into(),
                    });
                }
                let endpoint_var = nonempty(lookup("JUJU_RELATION")).unwrap_or(endpoint.clone());
                Some(RelationContext {
                    endpoint: endpoint_var,
                    id,
                    remote_unit,
                    remote_app,
                    departing_unit,
                })
            }
            _ => None,
        };
        let secret = match &hook {
            Hook::Secret(kind) => {
                let raw = required("JUJU_SECRET_ID")?;
                let id = SecretId::parse(&raw).ok_or_else(|| Error::Environment {
                    var: "JUJU_SECRET_ID",
                    detail: format!("{raw:?} is not a secret id like `secret:<id>`"),
                })?;
                let revision = match nonempty(lookup("JUJU_SECRET_REVISION")) {
                    Some(r) => Some(r.parse().map_err(|_| Error::Environment {
                        var: "JUJU_SECRET_REVISION",
                        detail: format!("{r:?} is not a revision number"),
                    })?),
                    None if matches!(kind, SecretHook::Remove | SecretHook::Expired) => {
                        return Err(Error::Environment {
                            var: "JUJU_SECRET_REVISION",
                            detail: "not set in a secret-remove or secret-expired hook".into(),
                        })
                    }
                    None => None,
                };
                Some(SecretContext {
                    id,
                    label: nonempty(lookup("JUJU_SECRET_LABEL")),
                    revision,
                })
            }
            _ => None,
        };
        let storage = match &hook {
            Hook::Storage { .. } => Some(StorageContext {
                id: required("JUJU_STORAGE_ID")?,
                location: nonempty(lookup("JUJU_STORAGE_LOCATION")).map(PathBuf::from),
            }),
            _ => None,
        };
        let workload = match &hook {
            Hook::Workload { container, kind } => Some(WorkloadContext {
                container: nonempty(lookup("JUJU_WORKLOAD_NAME")).unwrap_or(container.clone()),
                notice: match kind {
                    WorkloadHook::CustomNotice => Some((
                        required("JUJU_NOTICE_ID")?,
                        nonempty(lookup("JUJU_NOTICE_TYPE")).unwrap_or_else(|| "custom".into()),
                        required("JUJU_NOTICE_KEY")?,
                    )),
                    _ => None,
                },
                check: match kind {
                    WorkloadHook::CheckFailed | WorkloadHook::CheckRecovered => {
                        Some(required("JUJU_PEBBLE_CHECK_NAME")?)
                    }
                    _ => None,
                },
            }),
            _ => None,
        };
        let action_id = match hook {
            Hook::Action(_) => Some(required("JUJU_ACTION_UUID")?),
            _ => None,
        };
        Ok(JujuEnv {
            dispatch_path,
            hook,
            unit_name,
            app_name,
            model_name: nonempty(lookup("JUJU_MODEL_NAME")).unwrap_or_default(),
            model_uuid: nonempty(lookup("JUJU_MODEL_UUID")).unwrap_or_default(),
            juju_version: nonempty(lookup("JUJU_VERSION")).unwrap_or_else(|| "0.0.0".into()),
            charm_dir: nonempty(lookup("JUJU_CHARM_DIR"))
                .map(PathBuf::from)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_default(),
            relation,
            secret,
            action_id,
            storage,
            workload,
            placement: Placement::from_lookup(&lookup),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> Result<JujuEnv> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        JujuEnv::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn parses_every_hook_kind() {
        for (path, name) in [
            ("hooks/install", "install"),
            ("hooks/config-changed", "config_changed"),
            ("hooks/upgrade-charm", "upgrade_charm"),
            ("hooks/update-status", "update_status"),
            ("hooks/leader-elected", "leader_elected"),
            ("hooks/secret-rotate", "secret_rotate"),
            ("hooks/db-relation-broken", "db_relation_broken"),
            ("hooks/data-storage-attached", "data_storage_attached"),
            (
                "hooks/web-cache-storage-detaching",
                "web_cache_storage_detaching",
            ),
            ("hooks/workload-pebble-ready", "workload_pebble_ready"),
            (
                "hooks/workload-pebble-check-failed",
                "workload_pebble_check_failed",
            ),
            ("actions/do-backup", "do_backup_action"),
        ] {
            assert_eq!(Hook::parse(path).event_name(), name, "{path}");
        }
    }

    #[test]
    fn malformed_variables_are_named() {
        let base = [
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-changed"),
            ("JUJU_UNIT_NAME", "webapp/0"),
        ];
        let e = env(&base).unwrap_err();
        assert!(e.to_string().contains("JUJU_RELATION_ID"), "{e}");
        let mut bad = base.to_vec();
        bad.push(("JUJU_RELATION_ID", "db:three"));
        let e = env(&bad).unwrap_err();
        assert!(e.to_string().contains("\"db:three\""), "{e}");
        let e = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_UNIT_NAME", "webapp"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("JUJU_UNIT_NAME"), "{e}");
        let e = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/secret-remove"),
            ("JUJU_UNIT_NAME", "a/0"),
            ("JUJU_SECRET_ID", "secret:abc"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("JUJU_SECRET_REVISION"), "{e}");
    }
}
