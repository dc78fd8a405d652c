//! `kafkasim explain`: a failed check, told as a story.
//!
//! A checker says *that* a promise broke ("158 of 19996 acknowledged records lost"); a student
//! wants to know *how*. Jepsen's reports answer with a written explanation of the causal chain;
//! this module generates one from the trace alone. For each failed invariant or expectation it
//! picks the first example, follows it through the events that decided its fate (who sent it,
//! which leader appended and acknowledged it with which `acks`, which fault struck, who was
//! elected next, which truncation dropped it, what took its offset) and prints short numbered
//! steps stamped with simulated time, then counts for the rest.
//!
//! Everything here is a pure function of the scenario, the trace and the verdict: the same
//! seed gives the same text, byte for byte. Each narrative is bounded (one example in detail,
//! a few lines of context), so a run with thousands of violations still reads in a minute.

use crate::check::analysis::{AckedRecord, Analysis};
use crate::check::{lost, order, CheckResult, Verdict};
use crate::protocol::produce::Acks;
use crate::scenario::Scenario;
use crate::trace::{fmt_brokers, Event, Trace, TraceEntry};
use crate::types::{BrokerId, GroupId, LeaderEpoch, NodeName, Offset, RecordId, SimTime, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// How many related events (faults, elections, truncations) a narrative lists before it
/// summarises the rest as a count.
const MAX_RELATED: usize = 3;

/// The narrative of every failed check of a judged run, or a plain "every check held".
///
/// Violated invariants come first (each says whether the scenario expected it), then failed
/// `[expect]` entries, then anomalies Kafka allows by design but a student should see
/// (records a consumer group processed twice).
pub fn explain(scenario: &Scenario, trace: &Trace, verdict: &Verdict) -> String {
    let mut out = format!("== explain: {} ==\n", scenario.name);
    let violated: Vec<&CheckResult> = verdict.invariants.iter().filter(|c| !c.passed).collect();
    let failed: Vec<&CheckResult> = verdict.expectations.iter().filter(|c| !c.passed).collect();
    if violated.is_empty() && failed.is_empty() {
        out.push_str("every check held: no invariant was violated and every [expect] entry was met.\n");
    }
    let ctx = Context { scenario, trace, analysis: &verdict.analysis };
    for check in &violated {
        let _ = writeln!(out, "\n-- invariant {} VIOLATED: {} --", check.name, check.detail);
        out.push_str(&expected_note(&check.name, verdict));
        out.push_str(&invariant_story(&ctx, verdict, &check.name));
    }
    for check in &failed {
        let _ = writeln!(out, "\n-- {} FAILED: {} --", check.name, check.detail);
        out.push_str(&expectation_story(&ctx, verdict, check));
    }
    out.push_str(&allowed_anomalies(&ctx));
    out
}

/// What every narrative reads from.
struct Context<'a> {
    scenario: &'a Scenario,
    trace: &'a Trace,
    analysis: &'a Analysis,
}

impl Context<'_> {
    /// The producer's name in the scenario (`RecordId::producer` is its index).
    fn producer(&self, id: RecordId) -> String {
        self.scenario
            .producers
            .get(id.producer as usize)
            .map_or_else(|| format!("p{}", id.producer), |p| p.name.clone())
    }

    fn entries(&self) -> &[TraceEntry] {
        self.trace.entries()
    }
}

/// Numbered steps, each stamped with simulated time.
#[derive(Default)]
struct Steps(Vec<String>);

impl Steps {
    fn at(&mut self, time: SimTime, text: String) {
        self.0.push(format!("{time} {text}"));
    }

    fn note(&mut self, text: String) {
        self.0.push(format!("          {text}"));
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.0.iter().enumerate() {
            let _ = writeln!(out, "  {:>2}. {s}", i + 1);
        }
        out
    }
}

/// Which `[expect]` entries speak about an invariant, so its narrative can say whether the
/// scenario meant to show the violation.
fn expectation_names(invariant: &str) -> &'static [&'static str] {
    match invariant {
        "acked-not-lost" => &["expect.lost_acked", "expect.lost_acked_min"],
        "partition-order" => &["expect.order_violations"],
        "replicas-agree" => &["expect.divergent_offsets", "expect.divergent_offsets_min"],
        "no-duplicates" => &["expect.duplicates"],
        "group-exclusivity" => &["expect.exclusivity_violations"],
        "no-unseen-records" => &["expect.unseen", "expect.unseen_min"],
        _ => &[],
    }
}

/// One line: did the scenario expect this violation (a teaching scenario that shows a loss on
/// purpose) or not?
fn expected_note(invariant: &str, verdict: &Verdict) -> String {
    let names = expectation_names(invariant);
    let related: Vec<&CheckResult> = verdict.expectations.iter().filter(|c| names.contains(&c.name.as_str())).collect();
    match related.iter().find(|c| c.passed) {
        Some(c) => format!("The scenario expects this ({}: {}): it is the lesson, not a bug.\n", c.name, c.detail),
        None if related.is_empty() => "The scenario's [expect] table says nothing about it.\n".to_string(),
        None => "The scenario did not expect this.\n".to_string(),
    }
}

/// The narrative of one violated invariant.
fn invariant_story(ctx: &Context, verdict: &Verdict, name: &str) -> String {
    match name {
        "acked-not-lost" => lost_story(ctx),
        "partition-order" => order_story(ctx),
        "replicas-agree" => divergence_story(ctx),
        "no-duplicates" => duplicates_story(ctx),
        "group-exclusivity" => exclusivity_story(verdict),
        "no-unseen-records" => unseen_story(ctx, verdict),
        _ => "  (no narrative for this check yet; see its detail above)\n".to_string(),
    }
}

/// A failed expectation: point to the invariant's story, or list what did happen.
fn expectation_story(ctx: &Context, verdict: &Verdict, check: &CheckResult) -> String {
    let invariant = [
        "acked-not-lost",
        "partition-order",
        "replicas-agree",
        "no-duplicates",
        "group-exclusivity",
        "no-unseen-records",
    ]
    .into_iter()
    .find(|i| expectation_names(i).contains(&check.name.as_str()));
    let violated = invariant.and_then(|i| verdict.invariants.iter().find(|c| c.name == i && !c.passed));
    if let Some(v) = violated {
        return format!("  The anomaly happened, but not as often as expected: see the {} story above.\n", v.name);
    }
    let mut out = String::from("  The scenario expected something the run did not show. What the run did:\n");
    let mut steps = Steps::default();
    for (t, f) in ctx.analysis.faults.iter().take(MAX_RELATED * 2) {
        steps.at(*t, format!("fault: {f}"));
    }
    for (t, tp, leader, why) in ctx.analysis.elections.iter().take(MAX_RELATED * 2) {
        steps.at(*t, format!("{tp}: broker-{leader} elected leader ({why})"));
    }
    if steps.0.is_empty() {
        steps.note("no fault and no leader election: nothing disturbed the cluster".to_string());
    }
    steps.0.sort();
    out.push_str(&steps.render());
    out.push_str("  A different seed (--seed) may open the window; or the scenario's faults miss it.\n");
    out
}

// ---------------------------------------------------------------------------------------------
// acked-not-lost

/// Who led a partition, in which epoch and with which ISR, at one moment (the controller's
/// view, replayed from the trace).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Leadership {
    leader: Option<BrokerId>,
    epoch: LeaderEpoch,
    isr: Vec<BrokerId>,
}

/// The controller's view of `tp` just after `time`.
fn leadership_at(entries: &[TraceEntry], tp: &TopicPartition, time: SimTime) -> Leadership {
    let mut l = Leadership::default();
    for e in entries.iter().take_while(|e| e.time <= time) {
        match &e.event {
            Event::TopicCreated { topic, assignment } if *topic == tp.topic => {
                if let Some(replicas) = assignment.get(tp.partition.0 as usize) {
                    l = Leadership { leader: replicas.first().copied(), epoch: LeaderEpoch(0), isr: replicas.clone() };
                }
            }
            Event::LeaderElected { tp: t, leader, epoch, isr, .. } if t == tp => {
                l = Leadership { leader: Some(*leader), epoch: *epoch, isr: isr.clone() };
            }
            Event::IsrChanged { tp: t, isr, .. } if t == tp => l.isr = isr.clone(),
            Event::PartitionOffline { tp: t } if t == tp => l.leader = None,
            _ => {}
        }
    }
    l
}

/// Acknowledged-record offsets as `5448..=5599` ranges (at most `MAX_RELATED`, then a count).
fn offset_ranges(offsets: &[Offset]) -> String {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for o in offsets {
        match ranges.last_mut() {
            Some((_, end)) if o.0 == *end + 1 => *end = o.0,
            _ => ranges.push((o.0, o.0)),
        }
    }
    let mut parts: Vec<String> = ranges
        .iter()
        .take(MAX_RELATED)
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}..={b}") })
        .collect();
    if ranges.len() > MAX_RELATED {
        parts.push(format!("and {} more ranges", ranges.len() - MAX_RELATED));
    }
    parts.join(", ")
}

/// The first lost acknowledged record, followed from `send()` to its disappearance.
fn lost_story(ctx: &Context) -> String {
    let lost = lost::lost_acked(ctx.analysis);
    let Some(first) = lost.first() else { return String::new() };
    let mut out = String::new();
    let mut by_tp: BTreeMap<&TopicPartition, Vec<Offset>> = BTreeMap::new();
    for r in &lost {
        by_tp.entry(&r.tp).or_default().push(r.offset);
    }
    for (tp, offsets) in &mut by_tp {
        offsets.sort();
        let _ = writeln!(out, "  {tp}: {} lost at offsets {}", offsets.len(), offset_ranges(offsets));
    }
    let _ = writeln!(out, "  The first, {} at {}-{}, step by step:", first.id, first.tp, first.offset);
    out.push_str(&lost_steps(ctx, first).render());
    out
}

/// The steps of one lost record's story.
fn lost_steps(ctx: &Context, r: &AckedRecord) -> Steps {
    let mut s = Steps::default();
    let entries = ctx.entries();
    let producer = ctx.producer(r.id);
    let prior = until(entries, r.at).iter().rev().find_map(|e| match &e.event {
        Event::Fault { description } => Some((e.time, format!("fault: {description}."))),
        _ => None,
    });
    let sent = entries.iter().find(|e| matches!(&e.event, Event::Sent { id, .. } if *id == r.id));
    let prior_first = prior.as_ref().is_some_and(|(t, _)| sent.is_none_or(|e| *t <= e.time));
    if let (true, Some((t, text))) = (prior_first, &prior) {
        s.at(*t, text.clone());
    }
    if let Some(e) = sent {
        s.at(e.time, format!("producer {producer} ({}) sends {} to {}.", e.node, r.id, r.tp));
    }
    if let (false, Some((t, text))) = (prior_first, &prior) {
        s.at(*t, text.clone());
    }
    let acks = request_for(entries, r);
    let appended = append_of(entries, r);
    if let Some(e) = appended {
        let l = leadership_at(entries, &r.tp, e.time);
        s.at(
            e.time,
            format!(
                "{} appends it at offset {}, as leader {} of epoch {} (ISR {}).",
                e.node,
                r.offset,
                l.leader.map_or("-".to_string(), |b| format!("broker-{b}")),
                l.epoch,
                fmt_brokers(&l.isr)
            ),
        );
    }
    let copies = copies_before(entries, r, r.at, appended.map(|e| &e.node));
    let acks_text = acks.map_or("?".to_string(), |a| a.to_string());
    s.at(r.at, format!("the producer receives the acknowledgement (acks={acks_text})."));
    s.note(match acks {
        Some(Acks::Leader) => {
            "acks=1: the leader answered as soon as it had appended, without waiting for followers.".into()
        }
        Some(Acks::All) => "acks=all: every replica in the ISR had it, so the high watermark had passed it.".into(),
        _ => "The producer now believes the record is safe.".into(),
    });
    s.note(if copies.is_empty() {
        "At that moment no follower had copied it: the leader held the only copy.".to_string()
    } else {
        format!(
            "At that moment followers {} had copied it too.",
            copies.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
        )
    });
    let elections = fate_steps(ctx, r, &mut s);
    now_at_offset(ctx, r, &mut s, elections);
    s
}

/// The entries up to and including `time`.
fn until(entries: &[TraceEntry], time: SimTime) -> &[TraceEntry] {
    &entries[..entries.partition_point(|e| e.time <= time)]
}

/// The produce request that carried the record (the last attempt before the acknowledgement).
fn request_for(entries: &[TraceEntry], r: &AckedRecord) -> Option<Acks> {
    until(entries, r.at).iter().rev().find_map(|e| match &e.event {
        Event::ProduceRequested { ids, acks, .. } if ids.contains(&r.id) => Some(*acks),
        _ => None,
    })
}

/// The append that put the record at its acknowledged offset.
fn append_of<'a>(entries: &'a [TraceEntry], r: &AckedRecord) -> Option<&'a TraceEntry> {
    entries.iter().take_while(|e| e.time <= r.at).find(|e| match &e.event {
        Event::Appended { tp, base_offset, ids, .. } => {
            *tp == r.tp && ids.iter().position(|i| *i == r.id).is_some_and(|i| base_offset.0 + i as u64 == r.offset.0)
        }
        _ => false,
    })
}

/// Replicas other than `leader` that copied the record's offset by `time`.
fn copies_before(
    entries: &[TraceEntry],
    r: &AckedRecord,
    time: SimTime,
    leader: Option<&NodeName>,
) -> BTreeSet<NodeName> {
    // After the first election following the acknowledgement the offset may have been handed
    // to another record: only copies made before it are copies of *this* record.
    let election = entries.iter().find_map(|e| match &e.event {
        Event::LeaderElected { tp, .. } if *tp == r.tp && e.time > r.at => Some(e.time),
        _ => None,
    });
    let cutoff = election.map_or(time, |t| t.min(time));
    let mut holders = BTreeSet::new();
    for e in entries.iter().take_while(|e| e.time <= time).filter(|e| Some(&e.node) != leader) {
        match &e.event {
            Event::Replicated { tp, base_offset, count }
                if e.time <= cutoff
                    && *tp == r.tp
                    && base_offset.0 <= r.offset.0
                    && r.offset.0 < base_offset.0 + count =>
            {
                holders.insert(e.node.clone());
            }
            Event::Appended { tp, ids, .. } if *tp == r.tp && ids.contains(&r.id) => {
                holders.insert(e.node.clone());
            }
            // A truncation below the record drops the copy.
            Event::Truncated { tp, to, .. } if *tp == r.tp && to.0 <= r.offset.0 => {
                holders.remove(&e.node);
            }
            _ => {}
        }
    }
    holders
}

/// Whether `node` appended the record itself (as its leader).
fn appended_by(entries: &[TraceEntry], r: &AckedRecord, node: &NodeName) -> bool {
    entries.iter().any(|e| {
        e.node == *node && matches!(&e.event, Event::Appended { tp, ids, .. } if *tp == r.tp && ids.contains(&r.id))
    })
}

/// Faults, elections and truncations after the acknowledgement, as steps. Returns the
/// elections of the record's partition (time, leader) for the last step.
fn fate_steps(ctx: &Context, r: &AckedRecord, s: &mut Steps) -> Vec<(SimTime, BrokerId)> {
    let after: Vec<&TraceEntry> = ctx.entries().iter().filter(|e| e.time >= r.at).collect();
    let mut elections = Vec::new();
    let mut related: Vec<(SimTime, String)> = Vec::new();
    let mut faults = 0;
    for e in &after {
        match &e.event {
            Event::Fault { description } if faults < MAX_RELATED => {
                faults += 1;
                related.push((e.time, format!("fault: {description}.")));
            }
            Event::LeaderElected { tp, leader, epoch, isr, reason } if *tp == r.tp && elections.len() < MAX_RELATED => {
                elections.push((e.time, *leader));
                related.push((e.time, election_text(ctx.entries(), r, e.time, *leader, *epoch, isr, reason)));
            }
            Event::PartitionOffline { tp } if *tp == r.tp => {
                related.push((e.time, format!("{tp} goes offline: no replica may lead it.")))
            }
            Event::Truncated { tp, from, to, reason } if *tp == r.tp && *to <= r.offset && r.offset < *from => {
                related.push((
                    e.time,
                    format!(
                        "{} truncates {tp} from log end offset {from} to {to}, dropping offsets {to}..={} — {} among them ({reason}).",
                        e.node,
                        from.0 - 1,
                        r.offset
                    ),
                ));
            }
            _ => {}
        }
    }
    for (t, text) in related {
        s.at(t, text);
    }
    elections
}

/// One election, with whether it was clean and whether the new leader had the record.
fn election_text(
    entries: &[TraceEntry],
    r: &AckedRecord,
    time: SimTime,
    leader: BrokerId,
    epoch: LeaderEpoch,
    isr: &[BrokerId],
    reason: &str,
) -> String {
    let clean = if reason.contains("UNCLEAN") {
        "an UNCLEAN election: the new leader was out of sync"
    } else {
        "a clean election"
    };
    let node = NodeName(format!("broker-{leader}"));
    let had = copies_before(entries, r, time, None).contains(&node);
    let copy = if had {
        format!("broker-{leader} held a copy of {}", r.id)
    } else if appended_by(entries, r, &node) {
        format!("broker-{leader} had appended {} but had since truncated it away", r.id)
    } else {
        let end = last_copied_end(entries, &r.tp, &node, time);
        format!("broker-{leader} never had {} (its copy of {} ended at offset {end})", r.id, r.tp)
    };
    format!(
        "the controller elects broker-{leader} leader of {} in epoch {epoch}, ISR {} ({reason}): {clean}; {copy}.",
        r.tp,
        fmt_brokers(isr)
    )
}

/// The log end offset a follower had reached by `time`, by its last `replicated` batch.
fn last_copied_end(entries: &[TraceEntry], tp: &TopicPartition, node: &NodeName, time: SimTime) -> u64 {
    entries
        .iter()
        .take_while(|e| e.time <= time)
        .filter(|e| e.node == *node)
        .filter_map(|e| match &e.event {
            Event::Replicated { tp: t, base_offset, count } if t == tp => Some(base_offset.0 + count),
            Event::Truncated { tp: t, to, .. } if t == tp => Some(to.0),
            _ => None,
        })
        .last()
        .unwrap_or(0)
}

/// The last step: what the final leader's log holds at the lost record's offset.
fn now_at_offset(ctx: &Context, r: &AckedRecord, s: &mut Steps, elections: Vec<(SimTime, BrokerId)>) {
    let end = ctx.analysis.end;
    let Some(log) = ctx.analysis.leader_log(&r.tp) else {
        s.at(end, format!("the run ends with {} offline: no leader holds offset {}.", r.tp, r.offset));
        return;
    };
    let what = match log.at(r.offset) {
        Some(other) => {
            let sent = ctx.entries().iter().find_map(|e| match &e.event {
                Event::Sent { id, .. } if *id == other => Some(e.time),
                _ => None,
            });
            let when = sent.map_or(String::new(), |t| format!(", sent at {t}"));
            format!(
                "offset {} now holds {} from producer {}{when}: the offset was handed out again",
                r.offset,
                other,
                ctx.producer(other)
            )
        }
        None => format!("its log ends at offset {}, before {}", log.log_end_offset(), r.offset),
    };
    s.at(end, format!("the run ends; the leader is {}: {what}.", log.node));
    let lesson = if elections.is_empty() {
        "No election followed the acknowledgement: the record vanished from the leader's own log."
    } else {
        "The producer was told the record was safe; no replica that survived kept it. That is a lost write."
    };
    s.note(lesson.to_string());
}

// ---------------------------------------------------------------------------------------------
// partition-order

/// The first order violation, with the retries that caused it if the trace shows them.
fn order_story(ctx: &Context) -> String {
    let violations = order::order_violations(ctx.analysis);
    let Some(v) = violations.first() else { return String::new() };
    let mut out = format!("  {} violations in total; the first, in {}: {}.\n", violations.len(), v.tp, v.detail);
    let Some((late, early)) = first_producer_inversion(ctx.analysis, &v.tp) else {
        out.push_str("  A consumer received offsets out of order without a position reset in between.\n");
        return out;
    };
    let mut s = Steps::default();
    for r in [&early, &late] {
        if let Some(e) = ctx.entries().iter().find(|e| matches!(&e.event, Event::Sent { id, .. } if *id == r.id)) {
            s.at(e.time, format!("producer {} sends {}.", ctx.producer(r.id), r.id));
        }
    }
    for e in ctx.entries() {
        match &e.event {
            Event::ProduceError { ids, error, will_retry, .. } if ids.contains(&late.id) => {
                s.at(e.time, format!("the batch with {} fails with {error} (will retry: {will_retry}).", late.id))
            }
            Event::ProduceRequested { ids, attempt, broker, .. } if ids.contains(&late.id) && *attempt > 0 => {
                s.at(e.time, format!("attempt {attempt} of the batch with {} goes to {broker}.", late.id))
            }
            _ => {}
        }
    }
    s.at(early.at, format!("{} is acknowledged at offset {}.", early.id, early.offset));
    s.at(late.at, format!("{} is acknowledged at offset {}.", late.id, late.offset));
    s.0.sort();
    s.note(format!(
        "{} was sent first but sits after {} in the log: a retried batch landed behind later ones.",
        late.id, early.id
    ));
    s.note("Without idempotence (off with acks=1 or enable.idempotence=false) and with several requests in flight, Kafka allows this.".into());
    out.push_str(&s.render());
    out
}

/// The first pair in `tp` where an earlier-sent record sits at a higher offset than a later
/// one: (the earlier-sent record, the later-sent one).
fn first_producer_inversion(a: &Analysis, tp: &TopicPartition) -> Option<(AckedRecord, AckedRecord)> {
    let lost: BTreeSet<RecordId> = lost::lost_acked(a).iter().map(|r| r.id).collect();
    let mut records: Vec<&AckedRecord> = a.acked.iter().filter(|r| r.tp == *tp && !lost.contains(&r.id)).collect();
    records.sort_by_key(|r| r.id);
    let mut highest: Option<&AckedRecord> = None;
    for r in records {
        match highest {
            Some(h) if h.id.producer == r.id.producer && r.offset < h.offset => return Some((h.clone(), r.clone())),
            _ => highest = Some(r),
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// replicas-agree

/// The first offset where a follower disagrees with its leader, and the truncations around it.
fn divergence_story(ctx: &Context) -> String {
    let div = lost::divergent_offsets(ctx.analysis);
    let Some((tp, node, offset)) = div.first() else { return String::new() };
    let Some(leader) = ctx.analysis.leader_log(tp) else { return String::new() };
    let follower = ctx.analysis.partitions.get(tp).and_then(|p| p.replicas.iter().find(|l| l.node == *node));
    let show = |id: Option<RecordId>| id.map_or("nothing".to_string(), |i| i.to_string());
    let mut out = format!(
        "  {} divergent offsets; the first: at {tp} offset {offset}, leader {} holds {} but {node} holds {}.\n",
        div.len(),
        leader.node,
        show(leader.at(*offset)),
        show(follower.and_then(|f| f.at(*offset)))
    );
    let mut s = Steps::default();
    for (t, n, p, from, to, why) in ctx.analysis.truncations.iter().filter(|t| t.2 == *tp).take(MAX_RELATED) {
        s.at(*t, format!("{n} truncates {p} from {from} to {to} ({why})."));
    }
    for (t, p, l, why) in ctx.analysis.elections.iter().filter(|e| e.1 == *tp).take(MAX_RELATED) {
        s.at(*t, format!("broker-{l} is elected leader of {p} ({why})."));
    }
    s.0.sort();
    s.note(format!(
        "Each replica kept its own history below the high watermark: {node} did not truncate offset {offset} away before fetching on, so two different records now sit at one committed offset."
    ));
    out.push_str(&s.render());
    out
}

// ---------------------------------------------------------------------------------------------
// no-duplicates and group duplicates

/// One record delivered twice to a consumer host: (node, partition, id, first, second), each
/// delivery as (time, offset).
type Repeat = (NodeName, TopicPartition, RecordId, (SimTime, Offset), (SimTime, Offset));

/// The first record a consumer node received twice.
fn first_repeat(entries: &[TraceEntry]) -> Option<Repeat> {
    let mut seen: BTreeMap<(NodeName, RecordId), (SimTime, Offset)> = BTreeMap::new();
    for e in entries {
        if let Event::Consumed { tp, records } = &e.event {
            for rec in records {
                let key = (e.node.clone(), rec.id);
                if let Some(first) = seen.get(&key) {
                    return Some((e.node.clone(), tp.clone(), rec.id, *first, (e.time, rec.offset)));
                }
                seen.insert(key, (e.time, rec.offset));
            }
        }
    }
    None
}

/// The duplicate deliveries to one consumer, with the reset or retry that caused the first.
fn duplicates_story(ctx: &Context) -> String {
    let Some((node, tp, id, first, second)) = first_repeat(ctx.entries()) else { return String::new() };
    let mut s = Steps::default();
    s.at(first.0, format!("{node} receives {id} from {tp} at offset {}.", first.1));
    let between = ctx.entries().iter().filter(|e| e.time >= first.0 && e.time <= second.0);
    for e in between {
        match &e.event {
            Event::OffsetReset { tp: t, reason, offset } if e.node == node && *t == tp => {
                s.at(e.time, format!("{node} resets its position in {tp} to {offset} ({reason})."))
            }
            Event::Fault { description } => s.at(e.time, format!("fault: {description}.")),
            _ => {}
        }
    }
    s.at(second.0, format!("{node} receives {id} again, at offset {}.", second.1));
    s.note(if first.1 == second.1 {
        "Same offset twice: the consumer read that part of the log again (its position moved back).".to_string()
    } else {
        "Two offsets hold the same record: a producer retry appended it twice (idempotence off).".to_string()
    });
    s.render()
}

/// A record one group processed twice, and why: the rebalance, the crash and the commit.
fn group_duplicate_story(ctx: &Context, group: &GroupId) -> String {
    let entries = ctx.entries();
    let mut member_of: BTreeMap<NodeName, GroupId> = BTreeMap::new();
    let mut seen: BTreeMap<RecordId, (NodeName, SimTime, Offset)> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        match &e.event {
            Event::PartitionsAssigned { group: g, .. } => {
                member_of.insert(e.node.clone(), g.clone());
            }
            Event::Consumed { tp, records } if member_of.get(&e.node) == Some(group) => {
                for rec in records {
                    if let Some(first) = seen.get(&rec.id) {
                        let second = (e.node.clone(), e.time, rec.offset);
                        return repeat_steps(group, tp, rec.id, first, &second, &entries[..i]).render();
                    }
                    seen.insert(rec.id, (e.node.clone(), e.time, rec.offset));
                }
            }
            _ => {}
        }
    }
    String::new()
}

/// The steps between the first and the second processing of a record by one group.
fn repeat_steps(
    group: &GroupId,
    tp: &TopicPartition,
    id: RecordId,
    first: &(NodeName, SimTime, Offset),
    second: &(NodeName, SimTime, Offset),
    before: &[TraceEntry],
) -> Steps {
    let mut s = Steps::default();
    s.at(first.1, format!("{} processes {id} ({tp} offset {}).", first.0, first.2));
    let mut last_commit: Option<(SimTime, Offset)> = None;
    for e in before.iter().filter(|e| e.time <= first.1) {
        if let Event::OffsetsCommitted { group: g, offsets, .. } = &e.event {
            if g == group {
                if let Some((_, o)) = offsets.iter().find(|(t, _)| t == tp) {
                    last_commit = Some((e.time, *o));
                }
            }
        }
    }
    if let Some((t, o)) = last_commit {
        s.at(t, format!("the last commit of {group} for {tp} before that stores offset {o}: everything from {o} on is not yet committed."));
    }
    for e in before.iter().filter(|e| e.time > first.1) {
        match &e.event {
            Event::Fault { description } => s.at(e.time, format!("fault: {description}.")),
            Event::MemberRemoved { group: g, member, reason } if g == group => {
                s.at(e.time, format!("the coordinator removes {member} from {group}: {reason}."))
            }
            Event::GroupStable { group: g, generation, assignment } if g == group => {
                let parts: Vec<String> = assignment
                    .iter()
                    .map(|(m, tps)| {
                        format!("{m}=[{}]", tps.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","))
                    })
                    .collect();
                s.at(e.time, format!("generation {generation} of {group} is stable: {}.", parts.join(" ")))
            }
            Event::OffsetReset { tp: t, offset, reason } if t == tp && e.node == second.0 => {
                s.at(e.time, format!("{} starts {tp} at offset {offset} ({reason}).", e.node))
            }
            _ => {}
        }
    }
    s.at(second.1, format!("{} processes {id} again ({tp} offset {}).", second.0, second.2));
    s.note("At-least-once: work done after the last commit is replayed by whoever owns the partition next.".into());
    s
}

/// Anomalies Kafka allows by design that the run still shows (a consumer group's replays).
fn allowed_anomalies(ctx: &Context) -> String {
    let groups = crate::check::groups::analyse(ctx.trace);
    let mut out = String::new();
    for (id, g) in groups.iter().filter(|(_, g)| g.duplicate_total() > 0) {
        let _ = writeln!(out, "\n-- allowed by Kafka: group {id} processed {} records twice --", g.duplicate_total());
        for (cause, n) in &g.duplicates {
            let _ = writeln!(out, "  {n} after \"{cause}\"");
        }
        out.push_str("  The first, step by step:\n");
        out.push_str(&group_duplicate_story(ctx, id));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// group checks

/// Two owners of one partition in one generation, with the generations involved.
fn exclusivity_story(verdict: &Verdict) -> String {
    let mut out = String::new();
    for (id, g) in verdict.groups.iter().filter(|(_, g)| !g.exclusivity_violations.is_empty()) {
        let _ = writeln!(
            out,
            "  group {id}: {} violations; the first: {}.",
            g.exclusivity_violations.len(),
            g.exclusivity_violations[0]
        );
        for gen in g.generations.iter().take(MAX_RELATED * 2) {
            let parts: Vec<String> = gen
                .assignment
                .iter()
                .map(|(m, tps)| format!("{m}=[{}]", tps.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")))
                .collect();
            let _ = writeln!(
                out,
                "    {} generation {} after \"{}\": {}",
                gen.at,
                gen.generation,
                gen.reason,
                parts.join(" ")
            );
        }
    }
    out
}

/// Records in the log that a group skipped, with the commits that moved past them.
fn unseen_story(ctx: &Context, verdict: &Verdict) -> String {
    let mut out = String::new();
    for (id, g) in verdict.groups.iter().filter(|(_, g)| g.unseen > 0) {
        let _ = writeln!(out, "  group {id}: {} records below the high watermark were never processed.", g.unseen);
        let mut s = Steps::default();
        for e in ctx.entries() {
            match &e.event {
                Event::Fault { description } => s.at(e.time, format!("fault: {description}.")),
                Event::MemberRemoved { group, member, reason } if group == id => {
                    s.at(e.time, format!("the coordinator removes {member}: {reason}."))
                }
                Event::GroupStable { group, generation, .. } if group == id => {
                    s.at(e.time, format!("generation {generation} of {id} is stable."))
                }
                _ => {}
            }
        }
        s.0.truncate(MAX_RELATED * 3);
        s.note("At-most-once: offsets were committed before the records were processed; a member that died in between took them with it.".into());
        out.push_str(&s.render());
    }
    out
}
