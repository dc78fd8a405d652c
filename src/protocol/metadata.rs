//! Cluster metadata: which brokers exist, which topics, and who leads each partition.
//!
//! The controller owns the authoritative copy and hands out versioned snapshots
//! (`MetadataImage`, the name KRaft uses). Brokers answer clients' `Metadata` requests from
//! their latest image, which may lag the controller's by one heartbeat: that lag is real in
//! Kafka too, and is why clients retry on `LeaderNotAvailable` and `NotLeaderOrFollower`.

use crate::types::{BrokerId, LeaderEpoch, NodeName, PartitionId, TopicName, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One partition's placement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMetadata {
    /// The broker that serves reads and writes, if any is available.
    pub leader: Option<BrokerId>,
    /// Bumped on each leader change.
    pub leader_epoch: LeaderEpoch,
    /// All brokers holding a copy, preferred leader first.
    pub replicas: Vec<BrokerId>,
    /// The in-sync replicas.
    pub isr: Vec<BrokerId>,
    /// Bumped on every change of leader or ISR, so a stale ISR proposal can be refused.
    pub partition_epoch: u32,
}

/// One topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMetadata {
    /// Its partitions, indexed by partition id.
    pub partitions: Vec<PartitionMetadata>,
    /// Per-topic overrides of the broker's log settings (`retention.ms`, `segment.bytes`, ...).
    pub config: BTreeMap<String, String>,
}

/// A versioned snapshot of the whole cluster's metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataImage {
    /// Grows by one with every change, so brokers can tell a newer image from an older one.
    pub version: u64,
    /// Registered brokers and their host names.
    pub brokers: BTreeMap<BrokerId, NodeName>,
    /// Brokers the controller considers dead (no heartbeat within `broker.session.timeout.ms`).
    pub fenced: std::collections::BTreeSet<BrokerId>,
    /// Every topic.
    pub topics: BTreeMap<TopicName, TopicMetadata>,
}

impl MetadataImage {
    /// The placement of one partition, if the topic and partition exist.
    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionMetadata> {
        self.topics.get(&tp.topic)?.partitions.get(tp.partition.0 as usize)
    }

    /// The host name of a partition's leader, if it has one.
    pub fn leader_node(&self, tp: &TopicPartition) -> Option<&NodeName> {
        let leader = self.partition(tp)?.leader?;
        self.brokers.get(&leader)
    }

    /// Every partition of a topic, in order.
    pub fn partitions_of(&self, topic: &TopicName) -> Vec<TopicPartition> {
        match self.topics.get(topic) {
            Some(t) => (0..t.partitions.len() as u32)
                .map(|p| TopicPartition { topic: topic.clone(), partition: PartitionId(p) })
                .collect(),
            None => Vec::new(),
        }
    }
}
