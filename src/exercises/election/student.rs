//! YOUR FILE for the `election` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise election`
//!
//! Task: the controller must choose a new leader for a partition. You get its `replicas` (in
//! assignment order: the order of preference), its `isr`, the brokers that are `live`, and
//! whether `unclean.leader.election.enable` is true for its topic. Return the [`Election`]:
//! - clean: the first replica, in assignment order, that is live AND in the ISR leads; the
//!   ISR is unchanged;
//! - if there is none and unclean election is allowed: the first live replica leads and the
//!   ISR becomes just `[that replica]` (it is the only one known to have its own log);
//! - otherwise: no leader (the partition is offline) and the ISR is unchanged.
//!
//! The starter picks the first live replica, in sync or not: always available, and it loses
//! committed records whenever a stale replica comes first.

use super::Election;
use crate::types::BrokerId;
use std::collections::BTreeSet;

/// The election's outcome.
pub fn elect(replicas: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>, unclean_allowed: bool) -> Election {
    let _ = unclean_allowed;
    let leader = replicas.iter().copied().find(|b| live.contains(b));
    Election { leader, isr: isr.to_vec() }
}
