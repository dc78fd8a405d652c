//! The timing knobs of a Raft node.

use crate::types::SimDuration;

/// How long followers wait before starting an election, and how often leaders heartbeat.
///
/// The election timeout is drawn afresh from `[election_timeout_min, election_timeout_max]`
/// for every wait, so that two followers rarely time out together and split the vote. The
/// heartbeat interval must be well below the minimum timeout, or followers would start
/// elections against a healthy leader. KRaft's equivalents are `controller.quorum.election.timeout.ms`
/// (with `controller.quorum.election.backoff.max.ms` as the jitter) and
/// `controller.quorum.fetch.timeout.ms`; its followers pull with fetches instead of being
/// pushed heartbeats, but the timing argument is the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftConfig {
    /// The shortest wait before a follower suspects its leader is gone.
    pub election_timeout_min: SimDuration,
    /// The longest such wait.
    pub election_timeout_max: SimDuration,
    /// How often a leader sends `AppendEntries` to every follower, entries or not.
    pub heartbeat_interval: SimDuration,
}

impl Default for RaftConfig {
    /// The Raft paper's suggestion: 150–300 ms timeouts, a heartbeat every 50 ms.
    fn default() -> Self {
        RaftConfig {
            election_timeout_min: SimDuration::from_millis(150),
            election_timeout_max: SimDuration::from_millis(300),
            heartbeat_interval: SimDuration::from_millis(50),
        }
    }
}

impl RaftConfig {
    /// Panic with a clear message on settings that would make elections impossible.
    pub(super) fn validate(&self) {
        assert!(self.election_timeout_min > SimDuration::ZERO, "election timeout must be positive");
        assert!(
            self.election_timeout_min <= self.election_timeout_max,
            "election_timeout_min ({}) must not exceed election_timeout_max ({})",
            self.election_timeout_min,
            self.election_timeout_max
        );
        assert!(
            self.heartbeat_interval > SimDuration::ZERO && self.heartbeat_interval < self.election_timeout_min,
            "heartbeat_interval ({}) must be positive and below election_timeout_min ({})",
            self.heartbeat_interval,
            self.election_timeout_min
        );
    }
}
