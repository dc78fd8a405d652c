//! Kafka's `CooperativeStickyAssignor` (`cooperative-sticky`, KIP-429).
//!
//! Under the classic EAGER protocol every member revokes all its partitions before it rejoins,
//! so the whole group stops consuming for the whole rebalance, even for partitions that end up
//! with the same owner. The COOPERATIVE protocol lets members keep their partitions through a
//! rebalance. That is only safe if no partition is ever owned by two members at once, and a
//! member only lets go of a partition once it has seen an assignment without it. So a
//! partition cannot go straight from one member to another in a single rebalance; it takes two:
//!
//! 1. *First rebalance.* The leader computes the [`super::sticky`] assignment, then removes
//!    from it every partition that would move to a new owner while another member still owns
//!    it. Those partitions go to nobody this round. Their old owner sees an assignment without
//!    them, revokes them (committing its offsets) and, because it revoked something, rejoins at
//!    once, which starts another rebalance.
//! 2. *Second rebalance.* Nobody claims the revoked partitions any more, so the sticky
//!    assignment hands them to their new owners, and this time nothing has to wait.
//!
//! Everything that does not move stays with its owner, which keeps consuming throughout.
//!
//! ## Who "still owns" a partition
//! The sticky assignment decides ownership from the *resolved* claims (newest generation wins,
//! claims on gone partitions or unsubscribed topics dropped). Whether a partition must wait is
//! decided more carefully: it waits if its new owner was not its resolved previous owner and
//! *any* other member still lists it in [`super::Subscription::owned`], even a member whose
//! claim lost or no longer counts. Such a member may still be fetching the partition until it
//! sees an assignment without it, so handing it over now could let two members read it at
//! once. With clean claims (each partition claimed by at most one member, which subscribes to
//! its topic) this is exactly "its previous owner owns it and is still in the group". Every
//! claimant is still in the group: claims only come from the members that joined this round;
//! a member that left revoked everything on its way out.

use super::sticky::{self, resolve_claims};
use super::{Assignment, Subscription};
use crate::types::{MemberId, TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

/// Run the cooperative sticky assignor: the sticky assignment, minus every partition that would
/// pass directly from a member that still owns it to another member.
pub fn assign(members: &BTreeMap<MemberId, Subscription>, partitions: &BTreeMap<TopicName, u32>) -> Assignment {
    let mut assignment = sticky::assign(members, partitions);
    let previous_owner = resolve_claims(members, partitions);
    let claimants = claimants(members);
    for (member, owned) in assignment.iter_mut() {
        owned.retain(|tp| !must_wait(tp, member, &previous_owner, &claimants));
    }
    assignment
}

/// Every member that lists each partition in its owned partitions, valid claim or not.
fn claimants(members: &BTreeMap<MemberId, Subscription>) -> BTreeMap<&TopicPartition, BTreeSet<&MemberId>> {
    let mut claimants: BTreeMap<&TopicPartition, BTreeSet<&MemberId>> = BTreeMap::new();
    for (member, subscription) in members {
        for tp in &subscription.owned {
            claimants.entry(tp).or_default().insert(member);
        }
    }
    claimants
}

/// Whether `tp` must sit out this round instead of going to `new_owner`: it does when
/// `new_owner` did not own it before and some other member still claims it.
fn must_wait(
    tp: &TopicPartition,
    new_owner: &MemberId,
    previous_owner: &BTreeMap<TopicPartition, MemberId>,
    claimants: &BTreeMap<&TopicPartition, BTreeSet<&MemberId>>,
) -> bool {
    if previous_owner.get(tp) == Some(new_owner) {
        return false;
    }
    claimants.get(tp).is_some_and(|members| members.iter().any(|m| *m != new_owner))
}
