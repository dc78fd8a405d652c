//! Fetch and ListOffsets: how consumers (and, later, followers) read a partition.

use crate::log::record::Record;
use crate::types::{BrokerId, LeaderEpoch, Offset, SimDuration, TopicPartition};
use serde::{Deserialize, Serialize};

use super::ErrorCode;

/// Read records of one partition starting at an offset.
///
/// Like Kafka's fetch, it is a long poll: if fewer than `min_bytes` are available the broker
/// holds the request for up to `max_wait` before answering with whatever it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRequest {
    /// The partition to read.
    pub tp: TopicPartition,
    /// The first offset wanted.
    pub offset: Offset,
    /// `max.partition.fetch.bytes`: a soft cap (one record is returned even if larger).
    pub max_bytes: u64,
    /// `fetch.min.bytes`.
    pub min_bytes: u64,
    /// `fetch.max.wait.ms`.
    pub max_wait: SimDuration,
    /// Set when a follower replica fetches (Kafka's `replica_id`): it reads up to the log end
    /// offset, not the high watermark, and its progress moves the high watermark.
    pub replica: Option<ReplicaFetch>,
}

/// The follower's side of a replica fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaFetch {
    /// Who is fetching.
    pub broker: BrokerId,
    /// The leader epoch the follower believes current; a mismatch is refused.
    pub leader_epoch: LeaderEpoch,
}

/// KIP-101: ask the leader where a leader epoch ended in its log, so a follower can truncate
/// exactly the records the new leader does not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetsForLeaderEpochRequest {
    /// The partition.
    pub tp: TopicPartition,
    /// The follower's latest epoch.
    pub epoch: LeaderEpoch,
    /// The leader epoch the follower believes current.
    pub current_leader_epoch: LeaderEpoch,
}

/// The leader's answer: the largest epoch at or below the asked one, and its end offset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetsForLeaderEpochResponse {
    /// The partition.
    pub tp: TopicPartition,
    /// `(epoch, end offset)`, or why not.
    pub result: Result<(LeaderEpoch, Offset), ErrorCode>,
}

/// What a fetch returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// The partition read.
    pub tp: TopicPartition,
    /// The offset the fetch asked for.
    pub offset: Offset,
    /// The records, or why there are none.
    pub result: Result<FetchedRecords, ErrorCode>,
    /// The log's bounds `(log start, log end)` when the answer is `OffsetOutOfRange`, so a
    /// follower knows where to restart.
    pub bounds: Option<(Offset, Offset)>,
}

/// Records a fetch returned, with the log's bounds at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedRecords {
    /// Records from the requested offset, below the high watermark.
    pub records: Vec<Record>,
    /// The partition's high watermark: consumers never see records at or past it.
    pub high_watermark: Offset,
    /// The partition's log start offset.
    pub log_start_offset: Offset,
}

/// Which offset a `ListOffsets` request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    /// The log start offset (`auto.offset.reset=earliest`, `--from-beginning`).
    Earliest,
    /// The high watermark (`auto.offset.reset=latest`).
    Latest,
}

/// Ask a partition's leader for its earliest or latest offset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOffsetsRequest {
    /// The partition.
    pub tp: TopicPartition,
    /// Which end.
    pub spec: OffsetSpec,
}

/// The answer to `ListOffsets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOffsetsResponse {
    /// The partition.
    pub tp: TopicPartition,
    /// Which end was asked for.
    pub spec: OffsetSpec,
    /// The offset, or why not.
    pub result: Result<Offset, ErrorCode>,
}
