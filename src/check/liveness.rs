//! Liveness: does every record get an answer, and does the cluster come back after a fault?
//!
//! The other checkers judge *safety*: nothing bad happened (no acknowledged record lost, no
//! order broken). Safety is easy to satisfy by doing nothing; a cluster that refuses every
//! write loses nothing. Liveness asks that something good happens *in time*, and "in time" is
//! where Kafka's configuration comes in: every bound below is derived from the timeouts a
//! scenario sets, never from a number chosen by the checker.
//!
//! Four facts, all read from the trace:
//! - **Resolution.** Kafka's producer promises that `send()`'s callback fires within
//!   `delivery.timeout.ms`: the record is acknowledged, or it fails with an error
//!   (`RecordAccumulator.expiredBatches` for batches still queued, and
//!   `Sender.getExpiredInflightBatches` for batches in flight). A record still waiting when
//!   the run ends, but not yet past its deadline, is *pending*, reported with when it was
//!   sent. With `acks=0` the send is complete when the request leaves (`NetworkClient`
//!   completes a request that expects no response in `handleCompletedSends`), so such records
//!   are resolved by their `produce-requested` line.
//! - **Produce stalls.** A partition with records waiting and no acknowledgement for longer
//!   than `request.timeout.ms` plus the [failover time](failover_time): a leader failover
//!   alone should never take that long.
//! - **Partition recovery.** Once the last fault has ended, every partition whose replicas
//!   are all up again accepts writes within [`recovery_bound`].
//! - **Group recovery.** Once the last fault has ended, every consumer group reaches a stable
//!   generation with every partition of its topics owned within [`group_bound`].
//!
//! The first two are scenario expectations (`unresolved_records`, `produce_stalls`); the
//! last two are what the fuzzer asks of every generated case, whatever its configuration
//! (`unrecovered_partitions`, `unsettled_groups`).

use crate::group::records::{partition_for, OFFSETS_TOPIC};
use crate::protocol::produce::Acks;
use crate::scenario::model::NotifySpec;
use crate::scenario::Scenario;
use crate::trace::{Event, Trace};
use crate::types::{GroupId, NodeName, RecordId, SimDuration, SimTime, TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

/// The timeouts of one producer that bound its records' lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProducerBounds {
    delivery_timeout: SimDuration,
    request_timeout: SimDuration,
    retry_backoff: SimDuration,
}

impl ProducerBounds {
    fn of(c: &crate::scenario::config::Config) -> ProducerBounds {
        ProducerBounds {
            delivery_timeout: SimDuration::from_millis(c.uint("delivery.timeout.ms")),
            request_timeout: SimDuration::from_millis(c.uint("request.timeout.ms")),
            retry_backoff: SimDuration::from_millis(c.uint("retry.backoff.ms")),
        }
    }
}

/// Every producer's bounds, by the producer number record ids carry: the scenario's
/// `[[producers]]` in order, then the producers embedded in order services.
fn producer_bounds(s: &Scenario) -> Vec<ProducerBounds> {
    let mut out: Vec<ProducerBounds> = s.producers.iter().map(|p| ProducerBounds::of(&p.config)).collect();
    for o in &s.order_services {
        let c = match &o.notify {
            NotifySpec::Topic { config, .. } => config.clone(),
            NotifySpec::Call { .. } => {
                crate::scenario::config::Config::with_defaults(crate::scenario::config::PRODUCER_KEYS, BTreeMap::new())
            }
        };
        out.push(ProducerBounds::of(&c));
    }
    out
}

/// The largest one-way network latency of the scenario.
fn latency(s: &Scenario) -> SimDuration {
    s.cluster.latency_max
}

/// The failover time: how long a partition may be without a reachable leader after its
/// leader's broker dies, by Kafka's own timeouts.
///
/// - The controller fences a broker it has not heard from for `broker.session.timeout.ms`
///   (KRaft's `BrokerHeartbeatManager`), counted from the last heartbeat, so at most that long
///   after the crash.
/// - It elects a new leader from the ISR in the same step (`ReplicationControlManager`'s
///   `handleBrokerFenced`); the new image reaches the brokers on their long-polled heartbeat:
///   one network round trip.
/// - The producer learns of it when its next request fails: after `retry.backoff.ms` it asks
///   for metadata (a round trip) and resends (another).
///
/// So: `broker.session.timeout.ms` + `retry.backoff.ms` + three round trips at the largest
/// latency, plus one tick for the step that notices.
pub fn failover_time(s: &Scenario, retry_backoff: SimDuration) -> SimDuration {
    let session = SimDuration::from_millis(s.broker.uint("broker.session.timeout.ms"));
    SimDuration(session.0 + retry_backoff.0 + 6 * latency(s).0 + s.tick.0)
}

/// The longest a partition may go without an acknowledgement while records wait: one
/// `request.timeout.ms` (the request to the dead leader, sent just before the new leader was
/// known, runs its full timeout) plus the [failover time](failover_time).
pub fn stall_threshold(s: &Scenario, b: ClientTimeouts) -> SimDuration {
    SimDuration(b.request_timeout.0 + failover_time(s, b.retry_backoff).0)
}

/// A producer's `request.timeout.ms` and `retry.backoff.ms`, for the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// `request.timeout.ms`.
    pub request_timeout: SimDuration,
    /// `retry.backoff.ms`.
    pub retry_backoff: SimDuration,
}

/// The largest producer timeouts of a scenario (the bounds must hold for the slowest).
fn slowest(s: &Scenario) -> ClientTimeouts {
    let all = producer_bounds(s);
    ClientTimeouts {
        request_timeout: all.iter().map(|b| b.request_timeout).max().unwrap_or(SimDuration::from_millis(30_000)),
        retry_backoff: all.iter().map(|b| b.retry_backoff).max().unwrap_or(SimDuration::from_millis(100)),
    }
}

/// How long after the last fault ended every partition whose replicas are all up accepts
/// writes again. Each term is a step of the way back, by the timeout that bounds it:
///
/// - a restarted or reconnected broker heartbeats within `broker.heartbeat.interval.ms` and is
///   unfenced; a stale incarnation still in an ISR on paper is fenced within
///   `broker.session.timeout.ms`; either way an offline partition gets a leader;
/// - its followers fetch again after `replica.fetch.backoff.ms`, wait at most
///   `replica.fetch.wait.max.ms` per fetch, and a follower that cannot catch up is dropped
///   from the ISR after `replica.lag.time.max.ms` (so `acks=all` stops waiting for it);
/// - the producer's request outstanding to a dead connection times out after
///   `request.timeout.ms`; after `retry.backoff.ms` it refreshes metadata (which may itself
///   wait one `request.timeout.ms` on a broker that does not answer) and resends;
/// - plus the failover's network round trips and one second for the backlog a two-way
///   partition held back and delivers at once on `heal`.
pub fn recovery_bound(s: &Scenario) -> SimDuration {
    let us = |k: &str| s.broker.uint(k) * 1000;
    let p = slowest(s);
    let broker = us("broker.heartbeat.interval.ms")
        + us("broker.session.timeout.ms")
        + us("replica.fetch.backoff.ms")
        + us("replica.fetch.wait.max.ms")
        + us("replica.lag.time.max.ms");
    let client = 2 * p.request_timeout.0 + p.retry_backoff.0;
    SimDuration(broker + client + 6 * latency(s).0 + 1_000_000)
}

/// How long after the last fault ended every consumer group is stable with every partition
/// owned: the partitions' [`recovery_bound`] (the group's coordinator lives on the leader of
/// a `__consumer_offsets` partition), then the member's way back to its coordinator (its
/// heartbeat times out after the consumer's `request.timeout.ms`, a `heartbeat.interval.ms`
/// later it looks the coordinator up again), a `session.timeout.ms` for the coordinator to
/// evict a member that will not come back, `group.initial.rebalance.delay.ms` for a group
/// loaded anew, and two rebalance timeouts (`max.poll.interval.ms`): the join phase waits at
/// most that for every member, and the cooperative protocol needs a second round to hand out
/// the partitions the first one revoked (`ConsumerCoordinator`'s cooperative rebalance).
pub fn group_bound(s: &Scenario) -> SimDuration {
    let grouped: Vec<&crate::scenario::model::ConsumerSpec> =
        s.consumers.iter().filter(|c| c.group.is_some()).collect();
    let max = |k: &str| grouped.iter().map(|c| c.config.uint(k) * 1000).max().unwrap_or(0);
    let consumer = max("request.timeout.ms")
        + max("heartbeat.interval.ms")
        + max("session.timeout.ms")
        + 2 * max("max.poll.interval.ms")
        + max("retry.backoff.ms");
    let delay = s.broker.uint("group.initial.rebalance.delay.ms") * 1000;
    SimDuration(recovery_bound(s).0 + consumer + delay)
}

/// A record that was not resolved within `delivery.timeout.ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The record.
    pub id: RecordId,
    /// Its partition.
    pub tp: TopicPartition,
    /// When `send()` took it.
    pub sent: SimTime,
    /// When its callback should have fired at the latest.
    pub deadline: SimTime,
    /// When it was resolved after all (None: never).
    pub resolved: Option<SimTime>,
}

/// A record still waiting when the run ended, within its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The record.
    pub id: RecordId,
    /// Its partition.
    pub tp: TopicPartition,
    /// When `send()` took it.
    pub since: SimTime,
}

/// A stretch of time in which records waited on a partition and none was acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stall {
    /// The partition.
    pub tp: TopicPartition,
    /// From the last acknowledgement (or the first record sent) ...
    pub from: SimTime,
    /// ... to the next one, the last failure, or the end of the run.
    pub to: SimTime,
    /// Whether it was still going on when the run ended.
    pub open: bool,
}

impl std::fmt::Display for Stall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |t: SimTime| format!("{:.1} s", t.as_secs_f64());
        write!(f, "{}: no produce acknowledged from {} to {}", self.tp, s(self.from), s(self.to))?;
        if self.open {
            write!(f, " (the end of the run)")?;
        }
        Ok(())
    }
}

/// What the liveness checkers found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    /// Records sent.
    pub sent: u64,
    /// Records resolved in time (acknowledged, failed, or sent with `acks=0`).
    pub resolved: u64,
    /// Records past their `delivery.timeout.ms` without an answer (late or never).
    pub unresolved: Vec<Unresolved>,
    /// Records still waiting at the end, within their deadline.
    pub pending: Vec<Pending>,
    /// Records whose producer crashed before they were resolved (nothing can answer them).
    pub orphaned: u64,
    /// Waits without an acknowledgement longer than the stall threshold of their partition.
    pub stalls: Vec<Stall>,
    /// When the last fault ended (None: no fault).
    pub last_fault_end: Option<SimTime>,
    /// Partitions that did not accept writes within [`recovery_bound`] of the last fault's end.
    pub unrecovered: Vec<String>,
    /// Groups not stable with every partition owned within [`group_bound`] of it.
    pub unsettled_groups: Vec<String>,
    /// Whether the run lasted long enough to judge the two recovery properties.
    pub recovery_judged: bool,
}

/// Per partition: how many records wait, and since when none was acknowledged.
#[derive(Clone, Debug, Default)]
struct Waiting {
    outstanding: u64,
    since: Option<SimTime>,
    /// Every stretch without an acknowledgement while records waited: (from, to, open).
    windows: Vec<(SimTime, SimTime, bool)>,
}

impl Waiting {
    fn sent(&mut self, now: SimTime) {
        if self.outstanding == 0 {
            self.since = Some(now);
        }
        self.outstanding += 1;
    }

    /// `n` records of the partition were resolved; `success` when the broker took them.
    fn resolved(&mut self, now: SimTime, n: u64, success: bool) {
        if n == 0 {
            return;
        }
        self.outstanding -= n;
        if success || self.outstanding == 0 {
            if let Some(from) = self.since.take() {
                self.windows.push((from, now, false));
            }
        }
        if self.outstanding > 0 && self.since.is_none() {
            self.since = Some(now);
        }
    }

    fn finish(&mut self, end: SimTime) {
        if let Some(from) = self.since.take() {
            self.windows.push((from, end, true));
        }
    }
}

/// Reading the trace, record by record.
struct Reader<'a> {
    s: &'a Scenario,
    bounds: Vec<ProducerBounds>,
    /// Unresolved records: partition, when sent.
    open: BTreeMap<RecordId, (TopicPartition, SimTime)>,
    waiting: BTreeMap<TopicPartition, Waiting>,
    out: Liveness,
    fault_end: Option<SimTime>,
    /// Each partition's replicas, from `topic-created`.
    replicas: BTreeMap<TopicPartition, Vec<crate::types::BrokerId>>,
}

impl Reader<'_> {
    fn deadline(&self, id: RecordId, sent: SimTime) -> SimTime {
        let timeout =
            self.bounds.get(id.producer as usize).map_or(SimDuration::from_millis(120_000), |b| b.delivery_timeout);
        // One tick of slack: the producer notices an expired batch on the step after.
        sent.plus(timeout).plus(self.s.tick)
    }

    fn resolve(&mut self, now: SimTime, ids: &[RecordId], success: bool) {
        let mut per_tp: BTreeMap<TopicPartition, u64> = BTreeMap::new();
        for id in ids {
            // A `send()` that failed while blocked never got a `sent` line: nothing to resolve.
            let Some((tp, sent)) = self.open.remove(id) else { continue };
            let deadline = self.deadline(*id, sent);
            if now > deadline {
                self.out.unresolved.push(Unresolved { id: *id, tp: tp.clone(), sent, deadline, resolved: Some(now) });
            } else {
                self.out.resolved += 1;
            }
            *per_tp.entry(tp).or_default() += 1;
        }
        for (tp, n) in per_tp {
            self.waiting.entry(tp).or_default().resolved(now, n, success);
        }
    }

    fn note_fault(&mut self, now: SimTime, description: &str) {
        let end = match description.strip_prefix("pause ").and_then(|r| r.split_once(" for ")) {
            Some((_, d)) => now.plus(crate::scenario::duration::parse_duration(d).unwrap_or(SimDuration::ZERO)),
            None => now,
        };
        self.fault_end = Some(self.fault_end.map_or(end, |e| e.max(end)));
        // A crashed producer takes its unanswered records with it.
        let crashed = Event::Fault { description: description.to_string() }.crashed_node();
        let Some(node) = crashed else { return };
        let Some(index) = self.s.producers.iter().position(|p| NodeName(format!("producer-{}", p.name)) == node) else {
            return;
        };
        let orphans: Vec<RecordId> = self.open.keys().filter(|id| id.producer as usize == index).copied().collect();
        self.out.orphaned += orphans.len() as u64;
        let mut per_tp: BTreeMap<TopicPartition, u64> = BTreeMap::new();
        for id in orphans {
            let (tp, _) = self.open.remove(&id).expect("listed as open");
            *per_tp.entry(tp).or_default() += 1;
        }
        for (tp, n) in per_tp {
            let w = self.waiting.entry(tp).or_default();
            w.outstanding -= n;
            if w.outstanding == 0 {
                w.since = None;
            }
        }
    }

    fn take(&mut self, now: SimTime, event: &Event) {
        match event {
            Event::Sent { id, tp, .. } => {
                self.out.sent += 1;
                self.open.insert(*id, (tp.clone(), now));
                self.waiting.entry(tp.clone()).or_default().sent(now);
            }
            Event::ProduceRequested { ids, acks: Acks::None, .. } => self.resolve(now, ids, true),
            Event::Acked { ids, .. } => self.resolve(now, ids, true),
            Event::SendFailed { ids, .. } => self.resolve(now, ids, false),
            Event::Fault { description } => self.note_fault(now, description),
            Event::TopicCreated { topic, assignment } => {
                for (i, r) in assignment.iter().enumerate() {
                    self.replicas.insert(TopicPartition::new(topic, i as u32), r.clone());
                }
            }
            _ => {}
        }
    }
}

/// Run the liveness checkers over a trace of scenario `s`.
pub fn check(trace: &Trace, s: &Scenario) -> Liveness {
    let mut r = Reader {
        s,
        bounds: producer_bounds(s),
        open: BTreeMap::new(),
        waiting: BTreeMap::new(),
        out: Liveness::default(),
        fault_end: None,
        replicas: BTreeMap::new(),
    };
    let mut end = SimTime::ZERO;
    for e in trace.entries() {
        end = e.time;
        r.take(e.time, &e.event);
    }
    // The run lasted `duration`, even if its last line came earlier.
    end = end.max(SimTime::ZERO.plus(s.duration));
    let open = std::mem::take(&mut r.open);
    for (id, (tp, sent)) in open {
        let deadline = r.deadline(id, sent);
        if end > deadline {
            r.out.unresolved.push(Unresolved { id, tp, sent, deadline, resolved: None });
        } else {
            r.out.pending.push(Pending { id, tp, since: sent });
        }
    }
    r.out.unresolved.sort_by_key(|u| (u.sent, u.id));
    r.out.pending.sort_by_key(|p| (p.since, p.id));
    for w in r.waiting.values_mut() {
        w.finish(end);
    }
    r.out.last_fault_end = r.fault_end;
    let threshold = stall_threshold(s, slowest(s));
    for (tp, w) in &r.waiting {
        for &(from, to, open) in &w.windows {
            if to.since(from) > threshold {
                r.out.stalls.push(Stall { tp: tp.clone(), from, to, open });
            }
        }
    }
    r.out.stalls.sort_by_key(|st| (st.from, st.tp.clone()));
    let recovered_from = r.fault_end.unwrap_or(SimTime::ZERO);
    r.out.recovery_judged = end >= recovered_from.plus(group_bound(s));
    let analysis = super::analysis::Analysis::of(trace);
    r.out.unrecovered = unrecovered(&r, &analysis, recovered_from, end);
    r.out.unsettled_groups = unsettled(trace, s, recovered_from, end);
    r.out
}

/// Partitions that, after the last fault ended at `healed`, waited longer than the recovery
/// bound for an acknowledgement, though all their replicas were up at the end.
fn unrecovered(r: &Reader, a: &super::analysis::Analysis, healed: SimTime, end: SimTime) -> Vec<String> {
    let bound = recovery_bound(r.s);
    let mut out = Vec::new();
    for (tp, w) in &r.waiting {
        let all_up =
            r.replicas.get(tp).is_some_and(|reps| reps.iter().all(|b| !a.was_down(&NodeName::broker(*b), end)));
        if !all_up {
            continue;
        }
        for &(from, to, _) in &w.windows {
            let from = from.max(healed);
            if to > from && to.since(from) > bound {
                out.push(format!(
                    "{tp}: no write accepted from {:.1} s to {:.1} s, more than the recovery bound {bound} after the last fault ended at {:.1} s",
                    from.as_secs_f64(),
                    to.as_secs_f64(),
                    healed.as_secs_f64()
                ));
                break;
            }
        }
    }
    out
}

/// What each group's *current* coordinator last said: Some((since, owned partitions)) when
/// stable, None while rebalancing or empty.
///
/// The coordinator of a group is the leader of its `__consumer_offsets` partition with the
/// highest leader epoch. A coordinator that was cut off or paused may still act on a group it
/// no longer coordinates (it evicts members whose heartbeats went to its successor) until it
/// learns it lost the offsets partition: its lines are its own view, not the group's. Each
/// broker's view is what it last said about the group; a load replaces it with the last
/// stored generation and assignment (`GroupMetadataManager.loadGroupsAndOffsets`), and a
/// broker that becomes leader again while it still holds the group keeps its in-memory state
/// (`CoordinatorRuntime.scheduleLoadOperation` leaves an ACTIVE coordinator as it is).
fn coordinator_views(trace: &Trace, s: &Scenario) -> BTreeMap<GroupId, Option<(SimTime, BTreeSet<TopicPartition>)>> {
    type View = Option<(SimTime, BTreeSet<TopicPartition>)>;
    let offsets_partitions = s.broker.uint("offsets.topic.num.partitions") as u32;
    let offsets = TopicName::new(OFFSETS_TOPIC);
    // Offsets partition -> (leader epoch, leader).
    let mut leaders: BTreeMap<u32, (u32, NodeName)> = BTreeMap::new();
    let mut stored: BTreeMap<GroupId, BTreeSet<TopicPartition>> = BTreeMap::new();
    let mut views: BTreeMap<(GroupId, NodeName), View> = BTreeMap::new();
    let mut groups: BTreeSet<GroupId> = BTreeSet::new();
    for e in trace.entries() {
        let mut set = |g: &GroupId, view: View| {
            groups.insert(g.clone());
            views.insert((g.clone(), e.node.clone()), view);
        };
        match &e.event {
            Event::RoleChanged { tp, role, epoch } if tp.topic == offsets && role == "leader" => {
                let newer = leaders.get(&tp.partition.0).is_none_or(|(known, _)| epoch.0 >= *known);
                if newer {
                    leaders.insert(tp.partition.0, (epoch.0, e.node.clone()));
                }
            }
            Event::CoordinatorChanged { loaded: true, groups, .. } => {
                for g in groups {
                    set(g, stored.get(g).cloned().map(|owned| (e.time, owned)));
                }
            }
            Event::CoordinatorChanged { loaded: false, groups, .. } => {
                for g in groups {
                    views.remove(&(g.clone(), e.node.clone()));
                }
            }
            Event::GroupStable { group, assignment, .. } => {
                let owned: BTreeSet<TopicPartition> =
                    assignment.iter().flat_map(|(_, tps)| tps.iter().cloned()).collect();
                let leader = leaders.get(&partition_for(group, offsets_partitions)).map(|(_, n)| n);
                if leader == Some(&e.node) {
                    stored.insert(group.clone(), owned.clone());
                }
                set(group, Some((e.time, owned)));
            }
            // Not `stored`: a coordinator cut off from its followers records an eviction it cannot
            // replicate, and its successor loads the last stable generation; if the members do
            // find their group empty there, they rejoin and the successor's own lines say so.
            Event::GroupEmpty { group, .. }
            | Event::GroupRebalancing { group, .. }
            | Event::GroupJoined { group, .. } => set(group, None),
            _ => {}
        }
    }
    let mut last = BTreeMap::new();
    for g in groups {
        let leader = leaders.get(&partition_for(&g, offsets_partitions)).map(|(_, n)| n.clone());
        let view = leader.and_then(|n| views.get(&(g.clone(), n)).cloned()).flatten();
        last.insert(g, view);
    }
    last
}

/// Groups that were not stable, with every partition of their topics owned, from at most the
/// group bound after the last fault ended at `healed` until the end of the run.
fn unsettled(trace: &Trace, s: &Scenario, healed: SimTime, end: SimTime) -> Vec<String> {
    let deadline = healed.plus(group_bound(s));
    let mut topics: BTreeMap<GroupId, BTreeSet<TopicName>> = BTreeMap::new();
    for c in &s.consumers {
        if let Some(g) = &c.group {
            topics.entry(GroupId(g.clone())).or_default().extend(c.topics.iter().cloned());
        }
    }
    let mut partitions: BTreeMap<TopicName, u32> = BTreeMap::new();
    for e in trace.entries() {
        if let Event::TopicCreated { topic, assignment } = &e.event {
            partitions.insert(topic.clone(), assignment.len() as u32);
        }
    }
    let last = coordinator_views(trace, s);
    let mut out = Vec::new();
    for (group, subscribed) in &topics {
        let want: BTreeSet<TopicPartition> = subscribed
            .iter()
            .flat_map(|t| (0..partitions.get(t).copied().unwrap_or(0)).map(move |p| TopicPartition::new(t, p)))
            .collect();
        let problem = match last.get(group).cloned().flatten() {
            None if end < deadline => None,
            None => Some("not stable at the end".to_string()),
            Some((at, owned)) => {
                let missing: Vec<String> = want.difference(&owned).map(|tp| tp.to_string()).collect();
                if !missing.is_empty() && end >= deadline {
                    Some(format!("stable at {:.1} s but nobody owns {}", at.as_secs_f64(), missing.join(",")))
                } else if at > deadline {
                    Some(format!("stable only at {:.1} s", at.as_secs_f64()))
                } else {
                    None
                }
            }
        };
        if let Some(p) = problem {
            out.push(format!(
                "group {group}: {p}, expected by {:.1} s (last fault ended at {:.1} s, group bound {})",
                deadline.as_secs_f64(),
                healed.as_secs_f64(),
                group_bound(s)
            ));
        }
    }
    out
}

impl Liveness {
    /// The summary's line: `liveness: ...`.
    pub fn summary_line(&self) -> String {
        let mut line = format!(
            "liveness: {} of {} records resolved within delivery.timeout.ms, {} unresolved, {} pending at the end",
            self.resolved,
            self.sent,
            self.unresolved.len(),
            self.pending.len()
        );
        if let Some(p) = self.pending.first() {
            line.push_str(&format!(" (oldest sent at {:.1} s)", p.since.as_secs_f64()));
        }
        match self.stalls.len() {
            0 => line.push_str("; no produce stalls"),
            n => {
                let shown: Vec<String> = self.stalls.iter().take(3).map(|st| st.to_string()).collect();
                line.push_str(&format!("; {n} produce stalls: {}", shown.join("; ")));
                if n > 3 {
                    line.push_str("; ...");
                }
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "name = \"t\"\ndescription = \"d\"\nduration = \"60s\"\n[broker]\n\"broker.session.timeout.ms\" = 6000\n[[topics]]\nname = \"clicks\"\npartitions = 1\n[[producers]]\nname = \"p\"\ntopic = \"clicks\"\nconfig = {{ \"request.timeout.ms\" = 5000, \"delivery.timeout.ms\" = 20000 }}\n{extra}"
        );
        crate::scenario::parse(&text, "t.toml", std::path::Path::new("t.toml")).unwrap()
    }

    fn id(seq: u64) -> RecordId {
        RecordId { producer: 0, seq }
    }

    fn sent(t: &mut Trace, ms: u64, seq: u64) {
        let tp = TopicPartition::new(&TopicName::new("clicks"), 0);
        let ev = Event::Sent { id: id(seq), tp, key: None, value: bytes::Bytes::from_static(b"v") };
        t.record(SimTime::from_millis(ms), NodeName("producer-p".into()), ev);
    }

    fn acked(t: &mut Trace, ms: u64, seqs: &[u64]) {
        let tp = TopicPartition::new(&TopicName::new("clicks"), 0);
        let ids = seqs.iter().map(|s| id(*s)).collect();
        let ev = Event::Acked { tp, base_offset: crate::types::Offset(0), ids };
        t.record(SimTime::from_millis(ms), NodeName("producer-p".into()), ev);
    }

    #[test]
    fn late_unanswered_and_pending_records_are_told_apart() {
        let s = scenario("");
        let mut t = Trace::new();
        sent(&mut t, 1000, 0);
        sent(&mut t, 1000, 1);
        acked(&mut t, 1010, &[0]);
        sent(&mut t, 2000, 2);
        acked(&mut t, 30_000, &[1]); // 29 s later: past delivery.timeout.ms
        sent(&mut t, 50_000, 3); // still within its 20 s at the end (60 s)
        let l = check(&t, &s);
        assert_eq!(l.resolved, 1);
        let late: Vec<u64> = l.unresolved.iter().map(|u| u.id.seq).collect();
        assert_eq!(late, vec![1, 2]);
        assert_eq!(l.unresolved[0].resolved, Some(SimTime::from_millis(30_000)));
        assert_eq!(l.unresolved[1].resolved, None);
        assert_eq!(l.pending.len(), 1);
        assert_eq!(l.pending[0].since, SimTime::from_millis(50_000));
    }

    #[test]
    fn a_stall_is_longer_than_request_timeout_plus_failover() {
        let s = scenario("");
        // 5 s request timeout + 6 s session + 100 ms backoff + 6 ms of round trips + 1 tick.
        assert_eq!(stall_threshold(&s, slowest(&s)), SimDuration::from_millis(11_107));
        let mut t = Trace::new();
        sent(&mut t, 10_000, 0);
        acked(&mut t, 10_005, &[0]);
        sent(&mut t, 10_010, 1);
        acked(&mut t, 40_100, &[1]);
        sent(&mut t, 41_000, 2);
        acked(&mut t, 45_000, &[2]);
        let l = check(&t, &s);
        assert_eq!(l.stalls.len(), 1);
        assert_eq!(l.stalls[0].to_string(), "clicks-0: no produce acknowledged from 10.0 s to 40.1 s");
        assert!(l.summary_line().contains("1 produce stalls: clicks-0"), "{}", l.summary_line());
    }

    #[test]
    fn acks_zero_records_are_resolved_when_the_request_leaves() {
        let s = scenario("");
        let mut t = Trace::new();
        sent(&mut t, 1000, 0);
        let tp = TopicPartition::new(&TopicName::new("clicks"), 0);
        let ev = Event::ProduceRequested {
            tp,
            ids: vec![id(0)],
            acks: Acks::None,
            broker: NodeName("broker-1".into()),
            attempt: 0,
        };
        t.record(SimTime::from_millis(1001), NodeName("producer-p".into()), ev);
        let l = check(&t, &s);
        assert_eq!((l.resolved, l.unresolved.len(), l.pending.len()), (1, 0, 0));
    }
}
