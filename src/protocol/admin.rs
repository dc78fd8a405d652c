//! Topic administration, as `kafka-topics.sh` does it, plus a log dump like
//! `kafka-dump-log.sh` for looking inside a partition's segments.

use crate::types::{BrokerId, Offset, TopicName, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::ErrorCode;

/// `kafka-topics.sh --create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTopicRequest {
    /// `--topic`.
    pub name: TopicName,
    /// `--partitions`.
    pub partitions: u32,
    /// `--replication-factor`.
    pub replication_factor: u32,
    /// `--replica-assignment`: per partition, the brokers holding it (preferred leader first).
    pub assignment: Option<Vec<Vec<BrokerId>>>,
    /// `--config key=value` topic overrides.
    pub config: BTreeMap<String, String>,
}

/// An administrative request to the controller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminRequest {
    /// Create a topic.
    CreateTopic(CreateTopicRequest),
    /// `kafka-topics.sh --delete --topic`.
    DeleteTopic(TopicName),
    /// `kafka-topics.sh --list`.
    ListTopics,
    /// Change a controller setting at run time (e.g. `delete.topic.enable`). Real Kafka reads
    /// that key from `server.properties` at start-up; kafkasim lets a scenario flip it without
    /// a restart so both behaviours fit in one run.
    SetConfig {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
}

/// The controller's answer to an `AdminRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminResponse {
    /// The topic exists now, placed like this.
    Created {
        /// The topic.
        name: TopicName,
        /// Per partition, its replicas.
        assignment: Vec<Vec<BrokerId>>,
    },
    /// The topic is gone.
    Deleted(TopicName),
    /// All topic names, sorted.
    Topics(Vec<TopicName>),
    /// The setting took effect.
    ConfigSet,
    /// The request was refused.
    Error(AdminError),
}

/// Why an admin request was refused: Kafka's error code plus the message a tool would print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminError {
    /// The error code.
    pub code: ErrorCode,
    /// A sentence explaining it.
    pub message: String,
}

impl AdminError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AdminError {
        AdminError { code, message: message.into() }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Ask the broker hosting a partition to describe its segments, and optionally to look one
/// offset up through the sparse index, showing each step (the tutorial's "offset 2049 lives in
/// the segment whose base is 2048").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpLogRequest {
    /// The partition.
    pub tp: TopicPartition,
    /// An offset to find.
    pub lookup: Option<Offset>,
}

/// One segment in a dump.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSummary {
    /// `00000000000000002048.log`.
    pub file: String,
    /// The first offset in it.
    pub base_offset: Offset,
    /// How many records.
    pub records: u64,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// How many sparse index entries its `.index` holds.
    pub index_entries: u64,
}

/// How one offset was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupSummary {
    /// The offset looked up.
    pub offset: Offset,
    /// The segment file that holds it.
    pub segment_file: String,
    /// The segment's base offset.
    pub segment_base: Offset,
    /// The index entry used as a starting point (offset, byte position), if any.
    pub index_entry: Option<(Offset, u64)>,
    /// The byte position of the record in the segment.
    pub position: u64,
    /// Records scanned forward from the index entry.
    pub scanned_records: u64,
}

/// The broker's answer to a dump.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpLogResponse {
    /// The partition.
    pub tp: TopicPartition,
    /// Segments, oldest first, with the log's bounds; or why not.
    pub result: Result<LogDump, ErrorCode>,
}

/// The content of a dump.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogDump {
    /// Log start offset.
    pub log_start_offset: Offset,
    /// Log end offset.
    pub log_end_offset: Offset,
    /// Every segment, oldest first.
    pub segments: Vec<SegmentSummary>,
    /// The lookup, if one was asked for: `Err` when the offset is out of range.
    pub lookup: Option<Result<LookupSummary, ErrorCode>>,
}
