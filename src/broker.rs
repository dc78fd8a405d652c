//! A broker: hosts partition logs and serves producers and consumers.
//!
//! One broker is one `kafka-server-start.sh`. It learns from the controller which partitions
//! it hosts (by long-polling heartbeats, KRaft-style), creates a [`PartitionLog`] for each, and
//! answers requests:
//! - `Produce`: append to the log of a partition it leads, then acknowledge (`acks=1`/`all`)
//!   or stay silent (`acks=0`);
//! - `Fetch`: a long poll — records from an offset up to the high watermark, held until
//!   `fetch.min.bytes` are available or `fetch.max.wait.ms` passes;
//! - `ListOffsets`, `Metadata` (forwarding auto-creation of unknown topics to the controller)
//!   and `DumpLog` (the segments and sparse index, like `kafka-dump-log.sh`).
//!
//! Every produce and fetch takes service time on the broker's [`ServiceQueue`], so a broker
//! has a throughput ceiling (`sim.capacity.bytes.per.s`) and adding brokers adds capacity.
//!
//! Partitions have one replica for now, so the high watermark follows the log end offset.
//! Follower fetching, the ISR and leader epochs arrive with replication.
//!
//! Invariants:
//! - a broker only appends to partitions whose leader, in its latest image, is itself;
//! - every answer to a request leaves exactly once (immediately, after service, or from a
//!   parked fetch), except `acks=0` produces, which get none;
//! - delayed answers leave in the order their service completed.

pub mod capacity;

use crate::log::{LogConfig, PartitionLog, RetentionReason};
use crate::node::{ConnId, Input, Node, Output};
use crate::protocol::admin::{
    CreateTopicRequest, DumpLogRequest, DumpLogResponse, LogDump, LookupSummary, SegmentSummary,
};
use crate::protocol::controller::{BrokerHeartbeat, ForwardCreate};
use crate::protocol::fetch::{
    FetchRequest, FetchResponse, FetchedRecords, ListOffsetsRequest, ListOffsetsResponse, OffsetSpec,
};
use crate::protocol::metadata::MetadataImage;
use crate::protocol::produce::{Acks, ProduceRequest, ProduceResponse};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::{DeleteReason, Event};
use crate::types::{BrokerId, NodeName, SimDuration, SimTime, TopicName, TopicPartition};
use capacity::ServiceQueue;
use std::collections::{BTreeMap, BTreeSet};

/// How long a heartbeat may go unanswered before the broker sends another.
const HEARTBEAT_TIMEOUT: SimDuration = SimDuration(5_000_000);

/// A broker's settings, from `server.properties`.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// `auto.create.topics.enable`.
    pub auto_create_topics: bool,
    /// `message.max.bytes`: the largest record accepted.
    pub message_max_bytes: u64,
    /// Log settings every partition starts from (topics may override them).
    pub log: LogConfig,
    /// `log.retention.check.interval.ms`.
    pub retention_check_interval: SimDuration,
    /// `broker.heartbeat.interval.ms`: the wait before re-heartbeating after a failure.
    pub heartbeat_interval: SimDuration,
    /// `sim.capacity.bytes.per.s` (0: unlimited).
    pub capacity_bytes_per_s: u64,
}

/// A fetch waiting for data.
#[derive(Clone, Debug)]
struct ParkedFetch {
    conn: ConnId,
    correlation: CorrelationId,
    request: FetchRequest,
    deadline: SimTime,
}

/// The heartbeat loop's state.
#[derive(Clone, Debug, Default)]
struct Heartbeat {
    in_flight: Option<SimTime>,
    next_at: SimTime,
}

/// One broker's state machine.
#[derive(Debug)]
pub struct Broker {
    id: BrokerId,
    controller: NodeName,
    config: BrokerConfig,
    image: MetadataImage,
    logs: BTreeMap<TopicPartition, PartitionLog>,
    queue: ServiceQueue,
    delayed: BTreeMap<(SimTime, u64), Output>,
    delayed_seq: u64,
    parked: Vec<ParkedFetch>,
    heartbeat: Heartbeat,
    next_correlation: u64,
    creating: BTreeSet<TopicName>,
    next_retention_check: SimTime,
}

impl Broker {
    /// A broker with id `id` that reports to `controller`.
    pub fn new(id: BrokerId, controller: NodeName, config: BrokerConfig) -> Broker {
        let queue = ServiceQueue::new(config.capacity_bytes_per_s);
        let next_retention_check = SimTime::ZERO.plus(config.retention_check_interval);
        Broker {
            id,
            controller,
            config,
            image: MetadataImage::default(),
            logs: BTreeMap::new(),
            queue,
            delayed: BTreeMap::new(),
            delayed_seq: 0,
            parked: Vec::new(),
            heartbeat: Heartbeat::default(),
            next_correlation: 0,
            creating: BTreeSet::new(),
            next_retention_check,
        }
    }

    /// The partition logs this broker hosts (for tests).
    pub fn logs(&self) -> &BTreeMap<TopicPartition, PartitionLog> {
        &self.logs
    }

    /// Events describing every log at the end of a run, for the checkers.
    pub fn final_events(&self) -> Vec<Event> {
        self.logs
            .values()
            .map(|log| Event::LogEnd {
                tp: log.topic_partition().clone(),
                log_start_offset: log.log_start_offset(),
                high_watermark: log.high_watermark(),
                log_end_offset: log.log_end_offset(),
                segments: segment_summaries(log),
            })
            .collect()
    }

    fn correlation(&mut self) -> CorrelationId {
        self.next_correlation += 1;
        CorrelationId(self.next_correlation)
    }

    /// Send `response` once `bytes` of service have been done.
    fn reply_after_service(
        &mut self,
        now: SimTime,
        bytes: u64,
        conn: ConnId,
        correlation: CorrelationId,
        response: Response,
    ) -> Vec<Output> {
        let ready = self.queue.schedule(now, bytes);
        let out = Output::Reply { conn, correlation, response };
        if ready <= now {
            return vec![out];
        }
        self.delayed_seq += 1;
        self.delayed.insert((ready, self.delayed_seq), out);
        Vec::new()
    }

    fn release_delayed(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        while let Some(entry) = self.delayed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            out.push(entry.remove());
        }
        out
    }

    /// The log of a partition this broker leads, or the error a client should see.
    fn led_log(&mut self, tp: &TopicPartition) -> Result<&mut PartitionLog, ErrorCode> {
        let leader = self.image.partition(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?.leader;
        if leader != Some(self.id) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        self.logs.get_mut(tp).ok_or(ErrorCode::NotLeaderOrFollower)
    }

    fn produce(&mut self, now: SimTime, conn: ConnId, correlation: CorrelationId, req: ProduceRequest) -> Vec<Output> {
        let bytes: u64 = req.records.iter().map(|r| r.size_bytes()).sum();
        let max = self.config.message_max_bytes;
        let result = if req.records.is_empty() {
            Err(ErrorCode::InvalidConfig)
        } else if req.records.iter().any(|r| r.size_bytes() > max) {
            Err(ErrorCode::RecordTooLarge)
        } else {
            self.led_log(&req.tp).map(|_| ())
        };
        let mut out = Vec::new();
        let result = match result {
            Ok(()) => {
                let (base, events) = self.append(now, &req);
                out.extend(events.into_iter().map(Output::Emit));
                out.extend(self.wake_parked(now, Some(&req.tp)));
                Ok(base)
            }
            Err(e) => Err(e),
        };
        if req.acks == Acks::None {
            // acks=0: the work is done, but the producer hears nothing back.
            self.queue.schedule(now, bytes);
            return out;
        }
        let response = Response::Produce(ProduceResponse { tp: req.tp.clone(), result });
        out.extend(self.reply_after_service(now, bytes, conn, correlation, response));
        out
    }

    fn append(&mut self, now: SimTime, req: &ProduceRequest) -> (crate::types::Offset, Vec<Event>) {
        let log = self.logs.get_mut(&req.tp).expect("led_log checked the log exists");
        let ids = req.records.iter().map(|r| r.id).collect();
        let bytes = req.records.iter().map(|r| r.size_bytes()).sum();
        let info = log.append(now, req.records.clone());
        // One replica: everything appended is committed at once.
        let leo = log.log_end_offset();
        log.set_high_watermark(leo);
        let mut events: Vec<Event> = info
            .rolled
            .iter()
            .map(|base| Event::SegmentRolled { tp: req.tp.clone(), file: format!("{:020}.log", base.0) })
            .collect();
        events.push(Event::Appended { tp: req.tp.clone(), base_offset: info.base_offset, ids, bytes });
        (info.base_offset, events)
    }

    /// Try to answer a fetch now; `None` if it should keep waiting.
    fn try_fetch(&mut self, req: &FetchRequest, force: bool) -> Option<(u64, FetchResponse)> {
        let log = match self.led_log(&req.tp) {
            Ok(log) => log,
            Err(e) => return Some((0, FetchResponse { tp: req.tp.clone(), offset: req.offset, result: Err(e) })),
        };
        let hw = log.high_watermark();
        let result = match log.read(req.offset, req.max_bytes, hw) {
            Err(_) => Err(ErrorCode::OffsetOutOfRange),
            Ok(records) => {
                let bytes: u64 = records.iter().map(|r| r.size_bytes()).sum();
                if bytes < req.min_bytes && !force {
                    return None;
                }
                Ok(FetchedRecords { records, high_watermark: hw, log_start_offset: log.log_start_offset() })
            }
        };
        let bytes = result.as_ref().map_or(0, |r| r.records.iter().map(|r| r.size_bytes()).sum());
        Some((bytes, FetchResponse { tp: req.tp.clone(), offset: req.offset, result }))
    }

    fn fetch(&mut self, now: SimTime, conn: ConnId, correlation: CorrelationId, req: FetchRequest) -> Vec<Output> {
        let force = req.max_wait == SimDuration::ZERO;
        match self.try_fetch(&req, force) {
            Some((bytes, resp)) => self.reply_after_service(now, bytes, conn, correlation, Response::Fetch(resp)),
            None => {
                let deadline = now.plus(req.max_wait);
                self.parked.push(ParkedFetch { conn, correlation, request: req, deadline });
                Vec::new()
            }
        }
    }

    /// Answer parked fetches that can be answered: new data for `tp`, or (with `None`) the
    /// ones whose wait ran out.
    fn wake_parked(&mut self, now: SimTime, tp: Option<&TopicPartition>) -> Vec<Output> {
        let parked = std::mem::take(&mut self.parked);
        let mut out = Vec::new();
        for p in parked {
            let relevant = tp.is_none_or(|tp| *tp == p.request.tp);
            let expired = p.deadline <= now;
            let answer = if relevant || expired { self.try_fetch(&p.request, expired) } else { None };
            match answer {
                Some((bytes, resp)) => {
                    out.extend(self.reply_after_service(now, bytes, p.conn, p.correlation, Response::Fetch(resp)))
                }
                None => self.parked.push(p),
            }
        }
        out
    }

    fn list_offsets(&mut self, req: &ListOffsetsRequest) -> Response {
        let result = self.led_log(&req.tp).map(|log| match req.spec {
            OffsetSpec::Earliest => log.log_start_offset(),
            OffsetSpec::Latest => log.high_watermark(),
        });
        Response::ListOffsets(ListOffsetsResponse { tp: req.tp.clone(), spec: req.spec, result })
    }

    fn metadata(&mut self, topics: Option<Vec<TopicName>>, allow_auto_create: bool) -> Vec<Output> {
        let mut out = Vec::new();
        if !(allow_auto_create && self.config.auto_create_topics) {
            return out;
        }
        for t in topics.unwrap_or_default() {
            if self.image.topics.contains_key(&t) || !self.creating.insert(t.clone()) {
                continue;
            }
            let request = CreateTopicRequest {
                name: t,
                partitions: 0,
                replication_factor: 0,
                assignment: None,
                config: BTreeMap::new(),
            };
            let correlation = self.correlation();
            out.push(Output::Send {
                to: self.controller.clone(),
                correlation,
                request: Request::ForwardCreate(ForwardCreate { request }),
            });
        }
        out
    }

    fn dump_log(&self, req: &DumpLogRequest) -> Response {
        let result = match self.logs.get(&req.tp) {
            None => Err(ErrorCode::UnknownTopicOrPartition),
            Some(log) => Ok(LogDump {
                log_start_offset: log.log_start_offset(),
                log_end_offset: log.log_end_offset(),
                segments: segment_summaries(log),
                lookup: req.lookup.map(|o| {
                    log.lookup(o)
                        .map(|l| LookupSummary {
                            offset: o,
                            segment_file: l.segment_file,
                            segment_base: l.segment_base,
                            index_entry: l.index_entry,
                            position: l.position,
                            scanned_records: l.scanned_records,
                        })
                        .map_err(|_| ErrorCode::OffsetOutOfRange)
                }),
            }),
        };
        Response::DumpLog(DumpLogResponse { tp: req.tp.clone(), result })
    }

    fn request(&mut self, now: SimTime, conn: ConnId, correlation: CorrelationId, request: Request) -> Vec<Output> {
        match request {
            Request::Produce(req) => self.produce(now, conn, correlation, req),
            Request::Fetch(req) => self.fetch(now, conn, correlation, req),
            Request::ListOffsets(req) => {
                let response = self.list_offsets(&req);
                vec![Output::Reply { conn, correlation, response }]
            }
            Request::Metadata { topics, allow_auto_create } => {
                let mut out = self.metadata(topics, allow_auto_create);
                out.push(Output::Reply { conn, correlation, response: Response::Metadata(self.image.clone()) });
                out
            }
            Request::DumpLog(req) => vec![Output::Reply { conn, correlation, response: self.dump_log(&req) }],
            Request::Admin(_) | Request::BrokerHeartbeat(_) | Request::ForwardCreate(_) => {
                let e =
                    crate::protocol::admin::AdminError::new(ErrorCode::NotController, "send this to the controller");
                vec![Output::Reply {
                    conn,
                    correlation,
                    response: Response::Admin(crate::protocol::admin::AdminResponse::Error(e)),
                }]
            }
        }
    }

    /// Adopt a newer image: create logs for new partitions here, drop logs of deleted topics.
    fn apply_image(&mut self, now: SimTime, image: MetadataImage) -> Vec<Output> {
        if image.version <= self.image.version {
            return Vec::new();
        }
        let mut events = vec![Event::MetadataUpdated { version: image.version }];
        let hosted: BTreeSet<TopicPartition> = image
            .topics
            .iter()
            .flat_map(|(name, t)| {
                t.partitions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.replicas.contains(&self.id))
                    .map(move |(i, _)| TopicPartition::new(name, i as u32))
            })
            .collect();
        self.logs.retain(|tp, _| hosted.contains(tp));
        for tp in hosted {
            if !self.logs.contains_key(&tp) {
                let config = topic_log_config(&self.config.log, &image.topics[&tp.topic].config);
                self.logs.insert(tp.clone(), PartitionLog::new(tp.clone(), config, now));
                events.push(Event::PartitionCreated { tp });
            }
        }
        self.creating.retain(|t| !image.topics.contains_key(t));
        self.image = image;
        let mut out: Vec<Output> = events.into_iter().map(Output::Emit).collect();
        out.extend(self.wake_parked(now, None));
        out
    }

    fn tick_heartbeat(&mut self, now: SimTime) -> Vec<Output> {
        if let Some(sent) = self.heartbeat.in_flight {
            if now.since(sent) < HEARTBEAT_TIMEOUT {
                return Vec::new();
            }
            self.heartbeat.in_flight = None;
        }
        if now < self.heartbeat.next_at {
            return Vec::new();
        }
        self.heartbeat.in_flight = Some(now);
        let correlation = self.correlation();
        let request =
            Request::BrokerHeartbeat(BrokerHeartbeat { broker: self.id, metadata_version: self.image.version });
        vec![Output::Send { to: self.controller.clone(), correlation, request }]
    }

    fn tick_retention(&mut self, now: SimTime) -> Vec<Output> {
        if now < self.next_retention_check {
            return Vec::new();
        }
        self.next_retention_check = now.plus(self.config.retention_check_interval);
        let mut out = Vec::new();
        for (tp, log) in self.logs.iter_mut() {
            for d in log.apply_retention(now) {
                let reason = match d.reason {
                    RetentionReason::Time => DeleteReason::RetentionTime,
                    RetentionReason::Size => DeleteReason::RetentionSize,
                };
                out.push(Output::Emit(Event::SegmentDeleted {
                    tp: tp.clone(),
                    file: d.file_name,
                    records: d.records,
                    reason,
                    log_start_offset: log.log_start_offset(),
                }));
            }
        }
        out
    }

    fn response(&mut self, now: SimTime, from: &NodeName, response: Response) -> Vec<Output> {
        match response {
            Response::Heartbeat(hb) if *from == self.controller => {
                self.heartbeat.in_flight = None;
                self.heartbeat.next_at = now;
                match hb.image {
                    Some(image) => self.apply_image(now, image),
                    None => Vec::new(),
                }
            }
            // The outcome of a forwarded creation arrives through the next image.
            _ => Vec::new(),
        }
    }
}

impl Node for Broker {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = match input {
            Input::Tick => {
                let mut out = self.tick_heartbeat(now);
                out.extend(self.tick_retention(now));
                out.extend(self.wake_parked(now, None));
                out
            }
            Input::Request { conn, correlation, request } => self.request(now, conn, correlation, request),
            Input::Response { from, response, .. } => self.response(now, &from, response),
            Input::Disconnected { peer } => {
                if peer == self.controller {
                    self.heartbeat.in_flight = None;
                    self.heartbeat.next_at = now.plus(self.config.heartbeat_interval);
                }
                Vec::new()
            }
        };
        out.extend(self.release_delayed(now));
        out
    }

    fn finish(&mut self, _now: SimTime) -> Vec<Output> {
        self.final_events().into_iter().map(Output::Emit).collect()
    }
}

fn segment_summaries(log: &PartitionLog) -> Vec<SegmentSummary> {
    log.segments()
        .map(|s| SegmentSummary {
            file: s.file_name(),
            base_offset: s.base_offset(),
            records: s.len(),
            size_bytes: s.size_bytes(),
            index_entries: s.index().entries().len() as u64,
        })
        .collect()
}

/// The broker's log settings with a topic's overrides applied.
pub fn topic_log_config(base: &LogConfig, overrides: &BTreeMap<String, String>) -> LogConfig {
    let mut c = base.clone();
    let num = |k: &str| overrides.get(k).and_then(|v| v.parse::<i64>().ok());
    let limit = |v: i64| (v >= 0).then_some(v as u64);
    if let Some(v) = num("retention.ms") {
        c.retention_ms = limit(v).map(SimDuration::from_millis);
    }
    if let Some(v) = num("retention.bytes") {
        c.retention_bytes = limit(v);
    }
    if let Some(v) = num("segment.bytes") {
        c.segment_bytes = v.max(1) as u64;
    }
    if let Some(v) = num("segment.ms") {
        c.segment_ms = limit(v).map(SimDuration::from_millis);
    }
    if let Some(v) = num("index.interval.bytes") {
        c.index_interval_bytes = v.max(1) as u64;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::NewRecord;
    use crate::protocol::metadata::{PartitionMetadata, TopicMetadata};
    use crate::types::{LeaderEpoch, Offset, RecordId};

    fn config(capacity: u64) -> BrokerConfig {
        BrokerConfig {
            auto_create_topics: true,
            message_max_bytes: 1_000_000,
            log: LogConfig::default(),
            retention_check_interval: SimDuration::from_millis(1000),
            heartbeat_interval: SimDuration::from_millis(100),
            capacity_bytes_per_s: capacity,
        }
    }

    fn image_with_topic(version: u64) -> MetadataImage {
        let mut image = MetadataImage { version, ..Default::default() };
        image.brokers.insert(BrokerId(1), NodeName::broker(BrokerId(1)));
        let p = PartitionMetadata {
            leader: Some(BrokerId(1)),
            leader_epoch: LeaderEpoch(0),
            replicas: vec![BrokerId(1)],
            isr: vec![BrokerId(1)],
        };
        image.topics.insert(TopicName::new("t"), TopicMetadata { partitions: vec![p], config: BTreeMap::new() });
        image
    }

    fn broker(capacity: u64) -> Broker {
        let mut b = Broker::new(BrokerId(1), NodeName::controller(1), config(capacity));
        b.apply_image(SimTime::ZERO, image_with_topic(2));
        b
    }

    fn tp() -> TopicPartition {
        TopicPartition::new(&TopicName::new("t"), 0)
    }

    fn produce(b: &mut Broker, now: SimTime, n: u64, acks: Acks) -> Vec<Output> {
        let records = (0..n)
            .map(|seq| NewRecord {
                id: RecordId { producer: 0, seq },
                key: None,
                value: vec![b'x'; 80].into(),
                timestamp: now,
            })
            .collect();
        let req = Request::Produce(ProduceRequest { tp: tp(), acks, records });
        b.step(now, Input::Request { conn: ConnId(1), correlation: CorrelationId(9), request: req })
    }

    fn replies(out: &[Output]) -> Vec<&Response> {
        out.iter().filter_map(|o| if let Output::Reply { response, .. } = o { Some(response) } else { None }).collect()
    }

    #[test]
    fn produce_appends_and_acknowledges() {
        let mut b = broker(0);
        let out = produce(&mut b, SimTime::ZERO, 3, Acks::Leader);
        assert!(matches!(replies(&out)[0], Response::Produce(ProduceResponse { result: Ok(Offset(0)), .. })));
        assert_eq!(b.logs()[&tp()].log_end_offset(), Offset(3));
        assert_eq!(b.logs()[&tp()].high_watermark(), Offset(3));
    }

    #[test]
    fn acks_zero_gets_no_answer() {
        let mut b = broker(1000);
        let out = produce(&mut b, SimTime::ZERO, 1, Acks::None);
        assert!(replies(&out).is_empty());
        assert!(replies(&b.step(SimTime(10_000_000), Input::Tick)).is_empty());
    }

    #[test]
    fn capacity_delays_the_answer() {
        let mut b = broker(100_000); // 100 bytes per millisecond
        let out = produce(&mut b, SimTime::ZERO, 10, Acks::Leader); // 1000 bytes: 10ms
        assert!(replies(&out).is_empty(), "service takes time");
        assert!(replies(&b.step(SimTime::from_millis(9), Input::Tick)).is_empty());
        assert_eq!(replies(&b.step(SimTime::from_millis(10), Input::Tick)).len(), 1);
    }

    #[test]
    fn fetch_long_polls_until_data_arrives() {
        let mut b = broker(0);
        let req = FetchRequest {
            tp: tp(),
            offset: Offset(0),
            max_bytes: 1 << 20,
            min_bytes: 1,
            max_wait: SimDuration::from_millis(500),
        };
        let out = b.step(
            SimTime::ZERO,
            Input::Request { conn: ConnId(2), correlation: CorrelationId(1), request: Request::Fetch(req) },
        );
        assert!(replies(&out).is_empty(), "no data yet: the fetch waits");
        let out = produce(&mut b, SimTime::from_millis(5), 2, Acks::Leader);
        let fetched = replies(&out)
            .iter()
            .any(|r| matches!(r, Response::Fetch(FetchResponse { result: Ok(f), .. }) if f.records.len() == 2));
        assert!(fetched, "the append wakes the fetch: {out:?}");
    }

    #[test]
    fn fetch_out_of_range_and_wrong_leader() {
        let mut b = broker(0);
        let req =
            FetchRequest { tp: tp(), offset: Offset(5), max_bytes: 100, min_bytes: 1, max_wait: SimDuration::ZERO };
        let out = b.step(
            SimTime::ZERO,
            Input::Request { conn: ConnId(2), correlation: CorrelationId(1), request: Request::Fetch(req) },
        );
        assert!(matches!(
            replies(&out)[0],
            Response::Fetch(FetchResponse { result: Err(ErrorCode::OffsetOutOfRange), .. })
        ));
        let other = TopicPartition::new(&TopicName::new("nope"), 0);
        let req =
            FetchRequest { tp: other, offset: Offset(0), max_bytes: 100, min_bytes: 1, max_wait: SimDuration::ZERO };
        let out = b.step(
            SimTime::ZERO,
            Input::Request { conn: ConnId(2), correlation: CorrelationId(2), request: Request::Fetch(req) },
        );
        assert!(matches!(
            replies(&out)[0],
            Response::Fetch(FetchResponse { result: Err(ErrorCode::UnknownTopicOrPartition), .. })
        ));
    }

    #[test]
    fn unknown_topic_metadata_forwards_auto_creation_once() {
        let mut b = broker(0);
        let req = || Request::Metadata { topics: Some(vec![TopicName::new("new")]), allow_auto_create: true };
        let out =
            b.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(1), request: req() });
        assert!(out.iter().any(|o| matches!(o, Output::Send { request: Request::ForwardCreate(_), .. })));
        let out =
            b.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(2), request: req() });
        assert!(!out.iter().any(|o| matches!(o, Output::Send { request: Request::ForwardCreate(_), .. })));
    }
}
