//! Hostile related applications: arbitrary databags (text, JSON of any shape, huge values,
//! secret ids of the wrong relation) and application names, fed to the example charms'
//! handlers (`webapp`, `database`, `mailserver`) through the testing backend.
//!
//! Checked on every run:
//! - no panic (a handler's panic is caught by the dispatch: its message says so);
//! - data from *another* application never fails the hook: the charm turns it into a
//!   status (only the charm's own peer data may fail it);
//! - a failed hook fails with a clear error (one printable, bounded message naming the
//!   hook) and commits nothing: no charm state, no bag, no config file;
//! - webapp's config file, when written, has exactly its own `key=value` lines: nothing
//!   from a bag adds a line.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use charm_runtime::testing::{self as scenario, Bag, Event, PeerRelation, Relation, Secret, State};
use charm_runtime::{SecretContent, SecretId};
use libfuzzer_sys::fuzz_target;

/// The ids of the two secrets granted to the unit (by the `db` and the `smtp` provider:
/// which relation brought an id is what the charm learns from the bags).
const SECRET_IDS: [&str; 2] = ["secret:cjhg2ok5jrbc769e4mk0", "secret:cjhg2ok5jrbc769e4mkg"];

/// Keys the example charms read, so that the fuzzer reaches their parsing quickly.
const KEYS: &[&str] = &[
    "database",
    "credentials",
    "endpoints",
    "host",
    "user-webapp-0",
    "ready",
    "databases",
    "username",
    "password",
    "ingress-address",
];

#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Any(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Known(i) => KEYS[*i as usize % KEYS.len()].to_string(),
            Key::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Value {
    Text(String),
    /// A secret id of the state (granted on `db` or on `smtp`).
    Secret(bool),
    /// A secret id in Juju's long form, or one that does not exist.
    OtherSecret(bool),
    /// A JSON value of some shape.
    Json(Json),
    /// `unit` repeated `times` times (up to 256 KiB).
    Huge(String, u16),
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Int(i64),
    Str(String),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Secret(smtp) => SECRET_IDS[*smtp as usize].to_string(),
            Value::OtherSecret(true) => format!(
                "secret://4b1b2b0c-7e4a-4c9e-9d1f-3a2b1c0d9e8f/{}",
                &SECRET_IDS[0]["secret:".len()..]
            ),
            Value::OtherSecret(false) => "secret:cjhg2ok5jrbc769e4mz0".into(),
            Value::Json(json) => {
                let value = match json {
                    Json::Null => serde_json::Value::Null,
                    Json::Bool(b) => (*b).into(),
                    Json::Number(f) => serde_json::Number::from_f64(*f)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number),
                    Json::Int(i) => (*i).into(),
                    Json::Str(s) => s.clone().into(),
                    Json::List(l) => l.clone().into(),
                    Json::Map(m) => serde_json::to_value(m).unwrap_or_default(),
                };
                value.to_string()
            }
            Value::Huge(unit, times) => {
                let unit = if unit.is_empty() { "x" } else { unit.as_str() };
                let times = (*times as usize).min((256 * 1024) / unit.len().max(1));
                unit.repeat(times)
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    charm: Charm,
    event: u8,
    leader: bool,
    /// The name of the related application.
    remote_app: Option<String>,
    app_bag: Vec<(Key, Value)>,
    unit_bags: Vec<Vec<(Key, Value)>>,
    /// The charm's own peer data: the only data that may fail a hook.
    peer_app_bag: Vec<(Key, Value)>,
    peer_unit_bag: Vec<(Key, Value)>,
    /// The content of the two granted secrets.
    secrets: [Vec<(Key, Value)>; 2],
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Charm {
    Webapp,
    Database,
    Mailserver,
}

fn bag(pairs: &[(Key, Value)]) -> Bag {
    scenario::bag(pairs.iter().map(|(k, v)| (k.text(), v.text())))
}

fn content(pairs: &[(Key, Value)]) -> SecretContent {
    pairs
        .iter()
        .fold(SecretContent::new(), |c, (k, v)| c.with(k.text(), v.text()))
}

/// The relation on `endpoint` with the hostile remote application and up to 3 units.
fn remote(endpoint: &str, id: u32, input: &Input) -> Relation {
    let mut relation = Relation::new(endpoint)
        .id(id)
        .remote_app_data(bag(&input.app_bag));
    // Any name Juju gives an application (others never reach a charm).
    if let Some(name) = input.remote_app.as_ref().filter(|n| is_application_name(n)) {
        relation = relation.remote_app_name(name.clone());
    }
    for (n, unit) in input.unit_bags.iter().take(3).enumerate() {
        relation = relation.remote_unit(n as u32, bag(unit));
    }
    if input.unit_bags.is_empty() {
        relation = relation.remote_unit(0, Bag::new());
    }
    relation
}

/// Juju's application names: `[a-z][a-z0-9]*`, then `-` parts each with a letter
/// (`validApplication` in juju/names' `application.go`).
fn is_application_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or_default();
    let alnum = |p: &str| p.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && alnum(first)
        && parts.all(|p| alnum(p) && p.bytes().any(|c| c.is_ascii_lowercase()))
}

/// The state and the event of one run, for `charm`.
fn scenario_of(input: &Input) -> (State, Event, bool) {
    let peers = PeerRelation::new("replicas")
        .id(9)
        .local_app_data(bag(&input.peer_app_bag))
        .peer_unit(1, bag(&input.peer_unit_bag));
    // Mailserver has no peers; the others' peer data is their own.
    let has_peers = !matches!(input.charm, Charm::Mailserver);
    let own_data = has_peers && (!input.peer_app_bag.is_empty() || !input.peer_unit_bag.is_empty());
    let secret = |i: usize| {
        Secret::new(content(&input.secrets[i])).id(SecretId::parse(SECRET_IDS[i]).unwrap())
    };
    let mut state = State::new().leader(input.leader);
    if has_peers {
        state = state.relation(peers.clone());
    }
    let e = input.event;
    let event = match input.charm {
        Charm::Webapp => {
            let db = remote("db", 3, input);
            let smtp = remote("smtp", 4, input);
            state = state
                .relation(db.clone())
                .relation(smtp.clone())
                .secret(secret(0))
                .secret(secret(1));
            match e % 6 {
                0 => Event::config_changed(),
                1 => Event::relation_changed(&db),
                2 => Event::relation_changed_unit(&smtp, 0),
                3 => Event::relation_departed(&smtp, 0),
                4 => Event::relation_changed_unit(&peers, 1),
                _ => Event::secret_changed(&secret(0)),
            }
        }
        Charm::Database => {
            let db = remote("db", 3, input);
            state = state.relation(db.clone());
            match e % 5 {
                0 => Event::relation_created(&db),
                1 => Event::relation_broken(&db),
                2 => Event::relation_changed_unit(&peers, 1),
                3 => Event::leader_elected(),
                _ => Event::config_changed(),
            }
        }
        Charm::Mailserver => {
            let smtp = remote("smtp", 4, input);
            state = state.relation(smtp.clone());
            match e % 3 {
                0 => Event::relation_joined(&smtp, 0),
                1 => Event::relation_departed(&smtp, 0),
                _ => Event::config_changed(),
            }
        }
    };
    (state, event, own_data)
}

/// One charm directory per fuzzing process, emptied before each run.
fn charm_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

fn empty(dir: &Path) {
    for entry in std::fs::read_dir(dir)
        .expect("the charm directory")
        .flatten()
    {
        let path = entry.path();
        let _ = std::fs::remove_file(&path).or_else(|_| std::fs::remove_dir_all(&path));
    }
}

fn run<C: charm_runtime::Charm + Default>(state: State, event: Event) -> Option<scenario::Output> {
    let ctx = scenario::Context::<C>::new().charm_dir(charm_dir());
    // A state Juju could not produce (a name Juju refuses) is not a test of the charm.
    ctx.run(event, state)
        .inspect_err(|e| stat(&format!("inconsistent: {e}")))
        .ok()
}

/// With `REMOTE_BAGS_STATS` set, one line per run on stderr saying how it ended: replay
/// a corpus with it (`-runs=0`) to see how much of it reaches the handlers.
fn stat(outcome: &str) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("REMOTE_BAGS_STATS").is_some()) {
        let line: String = outcome.chars().take(160).collect();
        eprintln!("remote_bags: {line:?}");
    }
}

/// What the hook left on disk: webapp's file, if any.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("the charm directory")
        .flatten()
        .filter(|e| e.file_name() != ".charm-rs-deferred")
        .map(|e| {
            let content = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), content)
        })
        .collect();
    files.sort();
    files
}

const CONFIG_KEYS: &[&str] = &[
    "database",
    "username",
    "password",
    "smtp_host",
    "smtp_username",
    "smtp_password",
];

fuzz_target!(|input: Input| {
    let dir = charm_dir();
    empty(dir);
    let (state, event, own_data) = scenario_of(&input);
    let before = state.clone();
    let hook = event.name();
    let out = match input.charm {
        Charm::Webapp => run::<webapp::Webapp>(state, event),
        Charm::Database => run::<database::Database>(state, event),
        Charm::Mailserver => run::<mailserver::Mailserver>(state, event),
    };
    let Some(out) = out else { return };
    if let Some(error) = &out.error {
        assert!(
            !error.contains("panicked"),
            "{hook}: a handler panicked: {error}"
        );
        assert!(
            own_data,
            "{hook}: data from another application failed the hook: {error}\n{}",
            out.log_text()
        );
        assert_ne!(out.exit_code, 0, "{error}");
        assert!(
            !error.is_empty() && error.len() <= 64 * 1024,
            "{}",
            error.len()
        );
        assert!(!error.contains(['\n', '\0', '\u{1b}']), "{hook}: {error:?}");
        // Nothing committed: the state as it was (statuses aside), no file written.
        assert_eq!(out.state.relations, before.relations, "{hook}: {error}");
        assert_eq!(out.state.charm_state, before.charm_state, "{hook}: {error}");
        assert_eq!(files(dir), [], "{hook}: {error}");
        stat(&format!("failed on own data: {hook}"));
        return;
    }
    assert_eq!(out.exit_code, 0);
    let status = &out.state.unit_status;
    stat(&format!("ok: {hook} {:?}: {status:?}", input.charm));
    if let Some((_, conf)) = files(dir).iter().find(|(name, _)| name == "webapp.conf") {
        stat("wrote webapp.conf");
        let text = std::str::from_utf8(conf).expect("the config file is UTF-8");
        let mut seen = Vec::new();
        for line in text.lines() {
            let (key, _) = line.split_once('=').unwrap_or_else(|| panic!("{text:?}"));
            assert!(CONFIG_KEYS.contains(&key), "{hook}: injected line {line:?}");
            assert!(!seen.contains(&key), "{hook}: {key} twice in {text:?}");
            seen.push(key);
        }
        assert!(!text.contains('\r') && !text.contains('\0'), "{text:?}");
    }
});
