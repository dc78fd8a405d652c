//! The topic-level settings that shape a partition's log: when to roll a segment, how densely to
//! index it and how long to keep it.
//!
//! Each field mirrors a Kafka setting (broker default `log.*`, topic override without the `log.`
//! prefix), so what a student tunes here transfers to a real cluster. `None` stands for Kafka's
//! "unlimited" (`-1` for `retention.bytes` and `retention.ms`).

use crate::types::SimDuration;
use serde::{Deserialize, Serialize};

/// One GiB: Kafka's default `log.segment.bytes`.
pub const DEFAULT_SEGMENT_BYTES: u64 = 1024 * 1024 * 1024;

/// Seven days in milliseconds: Kafka's default for both `segment.ms` and `retention.ms`.
pub const SEVEN_DAYS_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Kafka's default `log.index.interval.bytes`.
pub const DEFAULT_INDEX_INTERVAL_BYTES: u64 = 4096;

/// How a partition log rolls, indexes and expires its segments.
///
/// It exists as one value so that a broker can hand the same settings to every partition of a
/// topic, and a scenario can override them per topic the way `kafka-configs.sh` does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// `log.segment.bytes` / `segment.bytes`: the active segment is rolled before it would
    /// grow past this many bytes.
    pub segment_bytes: u64,
    /// `log.roll.ms` / `segment.ms`: the active segment is rolled once it is this old, so that
    /// time-based retention can eventually delete it even on a quiet topic. `None`: never.
    pub segment_ms: Option<SimDuration>,
    /// `log.retention.ms` / `retention.ms`: a closed segment whose newest record is this old is
    /// deleted. `None`: keep forever.
    pub retention_ms: Option<SimDuration>,
    /// `log.retention.bytes` / `retention.bytes`: closed segments are deleted, oldest first,
    /// while the partition would still hold at least this many bytes without them.
    /// `None`: unlimited (Kafka's `-1`).
    pub retention_bytes: Option<u64>,
    /// `log.index.interval.bytes` / `index.interval.bytes`: roughly how many bytes of records
    /// lie between two entries of the sparse offset index.
    pub index_interval_bytes: u64,
}

impl Default for LogConfig {
    /// Kafka's broker defaults, so that an unconfigured topic behaves like a stock cluster.
    fn default() -> LogConfig {
        LogConfig {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_ms: Some(SimDuration::from_millis(SEVEN_DAYS_MS)),
            retention_ms: Some(SimDuration::from_millis(SEVEN_DAYS_MS)),
            retention_bytes: None,
            index_interval_bytes: DEFAULT_INDEX_INTERVAL_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_kafka() {
        let c = LogConfig::default();
        assert_eq!(c.segment_bytes, 1_073_741_824);
        assert_eq!(c.segment_ms, Some(SimDuration::from_millis(604_800_000)));
        assert_eq!(c.retention_ms.map(|d| d.as_millis() / 3_600_000), Some(168));
        assert_eq!(c.retention_bytes, None);
        assert_eq!(c.index_interval_bytes, 4096);
    }
}
