//! The produce path: checks, append, and the acknowledgement rules of `acks` and
//! `min.insync.replicas`, with the purgatory where `acks=all` requests wait for the high
//! watermark, and the duplicate check of idempotent producers.

use super::{Broker, PendingAck, Role};
use crate::node::{ConnId, Output};
use crate::protocol::produce::{Acks, ProduceRequest, ProduceResponse, ProducerSequence};
use crate::protocol::{CorrelationId, ErrorCode, Response};
use crate::trace::Event;
use crate::types::{Offset, SimTime, TopicPartition};
use std::collections::BTreeMap;

/// How long an `acks=all` produce may wait for replication (Kafka's produce `timeout.ms`).
const PRODUCE_TIMEOUT: crate::types::SimDuration = crate::types::SimDuration(30_000_000);

/// What the leader remembers of one idempotent producer in one partition: its epoch, the
/// next sequence number it expects, and where recent batches went (to answer a retried
/// duplicate with the offset it already has, as Kafka does for the last five batches).
///
/// A producer id's high 32 bits are kafkasim's stand-in for Kafka's producer epoch: the
/// producer bumps them when it starts its sequences over (KIP-360), and the low bits name
/// the producer (`Producer::producer_id`).
#[derive(Clone, Debug, Default)]
pub struct ProducerEntry {
    epoch: u64,
    next_sequence: u64,
    /// Recent runs of sequence numbers: `(first, last, offset of first)`. A leader that
    /// rebuilt its state from the log sees consecutive batches as one run, so a duplicate is
    /// any sequence inside a run, not only a run's first.
    recent: Vec<(u64, u64, Offset)>,
}

/// Idempotent producer state per (partition, producer).
#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    entries: BTreeMap<(TopicPartition, u64), ProducerEntry>,
}

/// What to do with an idempotent batch.
enum SequenceCheck {
    Append,
    Duplicate(Offset),
    OutOfOrder,
}

/// The producer and the epoch a producer id carries.
fn split(producer_id: u64) -> (u64, u64) {
    (producer_id & 0xffff_ffff, producer_id >> 32)
}

impl ProducerStates {
    fn check(&self, tp: &TopicPartition, seq: ProducerSequence) -> SequenceCheck {
        let (producer, epoch) = split(seq.producer_id);
        // Kafka's `ProducerAppendInfo.checkSequence`: a producer the partition has no state
        // for (new, or whose batches retention has deleted) has no epoch yet, and any first
        // sequence is accepted (since KIP-360 the broker no longer answers
        // `UNKNOWN_PRODUCER_ID`).
        let Some(e) = self.entries.get(&(tp.clone(), producer)) else { return SequenceCheck::Append };
        // A new epoch must start at sequence 0; an older one is fenced
        // (`checkProducerEpoch`: `InvalidProducerEpochException`, answered here as out of
        // order, which the producer retries under its current epoch).
        if epoch != e.epoch {
            return if epoch > e.epoch && seq.base_sequence == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::OutOfOrder
            };
        }
        if let Some((first, _, offset)) = e.recent.iter().find(|(f, l, _)| (*f..=*l).contains(&seq.base_sequence)) {
            return SequenceCheck::Duplicate(Offset(offset.0 + (seq.base_sequence - first)));
        }
        if seq.base_sequence == e.next_sequence {
            SequenceCheck::Append
        } else {
            SequenceCheck::OutOfOrder
        }
    }

    fn record(&mut self, tp: &TopicPartition, seq: ProducerSequence, count: u64, base: Offset) {
        let (producer, epoch) = split(seq.producer_id);
        let e = self.entries.entry((tp.clone(), producer)).or_default();
        if e.epoch != epoch {
            *e = ProducerEntry { epoch, ..Default::default() };
        }
        e.next_sequence = seq.base_sequence + count;
        e.recent.push((seq.base_sequence, seq.base_sequence + count - 1, base));
        if e.recent.len() > 5 {
            e.recent.remove(0);
        }
    }

    /// Rebuild a partition's producer state from its log, as a new leader does (Kafka reads
    /// the producer ids and sequence numbers in its batch headers).
    pub fn rebuild(&mut self, tp: &TopicPartition, log: &crate::log::PartitionLog) {
        self.entries.retain(|(t, _), _| t != tp);
        let mut batch: Option<(u64, u64, u64, Offset)> = None; // (pid, first seq, last seq, offset)
        for r in log.segments().flat_map(|s| s.records()) {
            let Some((pid, seq)) = r.producer_sequence else { continue };
            match batch {
                Some((p, first, last, base)) if p == pid && seq == last + 1 => batch = Some((p, first, seq, base)),
                _ => {
                    if let Some((p, first, last, base)) = batch {
                        self.record(
                            tp,
                            ProducerSequence { producer_id: p, base_sequence: first },
                            last - first + 1,
                            base,
                        );
                    }
                    batch = Some((pid, seq, seq, r.offset));
                }
            }
        }
        if let Some((p, first, last, base)) = batch {
            self.record(tp, ProducerSequence { producer_id: p, base_sequence: first }, last - first + 1, base);
        }
    }
}

impl Broker {
    /// Validate a produce request against this broker's state, in Kafka's order: leadership,
    /// then `min.insync.replicas` (`Partition.appendRecordsToLeader`), then the batch's size
    /// (`UnifiedLog.analyzeAndValidateRecords`).
    fn check_produce(&mut self, req: &ProduceRequest) -> Result<(), ErrorCode> {
        let max = self.config.message_max_bytes;
        if req.records.is_empty() {
            return Err(ErrorCode::InvalidConfig);
        }
        let min_isr = self.effective_min_isr(&req.tp);
        let replica = self.led(&req.tp)?;
        // An `acks=all` write to an ISR smaller than the effective min ISR is refused before it
        // is appended (`NotEnoughReplicas`).
        if let (Acks::All, Role::Leader(ls)) = (req.acks, &replica.role) {
            if ls.isr.len() < min_isr {
                return Err(ErrorCode::NotEnoughReplicas);
            }
        }
        // `message.max.bytes` bounds a whole batch, not one record: a batch larger than it is
        // refused with `MESSAGE_TOO_LARGE` (Kafka's `RecordTooLargeException`), and the
        // producer may split it and retry.
        let batch_bytes: u64 = req.records.iter().map(|r| r.size_bytes()).sum();
        if batch_bytes > max {
            return Err(ErrorCode::RecordTooLarge);
        }
        Ok(())
    }

    pub(super) fn produce(
        &mut self,
        now: SimTime,
        conn: ConnId,
        correlation: CorrelationId,
        req: ProduceRequest,
    ) -> Vec<Output> {
        let bytes: u64 = req.records.iter().map(|r| r.size_bytes()).sum();
        let mut out = Vec::new();
        let result = match self.check_produce(&req) {
            Err(e) => Err(e),
            Ok(()) => match req.idempotence.map(|s| (s, self.producers.check(&req.tp, s))) {
                Some((_, SequenceCheck::Duplicate(base))) => Ok((base, true)),
                Some((_, SequenceCheck::OutOfOrder)) => Err(ErrorCode::OutOfOrderSequenceNumber),
                Some((seq, SequenceCheck::Append)) => {
                    let base = self.append(now, &req, &mut out);
                    self.producers.record(&req.tp, seq, req.records.len() as u64, base);
                    Ok((base, false))
                }
                None => Ok((self.append(now, &req, &mut out), false)),
            },
        };
        if req.acks == Acks::None {
            // acks=0: the work is done, but the producer hears nothing back. On an error
            // Kafka's broker closes the connection instead (`KafkaApis.handleProduceRequest`:
            // `requestChannel.closeConnection`), so the producer notices and refreshes metadata.
            self.queue.schedule(now, bytes);
            if result.is_err() {
                out.push(Output::CloseConnection { conn });
            }
            return out;
        }
        match result {
            // A duplicate of a batch the log already has is acknowledged by the same rule as
            // the original: once the high watermark passes it.
            Ok((base, _)) if req.acks == Acks::All => {
                let ready = self.queue.schedule(now, bytes);
                let required = Offset(base.0 + req.records.len() as u64);
                let deadline = now.plus(PRODUCE_TIMEOUT);
                self.pending_acks.push(PendingAck {
                    conn,
                    correlation,
                    tp: req.tp.clone(),
                    base_offset: base,
                    required,
                    deadline,
                    ready,
                });
                out.extend(self.answer_acks(&req.tp));
            }
            Ok((base, _)) => {
                let response = Response::Produce(ProduceResponse { tp: req.tp.clone(), result: Ok(base) });
                out.extend(self.reply_after_service(now, bytes, conn, correlation, response));
            }
            Err(e) => {
                let response = Response::Produce(ProduceResponse { tp: req.tp.clone(), result: Err(e) });
                out.extend(self.reply_after_service(now, bytes, conn, correlation, response));
            }
        }
        out
    }

    /// Append a checked batch as leader; returns its base offset.
    fn append(&mut self, now: SimTime, req: &ProduceRequest, out: &mut Vec<Output>) -> Offset {
        let replica = self.partitions.get_mut(&req.tp).expect("check_produce found the replica");
        let Role::Leader(ls) = &replica.role else { unreachable!("check_produce checked leadership") };
        let epoch = ls.epoch;
        let ids = req.records.iter().map(|r| r.id).collect();
        let bytes = req.records.iter().map(|r| r.size_bytes()).sum();
        let stamp = req.idempotence.map(|s| (s.producer_id, s.base_sequence));
        let info = replica.log.append_idempotent(now, epoch, req.records.clone(), stamp);
        for base in &info.rolled {
            out.push(Output::Emit(Event::SegmentRolled { tp: req.tp.clone(), file: format!("{:020}.log", base.0) }));
        }
        out.push(Output::Emit(Event::Appended { tp: req.tp.clone(), base_offset: info.base_offset, ids, bytes }));
        out.extend(self.advance_high_watermark(now, &req.tp));
        out.extend(self.wake_parked(now, Some(&req.tp)));
        info.base_offset
    }

    /// Recompute a led partition's high watermark; if it moved, answer waiting requests.
    ///
    /// Kafka's `Partition.maybeIncrementLeaderHW`: while the ISR is smaller than the effective
    /// min ISR the high watermark stays where it is (KAFKA-15583, Kafka 3.7+), so records
    /// appended meanwhile are neither readable by consumers nor acknowledged to `acks=all`
    /// producers, which time out unless the ISR grows back in time.
    pub(super) fn advance_high_watermark(&mut self, now: SimTime, tp: &TopicPartition) -> Vec<Output> {
        let min_isr = self.effective_min_isr(tp);
        let ineligible: Vec<crate::types::BrokerId> = self.image.fenced.iter().copied().collect();
        let lag = self.config.replica_lag_time_max;
        let Some(replica) = self.partitions.get_mut(tp) else { return Vec::new() };
        let Role::Leader(ls) = &replica.role else { return Vec::new() };
        if ls.isr.len() < min_isr {
            return Vec::new();
        }
        let leo = replica.log.log_end_offset();
        let hw = ls.high_watermark(now, leo, lag, &ineligible, self.config.high_watermark_rule);
        if hw <= replica.log.high_watermark() {
            return Vec::new();
        }
        replica.log.set_high_watermark(hw);
        let mut out = self.answer_acks(tp);
        out.extend(self.wake_parked(now, Some(tp)));
        out
    }

    /// Answer `acks=all` produces of `tp` that the high watermark has passed.
    fn answer_acks(&mut self, tp: &TopicPartition) -> Vec<Output> {
        let Some(replica) = self.partitions.get(tp) else { return Vec::new() };
        let Role::Leader(ls) = &replica.role else { return Vec::new() };
        let hw = replica.log.high_watermark();
        // Kafka's `Partition.checkEnoughReplicasReachOffset`: a produce appended before the ISR
        // shrank is answered `NotEnoughReplicasAfterAppend` if the maximal ISR is now too small.
        let isr_ok = ls.maximal_isr().len() >= self.effective_min_isr(tp);
        let (done, waiting): (Vec<PendingAck>, Vec<PendingAck>) =
            std::mem::take(&mut self.pending_acks).into_iter().partition(|p| p.tp == *tp && hw >= p.required);
        self.pending_acks = waiting;
        // The answer also waits for the broker to have done the request's work (its service
        // time): replies whose work is still queued leave from the delayed queue.
        for p in done {
            let result = if isr_ok { Ok(p.base_offset) } else { Err(ErrorCode::NotEnoughReplicasAfterAppend) };
            let response = Response::Produce(ProduceResponse { tp: p.tp, result });
            self.delayed_seq += 1;
            self.delayed.insert(
                (p.ready, self.delayed_seq),
                Output::Reply { conn: p.conn, correlation: p.correlation, response },
            );
        }
        Vec::new()
    }

    /// Time out waiting produces.
    pub(super) fn expire_acks(&mut self, now: SimTime) -> Vec<Output> {
        let (expired, waiting): (Vec<PendingAck>, Vec<PendingAck>) =
            std::mem::take(&mut self.pending_acks).into_iter().partition(|p| p.deadline <= now);
        self.pending_acks = waiting;
        expired.into_iter().map(|p| fail_ack(p, ErrorCode::RequestTimedOut)).collect()
    }

    /// Produces waiting on partitions this broker no longer leads fail with
    /// `NotLeaderOrFollower`: the producer will retry against the new leader.
    pub(super) fn fail_acks_not_led(&mut self) -> Vec<Output> {
        let partitions = &self.partitions;
        let (lost, kept): (Vec<PendingAck>, Vec<PendingAck>) = std::mem::take(&mut self.pending_acks)
            .into_iter()
            .partition(|p| !partitions.get(&p.tp).is_some_and(|r| matches!(r.role, Role::Leader(_))));
        self.pending_acks = kept;
        lost.into_iter().map(|p| fail_ack(p, ErrorCode::NotLeaderOrFollower)).collect()
    }
}

fn fail_ack(p: PendingAck, error: ErrorCode) -> Output {
    let response = Response::Produce(ProduceResponse { tp: p.tp, result: Err(error) });
    Output::Reply { conn: p.conn, correlation: p.correlation, response }
}
