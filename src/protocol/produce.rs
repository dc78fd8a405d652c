//! Produce: a producer hands a batch of records for one partition to its leader.

use crate::log::record::NewRecord;
use crate::types::{Offset, TopicPartition};
use serde::{Deserialize, Serialize};

use super::ErrorCode;

/// The producer's `acks` setting: how much durability it waits for before a send succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=0`: fire and forget; the broker sends no response at all.
    None,
    /// `acks=1`: the leader has appended the records to its own log.
    Leader,
    /// `acks=all` (or `-1`): every in-sync replica has them.
    All,
}

impl std::fmt::Display for Acks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        })
    }
}

/// A batch of records for one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceRequest {
    /// Where the records go.
    pub tp: TopicPartition,
    /// What the producer waits for.
    pub acks: Acks,
    /// The records, in the order the producer sent them.
    pub records: Vec<NewRecord>,
    /// Set by an idempotent producer (`enable.idempotence=true`): who it is and the sequence
    /// number of the batch's first record, so the leader can refuse a duplicate.
    pub idempotence: Option<ProducerSequence>,
}

/// An idempotent producer's identity and a batch's first sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerSequence {
    /// The producer id.
    pub producer_id: u64,
    /// The first record's sequence number in this partition.
    pub base_sequence: u64,
}

/// The leader's answer to a produce request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceResponse {
    /// The partition written.
    pub tp: TopicPartition,
    /// The offset of the first record, on success.
    pub result: Result<Offset, ErrorCode>,
}
