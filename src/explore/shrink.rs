//! Shrinking a failing run to the smallest scenario that still fails the same way.
//!
//! The input is a repro: a scenario, a seed, and the check that failed. Shrinking first makes
//! the fault schedule explicit (the random faults the seed drew become plain `[[actions]]`,
//! and `[faults.random]` goes), then, always keeping the seed and always re-running the whole
//! simulation to judge a candidate:
//! 1. delta-debugs the list of fault actions (Zeller's ddmin over complements): drop chunks of
//!    faults while the run still fails;
//! 2. halves each producer's record count (a binary search for the smallest that still fails);
//! 3. cuts the run's duration down towards the last remaining fault.
//!
//! A candidate "still fails" when the target check fails again and no check fails that did
//! not fail in the original run, so shrinking cannot drift into a different bug. The result
//! is plain scenario TOML: a teacher reads it like any scenario and runs it with `kafkasim run`.

use super::sweep::run_seed;
use crate::scenario::model::{Action, ActionSpec};
use crate::scenario::{self, Scenario};
use crate::types::SimDuration;
use std::collections::BTreeSet;
use std::path::Path;
use toml::{Table, Value};

/// What shrinking produced.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The minimal scenario, as TOML.
    pub text: String,
    /// Fault actions before and after.
    pub faults: (usize, usize),
    /// Records the producers send in all, before and after.
    pub records: (u64, u64),
    /// Simulated duration before and after.
    pub duration: (SimDuration, SimDuration),
    /// How many candidate runs it took.
    pub runs: usize,
    /// What the minimal scenario fails.
    pub failed: Vec<String>,
}

/// A point in the search space: the faults kept and the workload size.
#[derive(Clone, Debug)]
struct Candidate {
    faults: Vec<Value>,
    counts: Vec<u64>,
    duration: SimDuration,
}

/// The search: the scenario's table without faults, and how to judge candidates.
struct Search<'a> {
    base: Table,
    seed: u64,
    target: &'a str,
    allowed: BTreeSet<String>,
    runs: usize,
    on_run: &'a mut dyn FnMut(usize),
}

/// Shrink `s` (read from `text`) under `seed`, keeping check `target` failing. `original`
/// lists every check the original run failed. `on_run` is told the number of runs so far.
pub fn shrink(
    s: &Scenario,
    text: &str,
    seed: u64,
    target: &str,
    original: &[String],
    on_run: &mut dyn FnMut(usize),
) -> Result<Shrunk, String> {
    let (base, start) = explicit(s, text, seed)?;
    let mut search = Search { base, seed, target, allowed: original.iter().cloned().collect(), runs: 0, on_run };
    if !search.fails(&start) {
        return Err(format!("the run does not fail `{target}` with its faults made explicit; nothing to shrink"));
    }
    let before = (start.faults.len(), start.counts.iter().sum(), start.duration);
    let mut best = start;
    best.faults = search.ddmin(best.clone());
    best = search.shrink_counts(best);
    best = search.shrink_duration(best);
    let text = search.render(&best, true);
    let minimal = scenario::parse(&text, "shrunk scenario", Path::new("shrunk.toml")).map_err(|e| e.to_string())?;
    let failed = run_seed(&minimal, seed).failed;
    Ok(Shrunk {
        text,
        faults: (before.0, best.faults.len()),
        records: (before.1, best.counts.iter().sum()),
        duration: (before.2, best.duration),
        runs: search.runs,
        failed,
    })
}

/// The scenario with its whole fault schedule as plain actions, and the starting candidate.
fn explicit(s: &Scenario, text: &str, seed: u64) -> Result<(Table, Candidate), String> {
    let mut base: Table = toml::from_str(text).map_err(|e| format!("the scenario is not TOML: {e}"))?;
    base.remove("faults");
    let actions = match base.get_mut("actions") {
        Some(Value::Array(a)) => std::mem::take(a),
        _ => Vec::new(),
    };
    let is_fault = |v: &Value| {
        let name = v.get("do").and_then(Value::as_str).unwrap_or("");
        matches!(name, "crash" | "restart" | "partition" | "heal" | "slow" | "pause")
    };
    let (mut faults, others): (Vec<Value>, Vec<Value>) = actions.into_iter().partition(is_fault);
    base.insert("actions".into(), Value::Array(others));
    if !base.contains_key("seed") {
        base.insert("seed".into(), Value::Integer(0));
    }
    let plan = crate::sim::schedule::plan(s, seed);
    // A drawn action at or after the end never ran; written out, validation would refuse it.
    faults.extend(plan.random.iter().filter(|a| a.at < s.duration).map(action_table));
    let counts = s.producers.iter().map(|p| effective_count(p, s.duration)).collect();
    Ok((base, Candidate { faults, counts, duration: s.duration }))
}

/// How many records a producer sends in a run of `duration`.
fn effective_count(p: &crate::scenario::model::ProducerSpec, duration: SimDuration) -> u64 {
    let window = duration.0.saturating_sub(p.start.0);
    let by_time = window / p.interval_us.max(1) + 1;
    p.count.map_or(by_time, |c| c.min(by_time))
}

/// A fault action as a scenario `[[actions]]` table.
pub fn action_table(a: &ActionSpec) -> Value {
    let mut t = Table::new();
    t.insert("at".into(), Value::String(a.at.to_string()));
    let names =
        |v: &[crate::scenario::model::NodeRef]| Value::Array(v.iter().map(|n| Value::String(n.to_string())).collect());
    let mut put = |k: &str, v: Value| {
        t.insert(k.to_string(), v);
    };
    match &a.action {
        Action::Crash(n) => {
            put("do", "crash".into());
            put("node", n.to_string().into());
        }
        Action::Restart(n) => {
            put("do", "restart".into());
            put("node", n.to_string().into());
        }
        Action::Partition { from, to, oneway } => {
            put("do", "partition".into());
            put("from", names(from));
            if !to.is_empty() {
                put("to", names(to));
            }
            if *oneway {
                put("oneway", true.into());
            }
        }
        Action::Heal => put("do", "heal".into()),
        Action::Slow { node, to, latency } => {
            put("do", "slow".into());
            put("node", node.to_string().into());
            put("latency_ms", (latency.as_millis() as i64).into());
            if !to.is_empty() {
                put("to", names(to));
            }
        }
        Action::Pause { node, duration } => {
            put("do", "pause".into());
            put("node", node.to_string().into());
            put("duration", duration.to_string().into());
        }
        other => put("do", other.describe().into()),
    }
    Value::Table(t)
}

impl Search<'_> {
    /// The candidate as scenario text; `final_form` adds the header and renames it.
    fn render(&self, c: &Candidate, final_form: bool) -> String {
        let mut t = self.base.clone();
        t.insert("duration".into(), Value::String(c.duration.to_string()));
        t.insert("seed".into(), Value::Integer(self.seed as i64));
        if let Some(Value::Array(actions)) = t.get_mut("actions") {
            actions.extend(c.faults.iter().cloned());
            if actions.is_empty() {
                t.remove("actions");
            }
        }
        if let Some(Value::Array(producers)) = t.get_mut("producers") {
            for (p, n) in producers.iter_mut().zip(&c.counts) {
                if let Value::Table(p) = p {
                    p.insert("count".into(), Value::Integer(*n as i64));
                }
            }
        }
        let mut header = String::new();
        if final_form {
            let name = t.get("name").and_then(Value::as_str).unwrap_or("scenario").to_string();
            t.insert("name".into(), Value::String(format!("{name}-min")));
            header = format!(
                "# Shrunk by `kafkasim shrink` from {name} with seed {}: the smallest schedule and workload\n# found that still fails `{}`. Run it with `kafkasim run <this file>`.\n",
                self.seed, self.target
            );
        }
        format!("{header}{}", toml::to_string(&t).expect("a table always serialises"))
    }

    /// Whether the candidate still fails the target (and nothing new).
    fn fails(&mut self, c: &Candidate) -> bool {
        let text = self.render(c, false);
        let Ok(s) = scenario::parse(&text, "candidate", Path::new("candidate.toml")) else { return false };
        self.runs += 1;
        (self.on_run)(self.runs);
        let r = run_seed(&s, self.seed);
        r.failed.iter().any(|f| f == self.target) && r.failed.iter().all(|f| self.allowed.contains(f))
    }

    /// ddmin over the fault list: the smallest list (1-minimal by chunks) that still fails.
    fn ddmin(&mut self, c: Candidate) -> Vec<Value> {
        let mut faults = c.faults.clone();
        let mut n = 2;
        while faults.len() >= 2 {
            let chunk = faults.len().div_ceil(n);
            let mut reduced = false;
            for start in (0..faults.len()).step_by(chunk) {
                let mut rest = faults.clone();
                rest.drain(start..(start + chunk).min(faults.len()));
                if self.fails(&Candidate { faults: rest.clone(), ..c.clone() }) {
                    faults = rest;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
            if !reduced {
                if n >= faults.len() {
                    break;
                }
                n = (n * 2).min(faults.len());
            }
        }
        if faults.len() == 1 && self.fails(&Candidate { faults: Vec::new(), ..c.clone() }) {
            faults.clear();
        }
        faults
    }

    /// Binary-search each producer's count down to the smallest that still fails.
    fn shrink_counts(&mut self, mut c: Candidate) -> Candidate {
        for i in 0..c.counts.len() {
            let (mut lo, mut hi) = (0u64, c.counts[i]);
            // Invariant: `hi` fails; `lo` is not known to fail.
            while hi - lo > 1.max(hi / 50) {
                let mid = lo + (hi - lo) / 2;
                let mut trial = c.clone();
                trial.counts[i] = mid.max(1);
                if self.fails(&trial) {
                    hi = mid.max(1);
                } else {
                    lo = mid;
                }
            }
            c.counts[i] = hi;
        }
        c
    }

    /// Cut the duration towards the last remaining fault (plus a second for its effect).
    fn shrink_duration(&mut self, mut c: Candidate) -> Candidate {
        let last_fault = c
            .faults
            .iter()
            .filter_map(|f| f.get("at").and_then(Value::as_str))
            .filter_map(|t| crate::scenario::duration::parse_duration(t).ok())
            .max()
            .unwrap_or(SimDuration::ZERO);
        let second = SimDuration::from_millis(1_000);
        let mut lo = SimDuration(last_fault.0 + second.0);
        while c.duration.0 > lo.0 + second.0 {
            let mid = SimDuration::from_millis((lo.as_millis() + c.duration.as_millis()) / 2);
            if self.fails(&Candidate { duration: mid, ..c.clone() }) {
                c.duration = mid;
            } else {
                lo = mid;
            }
        }
        c
    }
}
