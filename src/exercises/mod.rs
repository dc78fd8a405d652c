//! Classroom exercises, each with a deterministic grader.
//!
//! Reading a simulator teaches less than rebuilding one of its parts. Each exercise here takes
//! one rule the simulator lives by — Kafka's key partitioner, the range and round-robin
//! assignors, the high watermark, the ISR rules, leader election, follower truncation by leader
//! epoch — and asks a student to write it again in one file, `student.rs`, which ships as a
//! *starter*: a plausible but wrong first attempt, with comments that state the task. Two more
//! exercises work on whole runs instead of code: *predict-then-run* (write down what a scenario
//! will do, then let the grader run it) and *break-it* (edit a fault schedule until an
//! acknowledged record is lost).
//!
//! ## How grading works
//! `kafkasim exercise NAME` grades the student's file; `--reference` grades the solution next
//! to it (`reference.rs`, or `*.reference.toml`), which is what CI does. A code exercise draws
//! one test case per seed from a ChaCha stream seeded with that seed ([`case_rng`]), computes
//! the answer the simulator itself gives (the *oracle*: usually the simulator's own function),
//! and compares. It stops at the first seed whose answer differs and prints it with the command
//! that replays exactly that case:
//!
//! ```text
//! FAIL partitioner: seed 1: key "user-984", 36 partitions: expected 35, got 9
//! replay: kafkasim exercise partitioner --seed 1
//! ```
//!
//! `high-watermark` and `election` then run a whole cluster on the student's function
//! ([`cluster`]): the cases show the rule is right, the run shows what it is for.
//!
//! Seeds, not wall time or an unseeded generator, pick the cases, so the verdict is the same on every
//! machine and every run. A run exercise prints the scenario's seed and the `kafkasim run`
//! command that shows the run the grader judged.
//!
//! Exit status: 0 pass, 1 fail, 2 bad input (an answer file that does not parse, with its file,
//! line and column).

pub mod assignor_cases;
pub mod break_it;
pub mod cluster;
pub mod election;
pub mod high_watermark;
pub mod isr;
pub mod partitioner;
pub mod predict;
pub mod range_assignor;
pub mod roundrobin_assignor;
pub mod truncation;

use crate::scenario::error::line_col;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Whose work to grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The student's file (`student.rs`, or the answer file under `book/exercises/`).
    Student,
    /// The reference solution: every reference must pass (CI checks it).
    Reference,
}

/// What the grader was asked to do.
#[derive(Clone, Debug)]
pub struct GradeOptions {
    /// Student or reference.
    pub which: Which,
    /// Check only this seed (the replay of a failure), instead of the exercise's whole range.
    pub seed: Option<u64>,
    /// For the file-based exercises: grade this file instead of the default one.
    pub file: Option<PathBuf>,
    /// For the exercises with a cluster stage: skip the cases and run only the cluster.
    pub cluster: bool,
    /// With `cluster`: run only this scenario of the stage (the replay of one failing run).
    pub scenario: Option<String>,
}

/// The grader's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every case agreed. `detail` says how many, e.g. `500 cases, seeds 1..500`.
    Pass {
        /// What was checked.
        detail: String,
    },
    /// A case disagreed.
    Fail {
        /// The seed of the first failing case (or the scenario seed of the failing run).
        seed: u64,
        /// What was expected and what came out.
        detail: String,
        /// The command that replays this failure.
        replay: String,
    },
    /// The answer file is malformed: a message naming file, line and column.
    BadInput(String),
}

/// One exercise of the catalogue.
#[derive(Clone, Copy)]
pub struct Exercise {
    /// The name on the command line.
    pub name: &'static str,
    /// One line: what to do.
    pub summary: &'static str,
    /// The one file the student edits.
    pub student_file: &'static str,
    /// A hint printed under a failure.
    pub hint: &'static str,
    /// Whether the grader can run a cluster on the student's code (`--cluster`).
    pub cluster_stage: bool,
    /// The grader.
    pub grade: fn(&GradeOptions) -> Verdict,
}

impl fmt::Debug for Exercise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exercise").field("name", &self.name).finish()
    }
}

/// Every exercise, in the order the book presents them.
pub fn all() -> Vec<Exercise> {
    vec![
        partitioner::EXERCISE,
        range_assignor::EXERCISE,
        roundrobin_assignor::EXERCISE,
        high_watermark::EXERCISE,
        isr::EXERCISE,
        election::EXERCISE,
        truncation::EXERCISE,
        predict::EXERCISE,
        break_it::EXERCISE,
    ]
}

/// The exercise called `name`.
pub fn find(name: &str) -> Option<Exercise> {
    all().into_iter().find(|e| e.name == name)
}

/// The case generator for one seed: a ChaCha stream, so a seed names the same case everywhere.
pub fn case_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The seeds a code exercise checks by default.
pub const DEFAULT_SEEDS: RangeInclusive<u64> = 1..=500;

/// The `replay:` command for one failing seed of a code exercise.
pub fn replay_command(name: &str, seed: u64, which: Which) -> String {
    let reference = if which == Which::Reference { " --reference" } else { "" };
    format!("kafkasim exercise {name} --seed {seed}{reference}")
}

/// Grade a code exercise: run `case` for every seed (or only `opts.seed`), stop at the first
/// that returns `Err(description)`. A panic in the graded code counts as a failure of its seed.
pub fn grade_cases(name: &str, opts: &GradeOptions, case: impl Fn(u64) -> Result<(), String>) -> Verdict {
    let seeds = match opts.seed {
        Some(s) => s..=s,
        None => DEFAULT_SEEDS,
    };
    let count = seeds.clone().count();
    for seed in seeds.clone() {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(seed)));
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(detail)) => detail,
            Err(panic) => format!("your code panicked: {}", panic_message(panic.as_ref())),
        };
        return Verdict::Fail { seed, detail: failure, replay: replay_command(name, seed, opts.which) };
    }
    let (first, last) = (seeds.start(), seeds.end());
    let detail =
        if count == 1 { format!("1 case, seed {first}") } else { format!("{count} cases, seeds {first}..{last}") };
    Verdict::Pass { detail }
}

/// The text of a caught panic, for a verdict.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Grade an exercise in two stages: the cases, then (when they all pass, and no single case was
/// asked for) a cluster running the rule ([`cluster`]). `--cluster` runs only the second.
pub fn cases_then_cluster(
    opts: &GradeOptions,
    cases: impl FnOnce() -> Verdict,
    in_cluster: impl FnOnce() -> Verdict,
) -> Verdict {
    if opts.cluster {
        return in_cluster();
    }
    let verdict = cases();
    let Verdict::Pass { detail } = &verdict else { return verdict };
    if opts.seed.is_some() {
        return verdict;
    }
    match in_cluster() {
        Verdict::Pass { detail: ran } => Verdict::Pass { detail: format!("{detail}; {ran}") },
        other => other,
    }
}

/// Compare an expected and an actual answer, describing the case on a mismatch.
pub fn expect_eq<T: PartialEq + fmt::Display>(case: &str, expected: &T, got: &T) -> Result<(), String> {
    if expected == got {
        Ok(())
    } else {
        Err(format!("{case}: expected {expected}, got {got}"))
    }
}

/// A file shipped with the crate (the answer files under `book/exercises/`), found from the
/// crate's root so the grader works from any directory of a checkout.
pub fn crate_file(relative: &str) -> PathBuf {
    let local = PathBuf::from(relative);
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A TOML parse error as `file:line:col: message`, the way a compiler points at a mistake.
pub fn toml_error(shown_as: &str, text: &str, err: &toml::de::Error) -> String {
    let (line, col) = match err.span() {
        Some(span) => line_col(text, span.start),
        None => (1, 1),
    };
    format!("{shown_as}:{line}:{col}: {}", err.message().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code exercise, in-process (tests/exercises.rs checks the same through the CLI,
    /// with the hint and the replay command).
    #[test]
    fn every_code_reference_passes_and_every_starter_fails() {
        let code: Vec<Exercise> = all().into_iter().filter(|e| e.student_file.ends_with(".rs")).collect();
        assert_eq!(code.len(), 7, "the seven implement-it exercises");
        for e in code {
            let opts = |which| GradeOptions { which, seed: None, file: None, cluster: false, scenario: None };
            assert!(matches!((e.grade)(&opts(Which::Reference)), Verdict::Pass { .. }), "{}", e.name);
            assert!(matches!((e.grade)(&opts(Which::Student)), Verdict::Fail { .. }), "{}", e.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let names: std::collections::BTreeSet<&str> = all().iter().map(|e| e.name).collect();
        assert_eq!(names.len(), all().len());
    }
}
