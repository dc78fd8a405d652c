//! Sweeping seeds: run one scenario under many seeds, in parallel, and collect the failures.
//!
//! Each seed is a whole, independent simulation. A turmoil simulation is single-threaded and
//! not `Send`, so each worker thread builds its own from the shared (plain-data) scenario;
//! workers take the next seed from a shared counter. Results reach the caller in completion
//! order, which varies between runs, so everything reported is sorted by seed afterwards.
//!
//! With `first_failure`, the sweep stops handing out seeds above the smallest failing seed
//! found so far, but finishes every smaller one: the failure it reports is the *smallest*
//! failing seed of the range, the same on every machine and with any number of jobs.

use crate::check;
use crate::scenario::Scenario;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// The outcome of one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Its trace hash (empty if the simulation itself failed).
    pub trace_hash: String,
    /// The checks that failed: expectation names, or `simulation` when turmoil gave up.
    pub failed: Vec<String>,
}

impl SeedResult {
    /// Whether the seed passed.
    pub fn passed(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Run one seed and judge it.
pub fn run_seed(s: &Scenario, seed: u64) -> SeedResult {
    match crate::sim::run(s, seed) {
        Ok(trace) => {
            let verdict = check::judge_scenario(&trace, s);
            let failed = verdict.expectations.iter().filter(|c| !c.passed).map(|c| c.name.clone()).collect();
            SeedResult { seed, trace_hash: trace.hash(), failed }
        }
        Err(e) => SeedResult { seed, trace_hash: String::new(), failed: vec![format!("simulation ({})", e.reason)] },
    }
}

/// Run `seeds` on `jobs` threads; `on_result` sees each result as it arrives (on the calling
/// thread). Returns every result, sorted by seed.
pub fn sweep(
    s: &Scenario,
    seeds: RangeInclusive<u64>,
    jobs: usize,
    first_failure: bool,
    mut on_result: impl FnMut(&SeedResult),
) -> Vec<SeedResult> {
    assert!(jobs >= 1, "a sweep needs at least one worker");
    let next = AtomicU64::new(*seeds.start());
    let last = *seeds.end();
    let stop_above = AtomicU64::new(u64::MAX);
    let (tx, rx) = mpsc::channel::<SeedResult>();
    let mut results = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop_above) = (&next, &stop_above);
            scope.spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed > last || seed > stop_above.load(Ordering::SeqCst) {
                    break;
                }
                let result = run_seed(s, seed);
                if first_failure && !result.passed() {
                    stop_above.fetch_min(seed, Ordering::SeqCst);
                }
                if tx.send(result).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for result in rx {
            on_result(&result);
            results.push(result);
        }
    });
    results.sort_by_key(|r| r.seed);
    if first_failure {
        let cut = stop_above.load(Ordering::SeqCst);
        results.retain(|r| r.seed <= cut);
    }
    results
}

/// Failing seeds grouped by the check that failed, each list in the order of `results`.
pub fn by_check(results: &[SeedResult]) -> std::collections::BTreeMap<String, Vec<u64>> {
    let mut out: std::collections::BTreeMap<String, Vec<u64>> = std::collections::BTreeMap::new();
    for r in results {
        for f in &r.failed {
            out.entry(f.clone()).or_default().push(r.seed);
        }
    }
    out
}

/// `1..100` (both ends included), `1..=100`, or one seed `7`.
pub fn parse_seeds(text: &str) -> Result<RangeInclusive<u64>, String> {
    let bad = || format!("`{text}` is not a seed range: write FIRST..LAST (both included), e.g. 1..1000");
    let t = text.trim();
    let (a, b) = match t.split_once("..") {
        Some((a, b)) => (a, b.strip_prefix('=').unwrap_or(b)),
        None => (t, t),
    };
    let a = a.trim().parse::<u64>().map_err(|_| bad())?;
    let b = b.trim().parse::<u64>().map_err(|_| bad())?;
    if a > b {
        return Err(format!("`{text}`: the first seed is above the last"));
    }
    if b == u64::MAX {
        return Err(format!("`{text}`: the last seed must be below {}", u64::MAX));
    }
    Ok(a..=b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges() {
        assert_eq!(parse_seeds("1..10"), Ok(1..=10));
        assert_eq!(parse_seeds("1..=10"), Ok(1..=10));
        assert_eq!(parse_seeds("7"), Ok(7..=7));
        assert!(parse_seeds("10..1").unwrap_err().contains("above the last"));
        assert!(parse_seeds("a..b").unwrap_err().contains("not a seed range"));
        assert!(parse_seeds("-1..5").is_err());
    }

    #[test]
    fn failures_group_by_check() {
        let r = |seed, failed: &[&str]| SeedResult {
            seed,
            trace_hash: String::new(),
            failed: failed.iter().map(|s| s.to_string()).collect(),
        };
        let groups = by_check(&[r(3, &["a"]), r(1, &["a", "b"]), r(2, &[])]);
        assert_eq!(groups["a"], vec![3, 1]);
        assert_eq!(groups["b"], vec![1]);
    }
}
