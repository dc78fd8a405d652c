//! Consumer group data: how far behind each group is, and which member owned which partition.
//!
//! The lag and assignment figures answer "did the group keep up?" and "who was reading what
//! during that rebalance?". This file turns the trace into numbers (pure data, unit tested,
//! printed as CSV by [`lag_csv`] and [`assignment_csv`]); `lag.rs` and `assignment.rs` only
//! draw them.
//!
//! Where each piece comes from:
//! - A partition's log end offset is the largest `base_offset + ids.len()` of its `Appended`
//!   events so far (only the leader appends, so this is the leader's log end). Internal topics
//!   (`__consumer_offsets`) are left out: no application consumes them.
//! - A consumer node belongs to the group of its latest `PartitionsAssigned`. Its `Consumed`
//!   events move the group's position on that partition to the last record's offset plus one,
//!   and its `OffsetReset` events set the position outright (a new owner starting from the
//!   committed offset, or `auto.offset.reset`). Consumers outside any group are not counted.
//! - An ownership interval opens when a `PartitionsAssigned` lists a partition in the member's
//!   `owned` set and closes when the member revokes it, when a later `PartitionsAssigned` no
//!   longer lists it, when the member's node crashes, or at the end of the run. A partition kept
//!   across rebalances (cooperative) stays one interval, with the generation it started in.
//! - Every `GroupStable` marks a generation's start; the first report of a generation counts.

use super::series::{csv_field, trace_end};
use super::timeline_series::Span;
use crate::trace::{Event, Trace, TraceEntry};
use crate::types::{Generation, GroupId, MemberId, NodeName, Offset, SimDuration, SimTime, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The most samples a lag line gets: enough to show a rebalance's sawtooth, few enough that a
/// long run's SVG stays small.
pub const MAX_SAMPLES: u64 = 400;

/// Candidate sample steps in microseconds: round 1–2–5 steps (and 250 ms), then clock-friendly
/// ones, so sample times read as round numbers in the CSV.
const SAMPLE_LADDER_US: [u64; 22] = [
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    15_000_000,
    30_000_000,
    60_000_000,
    120_000_000,
    300_000_000,
    600_000_000,
    900_000_000,
    1_800_000_000,
    3_600_000_000,
];

/// Whether the trace shows group management at work: only then are the group figures drawn,
/// so runs without consumer groups keep exactly the outputs they had.
///
/// Coordinator loading and offset commits do not count: brokers load `__consumer_offsets`
/// whether or not any group uses it, and a consumer outside a group may still commit.
pub fn has_group_events(trace: &Trace) -> bool {
    trace.entries().iter().any(|e| {
        matches!(
            e.event,
            Event::GroupRebalancing { .. }
                | Event::GroupJoined { .. }
                | Event::GroupStable { .. }
                | Event::GroupEmpty { .. }
                | Event::MemberRemoved { .. }
                | Event::PartitionsAssigned { .. }
                | Event::PartitionsRevoked { .. }
                | Event::ConsumerLeftGroup { .. }
        )
    })
}

/// The sample step for a run lasting `span`: the smallest step on the ladder that needs at most
/// [`MAX_SAMPLES`] samples. Runs longer than 400 hours get whole hours.
pub fn sample_step(span: SimDuration) -> SimDuration {
    let fits = |w: u64| span.0.div_ceil(w) <= MAX_SAMPLES;
    match SAMPLE_LADDER_US.iter().copied().find(|&w| fits(w)) {
        Some(w) => SimDuration(w),
        None => {
            let hour = 3_600_000_000u64;
            SimDuration(span.0.div_ceil(MAX_SAMPLES).div_ceil(hour) * hour)
        }
    }
}

/// The sample times of a run ending at `end`: every `step` from zero, and `end` itself last, so
/// the final state of the run is always shown.
fn sample_times(end: SimTime, step: SimDuration) -> Vec<SimTime> {
    let mut times: Vec<SimTime> = (0..=end.0 / step.0).map(|i| SimTime(i * step.0)).collect();
    if times.last() != Some(&end) {
        times.push(end);
    }
    times
}

/// Whether a topic is one of Kafka's own (`__consumer_offsets`), which no application reads.
fn is_internal(tp: &TopicPartition) -> bool {
    tp.topic.as_str().starts_with("__")
}

/// One line of the lag figure: a group's lag on one partition at every sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LagSeries {
    /// The group.
    pub group: GroupId,
    /// The partition.
    pub tp: TopicPartition,
    /// Records behind at each of [`Lag::times`]; `None` before the group had a position there.
    pub lag: Vec<Option<u64>>,
}

impl LagSeries {
    /// The label in CSV and legends: `billing/orders-0`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.group, self.tp)
    }
}

/// Consumer lag over a run, sampled on a regular grid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lag {
    /// The distance between samples (the last one may be closer: it is the end of the run).
    pub step: SimDuration,
    /// When each sample was taken.
    pub times: Vec<SimTime>,
    /// Every line, by group and then partition.
    pub series: Vec<LagSeries>,
}

impl Lag {
    /// The largest lag of any line (zero when there is none), for the y axis.
    pub fn max_lag(&self) -> u64 {
        self.series.iter().flat_map(|s| s.lag.iter()).flatten().copied().max().unwrap_or(0)
    }

    /// Where the x axis ends: the last sample.
    pub fn end(&self) -> SimTime {
        self.times.last().copied().unwrap_or(SimTime::ZERO)
    }
}

/// What the lag figure knows at one moment while the trace is read.
#[derive(Default)]
struct LagBuilder {
    /// Each partition's log end offset so far.
    log_end: BTreeMap<TopicPartition, Offset>,
    /// The group of each consumer node, from its latest assignment.
    node_group: BTreeMap<NodeName, GroupId>,
    /// Each group's next offset to process, per partition.
    position: BTreeMap<(GroupId, TopicPartition), Offset>,
    /// Samples so far, per line.
    samples: BTreeMap<(GroupId, TopicPartition), Vec<Option<u64>>>,
    /// How many samples have been taken.
    taken: usize,
}

impl LagBuilder {
    /// Reads one entry.
    fn entry(&mut self, e: &TraceEntry) {
        match &e.event {
            Event::Appended { tp, base_offset, ids, .. } if !is_internal(tp) => {
                let end = Offset(base_offset.0 + ids.len() as u64);
                let known = self.log_end.entry(tp.clone()).or_default();
                *known = (*known).max(end);
            }
            Event::PartitionsAssigned { group, .. } => {
                self.node_group.insert(e.node.clone(), group.clone());
            }
            Event::Consumed { tp, records } => {
                if let Some(last) = records.last() {
                    self.set_position(&e.node, tp, last.offset.next());
                }
            }
            Event::OffsetReset { tp, offset, .. } => self.set_position(&e.node, tp, *offset),
            _ => {}
        }
    }

    /// Moves the position of `node`'s group on `tp`, if the node is in a group.
    fn set_position(&mut self, node: &NodeName, tp: &TopicPartition, offset: Offset) {
        if is_internal(tp) {
            return;
        }
        if let Some(group) = self.node_group.get(node) {
            self.position.insert((group.clone(), tp.clone()), offset);
        }
    }

    /// Takes a sample of every line that has a position; lines first seen now get `None` for
    /// the samples before.
    fn sample(&mut self) {
        for (key, position) in &self.position {
            let end = self.log_end.get(&key.1).copied().unwrap_or_default();
            let lag = end.0.saturating_sub(position.0);
            let line = self.samples.entry(key.clone()).or_insert_with(|| vec![None; self.taken]);
            line.push(Some(lag));
        }
        self.taken += 1;
    }
}

/// Samples every group's lag on every partition it has a position on.
///
/// Lag is the leader's log end offset minus the group's next offset to process: how many
/// records were written that the group has not read yet. It is never negative.
pub fn lag(trace: &Trace) -> Lag {
    if trace.entries().is_empty() {
        return Lag::default();
    }
    let end = trace_end(trace);
    let step = sample_step(SimDuration(end.0));
    let times = sample_times(end, step);
    let mut builder = LagBuilder::default();
    let mut entries = trace.entries().iter().peekable();
    for &t in &times {
        while let Some(e) = entries.next_if(|e| e.time <= t) {
            builder.entry(e);
        }
        builder.sample();
    }
    let series = builder.samples.into_iter().map(|((group, tp), lag)| LagSeries { group, tp, lag }).collect();
    Lag { step, times, series }
}

/// The lag figure's data as CSV: `time_s,group,partition,lag`.
///
/// Rows are grouped by line (group, then partition), then by time; samples before the group had
/// a position on the partition are left out, as they are in the figure.
pub fn lag_csv(trace: &Trace) -> String {
    let data = lag(trace);
    let mut out = String::from("time_s,group,partition,lag\n");
    for line in &data.series {
        let (group, tp) = (csv_field(&line.group.to_string()), csv_field(&line.tp.to_string()));
        for (time, lag) in data.times.iter().zip(&line.lag) {
            if let Some(lag) = lag {
                let _ = writeln!(out, "{:.3},{group},{tp},{lag}", time.as_secs_f64());
            }
        }
    }
    out
}

/// One stretch of time during which a member owned a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ownership {
    /// The group.
    pub group: GroupId,
    /// The partition.
    pub tp: TopicPartition,
    /// The owner.
    pub member: MemberId,
    /// The consumer node the member runs on.
    pub node: NodeName,
    /// The generation in which it was assigned.
    pub generation: Generation,
    /// When it owned it.
    pub span: Span,
}

/// A group reached a stable generation: every member has its assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StableMark {
    /// When the coordinator reported it.
    pub time: SimTime,
    /// The group.
    pub group: GroupId,
    /// The generation.
    pub generation: Generation,
}

impl StableMark {
    /// The figure's label: `g3`.
    pub fn label(&self) -> String {
        format!("g{}", self.generation)
    }
}

/// Everything the assignment figure shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    /// The time of the trace's last entry: ownership still held ends here.
    pub end: SimTime,
    /// Every ownership interval, by group, partition, start and member.
    pub intervals: Vec<Ownership>,
    /// Stable generations, in trace order.
    pub stables: Vec<StableMark>,
}

impl Assignment {
    /// The figure's rows: every (group, partition) ever owned, in order.
    pub fn rows(&self) -> Vec<(GroupId, TopicPartition)> {
        let set: BTreeSet<(&GroupId, &TopicPartition)> = self.intervals.iter().map(|o| (&o.group, &o.tp)).collect();
        set.into_iter().map(|(g, tp)| (g.clone(), tp.clone())).collect()
    }

    /// Every member that owned anything, sorted: a member's index here picks its colour.
    pub fn members(&self) -> Vec<MemberId> {
        let set: BTreeSet<&MemberId> = self.intervals.iter().map(|o| &o.member).collect();
        set.into_iter().cloned().collect()
    }

    /// The intervals of one row, by start.
    pub fn row(&self, group: &GroupId, tp: &TopicPartition) -> impl Iterator<Item = &Ownership> + '_ {
        let (group, tp) = (group.clone(), tp.clone());
        self.intervals.iter().filter(move |o| o.group == group && o.tp == tp)
    }
}

/// The key of an open interval: who owns what.
type OwnerKey = (GroupId, TopicPartition, MemberId);

/// Reads a trace entry by entry into ownership intervals.
#[derive(Default)]
struct AssignmentBuilder {
    /// Open intervals: since when, in which generation, on which node.
    open: BTreeMap<OwnerKey, (SimTime, Generation, NodeName)>,
    /// Finished intervals.
    closed: Vec<Ownership>,
    /// Stable generations so far.
    stables: Vec<StableMark>,
}

impl AssignmentBuilder {
    /// Reads one entry.
    fn entry(&mut self, e: &TraceEntry) {
        let now = e.time;
        match &e.event {
            Event::PartitionsAssigned { group, member, generation, owned, .. } => {
                self.assigned(now, &e.node, (group, member, *generation), owned)
            }
            Event::PartitionsRevoked { group, member, partitions, .. } => {
                self.revoked(now, &e.node, group, member, partitions)
            }
            // A node may report its own crash, but scripted crashes come from the driver as a
            // `crash <node>` fault.
            Event::NodeCrashed | Event::Fault { .. } => {
                let Some(node) =
                    (if e.event == Event::NodeCrashed { Some(e.node.clone()) } else { e.event.crashed_node() })
                else {
                    return;
                };
                let keys: Vec<OwnerKey> =
                    self.open.iter().filter(|(_, v)| v.2 == node).map(|(k, _)| k.clone()).collect();
                keys.iter().for_each(|k| self.close(k, now));
            }
            Event::GroupStable { group, generation, .. } => {
                let seen = self.stables.iter().any(|s| &s.group == group && s.generation == *generation);
                if !seen {
                    self.stables.push(StableMark { time: now, group: group.clone(), generation: *generation });
                }
            }
            _ => {}
        }
    }

    /// A member's full set is now `owned`: what it no longer lists ends, what is new begins.
    fn assigned(
        &mut self,
        now: SimTime,
        node: &NodeName,
        (group, member, generation): (&GroupId, &MemberId, Generation),
        owned: &[TopicPartition],
    ) {
        let mine = |k: &OwnerKey| &k.0 == group && &k.2 == member;
        let gone: Vec<OwnerKey> = self.open.keys().filter(|k| mine(k) && !owned.contains(&k.1)).cloned().collect();
        gone.iter().for_each(|k| self.close(k, now));
        for tp in owned {
            let key = (group.clone(), tp.clone(), member.clone());
            self.open.entry(key).or_insert_with(|| (now, generation, node.clone()));
        }
    }

    /// A member gave `partitions` up. A revocation may name the member's previous id (it
    /// rejoined under a new one), so a partition the named member does not own is taken from
    /// whichever member of the group owned it on the same node.
    fn revoked(
        &mut self,
        now: SimTime,
        node: &NodeName,
        group: &GroupId,
        member: &MemberId,
        partitions: &[TopicPartition],
    ) {
        for tp in partitions {
            let key = (group.clone(), tp.clone(), member.clone());
            if self.open.contains_key(&key) {
                self.close(&key, now);
                continue;
            }
            let same_node = |(k, v): (&OwnerKey, &(SimTime, Generation, NodeName))| {
                (&k.0 == group && &k.1 == tp && &v.2 == node).then(|| k.clone())
            };
            let keys: Vec<OwnerKey> = self.open.iter().filter_map(same_node).collect();
            keys.iter().for_each(|k| self.close(k, now));
        }
    }

    /// Ends the open interval `key` at `now`; intervals of zero length are dropped, as they
    /// cannot be seen.
    fn close(&mut self, key: &OwnerKey, now: SimTime) {
        let Some((start, generation, node)) = self.open.remove(key) else { return };
        if now > start {
            let (group, tp, member) = key.clone();
            self.closed.push(Ownership { group, tp, member, node, generation, span: Span { start, end: now } });
        }
    }

    /// Ends every open interval at `end` and sorts them.
    fn finish(mut self, end: SimTime) -> Assignment {
        let keys: Vec<OwnerKey> = self.open.keys().cloned().collect();
        keys.iter().for_each(|k| self.close(k, end));
        let mut intervals = self.closed;
        intervals.sort_by(|a, b| (&a.group, &a.tp, a.span, &a.member).cmp(&(&b.group, &b.tp, b.span, &b.member)));
        Assignment { end, intervals, stables: self.stables }
    }
}

/// Extracts who owned which partition of every group, and when each generation became stable.
pub fn assignment(trace: &Trace) -> Assignment {
    let mut builder = AssignmentBuilder::default();
    for entry in trace.entries() {
        builder.entry(entry);
    }
    builder.finish(trace_end(trace))
}

/// The assignment figure's data as CSV: `group,partition,member,generation,from_ms,to_ms`.
///
/// One row per ownership interval, in [`Assignment::intervals`] order; times are whole
/// milliseconds of simulated time (rounded down).
pub fn assignment_csv(trace: &Trace) -> String {
    let data = assignment(trace);
    let mut out = String::from("group,partition,member,generation,from_ms,to_ms\n");
    for o in &data.intervals {
        let (group, tp, member) = (csv_field(&o.group.0), csv_field(&o.tp.to_string()), csv_field(&o.member.0));
        let (from, to) = (o.span.start.as_millis(), o.span.end.as_millis());
        let _ = writeln!(out, "{group},{tp},{member},{},{from},{to}", o.generation);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plot::series::tests::{consume, rid, tp};

    /// Records `event` from `node` at `ms`.
    fn at(trace: &mut Trace, ms: u64, node: &str, event: Event) {
        trace.record(SimTime::from_millis(ms), NodeName(node.into()), event);
    }

    /// A broker appending `count` records to `tp` from offset `base`.
    fn append(trace: &mut Trace, ms: u64, tp: &TopicPartition, base: u64, count: u64) {
        let ids = (0..count).map(|i| rid(base + i)).collect();
        at(trace, ms, "broker-1", Event::Appended { tp: tp.clone(), base_offset: Offset(base), ids, bytes: 10 });
    }

    /// `node` (member `member` of group `billing`) now owns `owned` in generation `g`.
    fn assign(trace: &mut Trace, ms: u64, node: &str, member: &str, g: u32, owned: &[TopicPartition]) {
        let event = Event::PartitionsAssigned {
            group: GroupId("billing".into()),
            member: MemberId(member.into()),
            generation: Generation(g),
            partitions: owned.to_vec(),
            owned: owned.to_vec(),
        };
        at(trace, ms, node, event);
    }

    /// `node` (member `member` of group `billing`) gives `partitions` up.
    fn revoke(trace: &mut Trace, ms: u64, node: &str, member: &str, partitions: &[TopicPartition]) {
        let event = Event::PartitionsRevoked {
            group: GroupId("billing".into()),
            member: MemberId(member.into()),
            generation: Generation(1),
            partitions: partitions.to_vec(),
            reason: "eager rebalance".into(),
        };
        at(trace, ms, node, event);
    }

    /// The coordinator reports generation `g` of `billing` stable.
    fn stable(trace: &mut Trace, ms: u64, g: u32) {
        let event =
            Event::GroupStable { group: GroupId("billing".into()), generation: Generation(g), assignment: vec![] };
        at(trace, ms, "broker-1", event);
    }

    /// A group `billing` with members `c1-1` (on `consumer-1`) and `c2-1` (on `consumer-2`)
    /// reading `orders-0` and `orders-1`: c1-1 owns both from 100 ms, c2-1 joins and takes
    /// `orders-1` at 1 s (eager: c1-1 revokes both at 900 ms and gets `orders-0` back), and
    /// `consumer-2` crashes at 3 s. Appends outpace consumption on `orders-0`. Ends at 4 s.
    pub(crate) fn group_trace() -> Trace {
        let (p0, p1) = (tp("orders", 0), tp("orders", 1));
        let mut t = Trace::new();
        stable(&mut t, 100, 1);
        assign(&mut t, 100, "consumer-1", "c1-1", 1, &[p0.clone(), p1.clone()]);
        at(
            &mut t,
            100,
            "consumer-1",
            Event::OffsetReset { tp: p0.clone(), reason: "latest".into(), offset: Offset(0) },
        );
        append(&mut t, 200, &p0, 0, 10);
        append(&mut t, 200, &tp("__consumer_offsets", 0), 0, 5);
        consume(&mut t, 300, "consumer-1", &p0, 0, &[0, 1, 2]);
        consume(&mut t, 300, "reader", &p0, 0, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        revoke(&mut t, 900, "consumer-1", "c1-1", &[p0.clone(), p1.clone()]);
        stable(&mut t, 1000, 2);
        stable(&mut t, 1000, 2);
        assign(&mut t, 1000, "consumer-1", "c1-1", 2, std::slice::from_ref(&p0));
        assign(&mut t, 1000, "consumer-2", "c2-1", 2, std::slice::from_ref(&p1));
        append(&mut t, 1500, &p0, 10, 20);
        consume(&mut t, 2000, "consumer-1", &p0, 3, &[3, 4]);
        at(&mut t, 3000, "consumer-2", Event::NodeCrashed);
        at(&mut t, 4000, "sim", Event::ActionStarted { action: "stop".into() });
        t
    }

    /// A span from `a` to `b` milliseconds.
    fn span(a: u64, b: u64) -> Span {
        Span { start: SimTime::from_millis(a), end: SimTime::from_millis(b) }
    }

    #[test]
    fn only_group_management_counts_as_group_events() {
        assert!(has_group_events(&group_trace()));
        assert!(!has_group_events(&crate::plot::series::tests::small_trace()));
        let mut t = Trace::new();
        at(&mut t, 0, "broker-1", Event::CoordinatorChanged { partition: 0, loaded: true, groups: vec![] });
        assert!(!has_group_events(&t));
    }

    #[test]
    fn sample_step_aims_for_at_most_four_hundred_samples() {
        let w = |ms| sample_step(SimDuration::from_millis(ms)).as_millis();
        assert_eq!(w(0), 1);
        assert_eq!(w(4_000), 10);
        assert_eq!(w(60_000), 250);
        assert_eq!(w(100_000), 250);
        assert_eq!(w(100_001), 500);
        assert_eq!(w(400 * 3_600_000 + 1), 2 * 3_600_000);
        let times = sample_times(SimTime::from_millis(1_005), SimDuration::from_millis(250));
        assert_eq!(times.len(), 6);
        assert_eq!(times.last(), Some(&SimTime::from_millis(1_005)));
    }

    #[test]
    fn lag_rises_when_appends_outpace_consumption() {
        let data = lag(&group_trace());
        assert_eq!(data.step, SimDuration::from_millis(10));
        let labels: Vec<String> = data.series.iter().map(LagSeries::label).collect();
        assert_eq!(labels, ["billing/orders-0"], "only group members count, internal topics never");
        let at = |ms: u64| data.series[0].lag[(ms / 10) as usize];
        assert_eq!(at(0), None, "no position yet");
        assert_eq!(at(100), Some(0));
        assert_eq!(at(200), Some(10));
        assert_eq!(at(300), Some(7));
        assert_eq!(at(1500), Some(27));
        assert_eq!(at(2000), Some(25));
        assert_eq!(at(4000), Some(25));
        assert_eq!(data.max_lag(), 27);
        assert_eq!(data.end(), SimTime::from_millis(4000));
    }

    #[test]
    fn lag_csv_skips_samples_without_a_position() {
        let csv = lag_csv(&group_trace());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "time_s,group,partition,lag");
        assert_eq!(lines[1], "0.100,billing,orders-0,0");
        assert!(lines.contains(&"0.300,billing,orders-0,7"));
        assert_eq!(lines.last(), Some(&"4.000,billing,orders-0,25"));
        assert_eq!(lines.len(), 1 + 391);
    }

    #[test]
    fn a_revoke_and_a_crash_end_ownership() {
        let data = assignment(&group_trace());
        let got: Vec<(String, &str, Span, u32)> =
            data.intervals.iter().map(|o| (o.tp.to_string(), o.member.as_str(), o.span, o.generation.0)).collect();
        let expected = vec![
            ("orders-0".to_string(), "c1-1", span(100, 900), 1),
            ("orders-0".to_string(), "c1-1", span(1000, 4000), 2),
            ("orders-1".to_string(), "c1-1", span(100, 900), 1),
            ("orders-1".to_string(), "c2-1", span(1000, 3000), 2),
        ];
        assert_eq!(got, expected);
        assert_eq!(data.members(), [MemberId("c1-1".into()), MemberId("c2-1".into())]);
        assert_eq!(data.rows().len(), 2);
        let labels: Vec<String> = data.stables.iter().map(StableMark::label).collect();
        assert_eq!(labels, ["g1", "g2"], "a repeated report of one generation is one mark");
    }

    #[test]
    fn a_scripted_crash_fault_ends_ownership_too() {
        let p0 = tp("orders", 0);
        let mut t = Trace::new();
        assign(&mut t, 0, "consumer-c1", "c1-1", 1, std::slice::from_ref(&p0));
        let description = "crash consumer-c1 (hard: its links go silent, its memory is lost)".to_string();
        at(&mut t, 700, "sim", Event::Fault { description });
        at(&mut t, 2000, "broker-1", Event::NodeStarted);
        let data = assignment(&t);
        let spans: Vec<Span> = data.intervals.iter().map(|o| o.span).collect();
        assert_eq!(spans, vec![span(0, 700)]);
    }

    #[test]
    fn a_smaller_owned_set_ends_what_it_leaves_out() {
        let (p0, p1) = (tp("orders", 0), tp("orders", 1));
        let mut t = Trace::new();
        assign(&mut t, 0, "consumer-1", "c1-1", 1, &[p0.clone(), p1.clone()]);
        assign(&mut t, 500, "consumer-1", "c1-1", 2, std::slice::from_ref(&p0));
        revoke(&mut t, 800, "consumer-1", "c1-old", std::slice::from_ref(&p0));
        at(&mut t, 1000, "broker-1", Event::NodeStarted);
        let data = assignment(&t);
        let spans: Vec<(u32, Span, u32)> =
            data.intervals.iter().map(|o| (o.tp.partition.0, o.span, o.generation.0)).collect();
        assert_eq!(spans, [(0, span(0, 800), 1), (1, span(0, 500), 1)], "a revoke under an old id still ends it");
    }

    #[test]
    fn assignment_csv_text() {
        let expected = "group,partition,member,generation,from_ms,to_ms\n\
                        billing,orders-0,c1-1,1,100,900\n\
                        billing,orders-0,c1-1,2,1000,4000\n\
                        billing,orders-1,c1-1,1,100,900\n\
                        billing,orders-1,c2-1,2,1000,3000\n";
        assert_eq!(assignment_csv(&group_trace()), expected);
    }

    #[test]
    fn empty_trace_gives_empty_data() {
        assert_eq!(lag(&Trace::new()), Lag::default());
        assert_eq!(lag_csv(&Trace::new()), "time_s,group,partition,lag\n");
        assert_eq!(assignment(&Trace::new()), Assignment::default());
        assert_eq!(assignment_csv(&Trace::new()), "group,partition,member,generation,from_ms,to_ms\n");
    }
}
