//! Kafka's `RoundRobinAssignor` (`roundrobin`).
//!
//! The assignor lays out every partition of every subscribed topic in one sorted list (by
//! topic, then partition) and deals them out like cards: the members, sorted by member id,
//! stand in a circle, and each partition goes to the next member in the circle that subscribes
//! to its topic. The circle keeps turning from one partition to the next, and from one topic to
//! the next; it does not restart per topic.
//!
//! When every member subscribes to the same topics this gives each member within one partition
//! of every other, across all topics together (unlike [`super::range`], which balances each
//! topic on its own). When subscriptions differ, skipping non-subscribers can leave the result
//! unbalanced; [`super::sticky`] does better there.

use super::range::{empty_assignment, sort_each, subscribers_by_topic};
use super::{Assignment, Subscription};
use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// Run the round-robin assignor: deal the sorted partitions out to the members in member id
/// order, skipping members not subscribed to a partition's topic.
pub fn assign(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> Assignment {
    let mut assignment = empty_assignment(members);
    let circle: Vec<&MemberId> = members.keys().collect();
    // `turn` counts every step around the circle; `turn % circle.len()` is the member whose turn it is.
    let mut turn = 0usize;
    for (topic, subscribers) in subscribers_by_topic(members, partitions) {
        for partition in 0..partitions[&topic] {
            // The topic has at least one subscriber, so this walk stops within one lap.
            while subscribers.binary_search(circle[turn % circle.len()]).is_err() {
                turn += 1;
            }
            let member = circle[turn % circle.len()];
            let owned = assignment.get_mut(member).expect("every member has an entry in the assignment");
            owned.push(TopicPartition::new(&topic, partition));
            turn += 1;
        }
    }
    sort_each(&mut assignment);
    assignment
}
