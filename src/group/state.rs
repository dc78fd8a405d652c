//! One consumer group as its coordinator sees it: members, generation and the classic
//! protocol's states.
//!
//! ```text
//!            first JoinGroup                 all members joined (or rebalance timeout)
//!   Empty ─────────────────> PreparingRebalance ───────────────────────> CompletingRebalance
//!     ^                        ^        ^                                   │ leader's SyncGroup
//!     │ last member gone       │        │ a member joins, leaves or times out│ stored
//!     └────────────────────────┴──── Stable <───────────────────────────────┘
//! ```
//!
//! - *PreparingRebalance*: the coordinator answers heartbeats with `RebalanceInProgress`, and
//!   parks every `JoinGroup` until all known members have rejoined. Members that do not rejoin
//!   within the rebalance timeout (their `max.poll.interval.ms`) are removed. A brand-new group
//!   also waits `group.initial.rebalance.delay.ms`, so that members starting together land in
//!   one generation instead of several.
//! - Completing the join bumps the *generation*, picks the assignor every member supports
//!   (by vote, as Kafka does), keeps or elects the *group leader*, and answers every parked
//!   join; only the leader's answer carries the members' subscriptions.
//! - *CompletingRebalance*: members send `SyncGroup`; the leader's carries the assignment. The
//!   coordinator writes the group's metadata to `__consumer_offsets` and, once it is durable,
//!   answers every parked sync with that member's partitions: the group is *Stable*.
//!
//! Invariants:
//! - the generation only grows;
//! - in Stable and CompletingRebalance, every member was part of the join that made the
//!   current generation;
//! - an assignment is accepted only from the current generation's leader.

use super::assignor::{Strategy, Subscription};
use super::records::{GroupRecord, StoredMember};
use crate::node::ConnId;
use crate::protocol::group::{GroupResponse, JoinGroup, JoinResult};
use crate::protocol::{CorrelationId, ErrorCode};
use crate::trace::Event;
use crate::types::{Generation, GroupId, MemberId, Offset, SimDuration, SimTime, TopicPartition};
use std::collections::BTreeMap;

/// Where a request's answer goes.
pub type ReplyTo = (ConnId, CorrelationId);

/// The classic protocol's group states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupState {
    /// No members (committed offsets may remain).
    Empty,
    /// Waiting for members to rejoin.
    PreparingRebalance,
    /// Waiting for the leader's assignment.
    CompletingRebalance,
    /// Everyone has an assignment.
    Stable,
}

/// One member.
#[derive(Clone, Debug)]
pub struct Member {
    /// What it told the coordinator (id, timeouts, protocols, and its assignment once known).
    pub stored: StoredMember,
    /// When it was last heard from.
    pub last_heartbeat: SimTime,
    /// Its parked `JoinGroup`, if any.
    pub join_waiting: Option<ReplyTo>,
    /// Its parked `SyncGroup`, if any.
    pub sync_waiting: Option<ReplyTo>,
}

/// What the group wants its coordinator to do.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupAction {
    /// Answer a request.
    Reply(ReplyTo, GroupResponse),
    /// Write this record to the group's offsets partition; when it is durable, call
    /// [`Group::on_written`] with it.
    Write(GroupRecord, Option<ReplyTo>),
    /// Record an event.
    Emit(Event),
}

/// The coordinator's settings.
#[derive(Clone, Copy, Debug)]
pub struct GroupConfig {
    /// `group.initial.rebalance.delay.ms`.
    pub initial_rebalance_delay: SimDuration,
    /// `group.min.session.timeout.ms`.
    pub min_session_timeout: SimDuration,
    /// `group.max.session.timeout.ms`.
    pub max_session_timeout: SimDuration,
}

/// One group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Its id.
    pub id: GroupId,
    /// Its state.
    pub state: GroupState,
    /// Its generation.
    pub generation: Generation,
    /// The chosen assignor.
    pub protocol: Option<Strategy>,
    /// The group leader.
    pub leader: Option<MemberId>,
    /// Members by id.
    pub members: BTreeMap<MemberId, Member>,
    /// Committed offsets (durable ones only).
    pub committed: BTreeMap<TopicPartition, Offset>,
    /// The counter new member ids come from.
    pub next_member: u64,
    /// When the current join phase must end.
    rebalance_deadline: SimTime,
    /// The initial join delay, while a new group waits for more members.
    initial_delay: Option<InitialDelay>,
}

/// Kafka's initial rebalance delay (`InitialDelayedJoin`, in the new coordinator
/// `GroupMetadataManager.tryCompleteInitialRebalanceElseSchedule`): a new group waits
/// `group.initial.rebalance.delay.ms`; when that expires and a member joined meanwhile, it
/// waits another step, until the rebalance timeout is used up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InitialDelay {
    /// `group.initial.rebalance.delay.ms`.
    configured: SimDuration,
    /// The step now running.
    delay: SimDuration,
    /// What is left of the rebalance timeout after this step.
    remaining: SimDuration,
    /// Whether a member joined during this step (`ClassicGroup.newMemberAdded`).
    new_member_added: bool,
}

impl Group {
    /// A new, empty group.
    pub fn new(id: GroupId) -> Group {
        Group {
            id,
            state: GroupState::Empty,
            generation: Generation(0),
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            committed: BTreeMap::new(),
            next_member: 1,
            rebalance_deadline: SimTime::ZERO,
            initial_delay: None,
        }
    }

    /// Check a member's id and generation, as every request after the join does.
    pub fn validate(&self, member: &MemberId, generation: Generation) -> Result<(), ErrorCode> {
        if !self.members.contains_key(member) {
            return Err(ErrorCode::UnknownMemberId);
        }
        if generation != self.generation {
            return Err(ErrorCode::IllegalGeneration);
        }
        Ok(())
    }

    /// Handle `JoinGroup`.
    pub fn join(&mut self, now: SimTime, config: &GroupConfig, reply: ReplyTo, req: JoinGroup) -> Vec<GroupAction> {
        let fail = |e| vec![GroupAction::Reply(reply, GroupResponse::Join(Err(e)))];
        // `GroupMetadataManager.classicGroupJoin`: a session timeout outside
        // group.min/max.session.timeout.ms is refused with INVALID_SESSION_TIMEOUT.
        if req.session_timeout < config.min_session_timeout || req.session_timeout > config.max_session_timeout {
            return fail(ErrorCode::InvalidSessionTimeout);
        }
        if !self.supports_some(&req) {
            return fail(ErrorCode::InconsistentGroupProtocol);
        }
        let id = match req.member.clone() {
            Some(id) if self.members.contains_key(&id) => id,
            Some(_) => return fail(ErrorCode::UnknownMemberId),
            None => {
                let id = MemberId(format!("{}-{}", req.client_id, self.next_member));
                self.next_member += 1;
                id
            }
        };
        let is_new = !self.members.contains_key(&id);
        let stored = StoredMember {
            id: id.clone(),
            client_id: req.client_id,
            session_timeout: req.session_timeout,
            rebalance_timeout: req.rebalance_timeout,
            protocols: req.protocols,
            assignment: self.members.get(&id).map(|m| m.stored.assignment.clone()).unwrap_or_default(),
        };
        let member = Member { stored, last_heartbeat: now, join_waiting: Some(reply), sync_waiting: None };
        self.members.insert(id.clone(), member);
        let reason = if is_new { format!("{id} joined") } else { format!("{id} rejoined") };
        let mut out = self.prepare_rebalance(now, config, &reason, is_new);
        out.extend(self.try_complete_join(now));
        out
    }

    /// Whether the joining member shares an assignor with every current member.
    fn supports_some(&self, req: &JoinGroup) -> bool {
        let others = self.members.values().filter(|m| Some(&m.stored.id) != req.member.as_ref());
        let mut common: Vec<Strategy> = req.protocols.iter().map(|(s, _)| *s).collect();
        for m in others {
            common.retain(|s| m.stored.protocols.iter().any(|(t, _)| t == s));
        }
        !common.is_empty()
    }

    /// Enter PreparingRebalance (or stay there), setting when the join phase must end.
    fn prepare_rebalance(
        &mut self,
        now: SimTime,
        config: &GroupConfig,
        reason: &str,
        new_member: bool,
    ) -> Vec<GroupAction> {
        let mut out = Vec::new();
        let max_rebalance =
            self.members.values().map(|m| m.stored.rebalance_timeout).max().unwrap_or(SimDuration::ZERO);
        match self.state {
            GroupState::PreparingRebalance => {
                if let (Some(d), true) = (self.initial_delay.as_mut(), new_member) {
                    // A member joined during the initial delay: when the step expires, the
                    // delay extends by another (see `try_complete_join`).
                    d.new_member_added = true;
                }
                return out;
            }
            GroupState::Empty => {
                let configured = config.initial_rebalance_delay;
                let remaining = SimDuration(max_rebalance.0.saturating_sub(configured.0));
                self.initial_delay =
                    Some(InitialDelay { configured, delay: configured, remaining, new_member_added: false });
                self.rebalance_deadline = now.plus(configured);
            }
            GroupState::CompletingRebalance => {
                out.extend(self.fail_parked_syncs(ErrorCode::RebalanceInProgress));
                self.rebalance_deadline = now.plus(max_rebalance);
            }
            GroupState::Stable => self.rebalance_deadline = now.plus(max_rebalance),
        }
        self.state = GroupState::PreparingRebalance;
        out.push(GroupAction::Emit(Event::GroupRebalancing {
            group: self.id.clone(),
            generation: self.generation,
            reason: reason.to_string(),
        }));
        out
    }

    fn fail_parked_syncs(&mut self, error: ErrorCode) -> Vec<GroupAction> {
        let mut out = Vec::new();
        for m in self.members.values_mut() {
            if let Some(to) = m.sync_waiting.take() {
                out.push(GroupAction::Reply(to, GroupResponse::Sync(Err(error))));
            }
        }
        out
    }

    /// End the join phase if every member has rejoined (and a new group's initial delay is
    /// over), or if the rebalance timeout passed.
    pub fn try_complete_join(&mut self, now: SimTime) -> Vec<GroupAction> {
        if self.state != GroupState::PreparingRebalance {
            return Vec::new();
        }
        if let Some(d) = self.initial_delay {
            if now < self.rebalance_deadline {
                return Vec::new();
            }
            if d.new_member_added && d.remaining > SimDuration::ZERO {
                // `tryCompleteInitialRebalanceElseSchedule`: extend from the expiry by
                // min(configured, remaining); what remains shrinks by the step just over.
                let next = SimDuration(d.configured.0.min(d.remaining.0));
                let remaining = SimDuration(d.remaining.0.saturating_sub(d.delay.0));
                self.initial_delay = Some(InitialDelay { delay: next, remaining, new_member_added: false, ..d });
                self.rebalance_deadline = self.rebalance_deadline.plus(next);
                return self.try_complete_join(now);
            }
        }
        let all_joined = self.members.values().all(|m| m.join_waiting.is_some());
        if !all_joined && now < self.rebalance_deadline {
            return Vec::new();
        }
        let mut out = Vec::new();
        let late: Vec<MemberId> =
            self.members.values().filter(|m| m.join_waiting.is_none()).map(|m| m.stored.id.clone()).collect();
        for id in late {
            out.extend(self.remove(&id, "did not rejoin within the rebalance timeout (max.poll.interval.ms)"));
        }
        self.initial_delay = None;
        self.generation = Generation(self.generation.0 + 1);
        if self.members.is_empty() {
            out.extend(self.become_empty());
            return out;
        }
        out.extend(self.complete_join(now));
        out
    }

    fn become_empty(&mut self) -> Vec<GroupAction> {
        self.state = GroupState::Empty;
        self.protocol = None;
        self.leader = None;
        let record = self.metadata_record();
        vec![
            GroupAction::Emit(Event::GroupEmpty { group: self.id.clone(), generation: self.generation }),
            GroupAction::Write(record, None),
        ]
    }

    /// Pick the assignor and leader and answer every parked join.
    fn complete_join(&mut self, now: SimTime) -> Vec<GroupAction> {
        let protocol = self.vote();
        self.protocol = Some(protocol);
        let leader = match &self.leader {
            Some(l) if self.members.contains_key(l) => l.clone(),
            _ => self.members.keys().next().expect("a non-empty group").clone(),
        };
        self.leader = Some(leader.clone());
        self.state = GroupState::CompletingRebalance;
        let subscriptions: BTreeMap<MemberId, Subscription> =
            self.members.values().map(|m| (m.stored.id.clone(), subscription_for(&m.stored, protocol))).collect();
        let mut out = vec![GroupAction::Emit(Event::GroupJoined {
            group: self.id.clone(),
            generation: self.generation,
            protocol: protocol.name().to_string(),
            leader: leader.clone(),
            members: self.members.keys().cloned().collect(),
        })];
        for m in self.members.values_mut() {
            m.last_heartbeat = now;
            let to = m.join_waiting.take().expect("every remaining member rejoined");
            let result = JoinResult {
                generation: self.generation,
                protocol,
                leader: leader.clone(),
                member: m.stored.id.clone(),
                members: if m.stored.id == leader { subscriptions.clone() } else { BTreeMap::new() },
            };
            out.push(GroupAction::Reply(to, GroupResponse::Join(Ok(result))));
        }
        out
    }

    /// Kafka's vote: each member votes for its most preferred assignor among those every
    /// member supports; the most votes win (ties: the earlier in `Strategy::ALL`).
    fn vote(&self) -> Strategy {
        let candidates: Vec<Strategy> = Strategy::ALL
            .into_iter()
            .filter(|s| self.members.values().all(|m| m.stored.protocols.iter().any(|(t, _)| t == s)))
            .collect();
        assert!(!candidates.is_empty(), "{}: join accepted only members sharing an assignor", self.id);
        let mut votes: BTreeMap<Strategy, usize> = BTreeMap::new();
        for m in self.members.values() {
            let choice = m.stored.protocols.iter().map(|(s, _)| *s).find(|s| candidates.contains(s));
            *votes.entry(choice.expect("candidates are supported by all")).or_default() += 1;
        }
        let best = votes.values().copied().max().unwrap_or(0);
        candidates.into_iter().find(|s| votes.get(s) == Some(&best)).expect("some candidate has the most votes")
    }

    /// Handle `SyncGroup`.
    pub fn sync(
        &mut self,
        now: SimTime,
        reply: ReplyTo,
        member: &MemberId,
        generation: Generation,
        assignment: Option<BTreeMap<MemberId, Vec<TopicPartition>>>,
    ) -> Vec<GroupAction> {
        let fail = |e| vec![GroupAction::Reply(reply, GroupResponse::Sync(Err(e)))];
        if let Err(e) = self.validate(member, generation) {
            return fail(e);
        }
        let m = self.members.get_mut(member).expect("validated");
        m.last_heartbeat = now;
        match self.state {
            GroupState::Empty | GroupState::PreparingRebalance => fail(ErrorCode::RebalanceInProgress),
            GroupState::Stable => {
                vec![GroupAction::Reply(reply, GroupResponse::Sync(Ok(m.stored.assignment.clone())))]
            }
            GroupState::CompletingRebalance => {
                m.sync_waiting = Some(reply);
                match assignment {
                    Some(a) if self.leader.as_ref() == Some(member) => self.store_assignment(a),
                    _ => Vec::new(),
                }
            }
        }
    }

    /// The leader's assignment arrived: remember it and write the group's metadata.
    fn store_assignment(&mut self, mut assignment: BTreeMap<MemberId, Vec<TopicPartition>>) -> Vec<GroupAction> {
        for (id, m) in self.members.iter_mut() {
            m.stored.assignment = assignment.remove(id).unwrap_or_default();
        }
        vec![GroupAction::Write(self.metadata_record(), None)]
    }

    /// The group's metadata as stored in the offsets topic.
    pub fn metadata_record(&self) -> GroupRecord {
        GroupRecord::Metadata {
            group: self.id.clone(),
            generation: self.generation,
            protocol: self.protocol,
            leader: self.leader.clone(),
            members: self.members.values().map(|m| m.stored.clone()).collect(),
            next_member: self.next_member,
        }
    }

    /// A write of ours is durable: apply it and answer whoever waited for it.
    pub fn on_written(&mut self, record: &GroupRecord, reply: Option<ReplyTo>) -> Vec<GroupAction> {
        match record {
            GroupRecord::Offsets { member, offsets, .. } => {
                self.committed.extend(offsets.iter().cloned());
                let event = Event::OffsetsCommitted {
                    group: self.id.clone(),
                    member: member.clone(),
                    offsets: offsets.clone(),
                };
                let mut out = vec![GroupAction::Emit(event)];
                if let Some(to) = reply {
                    let map = offsets.iter().cloned().collect();
                    out.push(GroupAction::Reply(to, GroupResponse::OffsetCommit(Ok(map))));
                }
                out
            }
            GroupRecord::Metadata { generation, .. } => self.on_metadata_written(*generation),
        }
    }

    fn on_metadata_written(&mut self, generation: Generation) -> Vec<GroupAction> {
        if self.state != GroupState::CompletingRebalance || generation != self.generation {
            return Vec::new();
        }
        self.state = GroupState::Stable;
        let mut out = vec![GroupAction::Emit(Event::GroupStable {
            group: self.id.clone(),
            generation: self.generation,
            assignment: self.members.values().map(|m| (m.stored.id.clone(), m.stored.assignment.clone())).collect(),
        })];
        for m in self.members.values_mut() {
            if let Some(to) = m.sync_waiting.take() {
                out.push(GroupAction::Reply(to, GroupResponse::Sync(Ok(m.stored.assignment.clone()))));
            }
        }
        out
    }

    /// A metadata write failed (the coordinator lost its partition or its ISR): members
    /// waiting for their assignment must rejoin.
    pub fn on_write_failed(&mut self, now: SimTime, config: &GroupConfig, error: ErrorCode) -> Vec<GroupAction> {
        let mut out = self.fail_parked_syncs(error);
        if self.state == GroupState::CompletingRebalance {
            out.extend(self.prepare_rebalance(now, config, "storing the assignment failed", false));
        }
        out
    }

    /// Handle `Heartbeat`.
    pub fn heartbeat(&mut self, now: SimTime, member: &MemberId, generation: Generation) -> Result<(), ErrorCode> {
        if let Some(m) = self.members.get_mut(member) {
            m.last_heartbeat = now;
        }
        self.validate(member, generation)?;
        match self.state {
            GroupState::PreparingRebalance => Err(ErrorCode::RebalanceInProgress),
            GroupState::Empty => Err(ErrorCode::UnknownMemberId),
            GroupState::CompletingRebalance | GroupState::Stable => Ok(()),
        }
    }

    /// Handle `LeaveGroup`.
    pub fn leave(&mut self, now: SimTime, config: &GroupConfig, member: &MemberId) -> Vec<GroupAction> {
        if !self.members.contains_key(member) {
            return Vec::new();
        }
        let mut out = self.remove(member, "LeaveGroup");
        out.extend(self.after_removal(now, config, &format!("{member} left")));
        out
    }

    /// Remove members whose session expired.
    pub fn expire(&mut self, now: SimTime, config: &GroupConfig) -> Vec<GroupAction> {
        let expired: Vec<MemberId> = self
            .members
            .values()
            .filter(|m| m.join_waiting.is_none() && m.sync_waiting.is_none())
            .filter(|m| now > m.last_heartbeat.plus(m.stored.session_timeout))
            .map(|m| m.stored.id.clone())
            .collect();
        let mut out = Vec::new();
        for id in expired {
            out.extend(self.remove(&id, "session.timeout.ms expired without a heartbeat"));
            out.extend(self.after_removal(now, config, &format!("{id} session timeout")));
        }
        out.extend(self.try_complete_join(now));
        out
    }

    fn remove(&mut self, id: &MemberId, reason: &str) -> Vec<GroupAction> {
        let Some(m) = self.members.remove(id) else { return Vec::new() };
        let mut out = vec![GroupAction::Emit(Event::MemberRemoved {
            group: self.id.clone(),
            member: id.clone(),
            reason: reason.to_string(),
        })];
        if let Some(to) = m.join_waiting {
            out.push(GroupAction::Reply(to, GroupResponse::Join(Err(ErrorCode::UnknownMemberId))));
        }
        if let Some(to) = m.sync_waiting {
            out.push(GroupAction::Reply(to, GroupResponse::Sync(Err(ErrorCode::UnknownMemberId))));
        }
        out
    }

    fn after_removal(&mut self, now: SimTime, config: &GroupConfig, reason: &str) -> Vec<GroupAction> {
        if self.state == GroupState::Empty {
            return Vec::new();
        }
        let mut out = self.prepare_rebalance(now, config, reason, false);
        out.extend(self.try_complete_join(now));
        out
    }

    /// Check an `OffsetCommit` (Kafka's rules, including KIP-429's: members may still commit
    /// with their current generation while the group prepares a rebalance).
    pub fn check_commit(&self, member: &Option<(MemberId, Generation)>) -> Result<(), ErrorCode> {
        match member {
            None if self.state == GroupState::Empty => Ok(()),
            None => Err(ErrorCode::UnknownMemberId),
            Some((id, generation)) => {
                self.validate(id, *generation)?;
                match self.state {
                    GroupState::CompletingRebalance => Err(ErrorCode::RebalanceInProgress),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Rebuild a group from its latest metadata record, as a new coordinator does after
    /// loading the offsets partition: its members keep their assignment and get a fresh
    /// session from `now`.
    pub fn restore(&mut self, now: SimTime, record: &GroupRecord) {
        let GroupRecord::Metadata { generation, protocol, leader, members, next_member, .. } = record else {
            if let GroupRecord::Offsets { offsets, .. } = record {
                self.committed.extend(offsets.iter().cloned());
            }
            return;
        };
        self.generation = *generation;
        self.protocol = *protocol;
        self.leader = leader.clone();
        self.next_member = *next_member;
        self.members = members
            .iter()
            .map(|s| {
                let m = Member { stored: s.clone(), last_heartbeat: now, join_waiting: None, sync_waiting: None };
                (s.id.clone(), m)
            })
            .collect();
        self.state = if self.members.is_empty() { GroupState::Empty } else { GroupState::Stable };
    }

    /// Answer every parked request with `NotCoordinator`: this broker gave the group up.
    pub fn unload(&mut self) -> Vec<GroupAction> {
        let mut out = Vec::new();
        for m in self.members.values_mut() {
            if let Some(to) = m.join_waiting.take() {
                out.push(GroupAction::Reply(to, GroupResponse::Join(Err(ErrorCode::NotCoordinator))));
            }
            if let Some(to) = m.sync_waiting.take() {
                out.push(GroupAction::Reply(to, GroupResponse::Sync(Err(ErrorCode::NotCoordinator))));
            }
        }
        out
    }
}

/// The subscription a member sent for `protocol`.
fn subscription_for(member: &StoredMember, protocol: Strategy) -> Subscription {
    member.protocols.iter().find(|(s, _)| *s == protocol).map(|(_, sub)| sub.clone()).unwrap_or_default()
}
