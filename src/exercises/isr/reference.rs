//! The reference solution of the `isr` exercise.

use super::IsrCase;
use crate::types::BrokerId;

/// The ISR after this check, Kafka's rules: an ISR follower stays while it is caught up (at the
/// leader's log end offset, or fully caught up within `lag_max`); a replica outside joins once
/// it has reached the high watermark and the epoch's start offset and is not fenced; the
/// leader always stays.
pub fn next_isr(case: &IsrCase) -> Vec<BrokerId> {
    let caught_up = |b: &BrokerId| {
        case.followers.get(b).is_some_and(|p| {
            p.log_end_offset == case.leader_leo || p.last_caught_up.is_some_and(|t| case.now.since(t) <= case.lag_max)
        })
    };
    let may_join = |b: &BrokerId| {
        !case.fenced.contains(b)
            && case
                .followers
                .get(b)
                .is_some_and(|p| p.log_end_offset >= case.high_watermark && p.log_end_offset >= case.epoch_start_offset)
    };
    case.replicas
        .iter()
        .copied()
        .filter(|b| {
            let stays = case.isr.contains(b) && caught_up(b);
            let joins = !case.isr.contains(b) && may_join(b);
            *b == case.leader || stays || joins
        })
        .collect()
}
