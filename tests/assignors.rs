//! The partition assignors against their promises, over random groups, plus Kafka's own
//! documented examples.
//!
//! A random group has 1 to 8 members and 1 to 4 topics of 1 to 12 partitions each; each
//! member subscribes to a random subset of the topics, possibly naming one that does not exist.
//! The properties are the ones `group::assignor` lists: every partition of a subscribed topic
//! goes to exactly one subscriber (the cooperative assignor may hold some back for a round),
//! every member appears in the result, the balanced assignors are within one when subscriptions
//! are equal, the sticky assignor moves no more than balance requires, and the cooperative one
//! never hands a partition straight from one owner to another.

use kafkasim::group::assignor::{cooperative, range, roundrobin, sticky, Assignment, Strategy, Subscription};
use kafkasim::types::{Generation, MemberId, TopicName, TopicPartition};
use proptest::prelude::*;
// The assignor `Strategy` above shadows proptest's trait of that name; bring its methods back.
use proptest::strategy::Strategy as _;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

/// A consumer group as the leader sees it: the members' subscriptions and the partition counts.
#[derive(Clone, Debug)]
struct Group {
    members: BTreeMap<MemberId, Subscription>,
    partitions: BTreeMap<TopicName, u32>,
}

/// A topic's name by index; indexes past the generated topic count name topics that do not exist.
fn topic(i: usize) -> TopicName {
    TopicName(format!("t{i}"))
}

/// Member ids whose sorted order differs from the order they were made in, so that an assignor
/// relying on insertion order instead of member id order would be caught.
fn member_id(i: usize) -> MemberId {
    MemberId(format!("consumer-{}", (i * 37) % 100))
}

fn tp(t: &str, p: u32) -> TopicPartition {
    TopicPartition::new(&TopicName::new(t), p)
}

/// The topics a bit mask selects (bit `i` is topic `i`; bit 4 names a topic that never exists).
fn topics_of(mask: u8) -> Vec<TopicName> {
    (0..5).filter(|i| mask & (1 << i) != 0).map(topic).collect()
}

/// A random group of `size` members without prior ownership; with `equal`, every member
/// subscribes to the same topics.
fn group(equal: bool, size: RangeInclusive<usize>) -> impl proptest::strategy::Strategy<Value = Group> {
    let counts = prop::collection::vec(1..=12u32, 1..=4);
    let masks = prop::collection::vec(0u8..32, size);
    (counts, masks).prop_map(move |(counts, masks)| {
        let partitions = counts.iter().enumerate().map(|(i, n)| (topic(i), *n)).collect();
        let members = masks
            .iter()
            .enumerate()
            .map(|(i, mask)| {
                let topics = topics_of(if equal { masks[0] } else { *mask });
                (member_id(i), Subscription { topics, ..Subscription::default() })
            })
            .collect();
        Group { members, partitions }
    })
}

/// A random group whose members also claim random partitions (some of which may not exist, or
/// belong to topics they do not subscribe to, or be claimed twice) from random generations.
fn claimed_group(equal: bool, size: RangeInclusive<usize>) -> impl proptest::strategy::Strategy<Value = Group> {
    let claim = (0..5usize, 0..14u32);
    let claims = prop::collection::vec((prop::collection::vec(claim, 0..8), prop::option::of(0..3u32)), 8);
    (group(equal, size), claims).prop_map(|(mut group, claims)| {
        for (subscription, (owned, generation)) in group.members.values_mut().zip(claims) {
            subscription.owned = owned.into_iter().map(|(t, p)| TopicPartition::new(&topic(t), p)).collect();
            subscription.generation = generation.map(Generation);
        }
        group
    })
}

/// Each partition that must be assigned, with the members allowed to own it.
fn eligible(group: &Group) -> BTreeMap<TopicPartition, BTreeSet<MemberId>> {
    let mut eligible: BTreeMap<TopicPartition, BTreeSet<MemberId>> = BTreeMap::new();
    for (member, subscription) in &group.members {
        for t in subscription.topics.iter().filter(|t| group.partitions.contains_key(*t)) {
            for p in 0..group.partitions[t] {
                eligible.entry(TopicPartition::new(t, p)).or_default().insert(member.clone());
            }
        }
    }
    eligible
}

/// Check that `assignment` names every member, gives partitions only to subscribers and never
/// twice, sorts each list, and, if `full`, assigns every eligible partition.
fn check_valid(group: &Group, assignment: &Assignment, full: bool) -> Result<(), TestCaseError> {
    let eligible = eligible(group);
    prop_assert_eq!(assignment.keys().collect::<Vec<_>>(), group.members.keys().collect::<Vec<_>>());
    let mut seen = BTreeSet::new();
    for (member, owned) in assignment {
        prop_assert!(owned.windows(2).all(|w| w[0] < w[1]), "{member}'s partitions are not sorted: {owned:?}");
        for p in owned {
            let allowed = eligible.get(p).is_some_and(|m| m.contains(member));
            prop_assert!(allowed, "{member} got {p} without subscribing to it (or it does not exist)");
            prop_assert!(seen.insert(p.clone()), "{p} is assigned twice");
        }
    }
    if full {
        let missing: Vec<_> = eligible.keys().filter(|p| !seen.contains(*p)).collect();
        prop_assert!(missing.is_empty(), "unassigned partitions: {missing:?}");
    }
    Ok(())
}

/// Check that no partition goes to a member that did not list it as owned while another member does.
fn check_no_direct_handover(group: &Group, assignment: &Assignment) -> Result<(), TestCaseError> {
    for (member, owned) in assignment {
        for p in owned.iter().filter(|p| !group.members[member].owned.contains(p)) {
            let other = group.members.iter().find(|(m, s)| *m != member && s.owned.contains(p));
            prop_assert!(other.is_none(), "{p} goes to {member} while {:?} still owns it", other.map(|o| o.0));
        }
    }
    Ok(())
}

/// The most minus the fewest partitions any member has.
fn spread(assignment: &Assignment) -> usize {
    let counts: Vec<usize> = assignment.values().map(Vec::len).collect();
    counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
}

/// The members' partition counts, sorted: two assignments with the same ones are equally balanced.
fn sorted_counts(assignment: &Assignment) -> Vec<usize> {
    let mut counts: Vec<usize> = assignment.values().map(Vec::len).collect();
    counts.sort();
    counts
}

/// The group after a rebalance in generation `generation`: each member owns what it was assigned.
fn after(group: &Group, assignment: &Assignment, generation: u32) -> Group {
    let mut next = group.clone();
    for (member, subscription) in next.members.iter_mut() {
        subscription.owned = assignment[member].clone();
        subscription.generation = Some(Generation(generation));
    }
    next
}

/// The fewest partitions that must change owner to balance members owning `counts` (a new member
/// counts as 0) over `total` partitions: the extra slots go to the members owning the most.
fn fewest_moves(mut counts: Vec<usize>, total: usize) -> usize {
    counts.sort_by(|a, b| b.cmp(a));
    let (base, extra) = (total / counts.len(), total % counts.len());
    counts.iter().enumerate().map(|(rank, c)| c.saturating_sub(base + usize::from(rank < extra))).sum()
}

proptest! {
    #[test]
    fn every_assignor_gives_each_partition_to_exactly_one_subscriber(group in group(false, 1..=8)) {
        for strategy in Strategy::ALL {
            let assignment = strategy.assign(&group.members, &group.partitions);
            check_valid(&group, &assignment, true)?;
        }
    }

    #[test]
    fn sticky_is_complete_and_cooperative_never_hands_over_directly_whatever_the_claims(
        group in claimed_group(false, 1..=8)
    ) {
        check_valid(&group, &sticky::assign(&group.members, &group.partitions), true)?;
        let cooperative = cooperative::assign(&group.members, &group.partitions);
        check_valid(&group, &cooperative, false)?;
        check_no_direct_handover(&group, &cooperative)?;
    }

    #[test]
    fn balanced_assignors_are_within_one_when_subscriptions_are_equal(group in claimed_group(true, 1..=8)) {
        let fresh = without_claims(&group);
        prop_assert!(spread(&roundrobin::assign(&fresh.members, &fresh.partitions)) <= 1);
        let sticky = sticky::assign(&group.members, &group.partitions);
        prop_assert!(spread(&sticky) <= 1, "sticky: {sticky:?}");
        let first = cooperative::assign(&group.members, &group.partitions);
        let second = cooperative::assign(&after(&group, &first, 10).members, &group.partitions);
        check_valid(&group, &second, true)?;
        prop_assert!(spread(&second) <= 1, "cooperative after two rounds: {second:?}");
    }

    #[test]
    fn sticky_keeps_every_remaining_members_partitions_when_one_leaves(
        group in claimed_group(true, 2..=8),
        leaver in any::<prop::sample::Index>(),
    ) {
        let before = sticky::assign(&group.members, &group.partitions);
        let mut next = after(&group, &before, 10);
        let leaver = leaver.get(&next.members.keys().cloned().collect::<Vec<_>>()).clone();
        next.members.remove(&leaver);
        let now = sticky::assign(&next.members, &next.partitions);
        check_valid(&next, &now, true)?;
        for (member, owned) in now.iter() {
            let kept = before[member].iter().all(|p| owned.contains(p));
            prop_assert!(kept, "{member} lost partitions when {leaver} left: {:?} -> {owned:?}", before[member]);
        }
    }

    #[test]
    fn sticky_moves_only_what_balance_requires_when_one_joins(
        group in claimed_group(true, 1..=8),
        newcomer in prop::sample::select(vec!["a-new", "consumer-40", "zz-new"]),
    ) {
        let before = sticky::assign(&group.members, &group.partitions);
        let mut next = after(&group, &before, 10);
        let topics = next.members.values().next().expect("a group has members").topics.clone();
        next.members.insert(MemberId(newcomer.to_string()), Subscription { topics, ..Subscription::default() });
        let now = sticky::assign(&next.members, &next.partitions);
        check_valid(&next, &now, true)?;
        let total = eligible(&next).len();
        let quota = total / next.members.len();
        let mut moved = 0;
        for (member, owned) in &before {
            let lost = owned.iter().filter(|p| !now[member].contains(p)).count();
            prop_assert!(lost <= owned.len().saturating_sub(quota), "{member} lost {lost} of {owned:?}");
            moved += lost;
        }
        let counts = next.members.keys().map(|m| before.get(m).map_or(0, Vec::len)).collect();
        prop_assert_eq!(moved, fewest_moves(counts, total));
    }

    #[test]
    fn cooperative_moves_partitions_in_two_rounds_and_ends_as_balanced_as_sticky(
        group in claimed_group(true, 2..=8),
        joins in any::<bool>(),
        who in any::<prop::sample::Index>(),
    ) {
        let settled = after(&group, &sticky::assign(&group.members, &group.partitions), 10);
        let mut changed = settled.clone();
        if joins {
            let topics = changed.members.values().next().expect("a group has members").topics.clone();
            changed.members.insert(MemberId("consumer-new".into()), Subscription { topics, ..Subscription::default() });
        } else {
            let leaver = who.get(&changed.members.keys().cloned().collect::<Vec<_>>()).clone();
            changed.members.remove(&leaver);
        }
        let first = cooperative::assign(&changed.members, &changed.partitions);
        check_valid(&changed, &first, false)?;
        check_no_direct_handover(&changed, &first)?;
        let second_round = after(&changed, &first, 11);
        let second = cooperative::assign(&second_round.members, &second_round.partitions);
        check_valid(&changed, &second, true)?;
        check_no_direct_handover(&second_round, &second)?;
        let sticky = sticky::assign(&changed.members, &changed.partitions);
        prop_assert_eq!(sorted_counts(&second), sorted_counts(&sticky));
    }

    #[test]
    fn cooperative_settles_within_a_few_rounds_whatever_the_subscriptions(group in claimed_group(false, 1..=8)) {
        let mut current = group.clone();
        let mut assignment = cooperative::assign(&current.members, &current.partitions);
        for round in 0..3 {
            check_valid(&current, &assignment, false)?;
            check_no_direct_handover(&current, &assignment)?;
            current = after(&current, &assignment, 10 + round);
            assignment = cooperative::assign(&current.members, &current.partitions);
        }
        check_valid(&current, &assignment, true)?;
    }
}

/// The same group with every member's prior ownership forgotten.
fn without_claims(group: &Group) -> Group {
    let mut fresh = group.clone();
    for subscription in fresh.members.values_mut() {
        subscription.owned.clear();
        subscription.generation = None;
    }
    fresh
}

/// A group of named members subscribing to named topics, no prior ownership.
fn example(members: &[(&str, &[&str])], partitions: &[(&str, u32)]) -> Group {
    let members = members
        .iter()
        .map(|(id, topics)| {
            let topics = topics.iter().map(|t| TopicName::new(t)).collect();
            (MemberId(id.to_string()), Subscription { topics, ..Subscription::default() })
        })
        .collect();
    let partitions = partitions.iter().map(|(t, n)| (TopicName::new(t), *n)).collect();
    Group { members, partitions }
}

/// An assignment written out by hand.
fn expected(rows: &[(&str, &[(&str, u32)])]) -> Assignment {
    rows.iter().map(|(m, tps)| (MemberId(m.to_string()), tps.iter().map(|(t, p)| tp(t, *p)).collect())).collect()
}

#[test]
fn range_matches_kafkas_documented_example() {
    let g = example(&[("C0", &["t0", "t1"]), ("C1", &["t0", "t1"])], &[("t0", 3), ("t1", 3)]);
    let want = expected(&[("C0", &[("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)]), ("C1", &[("t0", 2), ("t1", 2)])]);
    assert_eq!(range::assign(&g.members, &g.partitions), want);
}

#[test]
fn range_gives_the_extra_partitions_to_the_first_members_by_id() {
    let g = example(&[("b", &["t"]), ("a", &["t"]), ("c", &["t"])], &[("t", 5)]);
    let want = expected(&[("a", &[("t", 0), ("t", 1)]), ("b", &[("t", 2), ("t", 3)]), ("c", &[("t", 4)])]);
    assert_eq!(range::assign(&g.members, &g.partitions), want);
}

#[test]
fn roundrobin_matches_kafkas_documented_example() {
    let g = example(&[("C0", &["t0", "t1"]), ("C1", &["t0", "t1"])], &[("t0", 3), ("t1", 3)]);
    let want = expected(&[("C0", &[("t0", 0), ("t0", 2), ("t1", 1)]), ("C1", &[("t0", 1), ("t1", 0), ("t1", 2)])]);
    assert_eq!(roundrobin::assign(&g.members, &g.partitions), want);
}

#[test]
fn roundrobin_matches_kafkas_documented_example_with_unequal_subscriptions() {
    let g = example(
        &[("C0", &["t0"]), ("C1", &["t0", "t1"]), ("C2", &["t0", "t1", "t2"])],
        &[("t0", 1), ("t1", 2), ("t2", 3)],
    );
    let want =
        expected(&[("C0", &[("t0", 0)]), ("C1", &[("t1", 0)]), ("C2", &[("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)])]);
    assert_eq!(roundrobin::assign(&g.members, &g.partitions), want);
}

#[test]
fn sticky_matches_kafkas_documented_example_when_a_member_leaves() {
    let all: &[&str] = &["t0", "t1", "t2", "t3"];
    let g = example(&[("C0", all), ("C1", all), ("C2", all)], &[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let first = sticky::assign(&g.members, &g.partitions);
    let want = expected(&[
        ("C0", &[("t0", 0), ("t1", 1), ("t3", 0)]),
        ("C1", &[("t0", 1), ("t2", 0), ("t3", 1)]),
        ("C2", &[("t1", 0), ("t2", 1)]),
    ]);
    assert_eq!(first, want);
    let mut next = after(&g, &first, 1);
    next.members.remove(&MemberId("C1".into()));
    let want = expected(&[
        ("C0", &[("t0", 0), ("t1", 1), ("t2", 0), ("t3", 0)]),
        ("C2", &[("t0", 1), ("t1", 0), ("t2", 1), ("t3", 1)]),
    ]);
    assert_eq!(sticky::assign(&next.members, &next.partitions), want);
}

#[test]
fn sticky_matches_kafkas_documented_example_with_unequal_subscriptions() {
    let g = example(
        &[("C0", &["t0"]), ("C1", &["t0", "t1"]), ("C2", &["t0", "t1", "t2"])],
        &[("t0", 1), ("t1", 2), ("t2", 3)],
    );
    let first = sticky::assign(&g.members, &g.partitions);
    let want =
        expected(&[("C0", &[("t0", 0)]), ("C1", &[("t1", 0), ("t1", 1)]), ("C2", &[("t2", 0), ("t2", 1), ("t2", 2)])]);
    assert_eq!(first, want);
    let mut next = after(&g, &first, 1);
    next.members.remove(&MemberId("C0".into()));
    let want = expected(&[("C1", &[("t0", 0), ("t1", 0), ("t1", 1)]), ("C2", &[("t2", 0), ("t2", 1), ("t2", 2)])]);
    assert_eq!(sticky::assign(&next.members, &next.partitions), want);
}

#[test]
fn cooperative_hands_a_partition_over_in_two_rounds() {
    let g = example(&[("C0", &["t"]), ("C1", &["t"])], &[("t", 4)]);
    let everything = expected(&[("C0", &[("t", 0), ("t", 1), ("t", 2), ("t", 3)]), ("C1", &[])]);
    let joined = after(&g, &everything, 1);
    let first = cooperative::assign(&joined.members, &joined.partitions);
    assert_eq!(first, expected(&[("C0", &[("t", 0), ("t", 1)]), ("C1", &[])]), "t-2 and t-3 are revoked first");
    let revoked = after(&joined, &first, 2);
    let second = cooperative::assign(&revoked.members, &revoked.partitions);
    assert_eq!(second, expected(&[("C0", &[("t", 0), ("t", 1)]), ("C1", &[("t", 2), ("t", 3)])]));
}

#[test]
fn every_member_appears_even_with_nothing_to_read() {
    let g = example(&[("a", &["t"]), ("b", &["t"]), ("c", &["missing"])], &[("t", 1)]);
    for strategy in Strategy::ALL {
        let assignment = strategy.assign(&g.members, &g.partitions);
        assert_eq!(assignment.len(), 3, "{strategy}: {assignment:?}");
        assert!(
            assignment[&MemberId("c".into())].is_empty(),
            "{strategy} gave c a partition of a topic it cannot read"
        );
    }
}

#[test]
fn strategies_parse_from_protocol_and_class_names() {
    for strategy in Strategy::ALL {
        assert_eq!(Strategy::parse(strategy.name()), Some(strategy));
        let class = format!("org.apache.kafka.clients.consumer.{}", strategy.class_name());
        assert_eq!(Strategy::parse(&class), Some(strategy));
    }
}
