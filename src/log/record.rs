//! A record: what a producer sends and a consumer reads, once the log has given it an offset.

use crate::types::{LeaderEpoch, Offset, RecordId, SimTime};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Bytes a record costs on top of its key and value. Kafka's v2 record format spends a few
/// varint-encoded bytes per record plus a 61-byte batch header; we fold that into one constant
/// so that `log.segment.bytes` and `retention.bytes` behave at about the same scale as Kafka's.
pub const RECORD_OVERHEAD_BYTES: u64 = 20;

/// A record as a producer hands it over: no offset yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecord {
    /// Who sent it, for the checkers (travels like a producer id + sequence in a batch header).
    pub id: RecordId,
    /// The partitioning key, if any (`key=None` in the seed's consumer output).
    pub key: Option<Bytes>,
    /// The payload.
    pub value: Bytes,
    /// When the producer created it (Kafka's `CreateTime`).
    pub timestamp: SimTime,
}

impl NewRecord {
    /// The record's size on the log, in bytes.
    pub fn size_bytes(&self) -> u64 {
        RECORD_OVERHEAD_BYTES + self.key.as_ref().map_or(0, |k| k.len() as u64) + self.value.len() as u64
    }
}

/// A record stored in a partition's log at a fixed offset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its position in the partition.
    pub offset: Offset,
    /// The leader epoch of the leader that appended it (Kafka stores it in each batch header);
    /// followers use it to find where their log diverges from a new leader's (KIP-101).
    pub leader_epoch: LeaderEpoch,
    /// For an idempotent producer's record: `(producer id, sequence number)`. Kafka keeps these
    /// in batch headers, so any replica that becomes leader can rebuild which sequence numbers
    /// it has already seen and refuse duplicates.
    pub producer_sequence: Option<(u64, u64)>,
    /// The rest, as the producer sent it.
    pub record: NewRecord,
}

impl Record {
    /// The record's size on the log, in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.record.size_bytes()
    }
}
