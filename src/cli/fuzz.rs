//! `kafkasim fuzz --cases N [--seed S] [--jobs J] [--out DIR]`: run generated scenarios.
//!
//! Case `i` is drawn from seed `S + i` (see [`explore::generate`](crate::explore::generate)).
//! Every failing case is written to `DIR/fuzz-SEED.toml`, a scenario file with its seed set,
//! and its replay command is printed: `kafkasim run DIR/fuzz-SEED.toml` runs it again and fails
//! the same expectations. Exit status 1 when any case failed, 2 for bad flags.

use crate::explore::fuzz::{self, CaseResult};
use crate::explore::generate::GenOptions;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Flags of `fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// How many cases to generate and run.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub cases: u64,
    /// The first case's seed (case i uses SEED + i).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: the machine's cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Where to write failing cases (default: target/kafkasim/fuzz).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How many failing cases get their replay command printed (the rest are in the folder).
const SHOWN: usize = 10;

/// Run the subcommand; returns the exit status.
pub fn run(args: &FuzzArgs) -> u8 {
    let jobs = args.jobs.map(usize::from).unwrap_or_else(super::sweep::default_jobs);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("target/kafkasim/fuzz"));
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: --out {}: {e}", out.display());
        return super::EXIT_BAD_INPUT;
    }
    println!(
        "fuzz: {} generated cases from seed {} on {jobs} threads, failing cases to {}",
        args.cases,
        args.seed,
        out.display()
    );
    let bar = ProgressBar::new(args.cases);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {msg} [{elapsed}, eta {eta}]")
        .expect("a fixed template parses");
    bar.set_style(style);
    let mut failures = 0u64;
    #[allow(clippy::disallowed_methods)] // wall time is reported, never simulated
    let started = std::time::Instant::now();
    let results = fuzz::fuzz(args.seed, args.cases, jobs, GenOptions::default(), |r| {
        failures += u64::from(!r.passed());
        bar.set_message(format!("{failures} failing"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let failing: Vec<&CaseResult> = results.iter().filter(|r| !r.passed()).collect();
    println!("fuzz: {} passed, {} failed ({secs:.1} s)", results.len() - failing.len(), failing.len());
    for (i, r) in failing.iter().enumerate() {
        let path = match fuzz::write_failure(&out, r) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: --out {}: {e}", out.display());
                return super::EXIT_BAD_INPUT;
            }
        };
        if i < SHOWN {
            println!("failed: {} ({})", path.display(), r.failed.first().cloned().unwrap_or_default());
            println!("replay: kafkasim run {}", path.display());
        }
    }
    if failing.len() > SHOWN {
        println!("... and {} more failing cases in {}", failing.len() - SHOWN, out.display());
    }
    if failing.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FAILED
    }
}
