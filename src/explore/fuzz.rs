//! Fuzzing: run many [generated](super::generate) scenarios and keep the ones that fail.
//!
//! Each case is a seed: it draws a scenario file, and the file carries it as its `seed`, so
//! the run the fuzzer judged is exactly the run `kafkasim run FILE` replays. A case is judged
//! by its own `[expect]` table (the generator writes the properties there: liveness always,
//! safety for safe configs), so the fuzzer's verdict and `run`'s are the same verdict.
//!
//! Cases run on worker threads the way [`sweep`](super::sweep) runs seeds: each worker builds
//! its own simulation (a turmoil simulation is not `Send`) and takes the next case from a shared
//! counter; results are sorted by case seed afterwards, so what is reported does not depend
//! on the number of threads.

use super::generate::{self, Case, GenOptions};
use crate::check;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// The outcome of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// The failed checks, each with its detail (`expect.lost_acked: expected 0, got 3`), or
    /// why the case could not run.
    pub failed: Vec<String>,
}

impl CaseResult {
    /// Whether every property held.
    pub fn passed(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Generate case `seed`, run it, judge it.
pub fn run_case(seed: u64, opts: GenOptions) -> CaseResult {
    let case = generate::generate(seed, opts);
    let path = PathBuf::from(format!("{}.toml", case.name));
    let s = match crate::scenario::parse(&case.text, &case.name, &path) {
        Ok(s) => s,
        Err(e) => return CaseResult { case, failed: vec![format!("generated file does not validate: {e}")] },
    };
    let failed = match crate::sim::run(&s, s.seed) {
        Ok(trace) => check::judge_scenario(&trace, &s)
            .expectations
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect(),
        Err(e) => vec![format!("simulation: {}", e.reason)],
    };
    CaseResult { case, failed }
}

/// Run cases `first..first + cases` on `jobs` threads; `on_result` sees each as it arrives.
/// Returns every result, sorted by case seed.
pub fn fuzz(
    first: u64,
    cases: u64,
    jobs: usize,
    opts: GenOptions,
    mut on_result: impl FnMut(&CaseResult),
) -> Vec<CaseResult> {
    assert!(jobs >= 1, "fuzzing needs at least one worker");
    let next = AtomicU64::new(0);
    let (tx, rx) = mpsc::channel::<CaseResult>();
    let mut results = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= cases {
                    break;
                }
                if tx.send(run_case(first.wrapping_add(i), opts)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for r in rx {
            on_result(&r);
            results.push(r);
        }
    });
    results.sort_by_key(|r| r.case.seed);
    results
}

/// Where a failing case's file goes.
pub fn case_path(out: &Path, case: &Case) -> PathBuf {
    out.join(format!("{}.toml", case.name))
}

/// Write a failing case's scenario file (with what failed as comments at the top); returns its path.
pub fn write_failure(out: &Path, r: &CaseResult) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let path = case_path(out, &r.case);
    let mut text = String::new();
    for f in &r.failed {
        text.push_str(&format!("# failed: {}\n", f.replace('\n', " ")));
    }
    text.push_str(&r.case.text);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
