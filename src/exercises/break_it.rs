//! Exercise `break-it`: lose an acknowledged record on purpose.
//!
//! The student gets a scenario with an unsafe producer (`acks=1`) and a harmless fault
//! schedule, `book/exercises/break-it.toml`, and edits only its `[[actions]]` until
//! acknowledged records are lost. Finding the fault that breaks a promise teaches what the
//! promise rested on: with `acks=1`, a record is safe only once followers have copied it, so
//! the schedule must open a window between the leader's acknowledgement and the followers'
//! copy, and then take the leader away inside it.
//!
//! The grader checks that nothing but the actions (and the description) changed — the config
//! is fixed, so the break must come from faults — then runs the file with its seed and the next
//! two seeds, and passes when every run has `lost_acked > 0`.

use super::{crate_file, Exercise, GradeOptions, Verdict, Which};
use crate::scenario::ScenarioError;
use std::path::Path;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "break-it",
    summary: "edit a fault schedule (acks=1 is fixed) until acknowledged records are lost",
    student_file: STUDENT_FILE,
    hint: "with acks=1 a record is safe only once followers copied it: first widen the gap between the \
           leader and its followers (slow), then take the leader away while the gap is open (crash)",
    cluster_stage: false,
    grade,
};

const STUDENT_FILE: &str = "book/exercises/break-it.toml";
const REFERENCE_FILE: &str = "book/exercises/break-it.reference.toml";
/// Top-level keys the student may change.
const EDITABLE: [&str; 2] = ["actions", "description"];
/// How many seeds, from the file's own, must each lose acknowledged records.
const SEEDS: u64 = 3;

fn grade(opts: &GradeOptions) -> Verdict {
    let path = opts
        .file
        .clone()
        .unwrap_or_else(|| crate_file(if opts.which == Which::Reference { REFERENCE_FILE } else { STUDENT_FILE }));
    let scenario = match crate::scenario::load(&path) {
        Ok(s) => s,
        Err(e) => return Verdict::BadInput(describe(&e)),
    };
    let replay = |seed: u64| format!("kafkasim run {} --seed {seed}", path.display());
    if let Err(changed) = locked_parts_unchanged(&path, &crate_file(REFERENCE_FILE)) {
        // Not a failed attempt but an answer outside the rules: bad input (exit 2), and the way
        // back names git, not the reference file, which holds the answer.
        return Verdict::BadInput(format!(
            "{} changes {changed}: only [[actions]] (and the description) may change; acks=1, the \
             seed and the rest are fixed. Undo the other edits (`git diff {STUDENT_FILE}` shows them, \
             `git checkout {STUDENT_FILE}` restores the starter)",
            path.display()
        ));
    }
    let seeds: Vec<u64> = match opts.seed {
        Some(s) => vec![s],
        None => (0..SEEDS).map(|i| scenario.seed.wrapping_add(i)).collect(),
    };
    let mut lost = Vec::new();
    for &seed in &seeds {
        let summary = match crate::cli::run::execute(&scenario, seed) {
            Ok(o) => o.summary,
            Err(e) => return Verdict::BadInput(e.to_string()),
        };
        if summary.lost_acked == 0 {
            let detail = format!(
                "no acknowledged record was lost (lost_acked=0; acked={}, failovers={})",
                summary.acked,
                summary.failovers.len()
            );
            return Verdict::Fail { seed, detail, replay: replay(seed) };
        }
        lost.push(format!("seed {seed}: {}", summary.lost_acked));
    }
    Verdict::Pass { detail: format!("acknowledged records lost on every seed: {}", lost.join(", ")) }
}

/// Compare everything but the editable keys with the reference file; `Err` names what differs.
fn locked_parts_unchanged(student: &Path, reference: &Path) -> Result<(), String> {
    let read = |p: &Path| -> Result<toml::Table, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("(unreadable: {e})"))?;
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| format!("(unparsable: {e})"))?;
        for key in EDITABLE {
            table.remove(key);
        }
        Ok(table)
    };
    let (mine, theirs) = (read(student)?, read(reference)?);
    let keys: std::collections::BTreeSet<&String> = mine.keys().chain(theirs.keys()).collect();
    let changed: Vec<String> =
        keys.into_iter().filter(|k| mine.get(*k) != theirs.get(*k)).map(|k| format!("`{k}`")).collect();
    if changed.is_empty() {
        Ok(())
    } else {
        Err(changed.join(", "))
    }
}

/// A scenario error as one line with its file, line and column.
fn describe(e: &ScenarioError) -> String {
    match e {
        // The message already starts with `file:line:col`.
        ScenarioError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
