//! The consumer: positions, fetching and offset resets as a state machine.
//!
//! The seed's `consumer.py` is a loop `for msg in consumer: print(msg)`. Underneath, the
//! client keeps a *position* per partition — the offset of the next record to read — and
//! fetches from each partition's leader from that position. Where a position comes from is
//! the lesson:
//! - `seek(offset)` sets it explicitly;
//! - `--from-beginning` starts at the log start offset;
//! - otherwise (no committed offset; committed offsets arrive with the group coordinator)
//!   `auto.offset.reset` decides: `earliest`, `latest` (the default: a new consumer sees only
//!   new records), or `none` (an error);
//! - a fetch for an offset the broker no longer has (retention deleted it) answers
//!   `OffsetOutOfRange`, and `auto.offset.reset` decides again.
//!
//! Fetches are long polls (`fetch.min.bytes`, `fetch.max.wait.ms`); each partition has at
//! most one fetch in flight, so records of a partition arrive in offset order.
//!
//! A consumer with a `group` joins that consumer group ([`membership`]) and reads only the
//! partitions the group gives it, starting from the group's committed offsets; one without a
//! group reads every partition of its topics (Kafka's `assign()`). The application behind the
//! consumer — polling, processing time, commits — is modelled in [`app`].
//!
//! Invariants:
//! - a partition's position only moves forward, except through an explicit reset;
//! - records handed to the application are contiguous from the position.

pub mod app;
pub mod membership;

use super::producer::MetadataState;
use crate::node::{Input, Node, Output};
use crate::protocol::fetch::{FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse, OffsetSpec};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::{ConsumedRecord, Event};
use crate::types::{NodeName, Offset, SimDuration, SimTime, TopicName, TopicPartition};
use app::{App, CommitPolicy};
use membership::{GroupCall, GroupSettings, Membership};
use std::collections::{BTreeMap, VecDeque};

/// `auto.offset.reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetPolicy {
    /// Start at the log start offset.
    Earliest,
    /// Start at the high watermark.
    Latest,
    /// Raise an error.
    None,
}

/// The consumer's Kafka settings.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// `auto.offset.reset`.
    pub auto_offset_reset: ResetPolicy,
    /// `fetch.min.bytes`.
    pub fetch_min_bytes: u64,
    /// `fetch.max.wait.ms`.
    pub fetch_max_wait: SimDuration,
    /// `max.partition.fetch.bytes`.
    pub max_partition_fetch_bytes: u64,
    /// `request.timeout.ms`.
    pub request_timeout: SimDuration,
    /// `retry.backoff.ms`.
    pub retry_backoff: SimDuration,
    /// `metadata.max.age.ms`.
    pub metadata_max_age: SimDuration,
    /// `max.poll.records`.
    pub max_poll_records: usize,
    /// `sim.processing.ms.per.record`: the application's work per record.
    pub processing: SimDuration,
    /// Whether processing a record means calling a gateway (`call = "sms"`), and how long to
    /// wait for each answer.
    pub call: Option<CallTarget>,
    /// When offsets are committed.
    pub commit_policy: CommitPolicy,
    /// `sim.commit.sync`: `commitSync()` rather than `commitAsync()`.
    pub commit_sync: bool,
    /// `auto.commit.interval.ms`.
    pub auto_commit_interval: SimDuration,
    /// The group to join, if any.
    pub group: Option<GroupSettings>,
}

/// A gateway a consumer's application calls once per record (the notification sender of the
/// `why-mq` scenario).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// The gateway's host.
    pub gateway: NodeName,
    /// How long to wait for an answer before calling again.
    pub timeout: SimDuration,
}

/// Where the consumer stands in one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Position {
    /// Assigned by the group: waits for the group's committed offset (`OffsetFetch`).
    AwaitingCommitted,
    /// Needs a `ListOffsets` for this end, for this reason.
    NeedsReset(OffsetSpec, String),
    /// Reading from this offset.
    At(Offset),
    /// Stopped by an error the application must handle.
    Failed,
}

/// One partition's state.
#[derive(Clone, Debug)]
struct PartitionState {
    position: Position,
    in_flight: Option<CorrelationId>,
    retry_at: SimTime,
}

/// A request awaiting its answer.
#[derive(Clone, Debug)]
struct Pending {
    tp: TopicPartition,
    broker: NodeName,
    deadline: SimTime,
}

/// How a consumer starts reading a partition it has no position for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// `auto.offset.reset`.
    Policy,
    /// `--from-beginning`.
    Beginning,
    /// `seek(offset)`.
    Offset(Offset),
}

/// One consumer client.
#[derive(Debug)]
pub struct Consumer {
    config: ConsumerConfig,
    topics: Vec<TopicName>,
    start: SimTime,
    start_from: StartFrom,
    bootstrap: Vec<NodeName>,
    metadata: MetadataState,
    partitions: BTreeMap<TopicPartition, PartitionState>,
    pending: BTreeMap<CorrelationId, Pending>,
    next_correlation: u64,
    /// Group membership, for a consumer with a group.
    membership: Option<Membership>,
    /// Group calls in flight, with the node asked.
    group_calls: BTreeMap<CorrelationId, (GroupCall, NodeName, SimTime)>,
    next_bootstrap: usize,
    offset_fetch_in_flight: bool,
    /// Fetched records not yet returned by `poll()`.
    buffer: BTreeMap<TopicPartition, VecDeque<ConsumedRecord>>,
    /// Per partition, the offset after the last record processed.
    processed: BTreeMap<TopicPartition, Offset>,
    /// Per partition, the last offset the coordinator confirmed.
    committed: BTreeMap<TopicPartition, Offset>,
    app: App,
    last_poll: SimTime,
    last_polled: Option<TopicPartition>,
    next_auto_commit: SimTime,
    policy: CommitPolicy,
    commit_sync: bool,
    processing: SimDuration,
    max_poll_records: usize,
    auto_commit_interval: SimDuration,
    /// The time of the step being taken (for request deadlines).
    now: SimTime,
    /// When a heartbeat last succeeded.
    last_heartbeat_ok: SimTime,
    /// When the application calls `close()`.
    stop_at: Option<SimTime>,
    closed: bool,
}

impl Consumer {
    /// A consumer of `topics` that starts at `start`.
    pub fn new(
        config: ConsumerConfig,
        topics: Vec<TopicName>,
        start: SimTime,
        start_from: StartFrom,
        bootstrap: Vec<NodeName>,
    ) -> Consumer {
        let metadata_backoff = config.retry_backoff;
        Consumer {
            membership: config.group.clone().map(Membership::new),
            policy: config.commit_policy,
            commit_sync: config.commit_sync,
            processing: config.processing,
            max_poll_records: config.max_poll_records.max(1),
            auto_commit_interval: config.auto_commit_interval,
            next_auto_commit: start.plus(config.auto_commit_interval),
            config,
            topics,
            start,
            start_from,
            bootstrap,
            metadata: MetadataState { stale: true, retry_backoff: metadata_backoff, ..Default::default() },
            partitions: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_correlation: 0,
            group_calls: BTreeMap::new(),
            next_bootstrap: 0,
            offset_fetch_in_flight: false,
            buffer: BTreeMap::new(),
            processed: BTreeMap::new(),
            committed: BTreeMap::new(),
            app: App::Idle,
            last_poll: start,
            last_polled: None,
            now: start,
            last_heartbeat_ok: start,
            stop_at: None,
            closed: false,
        }
    }

    /// Have the application call `close()` at `at`.
    pub fn with_stop(mut self, at: Option<SimTime>) -> Consumer {
        self.stop_at = at;
        self
    }

    /// Where to start a partition the group has no committed offset for (or whose offset is
    /// out of range): `auto.offset.reset`.
    fn reset_position(&self, tp: &TopicPartition, why: &str) -> (Position, Option<Event>) {
        match self.config.auto_offset_reset {
            ResetPolicy::Earliest => {
                (Position::NeedsReset(OffsetSpec::Earliest, format!("{why}, auto.offset.reset=earliest")), None)
            }
            ResetPolicy::Latest => {
                (Position::NeedsReset(OffsetSpec::Latest, format!("{why}, auto.offset.reset=latest")), None)
            }
            ResetPolicy::None => (
                Position::Failed,
                Some(Event::ConsumerError { tp: tp.clone(), error: ErrorCode::NoOffsetForPartition }),
            ),
        }
    }

    fn correlation(&mut self) -> CorrelationId {
        self.next_correlation += 1;
        CorrelationId(self.next_correlation)
    }

    /// Adopt partitions that appeared in metadata; forget those whose topic is gone.
    fn sync_partitions(&mut self) -> Vec<Output> {
        if self.membership.is_some() {
            return Vec::new();
        }
        let Some(image) = &self.metadata.image else { return Vec::new() };
        let current: Vec<TopicPartition> = self.topics.iter().flat_map(|t| image.partitions_of(t)).collect();
        self.partitions.retain(|tp, _| current.contains(tp));
        let mut out = Vec::new();
        for tp in current {
            if self.partitions.contains_key(&tp) {
                continue;
            }
            let position = match self.start_from {
                StartFrom::Offset(o) => {
                    out.push(Output::Emit(Event::OffsetReset { tp: tp.clone(), reason: "seek".into(), offset: o }));
                    Position::At(o)
                }
                StartFrom::Beginning => Position::NeedsReset(OffsetSpec::Earliest, "--from-beginning".into()),
                StartFrom::Policy => {
                    let (position, event) = self.reset_position(&tp, "no committed offset");
                    out.extend(event.map(Output::Emit));
                    position
                }
            };
            self.partitions.insert(tp, PartitionState { position, in_flight: None, retry_at: SimTime::ZERO });
        }
        out
    }

    /// Send a `ListOffsets` or `Fetch` for every idle partition whose leader is known and
    /// whose buffered records have all been handed to the application.
    fn fetch_more(&mut self, now: SimTime) -> Vec<Output> {
        let tps: Vec<TopicPartition> = self.partitions.keys().cloned().collect();
        let mut out = Vec::new();
        for tp in tps {
            let state = &self.partitions[&tp];
            if state.in_flight.is_some() || now < state.retry_at || self.buffer.contains_key(&tp) {
                continue;
            }
            let Some(leader) = self.metadata.image.as_ref().and_then(|m| m.leader_node(&tp)).cloned() else { continue };
            let request = match &state.position {
                Position::NeedsReset(spec, _) => {
                    Request::ListOffsets(ListOffsetsRequest { tp: tp.clone(), spec: *spec })
                }
                Position::At(offset) => Request::Fetch(FetchRequest {
                    tp: tp.clone(),
                    offset: *offset,
                    max_bytes: self.config.max_partition_fetch_bytes,
                    min_bytes: self.config.fetch_min_bytes,
                    max_wait: self.config.fetch_max_wait,
                    replica: None,
                }),
                Position::Failed | Position::AwaitingCommitted => continue,
            };
            let correlation = self.correlation();
            // `ConsumerNetworkClient.send(node, request)` gives a fetch the client's
            // `request.timeout.ms`, the same as any other request.
            let deadline = now.plus(self.config.request_timeout);
            self.pending.insert(correlation, Pending { tp: tp.clone(), broker: leader.clone(), deadline });
            self.partitions.get_mut(&tp).expect("listed").in_flight = Some(correlation);
            out.push(Output::Send { to: leader, correlation, request });
        }
        out
    }

    /// Finish a request: the partition may send again after `backoff`.
    fn settle(&mut self, correlation: CorrelationId, now: SimTime, backoff: SimDuration) -> Option<TopicPartition> {
        let p = self.pending.remove(&correlation)?;
        let state = self.partitions.get_mut(&p.tp)?;
        if state.in_flight != Some(correlation) {
            return None;
        }
        state.in_flight = None;
        state.retry_at = now.plus(backoff);
        Some(p.tp)
    }

    fn on_list_offsets(&mut self, now: SimTime, correlation: CorrelationId, r: ListOffsetsResponse) -> Vec<Output> {
        let backoff = if r.result.is_ok() { SimDuration::ZERO } else { self.config.retry_backoff };
        let Some(tp) = self.settle(correlation, now, backoff) else { return Vec::new() };
        let state = self.partitions.get_mut(&tp).expect("settled partitions exist");
        match (r.result, &state.position) {
            (Ok(offset), Position::NeedsReset(_, reason)) => {
                let reason = reason.clone();
                state.position = Position::At(offset);
                vec![Output::Emit(Event::OffsetReset { tp, reason, offset })]
            }
            (Ok(_), _) => Vec::new(),
            (Err(_), _) => {
                self.metadata.invalidate();
                Vec::new()
            }
        }
    }

    fn on_fetch(&mut self, now: SimTime, correlation: CorrelationId, r: FetchResponse) -> Vec<Output> {
        let backoff = if r.result.is_ok() { SimDuration::ZERO } else { self.config.retry_backoff };
        let Some(tp) = self.settle(correlation, now, backoff) else { return Vec::new() };
        let policy = self.config.auto_offset_reset;
        let state = self.partitions.get_mut(&tp).expect("settled partitions exist");
        if state.position != Position::At(r.offset) {
            return Vec::new();
        }
        match r.result {
            Ok(fetched) => {
                let Some(last) = fetched.records.last() else { return Vec::new() };
                let first = fetched.records[0].offset;
                assert_eq!(first, r.offset, "{tp}: a fetch returns records from the requested offset");
                state.position = Position::At(last.offset.next());
                let records = fetched.records.into_iter().map(|r| ConsumedRecord {
                    offset: r.offset,
                    id: r.record.id,
                    key: r.record.key,
                    value: r.record.value,
                });
                self.buffer.entry(tp).or_default().extend(records);
                Vec::new()
            }
            Err(ErrorCode::OffsetOutOfRange) => {
                let why = format!("OffsetOutOfRange at offset {}", r.offset);
                let (position, event) = match policy {
                    ResetPolicy::None => (
                        Position::Failed,
                        Some(Event::ConsumerError { tp: tp.clone(), error: ErrorCode::OffsetOutOfRange }),
                    ),
                    _ => self.reset_position(&tp, &why),
                };
                let state = self.partitions.get_mut(&tp).expect("settled partitions exist");
                state.position = position;
                state.retry_at = now;
                event.into_iter().map(Output::Emit).collect()
            }
            Err(_) => {
                self.metadata.invalidate();
                Vec::new()
            }
        }
    }

    fn time_out(&mut self, now: SimTime) -> Vec<Output> {
        let due: Vec<(CorrelationId, NodeName)> =
            self.pending.iter().filter(|(_, p)| p.deadline <= now).map(|(c, p)| (*c, p.broker.clone())).collect();
        let mut out = Vec::new();
        for (c, peer) in due {
            // As in Kafka's fetcher, a fetch that timed out asks for fresh metadata
            // (`AbstractFetch.handleFetchFailure`, `NetworkClient.handleTimedOutRequests` ->
            // `handleServerDisconnect`), and the refresh avoids that node.
            self.settle(c, now, self.config.retry_backoff);
            self.metadata.on_disconnect(now, &peer);
            out.push(Output::Emit(Event::RequestTimedOut { peer }));
        }
        let due: Vec<CorrelationId> =
            self.group_calls.iter().filter(|(_, (_, _, deadline))| *deadline <= now).map(|(c, _)| *c).collect();
        for c in due {
            let (call, peer, _) = self.group_calls.remove(&c).expect("listed");
            out.push(Output::Emit(Event::RequestTimedOut { peer }));
            out.extend(self.on_group_call_lost(now, call, ErrorCode::RequestTimedOut));
        }
        out
    }

    fn on_disconnect(&mut self, now: SimTime, peer: &NodeName) -> Vec<Output> {
        self.metadata.on_disconnect(now, peer);
        let lost: Vec<CorrelationId> =
            self.pending.iter().filter(|(_, p)| p.broker == *peer).map(|(c, _)| *c).collect();
        for c in lost {
            self.settle(c, now, self.config.retry_backoff);
        }
        self.metadata.invalidate();
        let lost: Vec<CorrelationId> =
            self.group_calls.iter().filter(|(_, (_, to, _))| to == peer).map(|(c, _)| *c).collect();
        let mut out = Vec::new();
        for c in lost {
            let (call, _, _) = self.group_calls.remove(&c).expect("listed");
            // Kafka fails the call with a `DisconnectException` (`NETWORK_EXCEPTION`), not a timeout.
            out.extend(self.on_group_call_lost(now, call, ErrorCode::NetworkException));
        }
        out
    }
}

impl Node for Consumer {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        if now < self.start {
            return Vec::new();
        }
        self.now = now;
        if self.closed {
            return Vec::new();
        }
        if let Input::Response { from, .. } = &input {
            self.metadata.on_answer(from);
        }
        if self.stop_at.is_some_and(|at| now >= at) {
            self.closed = true;
            return self.close();
        }
        let mut out = match input {
            Input::Response { correlation, response: Response::Fetch(r), .. } => self.on_fetch(now, correlation, r),
            Input::Response { correlation, response: Response::ListOffsets(r), .. } => {
                self.on_list_offsets(now, correlation, r)
            }
            Input::Response { correlation, response: Response::Metadata(image), .. } => {
                let topics = self.topics.clone();
                self.metadata.on_response(now, correlation, image, &topics, self.config.retry_backoff);
                self.sync_partitions()
            }
            Input::Response { correlation, response: Response::Group(r), .. } => {
                self.on_group_response(now, correlation, r)
            }
            Input::Response { correlation, response: Response::Notified, .. } => {
                self.on_call_answer(correlation);
                Vec::new()
            }
            Input::Disconnected { peer } | Input::ConnectFailed { peer }
                if self.config.call.as_ref().is_some_and(|c| c.gateway == peer) =>
            {
                self.on_call_lost(now);
                Vec::new()
            }
            // A consumer fails its fetch either way (`ConsumerNetworkClient.checkDisconnects`).
            Input::Disconnected { peer } | Input::ConnectFailed { peer } => self.on_disconnect(now, &peer),
            Input::Tick | Input::Response { .. } | Input::Request { .. } => Vec::new(),
        };
        let correlation = CorrelationId(self.next_correlation + 1);
        let topics = self.topics.clone();
        let (age, timeout) = (self.config.metadata_max_age, self.config.request_timeout);
        if let Some(req) = self.metadata.maybe_request(now, &self.bootstrap, &topics, correlation, age, timeout) {
            self.next_correlation += 1;
            out.push(req);
        }
        out.extend(self.time_out(now));
        out.extend(self.group_background(now));
        out.extend(self.run_app(now));
        out.extend(self.maybe_offset_fetch());
        out.extend(self.fetch_more(now));
        out
    }

    /// A crashed consumer process comes back with nothing: it joins as a new member and
    /// starts from the group's committed offsets.
    /// (The coordinator hands it a fresh member id: its counter never repeats within a group.)
    fn restart(&mut self, now: SimTime) -> Vec<Output> {
        let stop = self.stop_at;
        *self = Consumer::new(self.config.clone(), self.topics.clone(), now, self.start_from, self.bootstrap.clone())
            .with_stop(stop);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::group::{GroupRequest, GroupResponse};
    use crate::types::{BrokerId, GroupId};

    fn consumer(session_timeout_ms: u64) -> Consumer {
        let ms = SimDuration::from_millis;
        let group = GroupSettings {
            group: GroupId("g".into()),
            client_id: "c1".into(),
            strategies: vec![crate::group::assignor::Strategy::Range],
            session_timeout: ms(session_timeout_ms),
            heartbeat_interval: ms(300),
            max_poll_interval: ms(300_000),
        };
        let config = ConsumerConfig {
            auto_offset_reset: ResetPolicy::Earliest,
            fetch_min_bytes: 1,
            fetch_max_wait: ms(500),
            max_partition_fetch_bytes: 1 << 20,
            request_timeout: ms(30_000),
            retry_backoff: ms(100),
            metadata_max_age: ms(300_000),
            max_poll_records: 500,
            processing: SimDuration::ZERO,
            call: None,
            commit_policy: CommitPolicy::Auto,
            commit_sync: false,
            auto_commit_interval: ms(5_000),
            group: Some(group),
        };
        let broker = NodeName::broker(BrokerId(1));
        Consumer::new(config, vec![TopicName::new("t")], SimTime::ZERO, StartFrom::Policy, vec![broker])
    }

    fn image() -> crate::protocol::metadata::MetadataImage {
        use crate::protocol::metadata::{MetadataImage, PartitionMetadata, TopicMetadata};
        let mut image = MetadataImage { version: 1, ..Default::default() };
        image.brokers.insert(BrokerId(1), NodeName::broker(BrokerId(1)));
        let p = PartitionMetadata {
            leader: Some(BrokerId(1)),
            leader_epoch: crate::types::LeaderEpoch(0),
            replicas: vec![BrokerId(1)],
            isr: vec![BrokerId(1)],
            partition_epoch: 0,
        };
        image.topics.insert(TopicName::new("t"), TopicMetadata { partitions: vec![p], config: BTreeMap::new() });
        image
    }

    /// `AbstractCoordinator.JoinGroupResponseHandler`: INVALID_SESSION_TIMEOUT is fatal for the
    /// consumer (`poll()` throws); it says so once and does not rejoin forever.
    #[test]
    fn an_invalid_session_timeout_stops_the_consumer() {
        let mut c = consumer(1_000);
        let broker = NodeName::broker(BrokerId(1));
        let (mut joins, mut failed) = (0, Vec::new());
        let mut input = Input::Tick;
        for t in 0..5_000u64 {
            let out = c.step(SimTime::from_millis(t), std::mem::replace(&mut input, Input::Tick));
            for o in out {
                match o {
                    Output::Send { correlation, request: Request::Group(GroupRequest::FindCoordinator(_)), .. } => {
                        let response = Response::Group(GroupResponse::FindCoordinator(Ok(broker.clone())));
                        input = Input::Response { from: broker.clone(), correlation, response };
                    }
                    Output::Send { correlation, request: Request::Group(GroupRequest::Join(_)), .. } => {
                        joins += 1;
                        let response = Response::Group(GroupResponse::Join(Err(ErrorCode::InvalidSessionTimeout)));
                        input = Input::Response { from: broker.clone(), correlation, response };
                    }
                    Output::Send { correlation, request: Request::Metadata { .. }, .. } => {
                        let response = Response::Metadata(image());
                        input = Input::Response { from: broker.clone(), correlation, response };
                    }
                    Output::Emit(e @ Event::ConsumerFailed { .. }) => failed.push(e),
                    _ => {}
                }
            }
        }
        assert_eq!(joins, 1, "no silent rejoin after a fatal error");
        assert_eq!(
            failed,
            vec![Event::ConsumerFailed { group: GroupId("g".into()), error: ErrorCode::InvalidSessionTimeout }]
        );
    }
}
