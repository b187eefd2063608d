//! Scale: `replicas-relation-changed` on webapp's leader with 1, 10, 100 and 1000 peer
//! units, in process (the Scenario-style testing module), with the state built directly:
//! a ready `db` relation and its secret, and N peer units that all say `ready=true`.
//! The first hook (calls shown in brackets) has no record of the ready peers and reads
//! every peer's bag once; the timed hooks start from the state it left, where the leader
//! reads only the peer that changed: calls should not grow with N, and time only with
//! what handing the N-unit state to the hook costs.
//!
//! ```text
//! cargo bench -p webapp --bench peers
//! ```
//!
//! `bench/testing/peers_bench.py` is the same in `ops.testing`; `bench/run.sh scale`
//! runs both. Prints, per N: hook-tool calls (of the first hook), median and p95 time per
//! run, and time per peer unit.

use std::hint::black_box;
use std::time::{Duration, Instant};

use charm_runtime::testing::{self as scenario, bag, Bag, Event, PeerRelation, Relation, Secret};
use charm_runtime::{SecretContent, Status};
use webapp::Webapp;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = scenario::Context::<Webapp>::new().charm_dir(dir.path());
    let secret = Secret::new(
        SecretContent::new()
            .with("username", "webapp_user")
            .with("password", "s3cret"),
    );
    let db = Relation::new("db")
        .remote_app_name("database")
        .remote_unit(0, Bag::new())
        .remote_app_data(bag([
            ("database", "webapp"),
            ("credentials", secret.id.as_str()),
            ("endpoints", "database-0.database:5432"),
        ]));
    println!("| peer units N | hook-tool calls (first hook) | median µs | p95 µs | µs per peer (median) |");
    println!("|---:|---:|---:|---:|---:|");
    let mut first: Option<(f64, f64)> = None;
    for n in [1u32, 10, 100, 1000] {
        let mut peers = PeerRelation::new("replicas");
        for id in 1..=n {
            peers = peers.peer_unit(id, bag([("ready", "true")]));
        }
        let state = scenario::State::new()
            .leader(true)
            .relation(db.clone())
            .relation(peers.clone())
            .secret(secret.clone());
        let event = Event::relation_changed_unit(&peers, 1);
        let cold = ctx.run(event.clone(), &state).unwrap();
        cold.assert_ok();
        let state = cold.state;
        let out = ctx.run(event.clone(), &state).unwrap();
        out.assert_ok();
        assert_eq!(
            out.state.app_status,
            Status::active(format!("{} of {} units ready", n + 1, n + 1))
        );
        let calls = out.calls.len();
        let first_calls = cold.calls.len();
        // Warm up, then time single runs for ~1 s (at least 20).
        for _ in 0..3 {
            black_box(ctx.run(event.clone(), &state).unwrap());
        }
        let mut times = Vec::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) || times.len() < 20 {
            let t = Instant::now();
            black_box(
                ctx.run(black_box(event.clone()), black_box(&state))
                    .unwrap(),
            );
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let p95 = times[(times.len() * 95).div_ceil(100) - 1];
        println!(
            "| {n} | {calls} ({first_calls}) | {median:.0} | {p95:.0} | {:.2} |",
            median / f64::from(n)
        );
        if let Some((c1, t1)) = first {
            eprintln!(
                "N={n}: calls x{:.0}, time x{:.0} vs N=1",
                calls as f64 / c1,
                median / t1
            );
        } else {
            first = Some((calls as f64, median));
        }
    }
}
