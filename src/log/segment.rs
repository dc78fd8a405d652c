//! One segment of a partition's log: a `.log` file of records plus its `.index`.
//!
//! A segment is named after its base offset, the offset of its first record, padded to 20 digits
//! (`00000000000000002048.log`), so that a directory listing sorts segments in offset order and
//! the file holding offset `n` is the one with the greatest base `<= n`.
//!
//! Invariants:
//! - record `i` has offset `base_offset + i` (offsets are dense inside a segment);
//! - `size_bytes` is the sum of the records' sizes;
//! - `bytes_since_index_entry` is the number of bytes after the last index entry's position
//!   (or after the start, if the index is empty);
//! - the index only points at records the segment holds.

use crate::log::config::LogConfig;
use crate::log::index::{IndexEntry, OffsetIndex};
use crate::log::record::Record;
use crate::types::{Offset, SimTime};
use serde::{Deserialize, Serialize};

/// Where a record sits in a segment and how it was found: the answer to "how does Kafka find
/// offset `n` without reading the whole file?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPosition {
    /// The index entry the scan started from, or `None` when it started at the segment's start.
    pub index_entry: Option<IndexEntry>,
    /// The record's byte position in the `.log` file.
    pub position: u64,
    /// How many records the forward scan stepped over after the starting point.
    pub scanned_records: u64,
    /// The record's slot in [`Segment::records`].
    pub slot: usize,
}

/// A contiguous run of a partition's records, stored (conceptually) as one `.log` and one
/// `.index` file.
///
/// Segments exist because a single ever-growing file could never be cleaned up: retention
/// deletes whole old segments, and only the newest (active) segment is ever appended to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    base_offset: Offset,
    records: Vec<Record>,
    size_bytes: u64,
    index: OffsetIndex,
    created_at: SimTime,
    max_timestamp: SimTime,
    bytes_since_index_entry: u64,
}

impl Segment {
    /// A new empty segment whose first record will get offset `base_offset`.
    pub fn new(base_offset: Offset, now: SimTime) -> Segment {
        Segment {
            base_offset,
            records: Vec::new(),
            size_bytes: 0,
            index: OffsetIndex::new(base_offset),
            created_at: now,
            max_timestamp: SimTime::ZERO,
            bytes_since_index_entry: 0,
        }
    }

    /// The offset of the segment's first record: its name and its sort key.
    pub fn base_offset(&self) -> Offset {
        self.base_offset
    }

    /// The name of the segment's data file, as Kafka spells it: `00000000000000002048.log`.
    pub fn file_name(&self) -> String {
        format!("{:020}.log", self.base_offset.0)
    }

    /// The name of the segment's offset index file: `00000000000000002048.index`.
    pub fn index_file_name(&self) -> String {
        format!("{:020}.index", self.base_offset.0)
    }

    /// The records, in offset order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records from `offset` (inclusive) to the segment's end; empty past the end.
    pub fn records_from(&self, offset: Offset) -> &[Record] {
        let slot = offset.0.saturating_sub(self.base_offset.0);
        let slot = usize::try_from(slot).unwrap_or(usize::MAX).min(self.records.len());
        &self.records[slot..]
    }

    /// The number of records: a segment's length is its offset span, offsets being dense.
    pub fn len(&self) -> u64 {
        self.records.len() as u64
    }

    /// Whether the segment holds no record (only ever true of the active segment).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The offset the next appended record would get.
    pub fn next_offset(&self) -> Offset {
        Offset(self.base_offset.0 + self.len())
    }

    /// The size of the `.log` file in bytes: what `segment.bytes` and `retention.bytes` count.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The segment's sparse offset index.
    pub fn index(&self) -> &OffsetIndex {
        &self.index
    }

    /// When the segment started to fill: its creation, reset to the time of its first record.
    ///
    /// `segment.ms` counts from here. Kafka counts from the first record's timestamp rather
    /// than the file's creation, so an empty active segment that waited a week does not roll
    /// the moment its first record arrives; resetting on the first append does the same.
    pub fn created_at(&self) -> SimTime {
        self.created_at
    }

    /// The newest record timestamp in the segment (`SimTime::ZERO` when empty): what
    /// `retention.ms` compares against, as Kafka's `largestTimestamp` does.
    pub fn max_timestamp(&self) -> SimTime {
        self.max_timestamp
    }

    /// Kafka's `LogSegment.largestTimestamp`: the newest record timestamp, or for an empty
    /// segment the time it was created (Kafka falls back to the file's modification time).
    pub fn largest_timestamp(&self) -> SimTime {
        if self.is_empty() {
            self.created_at
        } else {
            self.max_timestamp
        }
    }

    /// Bytes appended since the last index entry: once it exceeds `index.interval.bytes`, the
    /// next record gets an entry.
    pub fn bytes_since_index_entry(&self) -> u64 {
        self.bytes_since_index_entry
    }

    /// Whether `record_size` more bytes at `now` must go to a new segment instead: the segment
    /// holds records and is full (`segment.bytes`), old (`segment.ms`) or out of 32-bit
    /// relative offsets.
    pub fn should_roll(&self, now: SimTime, record_size: u64, config: &LogConfig) -> bool {
        if self.is_empty() {
            return false;
        }
        let full = self.size_bytes + record_size > config.segment_bytes;
        let old = config.segment_ms.is_some_and(|ms| now.since(self.created_at) >= ms);
        let out_of_offsets = self.len() > u64::from(u32::MAX);
        full || old || out_of_offsets
    }

    /// Append `record`, which must carry the segment's next offset, adding an index entry when
    /// *more than* `index_interval_bytes` have accumulated since the last one (Kafka's
    /// `LogSegment.append` tests `bytesSinceLastIndexEntry > indexIntervalBytes`). As in Kafka,
    /// the first record of a segment gets none: position 0 is where a scan starts anyway.
    pub fn append(&mut self, now: SimTime, record: Record, index_interval_bytes: u64) {
        assert_eq!(record.offset, self.next_offset(), "segment {} must receive dense offsets", self.base_offset);
        if self.is_empty() {
            self.created_at = now;
        } else if self.bytes_since_index_entry > index_interval_bytes {
            self.index.append_entry(record.offset, self.size_bytes);
            self.bytes_since_index_entry = 0;
        }
        let size = record.size_bytes();
        self.size_bytes += size;
        self.bytes_since_index_entry += size;
        self.max_timestamp = self.max_timestamp.max(record.record.timestamp);
        self.records.push(record);
    }

    /// Find `offset` the way Kafka does: binary-search the index for the greatest entry at or
    /// below it, then scan forward record by record, adding up sizes. `None` if the segment does
    /// not hold `offset`.
    pub fn find(&self, offset: Offset) -> Option<SegmentPosition> {
        if offset < self.base_offset || offset >= self.next_offset() {
            return None;
        }
        let index_entry = self.index.lookup(offset);
        let (start_slot, start_position) = index_entry.map_or((0, 0), |e| (e.relative_offset as usize, e.position));
        let target_slot = (offset.0 - self.base_offset.0) as usize;
        let scanned = &self.records[start_slot..target_slot];
        let position = start_position + scanned.iter().map(Record::size_bytes).sum::<u64>();
        Some(SegmentPosition { index_entry, position, scanned_records: scanned.len() as u64, slot: target_slot })
    }

    /// Remove every record with offset `>= offset`, with its index entries, and recompute the
    /// sizes and the newest timestamp from what remains.
    pub fn truncate_to(&mut self, offset: Offset) {
        let keep = offset.0.saturating_sub(self.base_offset.0).min(self.len());
        self.records.truncate(keep as usize);
        self.index.truncate_to(offset);
        self.size_bytes = self.records.iter().map(Record::size_bytes).sum();
        let indexed_up_to = self.index.last_entry().map_or(0, |e| e.position);
        self.bytes_since_index_entry = self.size_bytes - indexed_up_to;
        self.max_timestamp = self.records.iter().map(|r| r.record.timestamp).max().unwrap_or(SimTime::ZERO);
        self.check_invariants();
    }

    /// Check the segment's invariants in constant time; density of the middle records is
    /// guaranteed by `append`'s assertion, so the ends suffice.
    pub fn check_invariants(&self) {
        if let (Some(first), Some(last)) = (self.records.first(), self.records.last()) {
            assert_eq!(first.offset, self.base_offset, "segment base must be its first offset");
            assert_eq!(last.offset.next(), self.next_offset(), "segment offsets must be dense");
        }
        let indexed_up_to = self.index.last_entry().map_or(0, |e| e.position);
        assert!(indexed_up_to <= self.size_bytes, "index of segment {} points past its end", self.base_offset);
        assert_eq!(
            self.bytes_since_index_entry,
            self.size_bytes - indexed_up_to,
            "bytes since the last index entry of segment {} are miscounted",
            self.base_offset
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::{NewRecord, RECORD_OVERHEAD_BYTES};
    use crate::types::RecordId;

    /// A record of exactly `size` bytes on the log.
    fn record(offset: u64, size: u64, ts_ms: u64) -> Record {
        let value = vec![0u8; (size - RECORD_OVERHEAD_BYTES) as usize];
        let id = RecordId { producer: 0, seq: offset };
        let record = NewRecord { id, key: None, value: value.into(), timestamp: SimTime::from_millis(ts_ms) };
        Record { offset: Offset(offset), leader_epoch: crate::types::LeaderEpoch(0), producer_sequence: None, record }
    }

    fn segment(base: u64, count: u64, size: u64, interval: u64) -> Segment {
        let mut s = Segment::new(Offset(base), SimTime::ZERO);
        for o in base..base + count {
            s.append(SimTime::ZERO, record(o, size, o), interval);
        }
        s
    }

    #[test]
    fn file_names_are_twenty_digit_base_offsets() {
        let s = Segment::new(Offset(2048), SimTime::ZERO);
        assert_eq!(s.file_name(), "00000000000000002048.log");
        assert_eq!(s.index_file_name(), "00000000000000002048.index");
    }

    #[test]
    fn index_gets_an_entry_every_interval_bytes_but_not_for_the_first_record() {
        // 100-byte records with a 250-byte interval: entries before records 3, 6, 9.
        let s = segment(10, 10, 100, 250);
        let entries: Vec<(Offset, u64)> =
            s.index().entries().iter().map(|&e| (s.index().absolute_offset(e), e.position)).collect();
        assert_eq!(entries, vec![(Offset(13), 300), (Offset(16), 600), (Offset(19), 900)]);
        assert_eq!(s.size_bytes(), 1000);
        assert_eq!(s.next_offset(), Offset(20));
        assert_eq!(s.max_timestamp(), SimTime::from_millis(19));
    }

    #[test]
    fn find_scans_forward_from_the_index_entry() {
        let s = segment(10, 10, 100, 250);
        let p = s.find(Offset(15)).unwrap();
        assert_eq!(p.index_entry.map(|e| s.index().absolute_offset(e)), Some(Offset(13)));
        assert_eq!((p.position, p.scanned_records, p.slot), (500, 2, 5));
        let p = s.find(Offset(11)).unwrap();
        assert_eq!((p.index_entry, p.position, p.scanned_records), (None, 100, 1));
        assert_eq!(s.find(Offset(9)), None);
        assert_eq!(s.find(Offset(20)), None);
    }

    #[test]
    fn truncate_recomputes_sizes_and_index() {
        let mut s = segment(10, 10, 100, 250);
        s.truncate_to(Offset(15));
        assert_eq!((s.len(), s.size_bytes(), s.next_offset()), (5, 500, Offset(15)));
        assert_eq!(s.index().entries().len(), 1);
        assert_eq!(s.bytes_since_index_entry(), 200);
        assert_eq!(s.max_timestamp(), SimTime::from_millis(14));
        s.truncate_to(Offset(3));
        assert!(s.is_empty());
        assert_eq!(s.bytes_since_index_entry(), 0);
    }

    #[test]
    fn roll_needs_records_and_size_or_age() {
        let config = LogConfig {
            segment_bytes: 1000,
            segment_ms: Some(crate::types::SimDuration::from_millis(50)),
            ..LogConfig::default()
        };
        let empty = Segment::new(Offset(0), SimTime::ZERO);
        assert!(!empty.should_roll(SimTime::from_millis(999), 5000, &config));
        let s = segment(0, 9, 100, 4096);
        assert!(!s.should_roll(SimTime::from_millis(49), 100, &config));
        assert!(s.should_roll(SimTime::from_millis(49), 101, &config));
        assert!(s.should_roll(SimTime::from_millis(50), 1, &config));
    }

    #[test]
    #[should_panic(expected = "dense offsets")]
    fn gap_in_offsets_panics() {
        let mut s = segment(0, 2, 100, 4096);
        s.append(SimTime::ZERO, record(3, 100, 0), 4096);
    }
}
