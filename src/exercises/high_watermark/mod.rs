//! Exercise `high-watermark`: how far a partition is committed.
//!
//! The high watermark is the smallest log end offset among the in-sync replicas, the leader's
//! own included: every ISR member has every record below it, so it survives any clean leader
//! change. Consumers read only below it, and `acks=all` is answered once it passes a record.
//! A replica outside the ISR does not hold it back (that is what leaving the ISR is for); a
//! follower the leader has not heard from yet counts as having nothing.
//!
//! The oracle is the simulator's own [`crate::replication::isr::high_watermark`]. In the
//! cluster stage the leader passes as `isr` the replicas that bound its high watermark (Kafka's
//! `Partition.maybeIncrementLeaderHW`: the ISR, plus replicas a pending change adds and caught-up
//! ones about to join), and it does not call the rule at all while the ISR is below the
//! effective `min.insync.replicas`.

mod reference;
mod student;

use super::cluster::{self, ClusterCheck};
use super::{cases_then_cluster, expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::replication::isr::{high_watermark, FollowerProgress, HighWatermarkRule};
use crate::scenario::model::Rules;
use crate::types::{BrokerId, Offset, SimTime};
use rand::Rng;
use std::collections::BTreeMap;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "high-watermark",
    summary: "compute the high watermark: the smallest log end offset over the ISR",
    student_file: "src/exercises/high_watermark/student.rs",
    hint: "only ISR members count, the leader included (its LEO is leader_leo); an ISR follower missing \
           from follower_leos has fetched nothing yet: offset 0",
    cluster_stage: true,
    grade,
};

type HwFn = fn(BrokerId, Offset, &[BrokerId], &BTreeMap<BrokerId, Offset>) -> Offset;

/// The runs a rule must survive once its cases pass: `acks=all` producers through a leader
/// whose followers fall behind before it crashes (a high watermark that runs ahead of an ISR
/// member acknowledges records the new leader lacks), and the shipped `leader-crash`.
const IN_CLUSTER: [ClusterCheck; 2] = [
    ClusterCheck { scenario: "book/exercises/cluster-high-watermark.toml", seeds: &[1, 2, 3] },
    ClusterCheck { scenario: "scenarios/leader-crash.toml", seeds: &[42] },
];

fn grade(opts: &GradeOptions) -> Verdict {
    let (chosen, rule): (HwFn, HighWatermarkRule) = match opts.which {
        Which::Student => (student::high_watermark, student_rule),
        Which::Reference => (reference::high_watermark, reference_rule),
    };
    let rules = Rules { high_watermark: rule, ..Rules::default() };
    cases_then_cluster(opts, || grade_with(opts, chosen), || cluster::grade(EXERCISE.name, opts, &IN_CLUSTER, rules))
}

/// The student's function as a leader calls it.
fn student_rule(leader: BrokerId, leo: Offset, isr: &[BrokerId], f: &BTreeMap<BrokerId, FollowerProgress>) -> Offset {
    student::high_watermark(leader, leo, isr, &follower_leos(f))
}

/// The reference as a leader calls it.
fn reference_rule(leader: BrokerId, leo: Offset, isr: &[BrokerId], f: &BTreeMap<BrokerId, FollowerProgress>) -> Offset {
    reference::high_watermark(leader, leo, isr, &follower_leos(f))
}

/// What the exercise's function gets: each follower's log end offset.
fn follower_leos(followers: &BTreeMap<BrokerId, FollowerProgress>) -> BTreeMap<BrokerId, Offset> {
    followers.iter().map(|(b, p)| (*b, p.log_end_offset)).collect()
}

fn grade_with(opts: &GradeOptions, chosen: HwFn) -> Verdict {
    grade_cases(EXERCISE.name, opts, |seed| {
        let (leader, leader_leo, isr, leos) = draw_case(seed);
        let progress: BTreeMap<BrokerId, FollowerProgress> = leos
            .iter()
            .map(|(b, leo)| {
                let p = FollowerProgress {
                    log_end_offset: *leo,
                    fetched: true,
                    last_caught_up: None,
                    previous_fetch: (Offset(0), SimTime::ZERO),
                };
                (*b, p)
            })
            .collect();
        let expected = high_watermark(leader, leader_leo, &isr, &progress);
        let got = chosen(leader, leader_leo, &isr, &leos);
        let case = format!(
            "leader {leader} with log end offset {leader_leo}, isr {}, follower log end offsets {}",
            crate::trace::fmt_brokers(&isr),
            show_leos(&leos)
        );
        expect_eq(&case, &expected, &got)
    })
}

/// A leader among 2 to 5 replicas, its ISR (itself and some followers), and what it knows of
/// each follower's log end offset (never past its own; sometimes nothing yet).
fn draw_case(seed: u64) -> (BrokerId, Offset, Vec<BrokerId>, BTreeMap<BrokerId, Offset>) {
    let mut rng = super::case_rng(seed);
    let replicas: Vec<BrokerId> = (1..=rng.random_range(2..=5)).map(BrokerId).collect();
    let leader = replicas[rng.random_range(0..replicas.len())];
    let leader_leo = rng.random_range(0..200u64);
    let isr: Vec<BrokerId> = replicas.iter().copied().filter(|b| *b == leader || rng.random_bool(0.6)).collect();
    let mut leos = BTreeMap::new();
    for b in replicas.iter().copied().filter(|b| *b != leader) {
        if rng.random_bool(0.85) {
            leos.insert(b, Offset(rng.random_range(0..=leader_leo)));
        }
    }
    (leader, Offset(leader_leo), isr, leos)
}

fn show_leos(leos: &BTreeMap<BrokerId, Offset>) -> String {
    let parts: Vec<String> = leos.iter().map(|(b, o)| format!("{b}:{o}")).collect();
    format!("{{{}}}", parts.join(" "))
}
