//! One table of Juju's hook-tool rules, run through both adapters of `juju-model`: the
//! in-memory backend (`testing::MemoryTools`, typed calls, in-process) and the
//! simulator's tool server (the same calls as the argv production sends,
//! `charm_runtime::backend::argv`, answered by a `sim::HookSession`, the output parsed by
//! production's parsers). Both paths must return the same values, refuse with the same
//! exit code and Juju text, and leave the same state when the hook commits or fails.
//!
//! The model: `webapp` (2 units, peer relation `replicas`) requires `db` from `database`
//! (2 units). The simulator's model is built and filled through hook sessions; the
//! in-memory backend gets the same model as a Scenario state, snapshotted from the
//! simulator for the unit under test.

use std::collections::BTreeMap;

use cargo_charm::sim::{Config, HookSession, Model};
use charm_runtime::backend::{argv, output, HookTools};
use charm_runtime::network::Network;
use charm_runtime::port::Port;
use charm_runtime::secret::{NewSecret, SecretOwner as Owner, SecretRead};
use charm_runtime::testing::{self as scenario, Event, MemoryTools, Relation, Secret};
use charm_runtime::testing::{SecretOwner, State};
use charm_runtime::{Charm, RelationId, SecretContent, SecretId, Status, StatusKind};

mod charm {
    use charm_runtime::prelude::*;

    #[derive(Charm, Default)]
    #[charm(
        name = "webapp",
        summary = "A web app",
        description = "Rules under test."
    )]
    #[requires(db(interface = "pg"))]
    #[peers(replicas(interface = "webapp_peers"))]
    #[config(WebappConfig)]
    pub struct Webapp;

    /// One option of each of Juju's types (the test reads them through `config-get`).
    #[derive(CharmConfig, Debug)]
    #[allow(dead_code)]
    pub struct WebappConfig {
        /// An int with a default.
        #[option(default = 80)]
        pub port: i64,
        /// A float.
        pub ratio: Option<f64>,
        /// A boolean.
        pub debug: Option<bool>,
        /// A string.
        pub name: Option<String>,
        /// A secret.
        pub token: Option<SecretId>,
    }
}

const DATABASE: &str =
    "name: database\nsummary: s\ndescription: d\nprovides:\n  db:\n    interface: pg\n";

/// Which relation a call is about.
#[derive(Clone, Copy, Debug)]
enum Rel {
    Db,
    Peers,
    /// A relation id the unit is not in.
    Missing,
}

/// A secret of the model, by the name the set-up gave it, or one the model never had.
type Sec = &'static str;

/// Pairs for a bag or a secret's content.
type Kv = &'static [(&'static str, &'static str)];

/// One hook-tool call, as the charm's backend makes it.
#[derive(Clone, Copy, Debug)]
enum Call {
    IsLeader,
    ConfigGet,
    RelationIds(&'static str),
    RelationList(Rel),
    RemoteApp(Rel),
    RelationGet(Rel, &'static str, bool),
    RelationSet(Rel, bool, Kv),
    StatusSet(bool, StatusKind, &'static str),
    StatusGet(bool),
    SecretAdd(Owner, Option<&'static str>, Kv),
    SecretGet(Option<Sec>, Option<&'static str>, SecretRead),
    SecretInfo(Option<Sec>, Option<&'static str>),
    SecretSet(Sec, Kv, Option<&'static str>),
    SecretGrant(Sec, Rel, Option<&'static str>),
    SecretRevoke(Sec, Rel, Option<&'static str>),
    SecretRemove(Sec, Option<u64>),
    StateGet,
    StateSet(Kv),
    StateDelete(&'static str),
    ActionGet,
    ActionSet(Kv),
    StorageList(&'static str),
    OpenPort(Port, &'static [&'static str]),
    ClosePort(Port),
    OpenedPorts,
    NetworkGet(&'static str, Option<Rel>),
    GoalState,
    ResourceGet(&'static str),
    CredentialGet,
    JujuReboot(bool),
    StorageAdd(&'static str, u32),
    RelationModelGet(Rel),
    SecretIds,
}

/// The hook the calls run in.
#[derive(Clone, Copy, Debug)]
enum H {
    UpdateStatus,
    Created(Rel),
    Joined(Rel, u32),
    Changed(Rel, u32),
    Departed(Rel, u32),
    Broken(Rel),
    /// A hook of Juju's restricted context: `collect-metrics`, `meter-status-changed`.
    Restricted(&'static str),
}

/// What a call returned (its value, shown) or how it failed (exit code, Juju's message).
type Outcome = Result<String, (i32, String)>;

fn bag(kv: Kv) -> BTreeMap<String, String> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn content(kv: Kv) -> SecretContent {
    kv.iter()
        .fold(SecretContent::new(), |c, (k, v)| c.with(*k, *v))
}

fn shown(c: &SecretContent) -> String {
    format!("{:?}", c.iter().collect::<BTreeMap<&str, &str>>())
}

/// The model under test, and what its set-up named.
struct World {
    model: Model,
    ids: Ids,
}

/// The relations and secrets the set-up made, and a directory for secret content files.
struct Ids {
    db: u32,
    peers: u32,
    secrets: BTreeMap<&'static str, SecretId>,
    dir: tempfile::TempDir,
}

impl Ids {
    fn rel(&self, r: Rel) -> RelationId {
        RelationId::new(match r {
            Rel::Db => self.db,
            Rel::Peers => self.peers,
            Rel::Missing => 99,
        })
    }

    fn secret(&self, name: Sec) -> SecretId {
        match self.secrets.get(name) {
            Some(id) => id.clone(),
            None => SecretId::parse("secret:aaaaaaaaaaaaaaaaaaa0").unwrap(),
        }
    }
}

/// Runs `args` in `session`, which must succeed; its stdout.
fn ok(session: &mut HookSession, args: &[&str], stdin: Option<&str>) -> String {
    let call = session.run(args, stdin);
    assert_eq!(call.exit_code, 0, "{args:?}: {}", call.stderr);
    call.stdout.trim().to_string()
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (webapp, database) = (dir.path().join("webapp"), dir.path().join("database"));
    std::fs::create_dir_all(&webapp).unwrap();
    std::fs::create_dir_all(&database).unwrap();
    let yaml = charm::Webapp::metadata().charmcraft_yaml();
    std::fs::write(webapp.join("charmcraft.yaml"), yaml).unwrap();
    std::fs::write(database.join("metadata.yaml"), DATABASE).unwrap();
    // Neither charm has a dispatch: every hook is skipped, the model settles at once.
    let mut m = Model::new("rules").unwrap();
    m.deploy("webapp", &webapp, 2, Config::new()).unwrap();
    m.deploy("database", &database, 2, Config::new()).unwrap();
    let db = m.integrate("webapp:db", "database:db").unwrap();
    m.settle().unwrap();
    let peers = m.relations().iter().find(|r| r.peer).unwrap().id;
    let mut w = World {
        model: m,
        ids: Ids {
            db,
            peers,
            secrets: BTreeMap::new(),
            dir,
        },
    };
    fill(&mut w);
    w
}

/// Relation data, secrets (owned, granted to the application or to one unit, not
/// granted, labelled by a consumer, with a second revision) and charm state.
fn fill(w: &mut World) {
    let (db, peers) = (w.ids.db.to_string(), w.ids.peers.to_string());
    let m = &mut w.model;
    let mut ids = BTreeMap::new();
    let mut s = m
        .hook_session("database/0", "update-status", None, None)
        .unwrap();
    ok(
        &mut s,
        &["relation-set", "-r", &db, "--app", "host=db0", "port=5432"],
        None,
    );
    ok(&mut s, &["relation-set", "-r", &db, "ready=true"], None);
    for (name, kv) in [
        ("creds", "password=s3cret"),
        ("private", "key=value"),
        ("for-one", "token=t1"),
    ] {
        ids.insert(name, ok(&mut s, &["secret-add", "--label", name, kv], None));
    }
    ok(
        &mut s,
        &["secret-grant", "--relation", &db, &ids["creds"]],
        None,
    );
    ok(
        &mut s,
        &[
            "secret-grant",
            "-r",
            &db,
            "--unit",
            "webapp/1",
            &ids["for-one"],
        ],
        None,
    );
    s.finish(0);
    let mut s = m
        .hook_session("database/1", "update-status", None, None)
        .unwrap();
    ok(&mut s, &["relation-set", "-r", &db, "ready=false"], None);
    s.finish(0);
    let mut s = m
        .hook_session("webapp/0", "update-status", None, None)
        .unwrap();
    ok(
        &mut s,
        &["relation-set", "-r", &db, "--app", "url=http://webapp"],
        None,
    );
    ok(
        &mut s,
        &["relation-set", "-r", &peers, "--app", "members=2"],
        None,
    );
    ok(&mut s, &["relation-set", "-r", &peers, "seen=0"], None);
    ids.insert(
        "app-secret",
        ok(
            &mut s,
            &["secret-add", "--label", "app-secret", "api=k1"],
            None,
        ),
    );
    ids.insert(
        "mine0",
        ok(
            &mut s,
            &[
                "secret-add",
                "--owner",
                "unit",
                "--label",
                "mine",
                "token=m0",
            ],
            None,
        ),
    );
    ok(
        &mut s,
        &["state-set", "--file", "-"],
        Some("{\"count\": \"1\"}"),
    );
    s.finish(0);
    let mut s = m
        .hook_session("webapp/1", "update-status", None, None)
        .unwrap();
    ok(&mut s, &["relation-set", "-r", &peers, "seen=1"], None);
    ids.insert(
        "mine1",
        ok(
            &mut s,
            &[
                "secret-add",
                "--owner",
                "unit",
                "--label",
                "mine",
                "token=m1",
            ],
            None,
        ),
    );
    ok(
        &mut s,
        &["secret-get", &ids["creds"], "--label", "dbcreds"],
        None,
    );
    s.finish(0);
    let mut s = m
        .hook_session("database/0", "update-status", None, None)
        .unwrap();
    ok(
        &mut s,
        &["secret-set", &ids["creds"], "password=rotated"],
        None,
    );
    s.finish(0);
    w.ids.secrets = ids
        .into_iter()
        .map(|(k, v)| (k, SecretId::parse(&v).unwrap()))
        .collect();
}

/// The simulator's model as `unit` of `webapp` sees it, as a Scenario state.
fn snapshot(m: &Model, unit: &str) -> State {
    let leader = m.leader("webapp").as_deref() == Some(unit);
    let unit_id: u32 = unit.rsplit('/').next().unwrap().parse().unwrap();
    let mut state = State::new()
        .leader(leader)
        .unit_id(unit_id)
        .model_name(m.name());
    state.model_uuid = m.uuid().to_string();
    for r in m.relations() {
        let peer = r.peer;
        let remote = if peer { "webapp" } else { "database" };
        let mut rel = if peer {
            Relation::peer("replicas")
        } else {
            Relation::new("db").remote_app_name(remote)
        }
        .id(r.id);
        rel.local_unit_data = m.relation_data(r.id, unit).unwrap();
        if leader || peer {
            rel.local_app_data = m.relation_data(r.id, "webapp").unwrap();
        }
        if !peer {
            rel.remote_app_data = m.relation_data(r.id, remote).unwrap();
        }
        for u in m.relation_units(r.id).unwrap() {
            if u != unit && u.starts_with(&format!("{remote}/")) {
                let n = u.rsplit('/').next().unwrap().parse().unwrap();
                rel.remote_units_data
                    .insert(n, m.relation_data(r.id, &u).unwrap());
            }
        }
        state.relations.push(rel);
    }
    for s in m.secrets() {
        let revisions = s
            .revisions
            .iter()
            .map(|(r, c)| {
                (
                    u64::from(*r),
                    c.iter()
                        .fold(SecretContent::new(), |x, (k, v)| x.with(k, v)),
                )
            })
            .collect();
        let mut secret = Secret::new(SecretContent::new()).id(SecretId::parse(&s.uri).unwrap());
        secret.revisions = revisions;
        if s.owner == "webapp" || s.owner == unit {
            secret.owner = if s.owner == unit {
                SecretOwner::Unit
            } else {
                SecretOwner::App
            };
            secret.label = s.label.clone();
            for (rel, to) in &s.grants {
                secret
                    .grants
                    .entry(RelationId::new(*rel))
                    .or_default()
                    .insert(to.clone());
            }
        } else {
            let consumer = s.consumers.get(unit);
            secret.granted = s.grants.iter().any(|(_, to)| to == "webapp" || to == unit);
            secret.label = consumer.and_then(|c| c.0.clone());
            secret.tracked_revision = consumer
                .map(|c| u64::from(c.1))
                .unwrap_or(u64::from(s.revision));
        }
        state.secrets.push(secret);
    }
    state.charm_state = m.unit_state(unit).unwrap();
    state.opened_ports = m
        .opened_ports(unit)
        .unwrap()
        .iter()
        .map(|p| p.parse::<Port>().unwrap())
        .collect();
    // The simulator's address for the unit, on each binding.
    let network = Network::single(&m.unit_address(unit).unwrap());
    for binding in ["db", "replicas", "juju-info"] {
        state.networks.insert(binding.to_string(), network.clone());
    }
    let status = m.workload_status(unit).unwrap();
    state.unit_status = Status::new(StatusKind::parse(&status.status).unwrap(), status.message);
    state
}

fn event(state: &State, h: H, w: &Ids) -> Event {
    let rel = |r: Rel| state.get_relation(w.rel(r)).unwrap().clone();
    match h {
        H::UpdateStatus => Event::update_status(),
        H::Created(r) => Event::relation_created(&rel(r)),
        H::Joined(r, n) => Event::relation_joined(&rel(r), n),
        H::Changed(r, n) => Event::relation_changed_unit(&rel(r), n),
        H::Departed(r, n) => Event::relation_departed(&rel(r), n),
        H::Broken(r) => Event::relation_broken(&rel(r)),
        H::Restricted(name) => Event::hook(name),
    }
}

/// The hook name, relation and remote unit of `h`, for a simulator session.
fn sim_hook(h: H, w: &Ids) -> (String, Option<u32>, Option<String>) {
    let of = |r: Rel| match r {
        Rel::Peers => ("replicas", "webapp"),
        _ => ("db", "database"),
    };
    let rel = |r: Rel, kind: &str, n: Option<u32>| {
        let (ep, app) = of(r);
        let remote = n.map(|n| format!("{app}/{n}"));
        (
            format!("{ep}-relation-{kind}"),
            Some(w.rel(r).number()),
            remote,
        )
    };
    match h {
        H::UpdateStatus => ("update-status".into(), None, None),
        H::Created(r) => rel(r, "created", None),
        H::Joined(r, n) => rel(r, "joined", Some(n)),
        H::Changed(r, n) => rel(r, "changed", Some(n)),
        H::Departed(r, n) => rel(r, "departed", Some(n)),
        H::Broken(r) => rel(r, "broken", None),
        H::Restricted(name) => (name.into(), None, None),
    }
}

/// `call` on the in-memory backend: its value, shown (a failure is read from the
/// backend's record of refused calls afterwards).
fn on_memory(t: &MemoryTools, w: &Ids, call: Call) -> Result<String, ()> {
    let show = |v: &dyn std::fmt::Debug| format!("{v:?}");
    let r = match call {
        Call::IsLeader => t.is_leader().map(|v| show(&v)),
        Call::ConfigGet => t.config_get().map(|v| show(&v)),
        Call::RelationIds(ep) => t.relation_ids(ep).map(|v| show(&v)),
        Call::RelationList(r) => t.relation_list(w.rel(r)).map(|v| show(&v)),
        Call::RemoteApp(r) => t.relation_remote_app(w.rel(r)).map(|v| show(&v)),
        Call::RelationGet(r, owner, app) => t.relation_get(w.rel(r), owner, app).map(|v| show(&v)),
        Call::RelationSet(r, app, kv) => t.relation_set(w.rel(r), app, &bag(kv)).map(|v| show(&v)),
        Call::StatusSet(app, kind, msg) => {
            t.status_set(app, &Status::new(kind, msg)).map(|v| show(&v))
        }
        Call::StatusGet(app) => t.status_get(app).map(|v| show(&v)),
        Call::SecretAdd(owner, label, kv) => t
            .secret_add(&NewSecret {
                content: content(kv),
                owner,
                label: label.map(str::to_string),
                description: None,
                expire: None,
                rotate: None,
            })
            .map(|_| "added".to_string()),
        Call::SecretGet(id, label, read) => t
            .secret_get(id.map(|s| w.secret(s)).as_ref(), label, read)
            .map(|c| shown(&c)),
        Call::SecretInfo(id, label) => t
            .secret_info_get(id.map(|s| w.secret(s)).as_ref(), label)
            .map(|v| show(&v)),
        Call::SecretSet(id, kv, label) => {
            let c = (!kv.is_empty()).then(|| content(kv));
            t.secret_set(&w.secret(id), c.as_ref(), label)
                .map(|v| show(&v))
        }
        Call::SecretGrant(id, r, unit) => t
            .secret_grant(&w.secret(id), w.rel(r), unit)
            .map(|v| show(&v)),
        Call::SecretRevoke(id, r, unit) => t
            .secret_revoke(&w.secret(id), w.rel(r), unit)
            .map(|v| show(&v)),
        Call::SecretRemove(id, rev) => t.secret_remove(&w.secret(id), rev).map(|v| show(&v)),
        Call::StateGet => t.state_get().map(|v| show(&v)),
        Call::StateSet(kv) => t.state_set(&bag(kv)).map(|v| show(&v)),
        Call::StateDelete(k) => t.state_delete(k).map(|v| show(&v)),
        Call::ActionGet => t.action_get().map(|v| show(&v)),
        Call::ActionSet(kv) => t.action_set(&bag(kv)).map(|v| show(&v)),
        Call::StorageList(name) => t.storage_list(name).map(|v| show(&v)),
        Call::OpenPort(p, eps) => t.open_port(&p, eps).map(|v| show(&v)),
        Call::ClosePort(p) => t.close_port(&p, &[]).map(|v| show(&v)),
        Call::OpenedPorts => t.opened_ports().map(|v| show(&v)),
        Call::NetworkGet(b, r) => t.network_get(b, r.map(|r| w.rel(r))).map(|v| show(&v)),
        Call::GoalState => t.goal_state().map(|v| show(&v)),
        Call::ResourceGet(n) => t.resource_get(n).map(|v| show(&v)),
        Call::CredentialGet => t.credential_get().map(|v| show(&v)),
        Call::JujuReboot(now) => t.juju_reboot(now).map(|v| show(&v)),
        Call::StorageAdd(n, c) => t.storage_add(n, c).map(|v| show(&v)),
        Call::RelationModelGet(r) => t.relation_model_get(w.rel(r)).map(|v| show(&v)),
        Call::SecretIds => t.secret_ids().map(|v| show(&v)),
    };
    r.map_err(drop)
}

/// The argv and stdin production sends for `call`; secret content goes through files in
/// `dir`.
fn production_argv(w: &Ids, call: Call) -> (Vec<String>, Option<String>) {
    let files = |kv: Kv| -> Vec<String> {
        kv.iter()
            .map(|(k, v)| {
                let path = w.dir.path().join(k);
                std::fs::write(&path, v).unwrap();
                format!("{k}#file={}", path.display())
            })
            .collect()
    };
    let json = |kv: Kv| Some(argv::settings_stdin(&bag(kv)));
    let secret = |id: Option<Sec>| id.map(|s| w.secret(s));
    match call {
        Call::IsLeader => (argv::is_leader(), None),
        Call::ConfigGet => (argv::config_get(), None),
        Call::RelationIds(ep) => (argv::relation_ids(ep), None),
        Call::RelationList(r) => (argv::relation_list(w.rel(r)), None),
        Call::RemoteApp(r) => (argv::relation_remote_app(w.rel(r)), None),
        Call::RelationGet(r, owner, app) => (argv::relation_get(w.rel(r), owner, app), None),
        Call::RelationSet(r, app, kv) => (argv::relation_set(w.rel(r), app), json(kv)),
        Call::StatusSet(app, kind, msg) => (argv::status_set(app, &Status::new(kind, msg)), None),
        Call::StatusGet(app) => (argv::status_get(app), None),
        Call::SecretAdd(owner, label, kv) => {
            let new = NewSecret {
                content: content(kv),
                owner,
                label: label.map(str::to_string),
                description: None,
                expire: None,
                rotate: None,
            };
            (argv::secret_add(&new, &files(kv)), None)
        }
        Call::SecretGet(id, label, read) => {
            (argv::secret_get(secret(id).as_ref(), label, read), None)
        }
        Call::SecretInfo(id, label) => (argv::secret_info_get(secret(id).as_ref(), label), None),
        Call::SecretSet(id, kv, label) => {
            (argv::secret_set(&w.secret(id), label, &files(kv)), None)
        }
        Call::SecretGrant(id, r, unit) => (argv::secret_grant(&w.secret(id), w.rel(r), unit), None),
        Call::SecretRevoke(id, r, unit) => {
            (argv::secret_revoke(&w.secret(id), w.rel(r), unit), None)
        }
        Call::SecretRemove(id, rev) => (argv::secret_remove(&w.secret(id), rev), None),
        Call::StateGet => (argv::state_get(), None),
        Call::StateSet(kv) => (argv::state_set(), json(kv)),
        Call::StateDelete(k) => (argv::state_delete(k), None),
        Call::ActionGet => (argv::action_get(), None),
        Call::ActionSet(kv) => (argv::action_set(&bag(kv)), None),
        Call::StorageList(name) => (argv::storage_list(name), None),
        Call::OpenPort(p, eps) => (argv::open_port(&p, eps), None),
        Call::ClosePort(p) => (argv::close_port(&p, &[]), None),
        Call::OpenedPorts => (argv::opened_ports(), None),
        Call::NetworkGet(b, r) => (argv::network_get(b, r.map(|r| w.rel(r))), None),
        Call::GoalState => (argv::goal_state(), None),
        Call::ResourceGet(n) => (argv::resource_get(n), None),
        Call::CredentialGet => (argv::credential_get(), None),
        Call::JujuReboot(now) => (argv::juju_reboot(now), None),
        Call::StorageAdd(n, c) => (argv::storage_add(n, c), None),
        Call::RelationModelGet(r) => (argv::relation_model_get(w.rel(r)), None),
        Call::SecretIds => (argv::secret_ids(), None),
    }
}

/// `call` through the simulator's tool server, its output read by production's parsers.
fn on_sim(session: &mut HookSession, w: &Ids, call: Call) -> Outcome {
    let (argv, stdin) = production_argv(w, call);
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    let c = session.run(&args, stdin.as_deref());
    if c.exit_code != 0 {
        let message = c.stderr.trim_end().trim_start_matches("ERROR ").to_string();
        return Err((c.exit_code, message));
    }
    let out = c.stdout.as_bytes();
    let show = |v: &dyn std::fmt::Debug| format!("{v:?}");
    let parsed = match call {
        Call::IsLeader => output::is_leader(out).map(|v| show(&v)),
        Call::ConfigGet => output::config_get(out).map(|v| show(&v)),
        Call::RelationIds(_) => output::relation_ids(out).map(|v| show(&v)),
        Call::RelationList(_) => output::relation_list(out).map(|v| show(&v)),
        Call::RemoteApp(_) => output::relation_remote_app(out).map(|v| show(&v)),
        Call::RelationGet(..) => output::relation_get(out).map(|v| show(&v)),
        Call::StatusGet(app) => output::status_get(out, app).map(|v| show(&v)),
        Call::SecretAdd(..) => output::secret_add(out).map(|_| "added".to_string()),
        Call::SecretGet(..) => output::secret_get(out).map(|c| shown(&c)),
        Call::SecretInfo(..) => output::secret_info_get(out).map(|v| show(&v)),
        Call::StateGet => output::state_get(out).map(|v| show(&v)),
        Call::ActionGet => output::action_get(out).map(|v| show(&v)),
        Call::StorageList(_) => output::storage_list(out).map(|v| show(&v)),
        Call::OpenedPorts => output::opened_ports(out).map(|v| show(&v)),
        Call::NetworkGet(..) => output::network_get(out).map(|v| show(&v)),
        Call::GoalState => output::goal_state(out).map(|v| show(&v)),
        Call::ResourceGet(_) => output::resource_get(out).map(|v| show(&v)),
        Call::CredentialGet => output::credential_get(out).map(|v| show(&v)),
        Call::RelationModelGet(_) => output::relation_model_get(out).map(|v| show(&v)),
        Call::SecretIds => output::secret_ids(out).map(|v| show(&v)),
        _ => Ok(show(&())),
    };
    Ok(parsed.unwrap_or_else(|e| panic!("{argv:?}: {e}")))
}

/// Runs `calls` in hook `h` of `unit` through both paths; returns both outcomes and both
/// states after the hook exits with `exit_code`.
fn run_both(
    w: &mut World,
    unit: &str,
    h: H,
    calls: &[Call],
    exit_code: i32,
) -> (Vec<Outcome>, Vec<Outcome>, State, State) {
    let ids = &w.ids;
    let state = snapshot(&w.model, unit);
    let ctx = scenario::Context::<charm::Webapp>::new();
    let tools = ctx.backend(&event(&state, h, ids), &state).unwrap();
    let memory: Vec<Result<String, ()>> =
        calls.iter().map(|c| on_memory(&tools, ids, *c)).collect();
    let finished = tools.finish(exit_code);
    let mut refused = finished.tool_errors.into_iter();
    let memory = memory
        .into_iter()
        .map(|r| {
            r.map_err(|()| {
                let e = refused.next().expect("a refused call is recorded");
                (e.code, e.message)
            })
        })
        .collect();
    let (hook, relation, remote) = sim_hook(h, ids);
    let mut session = w
        .model
        .hook_session(unit, &hook, relation, remote.as_deref())
        .unwrap();
    let sim = calls
        .iter()
        .map(|c| on_sim(&mut session, ids, *c))
        .collect();
    session.finish(exit_code);
    let after = snapshot(&w.model, unit);
    (memory, sim, finished.state, after)
}

/// The parts of a state the hook tools change, comparable across both paths (secrets by
/// owner and label: ids made in the hook differ).
fn essence(state: &State) -> String {
    let relations: Vec<_> = state
        .relations
        .iter()
        .map(|r| (r.id, &r.local_unit_data, &r.local_app_data))
        .collect();
    let mut secrets: Vec<_> = state
        .secrets
        .iter()
        .map(|s| {
            let latest = s.latest_content().map(shown);
            let grants: Vec<_> = s.grants.iter().collect();
            (
                s.owner,
                s.label.clone(),
                s.latest_revision(),
                latest,
                s.tracked_revision,
                grants,
            )
        })
        .collect();
    secrets.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    format!(
        "relations {relations:?}\nsecrets {secrets:?}\ncharm state {:?}\nunit status {:?}\nports {:?}",
        state.charm_state, state.unit_status, state.opened_ports
    )
}

/// One case: `unit` runs `calls` in hook `h`; `expect` pins some outcomes to Juju's
/// answer (index, value or `code: message`).
struct Case {
    name: &'static str,
    unit: &'static str,
    h: H,
    calls: &'static [Call],
    expect: &'static [(usize, &'static str)],
}

/// One byte over Juju's limit on a charm-state value (`core/quota/fixed_limits.go`).
const BIG_VALUE: &str = {
    // Evaluated once, at compile time: nothing large is copied at run time.
    #[allow(clippy::large_const_arrays)]
    const BYTES: [u8; 64 * 1024 + 1] = [b'x'; 64 * 1024 + 1];
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("ASCII"),
    }
};

/// One byte over Juju's limit on a charm-state key.
const LONG_KEY: &str = {
    const BYTES: [u8; 257] = [b'k'; 257];
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("ASCII"),
    }
};

/// The largest charm-state value Juju keeps.
const FULL_VALUE: &str = {
    #[allow(clippy::large_const_arrays)]
    const BYTES: [u8; 64 * 1024] = [b'v'; 64 * 1024];
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("ASCII"),
    }
};

const LEADER: &str = "webapp/0";
const FOLLOWER: &str = "webapp/1";

use Call::*;

const CASES: &[Case] = &[
    Case {
        name: "relation data: who may read which bag",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            RelationGet(Rel::Db, "database", true),
            RelationGet(Rel::Db, "webapp", true),
            RelationGet(Rel::Peers, "webapp", true),
            RelationGet(Rel::Db, "database/0", false),
            RelationGet(Rel::Db, "database/9", false),
            RelationGet(Rel::Db, "other/0", false),
            RelationGet(Rel::Db, "other", true),
            RelationGet(Rel::Db, "database", false),
            RelationGet(Rel::Db, "Bad!", false),
            RelationGet(Rel::Missing, "database/0", false),
            RelationGet(Rel::Peers, "webapp/0", false),
        ],
        expect: &[
            (1, "1: permission denied"),
            (4, "1: cannot read settings for unit \"database/9\" in relation \"webapp:db database:db\": unit \"database/9\": settings not found"),
            (5, "1: permission denied"),
            (6, "1: permission denied"),
            (7, "2: expected unit name, got application name \"database\""),
            (8, "2: invalid unit name \"Bad!\""),
            (9, "2: invalid value \"99\" for flag -r: relation not found"),
        ],
    },
    Case {
        name: "relation data: writes are the hook's own until it commits",
        unit: LEADER,
        h: H::Changed(Rel::Db, 0),
        calls: &[
            RelationSet(Rel::Db, true, &[("url", "http://new"), ("extra", "1")]),
            RelationGet(Rel::Db, "webapp", true),
            RelationSet(Rel::Db, false, &[("a", "1"), ("ingress-address", "")]),
            RelationGet(Rel::Db, "webapp/0", false),
            RelationSet(Rel::Missing, false, &[("a", "1")]),
        ],
        expect: &[(4, "2: invalid value \"99\" for flag -r: relation not found")],
    },
    Case {
        name: "relation data: a follower may not write its application's bag",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[RelationSet(Rel::Db, true, &[("url", "x")]), RelationSet(Rel::Peers, true, &[("x", "y")])],
        expect: &[(0, "1: cannot write relation settings"), (1, "1: cannot write relation settings")],
    },
    Case {
        name: "membership: joined lists the joining unit",
        unit: LEADER,
        h: H::Joined(Rel::Db, 1),
        calls: &[RelationList(Rel::Db), RelationList(Rel::Peers), RemoteApp(Rel::Db), RemoteApp(Rel::Peers)],
        expect: &[(0, "[\"database/0\", \"database/1\"]"), (3, "Some(\"webapp\")")],
    },
    Case {
        name: "membership: departed leaves the departing unit out, its bag readable",
        unit: LEADER,
        h: H::Departed(Rel::Db, 1),
        calls: &[RelationList(Rel::Db), RelationGet(Rel::Db, "database/1", false)],
        expect: &[(0, "[\"database/0\"]")],
    },
    Case {
        name: "membership: broken lists no unit, relation-ids still lists the relation",
        unit: FOLLOWER,
        h: H::Broken(Rel::Db),
        calls: &[RelationList(Rel::Db), RelationIds("db"), RelationIds("replicas"), RelationIds("nope")],
        expect: &[(0, "[]"), (3, "[]")],
    },
    Case {
        name: "membership: relation-created",
        unit: FOLLOWER,
        h: H::Created(Rel::Peers),
        calls: &[RelationList(Rel::Peers), RelationGet(Rel::Peers, "webapp/0", false)],
        expect: &[],
    },
    Case {
        name: "leadership and statuses",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            IsLeader,
            StatusSet(true, StatusKind::Active, "app"),
            StatusGet(true),
            StatusSet(false, StatusKind::Error, "no"),
            StatusSet(false, StatusKind::Blocked, "waiting for db"),
            StatusGet(false),
            ConfigGet,
        ],
        expect: &[
            (0, "false"),
            (1, "1: this unit is not the leader"),
            (2, "1: finding application status: this unit is not the leader"),
            (3, "2: invalid status \"error\", expected one of [maintenance blocked waiting active]"),
        ],
    },
    Case {
        name: "the leader's statuses",
        unit: LEADER,
        h: H::UpdateStatus,
        calls: &[IsLeader, StatusSet(true, StatusKind::Active, "serving"), StatusGet(true)],
        expect: &[(0, "true")],
    },
    Case {
        name: "secrets: a consumer reads what it tracks, peeks, refreshes",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            SecretGet(Some("creds"), None, SecretRead::Tracked),
            SecretGet(Some("creds"), None, SecretRead::Peek),
            SecretGet(None, Some("dbcreds"), SecretRead::Tracked),
            SecretGet(Some("creds"), None, SecretRead::Refresh),
            SecretGet(Some("creds"), None, SecretRead::Tracked),
            SecretGet(Some("for-one"), None, SecretRead::Tracked),
            SecretGet(Some("private"), None, SecretRead::Tracked),
            SecretGet(Some("unknown"), None, SecretRead::Tracked),
            SecretGet(None, Some("nope"), SecretRead::Tracked),
        ],
        expect: &[
            (0, "{\"password\": \"s3cret\"}"),
            (1, "{\"password\": \"rotated\"}"),
            (4, "{\"password\": \"rotated\"}"),
            (6, "1: permission denied"),
            (7, "1: secret \"aaaaaaaaaaaaaaaaaaa0\" not found"),
            (8, "1: secret \"nope\" not found"),
        ],
    },
    Case {
        name: "secrets: granted to one unit only, and a first read labels it",
        unit: LEADER,
        h: H::UpdateStatus,
        calls: &[
            SecretGet(Some("for-one"), None, SecretRead::Tracked),
            SecretGet(Some("creds"), Some("db-password"), SecretRead::Tracked),
            SecretGet(None, Some("db-password"), SecretRead::Tracked),
        ],
        expect: &[(0, "1: permission denied"), (2, "{\"password\": \"rotated\"}")],
    },
    Case {
        name: "secrets: owners read the latest, see their metadata; others see nothing",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            SecretGet(Some("app-secret"), None, SecretRead::Tracked),
            SecretInfo(None, Some("mine")),
            SecretInfo(Some("creds"), None),
            SecretInfo(Some("mine0"), None),
            SecretGet(Some("mine0"), None, SecretRead::Tracked),
        ],
        expect: &[(0, "{\"api\": \"k1\"}"), (4, "1: permission denied")],
    },
    Case {
        name: "secrets: who may change, grant, revoke and remove",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            SecretSet("creds", &[("password", "mine")], None),
            SecretSet("app-secret", &[("api", "k2")], None),
            SecretAdd(Owner::Application, None, &[("api", "k3")]),
            SecretAdd(Owner::Unit, Some("mine"), &[("token", "again")]),
            SecretAdd(Owner::Unit, None, &[]),
            SecretGrant("creds", Rel::Db, None),
            SecretGrant("app-secret", Rel::Db, None),
            SecretRemove("creds", None),
            SecretRemove("mine1", Some(7)),
            SecretSet("mine1", &[("token", "m2")], Some("renamed")),
            SecretInfo(None, Some("renamed")),
            SecretRemove("mine1", None),
            SecretGet(Some("mine1"), None, SecretRead::Tracked),
        ],
        expect: &[
            (0, "1: permission denied"),
            (1, "1: this unit is not the leader"),
            (2, "1: this unit is not the leader"),
            (3, "1: secret with label \"mine\" already exists"),
            (4, "2: missing secret value or filename"),
            (6, "1: this unit is not the leader"),
            (7, "1: permission denied"),
        ],
    },
    Case {
        name: "secrets: the leader grants and revokes its application's secret",
        unit: LEADER,
        h: H::Joined(Rel::Db, 0),
        calls: &[
            SecretGrant("app-secret", Rel::Db, Some("database/0")),
            SecretGrant("app-secret", Rel::Db, None),
            SecretRevoke("app-secret", Rel::Db, Some("database/0")),
            SecretGrant("app-secret", Rel::Db, None),
            SecretGrant("app-secret", Rel::Db, Some("database/1")),
            SecretGrant("app-secret", Rel::Db, Some("webapp/1")),
            SecretGrant("app-secret", Rel::Missing, None),
            SecretGrant("private", Rel::Db, None),
            SecretRevoke("app-secret", Rel::Db, None),
            SecretSet("app-secret", &[("api", "k2")], None),
            SecretGet(Some("app-secret"), None, SecretRead::Tracked),
        ],
        expect: &[
            (1, "1: any unit level grants need to be revoked before granting access to the corresponding application"),
            (5, "2: cannot specify unit \"webapp/1\" in relation to application \"database\""),
            (6, "2: invalid value \"99\" for flag --relation: relation not found"),
            (10, "{\"api\": \"k2\"}"),
        ],
    },
    Case {
        name: "charm state",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            StateGet,
            StateSet(&[("count", "3"), ("empty", "")]),
            StateDelete("count"),
            StateDelete("absent"),
            StateGet,
        ],
        expect: &[(4, "{\"empty\": \"\"}")],
    },
    Case {
        name: "secret-info-get: an id or a label, not both",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[SecretInfo(Some("mine0"), Some("mine")), SecretInfo(None, None)],
        expect: &[
            (0, "2: specify either a secret URI or label but not both"),
            (1, "2: require either a secret URI or label"),
        ],
    },
    Case {
        name: "stdin as go-yaml v2 reads it: every character back as written",
        unit: LEADER,
        h: H::UpdateStatus,
        calls: &[
            RelationSet(Rel::Db, false, &[("odd", "a\u{85}b \u{2028} c\u{7f}\u{9f}\u{fffe}\u{1F600}\t\"\\")]),
            RelationGet(Rel::Db, "webapp/0", false),
            StateSet(&[("odd", "\u{0}\u{85}\u{2029}é")]),
            StateGet,
        ],
        expect: &[
            (1, "{\"egress-subnets\": \"10.0.0.2/32\", \"ingress-address\": \"10.0.0.2\", \"odd\": \"a\\u{85}b \\u{2028} c\\u{7f}\\u{9f}\\u{fffe}😀\\t\\\"\\\\\", \"private-address\": \"10.0.0.2\"}"),
        ],
    },
    Case {
        name: "charm state: Juju's size limits",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[StateSet(&[("big", BIG_VALUE)]), StateSet(&[(LONG_KEY, "x")]), StateSet(&[("fits", "x")])],
        expect: &[
            (0, "1: max allowed value length (65536) exceeded"),
            (1, "1: max allowed key length (256) exceeded"),
        ],
    },
    Case {
        name: "actions and storage outside an action",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            ActionGet,
            ActionSet(&[("ok", "1")]),
            ActionSet(&[("Bad", "1")]),
            StorageList("data"),
            ActionSet(&[("backup_id", "1")]),
            ActionSet(&[("out.stdout", "1")]),
        ],
        expect: &[
            (0, "1: not running an action"),
            (1, "1: not running an action"),
            (2, "2: key \"Bad\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"),
            (3, "[]"),
            (4, "2: key \"backup_id\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"),
            (5, "2: cannot set reserved action key \"stdout\""),
        ],
    },
    Case {
        name: "ports: open, close, overlaps, the hook's own changes not listed",
        unit: FOLLOWER,
        h: H::UpdateStatus,
        calls: &[
            OpenedPorts,
            OpenPort(Port::tcp(8080), &[]),
            OpenPort(Port::udp_range(1000, 2000), &["db"]),
            OpenPort(Port::tcp_range(8000, 8100), &[]),
            ClosePort(Port::tcp(9999)),
            OpenPort(Port::icmp(), &["replicas", "db"]),
            OpenedPorts,
        ],
        expect: &[
            (0, "[]"),
            (3, "1: cannot open 8000-8100/tcp (unit \"webapp/1\"): port range conflicts with 8080/tcp (unit \"webapp/1\") requested earlier"),
            (6, "[]"),
        ],
    },
    Case {
        name: "network, goal state, resources, credentials, reboot, storage, remote model, owned ids",
        unit: LEADER,
        h: H::Changed(Rel::Db, 0),
        calls: &[
            NetworkGet("db", None),
            NetworkGet("replicas", Some(Rel::Peers)),
            NetworkGet("nope", None),
            NetworkGet("db", Some(Rel::Missing)),
            GoalState,
            ResourceGet("snapshot"),
            CredentialGet,
            JujuReboot(false),
            StorageAdd("data", 1),
            RelationModelGet(Rel::Db),
            RelationModelGet(Rel::Missing),
            SecretIds,
        ],
        expect: &[
            (2, "1: no network config found for binding \"nope\""),
            (3, "2: invalid value \"99\" for flag -r: relation not found"),
            (5, "1: could not download resource: HTTP request failed: Get https://.../units/unit-webapp-0/resources/snapshot: resource#webapp/snapshot not found"),
            (6, "1: cannot access cloud credentials: permission denied"),
            (8, "1: storage \"data\" not found"),
            (10, "2: invalid value \"99\" for flag -r: relation not found"),
        ],
    },
];

/// Every tool the table calls, once, and what Juju's restricted context answers.
const IN_RESTRICTED_CONTEXT: &[Call] = &[
    IsLeader,
    ConfigGet,
    RelationIds("db"),
    RelationList(Rel::Db),
    RemoteApp(Rel::Db),
    RelationGet(Rel::Db, "database/0", false),
    RelationSet(Rel::Db, false, &[("a", "1")]),
    StatusSet(false, StatusKind::Active, "no"),
    StatusGet(false),
    SecretAdd(Owner::Unit, None, &[("a", "1")]),
    SecretGet(Some("creds"), None, SecretRead::Tracked),
    SecretInfo(Some("mine0"), None),
    SecretSet("mine0", &[("a", "1")], None),
    SecretGrant("mine0", Rel::Db, None),
    SecretRevoke("mine0", Rel::Db, None),
    SecretRemove("mine0", None),
    StateGet,
    StateSet(&[("a", "1")]),
    StateDelete("a"),
    ActionGet,
    ActionSet(&[("a", "1")]),
    StorageList("data"),
    OpenPort(Port::tcp(8080), &[]),
    ClosePort(Port::tcp(8080)),
    NetworkGet("db", None),
    GoalState,
    ResourceGet("snapshot"),
    CredentialGet,
    JujuReboot(false),
    StorageAdd("data", 1),
    RelationModelGet(Rel::Db),
    SecretIds,
    OpenedPorts,
];

#[test]
fn the_restricted_context_refuses_every_tool_but_juju_log_and_opened_ports() {
    const REFUSED: &str = "1: not implemented for restricted context not implemented";
    let mut w = world();
    // A committed port, which `opened-ports` does not list there.
    let mut s = w
        .model
        .hook_session(LEADER, "update-status", None, None)
        .unwrap();
    ok(&mut s, &["open-port", "443/tcp"], None);
    s.finish(0);
    for hook in ["collect-metrics", "meter-status-changed"] {
        let before = snapshot(&w.model, LEADER);
        let calls = IN_RESTRICTED_CONTEXT;
        let (memory, sim, in_memory, after) =
            run_both(&mut w, LEADER, H::Restricted(hook), calls, 0);
        for (i, call) in calls.iter().enumerate() {
            let expected = match call {
                OpenedPorts => "[]",
                _ => REFUSED,
            };
            assert_eq!(text(&memory[i]), expected, "{hook}: {call:?} in memory");
            assert_eq!(text(&sim[i]), expected, "{hook}: {call:?} in the simulator");
        }
        assert_eq!(essence(&in_memory), essence(&before), "{hook}");
        assert_eq!(essence(&after), essence(&before), "{hook}");
    }
}

fn text(o: &Outcome) -> String {
    match o {
        Ok(v) => v.clone(),
        Err((code, message)) => format!("{code}: {message}"),
    }
}

#[test]
fn every_rule_answers_the_same_in_memory_and_in_the_simulator() {
    let mut w = world();
    for case in CASES {
        let mut before = snapshot(&w.model, case.unit);
        let (memory, sim, in_memory, after) = run_both(&mut w, case.unit, case.h, case.calls, 1);
        for (i, call) in case.calls.iter().enumerate() {
            assert_eq!(
                text(&memory[i]),
                text(&sim[i]),
                "{}: call {i} {call:?}: in memory vs in the simulator",
                case.name
            );
        }
        for (i, expected) in case.expect {
            assert_eq!(text(&memory[*i]), *expected, "{}: call {i}", case.name);
        }
        // The hook exits 1: of what the calls changed only the statuses stay.
        assert_eq!(essence(&in_memory), essence(&after), "{}", case.name);
        before.unit_status = after.unit_status.clone();
        assert_eq!(essence(&after), essence(&before), "{}", case.name);
    }
}

#[test]
fn both_commit_on_success_and_keep_only_statuses_on_failure() {
    const HOOK: &[Call] = &[
        RelationSet(Rel::Db, true, &[("url", "http://committed")]),
        RelationSet(Rel::Peers, false, &[("seen", "2")]),
        StateSet(&[("count", "9")]),
        SecretAdd(Owner::Unit, Some("fresh"), &[("token", "f")]),
        SecretSet("app-secret", &[("api", "k9")], Some("renamed")),
        SecretGrant("mine0", Rel::Db, Some("database/1")),
        SecretGet(Some("creds"), None, SecretRead::Refresh),
        StatusSet(false, StatusKind::Maintenance, "working"),
        OpenPort(Port::tcp(443), &[]),
    ];
    let mut w = world();
    let before = snapshot(&w.model, LEADER);
    for exit_code in [1, 0] {
        let (memory, sim, in_memory, in_sim) =
            run_both(&mut w, LEADER, H::UpdateStatus, HOOK, exit_code);
        assert!(
            memory.iter().chain(&sim).all(Result::is_ok),
            "{memory:?} {sim:?}"
        );
        assert_eq!(
            essence(&in_memory),
            essence(&in_sim),
            "exit code {exit_code}"
        );
        let changed = essence(&in_sim) != essence(&before);
        assert!(
            changed,
            "exit code {exit_code}: the status at least is kept"
        );
        let app =
            |s: &State| s.get_relation(w.ids.rel(Rel::Db)).unwrap().local_app_data["url"].clone();
        let expected = if exit_code == 0 {
            "http://committed"
        } else {
            "http://webapp"
        };
        assert_eq!(app(&in_sim), expected);
        assert_eq!(in_sim.unit_status, Status::maintenance("working"));
    }
}

/// One operator's config value: the option, the value as given (JSON, as a model file or
/// `State::config` gives it), and Juju's answer: what `config-get` then shows for the
/// option, or Juju's refusal.
type ConfigRow = (
    &'static str,
    serde_json::Value,
    Result<&'static str, &'static str>,
);

fn config_rows() -> Vec<ConfigRow> {
    use serde_json::json;
    vec![
        ("port", json!("8080"), Ok("Number(8080)")),
        ("port", json!(8081), Ok("Number(8081)")),
        (
            "port",
            json!(" 8080"),
            Err(r#"option "port" expected int, got " 8080""#),
        ),
        (
            "port",
            json!(80.5),
            Err(r#"option "port" expected int, got 80.5"#),
        ),
        ("port", json!(null), Ok("Number(80)")),
        ("ratio", json!("1"), Ok("Number(1.0)")),
        ("ratio", json!(0.25), Ok("Number(0.25)")),
        (
            "ratio",
            json!(2),
            Err(r#"option "ratio" expected float, got 2"#),
        ),
        ("debug", json!("T"), Ok("Bool(true)")),
        ("debug", json!("0"), Ok("Bool(false)")),
        (
            "debug",
            json!("yes"),
            Err(r#"option "debug" expected boolean, got "yes""#),
        ),
        ("name", json!("007"), Ok("String(\"007\")")),
        (
            "name",
            json!(7),
            Err(r#"option "name" expected string, got 7"#),
        ),
        (
            "token",
            json!("secret:cjhg2ok5jrbc769e4mkg"),
            Ok("String(\"secret:cjhg2ok5jrbc769e4mkg\")"),
        ),
        (
            "token",
            json!("cjhg2ok5jrbc769e4mkg"),
            Err(r#"option "token" expected secret, got "cjhg2ok5jrbc769e4mkg""#),
        ),
        ("nope", json!("1"), Err(r#"unknown option "nope""#)),
    ]
}

#[test]
fn config_values_are_read_by_type_the_same_in_memory_and_in_the_simulator() {
    let mut w = world();
    for (option, value, expected) in config_rows() {
        let shown = |c: serde_json::Map<String, serde_json::Value>| match c.get(option) {
            Some(v) => format!("{v:?}"),
            None => "unset".to_string(),
        };
        // The simulator: `juju config webapp <option>=<value>`, then config-get.
        let sim = match w.model.set_config("webapp", [(option, value.clone())]) {
            Ok(()) => {
                let mut s = w
                    .model
                    .hook_session(FOLLOWER, "update-status", None, None)
                    .unwrap();
                let argv = argv::config_get();
                let call = s.run(&argv.iter().map(String::as_str).collect::<Vec<_>>(), None);
                s.finish(0);
                Ok(shown(output::config_get(call.stdout.as_bytes()).unwrap()))
            }
            Err(e) => Err(e.to_string()),
        };
        // Scenario: the same value in the state.
        let state = snapshot(&w.model, FOLLOWER).config(option, value.clone());
        let ctx = scenario::Context::<charm::Webapp>::new();
        let memory = match ctx.backend(&Event::update_status(), &state) {
            Ok(tools) => Ok(shown(tools.config_get().unwrap())),
            Err(e) => Err(e.to_string()),
        };
        match expected {
            Ok(v) => {
                assert_eq!(memory.as_deref(), Ok(v), "{option}={value}: in memory");
                assert_eq!(sim.as_deref(), Ok(v), "{option}={value}: in the simulator");
            }
            Err(juju) => {
                assert!(
                    memory.as_ref().is_err_and(|e| e.contains(juju)),
                    "{option}={value}: in memory: {memory:?}"
                );
                assert!(
                    sim.as_ref().is_err_and(|e| e.contains(juju)),
                    "{option}={value}: in the simulator: {sim:?}"
                );
            }
        }
        // Back to the default, for the next row.
        if option != "nope" {
            w.model
                .set_config("webapp", [(option, serde_json::Value::Null)])
                .unwrap();
        }
    }
}

#[test]
fn a_charm_state_over_juju_s_quota_is_refused_when_the_hook_commits() {
    // As Juju counts it (the BSON document: 5 bytes, 7 + key + value per key), 31 full
    // values and the set-up's small state fit 2 MiB; 32 (5 + 32 × 65546 bytes) do not.
    const JUJU: &str =
        "cannot apply changes: persisting charm state: max allowed size (2097152) exceeded";
    let mut w = world();
    for (count, fits) in [(31, true), (32, false)] {
        let values: BTreeMap<String, String> = (0..count)
            .map(|i| (format!("k{i:02}"), FULL_VALUE.to_string()))
            .collect();
        let before = snapshot(&w.model, FOLLOWER);
        let mut expected = before.charm_state.clone();
        if fits {
            expected.extend(values.clone());
        }
        // In memory: each value is within Juju's limit, so state-set succeeds.
        let ctx = scenario::Context::<charm::Webapp>::new();
        let tools = ctx.backend(&Event::update_status(), &before).unwrap();
        tools.state_set(&values).unwrap();
        let finished = tools.finish(0);
        assert_eq!(
            finished.commit_error.as_deref(),
            (!fits).then_some(JUJU),
            "{count}"
        );
        assert_eq!(finished.state.charm_state, expected, "{count}: in memory");
        // In the simulator: the same, through the tool server.
        let mut s = w
            .model
            .hook_session(FOLLOWER, "update-status", None, None)
            .unwrap();
        let argv = argv::state_set();
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let call = s.run(&argv, Some(&argv::settings_stdin(&values)));
        assert_eq!(call.exit_code, 0, "{count}: {}", call.stderr);
        assert_eq!(s.finish(0), fits, "{count}: committed");
        assert_eq!(
            w.model.unit_state(FOLLOWER).unwrap(),
            expected,
            "{count}: in the simulator"
        );
        let logged = w
            .model
            .logs(FOLLOWER)
            .unwrap()
            .iter()
            .any(|l| l.level == "ERROR" && l.message == JUJU);
        assert_eq!(logged, !fits, "{count}: the unit's log says why");
    }
}
