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
//! With `controllers = 1` that host decides alone. With 3, 5 or 7 the controllers form a Raft
//! quorum ([`raft`], driven by [`quorum`]): one is elected active, every metadata change is a
//! record in the replicated log, only committed metadata is served, and the others answer
//! `NotController` with a pointer to the active one, so losing the active controller loses
//! no decision. The controller sits behind the plain [`Node`](crate::node::Node) seam, so a
//! ZooKeeper-style controller could replace it without touching brokers or clients.
//!
//! - [`election`]: broker liveness and fencing, and choosing partition leaders from the ISR
//!   (clean or, when allowed, unclean), including preferred-leader elections.
//! - [`placement`]: where a new topic's replicas go (Kafka's round-robin with shifted followers).
//! - [`quorum`] and [`raft`]: the metadata log replicated across controllers.
//! - [`state`]: the controller's state machine.

pub mod election;
pub mod placement;
pub mod quorum;
pub mod raft;
pub mod state;

pub use state::Controller;
