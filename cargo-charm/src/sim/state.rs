//! The simulated model's data: applications, units, relations, secrets (the core's
//! [`juju_model::Secret`]s), and what each unit has seen of it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use juju_model::Secrets;
use serde_json::Value;

use crate::meta::CharmMeta;

use super::hook::Hook;
use super::{LogLine, Status};

/// A relation databag with a version that changes on every committed content change.
#[derive(Clone, Debug, Default)]
pub(crate) struct Bag {
    pub data: BTreeMap<String, String>,
    pub version: u64,
}

/// One side of a relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct End {
    pub app: String,
    pub endpoint: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Relation {
    pub id: u32,
    pub interface: String,
    /// Peer: one end. Regular: `[provider, requirer]`.
    pub ends: Vec<End>,
    pub app_bags: BTreeMap<String, Bag>,
    pub unit_bags: BTreeMap<String, Bag>,
    /// Units that have entered scope (and not left it).
    pub scope: BTreeSet<String>,
    pub dying: bool,
}

impl Relation {
    /// Create `unit`'s bag with the addresses Juju puts there on scope entry.
    pub fn preseed(&mut self, unit: &str, address: &str) {
        let bag = self.unit_bags.entry(unit.to_string()).or_default();
        for (k, v) in [
            ("private-address", address.to_string()),
            ("ingress-address", address.to_string()),
            ("egress-subnets", format!("{address}/32")),
        ] {
            bag.data.entry(k.to_string()).or_insert(v);
        }
        bag.version = bag.version.max(1);
    }

    pub fn is_peer(&self) -> bool {
        self.ends.len() == 1
    }
    pub fn endpoint_of(&self, app: &str) -> Option<&str> {
        self.ends
            .iter()
            .find(|e| e.app == app)
            .map(|e| e.endpoint.as_str())
    }
    /// The other application (own application for a peer relation).
    pub fn remote_app<'s>(&'s self, app: &'s str) -> &'s str {
        self.ends
            .iter()
            .find(|e| e.app != app)
            .map(|e| e.app.as_str())
            .unwrap_or(app)
    }
    /// Juju's relation key: `requirer:ep provider:ep`, or `app:ep` for peers.
    pub fn key(&self) -> String {
        self.ends
            .iter()
            .rev()
            .map(|e| format!("{}:{}", e.app, e.endpoint))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A unit's own view of one relation (what its committed hooks told it).
#[derive(Clone, Debug, Default)]
pub(crate) struct RelLocal {
    pub created: bool,
    /// Remote units whose `joined` committed, with the bag version last seen.
    pub members: BTreeMap<String, u64>,
    /// App bag versions last seen, per remote app.
    pub app_seen: BTreeMap<String, u64>,
    pub changed_pending: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct FailedHook {
    pub hook: Hook,
    pub attempts: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub name: String,
    pub app: String,
    pub machine: u32,
    pub address: String,
    pub dir: PathBuf,
    pub workload: Status,
    pub installed: bool,
    pub started: bool,
    pub stopped: bool,
    pub dying: bool,
    pub leader_seen: bool,
    pub config_seen: u64,
    pub upgrade_pending: bool,
    pub update_status_pending: bool,
    /// Storage instances attached to the unit (a real directory each).
    pub storage: Vec<StorageAttachment>,
    /// Workload hooks to run, in order (`pebble-ready`, notices, checks), once the unit
    /// has started.
    pub workload_events: VecDeque<Hook>,
    pub rels: BTreeMap<u32, RelLocal>,
    pub failed: Option<FailedHook>,
    pub state: BTreeMap<String, String>,
    /// Opened ports, by endpoint (`""`: every endpoint).
    pub ports: juju_model::OpenedPorts,
    /// Storage instances asked for with `storage-add`, by storage name (the simulator
    /// records them; it attaches no storage).
    pub storage_added: BTreeMap<String, u64>,
    /// Reboots asked for with `juju-reboot`.
    pub reboots: u32,
    pub logs: Vec<LogLine>,
}

/// A storage instance attached to a unit.
#[derive(Clone, Debug)]
pub(crate) struct StorageAttachment {
    /// `data/0`: the storage name and a model-wide number.
    pub id: String,
    /// `filesystem` or `block`.
    pub kind: String,
    /// The directory on the host (what `storage-get location` answers).
    pub location: PathBuf,
    /// Whether its `-storage-attached` hook committed.
    pub attached: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct App {
    pub charm_dir: PathBuf,
    pub meta: CharmMeta,
    /// User-set config (typed); defaults come from `meta`.
    pub config: BTreeMap<String, Value>,
    pub config_version: u64,
    pub status: Option<Status>,
    pub version: String,
    pub leader: Option<String>,
    pub next_unit: u32,
    pub dying: bool,
    /// Resource files, by resource name (`resource-get` answers with the path).
    pub resources: BTreeMap<String, PathBuf>,
    /// Whether the application is trusted (`juju trust`): `credential-get` answers.
    pub trusted: bool,
}

impl App {
    /// Effective config: defaults overlaid with user-set values; options without a value omitted.
    pub fn effective_config(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for (k, opt) in &self.meta.config {
            if let Some(d) = &opt.default {
                out.insert(k.clone(), d.clone());
            }
        }
        // A null value resets the option to its default (Juju deletes the setting:
        // `UpdateCharmConfig`).
        for (k, v) in self.config.iter().filter(|(_, v)| !v.is_null()) {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// Everything the hook tools can see.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub name: String,
    pub uuid: String,
    pub apps: BTreeMap<String, App>,
    pub units: BTreeMap<String, Unit>,
    pub relations: BTreeMap<u32, Relation>,
    pub secrets: Secrets,
    pub next_relation: u32,
    pub next_machine: u32,
    pub rng: u64,
}

/// Juju's natural order of unit names (`db/2` before `db/10`).
pub(crate) use juju_model::names::unit_order as cmp_units;

pub(crate) fn sort_units(v: &mut [String]) {
    v.sort_by(|a, b| cmp_units(a, b));
}

impl State {
    /// Whether `unit` is the leader of its application.
    pub fn is_leader(&self, unit: &str) -> bool {
        self.units
            .get(unit)
            .and_then(|u| self.apps.get(&u.app))
            .and_then(|a| a.leader.as_deref())
            == Some(unit)
    }

    pub fn secret_uri(&self, xid: &str) -> String {
        juju_model::names::secret_uri(&self.uuid, xid)
    }
}

/// splitmix64: deterministic per model, so runs are reproducible.
pub(crate) fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A new secret xid: 20 characters of `[0-9a-v]`.
pub(crate) fn new_xid(seed: &mut u64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::with_capacity(20);
    let mut bits = splitmix(seed);
    for i in 0..20 {
        if i == 12 {
            bits = splitmix(seed);
        }
        out.push(ALPHABET[(bits & if i == 19 { 16 } else { 31 }) as usize] as char);
        bits >>= 5;
    }
    out
}
