//! `kafkasim explain RUN_DIR_OR_REPRO`: why a run failed, in plain language.
//!
//! Every run leaves a `repro.toml` in its output folder, and sweeps leave one per failing
//! seed. Explain reads it, runs the same scenario and seed again (a run is cheap and exactly
//! the same, so nothing but the repro needs keeping), checks the trace hash still matches, and
//! prints the causal story of each failed check (`report::explain`).

use crate::check;
use crate::explore::repro::Repro;
use crate::report::explain;
use clap::Args;
use std::path::PathBuf;

/// Flags of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run's output folder (holding `repro.toml`) or a repro file.
    pub run: PathBuf,
}

/// Run the subcommand; returns the exit status (0 once explained, whatever the run's verdict).
pub fn run(args: &ExplainArgs) -> u8 {
    let (repro, s) = match Repro::load_with_scenario(&args.run) {
        Ok(v) => v,
        Err(e) => return super::report_bad_input(e),
    };
    println!("seed={}", repro.seed);
    let trace = match crate::sim::run(&s, repro.seed) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_FAILED;
        }
    };
    if trace.hash() != repro.trace_hash {
        println!(
            "warning: this run's trace_hash={} differs from the repro's {}: the story below may not be the one recorded",
            trace.hash(),
            repro.trace_hash
        );
        if let Some(diff) = repro.build_difference() {
            println!("warning: {diff}");
        }
    }
    let verdict = check::judge_scenario(&trace, &s);
    print!("{}", explain::explain(&s, &trace, &verdict));
    println!("trace_hash={}", trace.hash());
    super::EXIT_OK
}
