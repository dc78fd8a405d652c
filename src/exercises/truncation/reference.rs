//! The reference solution of the `truncation` exercise.

use super::ReplicaLog;
use crate::types::{LeaderEpoch, Offset};

/// The offset to truncate the follower to, by leader epoch.
pub fn truncation_offset(follower: &ReplicaLog, leader: &ReplicaLog) -> Offset {
    let Some(&(latest, _)) = follower.epochs.last() else {
        return Offset(0);
    };
    let (answer_epoch, leader_end) = match end_of_epoch(leader, latest) {
        Some(answer) => answer,
        None => return Offset(0),
    };
    let own_end = match end_of_epoch(follower, answer_epoch) {
        Some((e, end)) if e == answer_epoch => end,
        Some((_, end)) => end.min(leader_end),
        None => Offset(0),
    };
    own_end.min(leader_end).min(follower.log_end_offset)
}

/// `OffsetsForLeaderEpoch` on one log: the largest epoch `<= epoch` it knows and where that
/// epoch ended in it.
fn end_of_epoch(log: &ReplicaLog, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
    let i = log.epochs.iter().rposition(|(e, _)| *e <= epoch)?;
    let end = log.epochs.get(i + 1).map_or(log.log_end_offset, |(_, start)| *start);
    Some((log.epochs[i].0, end))
}
