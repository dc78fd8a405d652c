//! The reference solution of the `high-watermark` exercise.

use crate::types::{BrokerId, Offset};
use std::collections::BTreeMap;

/// The high watermark: the smallest log end offset over the ISR.
pub fn high_watermark(
    leader: BrokerId,
    leader_leo: Offset,
    isr: &[BrokerId],
    follower_leos: &BTreeMap<BrokerId, Offset>,
) -> Offset {
    let mut hw = leader_leo;
    for b in isr {
        let leo = if *b == leader { leader_leo } else { follower_leos.get(b).copied().unwrap_or(Offset(0)) };
        hw = hw.min(leo);
    }
    hw
}
