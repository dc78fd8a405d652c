//! The wire protocol: plain data that nodes exchange.
//!
//! Kafka clients and brokers talk in request/response pairs matched by a correlation id; so do
//! kafkasim's nodes. Every request is one variant of [`Request`] and every answer one variant
//! of [`Response`]. The types here carry no behaviour: the broker, controller and clients
//! decide what to do with them, and `sim/` moves them over turmoil's TCP as length-prefixed
//! frames ([`frame`]).
//!
//! One file per RPC family: [`produce`], [`fetch`] (and `ListOffsets`), [`metadata`],
//! [`admin`] (topic administration and log dumps), [`controller`] (broker heartbeats),
//! [`group`] (consumer groups and committed offsets), and [`notify`] (a request to a service
//! outside Kafka, for the applications around it).
//! Errors use Kafka's names ([`ErrorCode`]).

pub mod admin;
pub mod controller;
pub mod error;
pub mod fetch;
pub mod frame;
pub mod group;
pub mod metadata;
pub mod notify;
pub mod produce;

pub use error::ErrorCode;

use crate::types::TopicName;
use serde::{Deserialize, Serialize};

/// A request from one node to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Which brokers lead which partitions of these topics (all topics when `None`).
    Metadata {
        /// Topics of interest.
        topics: Option<Vec<TopicName>>,
        /// Whether the broker may auto-create missing topics (`allow.auto.create.topics`).
        allow_auto_create: bool,
    },
    /// Append records to a partition.
    Produce(produce::ProduceRequest),
    /// Read records from a partition.
    Fetch(fetch::FetchRequest),
    /// Find a partition's earliest or latest offset.
    ListOffsets(fetch::ListOffsetsRequest),
    /// Topic administration, sent to the controller.
    Admin(admin::AdminRequest),
    /// Describe a partition's segments.
    DumpLog(admin::DumpLogRequest),
    /// A broker's heartbeat to the controller.
    BrokerHeartbeat(controller::BrokerHeartbeat),
    /// A broker forwards a topic creation to the controller.
    ForwardCreate(controller::ForwardCreate),
    /// A follower asks where a leader epoch ended.
    OffsetsForLeaderEpoch(fetch::OffsetsForLeaderEpochRequest),
    /// A leader proposes an ISR change.
    AlterPartition(controller::AlterPartition),
    /// A consumer group RPC.
    Group(group::GroupRequest),
    /// Controller-to-controller Raft traffic for the metadata log, encoded by the controller
    /// (opaque here, so the protocol layer needs no knowledge of Raft). Never answered.
    Raft(Vec<u8>),
    /// Ask a gateway outside Kafka to send a notification.
    Notify(notify::NotifyRequest),
}

/// The answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Answer to `Metadata`.
    Metadata(metadata::MetadataImage),
    /// Answer to `Produce`.
    Produce(produce::ProduceResponse),
    /// Answer to `Fetch`.
    Fetch(fetch::FetchResponse),
    /// Answer to `ListOffsets`.
    ListOffsets(fetch::ListOffsetsResponse),
    /// Answer to `Admin`.
    Admin(admin::AdminResponse),
    /// Answer to `DumpLog`.
    DumpLog(admin::DumpLogResponse),
    /// Answer to `BrokerHeartbeat`.
    Heartbeat(controller::HeartbeatResponse),
    /// Answer to `ForwardCreate` (the admin outcome).
    Forwarded(admin::AdminResponse),
    /// Answer to `OffsetsForLeaderEpoch`.
    OffsetsForLeaderEpoch(fetch::OffsetsForLeaderEpochResponse),
    /// Answer to `AlterPartition`.
    AlterPartition(controller::AlterPartitionResponse),
    /// Answer to `Group`.
    Group(group::GroupResponse),
    /// This controller is not the active one: ask `leader` instead, if known (`NotController`).
    NotController {
        /// The active controller, if this one knows it.
        leader: Option<crate::types::NodeName>,
    },
    /// Answer to `Notify`: the notification was sent.
    Notified,
}

/// A correlation id: matches a response to its request on one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CorrelationId(pub u64);

/// What travels in one frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A request and the id its answer will carry.
    Request(CorrelationId, Request),
    /// An answer.
    Response(CorrelationId, Response),
}
