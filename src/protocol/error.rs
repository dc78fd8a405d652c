//! Kafka's error codes, by their Kafka names.
//!
//! Protocol outcomes are data, not panics: a broker that is not the leader answers
//! `NotLeaderOrFollower`, and the client decides what to do. Keeping Kafka's own names (and
//! numeric codes) means what a student reads in a kafkasim trace is what they will read in a
//! real broker's log.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An error a Kafka broker or controller returns, with Kafka's numeric code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// 1: the requested offset is below the log start offset or above the log end offset.
    OffsetOutOfRange,
    /// 3: the topic or partition does not exist (or is not hosted here).
    UnknownTopicOrPartition,
    /// 5: the partition has no leader right now (e.g. a topic being created).
    LeaderNotAvailable,
    /// 6: this broker is not the leader (or a follower) of the partition.
    NotLeaderOrFollower,
    /// 7: the request did not complete in time.
    RequestTimedOut,
    /// 10: a record batch is larger than `message.max.bytes` (Kafka's `MESSAGE_TOO_LARGE`).
    RecordTooLarge,
    /// 13: the connection broke before a response arrived.
    NetworkException,
    /// 17: the topic name is not legal.
    InvalidTopic,
    /// 19: fewer in-sync replicas than `min.insync.replicas`; nothing was written.
    NotEnoughReplicas,
    /// 20: written to the leader, but the ISR shrank below `min.insync.replicas` before acks.
    NotEnoughReplicasAfterAppend,
    /// 36: a topic with that name already exists.
    TopicAlreadyExists,
    /// 37: the partition count is not legal.
    InvalidPartitions,
    /// 38: the replication factor is larger than the number of brokers, or below 1.
    InvalidReplicationFactor,
    /// 39: an explicit replica assignment names unknown brokers or is malformed.
    InvalidReplicaAssignment,
    /// 40: a configuration value is not legal.
    InvalidConfig,
    /// 41: the request went to a node that is not the active controller.
    NotController,
    /// 45: an idempotent producer's batch skipped sequence numbers.
    OutOfOrderSequenceNumber,
    /// 73: `delete.topic.enable=false`: the controller refuses to delete topics.
    TopicDeletionDisabled,
    /// 74: the request carries an older leader epoch than the broker's: the sender is stale.
    FencedLeaderEpoch,
    /// 75: the request carries a newer leader epoch than the broker knows: the broker is stale.
    UnknownLeaderEpoch,
    /// 95: an ISR change was proposed against an outdated partition state (Kafka's
    /// `INVALID_UPDATE_VERSION`; 82 is `FENCED_INSTANCE_ID`).
    InvalidUpdateVersion,
    /// 107: a proposed ISR adds a replica that may not join (fenced or shutting down).
    IneligibleReplica,
    /// The group's coordinator is not available yet (its offsets partition has no leader,
    /// or `__consumer_offsets` is still being created).
    CoordinatorNotAvailable,
    /// This broker does not coordinate the group: find the coordinator again.
    NotCoordinator,
    /// The member's generation is not the group's current one.
    IllegalGeneration,
    /// The member supports none of the assignors the group uses.
    InconsistentGroupProtocol,
    /// The coordinator does not know this member (it was evicted or left).
    UnknownMemberId,
    /// `session.timeout.ms` is outside the broker's `group.min.session.timeout.ms` ..
    /// `group.max.session.timeout.ms` (Kafka's `INVALID_SESSION_TIMEOUT`, not retriable).
    InvalidSessionTimeout,
    /// The group is rebalancing: rejoin.
    RebalanceInProgress,
    /// Not a Kafka code: a commit was rejected because the member is no longer part of the
    /// group's current generation (Kafka's `CommitFailedException`).
    CommitFailed,
    /// Not a Kafka code: the producer gave up after `delivery.timeout.ms`
    /// (Kafka raises a `TimeoutException` in the send callback).
    DeliveryTimeout,
    /// Not a Kafka code: `send()` waited `max.block.ms` for buffer space
    /// (Kafka's `BufferExhaustedException`).
    BufferExhausted,
    /// Not a Kafka code: `send()` waited `max.block.ms` for the topic's metadata
    /// (Kafka: "Topic X not present in metadata after N ms", a `TimeoutException`).
    MetadataTimeout,
    /// Not a Kafka code: a consumer with `auto.offset.reset=none` had no position to start
    /// from or fell out of range (Kafka's `NoOffsetForPartitionException`).
    NoOffsetForPartition,
}

impl ErrorCode {
    /// Kafka's numeric code (`-1` for the client-side ones that have none).
    pub fn code(self) -> i16 {
        match self {
            ErrorCode::OffsetOutOfRange => 1,
            ErrorCode::UnknownTopicOrPartition => 3,
            ErrorCode::LeaderNotAvailable => 5,
            ErrorCode::NotLeaderOrFollower => 6,
            ErrorCode::RequestTimedOut => 7,
            ErrorCode::RecordTooLarge => 10,
            ErrorCode::NetworkException => 13,
            ErrorCode::InvalidTopic => 17,
            ErrorCode::NotEnoughReplicas => 19,
            ErrorCode::NotEnoughReplicasAfterAppend => 20,
            ErrorCode::TopicAlreadyExists => 36,
            ErrorCode::InvalidPartitions => 37,
            ErrorCode::InvalidReplicationFactor => 38,
            ErrorCode::InvalidReplicaAssignment => 39,
            ErrorCode::InvalidConfig => 40,
            ErrorCode::NotController => 41,
            ErrorCode::OutOfOrderSequenceNumber => 45,
            ErrorCode::TopicDeletionDisabled => 73,
            ErrorCode::FencedLeaderEpoch => 74,
            ErrorCode::UnknownLeaderEpoch => 75,
            ErrorCode::InvalidUpdateVersion => 95,
            ErrorCode::IneligibleReplica => 107,
            ErrorCode::CoordinatorNotAvailable => 15,
            ErrorCode::NotCoordinator => 16,
            ErrorCode::IllegalGeneration => 22,
            ErrorCode::InconsistentGroupProtocol => 23,
            ErrorCode::UnknownMemberId => 25,
            ErrorCode::InvalidSessionTimeout => 26,
            ErrorCode::RebalanceInProgress => 27,
            ErrorCode::DeliveryTimeout
            | ErrorCode::BufferExhausted
            | ErrorCode::MetadataTimeout
            | ErrorCode::NoOffsetForPartition
            | ErrorCode::CommitFailed => -1,
        }
    }

    /// Whether a client should retry the request (Kafka's `RetriableException`).
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            ErrorCode::LeaderNotAvailable
                | ErrorCode::NotLeaderOrFollower
                | ErrorCode::RequestTimedOut
                | ErrorCode::NetworkException
                | ErrorCode::NotEnoughReplicas
                | ErrorCode::NotEnoughReplicasAfterAppend
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownLeaderEpoch
                | ErrorCode::OutOfOrderSequenceNumber
                | ErrorCode::CoordinatorNotAvailable
                | ErrorCode::NotCoordinator
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_kafka() {
        assert_eq!(ErrorCode::UnknownTopicOrPartition.code(), 3);
        assert_eq!(ErrorCode::TopicDeletionDisabled.code(), 73);
        // Errors.java: INVALID_UPDATE_VERSION(95), INELIGIBLE_REPLICA(107); 82 is FENCED_INSTANCE_ID.
        assert_eq!(ErrorCode::InvalidUpdateVersion.code(), 95);
        assert_eq!(ErrorCode::IneligibleReplica.code(), 107);
        assert_eq!(ErrorCode::NotEnoughReplicasAfterAppend.code(), 20);
        assert_eq!(ErrorCode::InvalidSessionTimeout.code(), 26);
        assert_eq!(ErrorCode::InvalidReplicationFactor.to_string(), "InvalidReplicationFactor");
    }
}
