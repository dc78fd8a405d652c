//! `kafkasim replay FILE`: run a repro file again and say whether it reproduced.
//!
//! The run is the same as `kafkasim run` of the repro's embedded scenario and seed (same
//! output, same files). Afterwards replay compares the trace hash with the one recorded: equal
//! means the very same run happened again; different means it did not, and if the build that
//! wrote the file is not this one, that is said as the likely reason.

use crate::explore::repro::Repro;
use clap::Args;
use std::path::PathBuf;

/// Flags of `replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A repro file (`*.repro.toml`, or a run's output folder holding `repro.toml`).
    pub repro: PathBuf,
    /// Where to write the replay's outputs (default: target/kafkasim/replay-<scenario>-<seed>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not write plots (faster).
    #[arg(long)]
    pub no_plots: bool,
}

/// Run the subcommand; returns the exit status.
pub fn run(args: &ReplayArgs) -> u8 {
    let (repro, s) = match Repro::load_with_scenario(&args.repro) {
        Ok(v) => v,
        Err(e) => return super::report_bad_input(e),
    };
    if let Some(diff) = repro.build_difference() {
        println!("note: {diff}");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/kafkasim").join(format!("replay-{}-{}", s.name, repro.seed)));
    let code = super::run::report(&s, &repro.scenario, repro.seed, &out, !args.no_plots);
    let replayed = Repro::load(&out).map(|r| r.trace_hash).unwrap_or_default();
    if replayed == repro.trace_hash {
        println!("reproduced: trace_hash={replayed} matches the repro file");
        code
    } else {
        println!("NOT reproduced: trace_hash={replayed}, the repro file says {}", repro.trace_hash);
        match repro.build_difference() {
            Some(diff) => {
                println!("the build differs ({diff}): check out commit {} to replay it exactly", repro.git_commit)
            }
            None => println!("the build is the same: this is a determinism bug, please report it with the repro file"),
        }
        super::EXIT_FAILED
    }
}
