//! The reference solution of the `truncation` exercise.

use super::ReplicaLog;
use crate::types::{LeaderEpoch, Offset};

/// The offset to truncate the follower to, by leader epoch: KIP-279's loop of
/// `OffsetsForLeaderEpoch` rounds until the answer's epoch is one the follower has.
pub fn truncation_offset(follower: &ReplicaLog, leader: &ReplicaLog) -> Offset {
    let mut follower = follower.clone();
    loop {
        let Some(&(latest, _)) = follower.epochs.last() else {
            return Offset(0);
        };
        let Some((answer_epoch, leader_end)) = end_of_epoch(leader, latest) else {
            return Offset(0);
        };
        let (to, done) = match end_of_epoch(&follower, answer_epoch) {
            Some((e, end)) if e == answer_epoch => (end.min(leader_end), true),
            Some((_, end)) => (end, false),
            None => (leader_end, true),
        };
        let to = to.min(follower.log_end_offset);
        if done {
            return to;
        }
        follower.epochs.retain(|(_, start)| *start < to);
        follower.log_end_offset = to;
    }
}

/// `OffsetsForLeaderEpoch` on one log: the largest epoch `<= epoch` it knows and where that
/// epoch ended in it.
fn end_of_epoch(log: &ReplicaLog, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
    let i = log.epochs.iter().rposition(|(e, _)| *e <= epoch)?;
    let end = log.epochs.get(i + 1).map_or(log.log_end_offset, |(_, start)| *start);
    Some((log.epochs[i].0, end))
}
