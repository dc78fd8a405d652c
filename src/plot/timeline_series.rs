//! Timeline data: what every node and every partition's leadership did, span by span.
//!
//! The timeline figure answers "what state was the cluster in when that happened?". This file
//! turns the trace into spans of time (pure data, unit tested, printed as CSV by
//! [`timeline_csv`]); `timeline.rs` only draws them.
//!
//! Where each piece comes from:
//! - A node is *up* from its first entry in the trace. A `Fault` whose description starts
//!   with `crash <node>` (or a `NodeCrashed` from the node) makes it *down* until its next
//!   `NodeStarted`; a fault `pause <node> for <duration>` makes it *paused* for that long.
//!   Down wins over paused, paused over up. The driver's own `sim` node is not a row.
//! - A broker is *fenced* from `BrokerFenced` to `BrokerUnfenced` (the controller's view,
//!   kept apart from the node's own state: a crashed broker is down at once, but fenced only
//!   when its session times out, and that gap is worth seeing).
//! - A controller is *active* from its `ControllerElected` until another one is elected or
//!   it crashes.
//! - A partition's leader is the broker of its first `RoleChanged` with role `leader` until
//!   the controller elects one (`LeaderElected`); `PartitionOffline` means no leader at all.
//! - Its ISR starts as the replica list of `TopicCreated` and follows `IsrChanged` and
//!   `LeaderElected`. `Truncated` events are kept as points in time.
//!
//! Spans of zero length are left out: they cannot be seen, and the events behind them are in
//! `trace.log`.

use super::series::{csv_field, trace_end};
use crate::scenario::duration::parse_duration;
use crate::trace::{fmt_brokers, Event, Trace, TraceEntry};
use crate::types::{BrokerId, LeaderEpoch, NodeName, Offset, SimDuration, SimTime, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

/// The driver's node: it records the faults it injects, and is not a member of the cluster.
pub const DRIVER_NODE: &str = "sim";

/// Fault labels longer than this many characters are cut, so neighbours stay apart.
const LABEL_CHARS: usize = 28;

/// A stretch of simulated time, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// When it began.
    pub start: SimTime,
    /// When it ended (the end of the run for what was still going on).
    pub end: SimTime,
}

impl Span {
    /// The start in seconds, for plots.
    pub fn start_s(&self) -> f64 {
        self.start.as_secs_f64()
    }

    /// The end in seconds, for plots.
    pub fn end_s(&self) -> f64 {
        self.end.as_secs_f64()
    }

    /// The time both spans cover, if any.
    pub fn overlap(&self, other: &Span) -> Option<Span> {
        let (start, end) = (self.start.max(other.start), self.end.min(other.end));
        (start < end).then_some(Span { start, end })
    }
}

/// What a node was doing, as far as the trace tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeState {
    /// Running normally.
    Up,
    /// Frozen by a `pause` fault: alive, but answering nothing (like a long GC pause).
    Paused,
    /// Crashed and not restarted yet.
    Down,
}

impl NodeState {
    /// The word used in CSV and legends.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Up => "up",
            NodeState::Paused => "paused",
            NodeState::Down => "down",
        }
    }
}

/// One node's row of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRow {
    /// The node.
    pub name: NodeName,
    /// Up, paused or down, back to back from the node's first entry to the end of the run.
    pub states: Vec<(Span, NodeState)>,
    /// When the controller had this broker fenced (empty for other nodes). Overlaps `states`.
    pub fenced: Vec<Span>,
    /// When this controller was the active one, the Raft leader of the metadata log (empty for
    /// other nodes). Overlaps `states`.
    pub active: Vec<Span>,
}

/// Who led a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leadership {
    /// This broker led, in this epoch.
    Leader {
        /// The leader.
        broker: BrokerId,
        /// Its leader epoch.
        epoch: LeaderEpoch,
        /// Whether it was elected from outside the ISR (`unclean.leader.election.enable`).
        unclean: bool,
    },
    /// No replica could lead: the partition was unavailable.
    Offline,
}

impl fmt::Display for Leadership {
    /// `leader=2 epoch=1`, `leader=3 epoch=2 unclean` or `offline`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leadership::Leader { broker, epoch, unclean } => {
                write!(f, "leader={broker} epoch={epoch}")?;
                if *unclean {
                    f.write_str(" unclean")?;
                }
                Ok(())
            }
            Leadership::Offline => f.write_str("offline"),
        }
    }
}

/// A replica cut the tail of its log: the moment records it held stopped existing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// When.
    pub time: SimTime,
    /// The broker whose log it was.
    pub node: NodeName,
    /// Its log end offset before.
    pub from: Offset,
    /// Its log end offset after.
    pub to: Offset,
}

/// One partition's row of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionRow {
    /// The partition.
    pub tp: TopicPartition,
    /// Its replication factor, as far as the trace tells (at least 1): the ISR's full size.
    pub replicas: usize,
    /// Who led it, span by span.
    pub leaders: Vec<(Span, Leadership)>,
    /// Its in-sync replicas, span by span.
    pub isr: Vec<(Span, Vec<BrokerId>)>,
    /// Replicas truncating their log, in trace order.
    pub truncations: Vec<Truncation>,
}

/// A fault the scenario injected, as the driver described it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// When.
    pub time: SimTime,
    /// `crash broker-1 (hard: ...)`, `pause broker-2 for 10s`, ...
    pub description: String,
}

impl Fault {
    /// A short label for the plot: the description up to its explanation.
    pub fn label(&self) -> String {
        short_label(&self.description)
    }
}

/// What a fault does to a node's state, when it does anything the timeline shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultEffect {
    /// The node goes down until it starts again.
    Crash(NodeName),
    /// The node freezes for a while.
    Pause(NodeName, SimDuration),
}

/// Everything the timeline figure shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The time of the trace's last entry: every open span ends here.
    pub end: SimTime,
    /// Controllers, then brokers by number, then every other node by name.
    pub nodes: Vec<NodeRow>,
    /// Partitions, by topic and then number.
    pub partitions: Vec<PartitionRow>,
    /// Faults, in trace order.
    pub faults: Vec<Fault>,
}

impl Timeline {
    /// The row of node `name`, if it has one.
    pub fn node(&self, name: &NodeName) -> Option<&NodeRow> {
        self.nodes.iter().find(|n| &n.name == name)
    }

    /// Every broker that has a row or led a partition, sorted: a broker's index here picks its
    /// colour, so it is the same in every figure of one run.
    pub fn brokers(&self) -> Vec<BrokerId> {
        let rows = self.nodes.iter().filter_map(|n| broker_id(&n.name));
        let leaders = self.partitions.iter().flat_map(|p| p.leaders.iter()).filter_map(|(_, l)| match l {
            Leadership::Leader { broker, .. } => Some(*broker),
            Leadership::Offline => None,
        });
        let set: BTreeSet<BrokerId> = rows.chain(leaders).collect();
        set.into_iter().collect()
    }

    /// When `row`'s leader was down or paused but still its leader: the partition could take
    /// no writes, and the controller had not noticed yet.
    pub fn leader_unavailable(&self, row: &PartitionRow) -> Vec<Span> {
        let mut out = Vec::new();
        for (span, leadership) in &row.leaders {
            let Leadership::Leader { broker, .. } = leadership else { continue };
            let Some(node) = self.node(&NodeName::broker(*broker)) else { continue };
            let stopped = node.states.iter().filter(|(_, s)| *s != NodeState::Up);
            out.extend(stopped.filter_map(|(s, _)| span.overlap(s)));
        }
        out
    }
}

/// The broker id of a node named `broker-N`.
pub fn broker_id(name: &NodeName) -> Option<BrokerId> {
    name.as_str().strip_prefix("broker-")?.parse().ok().map(BrokerId)
}

/// Where a node's row goes: controllers, then brokers by number, then the rest by name.
fn node_rank(name: &NodeName) -> (u8, u32, String) {
    let number = |prefix: &str| name.as_str().strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
    match (number("controller-"), number("broker-")) {
        (Some(n), _) => (0, n, String::new()),
        (None, Some(n)) => (1, n, String::new()),
        (None, None) => (2, 0, name.as_str().to_string()),
    }
}

/// Reads what a fault description does to a node: `crash <node> ...` or
/// `pause <node> for <duration>`. Anything else (partitions, heals, slow links) leaves node
/// states alone and is only marked on the timeline.
pub fn parse_fault(description: &str) -> Option<FaultEffect> {
    let fault = Event::Fault { description: description.to_string() };
    if let Some(node) = fault.crashed_node() {
        return Some(FaultEffect::Crash(node));
    }
    let mut words = description.split_whitespace();
    let verb = words.next()?;
    let node = NodeName(words.next()?.trim_end_matches(':').to_string());
    match verb {
        "pause" if words.next() == Some("for") => {
            parse_duration(words.next()?).ok().map(|d| FaultEffect::Pause(node, d))
        }
        _ => None,
    }
}

/// A fault description shortened for a plot label: up to its explanation (`: ...` or
/// ` (...)`), and at most [`LABEL_CHARS`] characters.
pub fn short_label(description: &str) -> String {
    let cut = [description.find(':'), description.find(" (")].into_iter().flatten().min();
    let text = description[..cut.unwrap_or(description.len())].trim_end();
    if text.chars().count() <= LABEL_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// A state that holds from one moment until it changes: builds back-to-back spans.
#[derive(Clone, Debug)]
struct Track<S> {
    /// The current state and since when, if there is one.
    open: Option<(SimTime, S)>,
    /// Finished spans, in time order.
    closed: Vec<(Span, S)>,
}

impl<S: PartialEq> Track<S> {
    /// A track with no state yet.
    fn new() -> Track<S> {
        Track { open: None, closed: Vec::new() }
    }

    /// From `now` on the state is `state` (`None`: no state). Setting the current state again
    /// changes nothing, so one span is not split in two.
    fn set(&mut self, now: SimTime, state: Option<S>) {
        if self.open.as_ref().map(|(_, s)| s) == state.as_ref() {
            return;
        }
        if let Some((start, s)) = self.open.take() {
            if now > start {
                self.closed.push((Span { start, end: now }, s));
            }
        }
        self.open = state.map(|s| (now, s));
    }

    /// Ends the open span at `end` and returns every span.
    fn finish(mut self, end: SimTime) -> Vec<(Span, S)> {
        self.set(end, None);
        self.closed
    }
}

/// A node's flags while the trace is read.
#[derive(Clone, Debug)]
struct NodeTrack {
    /// Crashed and not started again.
    down: bool,
    /// Paused until then.
    paused_until: Option<SimTime>,
    /// Up, paused or down.
    states: Track<NodeState>,
    /// Fenced by the controller.
    fenced: Track<()>,
    /// The active controller.
    active: Track<()>,
}

impl NodeTrack {
    /// A node first seen at `now`: up.
    fn new(now: SimTime) -> NodeTrack {
        let mut states = Track::new();
        states.set(now, Some(NodeState::Up));
        NodeTrack { down: false, paused_until: None, states, fenced: Track::new(), active: Track::new() }
    }

    /// The state the flags add up to.
    fn state(&self) -> NodeState {
        if self.down {
            NodeState::Down
        } else if self.paused_until.is_some() {
            NodeState::Paused
        } else {
            NodeState::Up
        }
    }

    /// Ends a pause that ran out by `now`, at the moment it ran out.
    fn expire_pause(&mut self, now: SimTime) {
        if let Some(until) = self.paused_until.filter(|&u| u <= now) {
            self.paused_until = None;
            self.states.set(until, Some(self.state()));
        }
    }

    /// Crashes (`true`) or starts (`false`) the node at `now`. A crashed controller is no
    /// longer the active one, even before another is elected.
    fn set_down(&mut self, now: SimTime, down: bool) {
        self.expire_pause(now);
        self.down = down;
        if down {
            self.active.set(now, None);
        }
        self.states.set(now, Some(self.state()));
    }

    /// Pauses the node at `now` for `duration` (extending a pause already running).
    fn pause(&mut self, now: SimTime, duration: SimDuration) {
        self.expire_pause(now);
        let until = now.plus(duration);
        self.paused_until = Some(self.paused_until.map_or(until, |u| u.max(until)));
        self.states.set(now, Some(self.state()));
    }

    /// The finished row.
    fn finish(mut self, name: NodeName, end: SimTime) -> NodeRow {
        self.expire_pause(end);
        let spans = |track: Track<()>| track.finish(end).into_iter().map(|(span, ())| span).collect();
        let (fenced, active) = (spans(self.fenced), spans(self.active));
        NodeRow { name, states: self.states.finish(end), fenced, active }
    }
}

/// A partition's state while the trace is read.
#[derive(Clone, Debug)]
struct PartitionTrack {
    /// The replica count from `TopicCreated`, or the largest ISR seen.
    replicas: usize,
    /// Whether the controller has elected a leader (or declared the partition offline): from
    /// then on, brokers' `RoleChanged` events no longer decide who leads.
    elected: bool,
    /// Who leads.
    leaders: Track<Leadership>,
    /// The ISR.
    isr: Track<Vec<BrokerId>>,
    /// Truncations so far.
    truncations: Vec<Truncation>,
}

impl PartitionTrack {
    /// A partition nothing is known about yet.
    fn new() -> PartitionTrack {
        PartitionTrack {
            replicas: 0,
            elected: false,
            leaders: Track::new(),
            isr: Track::new(),
            truncations: Vec::new(),
        }
    }

    /// The ISR is `isr` from `now` on.
    fn set_isr(&mut self, now: SimTime, isr: &[BrokerId]) {
        self.replicas = self.replicas.max(isr.len());
        self.isr.set(now, Some(isr.to_vec()));
    }

    /// The finished row.
    fn finish(self, tp: TopicPartition, end: SimTime) -> PartitionRow {
        let (leaders, isr) = (self.leaders.finish(end), self.isr.finish(end));
        PartitionRow { tp, replicas: self.replicas.max(1), leaders, isr, truncations: self.truncations }
    }
}

/// Reads a trace entry by entry into tracks.
#[derive(Default)]
struct Builder {
    /// Every node seen, except the driver.
    nodes: BTreeMap<NodeName, NodeTrack>,
    /// Every partition seen.
    partitions: BTreeMap<TopicPartition, PartitionTrack>,
    /// Faults so far.
    faults: Vec<Fault>,
}

impl Builder {
    /// The track of node `name`, created (up) at `now` if it is new.
    fn node(&mut self, name: &NodeName, now: SimTime) -> &mut NodeTrack {
        self.nodes.entry(name.clone()).or_insert_with(|| NodeTrack::new(now))
    }

    /// The track of partition `tp`.
    fn partition(&mut self, tp: &TopicPartition) -> &mut PartitionTrack {
        self.partitions.entry(tp.clone()).or_insert_with(PartitionTrack::new)
    }

    /// Reads one entry.
    fn entry(&mut self, e: &TraceEntry) {
        let now = e.time;
        let own = e.node.as_str() != DRIVER_NODE;
        if own {
            self.node(&e.node, now);
        }
        match &e.event {
            Event::NodeStarted if own => self.node(&e.node, now).set_down(now, false),
            Event::NodeCrashed if own => self.node(&e.node, now).set_down(now, true),
            Event::Fault { description } => self.fault(now, description),
            Event::BrokerFenced { broker } => self.node(&NodeName::broker(*broker), now).fenced.set(now, Some(())),
            Event::BrokerUnfenced { broker } => self.node(&NodeName::broker(*broker), now).fenced.set(now, None),
            Event::ControllerElected { .. } if own => {
                for (name, node) in self.nodes.iter_mut() {
                    node.active.set(now, (name == &e.node).then_some(()));
                }
            }
            _ => self.partition_event(e),
        }
    }

    /// Applies a fault to the node it names, when that node has a row.
    fn fault(&mut self, now: SimTime, description: &str) {
        self.faults.push(Fault { time: now, description: description.to_string() });
        match parse_fault(description) {
            Some(FaultEffect::Crash(name)) => {
                if let Some(node) = self.nodes.get_mut(&name) {
                    node.set_down(now, true);
                }
            }
            Some(FaultEffect::Pause(name, duration)) => {
                if let Some(node) = self.nodes.get_mut(&name) {
                    node.pause(now, duration);
                }
            }
            None => {}
        }
    }

    /// Reads the events about partitions: creation, leadership, ISR and truncation.
    fn partition_event(&mut self, e: &TraceEntry) {
        let now = e.time;
        match &e.event {
            Event::TopicCreated { topic, assignment } => {
                for (i, replicas) in assignment.iter().enumerate() {
                    let track = self.partition(&TopicPartition::new(topic, i as u32));
                    track.replicas = replicas.len();
                    track.set_isr(now, replicas);
                }
            }
            Event::TopicDeleted { topic } => {
                for track in self.partitions.iter_mut().filter(|(tp, _)| &tp.topic == topic).map(|(_, t)| t) {
                    track.leaders.set(now, None);
                    track.isr.set(now, None);
                }
            }
            Event::RoleChanged { tp, role, epoch } if role == "leader" => self.role_leader(e, tp, *epoch),
            Event::LeaderElected { tp, leader, epoch, isr, reason } => {
                let unclean = reason.to_lowercase().contains("unclean");
                let track = self.partition(tp);
                track.elected = true;
                track.leaders.set(now, Some(Leadership::Leader { broker: *leader, epoch: *epoch, unclean }));
                track.set_isr(now, isr);
            }
            Event::PartitionOffline { tp } => {
                let track = self.partition(tp);
                track.elected = true;
                track.leaders.set(now, Some(Leadership::Offline));
            }
            Event::IsrChanged { tp, isr, .. } => self.partition(tp).set_isr(now, isr),
            Event::Truncated { tp, from, to, .. } => {
                let truncation = Truncation { time: now, node: e.node.clone(), from: *from, to: *to };
                self.partition(tp).truncations.push(truncation);
            }
            _ => {}
        }
    }

    /// A broker says it leads `tp`: that decides the leader only until the controller's first
    /// election, because brokers learn of elections late and a stale one may still say so.
    fn role_leader(&mut self, e: &TraceEntry, tp: &TopicPartition, epoch: LeaderEpoch) {
        let Some(broker) = broker_id(&e.node) else { return };
        let track = self.partition(tp);
        if !track.elected {
            track.leaders.set(e.time, Some(Leadership::Leader { broker, epoch, unclean: false }));
        }
    }

    /// Ends every span at `end` and sorts the rows.
    fn finish(self, end: SimTime) -> Timeline {
        let mut nodes: Vec<NodeRow> = self.nodes.into_iter().map(|(name, t)| t.finish(name, end)).collect();
        nodes.sort_by_cached_key(|n| node_rank(&n.name));
        let mut partitions: Vec<PartitionRow> = self.partitions.into_iter().map(|(tp, t)| t.finish(tp, end)).collect();
        // The scenario's own topics first: internal ones (`__consumer_offsets`, 50 partitions)
        // would otherwise fill every row the figure has room for. The sort is stable.
        partitions.sort_by_key(|p| p.tp.topic.as_str().starts_with("__"));
        Timeline { end, nodes, partitions, faults: self.faults }
    }
}

/// Extracts the timeline of a trace.
pub fn timeline(trace: &Trace) -> Timeline {
    let mut builder = Builder::default();
    for entry in trace.entries() {
        builder.entry(entry);
    }
    builder.finish(trace_end(trace))
}

/// One CSV line before sorting: the row's place, the span and the texts.
type CsvLine = (usize, Span, String, String);

/// The timeline's data as CSV: `start_s,end_s,row,state`.
///
/// Rows come in the figure's order (nodes, then partitions, then faults), and within a row by
/// start, end and state. A node's row holds `up`/`paused`/`down` spans back to back, plus
/// `fenced` (brokers) or `active` (controllers) spans that overlap them; a partition's row holds `leader=N epoch=E [unclean]` or
/// `offline` spans, `isr=[...]` spans that overlap them, and `truncated` points (start equals
/// end). Faults are points in a row called `fault`, their state the driver's description.
pub fn timeline_csv(trace: &Trace) -> String {
    let data = timeline(trace);
    let mut lines: Vec<CsvLine> = Vec::new();
    for (rank, node) in data.nodes.iter().enumerate() {
        let name = node.name.to_string();
        lines.extend(node.states.iter().map(|(span, s)| (rank, *span, name.clone(), s.as_str().to_string())));
        lines.extend(node.fenced.iter().map(|span| (rank, *span, name.clone(), "fenced".to_string())));
        lines.extend(node.active.iter().map(|span| (rank, *span, name.clone(), "active".to_string())));
    }
    for (i, row) in data.partitions.iter().enumerate() {
        lines.extend(partition_lines(data.nodes.len() + i, row));
    }
    let rank = data.nodes.len() + data.partitions.len();
    let fault_line =
        |f: &Fault| (rank, Span { start: f.time, end: f.time }, "fault".to_string(), f.description.clone());
    lines.extend(data.faults.iter().map(fault_line));
    lines.sort();
    let mut out = String::from("start_s,end_s,row,state\n");
    for (_, span, row, state) in &lines {
        let (start, end) = (span.start_s(), span.end_s());
        let _ = writeln!(out, "{start:.3},{end:.3},{},{}", csv_field(row), csv_field(state));
    }
    out
}

/// The CSV lines of one partition's row.
fn partition_lines(rank: usize, row: &PartitionRow) -> Vec<CsvLine> {
    let name = row.tp.to_string();
    let mut lines: Vec<CsvLine> =
        row.leaders.iter().map(|(span, l)| (rank, *span, name.clone(), l.to_string())).collect();
    lines.extend(row.isr.iter().map(|(span, isr)| (rank, *span, name.clone(), format!("isr={}", fmt_brokers(isr)))));
    lines.extend(row.truncations.iter().map(|t| {
        let state = format!("truncated {} from={} to={}", t.node, t.from, t.to);
        (rank, Span { start: t.time, end: t.time }, name.clone(), state)
    }));
    lines
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::TopicName;

    /// Records `event` from `node` at `ms`.
    fn at(trace: &mut Trace, ms: u64, node: &str, event: Event) {
        trace.record(SimTime::from_millis(ms), NodeName(node.into()), event);
    }

    /// Records a fault at `ms`.
    fn fault(trace: &mut Trace, ms: u64, description: &str) {
        at(trace, ms, DRIVER_NODE, Event::Fault { description: description.into() });
    }

    /// `orders-p`.
    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new(&TopicName::new("orders"), p)
    }

    /// Broker ids.
    fn ids(ids: &[u32]) -> Vec<BrokerId> {
        ids.iter().map(|&i| BrokerId(i)).collect()
    }

    /// A span from `a` to `b` milliseconds.
    fn span(a: u64, b: u64) -> Span {
        Span { start: SimTime::from_millis(a), end: SimTime::from_millis(b) }
    }

    /// A leader.
    fn leader(broker: u32, epoch: u32, unclean: bool) -> Leadership {
        Leadership::Leader { broker: BrokerId(broker), epoch: LeaderEpoch(epoch), unclean }
    }

    /// A small leader crash: three brokers and two controllers, `orders-0` led by broker 1,
    /// which crashes at 2s, is fenced at 3s (broker 2 takes over), restarts at 5s, truncates and
    /// is unfenced; broker 3 is paused at 6s for 500ms; controller-2 crashes at 6.5s and
    /// controller-1 takes over at 6.8s. Ends at 8s.
    pub(crate) fn crash_trace() -> Trace {
        let mut t = Trace::new();
        at(&mut t, 0, "controller-1", Event::NodeStarted);
        at(&mut t, 0, "controller-2", Event::NodeStarted);
        at(&mut t, 0, "controller-2", Event::ControllerElected { term: 1 });
        let assignment = vec![ids(&[1, 2, 3])];
        at(&mut t, 0, "controller-1", Event::TopicCreated { topic: TopicName::new("orders"), assignment });
        for b in ["broker-2", "broker-10", "broker-1", "broker-3", "producer-a"] {
            at(&mut t, 0, b, Event::NodeStarted);
        }
        let role = |role: &str| Event::RoleChanged { tp: tp(0), role: role.into(), epoch: LeaderEpoch(0) };
        at(&mut t, 3, "broker-1", role("leader"));
        at(&mut t, 4, "broker-2", role("follower of broker-1"));
        fault(&mut t, 2000, "crash broker-1 (hard: its links go silent, its memory is lost)");
        at(&mut t, 3000, "controller-1", Event::BrokerFenced { broker: BrokerId(1) });
        let isr = Event::IsrChanged { tp: tp(0), isr: ids(&[2, 3]), reason: "broker 1 fenced".into() };
        at(&mut t, 3000, "controller-1", isr);
        let elected = |leader: u32, epoch: u32, reason: &str| Event::LeaderElected {
            tp: tp(0),
            leader: BrokerId(leader),
            epoch: LeaderEpoch(epoch),
            isr: ids(&[2, 3]),
            reason: reason.into(),
        };
        at(&mut t, 3000, "controller-1", elected(2, 1, "leader 1 fenced"));
        at(
            &mut t,
            3001,
            "broker-1",
            Event::LogEnd {
                tp: tp(0),
                is_leader: false,
                ids: vec![],
                log_start_offset: Offset(0),
                high_watermark: Offset(0),
                log_end_offset: Offset(0),
                segments: vec![],
            },
        );
        fault(&mut t, 5000, "restart broker-1");
        at(&mut t, 5000, "broker-1", Event::NodeStarted);
        let cut = Event::Truncated { tp: tp(0), from: Offset(12), to: Offset(10), reason: "leader epoch".into() };
        at(&mut t, 5002, "broker-1", cut);
        at(&mut t, 5004, "controller-1", Event::BrokerUnfenced { broker: BrokerId(1) });
        fault(&mut t, 6000, "pause broker-3 for 500ms");
        fault(&mut t, 6500, "crash controller-2");
        at(&mut t, 6800, "controller-1", Event::ControllerElected { term: 2 });
        at(&mut t, 7000, "controller-1", Event::PartitionOffline { tp: tp(0) });
        at(&mut t, 7500, "controller-1", elected(3, 2, "UNCLEAN: no in-sync replica alive"));
        at(&mut t, 8000, "producer-a", Event::NodeStarted);
        t
    }

    #[test]
    fn rows_are_controllers_then_brokers_by_number_then_others() {
        let data = timeline(&crash_trace());
        let names: Vec<&str> = data.nodes.iter().map(|n| n.name.as_str()).collect();
        let expected = ["controller-1", "controller-2", "broker-1", "broker-2", "broker-3", "broker-10", "producer-a"];
        assert_eq!(names, expected);
        assert_eq!(data.brokers(), ids(&[1, 2, 3, 10]));
        assert_eq!(data.end, SimTime::from_millis(8000));
    }

    #[test]
    fn crash_and_restart_make_a_down_span_and_fencing_overlaps_it() {
        let data = timeline(&crash_trace());
        let b1 = data.node(&NodeName("broker-1".into())).unwrap();
        let expected = vec![
            (span(0, 2000), NodeState::Up),
            (span(2000, 5000), NodeState::Down),
            (span(5000, 8000), NodeState::Up),
        ];
        assert_eq!(b1.states, expected);
        assert_eq!(b1.fenced, vec![span(3000, 5004)]);
        let b3 = data.node(&NodeName("broker-3".into())).unwrap();
        let paused = vec![
            (span(0, 6000), NodeState::Up),
            (span(6000, 6500), NodeState::Paused),
            (span(6500, 8000), NodeState::Up),
        ];
        assert_eq!(b3.states, paused);
        let (c1, c2) = (data.node(&NodeName::controller(1)).unwrap(), data.node(&NodeName::controller(2)).unwrap());
        assert_eq!((c1.active.clone(), c2.active.clone()), (vec![span(6800, 8000)], vec![span(0, 6500)]));
    }

    #[test]
    fn leadership_starts_from_the_first_leader_role_and_follows_elections() {
        let data = timeline(&crash_trace());
        let row = &data.partitions[0];
        let expected = vec![
            (span(3, 3000), leader(1, 0, false)),
            (span(3000, 7000), leader(2, 1, false)),
            (span(7000, 7500), Leadership::Offline),
            (span(7500, 8000), leader(3, 2, true)),
        ];
        assert_eq!(row.leaders, expected);
        assert_eq!(row.isr, vec![(span(0, 3000), ids(&[1, 2, 3])), (span(3000, 8000), ids(&[2, 3]))]);
        assert_eq!(row.replicas, 3);
        assert_eq!(row.truncations.len(), 1);
        assert_eq!(data.leader_unavailable(row), vec![span(2000, 3000)]);
    }

    #[test]
    fn faults_parse_into_effects() {
        let b1 = NodeName("broker-1".into());
        assert_eq!(parse_fault("crash broker-1 (hard: ...)"), Some(FaultEffect::Crash(b1.clone())));
        assert_eq!(parse_fault("crash broker-1: already down"), Some(FaultEffect::Crash(b1.clone())));
        assert_eq!(
            parse_fault("pause broker-1 for 10s"),
            Some(FaultEffect::Pause(b1.clone(), SimDuration::from_millis(10_000)))
        );
        assert_eq!(
            parse_fault("pause broker-1 for 500ms"),
            Some(FaultEffect::Pause(b1, SimDuration::from_millis(500)))
        );
        assert_eq!(parse_fault("pause broker-1 for ever"), None);
        assert_eq!(parse_fault("restart broker-1"), None);
        assert_eq!(parse_fault("heal: 2 cut link(s) repaired"), None);
        assert_eq!(parse_fault(""), None);
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(short_label("crash broker-1 (hard: its links go silent)"), "crash broker-1");
        assert_eq!(short_label("heal: 2 cut link(s) repaired"), "heal");
        assert_eq!(short_label("pause broker-2 for 10s"), "pause broker-2 for 10s");
        let long = short_label("partition [broker-1] <-> [broker-2, broker-3, controller-1]");
        assert_eq!(long.chars().count(), LABEL_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn an_overlapping_crash_outlasts_a_pause() {
        let mut t = Trace::new();
        at(&mut t, 0, "broker-1", Event::NodeStarted);
        fault(&mut t, 1000, "pause broker-1 for 2s");
        fault(&mut t, 1500, "crash broker-1");
        fault(&mut t, 1600, "crash controller-9");
        at(&mut t, 4000, "broker-2", Event::NodeStarted);
        let data = timeline(&t);
        let b1 = data.node(&NodeName("broker-1".into())).unwrap();
        let expected = vec![
            (span(0, 1000), NodeState::Up),
            (span(1000, 1500), NodeState::Paused),
            (span(1500, 4000), NodeState::Down),
        ];
        assert_eq!(b1.states, expected);
        assert_eq!(data.nodes.len(), 2, "a fault naming an unknown node adds no row");
    }

    #[test]
    fn csv_is_sorted_by_row_then_time() {
        let csv = timeline_csv(&crash_trace());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "start_s,end_s,row,state");
        let broker1: Vec<&str> = lines.iter().copied().filter(|l| l.contains(",broker-1,")).collect();
        let expected = [
            "0.000,2.000,broker-1,up",
            "2.000,5.000,broker-1,down",
            "3.000,5.004,broker-1,fenced",
            "5.000,8.000,broker-1,up",
        ];
        assert_eq!(broker1, expected);
        let orders: Vec<&str> = lines.iter().copied().filter(|l| l.contains(",orders-0,")).collect();
        let expected = [
            "0.000,3.000,orders-0,\"isr=[1,2,3]\"",
            "0.003,3.000,orders-0,leader=1 epoch=0",
            "3.000,7.000,orders-0,leader=2 epoch=1",
            "3.000,8.000,orders-0,\"isr=[2,3]\"",
            "5.002,5.002,orders-0,truncated broker-1 from=12 to=10",
            "7.000,7.500,orders-0,offline",
            "7.500,8.000,orders-0,leader=3 epoch=2 unclean",
        ];
        assert_eq!(orders, expected);
        assert_eq!(&lines[1..3], ["0.000,8.000,controller-1,up", "6.800,8.000,controller-1,active"]);
        assert_eq!(lines.last(), Some(&"6.500,6.500,fault,crash controller-2"));
        assert_eq!(csv, timeline_csv(&crash_trace()), "the text is deterministic");
    }

    #[test]
    fn internal_topics_come_after_the_scenarios_own() {
        let mut trace = Trace::new();
        for topic in ["__consumer_offsets", "orders"] {
            let created = Event::TopicCreated { topic: TopicName::new(topic), assignment: vec![ids(&[1])] };
            at(&mut trace, 0, "controller-1", created);
        }
        let rows: Vec<String> = timeline(&trace).partitions.iter().map(|p| p.tp.to_string()).collect();
        assert_eq!(rows, ["orders-0", "__consumer_offsets-0"]);
    }

    #[test]
    fn empty_and_fault_free_traces() {
        assert_eq!(timeline(&Trace::new()), Timeline::default());
        assert_eq!(timeline_csv(&Trace::new()), "start_s,end_s,row,state\n");
        let mut t = Trace::new();
        at(&mut t, 0, "broker-1", Event::NodeStarted);
        at(&mut t, 0, DRIVER_NODE, Event::NodeCrashed);
        at(&mut t, 1000, "broker-1", Event::MetadataUpdated { version: 2 });
        assert_eq!(timeline_csv(&t), "start_s,end_s,row,state\n0.000,1.000,broker-1,up\n");
    }
}
