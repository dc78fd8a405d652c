//! The second stage of an implement-it exercise: a whole cluster run on the student's rule.
//!
//! Matching the simulator on 500 generated cases shows a rule is right; running a cluster on it
//! shows what the rule is *for*. After the cases pass, the grader of `high-watermark` and
//! `election` loads shipped scenarios, swaps the student's function into every broker or
//! controller ([`crate::scenario::model::Rules`]), runs each on a few seeds, and requires what
//! the scenario promises: its checks and its own `[expect]` (for the `cluster-*` scenarios under
//! `book/exercises/`, made to expose a wrong rule: no acknowledged record lost). A run that
//! fails keeps its outputs (trace, summary, timeline) for the student to read, and the verdict
//! names the command that replays exactly that run.
//!
//! `--cluster` skips the cases and runs only this stage; `--scenario NAME` and `--seed N` narrow
//! it to one scenario and one seed (the replay of a failing run).

use super::{GradeOptions, Verdict, Which};
use crate::scenario::model::Rules;
use std::path::PathBuf;

/// One scenario a rule must survive, and the seeds it runs on.
#[derive(Clone, Copy, Debug)]
pub struct ClusterCheck {
    /// A scenario file, relative to the crate's root (`book/exercises/cluster-*.toml`, made to
    /// expose a wrong rule, or a shipped `scenarios/NAME.toml`).
    pub scenario: &'static str,
    /// The seeds, the scenario's own default first.
    pub seeds: &'static [u64],
}

/// Run every check with `rules`; `Pass` says what ran, `Fail` names the first failing run.
pub fn grade(exercise: &str, opts: &GradeOptions, checks: &[ClusterCheck], rules: Rules) -> Verdict {
    let mut ran = Vec::new();
    for check in checks {
        let path = super::crate_file(check.scenario);
        let mut scenario = match crate::scenario::load(&path) {
            Ok(s) => s,
            Err(e) => return Verdict::BadInput(format!("cannot load {}: {e}", path.display())),
        };
        if opts.scenario.as_ref().is_some_and(|only| *only != scenario.name) {
            continue;
        }
        scenario.rules = rules;
        let seeds: Vec<u64> = match opts.seed {
            Some(s) => vec![s],
            None => check.seeds.to_vec(),
        };
        for &seed in &seeds {
            if let Some(failure) = run_one(exercise, opts, &scenario, seed) {
                return failure;
            }
        }
        ran.push(format!("{} seeds {}", scenario.name, join(&seeds)));
    }
    if ran.is_empty() {
        let names: Vec<String> = checks.iter().map(|c| c.scenario.to_string()).collect();
        return Verdict::BadInput(format!("--scenario names none of this stage's scenarios ({})", names.join(", ")));
    }
    Verdict::Pass { detail: format!("a cluster ran on it: {}, each run as its scenario expects", ran.join("; ")) }
}

/// Run one scenario on one seed; `Some(Fail)` if the run broke its promises or panicked.
fn run_one(exercise: &str, opts: &GradeOptions, scenario: &crate::scenario::Scenario, seed: u64) -> Option<Verdict> {
    let name = scenario.name.as_str();
    let replay = replay_command(exercise, name, seed, opts.which);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::cli::run::execute(scenario, seed)));
    let outcome = match outcome {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Some(Verdict::BadInput(format!("{name} (seed {seed}) did not run: {e}"))),
        Err(panic) => {
            let why = super::panic_message(panic.as_ref());
            let detail = format!("a cluster running your rule panicked in {name} (seed {seed}): {why}");
            return Some(Verdict::Fail { seed, detail, replay });
        }
    };
    if outcome.summary.passed {
        return None;
    }
    let failed: Vec<String> = outcome
        .summary
        .invariants
        .iter()
        .chain(&outcome.summary.expectations)
        .filter(|c| !c.passed)
        .map(|c| c.name.clone())
        .collect();
    let out = output_dir(exercise, name, seed);
    let kept = match crate::cli::run::write_outputs(&out, &outcome, true) {
        Ok(_) => format!("; its trace, summary and plots are in {}", out.display()),
        Err(e) => format!("; its outputs could not be written: {e}"),
    };
    let s = &outcome.summary;
    let detail = format!(
        "{}a cluster running your rule fails {name} (seed {seed}): lost_acked={} acked={} failovers={}, \
         failed checks: {}{kept}",
        if opts.cluster { "" } else { "the cases pass, but " },
        s.lost_acked,
        s.acked,
        s.failovers.len(),
        failed.join(", ")
    );
    Some(Verdict::Fail { seed, detail, replay })
}

/// Where a failing cluster run's outputs go.
fn output_dir(exercise: &str, scenario: &str, seed: u64) -> PathBuf {
    PathBuf::from("target/kafkasim").join(format!("exercise-{exercise}")).join(format!("{scenario}-{seed}"))
}

/// The command that replays exactly one cluster run of an exercise.
pub fn replay_command(exercise: &str, scenario: &str, seed: u64, which: Which) -> String {
    let reference = if which == Which::Reference { " --reference" } else { "" };
    format!("kafkasim exercise {exercise} --cluster --scenario {scenario} --seed {seed}{reference}")
}

fn join(seeds: &[u64]) -> String {
    seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::election::Choice;
    use crate::replication::isr::FollowerProgress;
    use crate::types::{BrokerId, Offset};
    use std::collections::{BTreeMap, BTreeSet};

    fn opts() -> GradeOptions {
        GradeOptions { which: Which::Student, seed: None, file: None, cluster: true, scenario: None }
    }

    /// A leader that counts only itself acknowledges `acks=all` records no follower has.
    fn leader_only(_: BrokerId, leo: Offset, _: &[BrokerId], _: &BTreeMap<BrokerId, FollowerProgress>) -> Offset {
        leo
    }

    /// A controller that ignores the ISR: the first live replica leads, in sync or not.
    fn any_live(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, _: bool) -> Option<Choice> {
        let l = replicas.iter().copied().find(|b| live.contains(b))?;
        Some(if isr.contains(&l) { Choice::Clean(l) } else { Choice::Unclean(l) })
    }

    #[test]
    fn a_high_watermark_that_ignores_followers_loses_acknowledged_records_in_a_cluster() {
        let checks = [ClusterCheck { scenario: "book/exercises/cluster-high-watermark.toml", seeds: &[1] }];
        let rules = Rules { high_watermark: leader_only, ..Rules::default() };
        match grade("high-watermark", &opts(), &checks, rules) {
            Verdict::Fail { detail, replay, .. } => {
                assert!(detail.contains("cluster-high-watermark (seed 1)"), "{detail}");
                assert!(detail.contains("failed checks: acked-not-lost"), "{detail}");
                let expected = "kafkasim exercise high-watermark --cluster --scenario cluster-high-watermark --seed 1";
                assert_eq!(replay, expected);
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn an_election_that_ignores_the_isr_loses_acknowledged_records_in_a_cluster() {
        let checks = [ClusterCheck { scenario: "book/exercises/cluster-election.toml", seeds: &[1] }];
        let rules = Rules { election: any_live, ..Rules::default() };
        match grade("election", &opts(), &checks, rules) {
            Verdict::Fail { detail, .. } => assert!(detail.contains("failed checks: acked-not-lost"), "{detail}"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn kafkas_own_rules_pass() {
        let checks = [ClusterCheck { scenario: "scenarios/leader-crash.toml", seeds: &[42] }];
        assert!(matches!(grade("x", &opts(), &checks, Rules::default()), Verdict::Pass { .. }));
    }
}
