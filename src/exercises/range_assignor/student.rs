//! YOUR FILE for the `range-assignor` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise range-assignor`
//!
//! Task: write Kafka's `RangeAssignor`. You are the group leader: you get every member's
//! subscription (`members`: member id -> topics) and each existing topic's partition count
//! (`partitions`). Return each member's partitions. The rule, one topic at a time:
//! - the members subscribed to the topic, sorted by member id (a `BTreeMap` already iterates
//!   in that order), share its partitions in *contiguous ranges*;
//! - with `n` partitions and `m` subscribers, each gets `n / m`, and the first `n % m` get one
//!   more: 3 partitions, 2 members -> `consumer-0` gets 0 and 1, `consumer-1` gets 2;
//! - a subscription to a topic missing from `partitions` is ignored (it does not exist yet).
//!
//! The starter deals each topic's partitions out one by one instead: balanced, but not
//! contiguous, so it is not what a Java consumer group would compute.

use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// The range assignment.
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
