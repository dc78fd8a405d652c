//! The controller: the one node that decides cluster metadata.
//!
//! In Kafka, one node at a time is the *active controller*. It owns the cluster's metadata —
//! which topics exist, how many partitions each has, which brokers hold each partition and
//! which of them leads — and every change goes through it. In the seed's Kafka 2.2 that role
//! was played by a broker elected through ZooKeeper (`zookeeper.connect`); since Kafka 3.3
//! (KRaft) dedicated controller nodes keep the metadata in a replicated log of their own.
//!
//! kafkasim follows KRaft's shape: a separate `controller-1` host holds a versioned
//! [`MetadataImage`](crate::protocol::metadata::MetadataImage); brokers long-poll it with
//! heartbeats and adopt each newer image; admin clients send it topic requests, the way
//! `kafka-topics.sh --zookeeper` went to the metadata store rather than to a broker.
//!
//! Today there is one controller and no quorum: the controller's own failure, leader election
//! after a broker dies and the Raft metadata log arrive with replication. The controller sits
//! behind the plain [`Node`](crate::node::Node) seam, so a ZooKeeper-style or Raft-replicated
//! controller can replace it without touching brokers or clients.
//!
//! - [`placement`]: where a new topic's replicas go (Kafka's round-robin with shifted followers).
//! - [`state`]: the controller's state machine.

pub mod election;
pub mod placement;
pub mod quorum;
pub mod raft;
pub mod state;

pub use state::Controller;
