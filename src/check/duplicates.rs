//! Checker: records delivered more than once to the same consumer.
//!
//! A duplicate is the same record (same producer and sequence number) delivered again to the
//! same consumer, whether because the log holds it twice (a producer retry after a lost
//! acknowledgement) or because the consumer read the same offset twice (a reset, or later a
//! rebalance before a commit). Kafka's default delivery is at-least-once, so duplicates are
//! possible by design; a scenario states how many it expects.

use super::analysis::Analysis;
use crate::types::RecordId;
use std::collections::BTreeSet;

/// The number of extra deliveries across all consumers.
pub fn duplicate_deliveries(a: &Analysis) -> u64 {
    let mut extra = 0;
    let mut current: Option<&crate::types::NodeName> = None;
    let mut seen: BTreeSet<RecordId> = BTreeSet::new();
    for ((node, _tp), view) in &a.consumers {
        if current != Some(node) {
            current = Some(node);
            seen.clear();
        }
        for (_, id) in &view.deliveries {
            if !seen.insert(*id) {
                extra += 1;
            }
        }
    }
    extra
}
