//! Kafka's `RangeAssignor` (`range`), the default `partition.assignment.strategy`.
//!
//! The assignor works one topic at a time. It sorts the members that subscribe to the topic by
//! member id and cuts the topic's partitions into contiguous ranges: with `n` partitions and
//! `m` subscribers each member gets `n / m`, and the first `n % m` members get one more. With
//! two consumers `C0`, `C1` and a topic of three partitions, `C0` reads partitions 0 and 1 and
//! `C1` reads partition 2.
//!
//! Because every topic is cut the same way, two topics with the same partition count give one
//! member the same partition numbers of both, which is what a co-partitioned join needs. The
//! price is balance: the extra partitions of every topic land on the same first members, so
//! with many topics the first member can carry far more than the last.
//!
//! The module also holds the small helpers every assignor shares: which existing topics a
//! member subscribes to, who subscribes to each topic, and the empty assignment to fill in.

use super::{Assignment, Subscription};
use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Run the range assignor: per topic, contiguous ranges of partitions to the subscribers in
/// member id order, so that equally partitioned topics are assigned alike.
pub fn assign(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> Assignment {
    let mut assignment = empty_assignment(members);
    for (topic, subscribers) in subscribers_by_topic(members, partitions) {
        let count = partitions[&topic];
        for (member, range) in subscribers.iter().zip(ranges(count, subscribers.len())) {
            let owned = assignment.get_mut(member).expect("every member has an entry in the assignment");
            owned.extend(range.map(|p| TopicPartition::new(&topic, p)));
        }
    }
    sort_each(&mut assignment);
    assignment
}

/// The contiguous ranges `count` partitions split into among `members` members, in member order.
fn ranges(count: u32, members: usize) -> Vec<Range<u32>> {
    assert!(members > 0, "a topic is only cut into ranges when someone subscribes to it");
    let members = u32::try_from(members).expect("a group has fewer than 2^32 members");
    let (per_member, extra) = (count / members, count % members);
    (0..members)
        .map(|i| {
            let start = per_member * i + i.min(extra);
            let len = per_member + u32::from(i < extra);
            start..start + len
        })
        .collect()
}

/// The topics `subscription` names that exist, without duplicates.
///
/// Kafka ignores a subscription to a topic that does not exist yet, so every assignor starts
/// from this set rather than from the raw list.
pub(crate) fn subscribed_topics(
    subscription: &Subscription,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeSet<TopicName> {
    subscription.topics.iter().filter(|t| partitions.contains_key(*t)).cloned().collect()
}

/// For each existing topic someone subscribes to, its subscribers sorted by member id.
///
/// Topics nobody subscribes to do not appear, so every list here is non-empty.
pub(crate) fn subscribers_by_topic(
    members: &BTreeMap<MemberId, Subscription>,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeMap<TopicName, Vec<MemberId>> {
    let mut by_topic: BTreeMap<TopicName, Vec<MemberId>> = BTreeMap::new();
    // Members come out of the map in member id order, so each list is sorted as it is built.
    for (member, subscription) in members {
        for topic in subscribed_topics(subscription, partitions) {
            by_topic.entry(topic).or_default().push(member.clone());
        }
    }
    by_topic
}

/// An assignment that gives every member an empty list, so that every member appears in the
/// result even when it gets nothing (Kafka sends every member a `SyncGroup` answer).
pub(crate) fn empty_assignment(members: &BTreeMap<MemberId, Subscription>) -> Assignment {
    members.keys().map(|m| (m.clone(), Vec::new())).collect()
}

/// Sort each member's partitions, as the [`Assignment`] type promises.
pub(crate) fn sort_each(assignment: &mut Assignment) {
    for owned in assignment.values_mut() {
        owned.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_give_the_extra_partitions_to_the_first_members() {
        assert_eq!(ranges(5, 3), vec![0..2, 2..4, 4..5]);
        assert_eq!(ranges(2, 3), vec![0..1, 1..2, 2..2]);
        assert_eq!(ranges(6, 2), vec![0..3, 3..6]);
    }
}
