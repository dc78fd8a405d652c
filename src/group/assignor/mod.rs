//! Partition assignors: who in a consumer group reads which partition.
//!
//! In Kafka's classic group protocol the coordinator does not decide the assignment: it elects
//! one member the *group leader*, hands it every member's subscription, and the leader runs the
//! assignor named by `partition.assignment.strategy` (one every member supports). The result
//! travels back through the coordinator in `SyncGroup`. Each assignor is therefore a pure
//! function of the members' subscriptions and the partitions that exist:
//!
//! - [`range`] (`range`, Kafka's default): per topic, members sorted by member id take
//!   contiguous ranges; the first `partitions % members` get one extra. Several topics with
//!   the same partition count give the same member the same partition numbers (handy for
//!   joins, unbalanced across topics).
//! - [`roundrobin`] (`roundrobin`): all partitions of all topics, sorted, dealt out one by one
//!   to the members sorted by id, skipping members not subscribed to a partition's topic.
//! - [`sticky`] (`sticky`): as balanced as round-robin, but keeps every partition with its
//!   previous owner when balance allows, so a rebalance moves as few partitions as possible.
//! - [`cooperative`] (`cooperative-sticky`): the sticky assignment, minus every partition that
//!   would move from one live owner to another. The owner revokes it; the member rejoins; the
//!   next rebalance hands it to its new owner (KIP-429's incremental rebalancing). Members keep
//!   consuming every partition that does not move.
//!
//! Invariants every assignor keeps (proptests in `tests/assignors.rs`):
//! - every partition of a topic someone subscribes to is assigned to at most one member, and
//!   to exactly one unless it is held back by the cooperative protocol's revocation round;
//! - a member only gets partitions of topics it subscribes to;
//! - when all members subscribe to the same topics, the balanced assignors (round-robin,
//!   sticky, cooperative-sticky) give every member within one partition of every other.

pub mod cooperative;
pub mod range;
pub mod roundrobin;
pub mod sticky;

use crate::types::{Generation, MemberId, TopicName, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What one member tells the group leader about itself when it joins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The topics it wants to read.
    pub topics: Vec<TopicName>,
    /// The partitions it owned in its last generation (the sticky assignors' "user data",
    /// and KIP-429's `ownedPartitions`). Empty for a new member.
    pub owned: Vec<TopicPartition>,
    /// The generation in which it owned them; when two members claim one partition the newer
    /// generation wins.
    pub generation: Option<Generation>,
}

/// The assignment the group leader computed: each member's partitions, sorted.
pub type Assignment = BTreeMap<MemberId, Vec<TopicPartition>>;

/// `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Strategy {
    /// `range` (RangeAssignor).
    Range,
    /// `roundrobin` (RoundRobinAssignor).
    RoundRobin,
    /// `sticky` (StickyAssignor).
    Sticky,
    /// `cooperative-sticky` (CooperativeStickyAssignor).
    CooperativeSticky,
}

impl Strategy {
    /// Every strategy, in the order the docs list them.
    pub const ALL: [Strategy; 4] =
        [Strategy::Range, Strategy::RoundRobin, Strategy::Sticky, Strategy::CooperativeSticky];

    /// The protocol name Kafka puts on the wire (and that scenario files use).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Parse a protocol name or Kafka's class name
    /// (`org.apache.kafka.clients.consumer.RangeAssignor`).
    pub fn parse(s: &str) -> Option<Strategy> {
        let short = s.rsplit('.').next().unwrap_or(s);
        Strategy::ALL.into_iter().find(|st| st.name() == s || st.class_name() == short)
    }

    /// Kafka's class name, without its package.
    pub fn class_name(self) -> &'static str {
        match self {
            Strategy::Range => "RangeAssignor",
            Strategy::RoundRobin => "RoundRobinAssignor",
            Strategy::Sticky => "StickyAssignor",
            Strategy::CooperativeSticky => "CooperativeStickyAssignor",
        }
    }

    /// Whether members keep their partitions through a rebalance and revoke only the ones that
    /// move (the COOPERATIVE protocol), rather than revoking everything first (EAGER).
    pub fn is_cooperative(self) -> bool {
        self == Strategy::CooperativeSticky
    }

    /// Run this assignor.
    ///
    /// `members` maps each member to its subscription; `partitions` gives each topic's
    /// partition count (topics missing from it are ignored: they do not exist yet). Every
    /// member appears in the result, possibly with no partitions.
    pub fn assign(
        self,
        members: &BTreeMap<MemberId, Subscription>,
        partitions: &BTreeMap<TopicName, u32>,
    ) -> Assignment {
        match self {
            Strategy::Range => range::assign(members, partitions),
            Strategy::RoundRobin => roundrobin::assign(members, partitions),
            Strategy::Sticky => sticky::assign(members, partitions),
            Strategy::CooperativeSticky => cooperative::assign(members, partitions),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
