//! What a partition leader tracks about its followers.
//!
//! Invariants:
//! - the leader itself is always in its ISR;
//! - at most one ISR change is waiting for the controller at a time (KIP-497: the leader
//!   proposes, the controller decides).

use super::isr::{self, FollowerProgress};
use crate::types::{BrokerId, LeaderEpoch, Offset, SimDuration, SimTime};
use std::collections::BTreeMap;

/// The leader's view of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderState {
    /// This broker.
    pub me: BrokerId,
    /// The epoch this broker leads in.
    pub epoch: LeaderEpoch,
    /// The leader's log end offset when this epoch began (Kafka's `leaderEpochStartOffsetOpt`):
    /// a follower must have reached it to join the ISR.
    pub epoch_start_offset: Offset,
    /// The partition epoch of the ISR below (for `AlterPartition`).
    pub partition_epoch: u32,
    /// Every replica, preferred first.
    pub replicas: Vec<BrokerId>,
    /// The in-sync replicas as the controller last confirmed them.
    pub isr: Vec<BrokerId>,
    /// Each follower's progress.
    pub followers: BTreeMap<BrokerId, FollowerProgress>,
    /// An ISR change sent to the controller, with when it was sent.
    pub pending: Option<(Vec<BrokerId>, SimTime)>,
}

impl LeaderState {
    /// Start leading at `now` with `leader_leo` in the log. In-sync followers count as caught
    /// up now, so a fresh leader does not evict them before their first fetch; the others
    /// must prove themselves (Kafka's `Replica.resetReplicaState`).
    pub fn new(
        me: BrokerId,
        now: SimTime,
        epoch: LeaderEpoch,
        partition_epoch: u32,
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader_leo: Offset,
    ) -> LeaderState {
        let followers = replicas
            .iter()
            .filter(|b| **b != me)
            .map(|b| {
                let last_caught_up = isr.contains(b).then_some(now);
                (*b, unknown_follower(last_caught_up, now))
            })
            .collect();
        let mut isr = isr;
        if !isr.contains(&me) {
            isr.insert(0, me);
        }
        LeaderState {
            me,
            epoch,
            epoch_start_offset: leader_leo,
            partition_epoch,
            replicas,
            isr,
            followers,
            pending: None,
        }
    }

    /// A follower fetched from `fetch_offset` while the leader's log ended at `leader_leo`
    /// (Kafka's `Replica.updateFetchStateOrThrow`).
    pub fn on_fetch(&mut self, now: SimTime, follower: BrokerId, fetch_offset: Offset, leader_leo: Offset) {
        let p = self.followers.entry(follower).or_insert(unknown_follower(None, now));
        p.log_end_offset = fetch_offset;
        p.fetched = true;
        if fetch_offset >= leader_leo {
            p.last_caught_up = Some(now);
        } else if fetch_offset >= p.previous_fetch.0 {
            p.last_caught_up = p.last_caught_up.max(Some(p.previous_fetch.1));
        }
        p.previous_fetch = (leader_leo, now);
    }

    /// The ISR plus any replica a pending change adds (KIP-497's "maximal" ISR): the high
    /// watermark and `acks=all` count a joining replica before the controller confirms it,
    /// which is only more careful; a pending shrink counts only once confirmed.
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        let pending: &[BrokerId] = self.pending.as_ref().map_or(&[], |(isr, _)| isr);
        self.replicas.iter().copied().filter(|b| self.isr.contains(b) || pending.contains(b)).collect()
    }

    /// The high watermark given the leader's log end offset, computed by `rule` (the
    /// simulator's [`isr::high_watermark`], or an exercise's) over the replicas that bound it
    /// ([`isr::high_watermark_members`]).
    pub fn high_watermark(
        &self,
        now: SimTime,
        leader_leo: Offset,
        lag_max: SimDuration,
        ineligible: &[BrokerId],
        rule: isr::HighWatermarkRule,
    ) -> Offset {
        let members = isr::high_watermark_members(
            now,
            &self.replicas,
            &self.maximal_isr(),
            &self.followers,
            leader_leo,
            lag_max,
            ineligible,
        );
        rule(self.me, leader_leo, &members, &self.followers)
    }

    /// The ISR shrink to propose now, with the reason, if one is due and none is pending
    /// (Kafka's `Partition.maybeShrinkIsr`, run by the `isr-expiration` task).
    pub fn shrink_proposal(
        &self,
        now: SimTime,
        leader_leo: Offset,
        lag_max: SimDuration,
    ) -> Option<(Vec<BrokerId>, String)> {
        if self.pending.is_some() {
            return None;
        }
        let out = isr::laggards(now, self.me, &self.isr, &self.followers, leader_leo, lag_max);
        if out.is_empty() {
            return None;
        }
        let new_isr: Vec<BrokerId> = self.isr.iter().copied().filter(|b| !out.contains(b)).collect();
        let reason = format!("{} not caught up within replica.lag.time.max.ms", crate::trace::fmt_brokers(&out));
        Some((new_isr, reason))
    }

    /// The ISR expansion to propose after `follower` fetched, if it may join and no change is
    /// pending (Kafka's `Partition.maybeExpandIsr`, run on every follower fetch).
    pub fn expand_proposal(&self, follower: BrokerId, bar: isr::JoinBar<'_>) -> Option<Vec<BrokerId>> {
        if self.pending.is_some() {
            return None;
        }
        let join = isr::ready_to_join(&self.isr, &self.replicas, &self.followers, bar);
        if !join.contains(&follower) {
            return None;
        }
        Some(self.replicas.iter().copied().filter(|b| self.isr.contains(b) || *b == follower).collect())
    }

    /// Adopt the controller's view of the ISR if it is newer.
    pub fn adopt(&mut self, partition_epoch: u32, isr: &[BrokerId]) {
        if partition_epoch >= self.partition_epoch {
            self.partition_epoch = partition_epoch;
            self.isr = isr.to_vec();
            self.pending = None;
        }
        assert!(self.isr.contains(&self.me), "a leader is always in its own ISR: {:?}", self.isr);
    }
}

/// A follower this leader has not heard from: unknown log end offset (Kafka's -1).
fn unknown_follower(last_caught_up: Option<SimTime>, now: SimTime) -> FollowerProgress {
    FollowerProgress {
        log_end_offset: Offset(0),
        fetched: false,
        last_caught_up,
        previous_fetch: (Offset(u64::MAX), now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<BrokerId> {
        v.iter().map(|&b| BrokerId(b)).collect()
    }

    const LAG: SimDuration = SimDuration(1_000_000);

    fn leader(isr: &[u32]) -> LeaderState {
        LeaderState::new(BrokerId(1), SimTime::ZERO, LeaderEpoch(1), 0, ids(&[1, 2, 3]), ids(isr), Offset(0))
    }

    #[test]
    fn high_watermark_follows_the_slowest_in_sync_follower() {
        let mut l = leader(&[1, 2, 3]);
        let now = SimTime::ZERO;
        assert_eq!(l.high_watermark(now, Offset(10), LAG, &[], isr::high_watermark), Offset(0));
        l.on_fetch(now, BrokerId(2), Offset(10), Offset(10));
        l.on_fetch(now, BrokerId(3), Offset(6), Offset(10));
        assert_eq!(l.high_watermark(now, Offset(10), LAG, &[], isr::high_watermark), Offset(6));
    }

    #[test]
    fn a_pending_expansion_counts_for_the_high_watermark() {
        let mut l = leader(&[1, 2]);
        let now = SimTime::from_millis(5_000);
        l.on_fetch(now, BrokerId(2), Offset(10), Offset(10));
        l.on_fetch(now, BrokerId(3), Offset(4), Offset(10));
        assert_eq!(l.high_watermark(now, Offset(10), LAG, &[], isr::high_watermark), Offset(10));
        l.pending = Some((ids(&[1, 2, 3]), now));
        assert_eq!(l.high_watermark(now, Offset(10), LAG, &[], isr::high_watermark), Offset(4));
    }

    #[test]
    fn shrinks_on_lag_and_expands_on_reaching_the_high_watermark() {
        let mut l = leader(&[1, 2, 3]);
        let now = SimTime::from_millis(1500);
        l.on_fetch(now, BrokerId(2), Offset(5), Offset(5));
        let (isr, reason) = l.shrink_proposal(now, Offset(5), LAG).expect("3 lags");
        assert_eq!(isr, ids(&[1, 2]));
        assert!(reason.contains("[3]"), "{reason}");
        l.adopt(1, &isr);
        l.on_fetch(now, BrokerId(3), Offset(4), Offset(5));
        let bar = |hw| isr::JoinBar { high_watermark: Offset(hw), epoch_start_offset: Offset(0), ineligible: &[] };
        assert_eq!(l.expand_proposal(BrokerId(3), bar(5)), None, "below the high watermark");
        assert_eq!(l.expand_proposal(BrokerId(3), bar(4)), Some(ids(&[1, 2, 3])), "no recency needed");
    }

    #[test]
    fn an_idle_partition_keeps_its_isr() {
        let mut l = leader(&[1, 2, 3]);
        l.on_fetch(SimTime::ZERO, BrokerId(2), Offset(0), Offset(0));
        l.on_fetch(SimTime::ZERO, BrokerId(3), Offset(0), Offset(0));
        assert_eq!(l.shrink_proposal(SimTime::from_millis(60_000), Offset(0), LAG), None);
    }
}
