//! The consumer's side of the group protocol: find the coordinator, join, sync, heartbeat,
//! leave, and react to the coordinator's errors.
//!
//! Kafka's Java client does this in two places: the *heartbeat thread* (heartbeats every
//! `heartbeat.interval.ms`, and `LeaveGroup` when the application has not called `poll()` for
//! `max.poll.interval.ms`) and `poll()` itself (joining, running the assignor when this member
//! is the group leader, and calling the rebalance listener). kafkasim keeps the split: network
//! answers are taken as they arrive, but partitions change hands only inside
//! [`Consumer::poll`](super::Consumer), between two batches, as in Kafka.
//!
//! - *Eager* assignors (range, round-robin, sticky): before rejoining, the member commits and
//!   revokes *all* its partitions; nobody in the group consumes until the new generation is
//!   stable ("stop the world").
//! - *Cooperative* (cooperative-sticky, KIP-429): the member rejoins keeping its partitions;
//!   the new assignment may take some away — it revokes only those, then rejoins once more so
//!   they can go to their new owner.

use super::{Consumer, Position};
use crate::group::assignor::{Strategy, Subscription};
use crate::node::Output;
use crate::protocol::group::{GroupRequest, GroupResponse, JoinGroup, JoinResult, MemberRef, SyncGroup};
use crate::protocol::{CorrelationId, ErrorCode, Request};
use crate::trace::Event;
use crate::types::{Generation, GroupId, MemberId, NodeName, SimDuration, SimTime, TopicName, TopicPartition};
use std::collections::BTreeMap;

/// Group settings of a consumer.
#[derive(Clone, Debug)]
pub struct GroupSettings {
    /// `group.id`.
    pub group: GroupId,
    /// `client.id`: the prefix of the member id.
    pub client_id: String,
    /// `partition.assignment.strategy`, preferred first.
    pub strategies: Vec<Strategy>,
    /// `session.timeout.ms`.
    pub session_timeout: SimDuration,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval: SimDuration,
    /// `max.poll.interval.ms` (also the rebalance timeout).
    pub max_poll_interval: SimDuration,
}

/// Where the member is in the join/sync cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not in the group; `poll()` will join.
    Unjoined,
    /// `JoinGroup` in flight.
    Joining,
    /// `SyncGroup` in flight.
    Syncing,
    /// Member of a stable generation.
    Stable,
}

/// Which group call a correlation id belongs to.
#[derive(Clone, Debug)]
pub enum GroupCall {
    /// `FindCoordinator`.
    Find,
    /// `JoinGroup`.
    Join,
    /// `SyncGroup`.
    Sync,
    /// `Heartbeat`.
    Heartbeat,
    /// `LeaveGroup`.
    Leave,
    /// `OffsetCommit` with the identity it carried, and whether the application waits on it.
    Commit(MemberId, Generation, bool),
    /// `OffsetFetch`.
    OffsetFetch,
}

/// A member's view of its group.
#[derive(Clone, Debug)]
pub struct Membership {
    /// Settings.
    pub settings: GroupSettings,
    /// The coordinator, once found.
    pub coordinator: Option<NodeName>,
    /// When `FindCoordinator` may be sent next.
    pub find_at: SimTime,
    /// Whether a `FindCoordinator` is in flight.
    pub finding: bool,
    /// The member id, once the coordinator gave one.
    pub member: Option<MemberId>,
    /// The generation this member belongs to (0: none).
    pub generation: Generation,
    /// The assignor the group chose.
    pub protocol: Option<Strategy>,
    /// Join/sync phase.
    pub phase: Phase,
    /// The partitions the application owns.
    pub owned: Vec<TopicPartition>,
    /// An assignment that arrived and waits for the next `poll()`.
    pub pending_assignment: Option<Vec<TopicPartition>>,
    /// Whether this member must rejoin at the next `poll()`.
    pub rejoin: bool,
    /// Why, for the trace.
    pub rejoin_reason: String,
    /// Whether the owned partitions were lost (evicted) rather than to be revoked cleanly.
    pub lost: bool,
    /// When the next heartbeat is due, and whether one is in flight.
    pub next_heartbeat: SimTime,
    /// Whether a heartbeat is in flight.
    pub heartbeat_in_flight: bool,
    /// The identity commits carry: kept after leaving, so that a late commit is refused by
    /// the coordinator (`UnknownMemberId`) as the trace can show.
    pub last_identity: Option<(MemberId, Generation)>,
}

impl Membership {
    /// A member that has not joined yet.
    pub fn new(settings: GroupSettings) -> Membership {
        Membership {
            settings,
            coordinator: None,
            find_at: SimTime::ZERO,
            finding: false,
            member: None,
            generation: Generation(0),
            protocol: None,
            phase: Phase::Unjoined,
            owned: Vec::new(),
            pending_assignment: None,
            rejoin: true,
            rejoin_reason: "first poll".into(),
            lost: false,
            next_heartbeat: SimTime::ZERO,
            heartbeat_in_flight: false,
            last_identity: None,
        }
    }

    fn me(&self) -> Option<MemberRef> {
        Some(MemberRef {
            group: self.settings.group.clone(),
            member: self.member.clone()?,
            generation: self.generation,
        })
    }

    /// Whether the group's chosen (or preferred) assignor is cooperative.
    pub fn cooperative(&self) -> bool {
        self.protocol.unwrap_or(self.settings.strategies[0]).is_cooperative()
    }

    /// Ask for a rejoin at the next poll.
    pub fn request_rejoin(&mut self, reason: &str) {
        if !self.rejoin {
            self.rejoin_reason = reason.to_string();
        }
        self.rejoin = true;
    }

    /// Forget the coordinator (it moved or died).
    fn lose_coordinator(&mut self, now: SimTime, backoff: SimDuration) {
        self.coordinator = None;
        self.find_at = now.plus(backoff);
        self.heartbeat_in_flight = false;
        if matches!(self.phase, Phase::Joining | Phase::Syncing) {
            self.phase = Phase::Unjoined;
            self.request_rejoin("coordinator moved during a rebalance");
        }
    }

    /// The coordinator no longer knows this member: its partitions are lost.
    fn reset(&mut self, forget_id: bool, reason: &str) {
        if forget_id {
            self.member = None;
        }
        self.generation = Generation(0);
        self.phase = Phase::Unjoined;
        self.lost = !self.owned.is_empty();
        self.pending_assignment = None;
        self.request_rejoin(reason);
    }
}

impl Consumer {
    pub(super) fn group_send(&mut self, to: NodeName, request: GroupRequest, call: GroupCall) -> Output {
        let correlation = self.correlation();
        // A join may wait a whole rebalance timeout at the coordinator (Kafka allows
        // max.poll.interval.ms + 5 s); everything else gets request.timeout.ms.
        let timeout = match (&call, &self.membership) {
            (GroupCall::Join, Some(m)) => SimDuration(m.settings.max_poll_interval.0 + 5_000_000),
            _ => self.config.request_timeout,
        };
        self.group_calls.insert(correlation, (call, to.clone(), self.now.plus(timeout)));
        Output::Send { to, correlation, request: Request::Group(request) }
    }

    /// Background work: find the coordinator, heartbeat, and leave when the application has
    /// not polled for `max.poll.interval.ms`.
    pub(super) fn group_background(&mut self, now: SimTime) -> Vec<Output> {
        let Some(m) = &self.membership else { return Vec::new() };
        let mut out = Vec::new();
        if m.coordinator.is_none() && !m.finding && now >= m.find_at {
            let bootstrap = self.bootstrap[self.next_bootstrap % self.bootstrap.len()].clone();
            self.next_bootstrap += 1;
            let group = m.settings.group.clone();
            self.membership.as_mut().expect("checked").finding = true;
            out.push(self.group_send(bootstrap, GroupRequest::FindCoordinator(group), GroupCall::Find));
            return out;
        }
        out.extend(self.check_poll_interval(now));
        self.check_coordinator_alive(now);
        out.extend(self.maybe_heartbeat(now));
        out
    }

    /// Kafka's client marks its coordinator dead when no heartbeat has succeeded for a whole
    /// `session.timeout.ms`, and looks for the new one.
    fn check_coordinator_alive(&mut self, now: SimTime) {
        let last_ok = self.last_heartbeat_ok;
        let backoff = self.config.retry_backoff;
        let Some(m) = &mut self.membership else { return };
        if m.phase == Phase::Stable && m.coordinator.is_some() && now.since(last_ok) > m.settings.session_timeout {
            m.lose_coordinator(now, backoff);
            self.last_heartbeat_ok = now;
        }
    }

    fn maybe_heartbeat(&mut self, now: SimTime) -> Vec<Output> {
        let Some(m) = &mut self.membership else { return Vec::new() };
        let due =
            matches!(m.phase, Phase::Stable | Phase::Syncing) && !m.heartbeat_in_flight && now >= m.next_heartbeat;
        let (Some(to), Some(me), true) = (m.coordinator.clone(), m.me(), due) else { return Vec::new() };
        m.heartbeat_in_flight = true;
        m.next_heartbeat = now.plus(m.settings.heartbeat_interval);
        vec![self.group_send(to, GroupRequest::Heartbeat(me), GroupCall::Heartbeat)]
    }

    /// Kafka's heartbeat thread: a member whose application has not polled within
    /// `max.poll.interval.ms` leaves the group so that its partitions can move on.
    fn check_poll_interval(&mut self, now: SimTime) -> Vec<Output> {
        let last_poll = self.last_poll;
        let Some(m) = &mut self.membership else { return Vec::new() };
        if m.phase != Phase::Stable || now.since(last_poll) <= m.settings.max_poll_interval {
            return Vec::new();
        }
        let (Some(to), Some(me)) = (m.coordinator.clone(), m.me()) else { return Vec::new() };
        let reason = format!(
            "poll() not called for {} ms > max.poll.interval.ms={}",
            now.since(last_poll).as_millis(),
            m.settings.max_poll_interval.as_millis()
        );
        m.reset(true, "left after max.poll.interval.ms");
        let event = Event::ConsumerLeftGroup { group: me.group.clone(), member: me.member.clone(), reason };
        vec![Output::Emit(event), self.group_send(to, GroupRequest::Leave(me), GroupCall::Leave)]
    }

    /// Send `LeaveGroup` for the current membership, if there is one.
    pub(super) fn send_leave(&mut self, reason: &str) -> Vec<Output> {
        let Some(m) = &mut self.membership else { return Vec::new() };
        let (Some(to), Some(me)) = (m.coordinator.clone(), m.me()) else { return Vec::new() };
        m.reset(true, reason);
        m.lost = false;
        let event =
            Event::ConsumerLeftGroup { group: me.group.clone(), member: me.member.clone(), reason: reason.into() };
        vec![Output::Emit(event), self.group_send(to, GroupRequest::Leave(me), GroupCall::Leave)]
    }

    /// Send `JoinGroup` (from `poll()`).
    pub(super) fn send_join(&mut self) -> Vec<Output> {
        let Some(m) = &mut self.membership else { return Vec::new() };
        let Some(to) = m.coordinator.clone() else { return Vec::new() };
        m.rejoin = false;
        m.phase = Phase::Joining;
        let subscription = Subscription {
            topics: self.topics.clone(),
            owned: m.owned.clone(),
            generation: (m.generation.0 > 0).then_some(m.generation),
        };
        let join = JoinGroup {
            group: m.settings.group.clone(),
            member: m.member.clone(),
            client_id: m.settings.client_id.clone(),
            session_timeout: m.settings.session_timeout,
            rebalance_timeout: m.settings.max_poll_interval,
            protocols: m.settings.strategies.iter().map(|s| (*s, subscription.clone())).collect(),
        };
        vec![self.group_send(to, GroupRequest::Join(join), GroupCall::Join)]
    }

    /// Handle the answer to a group call.
    pub(super) fn on_group_response(
        &mut self,
        now: SimTime,
        correlation: CorrelationId,
        response: GroupResponse,
    ) -> Vec<Output> {
        let Some((call, _, _)) = self.group_calls.remove(&correlation) else { return Vec::new() };
        let backoff = self.config.retry_backoff;
        match (call, response) {
            (GroupCall::Find, GroupResponse::FindCoordinator(r)) => {
                let m = self.membership.as_mut().expect("group calls imply a membership");
                m.finding = false;
                match r {
                    Ok(node) => m.coordinator = Some(node),
                    Err(_) => m.find_at = now.plus(backoff),
                }
                Vec::new()
            }
            (GroupCall::Join, GroupResponse::Join(r)) => self.on_join(now, r),
            (GroupCall::Sync, GroupResponse::Sync(r)) => self.on_sync(now, r),
            (GroupCall::Heartbeat, GroupResponse::Heartbeat(r)) => self.on_heartbeat(now, r),
            (GroupCall::Commit(member, generation, blocking), GroupResponse::OffsetCommit(r)) => {
                self.on_commit(now, member, generation, blocking, r)
            }
            (GroupCall::OffsetFetch, GroupResponse::OffsetFetch(r)) => self.on_offset_fetch(now, r),
            _ => Vec::new(),
        }
    }

    /// A request to the coordinator got no answer: it timed out (`RequestTimedOut`) or its connection broke
    /// (`NetworkException`, Kafka's `DisconnectException`).
    pub(super) fn on_group_call_lost(&mut self, now: SimTime, call: GroupCall, error: ErrorCode) -> Vec<Output> {
        let backoff = self.config.retry_backoff;
        let Some(m) = &mut self.membership else { return Vec::new() };
        match call {
            GroupCall::Find => {
                m.finding = false;
                m.find_at = now.plus(backoff);
                Vec::new()
            }
            GroupCall::Commit(member, generation, blocking) => {
                self.on_commit(now, member, generation, blocking, Err(error))
            }
            GroupCall::OffsetFetch => {
                m.lose_coordinator(now, backoff);
                self.retry_offset_fetch();
                Vec::new()
            }
            _ => {
                m.lose_coordinator(now, backoff);
                Vec::new()
            }
        }
    }

    fn on_join(&mut self, now: SimTime, r: Result<JoinResult, ErrorCode>) -> Vec<Output> {
        let backoff = self.config.retry_backoff;
        let m = self.membership.as_mut().expect("group calls imply a membership");
        if m.phase != Phase::Joining {
            return Vec::new();
        }
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                match e {
                    ErrorCode::InvalidSessionTimeout => {
                        // `AbstractCoordinator.JoinGroupResponseHandler`: a fatal error for
                        // this consumer; `poll()` throws `InvalidSessionTimeoutException`.
                        let group = m.settings.group.clone();
                        self.closed = true;
                        return vec![Output::Emit(Event::ConsumerFailed { group, error: e })];
                    }
                    ErrorCode::UnknownMemberId => m.reset(true, "JoinGroup: UnknownMemberId"),
                    ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable => {
                        m.phase = Phase::Unjoined;
                        m.lose_coordinator(now, backoff);
                        m.request_rejoin("JoinGroup: coordinator moved");
                    }
                    _ => {
                        m.phase = Phase::Unjoined;
                        m.request_rejoin(&format!("JoinGroup: {e}"));
                    }
                }
                return Vec::new();
            }
        };
        m.member = Some(r.member.clone());
        m.generation = r.generation;
        m.protocol = Some(r.protocol);
        m.phase = Phase::Syncing;
        let assignment = (r.leader == r.member).then(|| self.run_assignor(&r));
        let m = self.membership.as_ref().expect("checked");
        let (Some(to), Some(me)) = (m.coordinator.clone(), m.me()) else { return Vec::new() };
        vec![self.group_send(to, GroupRequest::Sync(SyncGroup { member: me, assignment }), GroupCall::Sync)]
    }

    /// As group leader, run the chosen assignor over the partitions in this consumer's metadata.
    fn run_assignor(&self, r: &JoinResult) -> BTreeMap<MemberId, Vec<TopicPartition>> {
        let image = self.metadata.image.as_ref();
        let mut counts: BTreeMap<TopicName, u32> = BTreeMap::new();
        for sub in r.members.values() {
            for t in &sub.topics {
                if let Some(n) = image.and_then(|i| i.topics.get(t)).map(|t| t.partitions.len() as u32) {
                    counts.insert(t.clone(), n);
                }
            }
        }
        r.protocol.assign(&r.members, &counts)
    }

    fn on_sync(&mut self, now: SimTime, r: Result<Vec<TopicPartition>, ErrorCode>) -> Vec<Output> {
        let backoff = self.config.retry_backoff;
        let m = self.membership.as_mut().expect("group calls imply a membership");
        if m.phase != Phase::Syncing {
            return Vec::new();
        }
        match r {
            Ok(partitions) => {
                m.phase = Phase::Stable;
                m.pending_assignment = Some(partitions);
                m.next_heartbeat = now.plus(m.settings.heartbeat_interval);
                m.last_identity = m.member.clone().map(|id| (id, m.generation));
                self.last_heartbeat_ok = now;
            }
            Err(ErrorCode::UnknownMemberId) => m.reset(true, "SyncGroup: UnknownMemberId"),
            Err(ErrorCode::IllegalGeneration) => m.reset(false, "SyncGroup: IllegalGeneration"),
            Err(ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) => {
                m.phase = Phase::Unjoined;
                m.lose_coordinator(now, backoff);
                m.request_rejoin("SyncGroup: coordinator moved");
            }
            Err(e) => {
                m.phase = Phase::Unjoined;
                m.request_rejoin(&format!("SyncGroup: {e}"));
            }
        }
        Vec::new()
    }

    fn on_heartbeat(&mut self, now: SimTime, r: Result<(), ErrorCode>) -> Vec<Output> {
        let backoff = self.config.retry_backoff;
        let m = self.membership.as_mut().expect("group calls imply a membership");
        m.heartbeat_in_flight = false;
        match r {
            Ok(()) => self.last_heartbeat_ok = now,
            Err(ErrorCode::RebalanceInProgress) if m.phase == Phase::Stable => {
                m.request_rejoin("the coordinator started a rebalance")
            }
            Err(ErrorCode::UnknownMemberId) if m.phase == Phase::Stable => m.reset(true, "evicted: UnknownMemberId"),
            Err(ErrorCode::IllegalGeneration) if m.phase == Phase::Stable => {
                m.reset(false, "evicted: IllegalGeneration")
            }
            Err(ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) => m.lose_coordinator(now, backoff),
            Err(_) => {}
        }
        Vec::new()
    }

    /// Ask the coordinator for the committed offsets of partitions waiting for them.
    pub(super) fn maybe_offset_fetch(&mut self) -> Vec<Output> {
        let Some(to) = self.membership.as_ref().and_then(|m| m.coordinator.clone()) else { return Vec::new() };
        if self.offset_fetch_in_flight {
            return Vec::new();
        }
        let partitions: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, s)| s.position == Position::AwaitingCommitted)
            .map(|(tp, _)| tp.clone())
            .collect();
        if partitions.is_empty() {
            return Vec::new();
        }
        self.offset_fetch_in_flight = true;
        let group = self.membership.as_ref().expect("checked").settings.group.clone();
        vec![self.group_send(to, GroupRequest::OffsetFetch { group, partitions }, GroupCall::OffsetFetch)]
    }

    fn retry_offset_fetch(&mut self) {
        self.offset_fetch_in_flight = false;
    }
}
