//! Consumer groups: how Kafka shares a topic among consumers, and remembers where they are.
//!
//! A consumer group is a set of consumers sharing one `group.id`. Kafka gives each partition
//! of the group's topics to exactly one member at a time, so that:
//! - consumers in *one* group share the work, each record processed once by the group —
//!   point-to-point (单播);
//! - consumers in *different* groups each get every record — publish/subscribe (广播).
//!
//! A partition is the smallest unit of parallelism (最小并行单位): a group with more members
//! than partitions leaves some members idle.
//!
//! The pieces, top to bottom:
//! - [`records`]: what the coordinator stores in `__consumer_offsets`, and which partition of
//!   it holds a group (the group's *coordinator* is that partition's leader);
//! - [`state`]: one group's state machine — members, generations, the join/sync dance of
//!   a rebalance, session timeouts;
//! - [`coordinator`]: a broker's coordinator — routes requests to groups, writes to the
//!   offsets topic, loads groups when it becomes a partition's leader;
//! - [`assignor`]: the assignors the group leader runs (range, round-robin, sticky,
//!   cooperative-sticky).
//!
//! The consumer side (finding the coordinator, joining, heartbeating, committing) lives in
//! `client::consumer`.

pub mod assignor;
pub mod coordinator;
pub mod records;
pub mod state;
