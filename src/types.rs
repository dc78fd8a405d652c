//! Newtypes for the words Kafka uses: brokers, topics, partitions, offsets, epochs and time.
//!
//! A bare `u64` could be an offset, a byte count or a timestamp; mixing them up is the kind of
//! bug a simulation exists to catch, so each gets its own type. All of them are plain data:
//! `Copy` where they are numbers, ordered so they can key a `BTreeMap` (determinism), and
//! serialisable so they can travel in frames and traces.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Simulated time in microseconds since the start of the run.
///
/// The simulation ticks in whole milliseconds, but service times of the broker capacity model
/// are often fractions of a millisecond, so time is kept in microseconds. It is never read from
/// a wall clock: the driver passes it into every `step`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// A time `ms` milliseconds after the start.
    pub fn from_millis(ms: u64) -> SimTime {
        SimTime(ms * 1000)
    }

    /// Whole milliseconds since the start (rounded down).
    pub fn as_millis(self) -> u64 {
        self.0 / 1000
    }

    /// Seconds since the start as a float, for plots.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// This time moved forward by `d`.
    pub fn plus(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// How long after `earlier` this is (zero if it is not later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for SimTime {
    /// `mm:ss.mmm`, or `h:mm:ss.mmm` past the first hour: stable text for traces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1000;
        let (h, m, s, milli) = (ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
        if h > 0 {
            write!(f, "{h}:{m:02}:{s:02}.{milli:03}")
        } else {
            write!(f, "{m:02}:{s:02}.{milli:03}")
        }
    }
}

/// A span of simulated time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimDuration(pub u64);

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `ms` milliseconds.
    pub fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(1000))
    }

    /// Whole milliseconds in this span (rounded down).
    pub fn as_millis(self) -> u64 {
        self.0 / 1000
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1000;
        if ms.is_multiple_of(1000) && ms > 0 {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

/// Kafka's `broker.id`: the identity of a broker, stable across restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BrokerId(pub u32);

impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The name of a simulated host (`broker-1`, `controller-1`, `producer-shop`, ...).
///
/// Names, not addresses, identify nodes in traces so that a trace reads as a story and does
/// not depend on which IP turmoil happened to hand out.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeName(pub String);

impl NodeName {
    /// The host name of broker `id`.
    pub fn broker(id: BrokerId) -> NodeName {
        NodeName(format!("broker-{}", id.0))
    }

    /// The host name of controller `n`.
    pub fn controller(n: u32) -> NodeName {
        NodeName(format!("controller-{n}"))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A topic's name, as in `kafka-topics.sh --topic first`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicName(pub String);

impl TopicName {
    /// Build a topic name from text.
    pub fn new(s: &str) -> TopicName {
        TopicName(s.to_string())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partition's index within its topic, starting at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartitionId(pub u32);

impl fmt::Display for PartitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One partition of one topic: the unit of ordering, replication and consumer parallelism.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    /// The topic.
    pub topic: TopicName,
    /// The partition within it.
    pub partition: PartitionId,
}

impl TopicPartition {
    /// `topic-partition`, built from parts.
    pub fn new(topic: &TopicName, partition: u32) -> TopicPartition {
        TopicPartition { topic: topic.clone(), partition: PartitionId(partition) }
    }
}

impl fmt::Display for TopicPartition {
    /// Kafka's own spelling: `orders-0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A record's position in a partition's log. Offsets are dense: every append takes the next one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Offset(pub u64);

impl Offset {
    /// The offset right after this one.
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The leader epoch of a partition: bumped on every leader change (KIP-101).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LeaderEpoch(pub u32);

impl LeaderEpoch {
    /// The epoch after this one.
    pub fn next(self) -> LeaderEpoch {
        LeaderEpoch(self.0 + 1)
    }
}

impl fmt::Display for LeaderEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A consumer group's generation: bumped on every completed rebalance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Generation(pub u32);

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A consumer group's id (`group.id`), e.g. `shop`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupId(pub String);

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group member's id, handed out by the group coordinator when the member first joins
/// (`c1-3`: the client id and a per-group counter). Assignors order members by it, as Kafka's do.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MemberId(pub String);

impl MemberId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The identity a checker uses for one record: which producer sent it and its sequence number
/// there. It travels with the record (like Kafka's producer id and sequence in a batch header),
/// so a checker can tell a lost record from a duplicate from a reordered one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordId {
    /// The index of the producer in the scenario (stable across runs).
    pub producer: u32,
    /// The producer's own counter, starting at 0.
    pub seq: u64,
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}#{}", self.producer, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_time_displays_minutes_seconds_millis() {
        assert_eq!(SimTime::from_millis(20_003).to_string(), "00:20.003");
        assert_eq!(SimTime::from_millis(3_600_000 + 61_001).to_string(), "1:01:01.001");
    }

    #[test]
    fn topic_partition_uses_kafka_spelling() {
        assert_eq!(TopicPartition::new(&TopicName::new("orders"), 2).to_string(), "orders-2");
    }
}
