//! Exercise `isr`: who is in sync — shrinking and expanding the ISR.
//!
//! Since Kafka 0.9 (KIP-16's successor rule) "in sync" is about *time*, not offsets: a
//! follower stays in the ISR while it has been fully caught up with the leader within the last
//! `replica.lag.time.max.ms`; one that has not leaves. A replica outside the ISR rejoins when
//! its log end offset has reached the high watermark *and* it has recently been fully caught up
//! (without the second condition a follower just dropped would qualify again at once). An
//! offset-lag rule (`replica.lag.max.messages`, removed in 0.9) flapped under bursts: a burst
//! of 10,000 records put every healthy follower "behind" for a moment.
//!
//! The oracle is the simulator's own [`crate::replication::isr::laggards`] and
//! [`crate::replication::isr::ready_to_join`], combined as the leader does
//! (`LeaderState::proposal`).

mod reference;
mod student;

use super::{expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::replication::isr::{laggards, ready_to_join, FollowerProgress};
use crate::types::{BrokerId, Offset, SimDuration, SimTime};
use rand::Rng;
use std::collections::BTreeMap;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "isr",
    summary: "shrink and expand the ISR by replica.lag.time.max.ms, as the leader proposes it",
    student_file: "src/exercises/isr/student.rs",
    hint: "in sync is about time: now - last_caught_up > lag_max means out; rejoining needs \
           log_end_offset >= high watermark AND now - last_caught_up <= lag_max; the leader always stays",
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
    /// The current high watermark.
    pub high_watermark: Offset,
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
    let out = laggards(c.now, c.leader, &c.isr, &c.followers, c.lag_max);
    let join = ready_to_join(c.now, &c.isr, &c.replicas, &c.followers, c.high_watermark, c.lag_max);
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
    let mut followers = BTreeMap::new();
    for b in replicas.iter().copied().filter(|b| *b != leader) {
        if rng.random_bool(0.1) {
            continue;
        }
        let ago = rng.random_range(0..=2 * lag_max.as_millis());
        let p = FollowerProgress {
            log_end_offset: Offset(rng.random_range(0..=leader_leo)),
            last_caught_up: SimTime::from_millis(now_ms - ago),
            previous_fetch: (Offset(leader_leo), SimTime::from_millis(now_ms)),
        };
        followers.insert(b, p);
    }
    let high_watermark = Offset(rng.random_range(0..=leader_leo));
    IsrCase { now: SimTime::from_millis(now_ms), leader, replicas, isr, followers, high_watermark, lag_max }
}

fn describe(c: &IsrCase) -> String {
    let followers: Vec<String> = c
        .followers
        .iter()
        .map(|(b, p)| {
            format!("{b}: leo {} caught up {} ms ago", p.log_end_offset, c.now.since(p.last_caught_up).as_millis())
        })
        .collect();
    format!(
        "leader {}, replicas {}, isr {}, hw {}, lag max {} ms, followers {{{}}}",
        c.leader,
        crate::trace::fmt_brokers(&c.replicas),
        crate::trace::fmt_brokers(&c.isr),
        c.high_watermark,
        c.lag_max.as_millis(),
        followers.join("; ")
    )
}
