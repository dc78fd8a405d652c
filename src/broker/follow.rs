//! The follower's loop: truncate what the new leader does not have, then fetch forever.

use super::{Broker, Outgoing, Role};
use crate::node::Output;
use crate::protocol::fetch::{
    FetchRequest, FetchResponse, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse, ReplicaFetch,
};
use crate::protocol::{ErrorCode, Request};
use crate::replication::follower::{truncation_state, Phase};
use crate::replication::TruncationMode;
use crate::trace::Event;
use crate::types::{Offset, SimTime, TopicPartition};

impl Broker {
    /// Send the next request of every follower partition that has none out.
    pub(super) fn tick_followers(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        // Only followers with nothing in flight can act: skip the rest without cloning names
        // (a broker may host hundreds of partitions, and this runs every tick).
        let due = |r: &super::Replica| match &r.role {
            Role::Follower(fs) => fs.in_flight.is_none_or(|deadline| now >= deadline) && now >= fs.retry_at,
            _ => false,
        };
        let tps: Vec<TopicPartition> =
            self.partitions.iter().filter(|(_, r)| due(r)).map(|(tp, _)| tp.clone()).collect();
        for tp in tps {
            out.extend(self.follower_step(now, &tp));
        }
        out
    }

    fn follower_step(&mut self, now: SimTime, tp: &TopicPartition) -> Vec<Output> {
        let truncation = self.config.truncation;
        let timeout =
            crate::types::SimDuration(self.config.replica_request_timeout.0 + self.config.replica_fetch_wait_max.0);
        let Some(replica) = self.partitions.get_mut(tp) else { return Vec::new() };
        let Role::Follower(fs) = &mut replica.role else { return Vec::new() };
        if fs.in_flight.is_some_and(|deadline| now < deadline) || now < fs.retry_at {
            return Vec::new();
        }
        let mut out = Vec::new();
        if fs.phase == Phase::Truncating && truncation == TruncationMode::HighWatermark {
            // Before KIP-101: cut back to our own high watermark, whatever the leader has.
            let to = replica.log.high_watermark();
            out.extend(truncate(
                replica_log(&mut self.partitions, tp),
                tp,
                to,
                "high watermark (pre-KIP-101 rule)".into(),
            ));
            let Some(Role::Follower(fs)) = self.partitions.get_mut(tp).map(|r| &mut r.role) else { return out };
            fs.phase = Phase::Fetching;
        }
        let replica = self.partitions.get_mut(tp).expect("checked above");
        let Role::Follower(fs) = &mut replica.role else { return out };
        fs.in_flight = Some(now.plus(timeout));
        let (leader_node, epoch) = (fs.leader_node.clone(), fs.epoch);
        let request = match fs.phase {
            Phase::Truncating => {
                let ours = replica.log.latest_epoch().unwrap_or_default();
                Request::OffsetsForLeaderEpoch(OffsetsForLeaderEpochRequest {
                    tp: tp.clone(),
                    epoch: ours,
                    current_leader_epoch: epoch,
                })
            }
            Phase::Fetching => Request::Fetch(FetchRequest {
                tp: tp.clone(),
                offset: replica.log.log_end_offset(),
                max_bytes: self.config.replica_fetch_max_bytes,
                min_bytes: 1,
                max_wait: self.config.replica_fetch_wait_max,
                replica: Some(ReplicaFetch { broker: self.id, leader_epoch: epoch }),
            }),
        };
        let purpose =
            if fs.phase == Phase::Truncating { Outgoing::EpochQuery(epoch) } else { Outgoing::ReplicaFetch(epoch) };
        out.push(self.send(leader_node, request, purpose));
        out
    }

    /// The leader said where our latest epoch ended: truncate there, then start fetching — or,
    /// if the leader answered with an epoch we never saw, cut to where our older epoch ended
    /// and ask again (KIP-279, `AbstractFetcherThread.truncateToEpochEndOffsets`).
    pub(super) fn on_epoch_answer(&mut self, now: SimTime, r: OffsetsForLeaderEpochResponse) -> Vec<Output> {
        let backoff = self.config.replica_fetch_backoff;
        let Some(replica) = self.partitions.get_mut(&r.tp) else { return Vec::new() };
        let Role::Follower(fs) = &mut replica.role else { return Vec::new() };
        if fs.phase != Phase::Truncating {
            return Vec::new();
        }
        fs.in_flight = None;
        let (epoch, end) = match r.result {
            Ok(answer) => answer,
            Err(_) => {
                fs.retry_at = now.plus(backoff);
                return Vec::new();
            }
        };
        let state = truncation_state(&replica.log, epoch, end);
        let reason = if state.complete {
            fs.phase = Phase::Fetching;
            format!("leader epoch {epoch} ended at offset {end} on the leader (KIP-101)")
        } else {
            format!("leader answered epoch {epoch}, unknown here: cut to our older epoch's end, ask again (KIP-279)")
        };
        let mut out = truncate(&mut replica.log, &r.tp, state.offset, reason);
        out.extend(self.follower_step(now, &r.tp));
        out
    }

    /// Records (or an error) from the leader.
    pub(super) fn on_replica_fetch(&mut self, now: SimTime, r: FetchResponse) -> Vec<Output> {
        let backoff = self.config.replica_fetch_backoff;
        let Some(replica) = self.partitions.get_mut(&r.tp) else { return Vec::new() };
        let Role::Follower(fs) = &mut replica.role else { return Vec::new() };
        if fs.phase != Phase::Fetching || r.offset != replica.log.log_end_offset() {
            return Vec::new();
        }
        fs.in_flight = None;
        let mut out = Vec::new();
        match r.result {
            Ok(fetched) => {
                if let (Some(first), Some(_)) = (fetched.records.first(), fetched.records.last()) {
                    let (base, count) = (first.offset, fetched.records.len() as u64);
                    let info = replica.log.append_records(now, fetched.records);
                    for b in &info.rolled {
                        out.push(Output::Emit(Event::SegmentRolled {
                            tp: r.tp.clone(),
                            file: format!("{:020}.log", b.0),
                        }));
                    }
                    out.push(Output::Emit(Event::Replicated { tp: r.tp.clone(), base_offset: base, count }));
                }
                let hw = fetched.high_watermark.min(replica.log.log_end_offset()).max(replica.log.log_start_offset());
                if hw > replica.log.high_watermark() {
                    replica.log.set_high_watermark(hw);
                }
                out.extend(self.follower_step(now, &r.tp));
            }
            Err(ErrorCode::OffsetOutOfRange) => {
                let Some((start, end)) = r.bounds else { return out };
                let leo = replica.log.log_end_offset();
                if leo > end {
                    out.extend(truncate(
                        &mut replica.log,
                        &r.tp,
                        end,
                        format!("above the leader's log end offset {end}"),
                    ));
                } else if leo < start {
                    replica.log.truncate_fully_and_start_at(start, now);
                    out.push(Output::Emit(Event::Truncated {
                        tp: r.tp.clone(),
                        from: leo,
                        to: start,
                        reason: "below the leader's log start offset".into(),
                    }));
                }
            }
            Err(_) => fs.retry_at = now.plus(backoff),
        }
        out
    }
}

fn replica_log<'a>(
    partitions: &'a mut std::collections::BTreeMap<TopicPartition, super::Replica>,
    tp: &TopicPartition,
) -> &'a mut crate::log::PartitionLog {
    &mut partitions.get_mut(tp).expect("the partition is hosted").log
}

/// Truncate a log to `to`, recording it if anything was removed.
fn truncate(log: &mut crate::log::PartitionLog, tp: &TopicPartition, to: Offset, reason: String) -> Vec<Output> {
    let from = log.log_end_offset();
    if to >= from {
        return Vec::new();
    }
    log.truncate_to(to);
    vec![Output::Emit(Event::Truncated { tp: tp.clone(), from, to: log.log_end_offset(), reason })]
}
