//! # charm-catalogue: every event a charm observes, in one table
//!
//! Juju runs a charm once per *hook* (`install`, `db-relation-changed`, `actions/backup`,
//! ...) and tells it which one through `JUJU_DISPATCH_PATH` and a few more `JUJU_*`
//! variables. This crate is the one place where those events are listed: their names,
//! their kind, the variables Juju sets for them, the Rust type a handler receives, and
//! whether a handler may defer them. Everything else is derived from [`juju_events!`]:
//!
//! - `charm-macros` checks `#[on(..)]` names against [`LIFECYCLE`], [`RELATION_KINDS`],
//!   [`STORAGE_KINDS`] and [`WORKLOAD_KINDS`];
//! - `charm-runtime` generates its `Hook` enum, builds each event's payload, checks the
//!   environment ([`EventSpec::env`]), applies the deferral rules ([`Deferral`]) and makes
//!   the Scenario `Event` constructors from the table itself (a *callback* macro: the table
//!   calls a macro of the consumer with every line, see [`juju_events!`]);
//! - the simulator (`cargo charm sim`) is to name the hooks it fires from [`EVENTS`] and
//!   refuse, in the restricted context, what Juju refuses there (not done yet).
//!
//! ```
//! use charm_catalogue::{find, parse_hook, Deferral, Kind, Scope};
//!
//! let (spec, endpoint) = parse_hook("db-relation-departed").unwrap();
//! assert_eq!((spec.name, spec.kind, endpoint), ("relation_departed", Kind::Relation, Some("db")));
//! assert_eq!(spec.event_name(endpoint), "db_relation_departed");
//! assert!(spec.env.iter().any(|v| v.name == "JUJU_DEPARTING_UNIT" && v.required));
//!
//! let stop = find(Scope::Unit, "stop").unwrap();
//! assert_eq!((stop.payload, stop.deferral), ("Stop", Deferral::NotInOps));
//! ```
//!
//! ## Adding a hook
//!
//! One line in [`juju_events!`], and the payload type the line names, in
//! `charm_runtime::event` (the struct, its variant of `Event`, how it is built from the
//! hook's environment). The line gives the `#[on(..)]` name, the `Hook` variant, the
//! variables Juju sets, and whether it may be deferred; `#[on(name)]`, the environment
//! check, the deferral rule and `testing::Event::name()` follow from it.
//!
//! ## Custom events
//!
//! Interface libraries emit their own typed events (`database_created`,
//! `certificate_available`), handled with `#[on(..)]` like Juju's, deferrable, run after
//! the handlers of the Juju event that caused them; a charm may declare its own too (ops'
//! `EventSource`). They are described by the same [`EventSpec`], made by
//! [`EventSpec::custom`]: `name` the event's name, `kind` [`Kind::Custom`], `payload` the
//! type's name, `env` empty (a custom event carries its data in its payload, which is what
//! a deferred one stores), `deferral` [`Deferral::Deferrable`]. They cannot be lines of
//! this table, which only this crate edits: `#[component(events(..))]` and a charm's
//! `#[events(..)]` register their `EventSpec`s at link time (an `inventory::submit!` of a
//! `static`, the same mechanism `#[handlers]` blocks use), and the runtime collects them
//! beside [`EVENTS`] (`charm_runtime::component::custom_events`). A component's event is
//! named after the endpoint the component is attached to ([`Scope::Custom`]):
//! `database::database_created`, so two instances of one library stay apart.
//!
//! ```
//! use charm_catalogue::{Deferral, EventSpec, Kind};
//! const CREATED: EventSpec = EventSpec::custom("database_created", "DatabaseCreated");
//! assert_eq!((CREATED.kind, CREATED.deferral), (Kind::Custom, Deferral::Deferrable));
//! assert_eq!(CREATED.event_name(Some("database")), "database::database_created");
//! assert_eq!(CREATED.event_name(None), "database_created"); // a charm's own event
//! assert_eq!(CREATED.hook_name(Some("database")), "database::database_created"); // no hook
//! ```

mod role;
pub use role::Role;

/// What an event is about: the groups of Juju's hook reference
/// (<https://documentation.ubuntu.com/juju/3.6/reference/hook/>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The unit's life: `install`, `start`, `config-changed`, `update-status`, ...
    Lifecycle,
    /// `leader-elected`, `leader-settings-changed`.
    Leadership,
    /// `pre-series-upgrade`, `post-series-upgrade` (machine charms; gone in Juju 4).
    SeriesUpgrade,
    /// `collect-metrics`, `meter-status-changed`: run in Juju's restricted context.
    Metrics,
    /// `secret-changed`, `secret-rotate`, `secret-remove`, `secret-expired`.
    Secret,
    /// `<endpoint>-relation-*`.
    Relation,
    /// `<storage>-storage-*`.
    Storage,
    /// `<container>-pebble-*`.
    Workload,
    /// `actions/<name>`.
    Action,
    /// Not a hook: the status collectors the framework runs at the end of every hook.
    Status,
    /// Not a hook: an event a component or the charm emits ([`EventSpec::custom`]).
    Custom,
}

/// What the hook's name hangs off, which decides how it is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `hooks/<name>`: `install`, `secret-changed`.
    Unit,
    /// `hooks/<endpoint>-<name>`: `db-relation-joined`.
    Endpoint,
    /// `hooks/<storage>-<name>`: `data-storage-attached`.
    Storage,
    /// `hooks/<container>-<name>`: `workload-pebble-ready`.
    Container,
    /// `actions/<action>`; the event is `<action>_action`.
    Action,
    /// No hook: run by the framework in every hook.
    Framework,
    /// No hook: emitted by a component attached to an endpoint
    /// (`<endpoint>::<name>`), or by the charm itself (`<name>`).
    Custom,
}

impl Kind {
    /// How hooks of this kind are named.
    pub const fn scope(self) -> Scope {
        match self {
            Kind::Lifecycle
            | Kind::Leadership
            | Kind::SeriesUpgrade
            | Kind::Metrics
            | Kind::Secret => Scope::Unit,
            Kind::Relation => Scope::Endpoint,
            Kind::Storage => Scope::Storage,
            Kind::Workload => Scope::Container,
            Kind::Action => Scope::Action,
            Kind::Status => Scope::Framework,
            Kind::Custom => Scope::Custom,
        }
    }
}

/// Whether a handler may defer the event (`ctx.defer()`), and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deferral {
    /// Deferred events are run again at the start of the next hook.
    Deferrable,
    /// Refused, as `ops` refuses it: its `defer()` raises (`ActionEvent`, `StopEvent`,
    /// `RemoveEvent`, `SecretRotateEvent`, `SecretExpiredEvent` in
    /// <https://github.com/canonical/operator/blob/main/ops/charm.py>).
    NotInOps,
    /// Refused: the hook runs in Juju's restricted context, where the charm state that
    /// keeps deferred events is not available (`GetCharmState` and `SetCharmStateValue`
    /// fail in `RestrictedContext`,
    /// <https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/jujuc/restricted.go>).
    /// Such a hook also re-runs no deferred event and evaluates no status, as `ops`
    /// skips both there (`is_restricted_context` in
    /// <https://github.com/canonical/operator/blob/main/ops/_main.py>).
    Restricted,
    /// Refused: run in every hook, so there is nothing to defer (`ops`' `LifecycleEvent`).
    EveryHook,
}

impl Deferral {
    /// Why the event cannot be deferred, or `None` when it can.
    pub const fn refusal(self) -> Option<&'static str> {
        match self {
            Deferral::Deferrable => None,
            Deferral::NotInOps => Some(
                "as in ops: actions, stop, remove, secret-rotate and secret-expired are not deferrable",
            ),
            Deferral::Restricted => Some(
                "it runs in Juju's restricted context, without the charm state deferred events are kept in",
            ),
            Deferral::EveryHook => {
                Some("status collectors run on every hook; there is nothing to defer")
            }
        }
    }
}

/// A `JUJU_*` variable Juju sets for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnvVar {
    /// `JUJU_RELATION_ID`.
    pub name: &'static str,
    /// Whether Juju always sets it (non-empty) for this event: a hook without it is
    /// refused with an error naming it.
    pub required: bool,
}

/// One event: a line of [`juju_events!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventSpec {
    /// The name after the scope's prefix, as `#[on(..)]` spells it: `install`,
    /// `relation_changed` (for `<endpoint>_relation_changed`), `pebble_ready`, `action`.
    pub name: &'static str,
    /// What the event is about.
    pub kind: Kind,
    /// The type a handler receives, in `charm_runtime::event`.
    pub payload: &'static str,
    /// The variables Juju sets for it, beyond those of every hook ([`COMMON`]).
    pub env: &'static [EnvVar],
    /// Whether it may be deferred.
    pub deferral: Deferral,
}

impl EventSpec {
    /// A custom event: `name` as `#[on(..)]` spells it after the endpoint
    /// (`database_created`), `payload` its type's name. Deferrable, with no variables: its
    /// data is its payload.
    pub const fn custom(name: &'static str, payload: &'static str) -> EventSpec {
        EventSpec {
            name,
            kind: Kind::Custom,
            payload,
            env: &[],
            deferral: Deferral::Deferrable,
        }
    }

    /// How the hook is named.
    pub const fn scope(&self) -> Scope {
        self.kind.scope()
    }

    /// Whether the hook runs in Juju's restricted context ([`Deferral::Restricted`]).
    pub const fn restricted(&self) -> bool {
        matches!(self.deferral, Deferral::Restricted)
    }

    /// The hook's name as Juju spells it, for `subject` (the endpoint, storage, container
    /// or action the scope asks for): `db-relation-changed`, `install`, `backup`. A custom
    /// event has no hook: its [`event_name`](Self::event_name).
    pub fn hook_name(&self, subject: Option<&str>) -> String {
        if self.scope() == Scope::Custom {
            return self.event_name(subject);
        }
        let name = self.name.replace('_', "-");
        match (self.scope(), subject) {
            (Scope::Action, Some(action)) => action.to_string(),
            (Scope::Endpoint | Scope::Storage | Scope::Container, Some(s)) => {
                format!("{s}-{name}")
            }
            _ => name,
        }
    }

    /// The event's name as `#[on(..)]` and `ops` spell it: dashes become underscores
    /// (`db_relation_changed`, `backup_action`; a component's `database::database_created`).
    pub fn event_name(&self, subject: Option<&str>) -> String {
        match (self.scope(), subject) {
            (Scope::Custom, Some(s)) => format!("{}::{}", s.replace('-', "_"), self.name),
            (Scope::Endpoint | Scope::Storage | Scope::Container | Scope::Action, Some(s)) => {
                format!("{}_{}", s.replace('-', "_"), self.name)
            }
            _ => self.name.to_string(),
        }
    }

    /// Whether `var` is one of the variables Juju sets for this event.
    pub fn carries(&self, var: &str) -> bool {
        self.env.iter().any(|v| v.name == var)
    }
}

/// The table: every event, one line each, grouped by how the hook is named.
///
/// Each line is `Variant name Kind Payload needs[..] may[..] Deferral;`:
/// - `Variant`: the event's variant of `charm_runtime::env::Hook` (or of `SecretHook`,
///   `RelationHook`, `StorageHook`, `WorkloadHook` for those sections);
/// - `name`: the name after the prefix, as `#[on(..)]` spells it ([`EventSpec::name`]);
/// - `Kind`: a [`Kind`], consistent with the section (checked when this crate compiles);
/// - `Payload`: the type a handler receives, in `charm_runtime::event`;
/// - `needs[..]` / `may[..]`: the variables Juju always / sometimes sets for it, beyond
///   [`COMMON`] (from `HookVars` in
///   <https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/context/context.go>);
/// - `Deferral`: a [`Deferral`].
///
/// Sections: `unit` (`hooks/<name>`), `secret` (`hooks/secret-*`), `relation`, `storage`,
/// `workload` (prefixed by the endpoint, storage or container), `action`, `framework`.
///
/// `juju_events!(my_macro)` calls `my_macro! { unit { .. } secret { .. } .. }` with the
/// table, so a consumer generates code from it. A consumer that needs one section matches
/// it and ignores the rest:
///
/// ```
/// macro_rules! unit_names {
///     (unit { $($v:ident $name:ident $k:ident $p:ident needs $n:tt may $m:tt $d:ident;)* }
///      $($rest:tt)*) => {
///         const UNIT_HOOKS: &[&str] = &[$(stringify!($name)),*];
///     };
/// }
/// charm_catalogue::juju_events!(unit_names);
/// assert!(UNIT_HOOKS.contains(&"leader_settings_changed"));
/// ```
#[macro_export]
macro_rules! juju_events {
    ($callback:ident) => {
        $callback! {
            unit {
                Install               install                 Lifecycle     Install               needs[] may[] Deferrable;
                Start                 start                   Lifecycle     Start                 needs[] may[] Deferrable;
                Stop                  stop                    Lifecycle     Stop                  needs[] may[] NotInOps;
                Remove                remove                  Lifecycle     Remove                needs[] may[] NotInOps;
                ConfigChanged         config_changed          Lifecycle     ConfigChanged         needs[] may[] Deferrable;
                UpgradeCharm          upgrade_charm           Lifecycle     UpgradeCharm          needs[] may[] Deferrable;
                UpdateStatus          update_status           Lifecycle     UpdateStatus          needs[] may[] Deferrable;
                LeaderElected         leader_elected          Leadership    LeaderElected         needs[] may[] Deferrable;
                LeaderSettingsChanged leader_settings_changed Leadership    LeaderSettingsChanged needs[] may[] Deferrable;
                PreSeriesUpgrade      pre_series_upgrade      SeriesUpgrade PreSeriesUpgrade      needs[] may[JUJU_TARGET_BASE] Deferrable;
                PostSeriesUpgrade     post_series_upgrade     SeriesUpgrade PostSeriesUpgrade     needs[] may[] Deferrable;
                CollectMetrics        collect_metrics         Metrics       CollectMetrics        needs[] may[] Restricted;
                MeterStatusChanged    meter_status_changed    Metrics       MeterStatusChanged    needs[] may[JUJU_METER_STATUS, JUJU_METER_INFO] Restricted;
            }
            secret {
                Changed  secret_changed  Secret SecretChanged needs[JUJU_SECRET_ID] may[JUJU_SECRET_LABEL, JUJU_SECRET_REVISION] Deferrable;
                Rotate   secret_rotate   Secret SecretRotate  needs[JUJU_SECRET_ID] may[JUJU_SECRET_LABEL, JUJU_SECRET_REVISION] NotInOps;
                Remove   secret_remove   Secret SecretRemove  needs[JUJU_SECRET_ID, JUJU_SECRET_REVISION] may[JUJU_SECRET_LABEL] Deferrable;
                Expired  secret_expired  Secret SecretExpired needs[JUJU_SECRET_ID, JUJU_SECRET_REVISION] may[JUJU_SECRET_LABEL] NotInOps;
            }
            relation {
                Created  relation_created  Relation RelationCreated  needs[JUJU_RELATION_ID] may[JUJU_RELATION, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP] Deferrable;
                Joined   relation_joined   Relation RelationJoined   needs[JUJU_RELATION_ID] may[JUJU_RELATION, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP] Deferrable;
                Changed  relation_changed  Relation RelationChanged  needs[JUJU_RELATION_ID] may[JUJU_RELATION, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP] Deferrable;
                Departed relation_departed Relation RelationDeparted needs[JUJU_RELATION_ID, JUJU_DEPARTING_UNIT] may[JUJU_RELATION, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP] Deferrable;
                Broken   relation_broken   Relation RelationBroken   needs[JUJU_RELATION_ID] may[JUJU_RELATION, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP] Deferrable;
            }
            storage {
                Attached  storage_attached  Storage StorageAttached  needs[JUJU_STORAGE_ID] may[JUJU_STORAGE_LOCATION] Deferrable;
                Detaching storage_detaching Storage StorageDetaching needs[JUJU_STORAGE_ID] may[JUJU_STORAGE_LOCATION] Deferrable;
            }
            workload {
                Ready          pebble_ready           Workload PebbleReady        needs[] may[JUJU_WORKLOAD_NAME] Deferrable;
                CustomNotice   pebble_custom_notice   Workload PebbleCustomNotice needs[JUJU_NOTICE_ID, JUJU_NOTICE_KEY] may[JUJU_WORKLOAD_NAME, JUJU_NOTICE_TYPE] Deferrable;
                CheckFailed    pebble_check_failed    Workload PebbleCheck        needs[JUJU_PEBBLE_CHECK_NAME] may[JUJU_WORKLOAD_NAME] Deferrable;
                CheckRecovered pebble_check_recovered Workload PebbleCheck        needs[JUJU_PEBBLE_CHECK_NAME] may[JUJU_WORKLOAD_NAME] Deferrable;
            }
            action {
                Action action Action ActionEvent needs[JUJU_ACTION_UUID] may[] NotInOps;
            }
            framework {
                CollectUnitStatus collect_unit_status Status CollectStatus needs[] may[] EveryHook;
                CollectAppStatus  collect_app_status  Status CollectStatus needs[] may[] EveryHook;
            }
        }
    };
}

/// The variables of every hook: what dispatch needs whatever the event.
pub const COMMON: &[EnvVar] = &[
    EnvVar {
        name: "JUJU_DISPATCH_PATH",
        required: true,
    },
    EnvVar {
        name: "JUJU_UNIT_NAME",
        required: true,
    },
    EnvVar {
        name: "JUJU_MODEL_NAME",
        required: false,
    },
    EnvVar {
        name: "JUJU_MODEL_UUID",
        required: false,
    },
    EnvVar {
        name: "JUJU_VERSION",
        required: false,
    },
    EnvVar {
        name: "JUJU_CHARM_DIR",
        required: false,
    },
    EnvVar {
        name: "JUJU_AVAILABILITY_ZONE",
        required: false,
    },
    EnvVar {
        name: "JUJU_MACHINE_ID",
        required: false,
    },
    EnvVar {
        name: "JUJU_PRINCIPAL_UNIT",
        required: false,
    },
];

macro_rules! env_vars {
    ([$($needs:ident),*] [$($may:ident),*]) => {
        &[
            $(EnvVar { name: stringify!($needs), required: true },)*
            $(EnvVar { name: stringify!($may), required: false },)*
        ]
    };
}

macro_rules! catalogue {
    ($(
        $section:ident {
            $($variant:ident $name:ident $kind:ident $payload:ident needs $needs:tt may $may:tt $deferral:ident;)*
        }
    )*) => {
        /// Every event, in the table's order.
        pub const EVENTS: &[EventSpec] = &[$($(
            EventSpec {
                name: stringify!($name),
                kind: Kind::$kind,
                payload: stringify!($payload),
                env: env_vars!($needs $may),
                deferral: Deferral::$deferral,
            },
        )*)*];
        // A line's kind must be named as its section is.
        $($(const _: () = assert!(section_fits(stringify!($section), Kind::$kind));)*)*
    };
}
juju_events!(catalogue);

const fn section_fits(section: &str, kind: Kind) -> bool {
    let scope = match section.as_bytes() {
        b"unit" | b"secret" => Scope::Unit,
        b"relation" => Scope::Endpoint,
        b"storage" => Scope::Storage,
        b"workload" => Scope::Container,
        b"action" => Scope::Action,
        _ => Scope::Framework,
    };
    scope as u8 == kind.scope() as u8
}

/// The event `name` of `scope` (`find(Scope::Endpoint, "relation_joined")`).
pub fn find(scope: Scope, name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|e| e.scope() == scope && e.name == name)
}

/// The event `name` of `scope`, in `const` context: a name the table does not have fails
/// the build (`const { event(Scope::Unit, "install") }`).
pub const fn event(scope: Scope, name: &str) -> &'static EventSpec {
    let mut i = 0;
    while i < EVENTS.len() {
        if EVENTS[i].kind.scope() as u8 == scope as u8 && str_eq(EVENTS[i].name, name) {
            return &EVENTS[i];
        }
        i += 1;
    }
    panic!("no such event in the catalogue")
}

/// Whether `hook` is `name` with its underscores spelled as dashes (`config-changed`).
fn dashed_eq(hook: &str, name: &str) -> bool {
    hook.len() == name.len()
        && hook
            .bytes()
            .zip(name.bytes())
            .all(|(h, n)| h == n && n != b'_' || h == b'-' && n == b'_')
}

/// The event of a hook name (the part after `hooks/`), and its subject: the endpoint,
/// storage or container the name starts with. `None` for a hook this table does not know.
///
/// ```
/// use charm_catalogue::parse_hook;
/// let (spec, container) = parse_hook("web-cache-pebble-check-failed").unwrap();
/// assert_eq!((spec.name, container), ("pebble_check_failed", Some("web-cache")));
/// assert_eq!(parse_hook("leader-settings-changed").unwrap().0.payload, "LeaderSettingsChanged");
/// assert!(parse_hook("config_changed").is_none()); // Juju spells it with dashes
/// assert!(parse_hook("-relation-joined").is_none()); // no endpoint
/// ```
pub fn parse_hook(hook: &str) -> Option<(&'static EventSpec, Option<&str>)> {
    EVENTS.iter().find_map(|spec| match spec.scope() {
        Scope::Unit => dashed_eq(hook, spec.name).then_some((spec, None)),
        Scope::Endpoint | Scope::Storage | Scope::Container => {
            let (subject, suffix) =
                hook.split_at_checked(hook.len().checked_sub(spec.name.len())?)?;
            let subject = subject.strip_suffix('-').filter(|s| !s.is_empty())?;
            dashed_eq(suffix, spec.name).then_some((spec, Some(subject)))
        }
        _ => None,
    })
}

/// Every variable Juju may set for any event: [`COMMON`], then those of [`EVENTS`] in
/// the table's order, each once.
pub const VARIABLES: &[&str] = &VARIABLE_ARRAY;

const VARIABLE_ARRAY: [&str; count_variables()] = variables();

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether variable `v` of list `e` (0: `COMMON`, then the events) appeared earlier.
const fn seen_before(e: usize, v: usize) -> bool {
    let name = var_list(e)[v].name;
    let mut pe = 0;
    while pe <= e {
        let earlier = var_list(pe);
        let end = if pe == e { v } else { earlier.len() };
        let mut pv = 0;
        while pv < end {
            if str_eq(earlier[pv].name, name) {
                return true;
            }
            pv += 1;
        }
        pe += 1;
    }
    false
}

/// The variables of list `e`: 0 is [`COMMON`], `e` the `e - 1`th event's.
const fn var_list(e: usize) -> &'static [EnvVar] {
    if e == 0 {
        COMMON
    } else {
        EVENTS[e - 1].env
    }
}

/// Fills `out` (when not empty) with the variables, each once; returns how many.
const fn collect_variables(out: &mut [&'static str]) -> usize {
    let (mut e, mut n) = (0, 0);
    while e <= EVENTS.len() {
        let mut v = 0;
        while v < var_list(e).len() {
            if !seen_before(e, v) {
                if !out.is_empty() {
                    out[n] = var_list(e)[v].name;
                }
                n += 1;
            }
            v += 1;
        }
        e += 1;
    }
    n
}

const fn count_variables() -> usize {
    collect_variables(&mut [])
}

const fn variables() -> [&'static str; count_variables()] {
    let mut out = [""; count_variables()];
    collect_variables(&mut out);
    out
}

/// Which events a name table for `charm-macros` lists.
#[derive(Clone, Copy)]
enum Table {
    /// [`Scope::Unit`] and [`Scope::Framework`]: the names `#[on(..)]` takes as they are.
    Unprefixed,
    /// One kind of prefixed events.
    Of(Kind),
}

impl Table {
    const fn lists(self, spec: &EventSpec) -> bool {
        match self {
            Table::Unprefixed => matches!(spec.scope(), Scope::Unit | Scope::Framework),
            Table::Of(kind) => spec.kind as u8 == kind as u8,
        }
    }

    const fn len(self) -> usize {
        let (mut i, mut n) = (0, 0);
        while i < EVENTS.len() {
            if self.lists(&EVENTS[i]) {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The listed events as (name without its first `strip` bytes, payload).
    const fn fill<const N: usize>(self, strip: usize) -> [(&'static str, &'static str); N] {
        let mut out = [("", ""); N];
        let (mut i, mut n) = (0, 0);
        while i < EVENTS.len() {
            if self.lists(&EVENTS[i]) {
                let (_, rest) = EVENTS[i].name.as_bytes().split_at(strip);
                let Ok(name) = core::str::from_utf8(rest) else {
                    panic!("a stripped prefix must end at a character boundary");
                };
                out[n] = (name, EVENTS[i].payload);
                n += 1;
            }
            i += 1;
        }
        out
    }
}

macro_rules! name_table {
    ($(#[$doc:meta])* $name:ident = $table:expr, strip $strip:literal) => {
        $(#[$doc])*
        pub const $name: &[(&str, &str)] = &{
            const N: usize = $table.len();
            $table.fill::<N>($strip.len())
        };
    };
}

name_table! {
    /// Events of [`Scope::Unit`] and [`Scope::Framework`] (the names `#[on(..)]` takes as
    /// they are), with their payload types, in the table's order.
    LIFECYCLE = Table::Unprefixed, strip ""
}
name_table! {
    /// Relation event kinds (`created` for `<endpoint>_relation_created`), with their types.
    RELATION_KINDS = Table::Of(Kind::Relation), strip "relation_"
}
name_table! {
    /// Storage event kinds (`storage_attached`), with their types.
    STORAGE_KINDS = Table::Of(Kind::Storage), strip ""
}
name_table! {
    /// Workload event kinds (`pebble_ready`), with their types.
    WORKLOAD_KINDS = Table::Of(Kind::Workload), strip ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_within_a_scope_and_parse_back() {
        for (i, a) in EVENTS.iter().enumerate() {
            for b in &EVENTS[i + 1..] {
                assert!(
                    a.scope() != b.scope() || a.name != b.name,
                    "{} twice",
                    a.name
                );
            }
            let subject = match a.scope() {
                Scope::Unit => None,
                Scope::Endpoint | Scope::Storage | Scope::Container => Some("my-thing"),
                Scope::Action | Scope::Framework | Scope::Custom => continue,
            };
            let hook = a.hook_name(subject);
            assert_eq!(parse_hook(&hook), Some((a, subject)), "{hook}");
        }
    }

    #[test]
    fn relation_names_start_with_the_stripped_prefix() {
        for (kind, payload) in RELATION_KINDS {
            let spec = find(Scope::Endpoint, &format!("relation_{kind}")).unwrap();
            assert_eq!(spec.payload, *payload);
        }
        assert_eq!(RELATION_KINDS.len(), 5);
        assert_eq!(STORAGE_KINDS[0], ("storage_attached", "StorageAttached"));
        assert_eq!(WORKLOAD_KINDS.len(), 4);
    }

    #[test]
    fn variables_are_listed_once_common_first() {
        assert_eq!(&VARIABLES[..2], ["JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME"]);
        for spec in EVENTS {
            for var in spec.env {
                assert_eq!(VARIABLES.iter().filter(|v| **v == var.name).count(), 1);
            }
        }
        assert!(VARIABLES.contains(&"JUJU_TARGET_BASE"));
    }

    #[test]
    fn restricted_hooks_are_the_metrics_ones() {
        for spec in EVENTS {
            assert_eq!(
                spec.restricted(),
                spec.kind == Kind::Metrics,
                "{}",
                spec.name
            );
            assert_eq!(
                spec.deferral.refusal().is_none(),
                spec.deferral == Deferral::Deferrable
            );
        }
    }
}
