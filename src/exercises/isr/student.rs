//! YOUR FILE for the `isr` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise isr`
//!
//! Task: return the ISR the leader should have now, in replica (assignment) order. You get an
//! [`IsrCase`]: the time, the leader and its log end offset, the replicas, the current ISR,
//! what the leader knows of each follower ([`FollowerProgress`]: its log end offset and
//! `last_caught_up`, the last time it had fetched everything the leader had, `None` if never
//! since this leader began), the high
//! watermark, where the leader's epoch began, the fenced brokers and `replica.lag.time.max.ms`.
//! - The leader always stays in.
//! - An ISR follower stays in while it is caught up: its log end offset equals `leader_leo`, or
//!   `now - last_caught_up <= lag_max`; otherwise it leaves. A follower the leader has never
//!   heard from (missing from `followers`) leaves too.
//! - A replica outside the ISR rejoins when it is not fenced and its log end offset has reached
//!   both the high watermark and `epoch_start_offset`. No time condition: Kafka's
//!   `Partition.isFollowerInSync`.
//!
//! The starter uses the old offset rule: "in sync means it has reached the high watermark".
//! Kafka dropped it in 0.9: it flaps under bursts and keeps a stuck follower that happens to be
//! at the high watermark.
//!
//! [`FollowerProgress`]: crate::replication::isr::FollowerProgress

use super::IsrCase;
use crate::types::BrokerId;

/// The ISR after this check.
pub fn next_isr(case: &IsrCase) -> Vec<BrokerId> {
    case.replicas
        .iter()
        .copied()
        .filter(|b| *b == case.leader || case.followers.get(b).is_some_and(|p| p.log_end_offset >= case.high_watermark))
        .collect()
}
