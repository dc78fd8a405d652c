//! The reference solution of the `range-assignor` exercise.

use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// The range assignment: per topic, contiguous ranges to the subscribers in member id order.
pub fn assign(
    members: &BTreeMap<MemberId, Vec<TopicName>>,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeMap<MemberId, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<MemberId, Vec<TopicPartition>> = BTreeMap::new();
    for (topic, &count) in partitions {
        let subscribers: Vec<&MemberId> = members.iter().filter(|(_, ts)| ts.contains(topic)).map(|(m, _)| m).collect();
        let m = subscribers.len() as u32;
        if m == 0 {
            continue;
        }
        let (per_member, extra) = (count / m, count % m);
        for (i, member) in (0u32..).zip(subscribers) {
            let start = per_member * i + i.min(extra);
            let len = per_member + u32::from(i < extra);
            let owned = assignment.entry(member.clone()).or_default();
            owned.extend((start..start + len).map(|p| TopicPartition::new(topic, p)));
        }
    }
    assignment
}
