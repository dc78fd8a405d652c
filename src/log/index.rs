//! The sparse offset index of one segment (Kafka's `.index` file).
//!
//! A segment's records sit back to back in its `.log` file, so finding offset `n` by reading from
//! the start would cost a scan of up to a whole segment (a gigabyte by default). Kafka instead
//! keeps, next to every `.log`, an `.index` file of `(relative offset, byte position)` pairs: one
//! entry roughly every `log.index.interval.bytes` of records. The entries are sorted by offset,
//! so a binary search finds the greatest entry at or below the target, and a short forward scan
//! from that byte position reaches the record itself.
//!
//! Offsets are stored relative to the segment's base offset as a `u32` (4 bytes instead of 8),
//! which is why a segment can never span more than `u32::MAX` offsets.
//!
//! Invariants:
//! - entries are strictly increasing in relative offset;
//! - entries are strictly increasing in byte position.

use crate::types::Offset;
use serde::{Deserialize, Serialize};

/// One entry of the index: the record at `base + relative_offset` starts `position` bytes into
/// the segment's `.log` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The record's offset minus the segment's base offset (4 bytes on disk in Kafka).
    pub relative_offset: u32,
    /// The record's byte position in the segment's `.log` file.
    pub position: u64,
}

/// The sparse offset index of one segment: a sorted list of [`IndexEntry`]s.
///
/// It exists so that a fetch at an arbitrary offset costs a binary search plus a short scan
/// rather than a scan of the whole segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetIndex {
    base_offset: Offset,
    entries: Vec<IndexEntry>,
}

impl OffsetIndex {
    /// An empty index for the segment whose first offset is `base_offset`.
    pub fn new(base_offset: Offset) -> OffsetIndex {
        OffsetIndex { base_offset, entries: Vec::new() }
    }

    /// The base offset of the segment this index belongs to; entries are relative to it.
    pub fn base_offset(&self) -> Offset {
        self.base_offset
    }

    /// Record that the record at absolute `offset` starts at byte `position`.
    ///
    /// Panics if the entry would not keep the index sorted, or if `offset` cannot be stored
    /// relative to the base in 32 bits: both would make lookups silently wrong.
    pub fn append_entry(&mut self, offset: Offset, position: u64) {
        let relative_offset = self.relative(offset);
        if let Some(last) = self.entries.last() {
            assert!(
                relative_offset > last.relative_offset && position > last.position,
                "index entries must increase: last ({}, {}), new ({relative_offset}, {position})",
                last.relative_offset,
                last.position
            );
        }
        self.entries.push(IndexEntry { relative_offset, position });
    }

    /// The greatest entry whose offset is `<= target`, found by binary search, or `None` when
    /// the target lies before the first entry (the scan must then start at the segment's start).
    pub fn lookup(&self, target: Offset) -> Option<IndexEntry> {
        if target < self.base_offset {
            return None;
        }
        let relative = target.0 - self.base_offset.0;
        // Entries at or below the target form a prefix; its length is the partition point.
        let below = self.entries.partition_point(|e| u64::from(e.relative_offset) <= relative);
        below.checked_sub(1).map(|i| self.entries[i])
    }

    /// The absolute offset an entry of this index points at.
    pub fn absolute_offset(&self, entry: IndexEntry) -> Offset {
        Offset(self.base_offset.0 + u64::from(entry.relative_offset))
    }

    /// All entries, in increasing order: for teaching output and tests.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The last entry, if any: where the forward scan of a new entry's byte count starts.
    pub fn last_entry(&self) -> Option<IndexEntry> {
        self.entries.last().copied()
    }

    /// Drop every entry for an offset `>= offset`, because the records they point at are being
    /// truncated away.
    pub fn truncate_to(&mut self, offset: Offset) {
        let keep = if offset <= self.base_offset {
            0
        } else {
            let relative = offset.0 - self.base_offset.0;
            self.entries.partition_point(|e| u64::from(e.relative_offset) < relative)
        };
        self.entries.truncate(keep);
    }

    /// `offset` relative to the base, asserting that it fits the on-disk 32-bit field.
    fn relative(&self, offset: Offset) -> u32 {
        assert!(
            offset >= self.base_offset,
            "index entry offset {offset} is below the segment base {}",
            self.base_offset
        );
        let relative = offset.0 - self.base_offset.0;
        u32::try_from(relative).unwrap_or_else(|_| {
            panic!("offset {offset} is too far from base {} for a 32-bit relative offset", self.base_offset)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_with(base: u64, entries: &[(u64, u64)]) -> OffsetIndex {
        let mut index = OffsetIndex::new(Offset(base));
        for &(offset, position) in entries {
            index.append_entry(Offset(offset), position);
        }
        index
    }

    #[test]
    fn lookup_finds_greatest_entry_at_or_below_target() {
        let index = index_with(100, &[(110, 4100), (121, 8200), (133, 12300)]);
        assert_eq!(index.lookup(Offset(99)), None);
        assert_eq!(index.lookup(Offset(105)), None);
        let at = |t| index.lookup(Offset(t)).map(|e| index.absolute_offset(e));
        assert_eq!(at(110), Some(Offset(110)));
        assert_eq!(at(120), Some(Offset(110)));
        assert_eq!(at(121), Some(Offset(121)));
        assert_eq!(at(500), Some(Offset(133)));
        assert_eq!(index.lookup(Offset(125)).unwrap().position, 8200);
    }

    #[test]
    fn truncate_drops_entries_at_or_above_offset() {
        let mut index = index_with(0, &[(10, 100), (20, 200), (30, 300)]);
        index.truncate_to(Offset(20));
        assert_eq!(index.entries().len(), 1);
        assert_eq!(index.last_entry().unwrap().relative_offset, 10);
        index.truncate_to(Offset(0));
        assert!(index.entries().is_empty());
    }

    #[test]
    #[should_panic(expected = "index entries must increase")]
    fn out_of_order_entry_panics() {
        index_with(0, &[(10, 100), (5, 200)]);
    }
}
