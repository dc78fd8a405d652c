//! Checkers for consumer groups: exclusivity, unseen records and duplicates by cause.
//!
//! Everything comes from the trace: each consumer's own view of what it owns
//! (`partitions-assigned` / `partitions-revoked`), what it processed (`consumed`), what the
//! coordinator decided (`group-rebalancing`, `group-stable`) and what was committed.
//!
//! - *Exclusivity*: a record is processed by a member that owns its partition, and no two
//!   members of one group own a partition in the same generation. Members of *different*
//!   generations can overlap — an evicted member that has not noticed yet (a "zombie") keeps
//!   processing while its successor starts. Kafka does not prevent this; it is counted as an
//!   overlap, not a violation, and is why at-least-once processing must tolerate duplicates.
//! - *Unseen*: a record that reached the log (below the final high watermark) at or after
//!   where the group started reading and before the furthest record it processed, but that no
//!   member of the group ever processed (records past the furthest are lag, not holes). With
//!   commit-before-processing, a crash makes such holes: at-most-once.
//! - *Duplicates*: a record processed more than once by the same group, each attributed to the
//!   reason of the rebalance that preceded the repeat (a member joined, left, crashed, was too
//!   slow...).

use crate::trace::{Event, Trace};
use crate::types::{Generation, GroupId, MemberId, NodeName, Offset, RecordId, SimTime, TopicPartition};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One generation of one group, as its coordinator announced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GenerationFacts {
    /// When the generation became stable.
    pub at: SimTime,
    /// The generation.
    pub generation: Generation,
    /// The reason of the rebalance that led to it.
    pub reason: String,
    /// Each member's partitions.
    pub assignment: Vec<(MemberId, Vec<TopicPartition>)>,
}

/// What the trace says about one group.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupFacts {
    /// The consumer hosts that were members.
    pub nodes: BTreeSet<NodeName>,
    /// Stable generations, in order.
    pub generations: Vec<GenerationFacts>,
    /// Records processed by a member that did not own the partition, or by two members of one
    /// generation at once.
    pub exclusivity_violations: Vec<String>,
    /// Records processed while another member of an older or newer generation also owned the
    /// partition (zombie overlap; allowed by Kafka).
    pub overlaps: u64,
    /// Distinct records the group processed.
    pub processed: u64,
    /// Extra processings of records, by cause.
    pub duplicates: BTreeMap<String, u64>,
    /// Records in the log the group never processed.
    pub unseen: u64,
    /// Commits the coordinator refused, by error.
    pub commit_failures: BTreeMap<String, u64>,
    /// The last committed offset per partition.
    pub committed: BTreeMap<TopicPartition, Offset>,
    /// Members evicted or gone, with why.
    pub removals: Vec<(SimTime, MemberId, String)>,
}

impl GroupFacts {
    /// All duplicates, whatever their cause.
    pub fn duplicate_total(&self) -> u64 {
        self.duplicates.values().sum()
    }
}

/// A consumer's current view of its membership.
#[derive(Clone, Debug, Default)]
struct NodeView {
    group: Option<GroupId>,
    generation: Generation,
    owned: BTreeSet<TopicPartition>,
}

/// Working state while reading the trace.
#[derive(Default)]
struct Reader {
    groups: BTreeMap<GroupId, GroupFacts>,
    views: BTreeMap<NodeName, NodeView>,
    last_reason: BTreeMap<GroupId, String>,
    processed: BTreeMap<GroupId, BTreeMap<RecordId, NodeName>>,
    /// Where each group started reading each partition (its first position).
    starts: BTreeMap<(GroupId, TopicPartition), Offset>,
    /// The furthest offset each group processed in each partition.
    furthest: BTreeMap<(GroupId, TopicPartition), Offset>,
    /// Final logs of partition leaders (offset → id), for the unseen check.
    final_logs: BTreeMap<TopicPartition, (Offset, Offset, Vec<RecordId>)>,
}

/// Read every group's facts from a trace.
pub fn analyse(trace: &Trace) -> BTreeMap<GroupId, GroupFacts> {
    let mut r = Reader::default();
    for e in trace.entries() {
        r.take(e.time, &e.node, &e.event);
    }
    r.finish()
}

impl Reader {
    fn group(&mut self, g: &GroupId) -> &mut GroupFacts {
        self.groups.entry(g.clone()).or_default()
    }

    fn take(&mut self, time: SimTime, node: &NodeName, event: &Event) {
        match event {
            Event::GroupRebalancing { group, reason, .. } => {
                self.last_reason.insert(group.clone(), reason.clone());
            }
            Event::GroupStable { group, generation, assignment } => {
                let reason = self.last_reason.get(group).cloned().unwrap_or_default();
                let facts =
                    GenerationFacts { at: time, generation: *generation, reason, assignment: assignment.clone() };
                self.group(group).generations.push(facts);
            }
            Event::MemberRemoved { group, member, reason } => {
                self.group(group).removals.push((time, member.clone(), reason.clone()));
            }
            Event::OffsetsCommitted { group, offsets, .. } => {
                self.group(group).committed.extend(offsets.iter().cloned());
            }
            Event::CommitFailed { group, error, .. } => {
                *self.group(group).commit_failures.entry(error.to_string()).or_default() += 1;
            }
            Event::PartitionsAssigned { group, generation, owned, .. } => {
                self.group(group).nodes.insert(node.clone());
                let view = self.views.entry(node.clone()).or_default();
                view.group = Some(group.clone());
                view.generation = *generation;
                view.owned = owned.iter().cloned().collect();
            }
            Event::PartitionsRevoked { partitions, .. } => {
                if let Some(view) = self.views.get_mut(node) {
                    for tp in partitions {
                        view.owned.remove(tp);
                    }
                }
            }
            Event::Fault { .. } => self.on_crash(event.crashed_node()),
            Event::OffsetReset { tp, offset, .. } => self.on_reset(node, tp, *offset),
            Event::Consumed { tp, records } => {
                for rec in records {
                    self.on_processed(node, tp, rec.offset, rec.id);
                }
            }
            Event::LogEnd { tp, is_leader: true, ids, log_start_offset, high_watermark, .. } => {
                self.final_logs.insert(tp.clone(), (*log_start_offset, *high_watermark, ids.clone()));
            }
            _ => {}
        }
    }

    /// A crashed consumer owns nothing any more.
    fn on_crash(&mut self, node: Option<NodeName>) {
        if let Some(view) = node.and_then(|n| self.views.get_mut(&n)) {
            view.owned.clear();
        }
    }

    fn on_reset(&mut self, node: &NodeName, tp: &TopicPartition, offset: Offset) {
        let Some(group) = self.views.get(node).and_then(|v| v.group.clone()) else { return };
        self.starts.entry((group, tp.clone())).or_insert(offset);
    }

    fn on_processed(&mut self, node: &NodeName, tp: &TopicPartition, offset: Offset, id: RecordId) {
        let Some(view) = self.views.get(node).cloned() else { return };
        let Some(group) = view.group.clone() else { return };
        if !view.owned.contains(tp) {
            let v = format!("{node} processed {tp}@{offset} without owning {tp}");
            self.group(&group).exclusivity_violations.push(v);
        }
        let others: Vec<(NodeName, Generation)> = self
            .views
            .iter()
            .filter(|(n, v)| *n != node && v.group.as_ref() == Some(&group) && v.owned.contains(tp))
            .map(|(n, v)| (n.clone(), v.generation))
            .collect();
        for (other, generation) in others {
            if generation == view.generation {
                let v = format!("{node} and {other} both own {tp} in generation {generation} ({tp}@{offset})");
                self.group(&group).exclusivity_violations.push(v);
            } else {
                self.group(&group).overlaps += 1;
            }
        }
        let furthest = self.furthest.entry((group.clone(), tp.clone())).or_insert(offset);
        *furthest = (*furthest).max(offset);
        let seen = self.processed.entry(group.clone()).or_default();
        if let Some(first) = seen.get(&id).cloned() {
            let reason = self.last_reason.get(&group).cloned().unwrap_or_else(|| "no rebalance".into());
            let cause = if first == *node { format!("re-read by the same member ({reason})") } else { reason };
            *self.group(&group).duplicates.entry(cause).or_default() += 1;
        } else {
            seen.insert(id, node.clone());
            self.group(&group).processed += 1;
        }
    }

    fn finish(mut self) -> BTreeMap<GroupId, GroupFacts> {
        for ((group, tp), start) in &self.starts {
            let Some((log_start, hw, ids)) = self.final_logs.get(tp) else { continue };
            let seen = self.processed.get(group);
            let from = start.0.max(log_start.0);
            // Records past the furthest one the group processed are lag (the run ended), not
            // holes.
            let furthest = self.furthest.get(&(group.clone(), tp.clone())).map_or(0, |o| o.0 + 1);
            let unseen = (from..hw.0.min(furthest))
                .filter_map(|o| ids.get((o - log_start.0) as usize))
                .filter(|id| !seen.is_some_and(|s| s.contains_key(id)))
                .count() as u64;
            self.groups.entry(group.clone()).or_default().unseen += unseen;
        }
        self.groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ConsumedRecord;
    use crate::types::TopicName;
    use bytes::Bytes;

    fn tp() -> TopicPartition {
        TopicPartition::new(&TopicName::new("t"), 0)
    }

    fn assigned(t: &mut Trace, ms: u64, node: &str, member: &str, generation: u32) {
        let e = Event::PartitionsAssigned {
            group: GroupId("g".into()),
            member: MemberId(member.into()),
            generation: Generation(generation),
            partitions: vec![tp()],
            owned: vec![tp()],
        };
        t.record(SimTime::from_millis(ms), NodeName(node.into()), e);
    }

    fn consumed(t: &mut Trace, ms: u64, node: &str, offset: u64) {
        let rec = ConsumedRecord {
            offset: Offset(offset),
            id: RecordId { producer: 0, seq: offset },
            key: None,
            value: Bytes::new(),
        };
        t.record(SimTime::from_millis(ms), NodeName(node.into()), Event::Consumed { tp: tp(), records: vec![rec] });
    }

    #[test]
    fn two_owners_in_one_generation_violate_exclusivity() {
        let mut t = Trace::new();
        assigned(&mut t, 1, "a", "a-1", 1);
        assigned(&mut t, 2, "b", "b-2", 1);
        consumed(&mut t, 3, "a", 0);
        let g = &analyse(&t)[&GroupId("g".into())];
        assert_eq!(g.exclusivity_violations.len(), 1);
    }

    #[test]
    fn zombie_overlap_is_counted_not_violated_and_replays_are_duplicates() {
        let mut t = Trace::new();
        assigned(&mut t, 1, "a", "a-1", 1);
        consumed(&mut t, 2, "a", 0);
        let reason = "a-1 session timeout".to_string();
        t.record(
            SimTime::from_millis(3),
            NodeName("broker-1".into()),
            Event::GroupRebalancing { group: GroupId("g".into()), generation: Generation(1), reason: reason.clone() },
        );
        assigned(&mut t, 4, "b", "b-2", 2);
        consumed(&mut t, 5, "b", 0);
        let g = &analyse(&t)[&GroupId("g".into())];
        assert!(g.exclusivity_violations.is_empty());
        assert_eq!(g.overlaps, 1);
        assert_eq!(g.duplicates.get(&reason), Some(&1));
    }

    #[test]
    fn a_crash_ends_ownership() {
        let mut t = Trace::new();
        assigned(&mut t, 1, "a", "a-1", 1);
        t.record(
            SimTime::from_millis(2),
            NodeName("sim".into()),
            Event::Fault { description: "crash a (hard)".into() },
        );
        assigned(&mut t, 3, "b", "b-2", 2);
        consumed(&mut t, 4, "b", 0);
        let g = &analyse(&t)[&GroupId("g".into())];
        assert_eq!(g.overlaps, 0);
    }
}
