//! The reference solution of the `election` exercise.

use super::Election;
use crate::types::BrokerId;
use std::collections::BTreeSet;

/// The election's outcome: clean from the ISR, else unclean if allowed, else offline.
pub fn elect(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, unclean_allowed: bool) -> Election {
    let clean = replicas.iter().copied().find(|b| live.contains(b) && isr.contains(b));
    if clean.is_some() {
        return Election { leader: clean, isr: isr.to_vec() };
    }
    if unclean_allowed {
        if let Some(l) = replicas.iter().copied().find(|b| live.contains(b)) {
            return Election { leader: Some(l), isr: vec![l] };
        }
    }
    Election { leader: None, isr: isr.to_vec() }
}
