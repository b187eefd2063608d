//! How many Scenario runs per second the testing module does: a relation-changed event on
//! a charm with 3 relations, whose handler loads typed remote data, saves its app data and
//! sets its status (the test ops' Scenario takes 2.95 ms for, by ops' own figure).
//!
//! Run with:
//!
//! ```text
//! cargo bench -p charm-runtime --features testing --bench scenario
//! ```
//!
//! It runs for about two seconds and prints runs per second and the median and p95
//! microseconds per run. `bench/testing/scenario_bench.py` is the same charm, state and
//! event in `ops.testing` (`bench/run.sh testing` runs both).

use std::hint::black_box;
use std::time::{Duration, Instant};

use charm_runtime::testing::{self as scenario, bag, Event, PeerRelation, Relation, State};

mod charm {
    use charm_runtime::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Charm, Default)]
    #[charm(
        name = "bench",
        summary = "Benchmark charm",
        description = "Three relations."
    )]
    #[peers(replicas(interface = "bench_peers"))]
    #[provides(website(interface = "http"))]
    #[requires(db(interface = "postgresql_client", limit = 1))]
    pub struct Bench;

    #[derive(Deserialize)]
    struct DbData {
        host: String,
        port: u16,
    }

    #[derive(Serialize)]
    struct Published {
        url: String,
        port: u16,
    }

    #[handlers]
    impl Bench {
        #[on(db_relation_changed)]
        fn db_changed(&mut self, ctx: &mut Context<Self>, event: &RelationChanged) -> Result<()> {
            let db: DbData = event.relation().remote_app_data()?.load()?;
            if let Some(leader) = ctx.leader()? {
                event.relation().local_app_data(&leader).save(&Published {
                    url: format!("postgresql://{}:{}", db.host, db.port),
                    port: db.port,
                })?;
            }
            ctx.set_status(Status::active(format!("db at {}", db.host)));
            Ok(())
        }
    }
}

fn main() {
    let ctx = scenario::Context::<charm::Bench>::new();
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_app_data(bag([("host", "\"db0\""), ("port", "5432")]))
        .remote_unit(0, bag([("ingress-address", "10.0.0.5")]));
    let website = Relation::new("website")
        .remote_app_name("haproxy")
        .remote_unit(0, bag([("ingress-address", "10.0.0.9")]))
        .remote_unit(1, bag([("ingress-address", "10.0.0.10")]));
    let peers = PeerRelation::new("replicas").peer_unit(1, bag([("ready", "true")]));
    let state = State::new()
        .leader(true)
        .relations([db.clone(), website, peers]);
    let event = Event::relation_changed_unit(&db, 0);

    // Check once that the run does what it should.
    let out = ctx.run(event.clone(), &state).expect("a consistent state");
    out.assert_ok();
    assert_eq!(
        out.relation(db.id).local_app_data["url"],
        "\"postgresql://db0:5432\""
    );

    // Warm up, then measure for ~2 s.
    for _ in 0..1_000 {
        black_box(ctx.run(event.clone(), &state).unwrap());
    }
    // Batches of 100 runs: the per-run time of each batch gives the median and p95.
    let budget = Duration::from_secs(2);
    let start = Instant::now();
    let mut runs = 0u64;
    let mut per_run = Vec::new();
    while start.elapsed() < budget {
        let batch = Instant::now();
        for _ in 0..100 {
            black_box(
                ctx.run(black_box(event.clone()), black_box(&state))
                    .unwrap(),
            );
        }
        per_run.push(batch.elapsed().as_secs_f64() * 1e6 / 100.0);
        runs += 100;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let per_second = runs as f64 / elapsed;
    per_run.sort_by(f64::total_cmp);
    let median = per_run[per_run.len() / 2];
    let p95 = per_run[(per_run.len() * 95).div_ceil(100) - 1];
    println!(
        "scenario: relation-changed on a charm with 3 relations: {per_second:.0} runs/s (median {median:.1} µs, p95 {p95:.1} µs per run over batches of 100, {runs} runs in {elapsed:.2} s; ops Scenario: ~339 runs/s, 2.95 ms per run)"
    );
}
