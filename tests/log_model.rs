//! `PartitionLog` against a plain `Vec` model, over random sequences of operations.
//!
//! The model knows nothing of segments or indexes: it is the records from the log start offset
//! on, a high watermark and the time. Whatever segments the real log rolls, retains or
//! truncates, reads and lookups must agree with the model, and retention must only ever delete
//! what its rules allow.

use kafkasim::log::{DeletedSegment, LogConfig, NewRecord, OffsetOutOfRange, PartitionLog, Record, RetentionReason};
use kafkasim::types::{Offset, RecordId, SimDuration, SimTime, TopicName, TopicPartition};
use proptest::prelude::*;
use proptest::sample::Index;

/// One step of a test run.
#[derive(Clone, Debug)]
enum Op {
    /// Append a batch of records with these (key length, value length) pairs.
    Append(Vec<(Option<u8>, u8)>),
    /// Let this many milliseconds pass.
    Advance(u64),
    /// Apply retention now.
    Retention,
    /// Move the high watermark somewhere in `[log start, LEO]`.
    SetHighWatermark(Index),
    /// Commit everything: high watermark = LEO, as with a single in-sync replica.
    Commit,
    /// Truncate to an offset near the log (possibly below its start or past its end).
    Truncate(Index),
    /// Read from an offset near the log with a byte limit and an upper bound past `from`.
    Read(Index, u64, u64),
    /// Look up an offset near the log.
    Lookup(Index),
}

/// The model: the records from `start` on, plus the high watermark and the time.
struct Model {
    start: u64,
    records: Vec<NewRecord>,
    hw: u64,
    now: SimTime,
    next_seq: u64,
}

impl Model {
    fn leo(&self) -> u64 {
        self.start + self.records.len() as u64
    }

    fn record(&self, offset: u64) -> &NewRecord {
        &self.records[(offset - self.start) as usize]
    }

    /// An offset from a few below the start to a few past the end, picked by `index`.
    fn near(&self, index: &Index) -> u64 {
        let low = self.start.saturating_sub(4);
        low + index.index((self.leo() + 4 - low) as usize) as u64
    }

    fn out_of_range(&self, requested: u64) -> OffsetOutOfRange {
        OffsetOutOfRange {
            requested: Offset(requested),
            log_start_offset: Offset(self.start),
            log_end_offset: Offset(self.leo()),
        }
    }

    /// Kafka's fetch rule on the model: at least one record, then stop before `max_bytes`.
    fn read(&self, from: u64, max_bytes: u64, upto: u64) -> Result<Vec<Record>, OffsetOutOfRange> {
        if from < self.start || from > self.leo() {
            return Err(self.out_of_range(from));
        }
        let mut out = Vec::new();
        let mut bytes = 0;
        for offset in from..upto.min(self.leo()) {
            let record = self.record(offset).clone();
            if !out.is_empty() && bytes + record.size_bytes() > max_bytes {
                break;
            }
            bytes += record.size_bytes();
            out.push(Record {
                offset: Offset(offset),
                leader_epoch: kafkasim::types::LeaderEpoch(0),
                producer_sequence: None,
                record,
            });
        }
        Ok(out)
    }

    fn bytes(&self, from: u64, to: u64) -> u64 {
        (from..to).map(|o| self.record(o).size_bytes()).sum()
    }
}

fn op() -> impl Strategy<Value = Op> {
    let record = (proptest::option::of(0u8..8), 0u8..60);
    prop_oneof![
        4 => proptest::collection::vec(record, 1..6).prop_map(Op::Append),
        2 => (0u64..1500).prop_map(Op::Advance),
        2 => Just(Op::Retention),
        1 => any::<Index>().prop_map(Op::SetHighWatermark),
        2 => Just(Op::Commit),
        1 => any::<Index>().prop_map(Op::Truncate),
        3 => (any::<Index>(), 0u64..400, 0u64..40).prop_map(|(i, m, u)| Op::Read(i, m, u)),
        3 => any::<Index>().prop_map(Op::Lookup),
    ]
}

fn config() -> impl Strategy<Value = LogConfig> {
    let ms = |range: std::ops::Range<u64>| proptest::option::of(range.prop_map(SimDuration::from_millis));
    (50u64..400, ms(200..4000), ms(0..5000), proptest::option::of(0u64..1500), 1u64..300).prop_map(
        |(segment_bytes, segment_ms, retention_ms, retention_bytes, interval)| LogConfig {
            segment_bytes,
            segment_ms,
            retention_ms,
            retention_bytes,
            index_interval_bytes: interval,
        },
    )
}

fn apply_append(log: &mut PartitionLog, model: &mut Model, sizes: &[(Option<u8>, u8)]) {
    let batch: Vec<NewRecord> = sizes
        .iter()
        .map(|&(key, value)| {
            model.next_seq += 1;
            NewRecord {
                id: RecordId { producer: 0, seq: model.next_seq },
                key: key.map(|k| vec![k; usize::from(k)].into()),
                value: vec![value; usize::from(value)].into(),
                timestamp: model.now,
            }
        })
        .collect();
    let leo = model.leo();
    let info = log.append(model.now, batch.clone());
    assert_eq!(info.base_offset, Offset(leo));
    assert_eq!(info.last_offset, Offset(leo + batch.len() as u64 - 1));
    let within = |b: &Offset| b.0 >= leo && *b <= info.last_offset;
    assert!(info.rolled.iter().all(within), "rolled outside the batch");
    model.records.extend(batch);
}

fn apply_retention(log: &mut PartitionLog, model: &mut Model) {
    let config = log.config().clone();
    let mut total = log.size_bytes();
    let deleted = log.apply_retention(model.now);
    // `UnifiedLog.deleteOldSegments`: retention.bytes is checked before retention.ms.
    let mut reasons = deleted.iter().map(|d| std::cmp::Reverse(d.reason));
    assert!(reasons.clone().is_sorted(), "retention.bytes runs before retention.ms");
    assert!(reasons.all(|r| r.0 == RetentionReason::Time || config.retention_bytes.is_some()));
    for segment in &deleted {
        check_deleted(model, &config, segment, total);
        total -= segment.size_bytes;
        model.records.drain(..segment.records as usize);
        model.start += segment.records;
    }
    // `UnifiedLog.deletableSegments`: every segment is a candidate, the active one too, unless
    // it is the last and empty; its upper bound (the next base offset, or the LEO) must be
    // committed.
    let mut segments = log.segments().peekable();
    let first = segments.next().unwrap();
    let upper = segments.peek().map_or(model.leo(), |next| next.base_offset().0);
    if !first.is_empty() && upper <= model.hw {
        // Strictly older than retention.ms: `now - largestTimestamp > retentionMs`.
        let old = config
            .retention_ms
            .and_then(|r| model.now.0.checked_sub(r.0))
            .is_some_and(|cutoff| first.max_timestamp().0 < cutoff);
        let big = config.retention_bytes.is_some_and(|b| total - first.size_bytes() >= b);
        assert!(!old && !big, "retention stopped early at {}", first.base_offset());
    }
}

/// A deleted segment was the oldest, wholly committed, and its rule allowed deleting it.
fn check_deleted(model: &Model, config: &LogConfig, segment: &DeletedSegment, total: u64) {
    let end = segment.base_offset.0 + segment.records;
    assert_eq!(segment.base_offset.0, model.start, "retention deletes from the start");
    assert!(end <= model.hw, "retention deleted uncommitted records");
    assert_eq!(segment.size_bytes, model.bytes(model.start, end));
    match segment.reason {
        RetentionReason::Time => {
            let newest = (model.start..end).map(|o| model.record(o).timestamp).max();
            let retention = config.retention_ms.expect("time retention needs retention.ms");
            assert!(newest.unwrap().plus(retention) < model.now);
        }
        RetentionReason::Size => {
            let limit = config.retention_bytes.expect("size retention needs a limit");
            assert!(total - segment.size_bytes >= limit);
        }
    }
}

fn apply_truncate(log: &mut PartitionLog, model: &mut Model, target: u64) {
    log.truncate_to(Offset(target));
    if target < model.start {
        model.start = target;
        model.records.clear();
    } else if target < model.leo() {
        model.records.truncate((target - model.start) as usize);
    }
    model.hw = model.hw.min(model.leo());
    if model.hw < model.start {
        model.hw = model.start;
    }
}

fn check_lookup(log: &PartitionLog, model: &Model, offset: u64) {
    let found = log.lookup(Offset(offset));
    if offset < model.start || offset >= model.leo() {
        assert_eq!(found, Err(model.out_of_range(offset)));
        return;
    }
    let found = found.unwrap();
    let expected_base = log.segments().map(|s| s.base_offset()).filter(|b| b.0 <= offset).max().unwrap();
    assert_eq!(found.segment_base, expected_base);
    assert_eq!(found.segment_file, format!("{:020}.log", expected_base.0));
    let base = expected_base.0;
    assert_eq!(found.position, model.bytes(base, offset));
    let (from, from_position) = found.index_entry.map_or((Offset(base), 0), |e| e);
    assert!(from.0 >= base && from.0 <= offset);
    assert_eq!(from_position, model.bytes(base, from.0));
    assert_eq!(found.scanned_records, offset - from.0);
    let scanned_bytes = found.position - from_position;
    let interval = log.config().index_interval_bytes;
    // Kafka adds an entry once MORE than `interval` bytes went in since the last one, so a scan
    // from an entry covers at most `interval` bytes.
    assert!(scanned_bytes <= interval, "index too sparse");
}

/// The whole log agrees with the model, segment by segment.
fn check_state(log: &PartitionLog, model: &Model) {
    assert_eq!(log.log_start_offset().0, model.start);
    assert_eq!(log.log_end_offset().0, model.leo());
    assert_eq!(log.high_watermark().0, model.hw);
    let mut next = model.start;
    let segments: Vec<_> = log.segments().collect();
    for (i, segment) in segments.iter().enumerate() {
        assert_eq!(segment.base_offset().0, next, "segments contiguous");
        assert!(!segment.is_empty() || i + 1 == segments.len(), "only the active may be empty");
        for record in segment.records() {
            assert_eq!(record.offset.0, next);
            assert_eq!(&record.record, model.record(next));
            next += 1;
        }
        let fits = segment.size_bytes() <= log.config().segment_bytes;
        assert!(fits || segment.len() == 1, "only a lone record may overflow a segment");
    }
    assert_eq!(next, model.leo());
    assert_eq!(log.size_bytes(), model.bytes(model.start, model.leo()));
}

fn step(log: &mut PartitionLog, model: &mut Model, op: &Op) {
    let start_before = model.start;
    match op {
        Op::Append(sizes) => apply_append(log, model, sizes),
        Op::Advance(ms) => model.now = model.now.plus(SimDuration::from_millis(*ms)),
        Op::Retention => apply_retention(log, model),
        Op::SetHighWatermark(i) => {
            let span = model.leo() - model.start + 1;
            model.hw = model.start + i.index(span as usize) as u64;
            log.set_high_watermark(Offset(model.hw));
        }
        Op::Commit => {
            model.hw = model.leo();
            log.set_high_watermark(Offset(model.hw));
        }
        Op::Truncate(i) => apply_truncate(log, model, model.near(i)),
        Op::Read(i, max_bytes, extra) => {
            let from = model.near(i);
            let upto = from + extra;
            let got = log.read(Offset(from), *max_bytes, Offset(upto));
            assert_eq!(got, model.read(from, *max_bytes, upto));
        }
        Op::Lookup(i) => check_lookup(log, model, model.near(i)),
    }
    let truncated_below = matches!(op, Op::Truncate(_)) && model.start < start_before;
    assert!(model.start >= start_before || truncated_below, "log start moved back");
    check_state(log, model);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn partition_log_matches_vec_model(
        config in config(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let tp = TopicPartition::new(&TopicName::new("model"), 0);
        let mut log = PartitionLog::new(tp, config, SimTime::ZERO);
        let mut model = Model { start: 0, records: Vec::new(), hw: 0, now: SimTime::ZERO, next_seq: 0 };
        for op in &ops {
            step(&mut log, &mut model, op);
        }
    }
}
