//! The group coordinator: the part of a broker that runs the consumer groups whose offsets
//! partition it leads.
//!
//! A broker leads some partitions of `__consumer_offsets`; it coordinates exactly the groups
//! that hash to those partitions ([`partition_for`]). The coordinator is a sans-IO state
//! machine like the rest of the core: the broker feeds it requests, ticks, and news about its
//! offsets partitions (it became leader and here are the records; it lost leadership; a write
//! became durable), and carries out what it asks: answers, appends to an offsets partition,
//! trace events.
//!
//! Writes are acknowledged only once the offsets partition's high watermark passes them
//! (Kafka's `offsets.commit.required.acks=-1`): a committed offset is one that survives the
//! coordinator's broker dying.
//!
//! Invariants:
//! - a group is only served by the broker that leads its offsets partition (else
//!   `NotCoordinator`);
//! - every write is answered exactly once: durable, or failed.

use super::records::{partition_for, GroupRecord};
use super::state::{Group, GroupAction, GroupConfig, ReplyTo};
use crate::protocol::group::{GroupRequest, GroupResponse};
use crate::protocol::ErrorCode;
use crate::trace::Event;
use crate::types::{GroupId, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// An id for one pending write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WriteId(pub u64);

/// What the broker tells its coordinator.
#[derive(Clone, Debug)]
pub enum CoordinatorInput {
    /// A group request arrived.
    Request(ReplyTo, GroupRequest),
    /// Time passed: expire sessions, end join phases.
    Tick,
    /// The broker now leads this offsets partition; these are its records, oldest first.
    Elected(u32, Vec<GroupRecord>),
    /// The broker no longer leads this offsets partition.
    Resigned(u32),
    /// A write is durable (`Ok`) or failed.
    Written(WriteId, Result<(), ErrorCode>),
}

/// What the coordinator asks its broker to do.
#[derive(Clone, Debug, PartialEq)]
pub enum CoordinatorOutput {
    /// Answer a request.
    Reply(ReplyTo, GroupResponse),
    /// Append `record` to offsets partition `partition`; report back with `Written`.
    Append(WriteId, u32, GroupRecord),
    /// Record an event.
    Emit(Event),
}

/// A write awaiting durability.
#[derive(Clone, Debug)]
struct PendingWrite {
    record: GroupRecord,
    reply: Option<ReplyTo>,
}

/// One broker's group coordinator.
#[derive(Clone, Debug)]
pub struct GroupCoordinator {
    config: GroupConfig,
    offsets_partitions: u32,
    led: BTreeSet<u32>,
    groups: BTreeMap<GroupId, Group>,
    writes: BTreeMap<WriteId, PendingWrite>,
    next_write: u64,
}

impl GroupCoordinator {
    /// A coordinator for a cluster whose `__consumer_offsets` has `offsets_partitions`
    /// partitions (`offsets.topic.num.partitions`).
    pub fn new(config: GroupConfig, offsets_partitions: u32) -> GroupCoordinator {
        GroupCoordinator {
            config,
            offsets_partitions,
            led: BTreeSet::new(),
            groups: BTreeMap::new(),
            writes: BTreeMap::new(),
            next_write: 0,
        }
    }

    /// The offsets partitions whose groups this coordinator serves.
    pub fn led_partitions(&self) -> &BTreeSet<u32> {
        &self.led
    }

    /// A group's state, for tests and reports.
    pub fn group(&self, id: &GroupId) -> Option<&Group> {
        self.groups.get(id)
    }

    /// Advance the coordinator.
    pub fn step(&mut self, now: SimTime, input: CoordinatorInput) -> Vec<CoordinatorOutput> {
        let actions = match input {
            CoordinatorInput::Request(reply, request) => self.request(now, reply, request),
            CoordinatorInput::Tick => self.tick(now),
            CoordinatorInput::Elected(partition, records) => return self.load(now, partition, records),
            CoordinatorInput::Resigned(partition) => self.unload(partition),
            CoordinatorInput::Written(id, result) => self.written(now, id, result),
        };
        self.carry_out(actions)
    }

    /// Turn group actions into outputs, registering writes.
    fn carry_out(&mut self, actions: Vec<(GroupId, GroupAction)>) -> Vec<CoordinatorOutput> {
        let mut out = Vec::new();
        for (group, action) in actions {
            match action {
                GroupAction::Reply(to, response) => out.push(CoordinatorOutput::Reply(to, response)),
                GroupAction::Emit(e) => out.push(CoordinatorOutput::Emit(e)),
                GroupAction::Write(record, reply) => {
                    self.next_write += 1;
                    let id = WriteId(self.next_write);
                    let partition = partition_for(&group, self.offsets_partitions);
                    out.push(CoordinatorOutput::Append(id, partition, record.clone()));
                    self.writes.insert(id, PendingWrite { record, reply });
                }
            }
        }
        out
    }

    fn request(&mut self, now: SimTime, reply: ReplyTo, request: GroupRequest) -> Vec<(GroupId, GroupAction)> {
        let id = request.group().clone();
        let fail = |e| vec![(id.clone(), GroupAction::Reply(reply, request.failed(e)))];
        if !self.led.contains(&partition_for(&id, self.offsets_partitions)) {
            return fail(ErrorCode::NotCoordinator);
        }
        let config = self.config;
        let tag = |actions: Vec<GroupAction>| actions.into_iter().map(|a| (id.clone(), a)).collect::<Vec<_>>();
        match request.clone() {
            GroupRequest::FindCoordinator(_) => fail(ErrorCode::InvalidConfig),
            GroupRequest::Join(join) => tag(self
                .groups
                .entry(id.clone())
                .or_insert_with(|| Group::new(id.clone()))
                .join(now, &config, reply, join)),
            GroupRequest::Sync(sync) => match self.groups.get_mut(&id) {
                None => fail(ErrorCode::UnknownMemberId),
                Some(g) => tag(g.sync(now, reply, &sync.member.member, sync.member.generation, sync.assignment)),
            },
            GroupRequest::Heartbeat(m) => {
                let result = match self.groups.get_mut(&id) {
                    None => Err(ErrorCode::UnknownMemberId),
                    Some(g) => g.heartbeat(now, &m.member, m.generation),
                };
                tag(vec![GroupAction::Reply(reply, GroupResponse::Heartbeat(result))])
            }
            GroupRequest::Leave(m) => match self.groups.get_mut(&id) {
                Some(g) if g.members.contains_key(&m.member) => {
                    let mut actions = g.leave(now, &config, &m.member);
                    actions.push(GroupAction::Reply(reply, GroupResponse::Leave(Ok(()))));
                    tag(actions)
                }
                _ => fail(ErrorCode::UnknownMemberId),
            },
            GroupRequest::OffsetCommit(commit) => {
                let g = self.groups.entry(id.clone()).or_insert_with(|| Group::new(id.clone()));
                match g.check_commit(&commit.member) {
                    Err(e) => fail(e),
                    Ok(()) => {
                        let record = GroupRecord::Offsets {
                            group: id.clone(),
                            member: commit.member.map(|(m, _)| m),
                            offsets: commit.offsets.into_iter().collect(),
                        };
                        tag(vec![GroupAction::Write(record, Some(reply))])
                    }
                }
            }
            GroupRequest::OffsetFetch { partitions, .. } => {
                let committed = self.groups.get(&id).map(|g| &g.committed);
                let found = partitions
                    .into_iter()
                    .filter_map(|tp| committed.and_then(|c| c.get(&tp)).map(|o| (tp, *o)))
                    .collect();
                tag(vec![GroupAction::Reply(reply, GroupResponse::OffsetFetch(Ok(found)))])
            }
        }
    }

    fn tick(&mut self, now: SimTime) -> Vec<(GroupId, GroupAction)> {
        let config = self.config;
        let mut out = Vec::new();
        for (id, g) in self.groups.iter_mut() {
            out.extend(g.expire(now, &config).into_iter().map(|a| (id.clone(), a)));
        }
        out
    }

    /// Become coordinator of an offsets partition: replay its records.
    fn load(&mut self, now: SimTime, partition: u32, records: Vec<GroupRecord>) -> Vec<CoordinatorOutput> {
        self.led.insert(partition);
        let mut loaded = BTreeSet::new();
        for record in &records {
            let id = record.group().clone();
            if partition_for(&id, self.offsets_partitions) != partition {
                continue;
            }
            self.groups.entry(id.clone()).or_insert_with(|| Group::new(id.clone())).restore(now, record);
            loaded.insert(id);
        }
        let groups: Vec<GroupId> = loaded.into_iter().collect();
        if groups.is_empty() {
            // Quiet: a broker typically takes over dozens of empty offsets partitions at once.
            return Vec::new();
        }
        vec![CoordinatorOutput::Emit(Event::CoordinatorChanged { partition, loaded: true, groups })]
    }

    /// Stop coordinating an offsets partition's groups.
    fn unload(&mut self, partition: u32) -> Vec<(GroupId, GroupAction)> {
        self.led.remove(&partition);
        let n = self.offsets_partitions;
        let gone: Vec<GroupId> = self.groups.keys().filter(|g| partition_for(g, n) == partition).cloned().collect();
        let mut out = Vec::new();
        for id in &gone {
            let mut g = self.groups.remove(id).expect("listed");
            out.extend(g.unload().into_iter().map(|a| (id.clone(), a)));
        }
        if !gone.is_empty() {
            let event = Event::CoordinatorChanged { partition, loaded: false, groups: gone.clone() };
            out.push((GroupId(String::new()), GroupAction::Emit(event)));
        }
        out
    }

    fn written(&mut self, now: SimTime, id: WriteId, result: Result<(), ErrorCode>) -> Vec<(GroupId, GroupAction)> {
        let Some(w) = self.writes.remove(&id) else { return Vec::new() };
        let gid = w.record.group().clone();
        let config = self.config;
        let actions = match (self.groups.get_mut(&gid), result) {
            (Some(g), Ok(())) => g.on_written(&w.record, w.reply),
            (Some(g), Err(e)) => {
                let mut actions = Vec::new();
                if let Some(to) = w.reply {
                    actions.push(GroupAction::Reply(to, GroupResponse::OffsetCommit(Err(e))));
                }
                if matches!(w.record, GroupRecord::Metadata { .. }) {
                    actions.extend(g.on_write_failed(now, &config, e));
                }
                actions
            }
            (None, _) => w
                .reply
                .map(|to| GroupAction::Reply(to, GroupResponse::OffsetCommit(Err(ErrorCode::NotCoordinator))))
                .into_iter()
                .collect(),
        };
        actions.into_iter().map(|a| (gid.clone(), a)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::assignor::{Strategy, Subscription};
    use crate::node::ConnId;
    use crate::protocol::group::{JoinGroup, MemberRef, OffsetCommit, SyncGroup};
    use crate::protocol::CorrelationId;
    use crate::types::{Generation, MemberId, Offset, SimDuration, TopicName, TopicPartition};

    const G: &str = "shop";

    fn coordinator() -> GroupCoordinator {
        let config = GroupConfig {
            initial_rebalance_delay: SimDuration::from_millis(3000),
            min_session_timeout: SimDuration::from_millis(6000),
            max_session_timeout: SimDuration::from_millis(60_000),
        };
        let mut c = GroupCoordinator::new(config, 1);
        c.step(SimTime::ZERO, CoordinatorInput::Elected(0, Vec::new()));
        c
    }

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    fn to(n: u64) -> ReplyTo {
        (ConnId(n), CorrelationId(n))
    }

    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new(&TopicName::new("orders"), p)
    }

    fn join(member: Option<&str>, client: &str) -> GroupRequest {
        GroupRequest::Join(JoinGroup {
            group: GroupId(G.into()),
            member: member.map(|m| MemberId(m.into())),
            client_id: client.into(),
            session_timeout: SimDuration::from_millis(10_000),
            rebalance_timeout: SimDuration::from_millis(30_000),
            protocols: vec![(
                Strategy::Range,
                Subscription { topics: vec![TopicName::new("orders")], ..Default::default() },
            )],
        })
    }

    fn me(member: &str, generation: u32) -> MemberRef {
        MemberRef { group: GroupId(G.into()), member: MemberId(member.into()), generation: Generation(generation) }
    }

    fn replies(out: &[CoordinatorOutput]) -> Vec<(ReplyTo, GroupResponse)> {
        out.iter()
            .filter_map(|o| match o {
                CoordinatorOutput::Reply(t, r) => Some((*t, r.clone())),
                _ => None,
            })
            .collect()
    }

    /// Join, wait out the initial delay, sync as leader, make the write durable.
    fn stable_group_of_one(c: &mut GroupCoordinator) {
        assert!(replies(&c.step(at(0), CoordinatorInput::Request(to(1), join(None, "c1")))).is_empty());
        let out = c.step(at(3001), CoordinatorInput::Tick);
        let GroupResponse::Join(Ok(r)) = &replies(&out)[0].1 else { panic!("join answered after the delay: {out:?}") };
        assert_eq!((r.generation, r.leader.as_str(), r.members.len()), (Generation(1), "c1-1", 1));
        let assignment = [(MemberId("c1-1".into()), vec![tp(0), tp(1)])].into_iter().collect();
        let sync = GroupRequest::Sync(SyncGroup { member: me("c1-1", 1), assignment: Some(assignment) });
        let out = c.step(at(3002), CoordinatorInput::Request(to(2), sync));
        let Some(CoordinatorOutput::Append(id, 0, GroupRecord::Metadata { .. })) = out.first() else {
            panic!("the leader's assignment is written first: {out:?}")
        };
        let out = c.step(at(3003), CoordinatorInput::Written(*id, Ok(())));
        assert_eq!(replies(&out), vec![(to(2), GroupResponse::Sync(Ok(vec![tp(0), tp(1)])))]);
    }

    #[test]
    fn a_new_group_waits_the_initial_delay_then_syncs_after_the_write() {
        let mut c = coordinator();
        stable_group_of_one(&mut c);
        assert_eq!(c.group(&GroupId(G.into())).expect("exists").state, crate::group::state::GroupState::Stable);
    }

    /// `tryCompleteInitialRebalanceElseSchedule` (`InitialDelayedJoin`): a member joining
    /// during the initial delay extends it by another delay counted from the expiry (3 s to
    /// 6 s here), not from the join (which would end at 5 s).
    #[test]
    fn the_initial_delay_extends_in_steps_from_its_expiry() {
        let mut c = coordinator();
        c.step(at(0), CoordinatorInput::Request(to(1), join(None, "c1")));
        c.step(at(2000), CoordinatorInput::Request(to(2), join(None, "c2")));
        assert!(replies(&c.step(at(3001), CoordinatorInput::Tick)).is_empty(), "extended at 3 s");
        assert!(replies(&c.step(at(5500), CoordinatorInput::Tick)).is_empty(), "still in the second step");
        let out = c.step(at(6000), CoordinatorInput::Tick);
        assert_eq!(replies(&out).len(), 2, "both joins answered when the second step expires: {out:?}");
    }

    /// `GroupMetadataManager.classicGroupJoin`: a session timeout outside
    /// group.min/max.session.timeout.ms is refused with INVALID_SESSION_TIMEOUT (26).
    #[test]
    fn an_out_of_range_session_timeout_is_refused() {
        let mut c = coordinator();
        for ms in [1_000, 120_000] {
            let GroupRequest::Join(mut j) = join(None, "c1") else { unreachable!() };
            j.session_timeout = SimDuration::from_millis(ms);
            let out = c.step(at(0), CoordinatorInput::Request(to(1), GroupRequest::Join(j)));
            assert_eq!(replies(&out), vec![(to(1), GroupResponse::Join(Err(ErrorCode::InvalidSessionTimeout)))]);
        }
    }

    #[test]
    fn a_joining_member_makes_heartbeats_answer_rebalance_in_progress() {
        let mut c = coordinator();
        stable_group_of_one(&mut c);
        c.step(at(4000), CoordinatorInput::Request(to(3), join(None, "c2")));
        let out = c.step(at(4001), CoordinatorInput::Request(to(4), GroupRequest::Heartbeat(me("c1-1", 1))));
        assert_eq!(replies(&out), vec![(to(4), GroupResponse::Heartbeat(Err(ErrorCode::RebalanceInProgress)))]);
        // c1 rejoins: both are in, the join completes with generation 2 at once.
        let out = c.step(at(4002), CoordinatorInput::Request(to(5), join(Some("c1-1"), "c1")));
        let joins = replies(&out);
        assert_eq!(joins.len(), 2);
        assert!(joins.iter().all(|(_, r)| matches!(r, GroupResponse::Join(Ok(j)) if j.generation == Generation(2))));
    }

    #[test]
    fn a_silent_member_is_evicted_after_its_session_timeout() {
        let mut c = coordinator();
        stable_group_of_one(&mut c);
        let out = c.step(at(14_000), CoordinatorInput::Tick);
        assert!(out.iter().any(|o| matches!(o, CoordinatorOutput::Emit(Event::MemberRemoved { .. }))), "{out:?}");
        let out = c.step(at(14_001), CoordinatorInput::Request(to(9), GroupRequest::Heartbeat(me("c1-1", 1))));
        assert_eq!(replies(&out), vec![(to(9), GroupResponse::Heartbeat(Err(ErrorCode::UnknownMemberId)))]);
    }

    #[test]
    fn commits_need_the_current_generation_and_are_fetched_once_durable() {
        let mut c = coordinator();
        stable_group_of_one(&mut c);
        let commit = |generation| {
            GroupRequest::OffsetCommit(OffsetCommit {
                group: GroupId(G.into()),
                member: Some((MemberId("c1-1".into()), Generation(generation))),
                offsets: [(tp(0), Offset(42))].into_iter().collect(),
            })
        };
        let out = c.step(at(5000), CoordinatorInput::Request(to(6), commit(7)));
        assert_eq!(replies(&out), vec![(to(6), GroupResponse::OffsetCommit(Err(ErrorCode::IllegalGeneration)))]);
        let out = c.step(at(5001), CoordinatorInput::Request(to(7), commit(1)));
        let Some(CoordinatorOutput::Append(id, _, record)) = out.first().cloned() else { panic!("{out:?}") };
        let fetch = || GroupRequest::OffsetFetch { group: GroupId(G.into()), partitions: vec![tp(0)] };
        let before = c.step(at(5002), CoordinatorInput::Request(to(8), fetch()));
        assert_eq!(replies(&before), vec![(to(8), GroupResponse::OffsetFetch(Ok(Default::default())))]);
        c.step(at(5003), CoordinatorInput::Written(id, Ok(())));
        let after = c.step(at(5004), CoordinatorInput::Request(to(10), fetch()));
        let want = [(tp(0), Offset(42))].into_iter().collect();
        assert_eq!(replies(&after), vec![(to(10), GroupResponse::OffsetFetch(Ok(want)))]);
        // A new coordinator replaying the same record knows the offset too.
        let mut next = coordinator();
        next.step(at(6000), CoordinatorInput::Resigned(0));
        next.step(at(6000), CoordinatorInput::Elected(0, vec![record]));
        let out = next.step(at(6001), CoordinatorInput::Request(to(11), fetch()));
        let want = [(tp(0), Offset(42))].into_iter().collect();
        assert_eq!(replies(&out), vec![(to(11), GroupResponse::OffsetFetch(Ok(want)))]);
    }

    #[test]
    fn groups_of_partitions_it_does_not_lead_get_not_coordinator() {
        let mut c = coordinator();
        c.step(at(1), CoordinatorInput::Resigned(0));
        let out = c.step(at(2), CoordinatorInput::Request(to(1), join(None, "c1")));
        assert_eq!(replies(&out), vec![(to(1), GroupResponse::Join(Err(ErrorCode::NotCoordinator)))]);
    }
}
