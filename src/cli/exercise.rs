//! `kafkasim exercise list` and `kafkasim exercise NAME [--seed N] [--reference] [--file F]`:
//! grade a classroom exercise (see `exercises`).
//!
//! Prints `PASS NAME (what was checked)` and exits 0, or `FAIL NAME: seed N: what differed`,
//! the `replay:` command for that seed, a hint and the file to edit, and exits 1. A malformed
//! answer file exits 2 with its file, line and column.

use super::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK};
use crate::exercises::{self, GradeOptions, Verdict, Which};
use clap::Args;
use std::path::PathBuf;

/// Flags of `exercise`.
#[derive(Debug, Args)]
pub struct ExerciseArgs {
    /// An exercise name, or `list` to see them all.
    pub name: String,
    /// Check only this seed (replays one failing case).
    #[arg(long, allow_hyphen_values = true, value_parser = super::run::parse_seed)]
    pub seed: Option<u64>,
    /// Grade the reference solution instead of the student's file (what CI does).
    #[arg(long)]
    pub reference: bool,
    /// For predict-acks and break-it: grade this answer file instead of the one in book/exercises/.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// For high-watermark and election: skip the cases and only run a cluster on the rule
    /// (with --seed N: each of its scenarios on seed N).
    #[arg(long)]
    pub cluster: bool,
    /// With --cluster: run only this scenario of the stage (as a failure's replay line says).
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub scenario: Option<String>,
}

/// Run the subcommand; returns the exit status.
pub fn run(args: &ExerciseArgs) -> u8 {
    if args.name == "list" {
        return list();
    }
    let Some(exercise) = exercises::find(&args.name) else {
        let names: Vec<&str> = exercises::all().iter().map(|e| e.name).collect();
        let close: Vec<&str> =
            names.iter().copied().filter(|n| crate::scenario::overrides::edit_distance(n, &args.name) <= 3).collect();
        let hint = if close.is_empty() { String::new() } else { format!("did you mean `{}`? ", close.join("` or `")) };
        eprintln!("error: no exercise named `{}`; {hint}available: {}", args.name, names.join(", "));
        return EXIT_BAD_INPUT;
    };
    if args.cluster && !exercise.cluster_stage {
        eprintln!("error: `{}` has no cluster stage (high-watermark and election do)", exercise.name);
        return EXIT_BAD_INPUT;
    }
    let which = if args.reference { Which::Reference } else { Which::Student };
    let opts = GradeOptions {
        which,
        seed: args.seed,
        file: args.file.clone(),
        cluster: args.cluster,
        scenario: args.scenario.clone(),
    };
    match (exercise.grade)(&opts) {
        Verdict::Pass { detail } => {
            println!("PASS {} ({detail})", exercise.name);
            EXIT_OK
        }
        Verdict::Fail { seed, detail, replay } => {
            println!("FAIL {}: seed {seed}: {detail}", exercise.name);
            println!("replay: {replay}");
            println!("hint: {}", exercise.hint);
            if which == Which::Student {
                println!("edit: {}", exercise.student_file);
            }
            EXIT_FAILED
        }
        Verdict::BadInput(message) => {
            eprintln!("error: {message}");
            EXIT_BAD_INPUT
        }
    }
}

fn list() -> u8 {
    for e in exercises::all() {
        println!("{:<20} {}", e.name, e.summary);
        println!("{:<20} edit {}", "", e.student_file);
    }
    EXIT_OK
}
