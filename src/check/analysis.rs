//! Reading a trace into the facts checkers and summaries need.
//!
//! Everything here is derived from trace events alone: what producers sent and had
//! acknowledged, what each broker appended, what each consumer received, and each log's final
//! bounds (`log-end`). No live state is consulted, so every number can be traced back to lines
//! of `trace.log`.

use crate::trace::{Event, Trace};
use crate::types::{NodeName, Offset, RecordId, SimTime, TopicName, TopicPartition};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One replica's log at the end of the run (from its broker's `log-end` event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalLog {
    /// The broker.
    pub node: NodeName,
    /// Whether it led the partition at the end.
    pub is_leader: bool,
    /// Its log start offset.
    pub log_start_offset: Offset,
    /// Its high watermark.
    pub high_watermark: Offset,
    /// Its record ids, from the log start offset on.
    pub ids: Vec<RecordId>,
}

impl FinalLog {
    /// The record at `offset`, if the log holds one.
    pub fn at(&self, offset: Offset) -> Option<RecordId> {
        let i = offset.0.checked_sub(self.log_start_offset.0)?;
        self.ids.get(i as usize).copied()
    }

    /// The log end offset.
    pub fn log_end_offset(&self) -> Offset {
        Offset(self.log_start_offset.0 + self.ids.len() as u64)
    }
}

/// The final state of one partition's log as the trace describes it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PartitionFacts {
    /// Every replica's final log, leader first.
    #[serde(skip)]
    pub replicas: Vec<FinalLog>,
    /// The final log start offset (None if the run never reported it).
    pub log_start_offset: Option<Offset>,
    /// The final high watermark.
    pub high_watermark: Option<Offset>,
    /// The final log end offset.
    pub log_end_offset: Option<Offset>,
    /// Records acknowledged to producers.
    pub acked: u64,
    /// Records delivered to consumers (all consumers together).
    pub consumed: u64,
}

/// An acknowledged record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AckedRecord {
    /// Its partition.
    pub tp: TopicPartition,
    /// The offset the broker acknowledged.
    pub offset: Offset,
    /// Its identity.
    pub id: RecordId,
    /// When the producer learned of it.
    pub at: SimTime,
}

/// One consumer's view of one partition.
#[derive(Clone, Debug, Default)]
pub struct ConsumerView {
    /// Offsets in delivery order, with a marker where the position was reset.
    pub deliveries: Vec<(Offset, RecordId)>,
    /// Indices into `deliveries` where a reset happened just before.
    pub resets: BTreeSet<usize>,
}

/// Facts extracted from a whole trace.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Records handed to `send()`.
    pub sent: u64,
    /// Acknowledged records, in acknowledgement order.
    pub acked: Vec<AckedRecord>,
    /// Records whose send failed for good, with the error name.
    pub send_failures: Vec<(RecordId, String)>,
    /// Per partition.
    pub partitions: BTreeMap<TopicPartition, PartitionFacts>,
    /// Per consumer node and partition.
    pub consumers: BTreeMap<(NodeName, TopicPartition), ConsumerView>,
    /// Topics deleted during the run.
    pub deleted_topics: BTreeSet<TopicName>,
    /// Consumer position resets of any cause (seek, auto.offset.reset, out of range).
    pub offset_resets: u64,
    /// Resets forced by `OffsetOutOfRange` (the position had been deleted by retention).
    pub out_of_range_resets: u64,
    /// Per consumer node, every delivery in arrival order: (partition, record id).
    pub arrivals: BTreeMap<NodeName, Vec<(TopicPartition, RecordId)>>,
    /// Per topic and key, the partitions records with that key were sent to.
    pub key_partitions: BTreeMap<(TopicName, Vec<u8>), BTreeSet<TopicPartition>>,
    /// Segment rolls.
    pub segments_rolled: u64,
    /// Segments deleted by retention.
    pub segments_deleted: u64,
    /// Admin errors, in order, by Kafka name.
    pub admin_errors: Vec<String>,
    /// Records delivered to consumers, all together.
    pub consumed_total: u64,
    /// Consumed records per topic.
    pub consumed_by_topic: BTreeMap<TopicName, u64>,
    /// The last event's time.
    pub end: SimTime,
    /// Scripted faults, in order: when, and what.
    pub faults: Vec<(SimTime, String)>,
    /// Leader elections: when, which partition, who, why.
    pub elections: Vec<(SimTime, TopicPartition, crate::types::BrokerId, String)>,
    /// Partitions without a leader at the end of the run.
    pub offline: BTreeSet<TopicPartition>,
    /// Truncations: when, which broker, partition, from, to, why.
    pub truncations: Vec<(SimTime, NodeName, TopicPartition, Offset, Offset, String)>,
    /// Produce errors by Kafka error name (every attempt).
    pub produce_errors: BTreeMap<String, u64>,
    /// Each partition's leader per the controller's latest decision (None: offline). A broker
    /// cut off from the controller may still believe it leads; this is the truth.
    pub leaders: BTreeMap<TopicPartition, Option<crate::types::BrokerId>>,
}

impl Analysis {
    /// Read a trace.
    pub fn of(trace: &Trace) -> Analysis {
        let mut a = Analysis::default();
        for entry in trace.entries() {
            a.end = entry.time;
            a.take(entry.time, &entry.node, &entry.event);
        }
        a
    }

    fn partition(&mut self, tp: &TopicPartition) -> &mut PartitionFacts {
        self.partitions.entry(tp.clone()).or_default()
    }

    fn take(&mut self, time: SimTime, node: &NodeName, event: &Event) {
        match event {
            Event::Sent { key, tp, .. } => {
                self.sent += 1;
                if let Some(k) = key {
                    self.key_partitions.entry((tp.topic.clone(), k.to_vec())).or_default().insert(tp.clone());
                }
            }
            Event::Acked { tp, base_offset, ids } => {
                self.partition(tp).acked += ids.len() as u64;
                for (i, id) in ids.iter().enumerate() {
                    let offset = Offset(base_offset.0 + i as u64);
                    self.acked.push(AckedRecord { tp: tp.clone(), offset, id: *id, at: time });
                }
            }
            Event::SendFailed { ids, error } => {
                self.send_failures.extend(ids.iter().map(|id| (*id, error.to_string())))
            }

            Event::Consumed { tp, records } => {
                self.partition(tp).consumed += records.len() as u64;
                self.consumed_total += records.len() as u64;
                *self.consumed_by_topic.entry(tp.topic.clone()).or_default() += records.len() as u64;
                let view = self.consumers.entry((node.clone(), tp.clone())).or_default();
                view.deliveries.extend(records.iter().map(|r| (r.offset, r.id)));
                self.arrivals.entry(node.clone()).or_default().extend(records.iter().map(|r| (tp.clone(), r.id)));
            }
            Event::OffsetReset { tp, reason, .. } => {
                self.offset_resets += 1;
                if reason.starts_with("OffsetOutOfRange") {
                    self.out_of_range_resets += 1;
                }
                let view = self.consumers.entry((node.clone(), tp.clone())).or_default();
                let at = view.deliveries.len();
                view.resets.insert(at);
            }
            Event::SegmentRolled { .. } => self.segments_rolled += 1,
            Event::Fault { description } => self.faults.push((time, description.clone())),
            Event::TopicCreated { topic, assignment } => {
                for (i, replicas) in assignment.iter().enumerate() {
                    self.leaders.insert(TopicPartition::new(topic, i as u32), replicas.first().copied());
                }
            }
            Event::LeaderElected { tp, leader, reason, .. } => {
                self.leaders.insert(tp.clone(), Some(*leader));
                self.offline.remove(tp);
                self.elections.push((time, tp.clone(), *leader, reason.clone()));
            }
            Event::PartitionOffline { tp } => {
                self.leaders.insert(tp.clone(), None);
                self.offline.insert(tp.clone());
            }
            Event::Truncated { tp, from, to, reason } => {
                self.truncations.push((time, node.clone(), tp.clone(), *from, *to, reason.clone()));
            }
            Event::ProduceError { error, .. } => *self.produce_errors.entry(error.to_string()).or_default() += 1,
            Event::SegmentDeleted { .. } => self.segments_deleted += 1,
            Event::AdminResult { result: Err(e), .. } => self.admin_errors.push(e.code.to_string()),
            Event::TopicDeleted { topic } => {
                self.deleted_topics.insert(topic.clone());
                self.partitions.retain(|tp, _| tp.topic != *topic);
            }
            Event::LogEnd { tp, is_leader, ids, log_start_offset, high_watermark, log_end_offset, .. } => {
                // Trust the controller over the brokers: a broker may not know it was deposed,
                // or not yet know it was elected; the elected leader's log is the one the
                // partition converges to.
                let is_leader = &match self.leaders.get(tp) {
                    Some(Some(b)) => *node == NodeName::broker(*b),
                    Some(None) => false,
                    None => *is_leader,
                };
                let p = self.partition(tp);
                let log = FinalLog {
                    node: node.clone(),
                    is_leader: *is_leader,
                    log_start_offset: *log_start_offset,
                    high_watermark: *high_watermark,
                    ids: ids.clone(),
                };
                if *is_leader || p.replicas.is_empty() {
                    p.log_start_offset = Some(*log_start_offset);
                    p.high_watermark = Some(*high_watermark);
                    p.log_end_offset = Some(*log_end_offset);
                }
                if *is_leader {
                    p.replicas.insert(0, log);
                } else {
                    p.replicas.push(log);
                }
            }
            _ => {}
        }
    }

    /// The leader's final log of a partition, if it had a leader at the end.
    pub fn leader_log(&self, tp: &TopicPartition) -> Option<&FinalLog> {
        self.partitions.get(tp)?.replicas.first().filter(|l| l.is_leader)
    }

    /// Elections forced by a lost leader, with the time since the most recent fault before them
    /// (restarts and heals aside): how long the partition was without a leader after a crash.
    pub fn failovers(&self) -> Vec<(TopicPartition, crate::types::BrokerId, crate::types::SimDuration, String)> {
        self.elections
            .iter()
            .filter(|(_, _, _, why)| why.contains("fenced"))
            .filter_map(|(t, tp, leader, why)| {
                // Measured from the fault that took something down: a restart or a heal that
                // came in between (a power cut, then power back) is not where the outage began.
                let undo = |d: &str| d.starts_with("restart ") || d.starts_with("heal");
                let (fault_at, _) = self.faults.iter().rev().find(|(ft, d)| ft <= t && !undo(d))?;
                let mut why = why.clone();
                if self.was_down(&NodeName::broker(*leader), *t) {
                    // The controller has not noticed yet (its session timeout runs per broker):
                    // the partition has a leader on paper only, until that broker is fenced too.
                    why.push_str(&format!("; broker {leader} was itself down, not yet fenced"));
                }
                Some((tp.clone(), *leader, t.since(*fault_at), why))
            })
            .collect()
    }

    /// Whether a scripted fault had crashed `node` (and no restart had brought it back) at `t`.
    pub fn was_down(&self, node: &NodeName, t: SimTime) -> bool {
        let mut down = false;
        for (_, description) in self.faults.iter().take_while(|(at, _)| *at <= t) {
            let fault = Event::Fault { description: description.clone() };
            if fault.crashed_node().as_ref() == Some(node) {
                down = true;
            } else if description.strip_prefix("restart ") == Some(node.as_str()) {
                down = false;
            }
        }
        down
    }

    /// Elections that picked an out-of-sync replica.
    pub fn unclean_elections(&self) -> u64 {
        self.elections.iter().filter(|(_, _, _, why)| why.contains("UNCLEAN")).count() as u64
    }

    /// Total records delivered to consumers.
    pub fn consumed(&self) -> u64 {
        self.consumed_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_down_from_its_crash_until_its_restart() {
        let mut trace = Trace::new();
        let fault = |d: &str| Event::Fault { description: d.to_string() };
        let sim = NodeName("sim".into());
        trace.record(SimTime::from_millis(10), sim.clone(), fault("crash broker-2 (hard: links silent, memory lost)"));
        trace.record(SimTime::from_millis(30), sim, fault("restart broker-2"));
        let a = Analysis::of(&trace);
        let b2 = NodeName::broker(crate::types::BrokerId(2));
        assert!(!a.was_down(&b2, SimTime::from_millis(5)));
        assert!(a.was_down(&b2, SimTime::from_millis(20)));
        assert!(!a.was_down(&b2, SimTime::from_millis(40)));
        assert!(!a.was_down(&NodeName::broker(crate::types::BrokerId(1)), SimTime::from_millis(20)));
    }
}
