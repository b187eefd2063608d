//! The example charms, Rust and Python `ops`, through the same simulator story, hook by
//! hook: wall time, CPU time, peak RSS and hook-tool calls per hook kind, medians and p95,
//! per-story totals, and the ratio ops / Rust.
//!
//! Two stories (`--story`):
//!
//! - `examples` (the default): deploy database x2, mailserver x1, webapp x3; integrate
//!   `webapp:db database:db` and `webapp:smtp mailserver:smtp`; settle; set webapp's
//!   `config-path`; settle; remove the smtp relation; settle. All three charms are
//!   compared: Rust against their `ops` references.
//! - `ecosystem`: deploy blog x2, minipg x1, minica x1; integrate the database, then the
//!   certificates; rotate the password (minipg's `rotate-password`); remove the
//!   certificates relation, then the database relation; settling after each step and
//!   checking blog's statuses and files (`blog.conf`, the certificate for each unit).
//!   Only blog is compared, and reported: the Rust blog, then the Python one
//!   (Canonical's `data_interfaces.py` v0 and `charmlibs-interfaces-tls-certificates`),
//!   with the same Rust minipg and minica.
//!
//! Each story runs `--reps` times per flavour, alternating Rust and ops so that noise on
//! the machine hits both. `--check` runs it once per flavour, the checks only: the proof
//! that both flavours behave the same.
//!
//! ```text
//! bench/ops-reference/build.sh [DIR [blog]]        # the ops charm dirs (target/ops-reference)
//! cargo bench -p cargo-charm --bench story -- [--story examples|ecosystem] [--reps 3]
//!     [--check] [--ops-dir DIR] [--out FILE.md] [--only rust|ops]
//!     [--calls "webapp install"]...   (--calls: print that hook's tool calls)
//! ```
//!
//! `bench/run.sh hooks` and `bench/run.sh ecosystem` do both. The Rust charm dirs are
//! built here (release), like `cargo charm demo` does. The ops charm dirs are the ones
//! `build.sh` makes: charmcraft's layout, so `install`, `start` and `upgrade-charm` run
//! `dispatch` and then, through the legacy `hooks/<name>` links, `dispatch` a second time
//! as ops' child process. That is what Juju runs, so that is what is measured (the second
//! process is inside the first one's wall time, and in its peak RSS since ops waits for it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cargo_charm::pack::charm_dir;
use cargo_charm::sim::{Config, HookRecord, Model};
use cargo_charm::workspace::Workspace;
use serde_json::json;

/// A story: the charms it deploys, those it compares (Rust against `ops`; the others are
/// the Rust ones in both flavours, and their hooks are not reported), and what it does.
struct Story {
    name: &'static str,
    charms: &'static [&'static str],
    compared: &'static [&'static str],
    /// Deploys, integrates, settles and checks; panics when a check fails.
    play: fn(&mut Model, &BTreeMap<String, PathBuf>),
}

const STORIES: [Story; 2] = [
    Story {
        name: "examples",
        charms: &["database", "mailserver", "webapp"],
        compared: &["database", "mailserver", "webapp"],
        play: examples,
    },
    Story {
        name: "ecosystem",
        charms: &["blog", "minica", "minipg"],
        compared: &["blog"],
        play: ecosystem,
    },
];

struct Args {
    story: &'static Story,
    reps: usize,
    check: bool,
    ops_dir: PathBuf,
    out: Option<PathBuf>,
    only: Option<String>,
    calls: Vec<String>,
}

fn args(root: &Path) -> Args {
    let mut a = Args {
        story: &STORIES[0],
        reps: 3,
        check: false,
        ops_dir: root.join("target/ops-reference"),
        out: None,
        only: None,
        calls: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--story" => {
                let name = it.next().expect("--story examples|ecosystem");
                a.story = STORIES
                    .iter()
                    .find(|s| s.name == name)
                    .unwrap_or_else(|| panic!("unknown story {name:?}: examples or ecosystem"));
            }
            "--reps" => a.reps = it.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            "--check" => a.check = true,
            "--ops-dir" => a.ops_dir = it.next().map(PathBuf::from).expect("--ops-dir DIR"),
            "--out" => a.out = it.next().map(PathBuf::from),
            "--only" => a.only = it.next(),
            "--calls" => a.calls.extend(it.next()),
            "--bench" => {}
            other => panic!("unknown argument {other:?}"),
        }
    }
    a
}

/// One run of `s`; returns the hook records, the wall time of the whole story and, per
/// unit, the lines the `/usr/bin/time` dispatch wrapper wrote (see [`wrap_dispatch`]).
fn story(s: &Story, dirs: &BTreeMap<String, PathBuf>) -> (Vec<HookRecord>, Duration, Peaks) {
    let start = Instant::now();
    let mut m = Model::new("bench").expect("a model");
    m.set_history_limit(100_000);
    (s.play)(&mut m, dirs);
    let failed: Vec<String> = m
        .history()
        .iter()
        .filter(|r| !r.succeeded())
        .map(|r| format!("{} {} {:?}\n{}", r.unit, r.hook, r.exit_code, r.stderr))
        .collect();
    assert!(failed.is_empty(), "failed hooks:\n{}", failed.join("\n"));
    let took = start.elapsed();
    let mut peaks = Peaks::new();
    for app in s.charms {
        for u in m.units(app) {
            let log = m
                .unit_dir(&u)
                .ok()
                .and_then(|d| std::fs::read_to_string(d.join("../peak-rss.log")).ok());
            if let Some(log) = log {
                peaks.insert(u, parse_peaks(&log));
            }
        }
    }
    (m.history().to_vec(), took, peaks)
}

/// The `examples` story.
fn examples(m: &mut Model, dirs: &BTreeMap<String, PathBuf>) {
    for (app, units) in [("database", 2), ("mailserver", 1), ("webapp", 3)] {
        m.deploy(app, &dirs[app], units, Config::new())
            .expect("deploy");
    }
    m.integrate("webapp:db", "database:db")
        .expect("integrate db");
    let smtp = m
        .integrate("webapp:smtp", "mailserver:smtp")
        .expect("integrate smtp");
    m.settle().expect("settle");
    for u in ["webapp/0", "webapp/1", "webapp/2"] {
        assert_eq!(
            m.unit_status(u).unwrap().to_string(),
            "active: ready",
            "{u}"
        );
    }
    m.set_config("webapp", [("config-path", "webapp-2.conf")])
        .expect("config");
    m.settle().expect("settle after config change");
    m.remove_relation(smtp).expect("remove smtp");
    m.settle().expect("settle after relation removal");
    assert_eq!(
        m.read_unit_file("webapp/0", "webapp-2.conf")
            .unwrap()
            .map(|c| c.lines().count()),
        Some(3),
        "the smtp lines are gone after the relation removal"
    );
}

const BLOGS: [&str; 2] = ["blog/0", "blog/1"];
const TLS_FILES: [&str; 3] = ["blog.crt", "blog-ca.crt", "blog.key"];

/// The `ecosystem` story, with its checks of blog after each step.
fn ecosystem(m: &mut Model, dirs: &BTreeMap<String, PathBuf>) {
    for (app, units) in [("blog", 2), ("minipg", 1), ("minica", 1)] {
        m.deploy(app, &dirs[app], units, Config::new())
            .expect("deploy");
    }
    m.settle().expect("settle after deploy");
    assert_blogs(m, "blocked: missing database relation", None);

    let db = m
        .integrate("blog:database", "minipg:database")
        .expect("integrate database");
    m.settle().expect("settle after the database");
    assert_blogs(m, "active: ready", Some(&blog_conf(m, db, "off")));

    let certs = m
        .integrate("blog:certificates", "minica:certificates")
        .expect("integrate certificates");
    m.settle().expect("settle after the certificates");
    let tls_on = blog_conf(m, db, "on");
    assert_blogs(m, "active: ready (tls)", Some(&tls_on));
    let ca = m
        .run_action("minica/0", "get-ca-certificate", json!({}))
        .expect("get-ca-certificate");
    assert_eq!(ca.status, "completed", "{}", ca.message);
    let ca = ca.results["ca-certificate"].as_str().expect("a CA").trim();
    for unit in BLOGS {
        assert_certificate(m, unit, ca);
    }

    let out = m
        .run_action("minipg/0", "rotate-password", json!({"relation-id": db}))
        .expect("rotate-password");
    assert_eq!(out.status, "completed", "{}", out.message);
    m.settle().expect("settle after the rotation");
    let rotated = blog_conf(m, db, "on");
    assert_ne!(rotated, tls_on, "the password did not change");
    assert_blogs(m, "active: ready (tls)", Some(&rotated));

    m.remove_relation(certs).expect("remove certificates");
    m.settle().expect("settle after removing the certificates");
    assert_blogs(m, "active: ready", Some(&blog_conf(m, db, "off")));
    for unit in BLOGS {
        for file in TLS_FILES {
            assert_eq!(m.read_unit_file(unit, file).unwrap(), None, "{unit} {file}");
        }
    }

    m.remove_relation(db).expect("remove database");
    m.settle().expect("settle after removing the database");
    assert_blogs(m, "blocked: missing database relation", None);
}

/// Both blog units have `status` and `blog.conf` says `conf` (or is absent).
fn assert_blogs(m: &Model, status: &str, conf: Option<&str>) {
    for unit in BLOGS {
        assert_eq!(m.unit_status(unit).unwrap().to_string(), status, "{unit}");
        assert_eq!(
            m.read_unit_file(unit, "blog.conf").unwrap().as_deref(),
            conf,
            "{unit}: blog.conf"
        );
    }
}

/// The `blog.conf` minipg's current answer on relation `rel` makes: its `user` secret
/// (username and password, alphanumerics and `_`, which the URI keeps as they are) and
/// the first of its `endpoints`.
fn blog_conf(m: &Model, rel: u32, tls: &str) -> String {
    let content = m
        .secret(&format!("database.{rel}.user.secret"))
        .expect("minipg's secret for the relation")
        .content();
    let (username, password) = (&content["username"], &content["password"]);
    assert!(
        (username.to_string() + password)
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "credentials that need percent-encoding: {username} {password}"
    );
    let bag = m.relation_data(rel, "minipg").expect("minipg's databag");
    let endpoint = bag["endpoints"].split(',').next().unwrap_or_default();
    format!("database-uri = postgresql://{username}:{password}@{endpoint}/blog\ntls = {tls}\n")
}

/// `unit` holds a certificate for its name (common name and DNS SAN `blog-N`) that
/// `openssl verify` accepts against `blog-ca.crt`, which is minica's CA `ca`; `blog.key`
/// is its key, mode 0600.
fn assert_certificate(m: &Model, unit: &str, ca: &str) {
    use std::os::unix::fs::PermissionsExt;
    let dir = m.unit_dir(unit).unwrap();
    let file = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    assert_eq!(file("blog-ca.crt").trim(), ca, "{unit}: blog-ca.crt");
    let mode = std::fs::metadata(dir.join("blog.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{unit}: blog.key mode {mode:o}");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("openssl (the ecosystem story checks the certificates with it)");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let name = unit.replace('/', "-");
    assert_eq!(
        openssl(&["verify", "-CAfile", "blog-ca.crt", "blog.crt"]).trim(),
        "blog.crt: OK"
    );
    let x509 = openssl(&[
        "x509",
        "-in",
        "blog.crt",
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
        "-ext",
        "subjectAltName",
        "-pubkey",
    ]);
    let subject = x509.lines().next().and_then(|l| l.strip_prefix("subject="));
    assert!(
        subject.is_some_and(|s| s.split(',').any(|rdn| rdn == format!("CN={name}"))),
        "{unit}: {x509}"
    );
    assert!(x509.contains(&format!("DNS:{name}")), "{unit}: {x509}");
    let key = openssl(&["pkey", "-in", "blog.key", "-pubout"]);
    assert!(
        x509.contains(key.trim()),
        "{unit}: blog.key is not the certificate's key"
    );
}

/// Unit -> peak RSS in KiB of each of its hooks, in order.
type Peaks = BTreeMap<String, Vec<u64>>;

/// The wrapper's lines are `<JUJU_CONTEXT_ID> <max RSS KiB>`, one per process it wrapped;
/// ops' legacy-hook child writes its own line (same context) before its parent does, and
/// the parent's figure already counts the child, so take the max per context.
fn parse_peaks(log: &str) -> Vec<u64> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for line in log.lines() {
        let Some((ctx, kib)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(kib) = kib.trim().parse::<u64>() else {
            continue;
        };
        match out.last_mut() {
            Some((c, k)) if c == ctx => *k = (*k).max(kib),
            _ => out.push((ctx.to_string(), kib)),
        }
    }
    out.into_iter().map(|(_, k)| k).collect()
}

/// A copy of each charm dir whose `dispatch` runs the real one (`dispatch.real`) under
/// GNU `time`, which appends the peak RSS (`wait4` `ru_maxrss`, children it waited for
/// included) to `<unit dir>/../peak-rss.log`. The simulator's own `peak_rss` cannot go
/// below the simulator's RSS (a spawned process starts from its parent's high-water
/// mark); `time` is ~1 MiB, so this pass gives the charm's own figure. It adds a `sh`
/// and a `time` process to each hook, so its timings are not used.
fn wrap_dispatch(dirs: &BTreeMap<String, PathBuf>, into: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for (name, dir) in dirs {
        let dst = into.join(name);
        let _ = std::fs::remove_dir_all(&dst);
        std::fs::create_dir_all(into).unwrap();
        let ok = std::process::Command::new("cp")
            .arg("-a")
            .arg(dir)
            .arg(&dst)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cp -a {} {}", dir.display(), dst.display());
        std::fs::rename(dst.join("dispatch"), dst.join("dispatch.real")).unwrap();
        std::fs::write(
            dst.join("dispatch"),
            "#!/bin/sh\nexec /usr/bin/time -a -o \"$JUJU_CHARM_DIR/../peak-rss.log\" -f \"$JUJU_CONTEXT_ID %M\" ./dispatch.real\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dst.join("dispatch"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        out.insert(name.clone(), dst);
    }
    out
}

#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    rss_mib: Vec<f64>,
    calls: Vec<f64>,
}

impl Samples {
    fn add(&mut self, r: &HookRecord) {
        self.ms.push(r.duration.as_secs_f64() * 1e3);
        self.cpu_ms
            .push(r.cpu_time.unwrap_or_default().as_secs_f64() * 1e3);
        self.rss_mib
            .push(r.peak_rss.unwrap_or_default() as f64 / (1024.0 * 1024.0));
        self.calls.push(r.tool_calls.len() as f64);
    }

    /// One sample for a whole story: wall, CPU and tool calls summed over `records`, the
    /// highest peak RSS.
    fn add_story(&mut self, records: &[&HookRecord]) {
        let mut one = Samples::default();
        records.iter().for_each(|r| one.add(r));
        self.ms.push(one.ms.iter().sum());
        self.cpu_ms.push(one.cpu_ms.iter().sum());
        self.rss_mib
            .push(one.rss_mib.iter().copied().fold(0.0, f64::max));
        self.calls.push(one.calls.iter().sum());
    }
}

fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    // Nearest rank.
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn med(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// `<app> <hook kind>`: relation hooks by endpoint (`webapp db-relation-changed`).
fn kind(r: &HookRecord) -> String {
    let app = r.unit.split('/').next().unwrap_or_default();
    format!("{app} {}", r.hook)
}

/// The row of the per-story sums (it sorts after "(all hooks)").
const SUM: &str = "(sum per story)";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().expect("workspace root");
    let a = args(&root);
    let s = a.story;
    std::env::set_current_dir(&root).unwrap();
    std::env::set_var("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"));
    python_first_on_path();

    eprintln!(
        "building the Rust charms of the {} story (release) ...",
        s.name
    );
    let ws = Workspace::load().expect("workspace");
    let names: Vec<String> = s.charms.iter().map(|c| c.to_string()).collect();
    let base = ws.target_dir.join("bench").join("rust-charms");
    let mut rust = BTreeMap::new();
    for c in ws
        .charms(&names, true)
        .expect("release build of the charms")
    {
        let dir = base.join(&c.name);
        charm_dir(&c.binary, &c.charmcraft_yaml, &dir).expect("charm dir");
        rust.insert(c.name.clone(), dir);
    }
    // The ops flavour: the compared charms from build.sh, the others the Rust ones.
    let mut ops = rust.clone();
    for n in s.compared {
        let dir = a.ops_dir.join(n);
        assert!(
            dir.join("dispatch").exists() && dir.join("venv").exists(),
            "no ops charm at {}: run bench/ops-reference/build.sh {} {} first",
            dir.display(),
            a.ops_dir.display(),
            s.compared.join(" ")
        );
        ops.insert(n.to_string(), dir);
    }

    let flavours: Vec<(&str, &BTreeMap<String, PathBuf>)> = [("rust", &rust), ("ops", &ops)]
        .into_iter()
        .filter(|(f, _)| a.only.as_deref().is_none_or(|o| o == *f))
        .collect();
    let compared = |r: &&HookRecord| {
        s.compared
            .contains(&r.unit.split('/').next().unwrap_or_default())
    };
    if a.check {
        for (flavour, dirs) in &flavours {
            let (records, took, _) = story(s, dirs);
            let n = records.iter().filter(compared).count();
            eprintln!(
                "{} story, {flavour}: {} hooks ({n} of {}) in {:.2} s; every check holds",
                s.name,
                records.len(),
                s.compared.join(", "),
                took.as_secs_f64()
            );
        }
        return;
    }
    // flavour -> kind -> samples; "(all hooks)" gathers every reported hook, SUM one
    // sample per story.
    let mut data: BTreeMap<&str, BTreeMap<String, Samples>> = BTreeMap::new();
    let mut stories: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut hooks_per_story: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for rep in 0..a.reps {
        for (flavour, dirs) in &flavours {
            let (records, took, _) = story(s, dirs);
            let reported: Vec<&HookRecord> = records.iter().filter(compared).collect();
            eprintln!(
                "rep {}/{} {flavour:<4}: {} hooks ({} reported) in {:.2} s",
                rep + 1,
                a.reps,
                records.len(),
                reported.len(),
                took.as_secs_f64()
            );
            stories.entry(flavour).or_default().push(took.as_secs_f64());
            hooks_per_story.insert(flavour, (records.len(), reported.len()));
            if rep == 0 {
                print_calls(flavour, &records, &a.calls);
            }
            let d = data.entry(flavour).or_default();
            for r in &reported {
                d.entry(kind(r)).or_default().add(r);
                d.entry("(all hooks)".into()).or_default().add(r);
            }
            d.entry(SUM.into()).or_default().add_story(&reported);
        }
    }

    // The peak-RSS pass: one more story per flavour with the dispatch wrapped in `time`.
    let mut rss: BTreeMap<&str, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let have_time = Path::new("/usr/bin/time").exists();
    if have_time {
        for (flavour, dirs) in &flavours {
            let wrapped = wrap_dispatch(
                dirs,
                &ws.target_dir.join("bench").join(format!("rss-{flavour}")),
            );
            let (records, _, peaks) = story(s, &wrapped);
            let mut next: BTreeMap<&str, usize> = BTreeMap::new();
            let d = rss.entry(flavour).or_default();
            let mut highest = 0.0f64;
            for r in &records {
                let i = next.entry(r.unit.as_str()).or_default();
                let peak = peaks.get(&r.unit).and_then(|p| p.get(*i));
                *i += 1;
                let Some(kib) = peak.filter(|_| compared(&r)) else {
                    continue;
                };
                let mib = *kib as f64 / 1024.0;
                highest = highest.max(mib);
                d.entry(kind(r)).or_default().push(mib);
                d.entry("(all hooks)".into()).or_default().push(mib);
            }
            d.entry(SUM.into()).or_default().push(highest);
            eprintln!("peak-RSS pass {flavour}: {} hooks", records.len());
        }
    } else {
        eprintln!("no /usr/bin/time: no peak-RSS pass (the simulator's floored figure only)");
    }
    let sim_rss = self_max_rss_mib();
    let mut out = String::new();
    let push = |out: &mut String, s: String| {
        println!("{s}");
        out.push_str(&s);
        out.push('\n');
    };
    let story_med = |f: &str| med(stories.get(f).map(Vec::as_slice).unwrap_or(&[]));
    let hooks = |f: &str| hooks_per_story.get(f).copied().unwrap_or_default();
    push(
        &mut out,
        format!(
            "story {} x{}: Rust {} hooks ({} reported: {}), median {:.2} s per story; ops {} hooks ({} reported), median {:.2} s per story; ratio ops/Rust {:.1}x",
            s.name,
            a.reps,
            hooks("rust").0,
            hooks("rust").1,
            s.compared.join(", "),
            story_med("rust"),
            hooks("ops").0,
            hooks("ops").1,
            story_med("ops"),
            story_med("ops") / story_med("rust"),
        ),
    );
    push(
        &mut out,
        format!("peak RSS: under `/usr/bin/time` in a separate pass (floor ~1 MiB); the simulator's `wait4` figure (floor: its own peak RSS, {sim_rss:.1} MiB) in brackets. {SUM}: wall, CPU and tool calls summed over the reported hooks of one story, the highest peak RSS; n = stories\n"),
    );
    push(
        &mut out,
        "| hook kind | n | wall ms Rust med / p95 | wall ms ops med / p95 | ratio (med) | CPU ms Rust / ops (med) | peak RSS MiB Rust / ops (med) [sim wait4] | tool calls Rust / ops (med) |".into(),
    );
    push(&mut out, "|---|---:|---:|---:|---:|---:|---:|---:|".into());
    let empty = BTreeMap::new();
    let r = data.get("rust").unwrap_or(&empty);
    let o = data.get("ops").unwrap_or(&empty);
    let mut kinds: Vec<&String> = r.keys().chain(o.keys()).collect();
    kinds.sort();
    kinds.dedup();
    // "(all hooks)" and SUM sort first.
    let none = Samples::default();
    for k in kinds {
        let rs = r.get(k).unwrap_or(&none);
        let os = o.get(k).unwrap_or(&none);
        push(
            &mut out,
            format!(
                "| {k} | {} / {} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1}x | {:.1} / {:.1} | {:.1} / {:.1} [{:.1} / {:.1}] | {} / {} |",
                rs.ms.len(),
                os.ms.len(),
                med(&rs.ms),
                quantile(&rs.ms, 0.95),
                med(&os.ms),
                quantile(&os.ms, 0.95),
                med(&os.ms) / med(&rs.ms),
                med(&rs.cpu_ms),
                med(&os.cpu_ms),
                med(rss.get("rust").and_then(|m| m.get(k)).map(Vec::as_slice).unwrap_or(&[])),
                med(rss.get("ops").and_then(|m| m.get(k)).map(Vec::as_slice).unwrap_or(&[])),
                med(&rs.rss_mib),
                med(&os.rss_mib),
                med(&rs.calls),
                med(&os.calls),
            ),
        );
    }
    if let Some(path) = &a.out {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, out).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

/// The ops charms start with `#!/usr/bin/env python3`: that must find the interpreter
/// itself, not a version manager's shim (pyenv's is a bash script run before every
/// interpreter, which a Juju machine does not have), so the interpreter's directory goes
/// first on the `PATH` the hooks inherit, as in `bench/ops-reference/smoke.py`.
fn python_first_on_path() {
    let Ok(out) = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
    else {
        return eprintln!("no python3: the ops charms cannot run");
    };
    let exe = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if let Some(dir) = exe.parent().filter(|_| out.status.success()) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&path));
        std::env::set_var("PATH", std::env::join_paths(dirs).expect("PATH"));
        eprintln!("python3 for the ops charms: {}", exe.display());
    }
}

/// `--calls "<app> <hook>"`: the tool calls of the first such hook, to see where the
/// calls go.
fn print_calls(flavour: &str, records: &[HookRecord], kinds: &[String]) {
    for k in kinds {
        if let Some(r) = records.iter().find(|r| &kind(r) == k) {
            eprintln!(
                "{flavour} {} {}: {} tool calls",
                r.unit,
                r.hook,
                r.tool_calls.len()
            );
            for c in &r.tool_calls {
                eprintln!("    {}", c.argv.join(" "));
            }
        }
    }
}

/// This process's peak RSS (`/proc/self/status` `VmHWM`), in MiB: the floor of the hooks'
/// `ru_maxrss`, since a spawned process starts from its parent's high-water mark.
fn self_max_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}
