//! YOUR FILE for the `high-watermark` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise high-watermark`
//!
//! Task: compute a partition's high watermark on its leader. You get the leader's id and its
//! own log end offset (LEO), the ISR (in-sync replicas, the leader included), and the LEO of
//! each follower the leader has heard from (`follower_leos`; a follower missing from it has not
//! fetched yet). The high watermark is the smallest LEO among the ISR members: every in-sync
//! replica has every record below it. Replicas outside the ISR do not count — that is what
//! dropping them from the ISR is for — and an ISR follower not heard from counts as 0.
//!
//! The starter takes the smallest LEO of every replica it knows, in sync or not: safe, but a
//! single slow follower outside the ISR would stall every `acks=all` producer.

use crate::types::{BrokerId, Offset};
use std::collections::BTreeMap;

/// The high watermark.
pub fn high_watermark(
    leader: BrokerId,
    leader_leo: Offset,
    isr: &[BrokerId],
    follower_leos: &BTreeMap<BrokerId, Offset>,
) -> Offset {
    let _ = (leader, isr);
    follower_leos.values().copied().fold(leader_leo, Offset::min)
}
