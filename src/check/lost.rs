//! Checker: no acknowledged record is lost.
//!
//! A record the producer saw acknowledged at offset `o` of partition `p` must still be at `o`
//! in `p`'s final log — unless it was removed on purpose: retention moved the log start past
//! it, or its topic was deleted. Anything else (the offset is past the log end, or holds a
//! different record) is a lost write, the anomaly Kafka's durability settings exist to prevent.

use super::analysis::{AckedRecord, Analysis};

/// Acknowledged records that are missing from the final logs.
pub fn lost_acked(a: &Analysis) -> Vec<AckedRecord> {
    a.acked
        .iter()
        .filter(|r| !a.deleted_topics.contains(&r.tp.topic))
        .filter(|r| {
            let Some(p) = a.partitions.get(&r.tp) else { return true };
            let (Some(start), Some(end)) = (p.log_start_offset, p.log_end_offset) else { return true };
            if r.offset < start {
                return false;
            }
            r.offset >= end || p.log.get(&r.offset) != Some(&r.id)
        })
        .cloned()
        .collect()
}
