//! The command line: one file per subcommand.
//!
//! Exit status, everywhere: 0 when the run met its expectations, 1 when a check or
//! expectation failed (the output says which, and how to replay it), 2 for bad input (a
//! scenario file, a flag, a seed), with an error naming where and why.

pub mod bench;
pub mod diff;
pub mod exercise;
pub mod explain;
pub mod fuzz;
pub mod list;
pub mod replay;
pub mod run;
pub mod shrink;
pub mod sweep;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// kafkasim: a deterministic simulation and teaching sandbox of Apache Kafka.
#[derive(Debug, Parser)]
#[command(name = "kafkasim", version, about, long_about = None)]
pub struct Cli {
    /// Where to look for scenarios by name (default: ./scenarios, else the crate's own).
    #[arg(long, global = true, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every scenario with its one-line description.
    List,
    /// Run a scenario by name or by path to a .toml file.
    Run(run::RunArgs),
    /// Run a scenario under many seeds in parallel and collect the failing ones.
    Sweep(sweep::SweepArgs),
    /// Replay a repro file written by `run` or `sweep`, and check it reproduces.
    Replay(replay::ReplayArgs),
    /// Run generated scenarios (random clusters, clients, configs and overlapping faults)
    /// against Kafka's safety and liveness properties; failing cases become scenario files.
    Fuzz(fuzz::FuzzArgs),
    /// Shrink a failing repro to the smallest scenario that still fails the same check.
    Shrink(shrink::ShrinkArgs),
    /// Tell the story of a run's failed checks, from its output folder or a repro file.
    Explain(explain::ExplainArgs),
    /// Measure simulation speed on a standard workload.
    Bench(bench::BenchArgs),
    /// Grade a classroom exercise (`exercise list` shows them).
    Exercise(exercise::ExerciseArgs),
}

/// Exit status for a run that met its expectations.
pub const EXIT_OK: u8 = 0;
/// Exit status for a failed check or expectation.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad input.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Parse the command line and run it.
pub fn main() -> ExitCode {
    restore_sigpipe();
    install_error_style();
    let cli = Cli::parse();
    let dir = cli.scenarios.clone().unwrap_or_else(crate::scenario::default_dir);
    let code = match cli.command {
        Command::List => list::run(&dir),
        Command::Run(args) => run::run(&args, &dir),
        Command::Sweep(args) => sweep::run(&args, &dir),
        Command::Replay(args) => replay::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Shrink(args) => shrink::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Exercise(args) => exercise::run(&args),
    };
    ExitCode::from(code)
}

/// `kafkasim run x | head` should stop quietly when `head` exits, like any Unix tool, rather
/// than panic on a failed write: restore the default action of SIGPIPE, which Rust ignores.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Print errors with the offending line and a caret, without colour codes when not on a tty.
fn install_error_style() {
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()))
    }));
}

/// Print a diagnostic to stderr and return the bad-input exit status.
pub fn report_bad_input(err: impl miette::Diagnostic + Send + Sync + 'static) -> u8 {
    eprintln!("error: {:?}", miette::Report::new(err));
    EXIT_BAD_INPUT
}
