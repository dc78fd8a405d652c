//! `kafkasim sweep NAME --seeds 1..1000 [--jobs N] [--first-failure]`: hunt for failing seeds.
//!
//! Runs the scenario once per seed on worker threads, shows a progress bar with the failures
//! found so far, writes a repro file for every failing seed, and ends with the failing seeds
//! grouped by the check that failed, and the sweep's speed in seeds per minute.

use crate::explore::repro::Repro;
use crate::explore::sweep::{self, SeedResult};
use crate::scenario;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

/// Flags of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A scenario name or a path to a .toml file.
    pub scenario: String,
    /// The seeds: FIRST..LAST, both included (e.g. 1..1000), or one seed.
    #[arg(long, value_parser = sweep::parse_seeds, default_value = "1..100")]
    pub seeds: RangeInclusive<u64>,
    /// Worker threads (default: the machine's cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Stop at the smallest failing seed (seeds below it are all still run).
    #[arg(long)]
    pub first_failure: bool,
    /// Where to write repro files (default: target/kafkasim/sweep-<scenario>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How many failing seeds get their replay command printed (the rest are in the folder).
const SHOWN: usize = 10;

/// Run the subcommand; returns the exit status (1 when any seed failed).
pub fn run(args: &SweepArgs, dir: &Path) -> u8 {
    let (s, text) = match scenario::find(&args.scenario, dir).and_then(|p| {
        let s = scenario::load(&p)?;
        Ok((s, std::fs::read_to_string(&p).unwrap_or_default()))
    }) {
        Ok(v) => v,
        Err(e) => return super::report_bad_input(e),
    };
    let jobs = args.jobs.map(usize::from).unwrap_or_else(default_jobs);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("target/kafkasim").join(format!("sweep-{}", s.name)));
    let total = args.seeds.end() - args.seeds.start() + 1;
    println!(
        "sweep {} over seeds {}..{} ({total} seeds) on {jobs} threads",
        s.name,
        args.seeds.start(),
        args.seeds.end()
    );
    let bar = progress_bar(total);
    let mut failures = 0u64;
    #[allow(clippy::disallowed_methods)] // wall time is reported, never simulated
    let started = std::time::Instant::now();
    let results = sweep::sweep(&s, args.seeds.clone(), jobs, args.first_failure, |r| {
        failures += u64::from(!r.passed());
        bar.set_message(format!("{failures} failing"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let failing: Vec<&SeedResult> = results.iter().filter(|r| !r.passed()).collect();
    if let Err(e) = write_repros(&s, &text, &failing, &out) {
        eprintln!("error: --out {}: {e}", out.display());
        return super::EXIT_BAD_INPUT;
    }
    print_table(&results, &failing, &out);
    println!(
        "speed: {} seeds in {secs:.1} s = {:.0} seeds/min on {jobs} threads",
        results.len(),
        results.len() as f64 * 60.0 / secs
    );
    if failing.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FAILED
    }
}

/// One worker per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {msg} [{elapsed}, eta {eta}]")
        .expect("a fixed template parses");
    bar.set_style(style);
    bar.set_message("0 failing");
    bar
}

fn write_repros(s: &scenario::Scenario, text: &str, failing: &[&SeedResult], out: &Path) -> Result<(), String> {
    for r in failing {
        let repro = Repro::new(s, text, r.seed, &r.trace_hash, r.failed.clone());
        repro.save(&repro_path(out, r.seed))?;
    }
    Ok(())
}

/// Where the repro of `seed` goes.
pub fn repro_path(out: &Path, seed: u64) -> PathBuf {
    out.join(format!("seed-{seed}.repro.toml"))
}

fn print_table(results: &[SeedResult], failing: &[&SeedResult], out: &Path) {
    println!("{} of {} seeds failed", failing.len(), results.len());
    if failing.is_empty() {
        return;
    }
    println!("{:<28} {:>6}  seeds", "failed check", "count");
    for (check, seeds) in sweep::by_check(results) {
        let mut list: Vec<String> = seeds.iter().take(12).map(|s| s.to_string()).collect();
        if seeds.len() > 12 {
            list.push(format!("... ({} more)", seeds.len() - 12));
        }
        println!("{check:<28} {:>6}  {}", seeds.len(), list.join(", "));
    }
    for r in failing.iter().take(SHOWN) {
        println!("replay: kafkasim replay {}", repro_path(out, r.seed).display());
    }
    if failing.len() > SHOWN {
        println!("... and {} more repro files in {}", failing.len() - SHOWN, out.display());
    }
}
