//! The in-sync replica rules and the high watermark, as pure functions.
//!
//! Each follows one predicate of Kafka's `kafka.cluster.Partition` / `Replica` (4.0):
//! - a follower stays in the ISR while it is *caught up* ([`is_caught_up`], Kafka's
//!   `ReplicaState.isCaughtUp`): its log end offset equals the leader's, or it was fully caught
//!   up within `replica.lag.time.max.ms`. So an idle partition never shrinks its ISR;
//! - a replica outside the ISR may join once its log end offset has reached both the high
//!   watermark and the offset where the leader's epoch began, and its broker is not fenced
//!   ([`ready_to_join`], Kafka's `isFollowerInSync` and `isReplicaIsrEligible`). There is no
//!   time condition: the high watermark rule below keeps a follower that is catching up from
//!   being overtaken;
//! - the high watermark is the smallest log end offset over the *maximal* ISR (the committed
//!   ISR plus replicas a pending `AlterPartition` adds, KIP-497) and over replicas that are
//!   caught up and eligible but not yet in it ([`high_watermark_members`], Kafka's
//!   `maybeIncrementLeaderHW`), and it does not move at all while the ISR is smaller than the
//!   effective `min.insync.replicas` ([`effective_min_isr`], KAFKA-15583).

use crate::types::{BrokerId, Offset, SimDuration, SimTime};
use std::collections::BTreeMap;

/// What the leader knows about one follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowerProgress {
    /// The follower's log end offset, as its last fetch offset told (0 until it fetches).
    pub log_end_offset: Offset,
    /// Whether the follower has fetched since this leader took over. Until then Kafka knows
    /// its log end offset as unknown (-1), which equals no leader log end offset.
    pub fetched: bool,
    /// The last time the follower had fetched everything the leader had (Kafka's
    /// `lastCaughtUpTimeMs`); `None`: never since this leader began (Kafka's 0, the epoch, which
    /// is never recent — simulated time starts at 0, so it needs its own value).
    pub last_caught_up: Option<SimTime>,
    /// The leader's log end offset at the follower's previous fetch, and when that was: a
    /// fetch that reaches it proves the follower was caught up *then* (Kafka's rule), so a
    /// follower under steady load still counts as in sync.
    pub previous_fetch: (Offset, SimTime),
}

/// A rule computing a leader's high watermark from its own log end offset, the replicas that
/// hold it back (see [`high_watermark_members`]) and its followers' progress. The simulator
/// runs [`high_watermark`]; the `high-watermark` exercise swaps in a student's rule to run a
/// whole cluster on it.
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

/// Kafka's `Partition.effectiveMinIsr`: `min.insync.replicas`, but never more than the
/// replication factor (a topic configured above its replica count could never be written).
pub fn effective_min_isr(min_insync_replicas: u32, replication_factor: usize) -> usize {
    (min_insync_replicas as usize).min(replication_factor)
}

/// Kafka's `ReplicaState.isCaughtUp`: the follower has exactly the leader's log end offset,
/// or it was fully caught up no longer than `lag_max` ago.
pub fn is_caught_up(p: &FollowerProgress, leader_leo: Offset, now: SimTime, lag_max: SimDuration) -> bool {
    (p.fetched && p.log_end_offset == leader_leo) || p.last_caught_up.is_some_and(|t| now.since(t) <= lag_max)
}

/// Followers in the ISR that are not caught up (Kafka's `getOutOfSyncReplicas`): they leave
/// the ISR. A follower the leader knows nothing about is out of sync.
pub fn laggards(
    now: SimTime,
    leader: BrokerId,
    isr: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    leader_leo: Offset,
    lag_max: SimDuration,
) -> Vec<BrokerId> {
    isr.iter()
        .copied()
        .filter(|b| *b != leader)
        .filter(|b| followers.get(b).is_none_or(|p| !is_caught_up(p, leader_leo, now, lag_max)))
        .collect()
}

/// What decides whether a replica may join the ISR, besides its progress.
#[derive(Clone, Copy, Debug)]
pub struct JoinBar<'a> {
    /// The leader's high watermark.
    pub high_watermark: Offset,
    /// Where the leader's current epoch began in its log (Kafka's `leaderEpochStartOffsetOpt`).
    pub epoch_start_offset: Offset,
    /// Brokers that may not join: fenced or shutting down (Kafka's `isReplicaIsrEligible`).
    pub ineligible: &'a [BrokerId],
}

/// Replicas outside the ISR that may join it (Kafka's `canAddReplicaToIsr` and
/// `isFollowerInSync`): their log end offset has reached the high watermark and the start of
/// the leader's epoch, and their broker is eligible.
pub fn ready_to_join(
    isr: &[BrokerId],
    replicas: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    bar: JoinBar<'_>,
) -> Vec<BrokerId> {
    replicas
        .iter()
        .copied()
        .filter(|b| !isr.contains(b) && !bar.ineligible.contains(b))
        .filter(|b| {
            followers.get(b).is_some_and(|p| {
                p.fetched && p.log_end_offset >= bar.high_watermark && p.log_end_offset >= bar.epoch_start_offset
            })
        })
        .collect()
}

/// The replicas whose log end offsets bound the high watermark (Kafka's
/// `maybeIncrementLeaderHW`): the maximal ISR, plus followers outside it that are caught up
/// and eligible and so about to join — waiting for them keeps a follower that is catching up
/// from falling behind a high watermark driven by the leader alone. In replica order.
pub fn high_watermark_members(
    now: SimTime,
    replicas: &[BrokerId],
    maximal_isr: &[BrokerId],
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    leader_leo: Offset,
    lag_max: SimDuration,
    ineligible: &[BrokerId],
) -> Vec<BrokerId> {
    let waiting_to_join = |b: &BrokerId| {
        !ineligible.contains(b) && followers.get(b).is_some_and(|p| is_caught_up(p, leader_leo, now, lag_max))
    };
    let mut members: Vec<BrokerId> =
        replicas.iter().copied().filter(|b| maximal_isr.contains(b) || waiting_to_join(b)).collect();
    // A leader outside its own assignment (never in this model) would still count itself.
    members.extend(maximal_isr.iter().copied().filter(|b| !replicas.contains(b)));
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(leo: u64, caught_up_ms: u64) -> FollowerProgress {
        let last_caught_up = Some(SimTime::from_millis(caught_up_ms));
        FollowerProgress {
            log_end_offset: Offset(leo),
            fetched: true,
            last_caught_up,
            previous_fetch: (Offset(0), SimTime::ZERO),
        }
    }

    fn ids(v: &[u32]) -> Vec<BrokerId> {
        v.iter().map(|&b| BrokerId(b)).collect()
    }

    fn bar(hw: u64, epoch_start: u64) -> JoinBar<'static> {
        JoinBar { high_watermark: Offset(hw), epoch_start_offset: Offset(epoch_start), ineligible: &[] }
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
    fn effective_min_isr_is_capped_by_the_replication_factor() {
        assert_eq!(effective_min_isr(2, 3), 2);
        assert_eq!(effective_min_isr(3, 2), 2);
    }

    #[test]
    fn lagging_followers_leave_but_one_at_the_leaders_end_stays() {
        let followers = BTreeMap::from([(BrokerId(2), progress(10, 9_000)), (BrokerId(3), progress(4, 1_000))]);
        let lag = SimDuration::from_millis(5_000);
        let now = SimTime::from_millis(10_000);
        assert_eq!(laggards(now, BrokerId(1), &ids(&[1, 2, 3]), &followers, Offset(10), lag), ids(&[3]));
        // An idle partition: 3 last caught up long ago, but it has all the leader has.
        assert!(laggards(now, BrokerId(1), &ids(&[1, 2, 3]), &followers, Offset(4), lag).is_empty());
        // A follower not heard from since this leader began has an unknown end: it never equals.
        let unknown = BTreeMap::from([(BrokerId(2), FollowerProgress { fetched: false, ..progress(0, 0) })]);
        assert_eq!(laggards(now, BrokerId(1), &ids(&[1, 2]), &unknown, Offset(0), lag), ids(&[2]));
    }

    #[test]
    fn joining_needs_the_high_watermark_and_the_epoch_start_but_no_recency() {
        let followers = BTreeMap::from([(BrokerId(3), progress(4, 0))]);
        let (isr, replicas) = (ids(&[1, 2]), ids(&[1, 2, 3]));
        assert_eq!(ready_to_join(&isr, &replicas, &followers, bar(4, 0)), ids(&[3]), "caught up long ago is fine");
        assert!(ready_to_join(&isr, &replicas, &followers, bar(5, 0)).is_empty(), "below the high watermark");
        assert!(ready_to_join(&isr, &replicas, &followers, bar(4, 6)).is_empty(), "below the epoch start");
        let fenced = [BrokerId(3)];
        let fenced_bar = JoinBar { ineligible: &fenced, ..bar(4, 0) };
        assert!(ready_to_join(&isr, &replicas, &followers, fenced_bar).is_empty(), "a fenced broker");
    }

    #[test]
    fn caught_up_followers_outside_the_isr_hold_the_high_watermark() {
        let lag = SimDuration::from_millis(5_000);
        let now = SimTime::from_millis(10_000);
        let followers = BTreeMap::from([(BrokerId(2), progress(10, 9_000)), (BrokerId(3), progress(4, 1_000))]);
        let replicas = ids(&[1, 2, 3]);
        // 2 is caught up (recently) and about to join; 3 is not.
        let members = high_watermark_members(now, &replicas, &ids(&[1]), &followers, Offset(12), lag, &[]);
        assert_eq!(members, ids(&[1, 2]));
        let members = high_watermark_members(now, &replicas, &ids(&[1]), &followers, Offset(12), lag, &[BrokerId(2)]);
        assert_eq!(members, ids(&[1]), "a fenced broker does not hold it");
    }
}
