//! Exercise `election`: choosing a new partition leader, cleanly or not.
//!
//! When a leader is fenced, the controller picks the first replica, in assignment order, that
//! is alive and in the ISR: it has every committed record (a *clean* election). If no ISR
//! member is alive, `unclean.leader.election.enable=true` lets the first live replica lead
//! anyway, and the ISR becomes just that replica: the partition is available again, at the
//! price of the committed records that replica lacks. With the setting off (Kafka's default)
//! the partition stays offline until an ISR member returns.
//!
//! The oracle is the controller's own rule, [`choose_leader`], which `Controller::elect` calls
//! when a leader is fenced: a student's answer is graded against the code the simulator runs.

mod reference;
mod student;

use super::cluster::{self, ClusterCheck};
use super::{cases_then_cluster, expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::controller::election::{choose_leader, Choice, ElectionRule};
use crate::scenario::model::Rules;
use crate::types::BrokerId;
use rand::Rng;
use std::collections::BTreeSet;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "election",
    summary: "elect a partition leader from the ISR; unclean election only when allowed",
    student_file: "src/exercises/election/student.rs",
    hint: "clean: the first replica in assignment order that is live AND in the ISR, ISR unchanged; \
           none: if unclean is allowed, the first live replica, ISR = [it]; else no leader, ISR unchanged",
    cluster_stage: true,
    grade,
};

/// The outcome of an election.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    /// The new leader, or `None`: the partition is offline.
    pub leader: Option<BrokerId>,
    /// The ISR after the election.
    pub isr: Vec<BrokerId>,
}

impl std::fmt::Display for Election {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.leader {
            Some(l) => write!(f, "leader {l}, isr {}", crate::trace::fmt_brokers(&self.isr)),
            None => write!(f, "no leader (offline), isr {}", crate::trace::fmt_brokers(&self.isr)),
        }
    }
}

type ElectFn = fn(&[BrokerId], &[BrokerId], &BTreeSet<BrokerId>, bool) -> Election;

/// The runs a rule must survive once its cases pass: followers out of the ISR when the leader
/// crashes, unclean election off (a rule that elects an out-of-sync replica loses acknowledged
/// records), and the shipped `unclean-election`, where the setting is on for one topic.
const IN_CLUSTER: [ClusterCheck; 2] = [
    ClusterCheck { scenario: "book/exercises/cluster-election.toml", seeds: &[1, 2, 3] },
    ClusterCheck { scenario: "scenarios/unclean-election.toml", seeds: &[42] },
];

fn grade(opts: &GradeOptions) -> Verdict {
    let (chosen, rule): (ElectFn, ElectionRule) = match opts.which {
        Which::Student => (student::elect, student_rule),
        Which::Reference => (reference::elect, reference_rule),
    };
    let rules = Rules { election: rule, ..Rules::default() };
    cases_then_cluster(opts, || grade_with(opts, chosen), || cluster::grade(EXERCISE.name, opts, &IN_CLUSTER, rules))
}

/// The student's `elect` as the controller calls it.
fn student_rule(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, unclean: bool) -> Option<Choice> {
    as_choice(isr, student::elect(replicas, isr, live, unclean))
}

/// The reference `elect` as the controller calls it.
fn reference_rule(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, unclean: bool) -> Option<Choice> {
    as_choice(isr, reference::elect(replicas, isr, live, unclean))
}

/// An election's leader as the controller's choice: clean if it was in the ISR. (The ISR the
/// answer leaves is graded by the cases; in a cluster the controller applies its own.)
fn as_choice(isr: &[BrokerId], e: Election) -> Option<Choice> {
    e.leader.map(|l| if isr.contains(&l) { Choice::Clean(l) } else { Choice::Unclean(l) })
}

fn grade_with(opts: &GradeOptions, chosen: ElectFn) -> Verdict {
    grade_cases(EXERCISE.name, opts, |seed| {
        let (replicas, isr, live, unclean) = draw_case(seed);
        let expected = oracle(&replicas, &isr, &live, unclean);
        let got = chosen(&replicas, &isr, &live, unclean);
        let live_list: Vec<BrokerId> = live.iter().copied().collect();
        let case = format!(
            "replicas {}, isr {}, live {}, unclean.leader.election.enable={unclean}",
            crate::trace::fmt_brokers(&replicas),
            crate::trace::fmt_brokers(&isr),
            crate::trace::fmt_brokers(&live_list)
        );
        expect_eq(&case, &expected, &got)
    })
}

/// The controller's choice, and the ISR it leaves.
fn oracle(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, unclean: bool) -> Election {
    match choose_leader(replicas, isr, |b| live.contains(b), unclean) {
        Some(Choice::Clean(l)) => Election { leader: Some(l), isr: isr.to_vec() },
        Some(Choice::Unclean(l)) => Election { leader: Some(l), isr: vec![l] },
        None => Election { leader: None, isr: isr.to_vec() },
    }
}

/// 1 to 5 replicas in a shuffled assignment order, an ISR that is a non-empty subset of them,
/// a set of live brokers (often missing every ISR member), and the unclean setting.
fn draw_case(seed: u64) -> (Vec<BrokerId>, Vec<BrokerId>, BTreeSet<BrokerId>, bool) {
    let mut rng = super::case_rng(seed);
    let n = rng.random_range(1..=5u32);
    let mut replicas: Vec<BrokerId> = (1..=n).map(BrokerId).collect();
    for i in (1..replicas.len()).rev() {
        replicas.swap(i, rng.random_range(0..=i));
    }
    let mut isr: Vec<BrokerId> = replicas.iter().copied().filter(|_| rng.random_bool(0.5)).collect();
    if isr.is_empty() {
        isr.push(replicas[rng.random_range(0..replicas.len())]);
    }
    let isr_dead = rng.random_bool(0.5);
    let live: BTreeSet<BrokerId> =
        replicas.iter().copied().filter(|b| !(isr_dead && isr.contains(b)) && rng.random_bool(0.6)).collect();
    (replicas, isr, live, rng.random_bool(0.5))
}
