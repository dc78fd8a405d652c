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
    /// Start leading at `now`. Followers start with nothing known but count as caught up now, so
    /// a fresh leader does not evict them before their first fetch (as Kafka does).
    pub fn new(
        me: BrokerId,
        now: SimTime,
        epoch: LeaderEpoch,
        partition_epoch: u32,
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
    ) -> LeaderState {
        // Only in-sync followers get the benefit of the doubt; others must prove themselves.
        let followers = replicas
            .iter()
            .filter(|b| **b != me)
            .map(|b| {
                let last_caught_up = if isr.contains(b) { now } else { SimTime::ZERO };
                (
                    *b,
                    FollowerProgress {
                        log_end_offset: Offset(0),
                        last_caught_up,
                        previous_fetch: (Offset(u64::MAX), now),
                    },
                )
            })
            .collect();
        let mut isr = isr;
        if !isr.contains(&me) {
            isr.insert(0, me);
        }
        LeaderState { me, epoch, partition_epoch, replicas, isr, followers, pending: None }
    }

    /// A follower fetched from `fetch_offset` while the leader's log ended at `leader_leo`.
    pub fn on_fetch(&mut self, now: SimTime, follower: BrokerId, fetch_offset: Offset, leader_leo: Offset) {
        let fresh = FollowerProgress {
            log_end_offset: Offset(0),
            last_caught_up: SimTime::ZERO,
            previous_fetch: (Offset(u64::MAX), now),
        };
        let p = self.followers.entry(follower).or_insert(fresh);
        p.log_end_offset = fetch_offset;
        if fetch_offset >= leader_leo {
            p.last_caught_up = now;
        } else if fetch_offset >= p.previous_fetch.0 {
            p.last_caught_up = p.last_caught_up.max(p.previous_fetch.1);
        }
        p.previous_fetch = (leader_leo, now);
    }

    /// The high watermark given the leader's log end offset, computed by `rule` (the
    /// simulator's [`isr::high_watermark`], or an exercise's).
    pub fn high_watermark(&self, leader_leo: Offset, rule: isr::HighWatermarkRule) -> Offset {
        rule(self.me, leader_leo, &self.isr, &self.followers)
    }

    /// An ISR change to propose now, with the reason, if one is due and none is pending.
    pub fn proposal(&self, now: SimTime, hw: Offset, lag_max: SimDuration) -> Option<(Vec<BrokerId>, String)> {
        if self.pending.is_some() {
            return None;
        }
        let out = isr::laggards(now, self.me, &self.isr, &self.followers, lag_max);
        let join = isr::ready_to_join(now, &self.isr, &self.replicas, &self.followers, hw, lag_max);
        if out.is_empty() && join.is_empty() {
            return None;
        }
        let new_isr: Vec<BrokerId> = self
            .replicas
            .iter()
            .copied()
            .filter(|b| (self.isr.contains(b) && !out.contains(b)) || join.contains(b))
            .collect();
        let mut reasons = Vec::new();
        if !out.is_empty() {
            reasons.push(format!("{} not caught up within replica.lag.time.max.ms", crate::trace::fmt_brokers(&out)));
        }
        if !join.is_empty() {
            reasons.push(format!("{} caught up to the high watermark", crate::trace::fmt_brokers(&join)));
        }
        Some((new_isr, reasons.join("; ")))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<BrokerId> {
        v.iter().map(|&b| BrokerId(b)).collect()
    }

    #[test]
    fn high_watermark_follows_the_slowest_in_sync_follower() {
        let mut l = LeaderState::new(BrokerId(1), SimTime::ZERO, LeaderEpoch(1), 0, ids(&[1, 2, 3]), ids(&[1, 2, 3]));
        assert_eq!(l.high_watermark(Offset(10), isr::high_watermark), Offset(0));
        l.on_fetch(SimTime::ZERO, BrokerId(2), Offset(10), Offset(10));
        l.on_fetch(SimTime::ZERO, BrokerId(3), Offset(6), Offset(10));
        assert_eq!(l.high_watermark(Offset(10), isr::high_watermark), Offset(6));
    }

    #[test]
    fn proposes_shrink_then_expand() {
        let lag = SimDuration::from_millis(1000);
        let mut l = LeaderState::new(BrokerId(1), SimTime::ZERO, LeaderEpoch(1), 0, ids(&[1, 2, 3]), ids(&[1, 2, 3]));
        let now = SimTime::from_millis(1500);
        l.on_fetch(now, BrokerId(2), Offset(5), Offset(5));
        let (isr, reason) = l.proposal(now, Offset(5), lag).expect("3 lags");
        assert_eq!(isr, ids(&[1, 2]));
        assert!(reason.contains("[3]"), "{reason}");
        l.adopt(1, &isr);
        l.on_fetch(now, BrokerId(3), Offset(5), Offset(5));
        assert_eq!(l.proposal(now, Offset(5), lag).expect("3 is back").0, ids(&[1, 2, 3]));
    }
}
