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

/// KIP-101/279: given the leader's answer `(epoch, end)` for our latest epoch, the offset to
/// truncate to. If the leader knows our epoch, cut where it ended on the leader; if it only
/// knows an older one, cut where *that* epoch ended in our own log, whichever is smaller.
pub fn truncation_offset_by_epoch(log: &PartitionLog, leader_epoch: LeaderEpoch, leader_end: Offset) -> Offset {
    let own_end = match log.end_offset_for_epoch(leader_epoch) {
        Some((e, end)) if e == leader_epoch => end,
        Some((_, end)) => end.min(leader_end),
        None => log.log_start_offset(),
    };
    own_end.min(leader_end).min(log.log_end_offset())
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

    #[test]
    fn truncates_where_the_leader_says_our_epoch_ended() {
        let log = log_with(&[(0, 5), (1, 3)]); // offsets 0..5 in epoch 0, 5..8 in epoch 1
        assert_eq!(truncation_offset_by_epoch(&log, LeaderEpoch(1), Offset(6)), Offset(6));
        assert_eq!(truncation_offset_by_epoch(&log, LeaderEpoch(1), Offset(20)), Offset(8), "never past our own end");
    }

    #[test]
    fn an_older_epoch_on_the_leader_cuts_at_its_end_in_our_log() {
        let log = log_with(&[(0, 5), (2, 3)]);
        // The leader never saw epoch 2; its epoch 0 ended at 4.
        assert_eq!(truncation_offset_by_epoch(&log, LeaderEpoch(0), Offset(4)), Offset(4));
    }
}
