//! The consumer group RPCs: `FindCoordinator`, `JoinGroup`, `SyncGroup`, `Heartbeat`,
//! `LeaveGroup`, `OffsetCommit` and `OffsetFetch` (Kafka's classic group protocol).
//!
//! Every group has one *coordinator*: the broker that leads the partition of
//! `__consumer_offsets` chosen by hashing the group id. A consumer finds it with
//! `FindCoordinator` (any broker answers), then talks to it alone. Every answer carries a
//! `Result` whose errors use Kafka's names: `NotCoordinator` (ask again),
//! `RebalanceInProgress` (rejoin), `IllegalGeneration` and `UnknownMemberId` (this member is
//! out of date or was evicted).

use super::ErrorCode;
use crate::group::assignor::{Strategy, Subscription};
use crate::types::{Generation, GroupId, MemberId, NodeName, Offset, SimDuration, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A request to a group coordinator (or, for `FindCoordinator`, to any broker).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupRequest {
    /// Which broker coordinates this group?
    FindCoordinator(GroupId),
    /// Join (or rejoin) the group.
    Join(JoinGroup),
    /// Get this generation's assignment; the group leader brings it.
    Sync(SyncGroup),
    /// "I am alive" (and "is a rebalance under way?").
    Heartbeat(MemberRef),
    /// Leave at once rather than waiting for the session timeout.
    Leave(MemberRef),
    /// Store committed offsets.
    OffsetCommit(OffsetCommit),
    /// Read committed offsets.
    OffsetFetch {
        /// The group.
        group: GroupId,
        /// The partitions asked about.
        partitions: Vec<TopicPartition>,
    },
}

impl GroupRequest {
    /// The group the request is about.
    pub fn group(&self) -> &GroupId {
        match self {
            GroupRequest::FindCoordinator(g) => g,
            GroupRequest::Join(j) => &j.group,
            GroupRequest::Sync(s) => &s.member.group,
            GroupRequest::Heartbeat(m) | GroupRequest::Leave(m) => &m.group,
            GroupRequest::OffsetCommit(c) => &c.group,
            GroupRequest::OffsetFetch { group, .. } => group,
        }
    }

    /// The answer this request gets when it fails as a whole with `error`.
    pub fn failed(&self, error: ErrorCode) -> GroupResponse {
        match self {
            GroupRequest::FindCoordinator(_) => GroupResponse::FindCoordinator(Err(error)),
            GroupRequest::Join(_) => GroupResponse::Join(Err(error)),
            GroupRequest::Sync(_) => GroupResponse::Sync(Err(error)),
            GroupRequest::Heartbeat(_) => GroupResponse::Heartbeat(Err(error)),
            GroupRequest::Leave(_) => GroupResponse::Leave(Err(error)),
            GroupRequest::OffsetCommit(_) => GroupResponse::OffsetCommit(Err(error)),
            GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch(Err(error)),
        }
    }
}

/// Identifies a member within a generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    /// The group.
    pub group: GroupId,
    /// The member.
    pub member: MemberId,
    /// The generation the member believes it is in.
    pub generation: Generation,
}

/// `JoinGroup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroup {
    /// The group.
    pub group: GroupId,
    /// The member id from an earlier join, or `None` for a new member.
    pub member: Option<MemberId>,
    /// `client.id`: the coordinator builds new member ids from it.
    pub client_id: String,
    /// `session.timeout.ms`: how long the coordinator waits for a heartbeat.
    pub session_timeout: SimDuration,
    /// `max.poll.interval.ms`: how long the coordinator waits for this member to rejoin.
    pub rebalance_timeout: SimDuration,
    /// The assignors this member supports, preferred first, with its subscription.
    pub protocols: Vec<(Strategy, Subscription)>,
}

/// The answer to `JoinGroup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResult {
    /// The new generation.
    pub generation: Generation,
    /// The assignor every member supports that the group chose.
    pub protocol: Strategy,
    /// The group leader.
    pub leader: MemberId,
    /// This member's id (new members learn theirs here).
    pub member: MemberId,
    /// For the leader only: every member's subscription, for the assignor.
    pub members: BTreeMap<MemberId, Subscription>,
}

/// `SyncGroup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroup {
    /// Who is asking.
    pub member: MemberRef,
    /// For the leader only: the assignment it computed.
    pub assignment: Option<BTreeMap<MemberId, Vec<TopicPartition>>>,
}

/// `OffsetCommit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommit {
    /// The group.
    pub group: GroupId,
    /// The committing member and its generation; `None` for a consumer outside group
    /// management (`assign()`), which Kafka accepts only while the group is empty.
    pub member: Option<(MemberId, Generation)>,
    /// Per partition, the offset of the next record to process.
    pub offsets: BTreeMap<TopicPartition, Offset>,
}

/// The answer to a [`GroupRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupResponse {
    /// The coordinator's host.
    FindCoordinator(Result<NodeName, ErrorCode>),
    /// The joined generation.
    Join(Result<JoinResult, ErrorCode>),
    /// This member's partitions in the generation.
    Sync(Result<Vec<TopicPartition>, ErrorCode>),
    /// `Ok`, or `RebalanceInProgress` and friends.
    Heartbeat(Result<(), ErrorCode>),
    /// The member is gone.
    Leave(Result<(), ErrorCode>),
    /// The offsets are stored (replicated to the offsets topic's ISR).
    OffsetCommit(Result<BTreeMap<TopicPartition, Offset>, ErrorCode>),
    /// Committed offsets (partitions with none are absent).
    OffsetFetch(Result<BTreeMap<TopicPartition, Offset>, ErrorCode>),
}
