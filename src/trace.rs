//! The trace: every notable thing that happened in a run, in order.
//!
//! The trace is the common currency of kafkasim. Cores emit [`Event`]s; the driver stamps each
//! with the simulated time, a sequence number and the node that emitted it ([`TraceEntry`]).
//! Checkers, the summary, the console output and the plots all read the trace and never poke
//! into live state, so anything they report can be traced back to lines in `trace.log`.
//!
//! A trace line reads `00:20.003 #18231 broker-2 appended partition=orders-0 ...`: stable text,
//! so a snapshot diff reads as a story. The trace hash covers the full structured events (not
//! just the text), so two runs with equal hashes really did the same thing.

use crate::protocol::admin::{AdminError, LogDump, SegmentSummary};
use crate::protocol::produce::Acks;
use crate::protocol::ErrorCode;
use crate::types::{
    BrokerId, Generation, GroupId, LeaderEpoch, MemberId, NodeName, Offset, RecordId, SimTime, TopicName,
    TopicPartition,
};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::{self, Write as _};

/// A record as a consumer saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumedRecord {
    /// Its offset.
    pub offset: Offset,
    /// Who produced it.
    pub id: RecordId,
    /// Its key.
    pub key: Option<Bytes>,
    /// Its value.
    pub value: Bytes,
}

/// Why a segment disappeared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteReason {
    /// `log.retention.ms`.
    RetentionTime,
    /// `log.retention.bytes`.
    RetentionSize,
}

impl fmt::Display for DeleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeleteReason::RetentionTime => "retention.ms",
            DeleteReason::RetentionSize => "retention.bytes",
        })
    }
}

/// Something that happened. Each variant names its node implicitly (the [`TraceEntry`]'s).
///
/// New variants go at the end: the trace hash encodes each variant's index, so inserting one
/// in the middle would change every snapshot's hash without changing any run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A node's software started (or restarted).
    NodeStarted,
    /// The scenario crashed a node.
    NodeCrashed,
    /// A scripted action began (its description as the scenario wrote it).
    ActionStarted {
        /// `create-topic first`, `crash broker-1`, ...
        action: String,
    },
    /// The controller created a topic.
    TopicCreated {
        /// The topic.
        topic: TopicName,
        /// Per partition, its replicas (preferred leader first).
        assignment: Vec<Vec<BrokerId>>,
    },
    /// The controller deleted a topic.
    TopicDeleted {
        /// The topic.
        topic: TopicName,
    },
    /// An admin client got an answer (`kafka-topics.sh` prints it).
    AdminResult {
        /// What was asked: `create first`, `delete first`, `list`, ...
        op: String,
        /// The outcome as the tool would print it, or the error.
        result: Result<String, AdminError>,
    },
    /// A broker adopted a newer metadata image.
    MetadataUpdated {
        /// The image's version.
        version: u64,
    },
    /// A broker started hosting a partition's log.
    PartitionCreated {
        /// The partition.
        tp: TopicPartition,
    },
    /// A broker appended a batch to a partition.
    Appended {
        /// The partition.
        tp: TopicPartition,
        /// Offset of the first record.
        base_offset: Offset,
        /// The records' ids, in offset order.
        ids: Vec<RecordId>,
        /// Bytes appended.
        bytes: u64,
    },
    /// The active segment rolled: a new segment file starts here.
    SegmentRolled {
        /// The partition.
        tp: TopicPartition,
        /// The new segment's file name (its base offset, 20 digits).
        file: String,
    },
    /// Retention deleted a segment.
    SegmentDeleted {
        /// The partition.
        tp: TopicPartition,
        /// The deleted file.
        file: String,
        /// Records it held.
        records: u64,
        /// Which limit deleted it.
        reason: DeleteReason,
        /// The log start offset afterwards.
        log_start_offset: Offset,
    },
    /// A log dump was answered (`kafka-dump-log.sh`).
    LogDumped {
        /// The partition.
        tp: TopicPartition,
        /// What the broker reported.
        dump: Result<LogDump, ErrorCode>,
    },
    /// A producer handed a record to its client library (`producer.send`).
    Sent {
        /// The record's id.
        id: RecordId,
        /// The partition the partitioner chose.
        tp: TopicPartition,
        /// The key.
        key: Option<Bytes>,
        /// The value.
        value: Bytes,
    },
    /// A produce request went out.
    ProduceRequested {
        /// The partition.
        tp: TopicPartition,
        /// The records in the batch.
        ids: Vec<RecordId>,
        /// The `acks` it asks for.
        acks: Acks,
        /// The broker it went to.
        broker: NodeName,
        /// 0 for the first try, then 1, 2, ...
        attempt: u32,
    },
    /// The producer got a successful answer: these records are acknowledged at these offsets.
    Acked {
        /// The partition.
        tp: TopicPartition,
        /// Offset of the first record.
        base_offset: Offset,
        /// The records, in offset order.
        ids: Vec<RecordId>,
    },
    /// A produce attempt failed; the producer may retry.
    ProduceError {
        /// The partition.
        tp: TopicPartition,
        /// The batch.
        ids: Vec<RecordId>,
        /// Why.
        error: ErrorCode,
        /// Whether the batch will be retried.
        will_retry: bool,
    },
    /// The producer gave up on records: the application's callback sees this error.
    SendFailed {
        /// The records.
        ids: Vec<RecordId>,
        /// Why.
        error: ErrorCode,
    },
    /// A consumer received records from a fetch (it "prints" them).
    Consumed {
        /// The partition.
        tp: TopicPartition,
        /// The records in offset order.
        records: Vec<ConsumedRecord>,
    },
    /// A consumer (re)set its position in a partition.
    OffsetReset {
        /// The partition.
        tp: TopicPartition,
        /// Why: `auto.offset.reset=earliest`, `OffsetOutOfRange`, ...
        reason: String,
        /// The new position.
        offset: Offset,
    },
    /// A consumer hit an error it cannot recover from by itself.
    ConsumerError {
        /// The partition.
        tp: TopicPartition,
        /// Why.
        error: ErrorCode,
    },
    /// A fetch or produce request got no answer in time.
    RequestTimedOut {
        /// The peer.
        peer: NodeName,
    },
    /// The scenario injected a fault (`crash broker-2`, `partition [broker-1] | [broker-2]`, ...).
    Fault {
        /// What was done, resolved to node names.
        description: String,
    },
    /// A controller became the active one (the Raft leader of the metadata log).
    ControllerElected {
        /// Its Raft term.
        term: u64,
    },
    /// The controller stopped hearing from a broker within `broker.session.timeout.ms` and
    /// fenced it: it leads nothing and is dropped from every ISR.
    BrokerFenced {
        /// The broker.
        broker: BrokerId,
    },
    /// A fenced broker heartbeated again and is back in service.
    BrokerUnfenced {
        /// The broker.
        broker: BrokerId,
    },
    /// The controller chose a partition leader.
    LeaderElected {
        /// The partition.
        tp: TopicPartition,
        /// The new leader.
        leader: BrokerId,
        /// The new leader epoch.
        epoch: LeaderEpoch,
        /// The ISR after the election.
        isr: Vec<BrokerId>,
        /// Why: `leader fenced`, `preferred replica`, `unclean`, ...
        reason: String,
    },
    /// No replica may lead the partition: it is offline until one may.
    PartitionOffline {
        /// The partition.
        tp: TopicPartition,
    },
    /// The ISR changed (controller's view).
    IsrChanged {
        /// The partition.
        tp: TopicPartition,
        /// The new ISR.
        isr: Vec<BrokerId>,
        /// Why.
        reason: String,
    },
    /// A broker took up a role for a partition after a metadata change.
    RoleChanged {
        /// The partition.
        tp: TopicPartition,
        /// `leader` or `follower of broker-N`.
        role: String,
        /// The leader epoch.
        epoch: LeaderEpoch,
    },
    /// A follower copied records from its leader.
    Replicated {
        /// The partition.
        tp: TopicPartition,
        /// Offset of the first record.
        base_offset: Offset,
        /// How many.
        count: u64,
    },
    /// A replica removed the tail of its log.
    Truncated {
        /// The partition.
        tp: TopicPartition,
        /// Its log end offset before.
        from: Offset,
        /// Its log end offset after.
        to: Offset,
        /// Why: `leader epoch 3 ended at 120`, `high watermark`, `unflushed records lost in crash`, ...
        reason: String,
    },
    /// A connection delivered bytes that are not a valid frame; the connection was dropped.
    BadFrame {
        /// Why the frame was rejected.
        error: String,
    },
    /// A group coordinator started a rebalance: members must rejoin.
    GroupRebalancing {
        /// The group.
        group: GroupId,
        /// The generation being left behind.
        generation: Generation,
        /// Why: `c3-2 joined`, `c1-1 left`, `c2-1 session timeout`, ...
        reason: String,
    },
    /// The join phase ended: a new generation with these members and this leader.
    GroupJoined {
        /// The group.
        group: GroupId,
        /// The new generation.
        generation: Generation,
        /// The chosen assignor.
        protocol: String,
        /// The member that computes the assignment.
        leader: MemberId,
        /// Every member, in id order.
        members: Vec<MemberId>,
    },
    /// The leader's assignment is stored and handed out: the generation is stable.
    GroupStable {
        /// The group.
        group: GroupId,
        /// The generation.
        generation: Generation,
        /// Each member's partitions.
        assignment: Vec<(MemberId, Vec<TopicPartition>)>,
    },
    /// The group became empty (its last member left or was evicted).
    GroupEmpty {
        /// The group.
        group: GroupId,
        /// The generation it ended at.
        generation: Generation,
    },
    /// The coordinator removed a member.
    MemberRemoved {
        /// The group.
        group: GroupId,
        /// The member.
        member: MemberId,
        /// Why: `LeaveGroup`, `session.timeout.ms`, `max.poll.interval.ms (rebalance timeout)`.
        reason: String,
    },
    /// Committed offsets reached the offsets topic's high watermark: they are durable.
    OffsetsCommitted {
        /// The group.
        group: GroupId,
        /// The committing member (`None`: a consumer outside group management).
        member: Option<MemberId>,
        /// The offsets, each the next record to process.
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A broker took over (or gave up) coordinating the groups of one offsets partition.
    CoordinatorChanged {
        /// The partition of `__consumer_offsets`.
        partition: u32,
        /// `true`: it loaded the groups; `false`: it unloaded them.
        loaded: bool,
        /// The groups found in the partition.
        groups: Vec<GroupId>,
    },
    /// A consumer's application received partitions (`onPartitionsAssigned`).
    PartitionsAssigned {
        /// The group.
        group: GroupId,
        /// The member.
        member: MemberId,
        /// The generation.
        generation: Generation,
        /// The newly owned partitions.
        partitions: Vec<TopicPartition>,
        /// Everything the member owns now.
        owned: Vec<TopicPartition>,
    },
    /// A consumer's application gave partitions up (`onPartitionsRevoked` / `onPartitionsLost`).
    PartitionsRevoked {
        /// The group.
        group: GroupId,
        /// The member.
        member: MemberId,
        /// The generation it owned them in.
        generation: Generation,
        /// The partitions.
        partitions: Vec<TopicPartition>,
        /// Why: `eager rebalance`, `cooperative: moved to another member`, `left the group`, ...
        reason: String,
    },
    /// A consumer asked its coordinator to store offsets.
    CommitRequested {
        /// The group.
        group: GroupId,
        /// `sync`, `async` or `auto`.
        kind: String,
        /// The offsets.
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A consumer's commit was refused (Kafka's `CommitFailedException` for `commitSync`).
    CommitFailed {
        /// The group.
        group: GroupId,
        /// The member id the commit carried.
        member: MemberId,
        /// The generation the commit carried.
        generation: Generation,
        /// The coordinator's answer.
        error: ErrorCode,
    },
    /// A consumer left its group on its own: `max.poll.interval.ms` passed between two polls
    /// (Kafka's heartbeat thread sends `LeaveGroup`), or the application closed it.
    ConsumerLeftGroup {
        /// The group.
        group: GroupId,
        /// The member.
        member: MemberId,
        /// Why.
        reason: String,
    },
    /// A consumer's group membership failed for good: the coordinator refused it with an
    /// error that no retry fixes (`InvalidSessionTimeout`), so `poll()` throws and the
    /// application stops.
    ConsumerFailed {
        /// The group.
        group: GroupId,
        /// The coordinator's answer.
        error: ErrorCode,
    },
    /// A final snapshot of a partition's log, emitted when the run ends, so checkers know what
    /// the log held at the end without touching live state.
    LogEnd {
        /// The partition.
        tp: TopicPartition,
        /// Whether this broker led the partition at the end.
        is_leader: bool,
        /// The record ids in the log, from the log start offset on.
        ids: Vec<RecordId>,
        /// Log start offset.
        log_start_offset: Offset,
        /// High watermark.
        high_watermark: Offset,
        /// Log end offset.
        log_end_offset: Offset,
        /// Segments, oldest first.
        segments: Vec<SegmentSummary>,
    },
    /// An order arrived at an order service (the seed's 订单系统).
    OrderPlaced {
        /// The order's id, `service#n`.
        order: String,
    },
    /// An order service finished an order: the customer got an answer.
    OrderDone {
        /// The order's id.
        order: String,
        /// When it was placed (so its latency reads off this one line).
        placed: SimTime,
        /// Why it failed, if it did (the customer saw an error).
        error: Option<String>,
    },
    /// A gateway outside Kafka sent a notification (an SMS, an e-mail).
    Notified {
        /// The message, naming its order.
        message: String,
    },
    /// A client could not connect to `peer`; the requests it had queued for it were never
    /// sent and wait for the node's reconnect backoff or a new leader.
    ConnectFailed {
        /// The peer.
        peer: NodeName,
        /// How many produce requests went back to their queues.
        requeued: u32,
    },
}

impl Event {
    /// The node a scripted `crash` fault took down (`crash consumer-c1 (hard: ...)`), if this
    /// event is one. The driver records faults as text, so readers of the trace that track
    /// who is alive (checkers, plots) share this one reading of it.
    pub fn crashed_node(&self) -> Option<NodeName> {
        let Event::Fault { description } = self else { return None };
        let mut words = description.split_whitespace();
        (words.next() == Some("crash")).then_some(())?;
        Some(NodeName(words.next()?.trim_end_matches(':').to_string()))
    }

    /// The event's kebab-case name, the first word of its trace line.
    pub fn name(&self) -> &'static str {
        match self {
            Event::NodeStarted => "node-started",
            Event::NodeCrashed => "node-crashed",
            Event::ActionStarted { .. } => "action",
            Event::TopicCreated { .. } => "topic-created",
            Event::TopicDeleted { .. } => "topic-deleted",
            Event::AdminResult { .. } => "admin-result",
            Event::MetadataUpdated { .. } => "metadata-updated",
            Event::PartitionCreated { .. } => "partition-created",
            Event::Appended { .. } => "appended",
            Event::SegmentRolled { .. } => "segment-rolled",
            Event::SegmentDeleted { .. } => "segment-deleted",
            Event::LogDumped { .. } => "log-dumped",
            Event::Sent { .. } => "sent",
            Event::ProduceRequested { .. } => "produce-requested",
            Event::Acked { .. } => "acked",
            Event::ProduceError { .. } => "produce-error",
            Event::SendFailed { .. } => "send-failed",
            Event::Consumed { .. } => "consumed",
            Event::OffsetReset { .. } => "offset-reset",
            Event::ConsumerError { .. } => "consumer-error",
            Event::RequestTimedOut { .. } => "request-timed-out",
            Event::ConnectFailed { .. } => "connect-failed",
            Event::BadFrame { .. } => "bad-frame",
            Event::Fault { .. } => "fault",
            Event::OrderPlaced { .. } => "order-placed",
            Event::OrderDone { .. } => "order-done",
            Event::Notified { .. } => "notified",
            Event::ControllerElected { .. } => "controller-elected",
            Event::BrokerFenced { .. } => "broker-fenced",
            Event::BrokerUnfenced { .. } => "broker-unfenced",
            Event::LeaderElected { .. } => "leader-elected",
            Event::PartitionOffline { .. } => "partition-offline",
            Event::IsrChanged { .. } => "isr-changed",
            Event::RoleChanged { .. } => "role-changed",
            Event::Replicated { .. } => "replicated",
            Event::Truncated { .. } => "truncated",
            Event::GroupRebalancing { .. } => "group-rebalancing",
            Event::GroupJoined { .. } => "group-joined",
            Event::GroupStable { .. } => "group-stable",
            Event::GroupEmpty { .. } => "group-empty",
            Event::MemberRemoved { .. } => "member-removed",
            Event::OffsetsCommitted { .. } => "offsets-committed",
            Event::CoordinatorChanged { .. } => "coordinator-changed",
            Event::PartitionsAssigned { .. } => "partitions-assigned",
            Event::PartitionsRevoked { .. } => "partitions-revoked",
            Event::CommitRequested { .. } => "commit-requested",
            Event::CommitFailed { .. } => "commit-failed",
            Event::ConsumerLeftGroup { .. } => "consumer-left-group",
            Event::ConsumerFailed { .. } => "consumer-failed",
            Event::LogEnd { .. } => "log-end",
        }
    }
}

/// Renders record ids compactly: `[p0#3..p0#7]` when consecutive from one producer.
fn fmt_ids(ids: &[RecordId]) -> String {
    match (ids.first(), ids.last()) {
        (None, _) | (_, None) => "[]".to_string(),
        (Some(a), Some(_)) if ids.len() == 1 => format!("[{a}]"),
        (Some(a), Some(b)) => {
            let consecutive = ids.windows(2).all(|w| w[1].producer == w[0].producer && w[1].seq == w[0].seq + 1);
            if consecutive {
                format!("[{a}..{b}]")
            } else if ids.len() <= 6 {
                let parts: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                format!("[{}]", parts.join(","))
            } else {
                let parts: Vec<String> = ids.iter().take(3).map(|i| i.to_string()).collect();
                format!("[{},...,{}]", parts.join(","), b)
            }
        }
    }
}

/// Renders a list with `,` between items.
fn join<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// Renders committed offsets as `{orders-0:12,orders-1:7}`.
fn fmt_offsets(offsets: &[(TopicPartition, Offset)]) -> String {
    let parts: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}:{o}")).collect();
    format!("{{{}}}", parts.join(","))
}

/// Renders broker ids as `[1,2,3]`.
pub fn fmt_brokers(ids: &[BrokerId]) -> String {
    let parts: Vec<String> = ids.iter().map(|b| b.to_string()).collect();
    format!("[{}]", parts.join(","))
}

/// Renders bytes as Python's `repr(bytes)` would (the seed's consumer prints `b'6'`).
pub fn py_bytes(bytes: &[u8]) -> String {
    let mut s = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('\'');
    s
}

/// Python's rendering of an optional key: `None` or `b'...'`.
pub fn py_key(key: &Option<Bytes>) -> String {
    key.as_ref().map_or_else(|| "None".to_string(), |k| py_bytes(k))
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Event::NodeStarted | Event::NodeCrashed => Ok(()),
            Event::ActionStarted { action } => write!(f, " {action}"),
            Event::TopicCreated { topic, assignment } => {
                let parts: Vec<String> =
                    assignment.iter().map(|r| r.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")).collect();
                write!(f, " topic={topic} assignment=[{}]", parts.join("] ["))
            }
            Event::TopicDeleted { topic } => write!(f, " topic={topic}"),
            Event::AdminResult { op, result } => match result {
                Ok(text) => write!(f, " op=\"{op}\" ok=\"{}\"", text.replace('\n', "; ")),
                Err(e) => write!(f, " op=\"{op}\" error={} message=\"{}\"", e.code, e.message),
            },
            Event::MetadataUpdated { version } => write!(f, " version={version}"),
            Event::PartitionCreated { tp } => write!(f, " partition={tp}"),
            Event::Appended { tp, base_offset, ids, bytes } => {
                write!(f, " partition={tp} base_offset={base_offset} count={} bytes={bytes} ids={}", ids.len(), fmt_ids(ids))
            }
            Event::SegmentRolled { tp, file } => write!(f, " partition={tp} file={file}"),
            Event::SegmentDeleted { tp, file, records, reason, log_start_offset } => write!(
                f,
                " partition={tp} file={file} records={records} reason={reason} log_start_offset={log_start_offset}"
            ),
            Event::LogDumped { tp, dump } => match dump {
                Ok(d) => write!(
                    f,
                    " partition={tp} log_start_offset={} log_end_offset={} segments={}",
                    d.log_start_offset,
                    d.log_end_offset,
                    d.segments.len()
                ),
                Err(e) => write!(f, " partition={tp} error={e}"),
            },
            Event::Sent { id, tp, key, value } => {
                write!(f, " id={id} partition={tp} key={} value={}", py_key(key), py_bytes(value))
            }
            Event::ProduceRequested { tp, ids, acks, broker, attempt } => write!(
                f,
                " partition={tp} count={} ids={} acks={acks} broker={broker} attempt={attempt}",
                ids.len(),
                fmt_ids(ids)
            ),
            Event::Acked { tp, base_offset, ids } => {
                write!(f, " partition={tp} base_offset={base_offset} count={} ids={}", ids.len(), fmt_ids(ids))
            }
            Event::ProduceError { tp, ids, error, will_retry } => {
                write!(f, " partition={tp} ids={} error={error} will_retry={will_retry}", fmt_ids(ids))
            }
            Event::SendFailed { ids, error } => write!(f, " ids={} error={error}", fmt_ids(ids)),
            Event::Consumed { tp, records } => {
                let first = records.first().map_or(0, |r| r.offset.0);
                let last = records.last().map_or(0, |r| r.offset.0);
                write!(f, " partition={tp} count={} offsets={first}..={last}", records.len())
            }
            Event::OffsetReset { tp, reason, offset } => write!(f, " partition={tp} offset={offset} reason={reason}"),
            Event::ConsumerError { tp, error } => write!(f, " partition={tp} error={error}"),
            Event::RequestTimedOut { peer } => write!(f, " peer={peer}"),
            Event::ConnectFailed { peer, requeued } => write!(f, " peer={peer} requeued={requeued}"),
            Event::BadFrame { error } => write!(f, " error=\"{error}\""),
            Event::Fault { description } => write!(f, " {description}"),
            Event::OrderPlaced { order } => write!(f, " order={order}"),
            Event::OrderDone { order, placed, error } => {
                write!(f, " order={order} placed={placed}")?;
                match error {
                    None => write!(f, " ok"),
                    Some(e) => write!(f, " error=\"{e}\""),
                }
            }
            Event::Notified { message } => write!(f, " message={message}"),
            Event::ControllerElected { term } => write!(f, " term={term}"),
            Event::BrokerFenced { broker } | Event::BrokerUnfenced { broker } => write!(f, " broker={broker}"),
            Event::LeaderElected { tp, leader, epoch, isr, reason } => {
                write!(f, " partition={tp} leader={leader} epoch={epoch} isr={} reason=\"{reason}\"", fmt_brokers(isr))
            }
            Event::PartitionOffline { tp } => write!(f, " partition={tp}"),
            Event::IsrChanged { tp, isr, reason } => write!(f, " partition={tp} isr={} reason=\"{reason}\"", fmt_brokers(isr)),
            Event::RoleChanged { tp, role, epoch } => write!(f, " partition={tp} role=\"{role}\" epoch={epoch}"),
            Event::Replicated { tp, base_offset, count } => write!(f, " partition={tp} base_offset={base_offset} count={count}"),
            Event::Truncated { tp, from, to, reason } => write!(f, " partition={tp} from={from} to={to} reason=\"{reason}\""),
            Event::GroupRebalancing { group, generation, reason } => {
                write!(f, " group={group} generation={generation} reason=\"{reason}\"")
            }
            Event::GroupJoined { group, generation, protocol, leader, members } => write!(
                f,
                " group={group} generation={generation} protocol={protocol} leader={leader} members=[{}]",
                join(members)
            ),
            Event::GroupStable { group, generation, assignment } => {
                let parts: Vec<String> = assignment.iter().map(|(m, tps)| format!("{m}=[{}]", join(tps))).collect();
                write!(f, " group={group} generation={generation} assignment={{{}}}", parts.join(" "))
            }
            Event::GroupEmpty { group, generation } => write!(f, " group={group} generation={generation}"),
            Event::MemberRemoved { group, member, reason } => {
                write!(f, " group={group} member={member} reason=\"{reason}\"")
            }
            Event::OffsetsCommitted { group, member, offsets } => {
                let who = member.as_ref().map_or_else(|| "none".to_string(), |m| m.to_string());
                write!(f, " group={group} member={who} offsets={}", fmt_offsets(offsets))
            }
            Event::CoordinatorChanged { partition, loaded, groups } => {
                write!(f, " partition=__consumer_offsets-{partition} loaded={loaded} groups=[{}]", join(groups))
            }
            Event::PartitionsAssigned { group, member, generation, partitions, owned } => write!(
                f,
                " group={group} member={member} generation={generation} added=[{}] owned=[{}]",
                join(partitions),
                join(owned)
            ),
            Event::PartitionsRevoked { group, member, generation, partitions, reason } => write!(
                f,
                " group={group} member={member} generation={generation} partitions=[{}] reason=\"{reason}\"",
                join(partitions)
            ),
            Event::CommitRequested { group, kind, offsets } => {
                write!(f, " group={group} kind={kind} offsets={}", fmt_offsets(offsets))
            }
            Event::CommitFailed { group, member, generation, error } => {
                write!(f, " group={group} member={member} generation={generation} error={error}")
            }
            Event::ConsumerLeftGroup { group, member, reason } => {
                write!(f, " group={group} member={member} reason=\"{reason}\"")
            }
            Event::ConsumerFailed { group, error } => write!(f, " group={group} error={error}"),
            Event::LogEnd { tp, is_leader, log_start_offset, high_watermark, log_end_offset, segments, .. } => write!(
                f,
                " partition={tp} leader={is_leader} log_start_offset={log_start_offset} high_watermark={high_watermark} log_end_offset={log_end_offset} segments={}",
                segments.len()
            ),
        }
    }
}

/// One event, stamped by the driver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// When it happened, in simulated time.
    pub time: SimTime,
    /// Its position in the whole run's trace (0, 1, 2, ...).
    pub seq: u64,
    /// The node that emitted it (`sim` for the driver's own events).
    pub node: NodeName,
    /// What happened.
    pub event: Event,
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{} {} {}", self.time, self.seq, self.node, self.event)
    }
}

/// An ordered trace of a whole run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    entries: Vec<TraceEntry>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Trace {
        Trace::default()
    }

    /// Append an event; the trace assigns the sequence number.
    ///
    /// Time never goes backwards in a trace: the driver records events as the simulation runs.
    pub fn record(&mut self, time: SimTime, node: NodeName, event: Event) {
        if let Some(last) = self.entries.last() {
            assert!(time >= last.time, "trace time went backwards: {time} after {}", last.time);
        }
        let seq = self.entries.len() as u64;
        self.entries.push(TraceEntry { time, seq, node, event });
    }

    /// All entries, in order.
    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    /// The trace as `trace.log` text: one line per event.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = writeln!(out, "{e}");
        }
        out
    }

    /// A hash of the full structured trace (SHA-256 of its postcard encoding, first 16 hex
    /// digits). Equal hashes mean byte-identical runs.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for e in &self.entries {
            hasher.update(postcard::to_stdvec(e).expect("trace entries always encode"));
        }
        let digest = hasher.finalize();
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_bytes_repr() {
        assert_eq!(py_bytes(b"6"), "b'6'");
        assert_eq!(py_bytes(b"it's\n\x01"), "b'it\\'s\\n\\x01'");
        assert_eq!(py_key(&None), "None");
    }

    #[test]
    fn ids_compress_when_consecutive() {
        let ids: Vec<RecordId> = (3..6).map(|seq| RecordId { producer: 0, seq }).collect();
        assert_eq!(fmt_ids(&ids), "[p0#3..p0#5]");
    }

    #[test]
    fn hash_depends_on_content() {
        let mut a = Trace::new();
        a.record(SimTime::ZERO, NodeName("n".into()), Event::NodeStarted);
        let mut b = a.clone();
        assert_eq!(a.hash(), b.hash());
        b.record(SimTime::ZERO, NodeName("n".into()), Event::NodeCrashed);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.to_text(), "00:00.000 #0 n node-started\n");
    }
}
