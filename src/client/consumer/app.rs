//! The application behind the consumer: `poll()`, processing time, and commits.
//!
//! The seed's `consumer.py` loops `for msg in consumer: print(msg)`. A real application does
//! work per record, so kafkasim models it: each `poll()` returns up to `max.poll.records`
//! buffered records, and each takes `sim.processing.ms.per.record` to process. A record counts
//! as *consumed* (the trace's `consumed` event) when its processing finishes. While the
//! application processes, the consumer does not poll — which is what `max.poll.interval.ms`
//! guards, and why a slow application delays its whole group's rebalances.
//!
//! When offsets are committed decides the delivery guarantee:
//! - `enable.auto.commit=true` (the default): every `auto.commit.interval.ms`, `poll()`
//!   commits the positions of records returned by earlier polls (so: processed). A crash
//!   replays up to an interval's worth: *at least once*.
//! - `enable.auto.commit=false`, `sim.commit="after-processing"`: commit after each batch is
//!   processed: *at least once*, with at most a batch replayed.
//! - `sim.commit="before-processing"`: commit a batch as soon as `poll()` returns it, then
//!   process: a crash mid-batch loses the rest of the batch: *at most once*.
//!
//! With `call = "sms"` on the consumer, processing a record also means calling that gateway
//! and waiting for its answer; a call that gets none within its timeout is made again (the
//! record is processed *at least once*, so a gateway may send a message twice).
//!
//! `sim.commit.sync=true` is `commitSync()` (the application waits for the answer);
//! `false` is `commitAsync()`.

use super::membership::{GroupCall, Phase};
use super::{Consumer, PartitionState, Position};
use crate::node::Output;
use crate::protocol::group::{GroupRequest, OffsetCommit};
use crate::protocol::notify::NotifyRequest;
use crate::protocol::{CorrelationId, ErrorCode, Request};
use crate::trace::{ConsumedRecord, Event};
use crate::types::{Generation, MemberId, Offset, SimTime, TopicPartition};
use std::collections::{BTreeMap, VecDeque};

/// When a manual commit happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitPolicy {
    /// `enable.auto.commit=true`.
    Auto,
    /// Commit each batch after processing it.
    AfterProcessing,
    /// Commit each batch before processing it.
    BeforeProcessing,
}

/// What the application is doing.
#[derive(Clone, Debug, Default)]
pub enum App {
    /// Ready to call `poll()`.
    #[default]
    Idle,
    /// Processing a batch; the front record finishes at `next_done`.
    Processing {
        /// The records left, in the order `poll()` returned them.
        batch: VecDeque<(TopicPartition, ConsumedRecord)>,
        /// When the front record is done.
        next_done: SimTime,
    },
    /// Blocked in `commitSync()`; with commit-before-processing, the batch to process next.
    Committing(Option<VecDeque<(TopicPartition, ConsumedRecord)>>),
    /// Waiting for a gateway to answer the call for `current` (`call = "..."`).
    Calling {
        /// The records after `current`.
        batch: VecDeque<(TopicPartition, ConsumedRecord)>,
        /// The record being processed.
        current: (TopicPartition, ConsumedRecord),
        /// The call's id.
        correlation: CorrelationId,
        /// When to give up on this call and make it again.
        deadline: SimTime,
        /// Whether the gateway answered.
        answered: bool,
    },
}

impl Consumer {
    /// Run the application until it has to wait for time or the network.
    pub(super) fn run_app(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        let mut done: BTreeMap<TopicPartition, Vec<ConsumedRecord>> = BTreeMap::new();
        loop {
            match std::mem::take(&mut self.app) {
                App::Committing(then) => {
                    self.app = App::Committing(then);
                    break;
                }
                App::Calling { batch, current, correlation, deadline, answered } => {
                    if answered {
                        let (tp, record) = current;
                        self.processed.insert(tp.clone(), record.offset.next());
                        done.entry(tp).or_default().push(record);
                        self.app = App::Processing { batch, next_done: now.plus(self.processing) };
                        continue;
                    }
                    if deadline > now {
                        self.app = App::Calling { batch, current, correlation, deadline, answered };
                        break;
                    }
                    // No answer in time: call again. The first call may still be served.
                    let gateway = self.config.call.as_ref().expect("calling needs a gateway").gateway.clone();
                    out.push(Output::Emit(Event::RequestTimedOut { peer: gateway }));
                    out.push(self.start_call(now, batch, current));
                    break;
                }
                App::Processing { mut batch, mut next_done } => {
                    let mut calling = None;
                    while next_done <= now {
                        let Some((tp, record)) = batch.pop_front() else { break };
                        if self.config.call.is_some() {
                            calling = Some((tp, record));
                            break;
                        }
                        self.processed.insert(tp.clone(), record.offset.next());
                        done.entry(tp).or_default().push(record);
                        next_done = next_done.plus(self.processing);
                    }
                    if let Some(current) = calling {
                        out.push(self.start_call(now, batch, current));
                        continue;
                    }
                    if !batch.is_empty() {
                        self.app = App::Processing { batch, next_done };
                        break;
                    }
                    out.extend(emit_done(&mut done));
                    out.extend(self.after_batch());
                }
                App::Idle => {
                    let (polled, batch) = self.poll(now);
                    out.extend(polled);
                    if batch.is_empty() {
                        break;
                    }
                    if let App::Committing(then) = &mut self.app {
                        // commitSync() before processing: the batch waits for the answer.
                        *then = Some(batch);
                        break;
                    }
                    self.app = App::Processing { batch, next_done: now.plus(self.processing) };
                }
            }
        }
        out.extend(emit_done(&mut done));
        out
    }

    /// Call the gateway for `current` and wait for the answer. The message is the record's key
    /// (the order id, in `why-mq`), or its value when it has none.
    fn start_call(
        &mut self,
        now: SimTime,
        batch: VecDeque<(TopicPartition, ConsumedRecord)>,
        current: (TopicPartition, ConsumedRecord),
    ) -> Output {
        let target = self.config.call.clone().expect("calling needs a gateway");
        let correlation = self.correlation();
        let message = String::from_utf8_lossy(current.1.key.as_deref().unwrap_or(&current.1.value)).into_owned();
        let deadline = now.plus(target.timeout);
        self.app = App::Calling { batch, current, correlation, deadline, answered: false };
        Output::Send { to: target.gateway, correlation, request: Request::Notify(NotifyRequest { message }) }
    }

    /// The gateway answered: if it is the call being waited for, the record is processed.
    pub(super) fn on_call_answer(&mut self, answer: CorrelationId) {
        if let App::Calling { correlation, answered, .. } = &mut self.app {
            if *correlation == answer {
                *answered = true;
            }
        }
    }

    /// The connection to the gateway broke: the call will get no answer, so make it again now.
    pub(super) fn on_call_lost(&mut self, now: SimTime) {
        if let App::Calling { deadline, answered: false, .. } = &mut self.app {
            *deadline = now;
        }
    }

    /// `close()`: commit what was processed, leave the group at once (rather than after
    /// `session.timeout.ms`), and stop.
    pub(super) fn close(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        if self.policy != CommitPolicy::BeforeProcessing {
            out.extend(self.commit(self.processed.clone(), "on-close", false));
        }
        let Some(m) = &self.membership else { return out };
        let owned = m.owned.clone();
        out.extend(self.revoke(owned, "close()", false));
        out.extend(self.send_leave("close()"));
        out
    }

    /// `poll()`: take part in the group, commit if due, and return the next batch.
    fn poll(&mut self, now: SimTime) -> (Vec<Output>, VecDeque<(TopicPartition, ConsumedRecord)>) {
        self.last_poll = now;
        let mut out = self.apply_assignment(now);
        out.extend(self.maybe_rejoin());
        if self.policy == CommitPolicy::Auto && now >= self.next_auto_commit {
            self.next_auto_commit = now.plus(self.auto_commit_interval);
            out.extend(self.commit(self.processed.clone(), "auto", false));
        }
        let batch = self.take_batch();
        if self.policy == CommitPolicy::BeforeProcessing && !batch.is_empty() {
            let mut offsets = BTreeMap::new();
            for (tp, r) in &batch {
                offsets.insert(tp.clone(), r.offset.next());
            }
            out.extend(self.commit(offsets, "before-processing", self.commit_sync));
        }
        (out, batch)
    }

    /// Up to `max.poll.records` buffered records, a partition at a time, rotating.
    fn take_batch(&mut self) -> VecDeque<(TopicPartition, ConsumedRecord)> {
        let mut batch = VecDeque::new();
        let tps: Vec<TopicPartition> = self.buffer.keys().cloned().collect();
        let start = tps.iter().position(|tp| Some(tp) > self.last_polled.as_ref()).unwrap_or(0);
        for i in 0..tps.len() {
            let tp = &tps[(start + i) % tps.len()];
            let queue = self.buffer.get_mut(tp).expect("listed");
            while batch.len() < self.max_poll_records {
                let Some(r) = queue.pop_front() else { break };
                batch.push_back((tp.clone(), r));
            }
            if !batch.is_empty() {
                self.last_polled = Some(tp.clone());
            }
            if batch.len() >= self.max_poll_records {
                break;
            }
        }
        self.buffer.retain(|_, q| !q.is_empty());
        batch
    }

    /// A batch is processed: commit it if the policy says so.
    fn after_batch(&mut self) -> Vec<Output> {
        if self.policy != CommitPolicy::AfterProcessing {
            return Vec::new();
        }
        self.commit(self.processed.clone(), "after-processing", self.commit_sync)
    }

    /// Send `OffsetCommit` for `offsets` (only partitions still owned, or all for a standalone
    /// consumer); `blocking` makes the application wait for the answer.
    pub(super) fn commit(
        &mut self,
        offsets: BTreeMap<TopicPartition, Offset>,
        kind: &str,
        blocking: bool,
    ) -> Vec<Output> {
        let Some(m) = &self.membership else { return Vec::new() };
        let offsets: BTreeMap<TopicPartition, Offset> =
            offsets.into_iter().filter(|(tp, o)| self.committed.get(tp) != Some(o)).collect();
        let (Some(to), Some((member, generation))) = (m.coordinator.clone(), m.last_identity.clone()) else {
            return Vec::new();
        };
        if offsets.is_empty() {
            return Vec::new();
        }
        let group = m.settings.group.clone();
        let kind = if blocking { format!("{kind},sync") } else { format!("{kind},async") };
        let event =
            Event::CommitRequested { group: group.clone(), kind, offsets: offsets.clone().into_iter().collect() };
        let request = GroupRequest::OffsetCommit(OffsetCommit {
            group,
            member: Some((member.clone(), generation)),
            offsets: offsets.clone(),
        });
        if blocking {
            self.app = App::Committing(None);
        }
        vec![Output::Emit(event), self.group_send(to, request, GroupCall::Commit(member, generation, blocking))]
    }

    pub(super) fn on_commit(
        &mut self,
        now: SimTime,
        member: MemberId,
        generation: Generation,
        blocking: bool,
        result: Result<BTreeMap<TopicPartition, Offset>, ErrorCode>,
    ) -> Vec<Output> {
        if blocking {
            if let App::Committing(then) = std::mem::take(&mut self.app) {
                self.app = match then {
                    Some(batch) => App::Processing { batch, next_done: now.plus(self.processing) },
                    None => App::Idle,
                };
            }
        }
        let mut out = Vec::new();
        match result {
            Ok(offsets) => self.committed.extend(offsets),
            Err(error) => {
                let group = self.membership.as_ref().expect("commits imply a membership").settings.group.clone();
                out.push(Output::Emit(Event::CommitFailed { group, member, generation, error }));
                let backoff = self.config.retry_backoff;
                let m = self.membership.as_mut().expect("checked");
                if matches!(error, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) {
                    m.coordinator = None;
                    m.find_at = now.plus(backoff);
                }
            }
        }
        out
    }

    /// Take an assignment that arrived since the last poll: revoke what moved away, start
    /// on what is new.
    fn apply_assignment(&mut self, now: SimTime) -> Vec<Output> {
        let Some(m) = &mut self.membership else { return Vec::new() };
        let mut out = Vec::new();
        if m.lost {
            m.lost = false;
            let lost = std::mem::take(&mut m.owned);
            out.extend(self.revoke(lost, "lost: no longer a member of the group", false));
        }
        let Some(m) = &mut self.membership else { return out };
        let Some(assigned) = m.pending_assignment.take() else { return out };
        let revoked: Vec<TopicPartition> = m.owned.iter().filter(|tp| !assigned.contains(tp)).cloned().collect();
        let added: Vec<TopicPartition> = assigned.iter().filter(|tp| !m.owned.contains(tp)).cloned().collect();
        if !revoked.is_empty() {
            m.request_rejoin("cooperative: revoked partitions must be reassigned");
            out.extend(self.revoke(revoked, "cooperative: moving to another member", true));
        }
        let m = self.membership.as_mut().expect("checked");
        m.owned = assigned.clone();
        for tp in &added {
            self.partitions.insert(
                tp.clone(),
                PartitionState { position: Position::AwaitingCommitted, in_flight: None, retry_at: now },
            );
        }
        out.push(Output::Emit(Event::PartitionsAssigned {
            group: m.settings.group.clone(),
            member: m.member.clone().expect("an assignment implies a member id"),
            generation: m.generation,
            partitions: added,
            owned: assigned,
        }));
        out
    }

    /// Before rejoining: eager members commit and give up everything; cooperative ones keep
    /// their partitions.
    fn maybe_rejoin(&mut self) -> Vec<Output> {
        let Some(m) = &self.membership else { return Vec::new() };
        if !m.rejoin || m.coordinator.is_none() || matches!(m.phase, Phase::Joining | Phase::Syncing) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if !m.cooperative() && !m.owned.is_empty() {
            let owned = m.owned.clone();
            let reason = format!("eager rebalance ({})", m.rejoin_reason);
            out.extend(self.revoke(owned, &reason, true));
            self.membership.as_mut().expect("checked").owned.clear();
        }
        out.extend(self.send_join());
        out
    }

    /// Give partitions up: commit their progress first when `commit` (and auto-commit or
    /// after-processing commits are on), then drop their positions and buffers.
    fn revoke(&mut self, partitions: Vec<TopicPartition>, reason: &str, commit: bool) -> Vec<Output> {
        let mut out = Vec::new();
        if partitions.is_empty() {
            return out;
        }
        if commit && self.policy != CommitPolicy::BeforeProcessing {
            let offsets =
                self.processed.iter().filter(|(tp, _)| partitions.contains(tp)).map(|(t, o)| (t.clone(), *o)).collect();
            out.extend(self.commit(offsets, "on-revoke", false));
        }
        for tp in &partitions {
            self.partitions.remove(tp);
            self.buffer.remove(tp);
            self.processed.remove(tp);
        }
        let m = self.membership.as_ref().expect("revocation implies a membership");
        out.push(Output::Emit(Event::PartitionsRevoked {
            group: m.settings.group.clone(),
            member: m.last_identity.as_ref().map(|(id, _)| id.clone()).unwrap_or(MemberId(String::new())),
            generation: m.last_identity.as_ref().map_or(Generation(0), |(_, g)| *g),
            partitions,
            reason: reason.to_string(),
        }));
        out
    }

    /// Committed offsets arrived: start each waiting partition there, or per
    /// `auto.offset.reset` when the group has none.
    pub(super) fn on_offset_fetch(
        &mut self,
        now: SimTime,
        result: Result<BTreeMap<TopicPartition, Offset>, ErrorCode>,
    ) -> Vec<Output> {
        self.offset_fetch_in_flight = false;
        let Ok(committed) = result else {
            if let Some(m) = &mut self.membership {
                m.coordinator = None;
                m.find_at = now.plus(self.config.retry_backoff);
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        let waiting: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, s)| s.position == Position::AwaitingCommitted)
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in waiting {
            let position = match committed.get(&tp) {
                Some(o) => {
                    out.push(Output::Emit(Event::OffsetReset {
                        tp: tp.clone(),
                        reason: "committed offset".into(),
                        offset: *o,
                    }));
                    self.committed.insert(tp.clone(), *o);
                    Position::At(*o)
                }
                None => {
                    let (position, event) = self.reset_position(&tp, "no committed offset");
                    out.extend(event.map(Output::Emit));
                    position
                }
            };
            self.partitions.get_mut(&tp).expect("listed").position = position;
        }
        out
    }
}

/// Turn records processed in this step into `consumed` events, one per partition.
fn emit_done(done: &mut BTreeMap<TopicPartition, Vec<ConsumedRecord>>) -> Vec<Output> {
    std::mem::take(done).into_iter().map(|(tp, records)| Output::Emit(Event::Consumed { tp, records })).collect()
}
