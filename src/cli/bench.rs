//! `kafkasim bench`: how fast the simulation runs.
//!
//! Runs a standard workload — one broker, one topic with one partition, one producer sending
//! 100-byte records as fast as batching allows, one consumer — and prints simulated records per
//! wall-clock second and the ratio of simulated to wall time. A benchmark, not a test: its
//! figures depend on the machine.

use crate::scenario;
use crate::sim::{self, TraceDetail};
use clap::Args;
use std::path::Path;

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Simulated seconds of the throughput workload.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Records per second the producer tries to send.
    #[arg(long, default_value_t = 1_000_000)]
    pub rate: u64,
    /// Seeds of the sweep benchmark (leader-crash with random crashes), run with 1 and 2 jobs; 0 skips it.
    #[arg(long, default_value_t = 16)]
    pub sweep_seeds: u64,
}

/// `leader-crash` (3 brokers, RF 3, acks=all, 200 records/s, a consumer group) with its two
/// scripted faults replaced by random crashes: the issue's sweep benchmark.
const LEADER_CRASH_RANDOM: &str = r#"
name = "leader-crash-random"
description = "leader-crash with random broker crashes instead of scripted ones"
duration = "60s"
[cluster]
brokers = 3
network = { latency_ms_min = 1, latency_ms_max = 5 }
[broker]
"min.insync.replicas" = 2
"unclean.leader.election.enable" = false
"broker.session.timeout.ms" = 6000
"replica.lag.time.max.ms" = 10000
"leader.imbalance.check.interval.seconds" = 10
[[topics]]
name = "orders"
partitions = 3
replication_factor = 3
[[producers]]
name = "shop"
topic = "orders"
rate_per_s = 200
keys = "user-{0..100}"
value = "order-{n}"
config = { "acks" = "all", "linger.ms" = 5, "request.timeout.ms" = 5000, "retries" = 2147483647, "delivery.timeout.ms" = 120000 }
[[consumers]]
name = "billing"
group = "billing"
topics = ["orders"]
config = { "auto.offset.reset" = "earliest" }
[faults.random]
kinds = ["crash"]
window = ["10s", "50s"]
gap = ["3s", "10s"]
length = ["3s", "12s"]
[expect]
lost_acked = 0
order_violations = 0
"#;

/// Sweep `seeds` seeds of [`LEADER_CRASH_RANDOM`] on `jobs` threads; returns (seeds/min, failures).
fn sweep_rate(seeds: u64, jobs: usize) -> Result<(f64, usize), String> {
    let s = scenario::parse(LEADER_CRASH_RANDOM, "bench.toml", Path::new("bench.toml")).map_err(|e| e.to_string())?;
    #[allow(clippy::disallowed_methods)] // a benchmark measures wall time by definition
    let started = std::time::Instant::now();
    let results = crate::explore::sweep::sweep(&s, 1..=seeds, jobs, false, |_| {});
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    Ok((seeds as f64 * 60.0 / secs, results.iter().filter(|r| !r.passed()).count()))
}

fn print_sweep(seeds: u64) -> Result<(), String> {
    println!("sweep workload: leader-crash with random crashes, 60 simulated seconds per seed, {seeds} seeds");
    let (one, failed1) = sweep_rate(seeds, 1)?;
    println!("  --jobs 1: {one:.0} seeds/min ({failed1} failing)");
    let (two, failed2) = sweep_rate(seeds, 2)?;
    println!("  --jobs 2: {two:.0} seeds/min ({failed2} failing)");
    println!("  speedup from --jobs 2: {:.2}x", two / one);
    println!("  1000 seeds would take {:.0} s with --jobs 2", 1000.0 * 60.0 / two);
    Ok(())
}

fn workload(seconds: u64, rate: u64) -> String {
    format!(
        r#"
name = "bench"
description = "one broker, one partition, a producer at full speed, one consumer"
duration = "{seconds}s"
[[topics]]
name = "bench"
partitions = 1
[[producers]]
name = "load"
topic = "bench"
rate_per_s = {rate}
value_bytes = 100
[[consumers]]
name = "reader"
topics = ["bench"]
from_beginning = true
"#
    )
}

const QUICKSTART_SIZED: &str = r#"
name = "bench-idle"
description = "quickstart-sized: 60 s, one record every 500 ms"
duration = "60s"
[[producers]]
name = "pro.py"
topic = "oldboy"
interval = "500ms"
count = 100
[[consumers]]
name = "consumer.py"
topics = ["oldboy"]
"#;

fn timed(text: &str, detail: TraceDetail) -> Result<(sim::RunStats, f64), String> {
    let s = scenario::parse(text, "bench.toml", Path::new("bench.toml")).map_err(|e| e.to_string())?;
    #[allow(clippy::disallowed_methods)] // a benchmark measures wall time by definition
    let started = std::time::Instant::now();
    let stats = sim::run_stats(&s, 1, detail).map_err(|e| e.to_string())?;
    Ok((stats, started.elapsed().as_secs_f64()))
}

/// Run the benchmark and print its figures.
pub fn run(args: &BenchArgs) -> u8 {
    let result = (|| -> Result<(), String> {
        let (stats, wall) = timed(&workload(args.seconds, args.rate), TraceDetail::Counts)?;
        println!(
            "throughput workload: {} simulated seconds, producer asking for {} records/s of 100 bytes",
            args.seconds, args.rate
        );
        println!("  records acknowledged: {}", stats.acked);
        println!("  records consumed:     {}", stats.consumed);
        println!("  wall time:            {wall:.3} s");
        println!("  simulated records per wall second: {:.0}", stats.acked as f64 / wall);
        println!("  simulated time / wall time:        {:.1}x", args.seconds as f64 / wall);
        let (stats, wall) = timed(QUICKSTART_SIZED, TraceDetail::Full)?;
        println!("quickstart-sized run: 60 simulated seconds, {} records, {} trace events", stats.acked, stats.events);
        println!("  wall time:            {wall:.3} s");
        println!("  simulated time / wall time:        {:.1}x", 60.0 / wall);
        if args.sweep_seeds > 0 {
            print_sweep(args.sweep_seeds)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => super::EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            super::EXIT_FAILED
        }
    }
}
