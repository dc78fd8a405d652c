//! Exercise `predict-acks`: predict, then run.
//!
//! The student reads a scenario (`acks1-loss`: the leader's links turn slow, then it crashes)
//! and writes down, for `acks=1` and for `acks=all`, whether acknowledged records will be lost,
//! whether the partition will hold records out of send order, and whether the consumer will
//! see a record twice — in a small TOML answer file, `book/exercises/predict-acks.toml`. The
//! grader runs the real scenario once per setting with the same seed and compares each answer
//! with the run's summary. Writing the prediction down first is the point: a wrong guess,
//! explained, teaches more than a right one.

use super::{crate_file, toml_error, Exercise, GradeOptions, Verdict, Which};
use crate::report::summary::Summary;
use serde::Deserialize;
use std::path::Path;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "predict-acks",
    summary: "predict what acks=1 and acks=all do when a leader dies, then let the grader run it",
    student_file: STUDENT_FILE,
    hint: "read the comments of scenarios/acks1-loss.toml, then run the replay command above and read the \
           summary: which invariant each setting breaks, and why",
    cluster_stage: false,
    grade,
};

const STUDENT_FILE: &str = "book/exercises/predict-acks.toml";
const REFERENCE_FILE: &str = "book/exercises/predict-acks.reference.toml";
const SCENARIO: &str = "acks1-loss";

/// The answer file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answers {
    acks_1: Prediction,
    acks_all: Prediction,
}

/// One run's predictions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Prediction {
    lost_acked: bool,
    order_violations: bool,
    duplicates: bool,
}

fn grade(opts: &GradeOptions) -> Verdict {
    let path = opts
        .file
        .clone()
        .unwrap_or_else(|| crate_file(if opts.which == Which::Reference { REFERENCE_FILE } else { STUDENT_FILE }));
    let answers = match read_answers(&path) {
        Ok(a) => a,
        Err(message) => return Verdict::BadInput(message),
    };
    let scenario_path = crate::scenario::default_dir().join(format!("{SCENARIO}.toml"));
    let text = match std::fs::read_to_string(&scenario_path) {
        Ok(t) => t,
        Err(e) => return Verdict::BadInput(format!("cannot read {}: {e}", scenario_path.display())),
    };
    let mut seed = 0;
    let mut checked = 0;
    for (acks, prediction) in [("1", &answers.acks_1), ("all", &answers.acks_all)] {
        let summary = match run_variant(&text, &scenario_path, acks, opts.seed) {
            Ok(s) => s,
            Err(message) => return Verdict::BadInput(message),
        };
        seed = summary.seed;
        for (question, predicted, count) in [
            ("lost_acked", prediction.lost_acked, summary.lost_acked),
            ("order_violations", prediction.order_violations, summary.order_violations),
            ("duplicates", prediction.duplicates, summary.duplicates),
        ] {
            checked += 1;
            if predicted != (count > 0) {
                let detail = format!(
                    "acks={acks}: you predicted {question} = {predicted}, the run says {} ({question}={count})",
                    count > 0
                );
                let replay = format!("kafkasim run {SCENARIO} --seed {seed} --diff acks=1,all");
                return Verdict::Fail { seed, detail, replay };
            }
        }
    }
    Verdict::Pass { detail: format!("{checked} predictions right, scenario {SCENARIO}, seed {seed}") }
}

/// Read and check the answer file; errors name the file, line and column.
fn read_answers(path: &Path) -> Result<Answers, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| toml_error(&path.display().to_string(), &text, &e))
}

/// Run the scenario with the producer's `acks` set to `acks`, at `seed` or the file's own.
fn run_variant(text: &str, path: &Path, acks: &str, seed: Option<u64>) -> Result<Summary, String> {
    let variant = crate::scenario::overrides::variant(text, path, SCENARIO, "acks", acks).map_err(|e| e.to_string())?;
    let seed = seed.unwrap_or(variant.scenario.seed);
    let outcome = crate::cli::run::execute(&variant.scenario, seed).map_err(|e| e.to_string())?;
    Ok(outcome.summary)
}
