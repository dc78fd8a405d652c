//! Plot data, extracted from a trace without drawing anything.
//!
//! Pictures are hard to test and impossible to diff; numbers are easy. Every figure in
//! `plot/` is drawn from the structures built here, and the same structures print as CSV
//! ([`throughput_csv`], [`ordering_csv`]) so snapshot tests pin down what a plot shows while
//! the pixels stay free to change. Nothing here touches plotters.
//!
//! All collections are ordered (`BTreeMap`, sorted `Vec`s) and floats are printed with a fixed
//! number of decimals, so the CSV text of a trace is the same on every machine.

use crate::trace::{py_bytes, Event, Trace};
use crate::types::{Offset, RecordId, SimDuration, SimTime, TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Candidate bucket widths in microseconds: "round" 1–2–5 steps, then clock-friendly ones.
const BUCKET_LADDER_US: [u64; 21] = [
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    15_000_000,
    20_000_000,
    30_000_000,
    60_000_000,
    120_000_000,
    300_000_000,
    600_000_000,
    900_000_000,
    1_200_000_000,
    1_800_000_000,
    3_600_000_000,
];

/// The most buckets a throughput series gets. With the 1–2–5 ladder the chosen width gives
/// between roughly 50 and this many buckets: enough to see a dip, few enough to read.
pub const MAX_BUCKETS: u64 = 120;

/// Which way records flowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RateKind {
    /// Records the producers saw acknowledged (`Event::Acked`): what the cluster promised to keep.
    Produced,
    /// Records the consumers received (`Event::Consumed`), counting every consumer that read them.
    Consumed,
}

impl RateKind {
    /// The word used in CSV and legends.
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Produced => "produced",
            RateKind::Consumed => "consumed",
        }
    }
}

/// What a throughput line adds up: one partition, one topic, or everything.
///
/// The derived order (partitions, then topics, then the total) is the order of lines in CSV
/// and legends; partitions sort by topic and then numerically (`orders-2` before `orders-10`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeriesKey {
    /// One partition, labelled `orders-0`.
    Partition(TopicPartition),
    /// All partitions of a topic, labelled `orders-*`.
    Topic(TopicName),
    /// Every partition of every topic, labelled `all`.
    All,
}

impl SeriesKey {
    /// The label in CSV and legends. `orders-*` reads as "every partition of orders" and cannot
    /// collide with a partition label, whatever the topics are called.
    pub fn label(&self) -> String {
        match self {
            SeriesKey::Partition(tp) => tp.to_string(),
            SeriesKey::Topic(topic) => format!("{topic}-*"),
            SeriesKey::All => "all".to_string(),
        }
    }
}

/// One line of a throughput plot: record counts per time bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateSeries {
    /// Produced or consumed.
    pub kind: RateKind,
    /// What it adds up.
    pub key: SeriesKey,
    /// Records per bucket; bucket `i` covers `[i * width, (i + 1) * width)`, and the last one
    /// also takes records stamped exactly at the end of the run.
    pub counts: Vec<u64>,
}

/// Throughput over a run, bucketed in simulated time.
///
/// Counts are kept as integers and turned into rates only when printed or drawn, so nothing
/// about the data depends on float rounding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throughput {
    /// The width of every bucket.
    pub bucket: SimDuration,
    /// The time of the trace's last entry: the x axis runs from zero to here.
    pub end: SimTime,
    /// Every line, sorted by kind and then key; every key appears for both kinds.
    pub series: Vec<RateSeries>,
}

impl Throughput {
    /// How many buckets each series has (zero for an empty trace).
    pub fn bucket_count(&self) -> usize {
        self.series.first().map_or(0, |s| s.counts.len())
    }

    /// Start of bucket `i` in seconds.
    pub fn bucket_start_s(&self, i: usize) -> f64 {
        (i as u64 * self.bucket.0) as f64 / 1_000_000.0
    }

    /// Records per second for a bucket holding `count` records.
    ///
    /// The last bucket may reach past the end of the run; it is still divided by the full
    /// width, so its rate can read low. That keeps one rule for every bucket.
    pub fn rate(&self, count: u64) -> f64 {
        count as f64 * 1_000_000.0 / self.bucket.0 as f64
    }

    /// The lines of one kind, in order.
    pub fn of_kind(&self, kind: RateKind) -> impl Iterator<Item = &RateSeries> {
        self.series.iter().filter(move |s| s.kind == kind)
    }

    /// How many topics carry data: topic totals are only worth drawing when there are two.
    pub fn topic_count(&self) -> usize {
        let topics: BTreeSet<&TopicName> = self
            .series
            .iter()
            .filter_map(|s| match &s.key {
                SeriesKey::Topic(t) => Some(t),
                _ => None,
            })
            .collect();
        topics.len()
    }

    /// The highest rate of any line, for the y axis (zero when nothing flowed).
    pub fn max_rate(&self) -> f64 {
        let max_count = self.series.iter().flat_map(|s| s.counts.iter()).copied().max().unwrap_or(0);
        if self.bucket.0 == 0 {
            0.0
        } else {
            self.rate(max_count)
        }
    }
}

/// The bucket width for a run lasting `span`: the smallest round width that needs at most
/// [`MAX_BUCKETS`] buckets. Runs longer than 120 hours get whole hours.
pub fn bucket_width(span: SimDuration) -> SimDuration {
    let fits = |w: u64| span.0.div_ceil(w) <= MAX_BUCKETS;
    match BUCKET_LADDER_US.iter().copied().find(|&w| fits(w)) {
        Some(w) => SimDuration(w),
        None => {
            let hour = 3_600_000_000u64;
            SimDuration(span.0.div_ceil(MAX_BUCKETS).div_ceil(hour) * hour)
        }
    }
}

/// The time of the trace's last entry (zero for an empty trace).
pub(crate) fn trace_end(trace: &Trace) -> SimTime {
    trace.entries().last().map_or(SimTime::ZERO, |e| e.time)
}

/// Accumulates counts per (kind, key) while walking a trace.
struct Buckets {
    /// The bucket width.
    width: SimDuration,
    /// How many buckets every series has.
    n: usize,
    /// The counts of every line so far.
    counts: BTreeMap<(RateKind, SeriesKey), Vec<u64>>,
}

impl Buckets {
    /// Makes sure every line of `tp` exists for both kinds, so idle partitions draw as zero.
    fn ensure(&mut self, tp: &TopicPartition) {
        for kind in [RateKind::Produced, RateKind::Consumed] {
            for key in keys_of(tp) {
                self.counts.entry((kind, key)).or_insert_with(|| vec![0; self.n]);
            }
        }
    }

    /// Adds `count` records of `kind` in `tp` at `time` to the partition, topic and total.
    fn add(&mut self, kind: RateKind, tp: &TopicPartition, time: SimTime, count: usize) {
        self.ensure(tp);
        let index = ((time.0 / self.width.0) as usize).min(self.n - 1);
        for key in keys_of(tp) {
            if let Some(counts) = self.counts.get_mut(&(kind, key)) {
                counts[index] += count as u64;
            }
        }
    }
}

/// The three lines a record in `tp` counts towards.
fn keys_of(tp: &TopicPartition) -> [SeriesKey; 3] {
    [SeriesKey::Partition(tp.clone()), SeriesKey::Topic(tp.topic.clone()), SeriesKey::All]
}

/// Buckets a trace's acknowledged and consumed records.
///
/// A partition gets lines as soon as a record is sent to it, so a partition whose records are
/// never acknowledged shows up as a flat zero rather than not at all.
pub fn throughput(trace: &Trace) -> Throughput {
    let end = trace_end(trace);
    let width = bucket_width(SimDuration(end.0));
    let n = if trace.entries().is_empty() { 0 } else { end.0.div_ceil(width.0).max(1) as usize };
    let mut buckets = Buckets { width, n, counts: BTreeMap::new() };
    for entry in trace.entries() {
        match &entry.event {
            Event::Sent { tp, .. } => buckets.ensure(tp),
            Event::Acked { tp, ids, .. } => buckets.add(RateKind::Produced, tp, entry.time, ids.len()),
            Event::Consumed { tp, records } => buckets.add(RateKind::Consumed, tp, entry.time, records.len()),
            _ => {}
        }
    }
    let series = buckets.counts.into_iter().map(|((kind, key), counts)| RateSeries { kind, key, counts }).collect();
    Throughput { bucket: width, end, series }
}

/// The throughput plot's data as CSV: `time_s,series,kind,records_per_s`.
///
/// `time_s` is the start of the bucket. Rows are grouped by kind (produced first), then by
/// series in [`SeriesKey`] order, then by time; every bucket of every series is listed, zeros
/// included, so the text is dense and stable.
pub fn throughput_csv(trace: &Trace) -> String {
    let data = throughput(trace);
    let mut out = String::from("time_s,series,kind,records_per_s\n");
    for line in &data.series {
        let label = csv_field(&line.key.label());
        for (i, &count) in line.counts.iter().enumerate() {
            let (t, rate) = (data.bucket_start_s(i), data.rate(count));
            let _ = writeln!(out, "{t:.3},{label},{},{rate:.3}", line.kind.as_str());
        }
    }
    out
}

/// The scenario's actions (`crash broker-1`, ...) and when they began, in trace order: the
/// throughput plot marks them so a dip can be read against its cause.
pub fn actions(trace: &Trace) -> Vec<(SimTime, String)> {
    let of = |e: &crate::trace::TraceEntry| match &e.event {
        Event::ActionStarted { action } => Some((e.time, action.clone())),
        _ => None,
    };
    trace.entries().iter().filter_map(of).collect()
}

/// One record as a consumer received it: a dot in the "offset over time" panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumedPoint {
    /// When the consumer received it.
    pub time: SimTime,
    /// Its partition.
    pub tp: TopicPartition,
    /// Its offset there.
    pub offset: Offset,
    /// What colours the dot: the key, or the producer when there is no key.
    pub label: String,
}

/// One acknowledged record placed by send order: a point in the "offset vs send order" panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckedPoint {
    /// Its partition.
    pub tp: TopicPartition,
    /// Its position among all `Sent` events of the run (0, 1, 2, ...): a single clock for
    /// every producer and partition, so partitions can be compared on one axis.
    pub send_index: u64,
    /// The record.
    pub id: RecordId,
    /// The offset the acknowledgement gave it.
    pub offset: Offset,
}

/// Everything the ordering plot shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ordering {
    /// Consumed records, grouped by partition and in trace order within one.
    pub consumed: Vec<ConsumedPoint>,
    /// Acknowledged records, sorted by partition, send index and offset.
    pub acked: Vec<AckedPoint>,
    /// The time of the trace's last entry.
    pub end: SimTime,
}

impl Ordering {
    /// Every partition that appears in either panel, in order.
    pub fn partitions(&self) -> Vec<TopicPartition> {
        let consumed = self.consumed.iter().map(|p| &p.tp);
        let acked = self.acked.iter().map(|p| &p.tp);
        let set: BTreeSet<&TopicPartition> = consumed.chain(acked).collect();
        set.into_iter().cloned().collect()
    }

    /// Every distinct colour label of consumed records, sorted: the index into this list picks
    /// a label's colour, so colours are the same for the same keys in every run.
    pub fn labels(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.consumed.iter().map(|p| &p.label).collect();
        set.into_iter().cloned().collect()
    }

    /// The largest send index, if any record was acknowledged.
    pub fn max_send_index(&self) -> Option<u64> {
        self.acked.iter().map(|p| p.send_index).max()
    }

    /// The largest offset in either panel.
    pub fn max_offset(&self) -> Option<Offset> {
        let consumed = self.consumed.iter().map(|p| p.offset);
        consumed.chain(self.acked.iter().map(|p| p.offset)).max()
    }
}

/// How a consumed record is named for colouring: its key as text when it is printable UTF-8,
/// its Python-style bytes otherwise, and `p0 (null key)` for records without a key, because
/// the default partitioner spreads those by producer and batch, not by key.
pub fn record_label(key: &Option<bytes::Bytes>, id: RecordId) -> String {
    match key {
        None => format!("p{} (null key)", id.producer),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => text.to_string(),
            _ => py_bytes(bytes),
        },
    }
}

/// Extracts both ordering panels from a trace.
///
/// An acknowledged record's offset is the batch's base offset plus its index in the batch.
/// Records acknowledged twice (a retry without idempotence) appear twice, at both offsets;
/// records never sent in this trace or never acknowledged do not appear in the second panel.
pub fn ordering(trace: &Trace) -> Ordering {
    let mut sent: BTreeMap<RecordId, u64> = BTreeMap::new();
    let mut data = Ordering { end: trace_end(trace), ..Ordering::default() };
    for entry in trace.entries() {
        match &entry.event {
            Event::Sent { id, .. } => {
                let next = sent.len() as u64;
                sent.entry(*id).or_insert(next);
            }
            Event::Acked { tp, base_offset, ids } => push_acked(&mut data.acked, &sent, tp, *base_offset, ids),
            Event::Consumed { tp, records } => data.consumed.extend(records.iter().map(|r| ConsumedPoint {
                time: entry.time,
                tp: tp.clone(),
                offset: r.offset,
                label: record_label(&r.key, r.id),
            })),
            _ => {}
        }
    }
    data.consumed.sort_by(|a, b| a.tp.cmp(&b.tp));
    data.acked.sort_by(|a, b| (&a.tp, a.send_index, a.offset).cmp(&(&b.tp, b.send_index, b.offset)));
    data
}

/// Places one acknowledged batch's records by send order.
fn push_acked(
    acked: &mut Vec<AckedPoint>,
    sent: &BTreeMap<RecordId, u64>,
    tp: &TopicPartition,
    base: Offset,
    ids: &[RecordId],
) {
    for (i, id) in ids.iter().enumerate() {
        if let Some(&send_index) = sent.get(id) {
            let offset = Offset(base.0 + i as u64);
            acked.push(AckedPoint { tp: tp.clone(), send_index, id: *id, offset });
        }
    }
}

/// The ordering plot's data as CSV: `view,partition,x,offset,label`.
///
/// `consumed` rows are the first panel: `x` is the time in seconds the consumer received the
/// record, `label` its key (see [`record_label`]). `sent` rows are the second panel: `x` is
/// the send index, `label` the record id (`p0#7`). Rows come in [`Ordering`]'s order,
/// consumed first.
pub fn ordering_csv(trace: &Trace) -> String {
    let data = ordering(trace);
    let mut out = String::from("view,partition,x,offset,label\n");
    for p in &data.consumed {
        let (tp, t, label) = (csv_field(&p.tp.to_string()), p.time.as_secs_f64(), csv_field(&p.label));
        let _ = writeln!(out, "consumed,{tp},{t:.3},{},{label}", p.offset);
    }
    for p in &data.acked {
        let tp = csv_field(&p.tp.to_string());
        let _ = writeln!(out, "sent,{tp},{},{},{}", p.send_index, p.offset, p.id);
    }
    out
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trace::ConsumedRecord;
    use crate::types::NodeName;

    /// Shorthand for a partition of topic `t`.
    pub(crate) fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition::new(&TopicName::new(t), p)
    }

    /// Shorthand for record `seq` of producer 0.
    pub(crate) fn rid(seq: u64) -> RecordId {
        RecordId { producer: 0, seq }
    }

    /// Records `seqs` as sent to `tp` at `ms`, each keyed `k<seq % 2>`.
    pub(crate) fn send(trace: &mut Trace, ms: u64, tp: &TopicPartition, seqs: &[u64]) {
        for &seq in seqs {
            let key = Some(format!("k{}", seq % 2).into_bytes());
            let event = Event::Sent {
                id: rid(seq),
                tp: tp.clone(),
                key: key.map(bytes::Bytes::from),
                value: bytes::Bytes::new(),
            };
            trace.record(SimTime::from_millis(ms), NodeName("producer-a".into()), event);
        }
    }

    /// Records an acknowledgement of `seqs` at `base` in `tp` at `ms`.
    pub(crate) fn ack(trace: &mut Trace, ms: u64, tp: &TopicPartition, base: u64, seqs: &[u64]) {
        let ids = seqs.iter().map(|&s| rid(s)).collect();
        let event = Event::Acked { tp: tp.clone(), base_offset: Offset(base), ids };
        trace.record(SimTime::from_millis(ms), NodeName("producer-a".into()), event);
    }

    /// Records consumer `node` receiving `seqs` from `tp` at offsets from `base`, at `ms`.
    pub(crate) fn consume(trace: &mut Trace, ms: u64, node: &str, tp: &TopicPartition, base: u64, seqs: &[u64]) {
        let records = seqs
            .iter()
            .enumerate()
            .map(|(i, &s)| ConsumedRecord {
                offset: Offset(base + i as u64),
                id: rid(s),
                key: Some(bytes::Bytes::from(format!("k{}", s % 2))),
                value: bytes::Bytes::new(),
            })
            .collect();
        trace.record(SimTime::from_millis(ms), NodeName(node.into()), Event::Consumed { tp: tp.clone(), records });
    }

    /// Two partitions of one topic, three records, read by two consumers; ends at 2s.
    pub(crate) fn small_trace() -> Trace {
        let (p0, p1) = (tp("orders", 0), tp("orders", 1));
        let mut t = Trace::new();
        send(&mut t, 0, &p0, &[0]);
        send(&mut t, 0, &p1, &[1]);
        send(&mut t, 10, &p0, &[2]);
        ack(&mut t, 20, &p1, 0, &[1]);
        ack(&mut t, 30, &p0, 0, &[0, 2]);
        consume(&mut t, 1500, "consumer-a", &p0, 0, &[0, 2]);
        consume(&mut t, 1600, "consumer-b", &p0, 0, &[0]);
        t.record(SimTime::from_millis(2000), NodeName("sim".into()), Event::NodeCrashed);
        t
    }

    #[test]
    fn bucket_width_aims_for_about_a_hundred_buckets() {
        let w = |ms| bucket_width(SimDuration::from_millis(ms)).as_millis();
        assert_eq!(w(0), 10);
        assert_eq!(w(2_000), 20);
        assert_eq!(w(60_000), 500);
        assert_eq!(w(60_001), 1_000);
        assert_eq!(w(120_000), 1_000);
        assert_eq!(w(600_000), 5_000);
        assert_eq!(w(3_600_000), 30_000);
        assert_eq!(w(1000 * 3_600_000), 9 * 3_600_000);
        for span_ms in [999u64, 7_000, 45_000, 61_000, 250_000, 7_200_000] {
            let n = span_ms.div_ceil(w(span_ms));
            assert!((40..=120).contains(&n), "{span_ms}ms gives {n} buckets");
        }
    }

    #[test]
    fn throughput_counts_acks_and_every_consumer() {
        let data = throughput(&small_trace());
        assert_eq!(data.bucket, SimDuration::from_millis(20));
        assert_eq!(data.bucket_count(), 100);
        let line = |kind, key: SeriesKey| data.series.iter().find(|s| s.kind == kind && s.key == key).unwrap();
        let p0 = SeriesKey::Partition(tp("orders", 0));
        assert_eq!(line(RateKind::Produced, p0.clone()).counts[1], 2);
        assert_eq!(line(RateKind::Produced, SeriesKey::All).counts[1], 3);
        assert_eq!(line(RateKind::Consumed, p0).counts[75], 2);
        assert_eq!(line(RateKind::Consumed, p0_sum()).counts.iter().sum::<u64>(), 3);
        assert_eq!(data.topic_count(), 1);
        assert_eq!(data.rate(2), 100.0);
        assert_eq!(data.max_rate(), 150.0);
    }

    /// The topic total of `orders`.
    fn p0_sum() -> SeriesKey {
        SeriesKey::Topic(TopicName::new("orders"))
    }

    #[test]
    fn throughput_csv_is_dense_sorted_and_fixed_point() {
        let csv = throughput_csv(&small_trace());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "time_s,series,kind,records_per_s");
        // 4 series (2 partitions, 1 topic, all) x 2 kinds x 100 buckets.
        assert_eq!(lines.len(), 1 + 4 * 2 * 100);
        assert_eq!(lines[1], "0.000,orders-0,produced,0.000");
        assert_eq!(lines[2], "0.020,orders-0,produced,100.000");
        assert!(lines.contains(&"0.020,all,produced,150.000"));
        assert!(lines.contains(&"1.500,orders-*,consumed,100.000"));
        assert!(lines.contains(&"1.600,orders-0,consumed,50.000"));
        let first_consumed = lines.iter().position(|l| l.contains(",consumed,")).unwrap();
        assert!(lines[1..first_consumed].iter().all(|l| l.contains(",produced,")));
    }

    #[test]
    fn empty_trace_gives_empty_data() {
        let t = Trace::new();
        assert_eq!(throughput(&t).bucket_count(), 0);
        assert_eq!(throughput(&t).max_rate(), 0.0);
        assert_eq!(throughput_csv(&t), "time_s,series,kind,records_per_s\n");
        assert_eq!(ordering(&t), Ordering::default());
        assert_eq!(ordering_csv(&t), "view,partition,x,offset,label\n");
    }

    #[test]
    fn ordering_places_acked_records_by_send_order() {
        let data = ordering(&small_trace());
        let sent: Vec<(String, u64, u64)> =
            data.acked.iter().map(|p| (p.tp.to_string(), p.send_index, p.offset.0)).collect();
        assert_eq!(sent, vec![("orders-0".into(), 0, 0), ("orders-0".into(), 2, 1), ("orders-1".into(), 1, 0)]);
        assert_eq!(data.consumed.len(), 3);
        assert_eq!(data.labels(), vec!["k0".to_string()]);
        assert_eq!(data.partitions(), vec![tp("orders", 0), tp("orders", 1)]);
        assert_eq!(data.max_send_index(), Some(2));
        assert_eq!(data.max_offset(), Some(Offset(1)));
    }

    #[test]
    fn ordering_csv_text() {
        let expected = "view,partition,x,offset,label\n\
                        consumed,orders-0,1.500,0,k0\n\
                        consumed,orders-0,1.500,1,k0\n\
                        consumed,orders-0,1.600,0,k0\n\
                        sent,orders-0,0,0,p0#0\n\
                        sent,orders-0,2,1,p0#2\n\
                        sent,orders-1,1,0,p0#1\n";
        assert_eq!(ordering_csv(&small_trace()), expected);
    }

    #[test]
    fn actions_are_listed_in_trace_order() {
        let mut t = small_trace();
        let crash = Event::ActionStarted { action: "crash broker-1".into() };
        t.record(SimTime::from_millis(2500), NodeName("sim".into()), crash);
        assert_eq!(actions(&t), vec![(SimTime::from_millis(2500), "crash broker-1".to_string())]);
    }

    #[test]
    fn labels_fall_back_for_missing_or_binary_keys() {
        assert_eq!(record_label(&None, RecordId { producer: 3, seq: 0 }), "p3 (null key)");
        assert_eq!(record_label(&Some(bytes::Bytes::from_static(b"user-7")), rid(0)), "user-7");
        assert_eq!(record_label(&Some(bytes::Bytes::from_static(&[0, 0xff])), rid(0)), "b'\\x00\\xff'");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
