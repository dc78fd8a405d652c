//! One partition's log: an ordered run of segments with a log start offset, a log end offset
//! and a high watermark. See the module essay in `log/mod.rs` for the concepts.

use crate::log::config::LogConfig;
use crate::log::record::{NewRecord, Record};
use crate::log::segment::Segment;
use crate::types::{LeaderEpoch, Offset, SimTime, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What an append did: the offsets it assigned and the segments it rolled.
///
/// The producer's acknowledgement carries `base_offset`; the roll list lets the broker emit a
/// trace event per new segment, so students can watch `segment.bytes` at work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendInfo {
    /// The offset given to the batch's first record.
    pub base_offset: Offset,
    /// The offset given to the batch's last record.
    pub last_offset: Offset,
    /// The base offsets of the segments created during this append, in order.
    pub rolled: Vec<Offset>,
}

/// A fetch or lookup asked for an offset the log does not hold: below the log start offset
/// (deleted by retention) or past the log end offset.
///
/// It is data, not a panic: Kafka answers `OFFSET_OUT_OF_RANGE` and the consumer applies its
/// `auto.offset.reset`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetOutOfRange {
    /// The offset that was asked for.
    pub requested: Offset,
    /// The first offset the log still holds.
    pub log_start_offset: Offset,
    /// The offset the next appended record will get.
    pub log_end_offset: Offset,
}

impl fmt::Display for OffsetOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "offset {} is out of range [log start offset {}, log end offset {}]",
            self.requested, self.log_start_offset, self.log_end_offset
        )
    }
}

impl std::error::Error for OffsetOutOfRange {}

/// How an offset was found: which segment file, which index entry, how far the scan went.
///
/// It exists to make Kafka's two-level search visible (the book's "where is offset 2049?").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// The base offset of the segment holding the record.
    pub segment_base: Offset,
    /// That segment's `.log` file name.
    pub segment_file: String,
    /// The index entry the scan started from, as (absolute offset, byte position); `None` when
    /// it started at the segment's first byte.
    pub index_entry: Option<(Offset, u64)>,
    /// The record's byte position in the segment file.
    pub position: u64,
    /// How many records the forward scan stepped over after the index entry.
    pub scanned_records: u64,
}

/// Which retention rule deleted a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RetentionReason {
    /// `retention.ms`: the segment's newest record was too old.
    Time,
    /// `retention.bytes`: the partition was too big.
    Size,
}

impl fmt::Display for RetentionReason {
    /// The Kafka config key responsible, so traces name what a student would tune.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RetentionReason::Time => "retention.ms",
            RetentionReason::Size => "retention.bytes",
        })
    }
}

/// A segment removed by retention, described for the trace (the records themselves are gone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSegment {
    /// The segment's base offset.
    pub base_offset: Offset,
    /// The segment's `.log` file name.
    pub file_name: String,
    /// How many records it held.
    pub records: u64,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The rule that deleted it.
    pub reason: RetentionReason,
}

/// The log of one partition replica, as plain data: append, read, roll, retain, truncate.
///
/// Time arrives as an argument; nothing here reads a clock or touches a disk. The broker owns
/// one per hosted replica and the replication layer moves its high watermark and truncates it.
///
/// Invariants (checked by `check_invariants` after every mutation):
/// - there is always at least one segment; the last one is the active segment;
/// - each segment is keyed by its base offset, and its first record has that offset;
/// - offsets are contiguous across segments: a segment's base is the previous one's next offset;
/// - only the active segment may be empty;
/// - the log start offset is the first segment's base, the log end offset the last one's next
///   offset, and `log start offset <= high watermark <= log end offset`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLog {
    tp: TopicPartition,
    config: LogConfig,
    segments: BTreeMap<Offset, Segment>,
    high_watermark: Offset,
    /// Kafka's leader-epoch checkpoint: the first offset written in each leader epoch.
    epoch_starts: BTreeMap<LeaderEpoch, Offset>,
    /// Records below this offset are on disk; above it they are only in the page cache and
    /// vanish if the machine loses power (Kafka's recovery point).
    flushed: Offset,
}

impl PartitionLog {
    /// A new, empty log for `tp`: one empty active segment with base offset 0.
    pub fn new(tp: TopicPartition, config: LogConfig, now: SimTime) -> PartitionLog {
        let mut segments = BTreeMap::new();
        segments.insert(Offset(0), Segment::new(Offset(0), now));
        let log = PartitionLog {
            tp,
            config,
            segments,
            high_watermark: Offset(0),
            epoch_starts: BTreeMap::new(),
            flushed: Offset(0),
        };
        log.check_invariants();
        log
    }

    /// Which partition this log belongs to.
    pub fn topic_partition(&self) -> &TopicPartition {
        &self.tp
    }

    /// The settings this log rolls, indexes and retains by.
    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// The first offset still in the log; everything below was deleted by retention.
    pub fn log_start_offset(&self) -> Offset {
        self.first_segment().base_offset()
    }

    /// The log end offset (LEO): the offset the next appended record will get.
    pub fn log_end_offset(&self) -> Offset {
        self.active_segment().next_offset()
    }

    /// The high watermark: offsets below it are committed and visible to consumers.
    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    /// Move the high watermark, as the replication layer decides it.
    ///
    /// Panics unless `log start offset <= hw <= log end offset`: a high watermark outside the
    /// log would expose records that do not exist.
    pub fn set_high_watermark(&mut self, hw: Offset) {
        assert!(
            self.log_start_offset() <= hw && hw <= self.log_end_offset(),
            "{}: high watermark {hw} outside [{}, {}]",
            self.tp,
            self.log_start_offset(),
            self.log_end_offset()
        );
        self.high_watermark = hw;
        self.check_invariants();
    }

    /// The total size of all segments in bytes: what `retention.bytes` limits.
    pub fn size_bytes(&self) -> u64 {
        self.segments.values().map(Segment::size_bytes).sum()
    }

    /// The segments in offset order, the last being the active one.
    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments.values()
    }

    /// The segment new records go to.
    pub fn active_segment(&self) -> &Segment {
        let (_, segment) = self.segments.last_key_value().expect("a log always has an active segment");
        segment
    }

    /// Append a batch at the log end offset, giving its records dense offsets, rolling a new
    /// segment before any record that would overflow `segment.bytes` or that arrives once the
    /// active segment is `segment.ms` old.
    ///
    /// Panics on an empty batch: the caller (the produce path) must never send one.
    pub fn append(&mut self, now: SimTime, records: Vec<NewRecord>) -> AppendInfo {
        self.append_as_leader(now, LeaderEpoch(0), records)
    }

    /// Append as the leader of `epoch`: each record is stamped with the epoch.
    pub fn append_as_leader(&mut self, now: SimTime, epoch: LeaderEpoch, records: Vec<NewRecord>) -> AppendInfo {
        self.append_idempotent(now, epoch, records, None)
    }

    /// Append as the leader of `epoch`, stamping record `i` with `(producer id, base sequence + i)`
    /// when the batch comes from an idempotent producer.
    pub fn append_idempotent(
        &mut self,
        now: SimTime,
        epoch: LeaderEpoch,
        records: Vec<NewRecord>,
        producer: Option<(u64, u64)>,
    ) -> AppendInfo {
        assert!(!records.is_empty(), "{}: empty batch appended", self.tp);
        let base = self.log_end_offset();
        let stamped = records
            .into_iter()
            .enumerate()
            .map(|(i, record)| Record {
                offset: Offset(base.0 + i as u64),
                leader_epoch: epoch,
                producer_sequence: producer.map(|(pid, seq)| (pid, seq + i as u64)),
                record,
            })
            .collect();
        self.append_records(now, stamped)
    }

    /// Append records copied from a leader, keeping their offsets and epochs. The first must
    /// sit at the log end offset: a follower only ever extends its log.
    pub fn append_records(&mut self, now: SimTime, records: Vec<Record>) -> AppendInfo {
        assert!(!records.is_empty(), "{}: empty batch appended", self.tp);
        let base_offset = self.log_end_offset();
        assert_eq!(records[0].offset, base_offset, "{}: appended records must start at the log end offset", self.tp);
        let mut rolled = Vec::new();
        for record in records {
            if self.active_segment().should_roll(now, record.size_bytes(), &self.config) {
                rolled.push(self.roll(now));
            }
            // Epochs only grow along a log. A record from an older epoch can only arrive after the
            // pre-KIP-101 truncation kept records the new leader never had; like Kafka's epoch
            // cache, forget the newer epochs it contradicts.
            let _ = self.epoch_starts.split_off(&record.leader_epoch.next());
            if self.latest_epoch() != Some(record.leader_epoch) {
                self.epoch_starts.insert(record.leader_epoch, record.offset);
            }
            let interval = self.config.index_interval_bytes;
            self.active_segment_mut().append(now, record, interval);
        }
        let last_offset = Offset(self.log_end_offset().0 - 1);
        self.check_invariants();
        AppendInfo { base_offset, last_offset, rolled }
    }

    /// The latest leader epoch that wrote to this log, if any.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epoch_starts.last_key_value().map(|(e, _)| *e)
    }

    /// Kafka's `OffsetsForLeaderEpoch` answer: the largest epoch at or below `epoch` that this
    /// log knows, and the offset where it ended (the start of the next epoch, or the log end
    /// offset if it is the latest). `None` if the log knows no epoch at or below it.
    pub fn end_offset_for_epoch(&self, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        let (&found, _) = self.epoch_starts.range(..=epoch).next_back()?;
        let end = self.epoch_starts.range(found.next()..).next().map_or(self.log_end_offset(), |(_, start)| *start);
        Some((found, end))
    }

    /// Mark everything appended so far as written to disk (fsync).
    pub fn flush(&mut self) {
        self.flushed = self.log_end_offset();
    }

    /// The first offset not yet on disk.
    pub fn flushed_offset(&self) -> Offset {
        self.flushed
    }

    /// Read records with offsets in `[from, upto)` (`upto` is clamped to the log end offset),
    /// stopping before `max_bytes` would be exceeded, but returning at least one record when
    /// one is available so that a large record can never block a consumer (KIP-74).
    ///
    /// `from == log end offset`, or `from >= upto`, is an empty read, not an error: a caught-up
    /// consumer or follower simply gets nothing yet.
    pub fn read(&self, from: Offset, max_bytes: u64, upto: Offset) -> Result<Vec<Record>, OffsetOutOfRange> {
        if from < self.log_start_offset() || from > self.log_end_offset() {
            return Err(self.out_of_range(from));
        }
        let upto = upto.min(self.log_end_offset());
        let mut out = Vec::new();
        if from >= upto {
            return Ok(out);
        }
        let mut bytes = 0;
        for record in self.records_from(from) {
            let size = record.size_bytes();
            if record.offset >= upto || (!out.is_empty() && bytes + size > max_bytes) {
                break;
            }
            bytes += size;
            out.push(record.clone());
        }
        Ok(out)
    }

    /// Find `offset` the way Kafka does and report the path taken: binary search for the
    /// segment with the greatest base `<= offset`, then its index, then a forward scan.
    ///
    /// The offset must hold a record: `log start offset <= offset < log end offset`.
    pub fn lookup(&self, offset: Offset) -> Result<Lookup, OffsetOutOfRange> {
        if offset < self.log_start_offset() || offset >= self.log_end_offset() {
            return Err(self.out_of_range(offset));
        }
        let segment = self.segment_for(offset);
        let found = segment.find(offset).expect("an offset inside the log is inside the segment chosen for it");
        let index_entry = found.index_entry.map(|e| (segment.index().absolute_offset(e), e.position));
        Ok(Lookup {
            segment_base: segment.base_offset(),
            segment_file: segment.file_name(),
            index_entry,
            position: found.position,
            scanned_records: found.scanned_records,
        })
    }

    /// Delete old segments by `retention.bytes`, then by `retention.ms`, oldest first, and
    /// move the log start offset to the first remaining segment's base.
    ///
    /// Kafka's `UnifiedLog.deleteOldSegments`: the size rule runs before the time rule
    /// (`deleteRetentionSizeBreachedSegments`, then `deleteRetentionMsBreachedSegments`). Each
    /// walks from the oldest segment while its predicate holds (`deletableSegments`): whole
    /// segments only, never one holding records at or above the high watermark (uncommitted
    /// records must stay readable by the followers that have yet to copy them), and never an
    /// empty last segment. The active segment is *not* spared: a quiet topic's only segment goes
    /// once it is past `retention.ms`, and `deleteSegments` first rolls a new empty segment at
    /// the log end offset, so the log always keeps an active segment.
    pub fn apply_retention(&mut self, now: SimTime) -> Vec<DeletedSegment> {
        let mut deleted = Vec::new();
        if let Some(limit) = self.config.retention_bytes {
            let size = self.size_bytes();
            if size >= limit {
                let mut diff = size - limit;
                let count = self.deletable_count(|s| {
                    let breached = diff >= s.size_bytes();
                    if breached {
                        diff -= s.size_bytes();
                    }
                    breached
                });
                deleted.extend(self.delete_oldest(now, count, RetentionReason::Size));
            }
        }
        if let Some(retention) = self.config.retention_ms {
            // Strictly older than retention.ms: `now - largestTimestamp > retentionMs`.
            let count = self.deletable_count(|s| now.since(s.largest_timestamp()) > retention);
            deleted.extend(self.delete_oldest(now, count, RetentionReason::Time));
        }
        self.check_invariants();
        deleted
    }

    /// Remove every record with offset `>= offset`, as a follower does when its log diverged
    /// from the new leader's. Segments based above `offset` are dropped; the one containing it
    /// is cut and becomes the (possibly empty) active segment. Truncating below the log start
    /// offset empties the log and restarts it at `offset`. The high watermark is capped at the
    /// new log end offset. Truncating at or past the log end offset changes nothing.
    pub fn truncate_to(&mut self, offset: Offset) {
        if offset >= self.log_end_offset() {
            return;
        }
        if offset < self.log_start_offset() {
            let created_at = self.active_segment().created_at();
            self.truncate_fully_and_start_at(offset, created_at);
            return;
        }
        // Keep segments based at or below `offset`; the last of them holds `offset`.
        let _dropped = self.segments.split_off(&offset.next());
        self.active_segment_mut().truncate_to(offset);
        self.high_watermark = self.high_watermark.min(self.log_end_offset());
        self.epoch_starts.retain(|_, start| *start < offset);
        self.flushed = self.flushed.min(offset);
        self.check_invariants();
    }

    /// Drop every record and restart the log empty at `offset`, which may lie past the log end
    /// offset (Kafka's `truncateFullyAndStartAt`): what a follower does when the leader's log
    /// start offset has moved past the follower's whole log.
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset, now: SimTime) {
        self.segments.clear();
        self.segments.insert(offset, Segment::new(offset, now));
        self.high_watermark = offset;
        self.epoch_starts.clear();
        self.flushed = offset;
        self.check_invariants();
    }

    fn first_segment(&self) -> &Segment {
        let (_, segment) = self.segments.first_key_value().expect("a log always has an active segment");
        segment
    }

    fn active_segment_mut(&mut self) -> &mut Segment {
        self.segments.values_mut().next_back().expect("a log always has an active segment")
    }

    /// The segment that would hold `offset`: the greatest base `<= offset` (a range search).
    fn segment_for(&self, offset: Offset) -> &Segment {
        let (_, segment) = self
            .segments
            .range(..=offset)
            .next_back()
            .expect("offsets at or above the log start offset have a segment");
        segment
    }

    /// Every record from `from` on, across segments, in offset order.
    fn records_from(&self, from: Offset) -> impl Iterator<Item = &Record> {
        let start = self.segment_for(from).base_offset();
        self.segments.range(start..).flat_map(move |(_, s)| s.records_from(from))
    }

    /// Close the active segment and open an empty one at the log end offset; returns its base.
    fn roll(&mut self, now: SimTime) -> Offset {
        let base = self.log_end_offset();
        self.segments.insert(base, Segment::new(base, now));
        base
    }

    /// How many segments, oldest first, retention may delete now (Kafka's
    /// `UnifiedLog.deletableSegments`): while `breached` holds, the segment lies wholly below
    /// the high watermark, and it is not an empty last segment.
    fn deletable_count(&self, mut breached: impl FnMut(&Segment) -> bool) -> usize {
        let mut segments = self.segments.values().peekable();
        let mut count = 0;
        while let Some(segment) = segments.next() {
            let next = segments.peek();
            let upper_bound = next.map_or(self.log_end_offset(), |n| n.base_offset());
            let last_and_empty = next.is_none() && segment.is_empty();
            if last_and_empty || self.high_watermark < upper_bound || !breached(segment) {
                break;
            }
            count += 1;
        }
        count
    }

    /// Delete the `count` oldest segments (Kafka's `UnifiedLog.deleteSegments`): if that is all
    /// of them, roll a new empty active segment at the log end offset first.
    fn delete_oldest(&mut self, now: SimTime, count: usize, reason: RetentionReason) -> Vec<DeletedSegment> {
        if count == 0 {
            return Vec::new();
        }
        if count == self.segments.len() {
            self.roll(now);
        }
        let mut deleted = Vec::with_capacity(count);
        for _ in 0..count {
            let (_, segment) = self.segments.pop_first().expect("count is at most the number of segments");
            deleted.push(DeletedSegment {
                base_offset: segment.base_offset(),
                file_name: segment.file_name(),
                records: segment.len(),
                size_bytes: segment.size_bytes(),
                reason,
            });
        }
        assert!(!self.segments.is_empty(), "{}: deleted the active segment without rolling", self.tp);
        deleted
    }

    fn out_of_range(&self, requested: Offset) -> OffsetOutOfRange {
        OffsetOutOfRange { requested, log_start_offset: self.log_start_offset(), log_end_offset: self.log_end_offset() }
    }

    /// Assert the invariants listed on [`PartitionLog`], in time linear in the segment count.
    fn check_invariants(&self) {
        assert!(!self.segments.is_empty(), "{}: no active segment", self.tp);
        let active_base = self.active_segment().base_offset();
        let mut expected_base: Option<Offset> = None;
        for (&base, segment) in &self.segments {
            segment.check_invariants();
            assert_eq!(base, segment.base_offset(), "{}: segment misfiled", self.tp);
            if let Some(expected) = expected_base {
                assert_eq!(base, expected, "{}: offsets not contiguous", self.tp);
            }
            assert!(base == active_base || !segment.is_empty(), "{}: closed segment {base} is empty", self.tp);
            expected_base = Some(segment.next_offset());
        }
        assert!(
            self.log_start_offset() <= self.high_watermark && self.high_watermark <= self.log_end_offset(),
            "{}: high watermark {} outside [{}, {}]",
            self.tp,
            self.high_watermark,
            self.log_start_offset(),
            self.log_end_offset()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::RECORD_OVERHEAD_BYTES;
    use crate::types::{RecordId, SimDuration, TopicName};

    fn tp() -> TopicPartition {
        TopicPartition::new(&TopicName::new("orders"), 0)
    }

    /// A record of exactly `size` bytes, stamped `ts_ms`.
    fn rec(seq: u64, size: u64, ts_ms: u64) -> NewRecord {
        NewRecord {
            id: RecordId { producer: 0, seq },
            key: None,
            value: vec![0u8; (size - RECORD_OVERHEAD_BYTES) as usize].into(),
            timestamp: SimTime::from_millis(ts_ms),
        }
    }

    fn batch(first_seq: u64, count: u64, size: u64, ts_ms: u64) -> Vec<NewRecord> {
        (first_seq..first_seq + count).map(|s| rec(s, size, ts_ms)).collect()
    }

    fn config(segment_bytes: u64) -> LogConfig {
        LogConfig {
            segment_bytes,
            segment_ms: None,
            retention_ms: None,
            retention_bytes: None,
            index_interval_bytes: 4096,
        }
    }

    fn bases(log: &PartitionLog) -> Vec<u64> {
        log.segments().map(|s| s.base_offset().0).collect()
    }

    /// 64-byte records, 1024 per 64 KiB segment: segments at 0, 1024, 2048, ...
    fn tutorial_log() -> PartitionLog {
        let mut log = PartitionLog::new(tp(), config(64 * 1024), SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 3000, 64, 0));
        log
    }

    #[test]
    fn tutorial_offset_2049_is_in_segment_2048() {
        let log = tutorial_log();
        assert_eq!(bases(&log), vec![0, 1024, 2048]);
        let found = log.lookup(Offset(2049)).unwrap();
        assert_eq!(found.segment_base, Offset(2048));
        assert_eq!(found.segment_file, "00000000000000002048.log");
        assert_eq!((found.index_entry, found.position), (None, 64));
        assert_eq!(found.scanned_records, 1);
    }

    #[test]
    fn lookup_uses_the_sparse_index() {
        // An entry once *more than* 4096 bytes (64 records of 64 bytes) have gone in since the
        // last: every 65 records, at relative offsets 65, 130, 195, ... So offset 2048 + 200
        // scans 5 records from the entry at 2048 + 195.
        let log = tutorial_log();
        let found = log.lookup(Offset(2248)).unwrap();
        assert_eq!(found.index_entry, Some((Offset(2243), 195 * 64)));
        assert_eq!((found.position, found.scanned_records), (200 * 64, 5));
        let err = log.lookup(Offset(3000)).unwrap_err();
        assert_eq!(err.log_end_offset, Offset(3000));
    }

    #[test]
    fn append_assigns_dense_offsets_and_reports_rolls() {
        let mut log = PartitionLog::new(tp(), config(300), SimTime::ZERO);
        let first = log.append(SimTime::ZERO, batch(0, 2, 100, 0));
        assert_eq!((first.base_offset, first.last_offset), (Offset(0), Offset(1)));
        assert!(first.rolled.is_empty());
        let second = log.append(SimTime::ZERO, batch(2, 5, 100, 0));
        assert_eq!((second.base_offset, second.last_offset), (Offset(2), Offset(6)));
        assert_eq!(second.rolled, vec![Offset(3), Offset(6)]);
        assert_eq!(log.log_end_offset(), Offset(7));
        assert_eq!(log.size_bytes(), 700);
    }

    #[test]
    fn oversized_record_gets_its_own_segment() {
        let mut log = PartitionLog::new(tp(), config(100), SimTime::ZERO);
        log.append(SimTime::ZERO, vec![rec(0, 500, 0), rec(1, 500, 0)]);
        assert_eq!(bases(&log), vec![0, 1]);
    }

    #[test]
    fn segment_ms_rolls_by_age_from_the_first_record() {
        let mut cfg = config(1 << 20);
        cfg.segment_ms = Some(SimDuration::from_millis(1000));
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        // The empty segment waited 5 s, but its clock starts with its first record.
        log.append(SimTime::from_millis(5000), batch(0, 1, 100, 5000));
        let info = log.append(SimTime::from_millis(5999), batch(1, 1, 100, 5999));
        assert!(info.rolled.is_empty());
        let info = log.append(SimTime::from_millis(6000), batch(2, 1, 100, 6000));
        assert_eq!(info.rolled, vec![Offset(2)]);
    }

    #[test]
    fn read_respects_bounds_and_max_bytes() {
        let mut log = PartitionLog::new(tp(), config(300), SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 10, 100, 0));
        let offsets = |v: Vec<Record>| v.iter().map(|r| r.offset.0).collect::<Vec<_>>();
        assert_eq!(offsets(log.read(Offset(2), 350, Offset(10)).unwrap()), vec![2, 3, 4]);
        assert_eq!(offsets(log.read(Offset(2), 1000, Offset(4)).unwrap()), vec![2, 3]);
        assert_eq!(offsets(log.read(Offset(2), 1, Offset(10)).unwrap()), vec![2]);
        assert_eq!(offsets(log.read(Offset(8), 1000, Offset(99)).unwrap()), vec![8, 9]);
        assert!(log.read(Offset(10), 1000, Offset(99)).unwrap().is_empty());
        assert!(log.read(Offset(5), 1000, Offset(5)).unwrap().is_empty());
        let err = log.read(Offset(11), 1000, Offset(99)).unwrap_err();
        assert_eq!(err.to_string(), "offset 11 is out of range [log start offset 0, log end offset 10]");
    }

    #[test]
    fn retention_ms_deletes_old_closed_segments_below_the_high_watermark() {
        let mut cfg = config(300);
        cfg.retention_ms = Some(SimDuration::from_millis(1000));
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 6, 100, 0)); // segments 0, 3 (ts 0)
        log.append(SimTime::from_millis(500), batch(6, 3, 100, 500)); // segment 6 (ts 500)
        log.append(SimTime::from_millis(500), batch(9, 1, 100, 500)); // active 9
        assert_eq!(bases(&log), vec![0, 3, 6, 9]);
        // Nothing is committed yet, so nothing may go.
        assert!(log.apply_retention(SimTime::from_millis(5000)).is_empty());
        log.set_high_watermark(Offset(10));
        assert!(log.apply_retention(SimTime::from_millis(1000)).is_empty(), "strictly older than retention.ms");
        let deleted = log.apply_retention(SimTime::from_millis(1001));
        let names: Vec<_> = deleted.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names, ["00000000000000000000.log", "00000000000000000003.log"]);
        assert_eq!(deleted[0].reason.to_string(), "retention.ms");
        assert_eq!(log.log_start_offset(), Offset(6));
        // Once everything is old the active segment goes too: a new empty one is rolled first.
        let deleted = log.apply_retention(SimTime::from_millis(10_000));
        let names: Vec<_> = deleted.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names, ["00000000000000000006.log", "00000000000000000009.log"]);
        assert_eq!(bases(&log), vec![10]);
        assert!(log.active_segment().is_empty());
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (Offset(10), Offset(10)));
        assert!(log.read(Offset(8), 1000, Offset(10)).is_err());
        // An empty last segment is never deleted, however old.
        assert!(log.apply_retention(SimTime::from_millis(100_000)).is_empty());
        let info = log.append(SimTime::from_millis(100_000), batch(10, 1, 100, 100_000));
        assert_eq!(info.base_offset, Offset(10));
    }

    #[test]
    fn retention_spares_an_active_segment_above_the_high_watermark() {
        let mut cfg = config(10_000);
        cfg.retention_ms = Some(SimDuration::from_millis(1000));
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 4, 100, 0));
        log.set_high_watermark(Offset(3));
        assert!(log.apply_retention(SimTime::from_millis(5000)).is_empty(), "offset 3 is not committed");
        log.set_high_watermark(Offset(4));
        assert_eq!(log.apply_retention(SimTime::from_millis(5000)).len(), 1);
        assert_eq!(bases(&log), vec![4]);
    }

    #[test]
    fn retention_bytes_runs_before_retention_ms() {
        let mut cfg = config(300);
        cfg.retention_ms = Some(SimDuration::from_millis(1000));
        cfg.retention_bytes = Some(500);
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 10, 100, 0)); // 0, 3, 6, 9
        log.set_high_watermark(Offset(10));
        let deleted = log.apply_retention(SimTime::from_millis(5000));
        let reasons: Vec<_> = deleted.iter().map(|d| d.reason).collect();
        use RetentionReason::{Size, Time};
        assert_eq!(reasons, [Size, Time, Time, Time], "size takes 0, then time takes the rest");
    }

    #[test]
    fn retention_bytes_keeps_at_least_the_limit() {
        let mut cfg = config(300);
        cfg.retention_bytes = Some(500);
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 10, 100, 0)); // 0, 3, 6, 9
        log.set_high_watermark(Offset(10));
        let deleted = log.apply_retention(SimTime::ZERO);
        // 1000 bytes: dropping 0 leaves 700 >= 500, dropping 3 would leave 400 < 500.
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].reason, RetentionReason::Size);
        assert_eq!((deleted[0].records, deleted[0].size_bytes), (3, 300));
        assert_eq!(log.log_start_offset(), Offset(3));
        assert_eq!(log.size_bytes(), 700);
    }

    #[test]
    fn truncate_cuts_segments_and_caps_the_high_watermark() {
        let mut log = PartitionLog::new(tp(), config(300), SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 10, 100, 0)); // 0, 3, 6, 9
        log.set_high_watermark(Offset(8));
        log.truncate_to(Offset(7));
        assert_eq!(bases(&log), vec![0, 3, 6]);
        assert_eq!((log.log_end_offset(), log.high_watermark()), (Offset(7), Offset(7)));
        log.truncate_to(Offset(6));
        assert_eq!(bases(&log), vec![0, 3, 6]);
        assert!(log.active_segment().is_empty());
        let info = log.append(SimTime::ZERO, batch(6, 1, 100, 0));
        assert_eq!(info.base_offset, Offset(6));
        log.truncate_to(Offset(50));
        assert_eq!(log.log_end_offset(), Offset(7));
    }

    #[test]
    fn truncate_below_log_start_restarts_the_log_there() {
        let mut cfg = config(300);
        cfg.retention_bytes = Some(0);
        let mut log = PartitionLog::new(tp(), cfg, SimTime::ZERO);
        log.append(SimTime::ZERO, batch(0, 10, 100, 0));
        log.set_high_watermark(Offset(10));
        // retention.bytes=0 takes every segment, the active one too (Kafka rolls a new one).
        log.apply_retention(SimTime::ZERO);
        assert_eq!(log.log_start_offset(), Offset(10));
        log.truncate_to(Offset(4));
        assert_eq!(bases(&log), vec![4]);
        assert_eq!(log.log_start_offset(), log.log_end_offset());
        assert_eq!(log.high_watermark(), Offset(4));
    }

    #[test]
    #[should_panic(expected = "high watermark")]
    fn high_watermark_past_log_end_panics() {
        let mut log = PartitionLog::new(tp(), config(300), SimTime::ZERO);
        log.set_high_watermark(Offset(1));
    }

    #[test]
    #[should_panic(expected = "empty batch")]
    fn empty_batch_panics() {
        let mut log = PartitionLog::new(tp(), config(300), SimTime::ZERO);
        log.append(SimTime::ZERO, Vec::new());
    }
}
