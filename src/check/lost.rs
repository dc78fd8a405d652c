//! Checker: no acknowledged record is lost.
//!
//! A record the producer saw acknowledged at offset `o` of partition `p` must still be at `o`
//! in `p`'s final log — unless it was removed on purpose: retention moved the log start past
//! it, or its topic was deleted. Anything else (the offset is past the log end, or holds a
//! different record) is a lost write, the anomaly Kafka's durability settings exist to prevent.

use super::analysis::{AckedRecord, Analysis};

/// Acknowledged records that are missing from the final logs.
///
/// The reference is the leader's log at the end of the run. A partition that ended without a
/// leader (offline) has not lost a record that some replica still holds at its offset: it may
/// come back.
pub fn lost_acked(a: &Analysis) -> Vec<AckedRecord> {
    a.acked
        .iter()
        .filter(|r| !a.deleted_topics.contains(&r.tp.topic))
        .filter(|r| {
            let Some(p) = a.partitions.get(&r.tp) else { return true };
            let candidates: Vec<_> = match a.leader_log(&r.tp) {
                Some(leader) => vec![leader],
                None => p.replicas.iter().collect(),
            };
            if candidates.is_empty() {
                return true;
            }
            let removed_on_purpose = candidates.iter().any(|l| r.offset < l.log_start_offset);
            !removed_on_purpose && !candidates.iter().any(|l| l.at(r.offset) == Some(r.id))
        })
        .cloned()
        .collect()
}

/// Offsets at which a follower's log holds a different record than the leader's, below both
/// the leader's high watermark and the follower's log end: replicas that disagree about
/// committed history (what the pre-KIP-101 truncation rule could cause).
pub fn divergent_offsets(
    a: &Analysis,
) -> Vec<(crate::types::TopicPartition, crate::types::NodeName, crate::types::Offset)> {
    let mut out = Vec::new();
    for (tp, p) in &a.partitions {
        let Some(leader) = a.leader_log(tp) else { continue };
        for f in p.replicas.iter().skip(1) {
            let start = leader.log_start_offset.max(f.log_start_offset).0;
            let end = leader.high_watermark.min(f.log_end_offset()).0;
            for o in start..end {
                let o = crate::types::Offset(o);
                if leader.at(o) != f.at(o) {
                    out.push((tp.clone(), f.node.clone(), o));
                }
            }
        }
    }
    out
}
