//! The Juju environment of one hook: which hook, which unit, which relation or secret.
//!
//! Juju passes everything through `JUJU_*` variables (`HookVars` in
//! <https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/context/context.go>).
//! Which ones an event carries, and which of them it always carries, is the event
//! catalogue's ([`charm_catalogue::EventSpec::env`]): [`JujuEnv::from_lookup`] reads those
//! of the running hook's event, refuses a hook without one it always carries, and reads
//! them from any source, so tests need no process env.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::relation::RelationId;
use crate::secret::SecretId;

mod hook;

pub use hook::{Hook, RelationHook, SecretHook, StorageHook, WorkloadHook};

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
    /// The event's other variables, as Juju set them: those its catalogue entry lists
    /// that no context above holds (`JUJU_TARGET_BASE` in `pre-series-upgrade`).
    pub vars: BTreeMap<String, String>,
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

/// The variables the contexts of [`JujuEnv`] hold; an event's others go to
/// [`JujuEnv::vars`].
pub(crate) const CONTEXT_VARS: &[&str] = &[
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
];

/// The event-specific part of a [`JujuEnv`]: the variables the hook's catalogue entry
/// lists, read and checked. Also what restores a deferred event
/// ([`EventSnapshot::restore`](crate::deferred::EventSnapshot::restore)).
#[derive(Debug, Default)]
pub(crate) struct EventVars {
    pub(crate) relation: Option<RelationContext>,
    pub(crate) secret: Option<SecretContext>,
    pub(crate) action_id: Option<String>,
    pub(crate) storage: Option<StorageContext>,
    pub(crate) workload: Option<WorkloadContext>,
    pub(crate) vars: BTreeMap<String, String>,
}

/// Variables Juju always sets that the runtime still reads as optional, as `ops` does:
/// `JUJU_DEPARTING_UNIT` is set by Juju 2.8 and later only, and `ops` takes it when
/// present (`JujuContext._from_dict` in
/// <https://github.com/canonical/operator/blob/main/ops/jujucontext.py>, which `ops/_main.py`
/// reads the hook with, and `_get_event_args` there). Its absence is
/// [`RelationDeparted::departing_unit`](crate::event::RelationDeparted::departing_unit)
/// returning `None`, not a failed hook.
const TOLERATED_MISSING: &[&str] = &["JUJU_DEPARTING_UNIT"];

/// Reads the variables one event carries: only those its catalogue entry lists.
struct Reader<'a> {
    hook: &'a Hook,
    spec: &'static charm_catalogue::EventSpec,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Reader<'_> {
    /// The variable, when the event carries it and it is not empty.
    fn get(&self, var: &str) -> Option<String> {
        self.spec
            .carries(var)
            .then(|| nonempty((self.lookup)(var)))
            .flatten()
    }

    /// The variable, or the error saying Juju always sets it for this hook.
    fn required(&self, var: &'static str) -> Result<String> {
        self.get(var).ok_or_else(|| Error::Environment {
            var,
            detail: match self.hook {
                Hook::Action(name) => {
                    format!("not set for action `{name}`; Juju always sets it there")
                }
                hook => format!(
                    "not set in a {} hook; Juju always sets it there",
                    hook.juju_name()
                ),
            },
        })
    }

    /// `raw`, the value of `var`, parsed; or the error saying it is not `what`.
    fn parse<T>(
        var: &'static str,
        raw: &str,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T> {
        parse(raw).ok_or_else(|| Error::Environment {
            var,
            detail: format!("{raw:?} is not {what}"),
        })
    }

    fn relation(&self, endpoint: &str) -> Result<RelationContext> {
        let raw_id = self.required("JUJU_RELATION_ID")?;
        let id = Self::parse(
            "JUJU_RELATION_ID",
            &raw_id,
            "a relation id like `db:3`",
            RelationId::parse,
        )?;
        let remote_unit = self.get("JUJU_REMOTE_UNIT");
        let remote_app = self.get("JUJU_REMOTE_APP").or_else(|| {
            let unit = remote_unit.as_ref()?;
            unit.split('/').next().map(str::to_string)
        });
        Ok(RelationContext {
            endpoint: self
                .get("JUJU_RELATION")
                .unwrap_or_else(|| endpoint.to_string()),
            id,
            remote_unit,
            remote_app,
            departing_unit: self.get("JUJU_DEPARTING_UNIT"),
        })
    }

    fn secret(&self) -> Result<SecretContext> {
        let raw_id = self.required("JUJU_SECRET_ID")?;
        let revision = self
            .get("JUJU_SECRET_REVISION")
            .map(|r| {
                Self::parse("JUJU_SECRET_REVISION", &r, "a revision number", |r| {
                    r.parse().ok()
                })
            })
            .transpose()?;
        Ok(SecretContext {
            id: Self::parse(
                "JUJU_SECRET_ID",
                &raw_id,
                "a secret id like `secret:<id>`",
                SecretId::parse,
            )?,
            label: self.get("JUJU_SECRET_LABEL"),
            revision,
        })
    }

    fn workload(&self, container: &str) -> Result<WorkloadContext> {
        let notice = if self.spec.carries("JUJU_NOTICE_ID") {
            Some((
                self.required("JUJU_NOTICE_ID")?,
                self.get("JUJU_NOTICE_TYPE")
                    .unwrap_or_else(|| "custom".into()),
                self.required("JUJU_NOTICE_KEY")?,
            ))
        } else {
            None
        };
        Ok(WorkloadContext {
            container: self
                .get("JUJU_WORKLOAD_NAME")
                .unwrap_or_else(|| container.to_string()),
            notice,
            check: match self.spec.carries("JUJU_PEBBLE_CHECK_NAME") {
                true => Some(self.required("JUJU_PEBBLE_CHECK_NAME")?),
                false => None,
            },
        })
    }
}

impl EventVars {
    /// Reads the variables of `hook`'s event from `lookup`: an error names a variable
    /// the event always carries that is not set, or one that does not parse.
    pub(crate) fn read(hook: &Hook, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let mut read = EventVars::default();
        let Some(spec) = hook.spec() else {
            return Ok(read);
        };
        let reader = Reader { hook, spec, lookup };
        for var in spec.env {
            match reader.get(var.name) {
                None if var.required && !TOLERATED_MISSING.contains(&var.name) => {
                    reader.required(var.name)?;
                }
                Some(value) if !CONTEXT_VARS.contains(&var.name) => {
                    read.vars.insert(var.name.to_string(), value);
                }
                _ => {}
            }
        }
        match hook {
            Hook::Relation { endpoint, .. } => read.relation = Some(reader.relation(endpoint)?),
            Hook::Secret(_) => read.secret = Some(reader.secret()?),
            Hook::Storage { .. } => {
                read.storage = Some(StorageContext {
                    id: reader.required("JUJU_STORAGE_ID")?,
                    location: reader.get("JUJU_STORAGE_LOCATION").map(PathBuf::from),
                })
            }
            Hook::Workload { container, .. } => read.workload = Some(reader.workload(container)?),
            Hook::Action(_) => read.action_id = Some(reader.required("JUJU_ACTION_UUID")?),
            _ => {}
        }
        Ok(read)
    }
}

impl JujuEnv {
    /// Every variable [`from_lookup`](Self::from_lookup) may read: those of every hook,
    /// then those of each event of the catalogue.
    pub const VARIABLES: &'static [&'static str] = charm_catalogue::VARIABLES;

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
        let get = |var: &str| nonempty(lookup(var));
        let required = |var: &'static str| {
            get(var).ok_or(Error::Environment {
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
        let event = EventVars::read(&hook, &lookup)?;
        Ok(JujuEnv {
            dispatch_path,
            hook,
            unit_name,
            app_name,
            model_name: get("JUJU_MODEL_NAME").unwrap_or_default(),
            model_uuid: get("JUJU_MODEL_UUID").unwrap_or_default(),
            juju_version: get("JUJU_VERSION").unwrap_or_else(|| "0.0.0".into()),
            charm_dir: get("JUJU_CHARM_DIR")
                .map(PathBuf::from)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_default(),
            relation: event.relation,
            secret: event.secret,
            action_id: event.action_id,
            storage: event.storage,
            workload: event.workload,
            vars: event.vars,
            placement: Placement::from_lookup(&lookup),
        })
    }

    /// The variable `var` of the event, as Juju set it (from [`vars`](Self::vars)).
    pub fn var(&self, var: &str) -> Option<&str> {
        self.vars.get(var).map(String::as_str)
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
    fn the_catalogues_newer_hooks_read_their_variables() {
        let hook = |path: &str, extra: &[(&str, &str)]| {
            let mut vars = vec![("JUJU_DISPATCH_PATH", path), ("JUJU_UNIT_NAME", "app/0")];
            vars.extend(extra);
            env(&vars).unwrap()
        };
        let e = hook("hooks/leader-settings-changed", &[]);
        assert_eq!((e.hook, e.vars.len()), (Hook::LeaderSettingsChanged, 0));
        let e = hook(
            "hooks/pre-series-upgrade",
            &[
                ("JUJU_TARGET_BASE", "ubuntu@24.04"),
                ("JUJU_TARGET_SERIES", "noble"),
                ("JUJU_RELATION_ID", "db:1"),
            ],
        );
        assert_eq!(e.hook, Hook::PreSeriesUpgrade);
        // Only what the catalogue lists for the event is read.
        assert_eq!(
            e.vars,
            [("JUJU_TARGET_BASE".to_string(), "ubuntu@24.04".to_string())].into()
        );
        assert_eq!(e.relation, None);
        assert_eq!(
            hook("hooks/post-series-upgrade", &[]).hook,
            Hook::PostSeriesUpgrade
        );
        // The restricted context sets little more than the unit and the charm directory
        // (`HookVars` in
        // <https://github.com/juju/juju/blob/3.6/internal/worker/metrics/collect/context.go>).
        let e = hook(
            "hooks/collect-metrics",
            &[("JUJU_CHARM_DIR", "/var/lib/juju/charm")],
        );
        assert_eq!(
            (&e.hook, e.hook.restricted()),
            (&Hook::CollectMetrics, true)
        );
        assert_eq!(
            (e.model_name.as_str(), e.juju_version.as_str()),
            ("", "0.0.0")
        );
        let e = hook(
            "hooks/meter-status-changed",
            &[("JUJU_METER_STATUS", "RED"), ("JUJU_METER_INFO", "")],
        );
        assert_eq!(
            (e.var("JUJU_METER_STATUS"), e.var("JUJU_METER_INFO")),
            (Some("RED"), None)
        );
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
            ("JUJU_SECRET_ID", "secret:cjhg2ok5jrbc769e4mkg"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("JUJU_SECRET_REVISION"), "{e}");
        // As in ops: a relation-departed without JUJU_DEPARTING_UNIT (Juju < 2.8) runs.
        let departed = env(&[
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-departed"),
            ("JUJU_UNIT_NAME", "a/0"),
            ("JUJU_RELATION_ID", "db:1"),
            ("JUJU_REMOTE_UNIT", "pg/1"),
        ])
        .unwrap();
        let relation = departed.relation.unwrap();
        assert_eq!(relation.departing_unit, None);
        assert_eq!(relation.remote_unit.as_deref(), Some("pg/1"));
        let e = env(&[
            ("JUJU_DISPATCH_PATH", "actions/backup"),
            ("JUJU_UNIT_NAME", "a/0"),
        ])
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("JUJU_ACTION_UUID: not set for action `backup`"),
            "{e}"
        );
    }
}
