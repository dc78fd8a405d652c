//! What a group coordinator writes to `__consumer_offsets`, and how it finds a group's
//! partition there.
//!
//! The coordinator keeps groups in memory but writes every change that must survive it to its
//! partition of `__consumer_offsets`, an ordinary replicated topic: committed offsets (one
//! record per partition and commit) and the group's metadata (generation, leader, members
//! and their assignment) after each rebalance. When the coordinator's broker dies, the new
//! leader of that partition replays the records and carries on: that is why committed
//! offsets survive a coordinator failover, and why they are only as safe as that topic's
//! replication (`offsets.topic.replication.factor`).
//!
//! Kafka compacts the topic, keeping the last record per key; kafkasim keeps every record
//! and replays the latest per key, which gives the same state.

use super::assignor::{Strategy, Subscription};
use crate::log::NewRecord;
use crate::types::{Generation, GroupId, MemberId, Offset, RecordId, SimDuration, SimTime, TopicPartition};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// The topic's name.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The `RecordId` producer index reserved for coordinator writes (no scenario producer has it).
pub const COORDINATOR_PRODUCER: u32 = u32::MAX;

/// A member as stored with its group's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMember {
    /// Its id.
    pub id: MemberId,
    /// `client.id`.
    pub client_id: String,
    /// `session.timeout.ms`.
    pub session_timeout: SimDuration,
    /// `max.poll.interval.ms`.
    pub rebalance_timeout: SimDuration,
    /// Its supported assignors and subscription.
    pub protocols: Vec<(Strategy, Subscription)>,
    /// Its partitions in this generation.
    pub assignment: Vec<TopicPartition>,
}

/// One record of `__consumer_offsets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupRecord {
    /// One commit's offsets (Kafka writes one record per partition; one record per commit
    /// keeps a commit all-or-nothing here, which Kafka gets from writing them in one batch).
    Offsets {
        /// The group.
        group: GroupId,
        /// Who committed (`None`: a consumer outside group management).
        member: Option<MemberId>,
        /// Per partition, the offset of the next record the group will process.
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A group's state after a rebalance.
    Metadata {
        /// The group.
        group: GroupId,
        /// Its generation.
        generation: Generation,
        /// The chosen assignor (`None` once the group is empty).
        protocol: Option<Strategy>,
        /// The group leader.
        leader: Option<MemberId>,
        /// The members.
        members: Vec<StoredMember>,
        /// The counter new member ids are built from.
        next_member: u64,
    },
}

impl GroupRecord {
    /// The group the record belongs to.
    pub fn group(&self) -> &GroupId {
        match self {
            GroupRecord::Offsets { group, .. } | GroupRecord::Metadata { group, .. } => group,
        }
    }

    /// The record as the log stores it: key `offsets:group` or `metadata:group` (readable in
    /// `dump-log`), value the encoded record.
    pub fn to_log_record(&self, seq: u64, now: SimTime) -> NewRecord {
        let key = match self {
            GroupRecord::Offsets { group, .. } => format!("offsets:{group}"),
            GroupRecord::Metadata { group, .. } => format!("metadata:{group}"),
        };
        let value = postcard::to_stdvec(self).expect("group records always encode");
        NewRecord {
            id: RecordId { producer: COORDINATOR_PRODUCER, seq },
            key: Some(Bytes::from(key.into_bytes())),
            value: Bytes::from(value),
            timestamp: now,
        }
    }

    /// Decode a record read back from the log; `None` for anything that is not one (a
    /// client may have produced garbage to the topic by hand).
    pub fn from_log_record(record: &NewRecord) -> Option<GroupRecord> {
        postcard::from_bytes(&record.value).ok()
    }
}

/// Java's `String.hashCode`, which Kafka uses to place groups.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The partition of `__consumer_offsets` that holds `group`: Kafka's
/// `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions`.
pub fn partition_for(group: &GroupId, partitions: u32) -> u32 {
    assert!(partitions > 0, "__consumer_offsets has at least one partition");
    let h = java_string_hash(&group.0);
    // Kafka's Utils.abs maps i32::MIN to 0 rather than overflowing.
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    abs % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_matches_java() {
        // "hello".hashCode() == 99162322 in Java; "polygenelubricants" hashes to i32::MIN.
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(partition_for(&GroupId("polygenelubricants".into()), 50), 0);
    }

    #[test]
    fn groups_spread_over_partitions_like_kafka() {
        // "test-group".hashCode() = 627841412 (Java); 627841412 % 50 = 12.
        assert_eq!(java_string_hash("test-group"), 627_841_412);
        assert_eq!(partition_for(&GroupId("test-group".into()), 50), 12);
    }

    #[test]
    fn records_round_trip_through_the_log_format() {
        let r = GroupRecord::Offsets {
            group: GroupId("g".into()),
            member: None,
            offsets: vec![(TopicPartition::new(&crate::types::TopicName::new("t"), 1), Offset(7))],
        };
        let stored = r.to_log_record(3, SimTime::ZERO);
        assert_eq!(stored.key.as_deref(), Some(&b"offsets:g"[..]));
        assert_eq!(GroupRecord::from_log_record(&stored), Some(r));
    }
}
