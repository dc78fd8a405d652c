//! A broker: hosts partition replicas and serves producers, consumers and other brokers.
//!
//! One broker is one `kafka-server-start.sh`. It learns from the controller which partitions
//! it hosts and, for each, whether it leads or follows (by long-polling heartbeats,
//! KRaft-style), and answers requests:
//! - `Produce` ([`produce`]): append to a partition it leads, then acknowledge per `acks` —
//!   at once for `acks=1`, once the high watermark passes the records for `acks=all`
//!   (refusing with `NotEnoughReplicas` when the ISR is smaller than `min.insync.replicas`;
//!   while it is, the high watermark does not move, so waiting produces time out), never for
//!   `acks=0`; idempotent producers' duplicates are answered with their first offset;
//! - `Fetch` ([`fetch`]): a long poll. Consumers read up to the high watermark; follower
//!   replicas read up to the log end offset, and their fetch offsets move the high watermark;
//! - `OffsetsForLeaderEpoch`, `ListOffsets`, `Metadata` (forwarding auto-creation of unknown
//!   topics to the controller) and `DumpLog` (segments and sparse index, like
//!   `kafka-dump-log.sh`).
//!
//! As a follower ([`follow`]) it fetches from each partition's leader, after truncating
//! whatever tail the new leader does not have.
//!
//! Every produce and fetch takes service time on the broker's [`ServiceQueue`], so a broker
//! has a throughput ceiling (`sim.capacity.bytes.per.s`) and adding brokers adds capacity.
//!
//! A broker's logs are its disk: they survive a crash ([`Node::restart`]) — except, with
//! `sim.page.cache.loss`, records not yet flushed (`flush.messages`, `flush.ms`). Everything
//! else (connections, waiting requests, roles) is memory and is lost.
//!
//! Invariants:
//! - a broker only appends client records to partitions it leads in its latest image;
//! - every answer to a request leaves exactly once (immediately, after service, from a parked
//!   fetch or from the acks purgatory), except `acks=0` produces, which get none.

pub mod capacity;
pub mod fetch;
pub mod follow;
pub mod group;
pub mod produce;
#[cfg(test)]
mod tests;

use crate::log::{LogConfig, PartitionLog, RetentionReason};
use crate::node::{ConnId, Input, Node, Output};
use crate::protocol::admin::{
    AdminError, AdminResponse, CreateTopicRequest, DumpLogRequest, DumpLogResponse, LogDump, LookupSummary,
    SegmentSummary,
};
use crate::protocol::controller::{AlterPartition, AlterPartitionResponse, BrokerHeartbeat, ForwardCreate};
use crate::protocol::fetch::{ListOffsetsRequest, ListOffsetsResponse, OffsetSpec};
use crate::protocol::metadata::{MetadataImage, PartitionMetadata};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::replication::follower::FollowerState;
use crate::replication::leader::LeaderState;
use crate::replication::TruncationMode;
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
    /// `min.insync.replicas` (topics may override it).
    pub min_insync_replicas: u32,
    /// `replica.lag.time.max.ms`.
    pub replica_lag_time_max: SimDuration,
    /// `replica.fetch.wait.max.ms`.
    pub replica_fetch_wait_max: SimDuration,
    /// `replica.fetch.max.bytes`.
    pub replica_fetch_max_bytes: u64,
    /// `replica.socket.timeout.ms`: how long a follower waits for a fetch answer.
    pub replica_request_timeout: SimDuration,
    /// `replica.fetch.backoff.ms`.
    pub replica_fetch_backoff: SimDuration,
    /// `sim.replication.truncation`: KIP-101 leader epochs, or the old high-watermark rule.
    pub truncation: TruncationMode,
    /// `flush.messages`: fsync after this many records (None: leave it to the OS).
    pub flush_messages: Option<u64>,
    /// `flush.ms`: fsync after this long (None: leave it to the OS).
    pub flush_interval: Option<SimDuration>,
    /// `sim.page.cache.loss`: a hard crash loses records not yet flushed.
    pub page_cache_loss: bool,
    /// `replica.high.watermark.checkpoint.interval.ms`: how often high watermarks are written
    /// to disk. After a crash a broker only knows the last checkpointed value.
    pub hw_checkpoint_interval: SimDuration,
    /// `offsets.topic.num.partitions`.
    pub offsets_topic_partitions: u32,
    /// `offsets.topic.replication.factor`.
    pub offsets_topic_replication_factor: u32,
    /// The group coordinator's settings (`group.*`).
    pub group: crate::group::state::GroupConfig,
    /// How a leader computes its high watermark: Kafka's rule, unless the `high-watermark`
    /// exercise runs a cluster on a student's.
    pub high_watermark_rule: crate::replication::isr::HighWatermarkRule,
}

/// A broker's role for one partition.
#[derive(Clone, Debug)]
pub enum Role {
    /// It serves reads and writes and tracks its followers.
    Leader(LeaderState),
    /// It copies from the leader.
    Follower(FollowerState),
    /// The partition has no leader (offline), or the broker does not know yet.
    Idle,
}

/// One hosted partition: its log (the disk) and this broker's role for it.
#[derive(Debug)]
pub struct Replica {
    /// The log.
    pub log: PartitionLog,
    /// Leader, follower or idle.
    pub role: Role,
    /// When the log was last flushed.
    pub last_flush: SimTime,
    /// The high watermark as last checkpointed to disk.
    pub hw_checkpoint: crate::types::Offset,
}

/// A fetch waiting for data.
#[derive(Clone, Debug)]
struct ParkedFetch {
    conn: ConnId,
    correlation: CorrelationId,
    request: crate::protocol::fetch::FetchRequest,
    deadline: SimTime,
}

/// An `acks=all` produce waiting for the high watermark (Kafka's produce purgatory).
#[derive(Clone, Debug)]
struct PendingAck {
    conn: ConnId,
    correlation: CorrelationId,
    tp: TopicPartition,
    base_offset: crate::types::Offset,
    /// The high watermark that acknowledges the batch (its last offset + 1).
    required: crate::types::Offset,
    deadline: SimTime,
    /// When the broker's service queue has done the request's work.
    ready: SimTime,
}

/// A request this broker sent and awaits.
#[derive(Clone, Debug)]
enum Outgoing {
    /// A follower's fetch, sent in this leader epoch: answers from another epoch are stale.
    ReplicaFetch(crate::types::LeaderEpoch),
    /// A follower's `OffsetsForLeaderEpoch`, sent in this leader epoch.
    EpochQuery(crate::types::LeaderEpoch),
    AlterPartition,
    Other,
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
    /// Every controller; heartbeats go to the one believed active.
    controllers: Vec<NodeName>,
    /// Index into `controllers` of the one believed active.
    active_controller: usize,
    config: BrokerConfig,
    image: MetadataImage,
    partitions: BTreeMap<TopicPartition, Replica>,
    queue: ServiceQueue,
    delayed: BTreeMap<(SimTime, u64), Output>,
    delayed_seq: u64,
    parked: Vec<ParkedFetch>,
    pending_acks: Vec<PendingAck>,
    outgoing: BTreeMap<CorrelationId, Outgoing>,
    heartbeat: Heartbeat,
    next_correlation: u64,
    creating: BTreeSet<TopicName>,
    next_retention_check: SimTime,
    next_hw_checkpoint: SimTime,
    /// When the `isr-expiration` task next looks for followers to drop.
    next_isr_check: SimTime,
    producers: produce::ProducerStates,
    /// How many times this broker has restarted.
    incarnation: u64,
    /// The consumer groups this broker coordinates.
    coordinator: crate::group::coordinator::GroupCoordinator,
    /// Coordinator writes waiting for the offsets partition's high watermark.
    group_writes: Vec<group::GroupWrite>,
    /// Whether a new image may have changed this broker's roles (the coordinator then checks
    /// which offsets partitions it leads).
    roles_changed: bool,
}

impl Broker {
    /// A broker with id `id` that reports to `controller`.
    pub fn new(id: BrokerId, controllers: Vec<NodeName>, config: BrokerConfig) -> Broker {
        assert!(!controllers.is_empty(), "a broker needs at least one controller");
        let queue = ServiceQueue::new(config.capacity_bytes_per_s);
        let next_retention_check = SimTime::ZERO.plus(config.retention_check_interval);
        let next_hw_checkpoint = SimTime::ZERO.plus(config.hw_checkpoint_interval);
        Broker {
            id,
            controllers,
            active_controller: 0,
            image: MetadataImage::default(),
            partitions: BTreeMap::new(),
            queue,
            delayed: BTreeMap::new(),
            delayed_seq: 0,
            parked: Vec::new(),
            pending_acks: Vec::new(),
            outgoing: BTreeMap::new(),
            heartbeat: Heartbeat::default(),
            next_correlation: 0,
            creating: BTreeSet::new(),
            next_retention_check,
            next_hw_checkpoint,
            next_isr_check: SimTime::ZERO,
            producers: produce::ProducerStates::default(),
            incarnation: 0,
            coordinator: crate::group::coordinator::GroupCoordinator::new(
                config.group,
                config.offsets_topic_partitions,
            ),
            group_writes: Vec::new(),
            roles_changed: false,
            config,
        }
    }

    /// This broker's id.
    pub fn id(&self) -> BrokerId {
        self.id
    }

    /// The partitions this broker hosts (for tests and fault targeting).
    pub fn partitions(&self) -> &BTreeMap<TopicPartition, Replica> {
        &self.partitions
    }

    /// Events describing every log at the end of a run, for the checkers.
    pub fn final_events(&self) -> Vec<Event> {
        self.partitions
            .values()
            .map(|r| {
                let log = &r.log;
                let ids = log.segments().flat_map(|s| s.records().iter().map(|rec| rec.record.id)).collect();
                Event::LogEnd {
                    tp: log.topic_partition().clone(),
                    is_leader: matches!(r.role, Role::Leader(_)),
                    ids,
                    log_start_offset: log.log_start_offset(),
                    high_watermark: log.high_watermark(),
                    log_end_offset: log.log_end_offset(),
                    segments: segment_summaries(log),
                }
            })
            .collect()
    }

    /// The controller this broker talks to.
    fn controller(&self) -> NodeName {
        self.controllers[self.active_controller % self.controllers.len()].clone()
    }

    /// Switch controllers: to `hint` if given (a `NotController` answer), else the next one.
    fn next_controller(&mut self, hint: Option<NodeName>) {
        self.active_controller = match hint.and_then(|h| self.controllers.iter().position(|c| *c == h)) {
            Some(i) => i,
            None => self.active_controller + 1,
        };
    }

    fn correlation(&mut self) -> CorrelationId {
        self.next_correlation += 1;
        CorrelationId(self.next_correlation)
    }

    /// Send a request to another node, remembering what it was for.
    fn send(&mut self, to: NodeName, request: Request, purpose: Outgoing) -> Output {
        let correlation = self.correlation();
        self.outgoing.insert(correlation, purpose);
        Output::Send { to, correlation, request }
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

    /// The partition's metadata, or the error a client should see.
    fn partition_meta(&self, tp: &TopicPartition) -> Result<&PartitionMetadata, ErrorCode> {
        self.image.partition(tp).ok_or(ErrorCode::UnknownTopicOrPartition)
    }

    /// The replica of a partition this broker leads, or the error a client should see.
    fn led(&mut self, tp: &TopicPartition) -> Result<&mut Replica, ErrorCode> {
        self.partition_meta(tp)?;
        match self.partitions.get_mut(tp) {
            Some(r) if matches!(r.role, Role::Leader(_)) => Ok(r),
            _ => Err(ErrorCode::NotLeaderOrFollower),
        }
    }

    /// `min.insync.replicas` for a topic (its override, else the broker's).
    fn min_insync(&self, topic: &TopicName) -> u32 {
        self.image
            .topics
            .get(topic)
            .and_then(|t| t.config.get("min.insync.replicas"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.config.min_insync_replicas)
    }

    /// Kafka's `Partition.effectiveMinIsr`: `min.insync.replicas`, capped by the partition's
    /// replication factor.
    fn effective_min_isr(&self, tp: &TopicPartition) -> usize {
        let rf = self.image.partition(tp).map_or(0, |p| p.replicas.len());
        crate::replication::isr::effective_min_isr(self.min_insync(&tp.topic), rf)
    }

    fn list_offsets(&mut self, req: &ListOffsetsRequest) -> Response {
        let result = self.led(&req.tp).map(|r| match req.spec {
            OffsetSpec::Earliest => r.log.log_start_offset(),
            OffsetSpec::Latest => r.log.high_watermark(),
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
            out.push(self.send(self.controller(), Request::ForwardCreate(ForwardCreate { request }), Outgoing::Other));
        }
        out
    }

    fn dump_log(&self, req: &DumpLogRequest) -> Response {
        let result = match self.partitions.get(&req.tp) {
            None => Err(ErrorCode::UnknownTopicOrPartition),
            Some(r) => Ok(LogDump {
                log_start_offset: r.log.log_start_offset(),
                log_end_offset: r.log.log_end_offset(),
                segments: segment_summaries(&r.log),
                lookup: req.lookup.map(|o| {
                    r.log
                        .lookup(o)
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
            Request::OffsetsForLeaderEpoch(req) => {
                let response = self.offsets_for_leader_epoch(&req);
                vec![Output::Reply { conn, correlation, response }]
            }
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
            Request::Group(req) => self.group_request(now, conn, correlation, req),
            Request::Admin(_)
            | Request::BrokerHeartbeat(_)
            | Request::ForwardCreate(_)
            | Request::AlterPartition(_)
            | Request::Raft(_) => {
                let e = AdminError::new(ErrorCode::NotController, "send this to the controller");
                vec![Output::Reply { conn, correlation, response: Response::Admin(AdminResponse::Error(e)) }]
            }
            // A broker is not a notification gateway. Scenario validation only lets calls name
            // declared services, so this is a wiring bug: make it loud in the trace.
            Request::Notify(_) => vec![Output::Emit(Event::BadFrame {
                error: "a Notify request reached a broker, which is not a gateway".to_string(),
            })],
        }
    }

    /// Adopt a newer image: create logs for new partitions here, drop logs of deleted topics,
    /// and take up each partition's role.
    fn apply_image(&mut self, now: SimTime, image: MetadataImage) -> Vec<Output> {
        if image.version <= self.image.version {
            return Vec::new();
        }
        self.roles_changed = true;
        let mut out = vec![Output::Emit(Event::MetadataUpdated { version: image.version })];
        let hosted: BTreeMap<TopicPartition, PartitionMetadata> = image
            .topics
            .iter()
            .flat_map(|(name, t)| {
                t.partitions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.replicas.contains(&self.id))
                    .map(move |(i, p)| (TopicPartition::new(name, i as u32), p.clone()))
            })
            .collect();
        self.partitions.retain(|tp, _| hosted.contains_key(tp));
        for tp in hosted.keys() {
            if !self.partitions.contains_key(tp) {
                let config = topic_log_config(&self.config.log, &image.topics[&tp.topic].config);
                let log = PartitionLog::new(tp.clone(), config, now);
                self.partitions.insert(
                    tp.clone(),
                    Replica { log, role: Role::Idle, last_flush: now, hw_checkpoint: crate::types::Offset(0) },
                );
                out.push(Output::Emit(Event::PartitionCreated { tp: tp.clone() }));
            }
        }
        self.creating.retain(|t| !image.topics.contains_key(t));
        self.image = image;
        for (tp, meta) in hosted {
            out.extend(self.take_role(now, &tp, &meta));
            // The controller may have shrunk the ISR (a fenced follower): the HW may move.
            out.extend(self.advance_high_watermark(now, &tp));
        }
        out.extend(self.fail_acks_not_led());
        out.extend(self.wake_parked(now, None));
        out
    }

    /// Take up the role the metadata gives this broker for `tp`.
    fn take_role(&mut self, now: SimTime, tp: &TopicPartition, meta: &PartitionMetadata) -> Vec<Output> {
        let me = self.id;
        let leader_node = meta.leader.and_then(|l| self.image.brokers.get(&l).cloned());
        let replica = self.partitions.get_mut(tp).expect("hosted partitions have a replica");
        let (role, description) = match (&mut replica.role, meta.leader) {
            (Role::Leader(ls), Some(l)) if l == me && ls.epoch == meta.leader_epoch => {
                ls.adopt(meta.partition_epoch, &meta.isr);
                return Vec::new();
            }
            (Role::Follower(fs), Some(l)) if l == fs.leader && fs.epoch == meta.leader_epoch => return Vec::new(),
            (Role::Idle, None) => return Vec::new(),
            (_, Some(l)) if l == me => {
                let ls = LeaderState::new(
                    me,
                    now,
                    meta.leader_epoch,
                    meta.partition_epoch,
                    meta.replicas.clone(),
                    meta.isr.clone(),
                    replica.log.log_end_offset(),
                );
                self.producers.rebuild(tp, &replica.log);
                (Role::Leader(ls), "leader".to_string())
            }
            (_, Some(l)) => match leader_node {
                Some(node) => (
                    Role::Follower(FollowerState::new(l, node.clone(), meta.leader_epoch)),
                    format!("follower of {node}"),
                ),
                None => (Role::Idle, "idle (leader unknown)".to_string()),
            },
            (_, None) => (Role::Idle, "offline (no leader)".to_string()),
        };
        replica.role = role;
        vec![Output::Emit(Event::RoleChanged { tp: tp.clone(), role: description, epoch: meta.leader_epoch })]
    }

    fn tick_heartbeat(&mut self, now: SimTime) -> Vec<Output> {
        if let Some(sent) = self.heartbeat.in_flight {
            if now.since(sent) < HEARTBEAT_TIMEOUT {
                return Vec::new();
            }
            self.heartbeat.in_flight = None;
            self.next_controller(None);
        }
        if now < self.heartbeat.next_at {
            return Vec::new();
        }
        self.heartbeat.in_flight = Some(now);
        let request = Request::BrokerHeartbeat(BrokerHeartbeat {
            broker: self.id,
            metadata_version: self.image.version,
            incarnation: self.incarnation,
        });
        vec![self.send(self.controller(), request, Outgoing::Other)]
    }

    fn tick_retention(&mut self, now: SimTime) -> Vec<Output> {
        if now < self.next_retention_check {
            return Vec::new();
        }
        self.next_retention_check = now.plus(self.config.retention_check_interval);
        let mut out = Vec::new();
        for (tp, replica) in self.partitions.iter_mut() {
            let log = &mut replica.log;
            let active = log.segments().last().map(|s| s.base_offset());
            let deleted = log.apply_retention(now);
            let rolled = log.segments().last().map(|s| s.base_offset());
            if rolled != active {
                // Deleting every segment rolls a new empty one first (`UnifiedLog.deleteSegments`
                // calls `roll()`), an ordinary roll as far as the log is concerned.
                let base = rolled.expect("a log always has an active segment");
                out.push(Output::Emit(Event::SegmentRolled { tp: tp.clone(), file: format!("{:020}.log", base.0) }));
            }
            for d in deleted {
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

    /// Write every partition's high watermark to the checkpoint file when due.
    fn tick_hw_checkpoint(&mut self, now: SimTime) {
        if now < self.next_hw_checkpoint {
            return;
        }
        self.next_hw_checkpoint = now.plus(self.config.hw_checkpoint_interval);
        for r in self.partitions.values_mut() {
            r.hw_checkpoint = r.log.high_watermark();
        }
    }

    /// `flush.messages` / `flush.ms`: fsync logs whose unflushed tail is due.
    fn tick_flush(&mut self, now: SimTime) {
        let (messages, interval) = (self.config.flush_messages, self.config.flush_interval);
        for r in self.partitions.values_mut() {
            let unflushed = r.log.log_end_offset().0 - r.log.flushed_offset().0.min(r.log.log_end_offset().0);
            let by_count = messages.is_some_and(|m| unflushed >= m);
            let by_time = interval.is_some_and(|i| now.since(r.last_flush) >= i);
            if by_count || by_time {
                r.log.flush();
                r.last_flush = now;
            }
        }
    }

    /// ISR shrinks from the partitions this broker leads. Kafka's `ReplicaManager` runs its
    /// `isr-expiration` task (`maybeShrinkIsr`) every `replica.lag.time.max.ms / 2`, not on
    /// every request; expansions are proposed on follower fetches ([`Broker::maybe_expand_isr`]).
    fn tick_isr(&mut self, now: SimTime) -> Vec<Output> {
        for r in self.partitions.values_mut() {
            if let Role::Leader(ls) = &mut r.role {
                // An AlterPartition that got no answer is forgotten, so it can be proposed again.
                if ls.pending.as_ref().is_some_and(|(_, sent)| now.since(*sent) > HEARTBEAT_TIMEOUT) {
                    ls.pending = None;
                }
            }
        }
        if now < self.next_isr_check {
            return Vec::new();
        }
        let lag = self.config.replica_lag_time_max;
        self.next_isr_check = now.plus(SimDuration((lag.0 / 2).max(1)));
        let mut proposals = Vec::new();
        for (tp, r) in self.partitions.iter_mut() {
            if let Role::Leader(ls) = &mut r.role {
                if let Some((isr, _reason)) = ls.shrink_proposal(now, r.log.log_end_offset(), lag) {
                    proposals.push(propose(ls, tp, isr, now));
                }
            }
        }
        proposals
            .into_iter()
            .map(|alter| self.send(self.controller(), Request::AlterPartition(alter), Outgoing::AlterPartition))
            .collect()
    }

    /// After `follower` fetched: propose adding it to the ISR if it may join (Kafka's
    /// `Partition.maybeExpandIsr`, called from `updateFollowerFetchState`).
    pub(crate) fn maybe_expand_isr(&mut self, now: SimTime, tp: &TopicPartition, follower: BrokerId) -> Vec<Output> {
        let ineligible: Vec<BrokerId> = self.image.fenced.iter().copied().collect();
        let Some(r) = self.partitions.get_mut(tp) else { return Vec::new() };
        let Role::Leader(ls) = &mut r.role else { return Vec::new() };
        let bar = crate::replication::isr::JoinBar {
            high_watermark: r.log.high_watermark(),
            epoch_start_offset: ls.epoch_start_offset,
            ineligible: &ineligible,
        };
        let Some(isr) = ls.expand_proposal(follower, bar) else { return Vec::new() };
        let alter = propose(ls, tp, isr, now);
        vec![self.send(self.controller(), Request::AlterPartition(alter), Outgoing::AlterPartition)]
    }

    fn on_alter_partition(&mut self, now: SimTime, resp: AlterPartitionResponse) -> Vec<Output> {
        let Some(r) = self.partitions.get_mut(&resp.tp) else { return Vec::new() };
        let Role::Leader(ls) = &mut r.role else { return Vec::new() };
        match resp.result {
            Ok(meta) if meta.leader_epoch == ls.epoch => ls.adopt(meta.partition_epoch, &meta.isr),
            _ => ls.pending = None,
        }
        self.advance_high_watermark(now, &resp.tp)
    }

    fn response(
        &mut self,
        now: SimTime,
        from: &NodeName,
        correlation: CorrelationId,
        response: Response,
    ) -> Vec<Output> {
        let purpose = self.outgoing.remove(&correlation);
        match response {
            Response::NotController { leader } => {
                self.next_controller(leader);
                self.heartbeat.in_flight = None;
                self.heartbeat.next_at = now.plus(SimDuration::from_millis(50));
                Vec::new()
            }
            Response::Heartbeat(hb) if *from == self.controller() => {
                self.heartbeat.in_flight = None;
                self.heartbeat.next_at = now;
                match hb.image {
                    Some(image) => self.apply_image(now, image),
                    None => Vec::new(),
                }
            }
            Response::Fetch(r) => match purpose {
                Some(Outgoing::ReplicaFetch(epoch)) if self.follows(&r.tp, from, epoch) => {
                    self.on_replica_fetch(now, r)
                }
                _ => Vec::new(),
            },
            Response::OffsetsForLeaderEpoch(r) => match purpose {
                Some(Outgoing::EpochQuery(epoch)) if self.follows(&r.tp, from, epoch) => self.on_epoch_answer(now, r),
                _ => Vec::new(),
            },
            Response::AlterPartition(r) => self.on_alter_partition(now, r),
            // The outcome of a forwarded creation arrives through the next image.
            _ => Vec::new(),
        }
    }

    /// Whether this broker still follows `from` in `epoch` for `tp`: an answer sent in an older
    /// epoch, or by a deposed leader, must not touch the log.
    fn follows(&self, tp: &TopicPartition, from: &NodeName, epoch: crate::types::LeaderEpoch) -> bool {
        matches!(self.partitions.get(tp).map(|r| &r.role), Some(Role::Follower(fs)) if fs.leader_node == *from && fs.epoch == epoch)
    }

    fn on_disconnect(&mut self, now: SimTime, peer: &NodeName) {
        if *peer == self.controller() {
            self.next_controller(None);
            self.heartbeat.in_flight = None;
            self.heartbeat.next_at = now.plus(self.config.heartbeat_interval);
        }
        let backoff = self.config.replica_fetch_backoff;
        for r in self.partitions.values_mut() {
            if let Role::Follower(fs) = &mut r.role {
                if fs.leader_node == *peer {
                    fs.in_flight = None;
                    fs.retry_at = now.plus(backoff);
                }
            }
        }
    }
}

impl Node for Broker {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = match input {
            Input::Tick => {
                self.tick_hw_checkpoint(now);
                let mut out = self.tick_heartbeat(now);
                out.extend(self.tick_retention(now));
                out.extend(self.tick_isr(now));
                out.extend(self.tick_followers(now));
                out.extend(self.expire_acks(now));
                out.extend(self.expire_parked(now));
                out.extend(self.tick_coordinator(now));
                out
            }
            Input::Request { conn, correlation, request } => self.request(now, conn, correlation, request),
            Input::Response { from, correlation, response } => self.response(now, &from, correlation, response),
            Input::Disconnected { peer } | Input::ConnectFailed { peer } => {
                self.on_disconnect(now, &peer);
                Vec::new()
            }
        };
        // flush.messages / flush.ms are checked after every step, so a record is on disk
        // before any acknowledgement that depends on it can leave.
        self.tick_flush(now);
        if std::mem::take(&mut self.roles_changed) {
            out.extend(self.sync_coordinator(now));
        }
        if !self.group_writes.is_empty() {
            out.extend(self.settle_group_writes(now));
        }
        out.extend(self.release_delayed(now));
        out
    }

    fn finish(&mut self, _now: SimTime) -> Vec<Output> {
        self.final_events().into_iter().map(Output::Emit).collect()
    }

    /// A crash wiped memory: connections, waiting requests, roles and metadata are gone; the
    /// logs (the disk) remain, minus unflushed records if the page cache was lost.
    fn restart(&mut self, now: SimTime) -> Vec<Output> {
        let fresh = Broker::new(self.id, self.controllers.clone(), self.config.clone());
        let partitions = std::mem::take(&mut self.partitions);
        let incarnation = self.incarnation + 1;
        *self = fresh;
        self.incarnation = incarnation;
        self.next_retention_check = now.plus(self.config.retention_check_interval);
        self.next_isr_check = now;
        let mut out = Vec::new();
        for (tp, mut r) in partitions {
            if self.config.page_cache_loss && r.log.flushed_offset() < r.log.log_end_offset() {
                let from = r.log.log_end_offset();
                let to = r.log.flushed_offset().max(r.log.log_start_offset());
                r.log.truncate_to(to);
                out.push(Output::Emit(Event::Truncated {
                    tp: tp.clone(),
                    from,
                    to,
                    reason: "unflushed records lost in the crash".into(),
                }));
            }
            // A restarted broker knows only what is on disk: the high watermark it last
            // checkpointed, which may trail the one it had in memory.
            let hw = r.hw_checkpoint.min(r.log.log_end_offset()).max(r.log.log_start_offset());
            r.log.set_high_watermark(hw);
            r.role = Role::Idle;
            r.last_flush = now;
            self.partitions.insert(tp, r);
        }
        out
    }
}

/// Mark `isr` as pending on the leader and build the `AlterPartition` that proposes it.
fn propose(ls: &mut LeaderState, tp: &TopicPartition, isr: Vec<BrokerId>, now: SimTime) -> AlterPartition {
    ls.pending = Some((isr.clone(), now));
    AlterPartition { tp: tp.clone(), leader: ls.me, leader_epoch: ls.epoch, partition_epoch: ls.partition_epoch, isr }
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
