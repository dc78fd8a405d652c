//! Replication: how a partition's leader and followers keep copies of one log.
//!
//! The seed: "其中一个节点会作为主副本（Leader），其他节点作为备份副本（Follower）…当主副本出现故障时，
//! 备份副本中的一个副本会被选择为新的主副本". Kafka's replication is pull-based:
//!
//! 1. Every follower fetches from the leader, like a consumer that reads up to the log end
//!    offset (LEO) instead of the high watermark, and appends what it gets to its own log.
//! 2. From those fetches the leader knows each follower's LEO. A follower that is at the
//!    leader's LEO, or has reached it recently (within `replica.lag.time.max.ms`), is *in
//!    sync*; the in-sync replicas form the ISR. Every `replica.lag.time.max.ms / 2` the leader
//!    proposes to the controller dropping the others; a replica outside rejoins on the fetch
//!    that reaches the HW (and the start of the leader's epoch).
//! 3. The high watermark (HW) is the smallest LEO in the ISR: every in-sync replica has every
//!    record below it. Consumers only see records below the HW; a producer with `acks=all` is
//!    answered once the HW passes its records. `min.insync.replicas` refuses `acks=all` writes
//!    when the ISR is too small to be safe, and while it is that small the HW does not move
//!    at all (Kafka 3.7+, KAFKA-15583): records written meanwhile wait, unacknowledged and
//!    unreadable, until the ISR grows back.
//! 4. When a leader changes, the new leader's log wins. A follower must remove any tail the new
//!    leader does not have. Before KIP-101 it cut its log back to its own HW — which can lose
//!    committed records or leave two replicas disagreeing about one offset, because followers
//!    learn the HW one fetch late. Since KIP-101/279 it asks the leader where its last leader
//!    epoch ended (`OffsetsForLeaderEpoch`) and cuts exactly there. Both are modelled, so the
//!    difference can be shown on the same seed.
//!
//! - [`isr`]: the in-sync rules and the high watermark, as pure functions;
//! - [`leader`]: what a leader tracks about its followers;
//! - [`follower`]: a follower's truncation by leader epoch, repeated until the epochs match.

pub mod follower;
pub mod isr;
pub mod leader;

/// How a follower decides what to truncate when its leader changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TruncationMode {
    /// KIP-101/279: ask the leader where our last epoch ended (`OffsetsForLeaderEpoch`).
    LeaderEpoch,
    /// Before KIP-101: truncate to our own high watermark.
    HighWatermark,
}
