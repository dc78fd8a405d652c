//! The reference solution of the `isr` exercise.

use super::IsrCase;
use crate::types::BrokerId;

/// The ISR after this check: time-based shrink, hw-and-time-based expand, leader always in.
pub fn next_isr(case: &IsrCase) -> Vec<BrokerId> {
    let recent = |b: &BrokerId| case.followers.get(b).is_some_and(|p| case.now.since(p.last_caught_up) <= case.lag_max);
    let reached_hw = |b: &BrokerId| case.followers.get(b).is_some_and(|p| p.log_end_offset >= case.high_watermark);
    case.replicas
        .iter()
        .copied()
        .filter(|b| {
            let stays = case.isr.contains(b) && recent(b);
            let joins = !case.isr.contains(b) && reached_hw(b) && recent(b);
            *b == case.leader || stays || joins
        })
        .collect()
}
