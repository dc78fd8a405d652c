//! The run's fault plan: scripted fault actions, state-triggered ones, and the random ones
//! drawn from the seed.
//!
//! `[faults.random]` is a nemesis in Jepsen's sense, but a replayable one: every choice (which
//! kind, which node, when, for how long) comes from one ChaCha stream of the run's seed, so the
//! same seed draws the same schedule on every machine. Only integer draws are used (no floating
//! point), so no platform's maths library can shift a fault by a microsecond. Faults happen one
//! at a time: each waits a quiet `gap`, lasts `length`, and is undone (restart, heal) before the
//! next one starts, so the cluster is never asked to survive more than one fault at once.

use super::seeds;
use crate::scenario::model::{Action, ActionSpec, FaultKind, NodeRef, RandomFaults};
use crate::scenario::Scenario;
use crate::types::SimDuration;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The stream id of the random fault schedule.
pub const FAULT_STREAM: u64 = 3_000;

/// Every fault the driver will carry out, split by how it fires.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Faults at fixed times (scripted and random), in time order.
    pub timed: Vec<ActionSpec>,
    /// Faults that fire when their condition first holds.
    pub triggered: Vec<ActionSpec>,
    /// The random part of `timed`, for printing and repro files.
    pub random: Vec<ActionSpec>,
}

/// The plan of `scenario` under `seed`.
pub fn plan(scenario: &Scenario, seed: u64) -> FaultPlan {
    let random = scenario.random_faults.as_ref().map(|r| draw(r, seed)).unwrap_or_default();
    let faults = scenario.actions.iter().filter(|a| a.action.is_fault());
    let (triggered, mut timed): (Vec<ActionSpec>, Vec<ActionSpec>) = faults.cloned().partition(|a| a.trigger.is_some());
    timed.extend(random.iter().cloned());
    // Stable: at equal times, scripted faults keep their file order and come first.
    timed.sort_by_key(|a| a.at);
    FaultPlan { timed, triggered, random }
}

/// Draw the random schedule: one fault at a time inside the window.
pub fn draw(r: &RandomFaults, seed: u64) -> Vec<ActionSpec> {
    assert!(!r.kinds.is_empty() && !r.nodes.is_empty(), "validation guarantees kinds and nodes");
    assert!(r.length.0 > SimDuration::ZERO, "validation guarantees faults last at least 1ms");
    let mut rng = ChaCha8Rng::seed_from_u64(seeds::stream_seed(seed, FAULT_STREAM));
    let mut out = Vec::new();
    let mut t = r.window.0;
    loop {
        let start = add(t, uniform(&mut rng, r.gap));
        if start >= r.window.1 {
            break;
        }
        let end = add(start, uniform(&mut rng, r.length)).min(r.window.1);
        let kind = r.kinds[rng.random_range(0..r.kinds.len())];
        let node = NodeRef::Name(r.nodes[rng.random_range(0..r.nodes.len())].clone());
        out.extend(fault(kind, node, start, end, r.latency));
        t = end.max(add(start, SimDuration::from_millis(1)));
    }
    out
}

fn add(a: SimDuration, b: SimDuration) -> SimDuration {
    SimDuration(a.0.saturating_add(b.0))
}

/// A duration drawn uniformly from `[lo, hi]`, to the millisecond.
fn uniform(rng: &mut ChaCha8Rng, (lo, hi): (SimDuration, SimDuration)) -> SimDuration {
    let (lo_ms, hi_ms) = (lo.as_millis(), hi.as_millis().max(lo.as_millis()));
    SimDuration::from_millis(rng.random_range(lo_ms..=hi_ms))
}

/// One fault as its start action and (except for a pause) the action that undoes it.
fn fault(
    kind: FaultKind,
    node: NodeRef,
    start: SimDuration,
    end: SimDuration,
    latency: SimDuration,
) -> Vec<ActionSpec> {
    let length = SimDuration(end.0 - start.0);
    match kind {
        FaultKind::Crash => {
            vec![ActionSpec::at(start, Action::Crash(node.clone())), ActionSpec::at(end, Action::Restart(node))]
        }
        FaultKind::Partition => vec![
            ActionSpec::at(start, Action::Partition { from: vec![node], to: Vec::new(), oneway: false }),
            ActionSpec::at(end, Action::Heal),
        ],
        FaultKind::Pause => vec![ActionSpec::at(start, Action::Pause { node, duration: length })],
        FaultKind::Slow => vec![
            ActionSpec::at(start, Action::Slow { node, to: Vec::new(), latency }),
            ActionSpec::at(end, Action::Heal),
        ],
    }
}

/// The schedule as lines a person reads: `12.345s crash broker-2`.
pub fn describe(actions: &[ActionSpec]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match &a.trigger {
            Some(c) if a.delay > SimDuration::ZERO => {
                format!("when {c} (from {}), {} later: {}", a.at, a.delay, a.action.describe())
            }
            Some(c) => format!("when {c} (from {}): {}", a.at, a.action.describe()),
            None => format!("{} {}", a.at, a.action.describe()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NodeName;

    fn spec() -> RandomFaults {
        RandomFaults {
            kinds: FaultKind::ALL.to_vec(),
            nodes: vec![NodeName("broker-1".into()), NodeName("broker-2".into())],
            window: (SimDuration::from_millis(5_000), SimDuration::from_millis(60_000)),
            gap: (SimDuration::from_millis(1_000), SimDuration::from_millis(5_000)),
            length: (SimDuration::from_millis(500), SimDuration::from_millis(8_000)),
            latency: SimDuration::from_millis(300),
        }
    }

    #[test]
    fn same_seed_same_schedule_other_seed_other_schedule() {
        assert_eq!(draw(&spec(), 7), draw(&spec(), 7));
        assert_ne!(draw(&spec(), 7), draw(&spec(), 8));
    }

    #[test]
    fn faults_stay_in_the_window_one_at_a_time() {
        for seed in 0..50 {
            let s = draw(&spec(), seed);
            assert!(!s.is_empty(), "seed {seed}: a 55 s window with gaps of at most 5 s has faults");
            let mut down: Option<SimDuration> = None;
            for a in &s {
                assert!(a.at >= spec().window.0 && a.at <= spec().window.1, "seed {seed}: {a:?}");
                match &a.action {
                    Action::Crash(_) | Action::Partition { .. } | Action::Slow { .. } => {
                        assert!(down.is_none(), "seed {seed}: a fault started before the last one ended");
                        down = Some(a.at);
                    }
                    Action::Restart(_) | Action::Heal => down = None,
                    _ => {}
                }
            }
        }
    }
}
