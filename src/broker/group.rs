//! The broker's side of consumer groups: answering `FindCoordinator`, handing group requests
//! to its [`GroupCoordinator`](crate::group::coordinator::GroupCoordinator), appending the coordinator's records to `__consumer_offsets`,
//! and telling the coordinator when they are durable and which offsets partitions it leads.

use super::{Broker, Role};
use crate::group::coordinator::{CoordinatorInput, CoordinatorOutput, WriteId};
use crate::group::records::{partition_for, GroupRecord, OFFSETS_TOPIC};
use crate::node::{ConnId, Output};
use crate::protocol::admin::CreateTopicRequest;
use crate::protocol::controller::ForwardCreate;
use crate::protocol::group::{GroupRequest, GroupResponse};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::Event;
use crate::types::{GroupId, Offset, SimDuration, SimTime, TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

/// How long a coordinator write may wait for the offsets partition's ISR
/// (`offsets.commit.timeout.ms`).
const COMMIT_TIMEOUT: SimDuration = SimDuration(5_000_000);

/// A coordinator write waiting for the high watermark.
#[derive(Clone, Debug)]
pub struct GroupWrite {
    write: WriteId,
    tp: TopicPartition,
    required: Offset,
    deadline: SimTime,
}

impl Broker {
    /// Handle a group request.
    pub(super) fn group_request(
        &mut self,
        now: SimTime,
        conn: ConnId,
        correlation: CorrelationId,
        request: GroupRequest,
    ) -> Vec<Output> {
        if let GroupRequest::FindCoordinator(group) = &request {
            let (result, mut out) = self.find_coordinator(group);
            let response = Response::Group(GroupResponse::FindCoordinator(result));
            out.push(Output::Reply { conn, correlation, response });
            return out;
        }
        let outputs = self.coordinator.step(now, CoordinatorInput::Request((conn, correlation), request));
        self.coordinator_outputs(now, outputs)
    }

    /// The coordinator of `group`: the leader of its `__consumer_offsets` partition. The first
    /// request creates the topic (`offsets.topic.num.partitions`,
    /// `offsets.topic.replication.factor`) and answers `CoordinatorNotAvailable` until it exists.
    fn find_coordinator(&mut self, group: &GroupId) -> (Result<crate::types::NodeName, ErrorCode>, Vec<Output>) {
        let topic = TopicName::new(OFFSETS_TOPIC);
        if !self.image.topics.contains_key(&topic) {
            let mut out = Vec::new();
            if self.creating.insert(topic.clone()) {
                let request = CreateTopicRequest {
                    name: topic,
                    partitions: self.config.offsets_topic_partitions,
                    replication_factor: self.config.offsets_topic_replication_factor,
                    assignment: None,
                    config: BTreeMap::from([("cleanup.policy".to_string(), "compact".to_string())]),
                };
                let create = Request::ForwardCreate(ForwardCreate { request });
                out.push(self.send(self.controller(), create, super::Outgoing::Other));
            }
            return (Err(ErrorCode::CoordinatorNotAvailable), out);
        }
        let tp = TopicPartition::new(&topic, partition_for(group, self.config.offsets_topic_partitions));
        let leader = self.image.leader_node(&tp).cloned();
        (leader.ok_or(ErrorCode::CoordinatorNotAvailable), Vec::new())
    }

    /// Carry out what the coordinator asked.
    pub(super) fn coordinator_outputs(&mut self, now: SimTime, outputs: Vec<CoordinatorOutput>) -> Vec<Output> {
        let mut out = Vec::new();
        for o in outputs {
            match o {
                CoordinatorOutput::Reply((conn, correlation), response) => {
                    out.push(Output::Reply { conn, correlation, response: Response::Group(response) })
                }
                CoordinatorOutput::Emit(e) => out.push(Output::Emit(e)),
                CoordinatorOutput::Append(write, partition, record) => {
                    out.extend(self.append_group_record(now, write, partition, &record))
                }
            }
        }
        out
    }

    /// Append a coordinator record as leader of its offsets partition.
    fn append_group_record(
        &mut self,
        now: SimTime,
        write: WriteId,
        partition: u32,
        record: &GroupRecord,
    ) -> Vec<Output> {
        let tp = TopicPartition::new(&TopicName::new(OFFSETS_TOPIC), partition);
        let Some(replica) = self.partitions.get_mut(&tp) else {
            let outputs = self.coordinator.step(now, CoordinatorInput::Written(write, Err(ErrorCode::NotCoordinator)));
            return self.coordinator_outputs(now, outputs);
        };
        let Role::Leader(ls) = &replica.role else {
            let outputs = self.coordinator.step(now, CoordinatorInput::Written(write, Err(ErrorCode::NotCoordinator)));
            return self.coordinator_outputs(now, outputs);
        };
        let epoch = ls.epoch;
        let new = record.to_log_record(write.0, now);
        let (id, bytes) = (new.id, new.size_bytes());
        let info = replica.log.append_as_leader(now, epoch, vec![new]);
        let required = info.base_offset.next();
        self.group_writes.push(GroupWrite { write, tp: tp.clone(), required, deadline: now.plus(COMMIT_TIMEOUT) });
        let mut out =
            vec![Output::Emit(Event::Appended { tp: tp.clone(), base_offset: info.base_offset, ids: vec![id], bytes })];
        out.extend(self.advance_high_watermark(now, &tp));
        out.extend(self.wake_parked(now, Some(&tp)));
        out
    }

    /// Report coordinator writes that became durable, failed, or timed out.
    pub(super) fn settle_group_writes(&mut self, now: SimTime) -> Vec<Output> {
        let mut settled = Vec::new();
        let mut waiting = Vec::new();
        for w in std::mem::take(&mut self.group_writes) {
            match self.group_write_state(&w, now) {
                Some(result) => settled.push((w.write, result)),
                None => waiting.push(w),
            }
        }
        self.group_writes = waiting;
        let mut out = Vec::new();
        for (write, result) in settled {
            let outputs = self.coordinator.step(now, CoordinatorInput::Written(write, result));
            out.extend(self.coordinator_outputs(now, outputs));
        }
        out
    }

    fn group_write_state(&self, w: &GroupWrite, now: SimTime) -> Option<Result<(), ErrorCode>> {
        let Some(replica) = self.partitions.get(&w.tp) else { return Some(Err(ErrorCode::NotCoordinator)) };
        let Role::Leader(ls) = &replica.role else { return Some(Err(ErrorCode::NotCoordinator)) };
        if replica.log.log_end_offset() < w.required {
            return Some(Err(ErrorCode::NotCoordinator));
        }
        if replica.log.high_watermark() >= w.required {
            let isr_ok = ls.isr.len() >= self.min_insync(&w.tp.topic) as usize;
            return Some(if isr_ok { Ok(()) } else { Err(ErrorCode::CoordinatorNotAvailable) });
        }
        (now >= w.deadline).then_some(Err(ErrorCode::CoordinatorNotAvailable))
    }

    /// Tell the coordinator which offsets partitions this broker leads now: load the groups of
    /// newly led ones from their logs, unload the rest.
    pub(super) fn sync_coordinator(&mut self, now: SimTime) -> Vec<Output> {
        let topic = TopicName::new(OFFSETS_TOPIC);
        let leading: BTreeSet<u32> = self
            .partitions
            .iter()
            .filter(|(tp, r)| tp.topic == topic && matches!(r.role, Role::Leader(_)))
            .map(|(tp, _)| tp.partition.0)
            .collect();
        let known = self.coordinator.led_partitions().clone();
        let mut out = Vec::new();
        for p in known.difference(&leading) {
            let outputs = self.coordinator.step(now, CoordinatorInput::Resigned(*p));
            out.extend(self.coordinator_outputs(now, outputs));
        }
        for p in leading.difference(&known) {
            let tp = TopicPartition::new(&topic, *p);
            let log = &self.partitions[&tp].log;
            let records: Vec<GroupRecord> = log
                .segments()
                .flat_map(|s| s.records())
                .filter_map(|r| GroupRecord::from_log_record(&r.record))
                .collect();
            let outputs = self.coordinator.step(now, CoordinatorInput::Elected(*p, records));
            out.extend(self.coordinator_outputs(now, outputs));
        }
        out
    }

    /// Run the coordinator's timers.
    pub(super) fn tick_coordinator(&mut self, now: SimTime) -> Vec<Output> {
        let outputs = self.coordinator.step(now, CoordinatorInput::Tick);
        self.coordinator_outputs(now, outputs)
    }
}
