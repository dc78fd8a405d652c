//! Checker: order within a partition.
//!
//! Kafka promises order per partition, not per topic (seed: 只保证按一个partition中的顺序).
//! Two things are checked:
//! - *producer order*: records one producer sent to one partition, and that survived, sit at
//!   offsets that grow with the order they were sent (a retried batch overtaking a later one
//!   breaks this);
//! - *consumer order*: each consumer receives each partition's records in increasing offset
//!   order, except right after its position was reset.
//!
//! Order *across* partitions is not promised; [`cross_partition_inversions`] counts how often
//! it does not hold, to show students that it really is not.

use super::analysis::Analysis;
use crate::types::{Offset, TopicPartition};
use std::collections::BTreeMap;

/// One broken promise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderViolation {
    /// Where.
    pub tp: TopicPartition,
    /// What happened.
    pub detail: String,
}

/// Violations of producer order and consumer order.
pub fn order_violations(a: &Analysis) -> Vec<OrderViolation> {
    let mut out = producer_order(a);
    out.extend(consumer_order(a));
    out
}

fn producer_order(a: &Analysis) -> Vec<OrderViolation> {
    // Lost records are reported by the loss checker; their (reused) offsets say nothing of order.
    let lost: std::collections::BTreeSet<crate::types::RecordId> =
        super::lost::lost_acked(a).iter().map(|r| r.id).collect();
    let mut by_stream: BTreeMap<(u32, TopicPartition), Vec<(u64, Offset)>> = BTreeMap::new();
    for r in a.acked.iter().filter(|r| !lost.contains(&r.id)) {
        by_stream.entry((r.id.producer, r.tp.clone())).or_default().push((r.id.seq, r.offset));
    }
    let mut out = Vec::new();
    for ((producer, tp), mut records) in by_stream {
        records.sort();
        let mut highest: Option<(u64, Offset)> = None;
        for (seq, offset) in records {
            if let Some((hseq, hoff)) = highest {
                if offset < hoff {
                    let detail =
                        format!("producer p{producer}: record #{seq} is at offset {offset}, before #{hseq} at {hoff}");
                    out.push(OrderViolation { tp: tp.clone(), detail });
                    continue;
                }
            }
            highest = Some((seq, offset));
        }
    }
    out
}

fn consumer_order(a: &Analysis) -> Vec<OrderViolation> {
    let mut out = Vec::new();
    for ((node, tp), view) in &a.consumers {
        for i in 1..view.deliveries.len() {
            let (prev, cur) = (view.deliveries[i - 1].0, view.deliveries[i].0);
            if cur <= prev && !view.resets.contains(&i) {
                let detail = format!("{node} received offset {cur} after {prev}");
                out.push(OrderViolation { tp: tp.clone(), detail });
            }
        }
    }
    out
}

/// How often a consumer received a record before an earlier-sent record of the same producer
/// that sits in another partition: order across partitions is not promised, and this counts
/// how often it did not hold. Not a violation; a lesson.
pub fn cross_partition_inversions(a: &Analysis) -> u64 {
    let mut inversions = 0;
    for arrivals in a.arrivals.values() {
        let mut highest: BTreeMap<u32, (u64, &TopicPartition)> = BTreeMap::new();
        for (tp, id) in arrivals {
            match highest.get(&id.producer) {
                Some((seq, htp)) if id.seq < *seq && *htp != tp => inversions += 1,
                Some((seq, _)) if id.seq < *seq => {}
                _ => {
                    highest.insert(id.producer, (id.seq, tp));
                }
            }
        }
    }
    inversions
}

/// Keys whose records landed in more than one partition of a topic (Kafka's default
/// partitioner never does this while the partition count stays the same).
pub fn key_spread_violations(a: &Analysis) -> Vec<String> {
    a.key_partitions
        .iter()
        .filter(|(_, parts)| parts.len() > 1)
        .map(|((topic, key), parts)| {
            let names: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            format!("{topic}: key {} in {}", String::from_utf8_lossy(key), names.join(", "))
        })
        .collect()
}
