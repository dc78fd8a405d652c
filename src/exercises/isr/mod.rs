//! Exercise `isr`: who is in sync — shrinking and expanding the ISR.
//!
//! Since Kafka 0.9 "in sync" is about *time*, not offsets: a follower stays in the ISR while
//! it is caught up — its log end offset equals the leader's (an idle partition never shrinks),
//! or it was fully caught up with the leader within the last `replica.lag.time.max.ms` (Kafka's
//! `ReplicaState.isCaughtUp`). One that is not leaves. A replica outside the ISR rejoins as soon
//! as its log end offset has reached the high watermark and the offset where the leader's
//! epoch began, unless its broker is fenced (Kafka's `Partition.isFollowerInSync` and
//! `isReplicaIsrEligible`); there is no time condition on joining. An offset-lag rule
//! (`replica.lag.max.messages`, removed in 0.9) flapped under bursts: a burst of 10,000 records
//! put every healthy follower "behind" for a moment.
//!
//! The oracle is the simulator's own [`crate::replication::isr::laggards`] and
//! [`crate::replication::isr::ready_to_join`], combined into the ISR after one check.

mod reference;
mod student;

use super::{expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::replication::isr::{laggards, ready_to_join, FollowerProgress, JoinBar};
use crate::types::{BrokerId, Offset, SimDuration, SimTime};
use rand::Rng;
use std::collections::BTreeMap;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "isr",
    summary: "shrink and expand the ISR by replica.lag.time.max.ms, as the leader proposes it",
    student_file: "src/exercises/isr/student.rs",
    hint: "stay: log_end_offset == leader_leo OR now - last_caught_up <= lag_max (None: never); join: not fenced, \
           log_end_offset >= high_watermark AND >= epoch_start_offset (no time condition); the leader always stays",
    cluster_stage: false,
    grade,
};

/// Everything the leader knows when it reconsiders the ISR.
#[derive(Clone, Debug)]
pub struct IsrCase {
    /// The simulated time now.
    pub now: SimTime,
    /// The leader (always in the ISR).
    pub leader: BrokerId,
    /// Every replica, in assignment order.
    pub replicas: Vec<BrokerId>,
    /// The current ISR, in assignment order.
    pub isr: Vec<BrokerId>,
    /// What the leader knows of each follower (missing: never fetched).
    pub followers: BTreeMap<BrokerId, FollowerProgress>,
    /// The leader's log end offset.
    pub leader_leo: Offset,
    /// The current high watermark.
    pub high_watermark: Offset,
    /// Where the leader's epoch began in its log: a joining replica must have reached it.
    pub epoch_start_offset: Offset,
    /// Brokers the controller has fenced: they may not join.
    pub fenced: Vec<BrokerId>,
    /// `replica.lag.time.max.ms`.
    pub lag_max: SimDuration,
}

fn grade(opts: &GradeOptions) -> Verdict {
    let chosen: fn(&IsrCase) -> Vec<BrokerId> = match opts.which {
        Which::Student => student::next_isr,
        Which::Reference => reference::next_isr,
    };
    grade_cases(EXERCISE.name, opts, |seed| {
        let case = draw_case(seed);
        let expected = oracle(&case);
        let got = chosen(&case);
        expect_eq(&describe(&case), &crate::trace::fmt_brokers(&expected), &crate::trace::fmt_brokers(&got))
    })
}

/// The ISR the simulator's leader would propose (or keep).
fn oracle(c: &IsrCase) -> Vec<BrokerId> {
    let out = laggards(c.now, c.leader, &c.isr, &c.followers, c.leader_leo, c.lag_max);
    let bar =
        JoinBar { high_watermark: c.high_watermark, epoch_start_offset: c.epoch_start_offset, ineligible: &c.fenced };
    let join = ready_to_join(&c.isr, &c.replicas, &c.followers, bar);
    c.replicas.iter().copied().filter(|b| (c.isr.contains(b) && !out.contains(b)) || join.contains(b)).collect()
}

fn draw_case(seed: u64) -> IsrCase {
    let mut rng = super::case_rng(seed);
    let replicas: Vec<BrokerId> = (1..=rng.random_range(2..=5)).map(BrokerId).collect();
    let leader = replicas[rng.random_range(0..replicas.len())];
    let isr: Vec<BrokerId> = replicas.iter().copied().filter(|b| *b == leader || rng.random_bool(0.6)).collect();
    let lag_max = SimDuration::from_millis([10_000, 30_000][rng.random_range(0..2)]);
    let now_ms = rng.random_range(60_000..120_000u64);
    let leader_leo = rng.random_range(0..500u64);
    let high_watermark = Offset(rng.random_range(0..=leader_leo));
    let epoch_start_offset = Offset(rng.random_range(0..=leader_leo));
    let mut followers = BTreeMap::new();
    for b in replicas.iter().copied().filter(|b| *b != leader) {
        if rng.random_bool(0.1) {
            continue;
        }
        let ago = rng.random_range(0..=2 * lag_max.as_millis());
        // Often exactly at the leader's end (an idle or quiet partition), else anywhere below.
        let log_end_offset =
            if rng.random_bool(0.3) { Offset(leader_leo) } else { Offset(rng.random_range(0..=leader_leo)) };
        let p = FollowerProgress {
            log_end_offset,
            fetched: true,
            // Sometimes never caught up since this leader began (Kafka's lastCaughtUpTimeMs 0).
            last_caught_up: (!rng.random_bool(0.1)).then_some(SimTime::from_millis(now_ms - ago)),
            previous_fetch: (Offset(leader_leo), SimTime::from_millis(now_ms)),
        };
        followers.insert(b, p);
    }
    let fenced = replicas.iter().copied().filter(|b| *b != leader && rng.random_bool(0.1)).collect();
    IsrCase {
        now: SimTime::from_millis(now_ms),
        leader,
        replicas,
        isr,
        followers,
        leader_leo: Offset(leader_leo),
        high_watermark,
        epoch_start_offset,
        fenced,
        lag_max,
    }
}

fn describe(c: &IsrCase) -> String {
    let followers: Vec<String> = c
        .followers
        .iter()
        .map(|(b, p)| {
            let caught_up = match p.last_caught_up {
                Some(t) => format!("caught up {} ms ago", c.now.since(t).as_millis()),
                None => "never caught up".to_string(),
            };
            format!("{b}: leo {} {caught_up}", p.log_end_offset)
        })
        .collect();
    format!(
        "leader {} (leo {}, epoch start {}), replicas {}, isr {}, fenced {}, hw {}, lag max {} ms, followers {{{}}}",
        c.leader,
        c.leader_leo,
        c.epoch_start_offset,
        crate::trace::fmt_brokers(&c.replicas),
        crate::trace::fmt_brokers(&c.isr),
        crate::trace::fmt_brokers(&c.fenced),
        c.high_watermark,
        c.lag_max.as_millis(),
        followers.join("; ")
    )
}
