//! [`Hook`]: which hook Juju runs, one variant per line of the event catalogue
//! ([`charm_catalogue::juju_events!`]), generated from it.

use charm_catalogue::{EventSpec, Scope};

/// One enum per prefixed section of the catalogue: `RelationHook`, `StorageHook`, ...
macro_rules! kind_enum {
    ($(#[$doc:meta])* $enum:ident, $scope:ident, $($variant:ident $name:ident)*) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                $variant,
            )*
        }

        impl $enum {
            /// All kinds, in the catalogue's order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];

            /// The kind's line of the event catalogue.
            pub fn spec(self) -> &'static EventSpec {
                match self {
                    $($enum::$variant => const {
                        charm_catalogue::event(Scope::$scope, stringify!($name))
                    },)*
                }
            }

            fn from_spec(spec: &EventSpec) -> Option<Self> {
                Self::ALL.iter().copied().find(|kind| kind.spec() == spec)
            }
        }
    };
}

macro_rules! hooks {
    (
        unit { $($uv:ident $un:ident $uk:ident $up:ident needs $ur:tt may $uo:tt $ud:ident;)* }
        secret { $($sv:ident $sn:ident $sk:ident $sp:ident needs $sr:tt may $so:tt $sd:ident;)* }
        relation { $($rv:ident $rn:ident $rk:ident $rp:ident needs $rr:tt may $ro:tt $rd:ident;)* }
        storage { $($tv:ident $tn:ident $tk:ident $tp:ident needs $tr:tt may $to:tt $td:ident;)* }
        workload { $($wv:ident $wn:ident $wk:ident $wp:ident needs $wr:tt may $wo:tt $wd:ident;)* }
        $($rest:tt)*
    ) => {
        /// The hook Juju is running, parsed from `JUJU_DISPATCH_PATH`: one variant per
        /// hook of the event catalogue ([`charm_catalogue::juju_events!`]).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Hook {
            $(
                #[doc = concat!("`", stringify!($un), "`")]
                $uv,
            )*
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
            /// A hook the catalogue does not know: handled by name only.
            Other(String),
        }

        kind_enum!(
            /// What kind of secret hook.
            SecretHook, Unit, $($sv $sn)*
        );
        kind_enum!(
            /// What kind of relation hook.
            RelationHook, Endpoint, $($rv $rn)*
        );
        kind_enum!(
            /// What kind of storage hook.
            StorageHook, Storage, $($tv $tn)*
        );
        kind_enum!(
            /// What kind of workload (Pebble) hook.
            WorkloadHook, Container, $($wv $wn)*
        );

        impl Hook {
            /// The hook's line of the event catalogue; `None` for [`Hook::Other`].
            pub fn spec(&self) -> Option<&'static EventSpec> {
                Some(match self {
                    $(Hook::$uv => const { charm_catalogue::event(Scope::Unit, stringify!($un)) },)*
                    Hook::Relation { kind, .. } => kind.spec(),
                    Hook::Secret(kind) => kind.spec(),
                    Hook::Storage { kind, .. } => kind.spec(),
                    Hook::Workload { kind, .. } => kind.spec(),
                    Hook::Action(_) => const { charm_catalogue::event(Scope::Action, "action") },
                    Hook::Other(_) => return None,
                })
            }

            /// The hook of catalogue line `spec`, about `subject` (its endpoint, storage or
            /// container).
            fn from_spec(spec: &EventSpec, subject: Option<&str>) -> Option<Hook> {
                let subject = || subject.map(str::to_string);
                Some(match spec.scope() {
                    $(Scope::Unit if spec.name == stringify!($un) => Hook::$uv,)*
                    Scope::Unit => Hook::Secret(SecretHook::from_spec(spec)?),
                    Scope::Endpoint => Hook::Relation {
                        endpoint: subject()?,
                        kind: RelationHook::from_spec(spec)?,
                    },
                    Scope::Storage => Hook::Storage {
                        name: subject()?,
                        kind: StorageHook::from_spec(spec)?,
                    },
                    Scope::Container => Hook::Workload {
                        container: subject()?,
                        kind: WorkloadHook::from_spec(spec)?,
                    },
                    _ => return None,
                })
            }
        }
    };
}

charm_catalogue::juju_events!(hooks);

impl RelationHook {
    /// `created`, `joined`, ...
    pub fn as_str(self) -> &'static str {
        let name = self.spec().name;
        name.strip_prefix("relation_").unwrap_or(name)
    }
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
    /// assert_eq!(Hook::parse("hooks/collect-metrics"), Hook::CollectMetrics);
    /// ```
    pub fn parse(dispatch_path: &str) -> Hook {
        let (dir, name) = match dispatch_path.rsplit_once('/') {
            Some((dir, name)) => (dir.rsplit('/').next().unwrap_or(dir), name),
            None => ("hooks", dispatch_path),
        };
        if dir == "actions" {
            return Hook::Action(name.to_string());
        }
        charm_catalogue::parse_hook(name)
            .and_then(|(spec, subject)| Hook::from_spec(spec, subject))
            .unwrap_or_else(|| Hook::Other(name.to_string()))
    }

    /// What the hook is about: the endpoint, storage, container or action it names.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Hook::Relation { endpoint: s, .. }
            | Hook::Storage { name: s, .. }
            | Hook::Workload { container: s, .. }
            | Hook::Action(s) => Some(s),
            _ => None,
        }
    }

    /// The hook's name as Juju spells it (`db-relation-changed`; for an action, its name).
    pub fn juju_name(&self) -> String {
        match (self, self.spec()) {
            (_, Some(spec)) => spec.hook_name(self.subject()),
            (Hook::Other(name), None) => name.clone(),
            (_, None) => String::new(),
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
        match self.spec() {
            Some(spec) => spec.event_name(self.subject()),
            None => self.juju_name().replace('-', "_"),
        }
    }

    /// Whether the hook runs in Juju's restricted context (`collect-metrics`,
    /// `meter-status-changed`): see [`charm_catalogue::Deferral::Restricted`].
    pub fn restricted(&self) -> bool {
        self.spec().is_some_and(EventSpec::restricted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_hook_kind() {
        for (path, name) in [
            ("hooks/install", "install"),
            ("hooks/config-changed", "config_changed"),
            ("hooks/upgrade-charm", "upgrade_charm"),
            ("hooks/update-status", "update_status"),
            ("hooks/leader-elected", "leader_elected"),
            ("hooks/leader-settings-changed", "leader_settings_changed"),
            ("hooks/pre-series-upgrade", "pre_series_upgrade"),
            ("hooks/post-series-upgrade", "post_series_upgrade"),
            ("hooks/collect-metrics", "collect_metrics"),
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
            ("hooks/some-future-hook", "some_future_hook"),
        ] {
            let hook = Hook::parse(path);
            assert_eq!(hook.event_name(), name, "{path}");
            assert_eq!(hook.dispatch_path(), path, "{path}");
        }
    }

    #[test]
    fn every_catalogue_hook_has_its_variant() {
        for spec in charm_catalogue::EVENTS {
            let subject = match spec.scope() {
                Scope::Unit => None,
                Scope::Action | Scope::Framework => continue,
                _ => Some("thing"),
            };
            let hook = Hook::parse(&format!("hooks/{}", spec.hook_name(subject)));
            assert_eq!(hook.spec(), Some(spec), "{hook:?}");
            assert!(!matches!(hook, Hook::Other(_)), "{}", spec.name);
        }
        assert!(Hook::CollectMetrics.restricted() && !Hook::Install.restricted());
    }
}
