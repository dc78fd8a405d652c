//! `kafkasim shrink REPRO [--check NAME] [--out FILE]`: the smallest scenario that still fails.
//!
//! See `explore::shrink` for the method. The output is a plain scenario file with the seed
//! set, so `kafkasim run FILE` replays the minimal failure.

use crate::explore::repro::Repro;
use crate::explore::shrink;
use clap::Args;
use std::path::PathBuf;

/// Flags of `shrink`.
#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// A repro file written by `run` or `sweep`.
    pub repro: PathBuf,
    /// Which failed check to keep failing (default: the first one the repro lists).
    #[arg(long, value_name = "NAME")]
    pub check: Option<String>,
    /// Where to write the minimal scenario (default: next to the repro, `<scenario>-seed-N.min.toml`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Run the subcommand; returns the exit status (0 when a minimal failing scenario was written).
pub fn run(args: &ShrinkArgs) -> u8 {
    let (repro, s) = match Repro::load_with_scenario(&args.repro) {
        Ok(v) => v,
        Err(e) => return super::report_bad_input(e),
    };
    let target = match args.check.clone().or_else(|| repro.failed.first().cloned()) {
        Some(t) if repro.failed.contains(&t) => t,
        Some(t) => {
            eprintln!("error: the repro did not fail `{t}`; it failed: {}", list(&repro.failed));
            return super::EXIT_BAD_INPUT;
        }
        None => {
            eprintln!("error: {} records a passing run: there is no failure to shrink", args.repro.display());
            return super::EXIT_BAD_INPUT;
        }
    };
    println!("shrinking {} seed {} keeping `{target}` failing", s.name, repro.seed);
    let spinner = indicatif::ProgressBar::new_spinner();
    let mut tick = |n: usize| spinner.set_message(format!("candidate runs: {n}"));
    let shrunk = match shrink::shrink(&s, &repro.scenario, repro.seed, &target, &repro.failed, &mut tick) {
        Ok(x) => x,
        Err(e) => {
            spinner.finish_and_clear();
            eprintln!("error: {e}");
            return super::EXIT_FAILED;
        }
    };
    spinner.finish_and_clear();
    let out = args.out.clone().unwrap_or_else(|| {
        let dir = if args.repro.is_dir() {
            args.repro.clone()
        } else {
            args.repro.parent().map(PathBuf::from).unwrap_or_default()
        };
        dir.join(format!("{}-seed-{}.min.toml", s.name, repro.seed))
    });
    if let Err(e) = std::fs::write(&out, &shrunk.text) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return super::EXIT_BAD_INPUT;
    }
    println!("fault actions: {} -> {}", shrunk.faults.0, shrunk.faults.1);
    println!("records sent:  {} -> {}", shrunk.records.0, shrunk.records.1);
    println!("duration:      {} -> {}", shrunk.duration.0, shrunk.duration.1);
    println!("still fails:   {}", list(&shrunk.failed));
    println!("wrote {} after {} candidate runs", out.display(), shrunk.runs);
    println!("run it: kafkasim run {}", out.display());
    super::EXIT_OK
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.join(", ")
    }
}
