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
