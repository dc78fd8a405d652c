//! YOUR FILE for the `roundrobin-assignor` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise roundrobin-assignor`
//!
//! Task: write Kafka's `RoundRobinAssignor`. You are the group leader: you get every member's
//! subscription (`members`: member id -> topics) and each existing topic's partition count
//! (`partitions`). Return each member's partitions. The rule:
//! - lay out every partition of every topic someone subscribes to in one list, sorted by topic
//!   then partition number (a `BTreeMap` iterates topics in that order);
//! - the members, sorted by member id, stand in a circle; deal the partitions out one by one,
//!   each to the next member in the circle that subscribes to the partition's topic;
//! - topics missing from `partitions` do not exist yet: ignore them.
//!
//! The starter deals each topic on its own, starting again from its first subscriber: every
//! topic is balanced, but the group as a whole is not, and it is not what Kafka computes.

use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// The round-robin assignment.
pub fn assign(
    members: &BTreeMap<MemberId, Vec<TopicName>>,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeMap<MemberId, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<MemberId, Vec<TopicPartition>> = BTreeMap::new();
    for (topic, count) in partitions {
        let subscribers: Vec<&MemberId> = members.iter().filter(|(_, ts)| ts.contains(topic)).map(|(m, _)| m).collect();
        if subscribers.is_empty() {
            continue;
        }
        for p in 0..*count {
            let member = subscribers[p as usize % subscribers.len()];
            assignment.entry(member.clone()).or_default().push(TopicPartition::new(topic, p));
        }
    }
    assignment
}
