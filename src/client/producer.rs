//! The producer: Kafka's client-side send path as a state machine.
//!
//! `producer.send(topic, value)` in the seed's `pro.py` does much more than write to a socket.
//! The Java (and Python) client:
//! 1. waits for the topic's metadata (blocking `send()` up to `max.block.ms`);
//! 2. picks a partition ([`Partitioner`](super::partitioner::Partitioner));
//! 3. appends the record to an in-memory batch for that partition (the *accumulator*), blocking
//!    when `buffer.memory` is full;
//! 4. sends a batch when it is full (`batch.size`) or has waited `linger.ms`, with at most
//!    `max.in.flight.requests.per.connection` requests outstanding per broker;
//! 5. on a retriable error (`NotLeaderOrFollower`, a timeout) refreshes metadata and re-queues
//!    the batch at the head of its partition's queue, up to `retries` times and within
//!    `delivery.timeout.ms`; then reports success or failure to the application.
//!
//! All of that is modelled here, because it is where ordering and duplicates come from: a
//! retried batch can overtake a later one when several are in flight, and a request that timed
//! out may still have been appended (without idempotence, its retry writes the records twice).
//!
//! Invariants:
//! - `buffered_bytes` equals the bytes of every batch queued or in flight;
//! - a record is reported exactly once: acknowledged, failed, or (with `acks=0`) sent.

use super::backoff::ExponentialBackoff;
use super::partitioner::{PartitionView, Partitioner, UnkeyedStrategy};
use super::workload::{Workload, WorkloadCursor};
use crate::log::record::NewRecord;
use crate::node::{Input, Node, Output};
use crate::protocol::metadata::MetadataImage;
use crate::protocol::produce::{Acks, ProduceRequest, ProduceResponse, ProducerSequence};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::Event;
use crate::types::{NodeName, PartitionId, RecordId, SimDuration, SimTime, TopicName, TopicPartition};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The producer's Kafka settings.
#[derive(Clone, Debug)]
pub struct ProducerConfig {
    /// `acks`.
    pub acks: Acks,
    /// `linger.ms`.
    pub linger: SimDuration,
    /// `batch.size` in bytes.
    pub batch_size: u64,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight: u32,
    /// `retries`.
    pub retries: u32,
    /// `retry.backoff.ms`.
    pub retry_backoff: SimDuration,
    /// `retry.backoff.max.ms`: retries back off exponentially up to this (KIP-580).
    pub retry_backoff_max: SimDuration,
    /// `reconnect.backoff.ms`: how long a node is not tried after its connection failed.
    pub reconnect_backoff: SimDuration,
    /// `reconnect.backoff.max.ms`: that wait doubles per failure in a row up to this.
    pub reconnect_backoff_max: SimDuration,
    /// `request.timeout.ms`.
    pub request_timeout: SimDuration,
    /// `delivery.timeout.ms`.
    pub delivery_timeout: SimDuration,
    /// `buffer.memory` in bytes.
    pub buffer_memory: u64,
    /// `max.block.ms`.
    pub max_block: SimDuration,
    /// `metadata.max.age.ms`.
    pub metadata_max_age: SimDuration,
    /// `partitioner.class`: how unkeyed records spread.
    pub unkeyed: UnkeyedStrategy,
    /// `partitioner.adaptive.partitioning.enable`: weigh the sticky switch by queue sizes.
    pub adaptive_partitioning: bool,
    /// `enable.idempotence`: number batches so the leader can refuse duplicates.
    pub idempotence: bool,
}

/// Records bound for one partition, sent together.
#[derive(Clone, Debug)]
struct Batch {
    records: Vec<NewRecord>,
    bytes: u64,
    created_at: SimTime,
    attempts: u32,
    retry_at: SimTime,
    /// The idempotent sequence number of the first record, fixed at the first send.
    sequence: Option<u64>,
    /// Handed to a request once: closed for appends, whatever became of the request
    /// (`RecordAccumulator.drain` closes every batch it drains, `ProducerBatch.close`).
    closed: bool,
}

impl Batch {
    fn ids(&self) -> Vec<RecordId> {
        self.records.iter().map(|r| r.id).collect()
    }
}

/// A produce request awaiting its answer.
#[derive(Clone, Debug)]
struct InFlight {
    tp: TopicPartition,
    batch: Batch,
    broker: NodeName,
    deadline: SimTime,
    /// The producer id the request carried (the generation it was numbered under), so a
    /// partition with requests of a stale generation on the wire holds new batches back.
    sent_id: u64,
}

/// Metadata fetching state, shared by producer and consumer.
///
/// Which node a metadata request goes to matters after a crash: Kafka's
/// `NetworkClient.leastLoadedNode` picks among the brokers of the latest metadata (the
/// bootstrap list only before the first answer), skipping nodes it cannot send to — a node
/// whose connection just broke or timed out is disconnected and waits out its reconnect
/// backoff. Asking the dead leader would cost another `request.timeout.ms` before the client
/// hears of the new one. kafkasim keeps the nodes that failed since they last answered in
/// `unreachable` and asks the others first, in turn from `cursor` (Kafka starts at a random
/// offset; a rotating one keeps the choice deterministic without a generator).
#[derive(Clone, Debug, Default)]
pub struct MetadataState {
    /// The latest image, if any.
    pub image: Option<MetadataImage>,
    /// The outstanding request: its id, the broker asked and when it times out.
    pub in_flight: Option<(CorrelationId, NodeName, SimTime)>,
    /// When the image was received.
    pub fetched_at: SimTime,
    /// Whether a refresh is wanted as soon as possible.
    pub stale: bool,
    /// Earliest time of the next request.
    pub next_at: SimTime,
    /// Which candidate node to ask next.
    pub cursor: usize,
    /// Nodes whose connection broke or whose request timed out, since they last answered.
    pub unreachable: BTreeSet<NodeName>,
    /// `retry.backoff.ms`: the first wait after a failed metadata request.
    pub retry_backoff: SimDuration,
    /// Metadata requests failed in a row (`Metadata.attempts`).
    pub failures: u32,
}

impl MetadataState {
    /// The nodes a metadata request may go to: the live brokers of the latest image
    /// (`Metadata.fetch().nodes()`), or the bootstrap servers before there is one.
    fn candidates(&self, bootstrap: &[NodeName]) -> Vec<NodeName> {
        let known = self.image.as_ref().map(|m| {
            m.brokers.iter().filter(|(id, _)| !m.fenced.contains(id)).map(|(_, n)| n.clone()).collect::<Vec<_>>()
        });
        match known {
            Some(nodes) if !nodes.is_empty() => nodes,
            _ => bootstrap.to_vec(),
        }
    }

    /// `leastLoadedNode`, simplified: the next candidate in turn that has not failed since
    /// it last answered; if every one has, the next in turn (its reconnect backoff is over).
    fn pick(&self, bootstrap: &[NodeName]) -> Option<NodeName> {
        let nodes = self.candidates(bootstrap);
        let n = nodes.len();
        let in_turn = (0..n).map(|i| &nodes[(self.cursor + i) % n]);
        let mut reachable = in_turn.clone().filter(|node| !self.unreachable.contains(*node));
        reachable.next().or_else(|| in_turn.clone().next()).cloned()
    }

    /// A request for metadata, if one is due.
    pub fn maybe_request(
        &mut self,
        now: SimTime,
        bootstrap: &[NodeName],
        topics: &[TopicName],
        correlation: CorrelationId,
        max_age: SimDuration,
        timeout: SimDuration,
    ) -> Option<Output> {
        if let Some((_, to, deadline)) = &self.in_flight {
            if now < *deadline {
                return None;
            }
            self.unreachable.insert(to.clone());
            self.in_flight = None;
            self.cursor += 1;
            self.failed(now);
        }
        let aged = self.image.is_none() || now.since(self.fetched_at) >= max_age;
        if !(self.stale || aged) || now < self.next_at {
            return None;
        }
        let to = self.pick(bootstrap)?;
        self.in_flight = Some((correlation, to.clone(), now.plus(timeout)));
        let request = Request::Metadata { topics: Some(topics.to_vec()), allow_auto_create: true };
        Some(Output::Send { to, correlation, request })
    }

    /// Take a metadata answer; `backoff` delays the next refresh if topics are still missing.
    pub fn on_response(
        &mut self,
        now: SimTime,
        correlation: CorrelationId,
        image: MetadataImage,
        topics: &[TopicName],
        backoff: SimDuration,
    ) {
        if self.in_flight.as_ref().is_some_and(|(c, _, _)| *c == correlation) {
            self.in_flight = None;
        }
        self.failures = 0;
        let missing = topics.iter().any(|t| !image.topics.contains_key(t));
        self.stale = missing;
        self.next_at = now.plus(backoff);
        self.fetched_at = now;
        self.image = Some(image);
    }

    /// `peer` answered something: it is reachable again.
    pub fn on_answer(&mut self, peer: &NodeName) {
        self.unreachable.remove(peer);
    }

    /// The connection to `peer` broke, or a request to it timed out (Kafka then closes the
    /// connection): a metadata request to it will not be answered, and, as in
    /// `DefaultMetadataUpdater.handleServerDisconnect`, the metadata may be stale
    /// (`metadata.requestUpdate()`).
    pub fn on_disconnect(&mut self, now: SimTime, peer: &NodeName) {
        self.unreachable.insert(peer.clone());
        if self.in_flight.as_ref().is_some_and(|(_, to, _)| to == peer) {
            self.in_flight = None;
            self.cursor += 1;
            self.failed(now);
        }
        self.invalidate();
    }

    /// A metadata request failed: back off before the next, doubling from `retry.backoff.ms`
    /// up to 1 s (`Metadata.timeToNextUpdate`'s `refreshBackoff.backoff(attempts - 1)`, KIP-580;
    /// without the jitter, as this state owns no random stream). Without it a client whose
    /// every broker is down would reconnect every tick.
    fn failed(&mut self, now: SimTime) {
        let ms = (self.retry_backoff.0 / 1000).max(1).saturating_mul(1 << self.failures.min(10)).min(1000);
        self.failures += 1;
        self.next_at = now.plus(SimDuration::from_millis(ms.max(self.retry_backoff.0 / 1000)));
    }

    /// Ask for fresh metadata soon (after an error that suggests it is out of date).
    pub fn invalidate(&mut self) {
        self.stale = true;
    }
}

/// One producer client.
#[derive(Debug)]
pub struct Producer {
    index: u32,
    config: ProducerConfig,
    topic: TopicName,
    bootstrap: Vec<NodeName>,
    workload: WorkloadCursor,
    partitioner: Partitioner,
    /// How long a retried batch waits (`RecordAccumulator`'s `retryBackoff`).
    backoff: ExponentialBackoff,
    metadata: MetadataState,
    next_seq: u64,
    blocked_since: Option<SimTime>,
    batches: BTreeMap<TopicPartition, VecDeque<Batch>>,
    in_flight: BTreeMap<CorrelationId, InFlight>,
    buffered_bytes: u64,
    next_correlation: u64,
    /// Next idempotent sequence number per partition.
    sequences: BTreeMap<TopicPartition, u64>,
    /// The sequence after the last acknowledged one, per partition, in this generation
    /// (`TransactionManager.lastAckedSequence` + 1; absent means nothing acked yet).
    acked_sequences: BTreeMap<TopicPartition, u64>,
    /// Partitions that have had a batch: adaptive partitioning waits until all have
    /// (`RecordAccumulator.partitionReady` builds queue sizes from its batches map).
    batched: BTreeSet<PartitionId>,
    /// How many times this producer took a fresh producer id after the broker lost track of
    /// its sequence numbers (KIP-360's epoch bump, modelled as a new id).
    id_generation: u64,
    /// The reconnect backoff (`ClusterConnectionStates.reconnectBackoff`).
    reconnect: ExponentialBackoff,
    /// Nodes whose connection failed, broke or timed out: not tried before the time, and
    /// how many times in a row that happened (`NodeConnectionState.failedAttempts`).
    blacked_out: BTreeMap<NodeName, (SimTime, u32)>,
}

impl Producer {
    /// Producer number `index` (its records' ids carry it), sending `workload` to `topic`.
    pub fn new(
        index: u32,
        config: ProducerConfig,
        topic: TopicName,
        bootstrap: Vec<NodeName>,
        workload: Workload,
        seed: u64,
    ) -> Producer {
        // The partitioner's draws come from stream 1 of the producer's seed (the workload's
        // keys use stream 0), so neither shifts the other.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        let partitioner = Partitioner::new(config.unkeyed, config.batch_size.max(1), config.adaptive_partitioning, rng);
        let mut jitter = ChaCha8Rng::seed_from_u64(seed);
        jitter.set_stream(2);
        let backoff = ExponentialBackoff::new(config.retry_backoff, config.retry_backoff_max, jitter);
        let metadata_backoff = config.retry_backoff;
        let mut reconnect_jitter = ChaCha8Rng::seed_from_u64(seed);
        reconnect_jitter.set_stream(3);
        let reconnect =
            ExponentialBackoff::new(config.reconnect_backoff, config.reconnect_backoff_max, reconnect_jitter);
        Producer {
            index,
            config,
            topic,
            bootstrap,
            workload: WorkloadCursor::new(workload, seed),
            partitioner,
            backoff,
            metadata: MetadataState { stale: true, retry_backoff: metadata_backoff, ..Default::default() },
            next_seq: 0,
            blocked_since: None,
            batches: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            buffered_bytes: 0,
            next_correlation: 0,
            sequences: BTreeMap::new(),
            acked_sequences: BTreeMap::new(),
            batched: BTreeSet::new(),
            id_generation: 0,
            reconnect,
            blacked_out: BTreeMap::new(),
        }
    }

    fn correlation(&mut self) -> CorrelationId {
        self.next_correlation += 1;
        CorrelationId(self.next_correlation)
    }

    fn partitions(&self) -> Option<u32> {
        let n = self.metadata.image.as_ref()?.topics.get(&self.topic)?.partitions.len() as u32;
        (n > 0).then_some(n)
    }

    /// Play the workload: hand due records to the accumulator, or block like `send()` does.
    fn generate(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        while self.workload.is_due(now) {
            let blocked_on = match self.partitions() {
                None => Some(ErrorCode::MetadataTimeout),
                Some(_) if self.buffered_bytes >= self.config.buffer_memory => Some(ErrorCode::BufferExhausted),
                Some(_) => None,
            };
            if let Some(error) = blocked_on {
                let since = *self.blocked_since.get_or_insert(now);
                if now.since(since) < self.config.max_block {
                    break;
                }
                // `send()` throws after max.block.ms: the application sees the error for this record.
                let (id, _, _) = self.next_record();
                out.push(Output::Emit(Event::SendFailed { ids: vec![id], error }));
                self.blocked_since = Some(now);
                continue;
            }
            if self.blocked_since.take().is_some() {
                self.workload.resume_after_block(now);
            }
            out.push(self.accumulate(now));
        }
        out
    }

    fn next_record(&mut self) -> (RecordId, Option<bytes::Bytes>, bytes::Bytes) {
        let (key, value) = self.workload.next_record();
        let id = RecordId { producer: self.index, seq: self.next_seq };
        self.next_seq += 1;
        (id, key, value)
    }

    /// What the partitioner sees of the topic: partitions with a leader and, once every
    /// partition has had a batch, the batches queued per available partition.
    fn view(&self) -> Option<PartitionView> {
        let image = self.metadata.image.as_ref()?;
        let partitions = self.partitions()?;
        let tps = image.partitions_of(&self.topic);
        let available: Vec<PartitionId> = tps
            .iter()
            .filter(|tp| image.partition(tp).is_some_and(|p| p.leader.is_some()))
            .map(|tp| tp.partition)
            .collect();
        let queue_sizes = (self.batched.len() as u32 >= partitions).then(|| {
            available
                .iter()
                .map(|p| {
                    self.batches
                        .get(&TopicPartition { topic: self.topic.clone(), partition: *p })
                        .map_or(0, |q| q.len())
                })
                .collect()
        });
        Some(PartitionView { partitions, available, queue_sizes })
    }

    /// Whether every batch queued for `partition` is full: `RecordAccumulator.allBatchesFull`
    /// (an empty queue counts as full; only the last batch can still be filling).
    fn all_batches_full(&self, partition: PartitionId) -> bool {
        let tp = TopicPartition { topic: self.topic.clone(), partition };
        self.batches.get(&tp).and_then(|q| q.back()).is_none_or(|b| b.bytes >= self.config.batch_size)
    }

    fn accumulate(&mut self, now: SimTime) -> Output {
        let (id, key, value) = self.next_record();
        let view = self.view().expect("generate checked the topic's metadata");
        if let (None, Some(current)) = (&key, self.partitioner.sticky_partition()) {
            // `RecordAccumulator.partitionChanged`: a switch held back while a batch was
            // filling happens once the queue's batches are all full (or sent).
            let full = self.all_batches_full(current);
            self.partitioner.on_appended(current, 0, full, &view);
        }
        let partition = self.partitioner.choose(key.as_deref(), &view);
        let tp = TopicPartition { topic: self.topic.clone(), partition };
        let record = NewRecord { id, key: key.clone(), value: value.clone(), timestamp: now };
        let size = record.size_bytes();
        self.batched.insert(partition);
        let queue = self.batches.entry(tp.clone()).or_default();
        let fits = queue.back().is_some_and(|b| !b.closed && b.bytes + size <= self.config.batch_size);
        if !fits {
            queue.push_back(Batch {
                records: Vec::new(),
                bytes: 0,
                created_at: now,
                attempts: 0,
                retry_at: now,
                sequence: None,
                closed: false,
            });
        }
        let batch = queue.back_mut().expect("a batch was just ensured");
        batch.records.push(record);
        batch.bytes += size;
        self.buffered_bytes += size;
        if key.is_none() {
            let full = self.all_batches_full(partition);
            self.partitioner.on_appended(partition, size, full, &view);
        }
        Output::Emit(Event::Sent { id, tp, key, value })
    }

    /// Fail batches that waited longer than `delivery.timeout.ms` in the accumulator.
    fn expire(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        let timeout = self.config.delivery_timeout;
        let mut gave_up = false;
        for queue in self.batches.values_mut() {
            while let Some(b) = queue.front() {
                if now.since(b.created_at) < timeout {
                    break;
                }
                let b = queue.pop_front().expect("front exists");
                self.buffered_bytes -= b.bytes;
                out.push(Output::Emit(Event::SendFailed { ids: b.ids(), error: ErrorCode::DeliveryTimeout }));
                if b.sequence.is_some() {
                    gave_up = true;
                }
            }
        }
        if gave_up {
            self.reset_sequences();
        }
        out
    }

    /// A numbered batch of the current generation failed for good: its sequence numbers
    /// leave a gap the leader would refuse every later batch for. Kafka's
    /// `TransactionManager.handleFailedBatch` (with `adjustSequenceNumbers`) then requests an
    /// epoch bump for the partition, which rewrites the outstanding sequences from 0.
    fn bump_after_giving_up(&mut self, batch: &Batch, sent_id: u64) {
        if batch.sequence.is_some() && sent_id == self.producer_id() {
            self.reset_sequences();
        }
    }

    /// Time out requests that got no answer within `request.timeout.ms`. Like Kafka's
    /// `NetworkClient.handleTimedOutRequests`, a timeout closes the connection to that node:
    /// every request in flight on it fails as timed out (`processTimeoutDisconnection`), the
    /// metadata is refreshed from another node (`handleServerDisconnect`), and the retry
    /// connects afresh — to the new leader if the refresh already names one. Before that,
    /// in-flight batches that reached `delivery.timeout.ms` fail without waiting for their
    /// answer, as `Sender.getExpiredInflightBatches` does (a late answer is then ignored).
    fn time_out_requests(&mut self, now: SimTime) -> Vec<Output> {
        let delivery = self.config.delivery_timeout;
        let expired: Vec<CorrelationId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.deadline > now && now.since(f.batch.created_at) >= delivery)
            .map(|(c, _)| *c)
            .collect();
        let mut out = Vec::new();
        for c in expired {
            let f = self.in_flight.remove(&c).expect("expired requests are in flight");
            out.extend(self.failed_attempt(now, f, ErrorCode::DeliveryTimeout));
        }
        let nodes: BTreeSet<NodeName> =
            self.in_flight.values().filter(|f| f.deadline <= now).map(|f| f.broker.clone()).collect();
        for node in nodes {
            self.metadata.on_disconnect(now, &node);
            self.black_out(now, &node);
            out.push(Output::Disconnect { peer: node.clone() });
            let on_it: Vec<CorrelationId> =
                self.in_flight.iter().filter(|(_, f)| f.broker == node).map(|(c, _)| *c).collect();
            for c in on_it {
                let f = self.in_flight.remove(&c).expect("listed as in flight");
                out.push(Output::Emit(Event::RequestTimedOut { peer: f.broker.clone() }));
                out.extend(self.failed_attempt(now, f, ErrorCode::RequestTimedOut));
            }
        }
        out
    }

    /// Kafka's `Sender.sendProducerData` drains only for nodes that are ready
    /// (`NetworkClient.ready`): a node whose connection failed is not tried again before its
    /// reconnect backoff is over (`ClusterConnectionStates.isBlackedOut`).
    fn is_blacked_out(&self, node: &NodeName, now: SimTime) -> bool {
        self.blacked_out.get(node).is_some_and(|(until, _)| now < *until)
    }

    /// The connection to `node` failed: wait `reconnect.backoff.ms`, doubling per failure in
    /// a row up to `reconnect.backoff.max.ms` (`ClusterConnectionStates.updateReconnectBackoff`).
    fn black_out(&mut self, now: SimTime, node: &NodeName) {
        let failures = self.blacked_out.get(node).map_or(0, |(_, n)| *n);
        let until = now.plus(self.reconnect.backoff(failures));
        self.blacked_out.insert(node.clone(), (until, failures + 1));
    }

    /// The driver could not connect to `peer`, so the requests queued for it were never
    /// written. In Kafka they would not have left the accumulator (the node was not ready):
    /// their batches go back to their queues, in sequence order, without spending an attempt,
    /// and wait for the reconnect backoff or for the metadata refresh
    /// (`NetworkClient.initiateConnect` → `metadataUpdater.handleServerDisconnect`) to name
    /// another leader.
    fn on_connect_failed(&mut self, now: SimTime, peer: &NodeName) -> Vec<Output> {
        self.metadata.on_disconnect(now, peer);
        self.black_out(now, peer);
        let unsent: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, f)| f.broker == *peer).map(|(c, _)| *c).collect();
        let requeued = unsent.len() as u32;
        for c in unsent.into_iter().rev() {
            let f = self.in_flight.remove(&c).expect("listed as in flight");
            self.requeue(f.tp, f.batch);
        }
        vec![Output::Emit(Event::ConnectFailed { peer: peer.clone(), requeued })]
    }

    /// Put a batch that left back at the head of its queue (`RecordAccumulator.reenqueue`):
    /// numbered batches in sequence order (`insertInSequenceOrder`), so an idempotent
    /// producer resends them in the order the broker expects; others first.
    fn requeue(&mut self, tp: TopicPartition, batch: Batch) {
        let queue = self.batches.entry(tp).or_default();
        let at = match batch.sequence {
            Some(s) => queue.iter().position(|b| b.sequence.is_none_or(|t| t > s)).unwrap_or(queue.len()),
            None => 0,
        };
        queue.insert(at, batch);
    }

    fn in_flight_to(&self, broker: &NodeName) -> u32 {
        self.in_flight.values().filter(|f| f.broker == *broker).count() as u32
    }

    fn is_ready(&self, b: &Batch, more_behind: bool, now: SimTime) -> bool {
        let full = b.bytes >= self.config.batch_size;
        let lingered = now.since(b.created_at) >= self.config.linger;
        (full || lingered || more_behind || b.attempts > 0) && now >= b.retry_at
    }

    /// Send every ready batch whose leader is known and has room in flight.
    fn drain(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        let tps: Vec<TopicPartition> = self.batches.keys().cloned().collect();
        for tp in tps {
            let Some(leader) = self.metadata.image.as_ref().and_then(|m| m.leader_node(&tp)).cloned() else {
                continue;
            };
            if self.is_blacked_out(&leader, now) {
                continue;
            }
            while let Some(front) = self.batches[&tp].front() {
                let more_behind = self.batches[&tp].len() > 1;
                if !self.is_ready(front, more_behind, now)
                    || self.in_flight_to(&leader) >= self.config.max_in_flight
                    || self.must_wait_for_sequence(&tp, front)
                {
                    break;
                }
                let batch = self.batches.get_mut(&tp).and_then(|q| q.pop_front()).expect("front exists");
                out.extend(self.send_batch(now, tp.clone(), batch, leader.clone()));
            }
        }
        self.batches.retain(|_, q| !q.is_empty());
        out
    }

    /// Kafka's `RecordAccumulator.shouldStopDrainBatchesForPartition`, for an idempotent
    /// producer: a batch without a sequence waits while the partition has requests of a stale
    /// producer id/epoch in flight (else a new generation's batch could land before them), and
    /// a retried batch (it has a sequence) goes only when it is the first outstanding one in
    /// sequence order (`firstInFlightSequence`), so retries are resent one at a time, in order.
    fn must_wait_for_sequence(&self, tp: &TopicPartition, front: &Batch) -> bool {
        if !self.config.idempotence {
            return false;
        }
        let flying = || self.in_flight.values().filter(|f| f.tp == *tp);
        match front.sequence {
            None => flying().any(|f| f.sent_id != self.producer_id()),
            Some(s) => flying().any(|f| f.batch.sequence.is_some_and(|t| t < s)),
        }
    }

    fn send_batch(&mut self, now: SimTime, tp: TopicPartition, mut batch: Batch, broker: NodeName) -> Vec<Output> {
        batch.closed = true;
        let correlation = self.correlation();
        let idempotence = if self.config.idempotence {
            let next = self.sequences.entry(tp.clone()).or_insert(0);
            let base_sequence = *batch.sequence.get_or_insert_with(|| {
                let s = *next;
                *next += batch.records.len() as u64;
                s
            });
            Some(ProducerSequence { producer_id: self.producer_id(), base_sequence })
        } else {
            None
        };
        let request = Request::Produce(ProduceRequest {
            tp: tp.clone(),
            acks: self.config.acks,
            records: batch.records.clone(),
            idempotence,
        });
        let event = Event::ProduceRequested {
            tp: tp.clone(),
            ids: batch.ids(),
            acks: self.config.acks,
            broker: broker.clone(),
            attempt: batch.attempts,
        };
        let out = vec![Output::Emit(event), Output::Send { to: broker.clone(), correlation, request }];
        if self.config.acks == Acks::None {
            // Fire and forget: the send is complete as soon as the request leaves.
            self.buffered_bytes -= batch.bytes;
        } else {
            let deadline = now.plus(self.config.request_timeout);
            let sent_id = self.producer_id();
            self.in_flight.insert(correlation, InFlight { tp, batch, broker, deadline, sent_id });
        }
        out
    }

    /// A produce attempt failed: retry it (at the head of its queue) or give up.
    fn failed_attempt(&mut self, now: SimTime, f: InFlight, error: ErrorCode) -> Vec<Output> {
        let mut batch = f.batch;
        let in_time = now.since(batch.created_at) < self.config.delivery_timeout;
        let will_retry = error.is_retriable() && batch.attempts < self.config.retries && in_time;
        let mut out = vec![Output::Emit(Event::ProduceError { tp: f.tp.clone(), ids: batch.ids(), error, will_retry })];
        if matches!(
            error,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::LeaderNotAvailable
                | ErrorCode::NetworkException
                | ErrorCode::RequestTimedOut
        ) {
            self.metadata.invalidate();
        }
        // `TransactionManager.canRetry`: an out-of-order answer to the batch right after the
        // last acknowledged one (`isNextSequence`), numbered under the current generation,
        // means a real gap: bump the epoch (`requestIdempotentEpochBumpForPartition`). An
        // answer to a batch sent under an older generation (its sequence was rewritten since,
        // `sequenceHasBeenReset`) or to one that is not next (a later batch was acknowledged
        // first, say at a new leader that had no state for us) is just retried: it keeps being
        // refused until `delivery.timeout.ms` fails it, so it never lands behind later records.
        let next_expected = self.acked_sequences.get(&f.tp).copied().unwrap_or(0);
        let is_next = batch.sequence == Some(next_expected);
        if error == ErrorCode::OutOfOrderSequenceNumber && is_next && f.sent_id == self.producer_id() {
            // The failed batch is outstanding too: it is renumbered with the others, in order.
            let first_id = batch.records[0].id;
            let queue = self.batches.entry(f.tp.clone()).or_default();
            let at = queue.iter().position(|b| b.sequence.is_none_or(|t| t > batch.sequence.unwrap_or(0)));
            queue.insert(at.unwrap_or(queue.len()), batch);
            self.reset_sequences();
            let queue = self.batches.get_mut(&f.tp).expect("just inserted");
            let at = queue.iter().position(|b| b.records[0].id == first_id).expect("just inserted");
            batch = queue.remove(at).expect("just found");
        }
        if will_retry {
            batch.attempts += 1;
            // `RecordAccumulator.shouldBackoff`: wait `retryBackoff.backoff(attempts - 1)`.
            batch.retry_at = now.plus(self.backoff.backoff(batch.attempts - 1));
            self.requeue(f.tp, batch);
        } else {
            self.buffered_bytes -= batch.bytes;
            let error = if in_time { error } else { ErrorCode::DeliveryTimeout };
            out.push(Output::Emit(Event::SendFailed { ids: batch.ids(), error }));
            self.bump_after_giving_up(&batch, f.sent_id);
        }
        out
    }

    fn on_produce_response(&mut self, now: SimTime, correlation: CorrelationId, resp: ProduceResponse) -> Vec<Output> {
        // An answer to a request that already timed out is ignored, as in Kafka's client.
        let Some(f) = self.in_flight.remove(&correlation) else { return Vec::new() };
        match resp.result {
            Ok(base_offset) => {
                self.buffered_bytes -= f.batch.bytes;
                if let (Some(s), true) = (f.batch.sequence, f.sent_id == self.producer_id()) {
                    // `TransactionManager.handleCompletedBatch` → `updateLastAckedSequence` (a max).
                    let end = s + f.batch.records.len() as u64;
                    let acked = self.acked_sequences.entry(f.tp.clone()).or_insert(0);
                    *acked = (*acked).max(end);
                }
                vec![Output::Emit(Event::Acked { tp: f.tp, base_offset, ids: f.batch.ids() })]
            }
            Err(error) => self.failed_attempt(now, f, error),
        }
    }

    fn on_disconnect(&mut self, now: SimTime, peer: &NodeName) -> Vec<Output> {
        self.metadata.on_disconnect(now, peer);
        self.black_out(now, peer);
        let lost: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, f)| f.broker == *peer).map(|(c, _)| *c).collect();
        let mut out = Vec::new();
        for c in lost {
            let f = self.in_flight.remove(&c).expect("listed as in flight");
            out.extend(self.failed_attempt(now, f, ErrorCode::NetworkException));
        }
        out
    }

    /// Ask for fresh metadata while a partition with queued batches has no known leader.
    /// Kafka's `Sender.sendProducerData` does this on every pass: `RecordAccumulator.ready`
    /// collects `unknownLeaderTopics` (partitions whose deque is non-empty but whose leader is
    /// unknown, e.g. offline after its only replica's broker was fenced) and the sender calls
    /// `metadata.requestUpdate(false)`, so the client re-asks every `retry.backoff.ms` until
    /// an election names a leader. Without it the producer kept the leaderless image until
    /// `metadata.max.age.ms` and never wrote to the partition once its broker returned.
    fn refresh_for_unknown_leaders(&mut self) {
        let Some(image) = self.metadata.image.as_ref() else { return };
        if self.batches.iter().any(|(tp, q)| !q.is_empty() && image.leader_node(tp).is_none()) {
            self.metadata.invalidate();
        }
    }

    fn check_invariants(&self) {
        let queued: u64 = self.batches.values().flatten().map(|b| b.bytes).sum();
        let flying: u64 = self.in_flight.values().map(|f| f.batch.bytes).sum();
        assert_eq!(self.buffered_bytes, queued + flying, "buffer accounting drifted");
    }

    /// The producer id of an idempotent producer. Kafka's brokers hand these out
    /// (`InitProducerId`); kafkasim derives it from the producer's index so it is stable.
    pub fn producer_id(&self) -> u64 {
        1000 + self.index as u64 + (self.id_generation << 32)
    }

    /// The leader refused a batch as out of order although nothing earlier is outstanding:
    /// it lost the records that carried our earlier sequence numbers (an unclean election, a
    /// truncation). Like Kafka since KIP-360, start over with a fresh identity: new producer
    /// id, sequence numbers from 0, and every unacknowledged batch renumbered at its next send.
    ///
    /// Kafka's `TransactionManager.bumpIdempotentProducerEpoch` rewrites the sequences of the
    /// partition's in-flight batches from 0, in sequence order (`startSequencesAtBeginning`),
    /// and the retries then go out in that order. kafkasim's new id applies to every partition,
    /// so every partition's outstanding numbered batches (queued retries and requests still on
    /// the wire) are renumbered that way; batches never sent stay unnumbered.
    fn reset_sequences(&mut self) {
        self.id_generation += 1;
        self.sequences.clear();
        self.acked_sequences.clear();
        let mut outstanding: BTreeMap<TopicPartition, Vec<(u64, &mut Batch)>> = BTreeMap::new();
        for (tp, q) in self.batches.iter_mut() {
            for b in q.iter_mut() {
                if let Some(s) = b.sequence {
                    outstanding.entry(tp.clone()).or_default().push((s, b));
                }
            }
        }
        for f in self.in_flight.values_mut() {
            if let Some(s) = f.batch.sequence {
                outstanding.entry(f.tp.clone()).or_default().push((s, &mut f.batch));
            }
        }
        for (tp, mut batches) in outstanding {
            batches.sort_by_key(|(s, _)| *s);
            let mut next = 0;
            for (_, b) in batches {
                b.sequence = Some(next);
                next += b.records.len() as u64;
            }
            self.sequences.insert(tp, next);
        }
    }

    /// `send()` one record now, for an application that decides when to send (the order
    /// service) rather than following a workload. Returns the id the record will carry, so the
    /// application can match its acknowledgement or failure in this producer's events.
    pub fn enqueue(&mut self, key: Option<bytes::Bytes>, value: bytes::Bytes) -> RecordId {
        assert!(self.workload.is_done(), "enqueue is for producers without a workload of their own");
        let id = RecordId { producer: self.index, seq: self.next_seq + self.workload.fed() as u64 };
        self.workload.push(key, value);
        id
    }

    /// The partition a record with `key` would go to, given current metadata (for tests).
    pub fn partition_for(&mut self, key: Option<&[u8]>) -> Option<PartitionId> {
        let view = self.view()?;
        Some(self.partitioner.choose(key, &view))
    }
}

impl Node for Producer {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        if let Input::Response { from, .. } = &input {
            self.metadata.on_answer(from);
            // Connected again: `ClusterConnectionStates.ready` clears the failed attempts.
            self.blacked_out.remove(from);
        }
        let mut out = match input {
            Input::Tick => Vec::new(),
            Input::Response { correlation, response: Response::Produce(r), .. } => {
                self.on_produce_response(now, correlation, r)
            }
            Input::Response { correlation, response: Response::Metadata(image), .. } => {
                let topics = [self.topic.clone()];
                self.metadata.on_response(now, correlation, image, &topics, self.config.retry_backoff);
                Vec::new()
            }
            Input::Response { .. } | Input::Request { .. } => Vec::new(),
            Input::Disconnected { peer } => self.on_disconnect(now, &peer),
            Input::ConnectFailed { peer } => self.on_connect_failed(now, &peer),
        };
        self.refresh_for_unknown_leaders();
        if now >= self.workload.start() {
            let correlation = CorrelationId(self.next_correlation + 1);
            let topics = [self.topic.clone()];
            let cfg = &self.config;
            if let Some(req) = self.metadata.maybe_request(
                now,
                &self.bootstrap,
                &topics,
                correlation,
                cfg.metadata_max_age,
                cfg.request_timeout,
            ) {
                self.next_correlation += 1;
                out.push(req);
            }
        }
        out.extend(self.time_out_requests(now));
        out.extend(self.expire(now));
        out.extend(self.generate(now));
        out.extend(self.drain(now));
        self.check_invariants();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::workload::{KeySource, ValueSource};
    use crate::protocol::metadata::{PartitionMetadata, TopicMetadata};
    use crate::types::{BrokerId, LeaderEpoch};

    fn config(acks: Acks) -> ProducerConfig {
        ProducerConfig {
            acks,
            linger: SimDuration::ZERO,
            batch_size: 16_384,
            max_in_flight: 5,
            retries: 10,
            retry_backoff: SimDuration::from_millis(100),
            retry_backoff_max: SimDuration::from_millis(100),
            reconnect_backoff: SimDuration::from_millis(50),
            reconnect_backoff_max: SimDuration::from_millis(1000),
            request_timeout: SimDuration::from_millis(1_000),
            delivery_timeout: SimDuration::from_millis(120_000),
            buffer_memory: 1 << 25,
            max_block: SimDuration::from_millis(60_000),
            metadata_max_age: SimDuration::from_millis(300_000),
            unkeyed: UnkeyedStrategy::Sticky,
            adaptive_partitioning: true,
            idempotence: false,
        }
    }

    fn node(b: u32) -> NodeName {
        NodeName::broker(BrokerId(b))
    }

    /// Three brokers; topic `t` has one partition led by `leader`.
    fn image(leader: u32) -> MetadataImage {
        let mut image = MetadataImage { version: leader as u64, ..Default::default() };
        for b in 1..=3 {
            image.brokers.insert(BrokerId(b), node(b));
        }
        let p = PartitionMetadata {
            leader: Some(BrokerId(leader)),
            leader_epoch: LeaderEpoch(leader),
            replicas: (1..=3).map(BrokerId).collect(),
            isr: (1..=3).map(BrokerId).collect(),
            partition_epoch: 0,
        };
        image.topics.insert(TopicName::new("t"), TopicMetadata { partitions: vec![p], config: BTreeMap::new() });
        image
    }

    /// A producer of one record at 10 ms that got metadata naming broker 1 leader at 11 ms,
    /// and what it did then (it sent the record).
    fn producer(acks: Acks) -> (Producer, Vec<Output>) {
        let workload = Workload {
            start: SimTime::from_millis(10),
            interval: SimDuration::from_millis(1_000),
            count: Some(1),
            values: ValueSource::Template("{n}".into()),
            value_bytes: None,
            keys: KeySource::None,
        };
        let mut p = Producer::new(0, config(acks), TopicName::new("t"), vec![node(1), node(2), node(3)], workload, 7);
        let out = p.step(SimTime::from_millis(10), Input::Tick);
        let correlation = metadata_request(&out).expect("a new producer asks for metadata").1;
        let answer = Input::Response { from: node(1), correlation, response: Response::Metadata(image(1)) };
        let sent = p.step(SimTime::from_millis(11), answer);
        (p, sent)
    }

    fn metadata_request(out: &[Output]) -> Option<(NodeName, CorrelationId)> {
        out.iter().find_map(|o| match o {
            Output::Send { to, correlation, request: Request::Metadata { .. } } => Some((to.clone(), *correlation)),
            _ => None,
        })
    }

    fn produce_to(out: &[Output]) -> Option<NodeName> {
        out.iter().find_map(|o| match o {
            Output::Send { to, request: Request::Produce(_), .. } => Some(to.clone()),
            _ => None,
        })
    }

    /// `NetworkClient.handleTimedOutRequests` + `leastLoadedNode`: a produce that times out
    /// closes the connection to its broker, the metadata refresh goes to another broker (not
    /// the dead leader, which would cost another timeout), and the retry goes to the leader
    /// that refresh names.
    #[test]
    fn a_timeout_refreshes_metadata_elsewhere_and_retries_at_the_new_leader() {
        let (mut p, sent) = producer(Acks::All);
        assert_eq!(produce_to(&sent), Some(node(1)));
        let out = p.step(SimTime::from_millis(1_011), Input::Tick);
        assert!(out.contains(&Output::Disconnect { peer: node(1) }), "a timeout closes the connection: {out:?}");
        let out = p.step(SimTime::from_millis(1_012), Input::Tick);
        let (to, correlation) = metadata_request(&out).expect("a timeout asks for fresh metadata");
        assert_ne!(to, node(1), "the refresh must not ask the broker that just timed out");
        let answer = Input::Response { from: to, correlation, response: Response::Metadata(image(2)) };
        p.step(SimTime::from_millis(1_014), answer);
        let out = p.step(SimTime::from_millis(1_111), Input::Tick);
        assert_eq!(produce_to(&out), Some(node(2)), "the retry goes to the elected leader");
    }

    /// `Sender.sendProducerData` drains only for ready nodes: a refused connection spends no
    /// attempt, the batch is closed for appends, the node waits out `reconnect.backoff.ms`, and
    /// the batch goes, still at attempt 0, to the leader the metadata refresh names.
    #[test]
    fn a_refused_connection_costs_the_batch_nothing_and_it_goes_to_the_new_leader() {
        let (mut p, sent) = producer(Acks::All);
        assert_eq!(produce_to(&sent), Some(node(1)));
        let out = p.step(SimTime::from_millis(12), Input::ConnectFailed { peer: node(1) });
        assert!(!out.iter().any(|o| matches!(o, Output::Emit(Event::ProduceError { .. }))), "{out:?}");
        assert_eq!(p.in_flight_to(&node(1)), 0);
        p.enqueue(None, bytes::Bytes::from_static(b"later"));
        let out = p.step(SimTime::from_millis(13), Input::Tick);
        assert_eq!(produce_to(&out), None, "broker 1 is in its reconnect backoff");
        let queued: Vec<usize> = p.batches.values().flat_map(|q| q.iter().map(|b| b.records.len())).collect();
        assert_eq!(queued, vec![1, 1], "the requeued batch takes no new records");
        // The refresh waits out `retry.backoff.ms` since the last answer; by then broker 1's
        // reconnect backoff (50 ms ±20%) is over and the batch is tried there again, free.
        let out = p.step(SimTime::from_millis(111), Input::Tick);
        let (to, correlation) = metadata_request(&out).expect("a refused connection asks for fresh metadata");
        assert_ne!(to, node(1));
        assert_eq!(produce_to(&out), Some(node(1)), "after the reconnect backoff: {out:?}");
        p.step(SimTime::from_millis(112), Input::ConnectFailed { peer: node(1) });
        let answer = Input::Response { from: to, correlation, response: Response::Metadata(image(2)) };
        let out = p.step(SimTime::from_millis(113), answer);
        let attempts: Vec<(NodeName, u32)> = out
            .iter()
            .filter_map(|o| match o {
                Output::Emit(Event::ProduceRequested { broker, attempt, .. }) => Some((broker.clone(), *attempt)),
                _ => None,
            })
            .collect();
        assert_eq!(attempts.first(), Some(&(node(2), 0)), "{out:?}");
    }
    /// Every request on a connection that timed out fails with it (`processTimeoutDisconnection`).
    #[test]
    fn a_timeout_fails_every_request_on_that_connection() {
        let (mut p, _) = producer(Acks::All);
        p.enqueue(None, bytes::Bytes::from_static(b"second"));
        p.step(SimTime::from_millis(500), Input::Tick);
        assert_eq!(p.in_flight_to(&node(1)), 2);
        p.step(SimTime::from_millis(1_011), Input::Tick);
        assert_eq!(p.in_flight_to(&node(1)), 0, "the younger request fails with the older one");
    }

    /// `acks=0` hears of an error only as a closed connection; it must then refresh metadata
    /// (`handleServerDisconnect`: `metadata.requestUpdate()`), though nothing was in flight.
    #[test]
    fn acks_zero_refreshes_metadata_when_the_broker_closes_the_connection() {
        let (mut p, sent) = producer(Acks::None);
        assert_eq!(produce_to(&sent), Some(node(1)));
        let quiet = p.step(SimTime::from_millis(111), Input::Tick);
        assert_eq!(metadata_request(&quiet), None);
        let out = p.step(SimTime::from_millis(200), Input::Disconnected { peer: node(1) });
        let (to, _) = metadata_request(&out).expect("a closed connection asks for fresh metadata");
        assert_ne!(to, node(1));
    }

    /// `Sender.sendProducerData`'s `unknownLeaderTopics`: while a partition holding batches
    /// has no leader, the producer keeps asking for metadata every `retry.backoff.ms` and so
    /// sends to the leader an election names later, rather than waiting `metadata.max.age.ms`.
    #[test]
    fn a_leaderless_partition_with_batches_keeps_refreshing_metadata() {
        let (mut p, _) = producer(Acks::All);
        let out = p.step(SimTime::from_millis(1_011), Input::Tick);
        assert!(out.contains(&Output::Disconnect { peer: node(1) }), "{out:?}");
        let out = p.step(SimTime::from_millis(1_012), Input::Tick);
        let (to, correlation) = metadata_request(&out).expect("a timeout asks for fresh metadata");
        let mut offline = image(1);
        offline.topics.values_mut().for_each(|t| t.partitions[0].leader = None);
        p.step(
            SimTime::from_millis(1_014),
            Input::Response { from: to, correlation, response: Response::Metadata(offline) },
        );
        let out = p.step(SimTime::from_millis(1_200), Input::Tick);
        let (to, correlation) = metadata_request(&out).expect("an unknown leader with queued batches asks again");
        let answer = Input::Response { from: to, correlation, response: Response::Metadata(image(2)) };
        let out = p.step(SimTime::from_millis(1_202), answer);
        assert_eq!(produce_to(&out), Some(node(2)), "the batch goes to the leader elected meanwhile");
    }
}
