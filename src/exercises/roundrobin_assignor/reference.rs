//! The reference solution of the `roundrobin-assignor` exercise.

use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// The round-robin assignment: one deal around the circle of all members, across all topics.
pub fn assign(
    members: &BTreeMap<MemberId, Vec<TopicName>>,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeMap<MemberId, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<MemberId, Vec<TopicPartition>> = BTreeMap::new();
    let circle: Vec<(&MemberId, &Vec<TopicName>)> = members.iter().collect();
    let mut turn = 0usize;
    for (topic, &count) in partitions {
        if !circle.iter().any(|(_, ts)| ts.contains(topic)) {
            continue;
        }
        for p in 0..count {
            while !circle[turn % circle.len()].1.contains(topic) {
                turn += 1;
            }
            let member = circle[turn % circle.len()].0;
            assignment.entry(member.clone()).or_default().push(TopicPartition::new(topic, p));
            turn += 1;
        }
    }
    assignment
}
