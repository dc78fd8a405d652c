//! Kafka's `StickyAssignor` (`sticky`): balanced, and moving as little as possible.
//!
//! With the range and round-robin assignors every rebalance starts from scratch, so one member
//! joining can shuffle partitions among members that had nothing to do with it, and each moved
//! partition costs its new owner a cold start (caches, local state, a fetch from the committed
//! offset). The sticky assignor reads what each member owned last time
//! ([`Subscription::owned`]) and keeps as much of it as balance allows.
//!
//! ## The algorithm
//! 1. *Resolve the claims.* Each member claims the partitions it owned. A claim counts only if
//!    the partition still exists and the member still subscribes to its topic. When two members
//!    claim one partition, the claim from the newer generation wins (the other member missed a
//!    rebalance and is out of date); between equal generations the lower member id wins, so the
//!    answer is deterministic.
//! 2. *Cut back to quotas* (only when every member subscribes to the same topics). With `n`
//!    partitions and `m` members, everyone's quota is `n / m` and `n % m` members get one more.
//!    The extra slots go to the members that already own the most (ties by member id), so as
//!    few partitions as possible have to move. A member above its quota gives up its
//!    highest-sorted partitions.
//! 3. *Hand out the rest.* Every partition nobody kept goes, in order, to the least-loaded
//!    member that subscribes to its topic (ties by member id). Partitions with the fewest
//!    possible owners go first, so that a partition only one member can read is not crowded
//!    out.
//! 4. *Balance* (only when subscriptions differ). While some partition could move from its
//!    owner to a subscriber with at least two partitions fewer, move one, preferring partitions
//!    handed out this round over ones kept from the last. Each move makes the loads strictly
//!    more even, so this ends.
//!
//! When subscriptions are equal, steps 2 and 3 alone give every member within one partition of
//! every other, and the only partitions that move are the ones above a member's quota: no
//! assignment that balanced can move fewer. When one member leaves, nobody else loses anything;
//! when one joins, each member gives up only what it holds above its new quota.
//!
//! When subscriptions differ, the result is a local optimum (no single move evens it out
//! further), not always the best possible one; Kafka's own general-case algorithm is also a
//! heuristic.

use super::range::{empty_assignment, subscribed_topics, subscribers_by_topic};
use super::{Assignment, Subscription};
use crate::types::{Generation, MemberId, TopicName, TopicPartition};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// What each member holds while the assignment is being built.
type Holdings = BTreeMap<MemberId, BTreeSet<TopicPartition>>;

/// Every existing partition someone subscribes to, with the members allowed to own it.
type Eligible = BTreeMap<TopicPartition, Vec<MemberId>>;

/// Run the sticky assignor: keep every valid prior claim that balance allows, then hand out the
/// rest to the least-loaded subscribers.
pub fn assign(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> Assignment {
    let eligible = eligible_members(members, partitions);
    let prior = resolve_claims(members, partitions);
    let mut holdings: Holdings = members.keys().map(|m| (m.clone(), BTreeSet::new())).collect();
    for (tp, member) in &prior {
        holdings.get_mut(member).expect("claims come from members").insert(tp.clone());
    }
    let equal = subscriptions_are_equal(members, partitions);
    if equal {
        cut_back_to_quotas(&mut holdings, eligible.len());
    }
    hand_out_unowned(&mut holdings, &eligible);
    if equal {
        assert!(spread(&holdings) <= 1, "equal subscriptions and quotas must give a balanced assignment");
    } else {
        balance(&mut holdings, &eligible, &prior);
    }
    let mut assignment = empty_assignment(members);
    for (member, owned) in holdings {
        assignment.insert(member, owned.into_iter().collect());
    }
    assignment
}

/// The previous owner of each partition, after dropping invalid claims and settling disputes:
/// the newer generation wins, then the lower member id.
///
/// A claim is valid if the partition still exists and the member still subscribes to its topic.
/// Every owner here is a member of the group, since claims only come from members.
pub(crate) fn resolve_claims(
    members: &BTreeMap<MemberId, Subscription>,
    partitions: &BTreeMap<TopicName, u32>,
) -> BTreeMap<TopicPartition, MemberId> {
    let mut winners: BTreeMap<TopicPartition, (Option<Generation>, &MemberId)> = BTreeMap::new();
    // Members come in member id order and only a strictly newer generation replaces a claim,
    // so among equal generations the lowest member id keeps it.
    for (member, subscription) in members {
        let topics = subscribed_topics(subscription, partitions);
        let valid = |tp: &&TopicPartition| topics.contains(&tp.topic) && tp.partition.0 < partitions[&tp.topic];
        for tp in subscription.owned.iter().filter(valid) {
            let newer = winners.get(tp).is_none_or(|(generation, _)| subscription.generation > *generation);
            if newer {
                winners.insert(tp.clone(), (subscription.generation, member));
            }
        }
    }
    winners.into_iter().map(|(tp, (_, member))| (tp, member.clone())).collect()
}

/// Every existing partition of a subscribed topic, with its subscribers sorted by member id.
fn eligible_members(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> Eligible {
    let mut eligible = Eligible::new();
    for (topic, subscribers) in subscribers_by_topic(members, partitions) {
        for partition in 0..partitions[&topic] {
            eligible.insert(TopicPartition::new(&topic, partition), subscribers.clone());
        }
    }
    eligible
}

/// Whether every member subscribes to the same existing topics: then quotas are the same for
/// everyone and the assignment can be balanced to within one.
fn subscriptions_are_equal(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> bool {
    let mut sets = members.values().map(|s| subscribed_topics(s, partitions));
    match sets.next() {
        Some(first) => sets.all(|set| set == first),
        None => true,
    }
}

/// Trim each member to its quota: `total / m` each, one more for the `total % m` members that
/// own the most (ties by member id). A member above its quota gives up its highest partitions.
fn cut_back_to_quotas(holdings: &mut Holdings, total: usize) {
    if holdings.is_empty() {
        return;
    }
    let (base, extra) = (total / holdings.len(), total % holdings.len());
    let mut order: Vec<(usize, MemberId)> = holdings.iter().map(|(m, owned)| (owned.len(), m.clone())).collect();
    order.sort_by_key(|(count, member)| (Reverse(*count), member.clone()));
    for (rank, (_, member)) in order.into_iter().enumerate() {
        let quota = base + usize::from(rank < extra);
        let owned = holdings.get_mut(&member).expect("the order lists members of the holdings");
        while owned.len() > quota {
            owned.pop_last();
        }
    }
}

/// Give every partition nobody holds to its least-loaded subscriber (ties by member id),
/// the partitions with the fewest subscribers first.
fn hand_out_unowned(holdings: &mut Holdings, eligible: &Eligible) {
    let held: BTreeSet<&TopicPartition> = holdings.values().flatten().collect();
    let mut pending: Vec<(&TopicPartition, &Vec<MemberId>)> =
        eligible.iter().filter(|(tp, _)| !held.contains(tp)).collect();
    pending.sort_by_key(|(tp, subscribers)| (subscribers.len(), *tp));
    for (tp, subscribers) in pending {
        let member = subscribers
            .iter()
            .min_by_key(|m| (holdings[*m].len(), *m))
            .expect("an eligible partition has at least one subscriber");
        let owned = holdings.get_mut(member).expect("subscribers are members");
        owned.insert(tp.clone());
    }
}

/// Move single partitions from heavier to lighter subscribers until no move leaves the loads
/// more even.
fn balance(holdings: &mut Holdings, eligible: &Eligible, prior: &BTreeMap<TopicPartition, MemberId>) {
    // Each move lowers the sum of squared loads by at least two, which bounds the loop.
    let mut moves_left = eligible.len() * eligible.len() + 1;
    while let Some((tp, from, to)) = best_move(holdings, eligible, prior) {
        assert!(moves_left > 0, "balancing must end: every move evens out the loads");
        moves_left -= 1;
        holdings.get_mut(&from).expect("the owner is a member").remove(&tp);
        holdings.get_mut(&to).expect("the subscriber is a member").insert(tp);
    }
}

/// The move that evens out the loads the most: the largest load gap first, then a partition
/// handed out this round rather than one its owner kept, then the highest partition, then the
/// lowest member id to receive it. `None` when no move closes a gap of two or more.
fn best_move(
    holdings: &Holdings,
    eligible: &Eligible,
    prior: &BTreeMap<TopicPartition, MemberId>,
) -> Option<(TopicPartition, MemberId, MemberId)> {
    let mut best = None;
    let mut best_key = None;
    for (from, owned) in holdings {
        for tp in owned {
            for to in &eligible[tp] {
                if holdings[from].len() < holdings[to].len() + 2 {
                    continue;
                }
                let gap = holdings[from].len() - holdings[to].len();
                let fresh = prior.get(tp) != Some(from);
                let key = (gap, fresh, tp, Reverse(to));
                if best_key.as_ref().is_none_or(|k| key > *k) {
                    best_key = Some(key);
                    best = Some((tp.clone(), from.clone(), to.clone()));
                }
            }
        }
    }
    best
}

/// The difference between the most and the least loaded member.
fn spread(holdings: &Holdings) -> usize {
    let counts = holdings.values().map(BTreeSet::len);
    counts.clone().max().unwrap_or(0) - counts.min().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, u32)], generation: u32) -> (MemberId, Subscription) {
        let subscription = Subscription {
            topics: topics.iter().map(|t| TopicName::new(t)).collect(),
            owned: owned.iter().map(|(t, p)| TopicPartition::new(&TopicName::new(t), *p)).collect(),
            generation: Some(Generation(generation)),
        };
        (MemberId(id.to_string()), subscription)
    }

    #[test]
    fn newer_generation_wins_a_disputed_claim_then_lower_member_id() {
        let members: BTreeMap<_, _> = [
            member("a", &["t"], &[("t", 0), ("t", 1)], 1),
            member("b", &["t"], &[("t", 0)], 2),
            member("c", &["t"], &[("t", 1)], 1),
        ]
        .into_iter()
        .collect();
        let partitions = BTreeMap::from([(TopicName::new("t"), 2)]);
        let claims = resolve_claims(&members, &partitions);
        assert_eq!(claims[&TopicPartition::new(&TopicName::new("t"), 0)], MemberId("b".into()));
        assert_eq!(claims[&TopicPartition::new(&TopicName::new("t"), 1)], MemberId("a".into()));
    }

    #[test]
    fn claims_on_gone_partitions_or_unsubscribed_topics_are_dropped() {
        let members: BTreeMap<_, _> = [member("a", &["t"], &[("t", 5), ("u", 0), ("t", 0)], 1)].into_iter().collect();
        let partitions = BTreeMap::from([(TopicName::new("t"), 2), (TopicName::new("u"), 1)]);
        let claims = resolve_claims(&members, &partitions);
        assert_eq!(claims.len(), 1, "only t-0 is a valid claim: {claims:?}");
    }
}
