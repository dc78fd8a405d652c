//! Broker ↔ controller traffic: registration, liveness and metadata propagation.
//!
//! Brokers pull, KRaft-style: each broker heartbeats to the controller every
//! `broker.heartbeat.interval.ms`, saying which metadata version it has, and the controller
//! answers with a newer image when there is one. A broker can also forward a topic creation
//! (for `auto.create.topics.enable`).

use crate::protocol::metadata::PartitionMetadata;
use crate::protocol::ErrorCode;
use crate::types::{BrokerId, LeaderEpoch, TopicPartition};
use serde::{Deserialize, Serialize};

use super::admin::CreateTopicRequest;
use super::metadata::MetadataImage;

/// A broker's periodic heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerHeartbeat {
    /// Who is alive.
    pub broker: BrokerId,
    /// The metadata version the broker holds.
    pub metadata_version: u64,
    /// Grows with every restart of the broker: a new incarnation has lost its memory, so the
    /// controller fences the old one first (moving its leaderships away) before trusting it.
    pub incarnation: u64,
}

/// The controller's answer to a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// A newer image, if the broker's is stale.
    pub image: Option<MetadataImage>,
}

/// A leader's proposal to change a partition's ISR (Kafka's `AlterPartition`, KIP-497).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlterPartition {
    /// The partition.
    pub tp: TopicPartition,
    /// The proposing leader.
    pub leader: BrokerId,
    /// Its leader epoch: a deposed leader's proposal is refused.
    pub leader_epoch: LeaderEpoch,
    /// The partition epoch the proposal is based on.
    pub partition_epoch: u32,
    /// The proposed ISR.
    pub isr: Vec<BrokerId>,
}

/// The controller's answer to `AlterPartition`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlterPartitionResponse {
    /// The partition.
    pub tp: TopicPartition,
    /// The partition's state after the change, or why it was refused.
    pub result: Result<PartitionMetadata, ErrorCode>,
}

/// A topic creation a broker forwards on a client's behalf (auto-creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardCreate {
    /// The topic to create with the broker's defaults.
    pub request: CreateTopicRequest,
}
