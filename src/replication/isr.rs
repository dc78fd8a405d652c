//! The in-sync replica rules and the high watermark, as pure functions.

use crate::types::{BrokerId, Offset, SimDuration, SimTime};
use std::collections::BTreeMap;

/// What the leader knows about one follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowerProgress {
    /// The follower's log end offset, as its last fetch offset told.
    pub log_end_offset: Offset,
    /// The last time the follower had fetched everything the leader had (Kafka's
    /// `lastCaughtUpTimeMs`).
    pub last_caught_up: SimTime,
    /// The leader's log end offset at the follower's previous fetch, and when that was: a
    /// fetch that reaches it proves the follower was caught up *then* (Kafka's rule), so a
    /// follower under steady load still counts as in sync.
    pub previous_fetch: (Offset, SimTime),
}

/// A rule computing a leader's high watermark from its own log end offset, its ISR and its
/// followers' progress. The simulator runs [`high_watermark`]; the `high-watermark` exercise
/// swaps in a student's rule to run a whole cluster on it.
pub type HighWatermarkRule = fn(BrokerId, Offset, &[BrokerId], &BTreeMap<BrokerId, FollowerProgress>) -> Offset;

/// The high watermark: the smallest log end offset among the in-sync replicas (the leader's
/// own included). A follower the leader has not heard from yet counts as having nothing.
pub fn high_watermark(
    leader: BrokerId,
    leader_leo: Offset,
    isr: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
) -> Offset {
    isr.iter()
        .map(|b| if *b == leader { leader_leo } else { followers.get(b).map_or(Offset(0), |p| p.log_end_offset) })
        .min()
        .unwrap_or(leader_leo)
}

/// Followers in the ISR that have not caught up within `lag_max`: they leave the ISR.
pub fn laggards(
    now: SimTime,
    leader: BrokerId,
    isr: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    lag_max: SimDuration,
) -> Vec<BrokerId> {
    isr.iter()
        .copied()
        .filter(|b| *b != leader)
        .filter(|b| followers.get(b).is_none_or(|p| now.since(p.last_caught_up) > lag_max))
        .collect()
}

/// Replicas outside the ISR that have caught up to the high watermark and have recently been
/// fully caught up with the leader: they may rejoin. (Without the second condition a follower
/// that has just been dropped would qualify again at once, against the very high watermark it
/// was holding back.)
pub fn ready_to_join(
    now: SimTime,
    isr: &[BrokerId],
    replicas: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    hw: Offset,
    lag_max: SimDuration,
) -> Vec<BrokerId> {
    replicas
        .iter()
        .copied()
        .filter(|b| !isr.contains(b))
        .filter(|b| followers.get(b).is_some_and(|p| p.log_end_offset >= hw && now.since(p.last_caught_up) <= lag_max))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(leo: u64, caught_up_ms: u64) -> FollowerProgress {
        let last_caught_up = SimTime::from_millis(caught_up_ms);
        FollowerProgress { log_end_offset: Offset(leo), last_caught_up, previous_fetch: (Offset(0), SimTime::ZERO) }
    }

    fn ids(v: &[u32]) -> Vec<BrokerId> {
        v.iter().map(|&b| BrokerId(b)).collect()
    }

    #[test]
    fn high_watermark_is_the_smallest_isr_leo() {
        let followers = BTreeMap::from([(BrokerId(2), progress(7, 0)), (BrokerId(3), progress(3, 0))]);
        assert_eq!(high_watermark(BrokerId(1), Offset(10), &ids(&[1, 2, 3]), &followers), Offset(3));
        assert_eq!(
            high_watermark(BrokerId(1), Offset(10), &ids(&[1, 2]), &followers),
            Offset(7),
            "3 is out of the ISR"
        );
        assert_eq!(high_watermark(BrokerId(1), Offset(10), &ids(&[1]), &followers), Offset(10));
    }

    #[test]
    fn lagging_followers_leave_and_caught_up_ones_rejoin() {
        let followers = BTreeMap::from([(BrokerId(2), progress(10, 9_000)), (BrokerId(3), progress(4, 1_000))]);
        let lag = SimDuration::from_millis(5_000);
        let now = SimTime::from_millis(10_000);
        assert_eq!(laggards(now, BrokerId(1), &ids(&[1, 2, 3]), &followers, lag), ids(&[3]));
        assert_eq!(
            ready_to_join(now, &ids(&[1, 2]), &ids(&[1, 2, 3]), &followers, Offset(10), lag),
            Vec::<BrokerId>::new()
        );
        assert_eq!(
            ready_to_join(now, &ids(&[1, 2]), &ids(&[1, 2, 3]), &followers, Offset(4), lag),
            Vec::<BrokerId>::new(),
            "3 lags in time"
        );
        let recent = BTreeMap::from([(BrokerId(3), progress(4, 9_500))]);
        assert_eq!(ready_to_join(now, &ids(&[1, 2]), &ids(&[1, 2, 3]), &recent, Offset(4), lag), ids(&[3]));
    }
}
