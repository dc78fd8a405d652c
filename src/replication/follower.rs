//! A follower's side of replication: where to cut its log when the leader changes.

use crate::log::PartitionLog;
use crate::types::{BrokerId, LeaderEpoch, NodeName, Offset, SimTime};

/// Where a follower is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Just became follower: must find out what to truncate before fetching.
    Truncating,
    /// Fetching from its log end offset.
    Fetching,
}

/// The follower's view of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerState {
    /// The leader.
    pub leader: BrokerId,
    /// The leader's host.
    pub leader_node: NodeName,
    /// The leader epoch it follows in.
    pub epoch: LeaderEpoch,
    /// Where it is.
    pub phase: Phase,
    /// The outstanding request's deadline, if one is out.
    pub in_flight: Option<SimTime>,
    /// Do not send before this time (backoff after an error).
    pub retry_at: SimTime,
}

impl FollowerState {
    /// Start following `leader` in `epoch`.
    pub fn new(leader: BrokerId, leader_node: NodeName, epoch: LeaderEpoch) -> FollowerState {
        FollowerState { leader, leader_node, epoch, phase: Phase::Truncating, in_flight: None, retry_at: SimTime::ZERO }
    }
}

/// Where one `OffsetsForLeaderEpoch` answer leaves the follower: the offset to truncate to,
/// and whether truncation is done or must ask again (Kafka's `OffsetTruncationState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TruncationState {
    /// Truncate the log to this offset now.
    pub offset: Offset,
    /// Done: start fetching. Otherwise ask the leader again about the (now older) latest epoch.
    pub complete: bool,
}

/// KIP-101/279, Kafka's `AbstractFetcherThread.getOffsetTruncationState`: given the leader's
/// answer `(epoch, end)` for our latest epoch, where to cut. Our own entry for `epoch` is the
/// largest epoch we know that is `<= epoch`:
/// - it *is* `epoch`: cut at the smaller of where it ended on the leader and here — done;
/// - it is older (the leader answered with an epoch we never saw): cut where our older epoch
///   ended here, and ask again with it, until the epochs match (KIP-279). Cutting once at the
///   leader's offset could keep records the leader wrote differently in a later epoch;
/// - we know no epoch that old: cut at the leader's offset — done.
///
/// Never past our own log end offset.
pub fn truncation_state(log: &PartitionLog, leader_epoch: LeaderEpoch, leader_end: Offset) -> TruncationState {
    let leo = log.log_end_offset();
    match log.end_offset_for_epoch(leader_epoch) {
        Some((e, end)) if e == leader_epoch => TruncationState { offset: end.min(leader_end).min(leo), complete: true },
        Some((_, end)) => TruncationState { offset: end.min(leo), complete: false },
        None => TruncationState { offset: leader_end.min(leo), complete: true },
    }
}

/// The whole KIP-279 exchange between a follower and a leader, as pure functions of both logs:
/// ask about our latest epoch, cut, and ask again until truncation is complete. Returns the
/// final offset. (The broker runs it one request at a time; exercises and tests use this.)
pub fn truncate_by_epochs(follower: &PartitionLog, leader: &PartitionLog) -> Offset {
    let mut log = follower.clone();
    loop {
        let ours = log.latest_epoch().unwrap_or_default();
        let (epoch, end) = leader.end_offset_for_epoch(ours).unwrap_or((ours, leader.log_start_offset()));
        let state = truncation_state(&log, epoch, end);
        log.truncate_to(state.offset);
        if state.complete {
            return log.log_end_offset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::NewRecord;
    use crate::log::LogConfig;
    use crate::types::{RecordId, TopicName, TopicPartition};

    fn log_with(epochs: &[(u32, u64)]) -> PartitionLog {
        let mut log =
            PartitionLog::new(TopicPartition::new(&TopicName::new("t"), 0), LogConfig::default(), SimTime::ZERO);
        let mut seq = 0;
        for &(epoch, count) in epochs {
            let records = (0..count)
                .map(|_| {
                    seq += 1;
                    NewRecord {
                        id: RecordId { producer: 0, seq },
                        key: None,
                        value: bytes::Bytes::new(),
                        timestamp: SimTime::ZERO,
                    }
                })
                .collect();
            log.append_as_leader(SimTime::ZERO, LeaderEpoch(epoch), records);
        }
        log
    }

    fn cut(log: &PartitionLog, epoch: u32, end: u64) -> (u64, bool) {
        let s = truncation_state(log, LeaderEpoch(epoch), Offset(end));
        (s.offset.0, s.complete)
    }

    #[test]
    fn truncates_where_the_leader_says_our_epoch_ended() {
        let log = log_with(&[(0, 5), (1, 3)]); // offsets 0..5 in epoch 0, 5..8 in epoch 1
        assert_eq!(cut(&log, 1, 6), (6, true));
        assert_eq!(cut(&log, 1, 20), (8, true), "never past our own end");
    }

    #[test]
    fn an_epoch_we_never_saw_cuts_at_our_older_epoch_and_asks_again() {
        let log = log_with(&[(0, 5), (3, 5)]); // epoch 0: 0..5, epoch 3: 5..10
                                               // The leader never saw epoch 3; its newest epoch <= 3 is 2, ending at 12. We never saw 2.
        assert_eq!(cut(&log, 2, 12), (5, false), "cut to the end of our epoch 0, ask again");
    }

    /// KIP-279: one round would keep offsets 3 and 4 of epoch 0, which the leader wrote in
    /// epoch 2; the second round (about epoch 0) cuts them.
    #[test]
    fn the_exchange_loops_until_the_epochs_match() {
        let follower = log_with(&[(0, 5), (3, 5)]);
        let leader = log_with(&[(0, 3), (2, 9)]); // epoch 0: 0..3, epoch 2: 3..12
        assert_eq!(truncate_by_epochs(&follower, &leader), Offset(3));
        let same = log_with(&[(0, 5), (1, 3)]);
        let ahead = log_with(&[(0, 5), (1, 2), (4, 6)]);
        assert_eq!(truncate_by_epochs(&same, &ahead), Offset(7), "epoch 1 ended at 7 on the leader");
    }

    #[test]
    fn no_epoch_that_old_cuts_at_the_leaders_offset() {
        let log = log_with(&[(2, 5)]);
        assert_eq!(cut(&log, 1, 3), (3, true));
    }
}
