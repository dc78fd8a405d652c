//! The partition log: how a Kafka broker stores a partition.
//!
//! # A partition is an append-only log
//!
//! A topic is split into partitions, and each partition is a log: an append-only sequence of
//! records. Every record appended gets the next *offset*, a number that counts up from 0
//! without gaps. Offsets never change and records are never edited in place, so "where am I in
//! this partition?" is a single number, which is exactly what a consumer commits.
//!
//! # Segments
//!
//! A log that only ever grows would eventually fill the disk, and deleting the front of one huge
//! file is expensive. So Kafka splits each partition's log into *segments*: files of
//! consecutive records. Only the newest segment, the *active segment*, receives appends; older
//! segments are closed and immutable, which makes deleting them cheap: remove the files.
//!
//! Each segment is named after its *base offset*, the offset of its first record, padded to 20
//! digits so that names sort like numbers:
//!
//! ```text
//! orders-0/
//!   00000000000000000000.log     offsets    0 ..= 1023
//!   00000000000000000000.index
//!   00000000000000001024.log     offsets 1024 ..= 2047
//!   00000000000000001024.index
//!   00000000000000002048.log     offsets 2048 ..       (active segment)
//!   00000000000000002048.index
//! ```
//!
//! The active segment is *rolled* (closed, and a new one opened at the log end offset) before a
//! record that would make it bigger than `log.segment.bytes` (default 1 GiB), or once it has
//! been filling for `log.roll.ms` / `segment.ms` (default 7 days), so that even a quiet topic
//! eventually closes segments that retention can delete.
//!
//! # Finding an offset: two binary searches and a short scan
//!
//! A consumer fetches "from offset 2049". The broker first finds the segment: the one with the
//! greatest base offset `<= 2049`, by binary search over the base offsets. Here that is
//! `00000000000000002048.log`.
//!
//! Within the segment, records of varying size lie back to back, so offset 2049 could be at any
//! byte. Next to each `.log` file sits a sparse *offset index* (`.index`): a sorted list of
//! `(relative offset, byte position)` pairs, with one entry added each time more than
//! `log.index.interval.bytes` (default 4096) of records have been appended since the last. A
//! second binary search finds the greatest entry `<= 2049`, and a forward scan from that byte
//! position, record by record, reaches the target. The index is sparse so that it stays small
//! enough to keep in memory; the price is a scan of at most about 4 KiB. The first record of a
//! segment gets no entry: a scan from the segment's first byte needs none.
//!
//! [`PartitionLog::lookup`] reports each step of this search, so a student can watch it.
//!
//! # Three offsets that matter
//!
//! - The **log start offset** is the first offset still stored. Below it, records were deleted
//!   by retention; a fetch there gets `OFFSET_OUT_OF_RANGE`.
//! - The **log end offset** (LEO) is the offset the next appended record will get: one past the
//!   last record.
//! - The **high watermark** (HW) is the offset up to which records are *committed*: copied to
//!   every in-sync replica. Consumers only see records below it. The replication layer moves it;
//!   the log only keeps `log start offset <= high watermark <= log end offset`.
//!
//! # Retention
//!
//! Kafka deletes data by age or by size, whole segments at a time, oldest first, and never the
//! active segment:
//!
//! - `log.retention.ms` (default 7 days = 168 hours): a closed segment goes once its newest
//!   record is that old.
//! - `log.retention.bytes` (default `-1`, unlimited): closed segments go, oldest first, while
//!   the partition would still hold at least that many bytes without them.
//!
//! Deleting segments moves the log start offset forward to the base offset of the first
//! remaining segment. Because whole segments go, a partition usually keeps somewhat more than
//! the limits say; students are often surprised that a topic with `retention.ms=1000` still
//! serves old records: the active segment is not rolled yet. Like Kafka, this log also never
//! deletes a segment holding records at or above the high watermark: followers still need them.
//!
//! # Truncation
//!
//! Replication sometimes has to *remove* records from the end of a follower's log: when a new
//! leader is elected, a follower whose log ran ahead of the new leader's (records that were
//! never committed) truncates back to the point where the two logs agree, then fetches from
//! there. [`PartitionLog::truncate_to`] removes every record at or above an offset, drops
//! emptied segments and caps the high watermark at the new log end offset.
//!
//! # How this module is built
//!
//! Everything here is plain data with no I/O and no clock: "files" are `Vec`s and sizes are
//! computed from each record's key, value and a fixed overhead, and the time arrives as an
//! argument. The broker owns one [`PartitionLog`] per replica it hosts.
//!
//! - [`config`]: the `log.*` settings, with Kafka's defaults.
//! - [`record`]: records before and after they get an offset.
//! - [`index`]: the sparse offset index of one segment.
//! - [`segment`]: one segment, its records and its index.
//! - [`partition_log`]: the ordered segments with log start offset, LEO and high watermark.

pub mod config;
pub mod index;
pub mod partition_log;
pub mod record;
pub mod segment;

pub use config::LogConfig;
pub use index::{IndexEntry, OffsetIndex};
pub use partition_log::{AppendInfo, DeletedSegment, Lookup, OffsetOutOfRange, PartitionLog, RetentionReason};
pub use record::{NewRecord, Record, RECORD_OVERHEAD_BYTES};
pub use segment::{Segment, SegmentPosition};
