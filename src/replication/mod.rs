//! Replication: how a partition's leader and followers keep copies of one log.
//!
//! The seed: "其中一个节点会作为主副本（Leader），其他节点作为备份副本（Follower）…当主副本出现故障时，
//! 备份副本中的一个副本会被选择为新的主副本". Kafka's replication is pull-based:
//!
//! 1. Every follower fetches from the leader, like a consumer that reads up to the log end
//!    offset (LEO) instead of the high watermark, and appends what it gets to its own log.
//! 2. From those fetches the leader knows each follower's LEO. A follower that has reached the
//!    leader's LEO recently (within `replica.lag.time.max.ms`) is *in sync*; the in-sync
//!    replicas form the ISR. The leader proposes ISR changes to the controller.
//! 3. The high watermark (HW) is the smallest LEO in the ISR: every in-sync replica has every
//!    record below it. Consumers only see records below the HW; a producer with `acks=all` is
//!    answered once the HW passes its records. `min.insync.replicas` refuses writes when the
//!    ISR is too small to be safe.
//! 4. When a leader changes, the new leader's log wins. A follower must remove any tail the new
//!    leader does not have. Before KIP-101 it cut its log back to its own HW — which can lose
//!    committed records or leave two replicas disagreeing about one offset, because followers
//!    learn the HW one fetch late. Since KIP-101/279 it asks the leader where its last leader
//!    epoch ended (`OffsetsForLeaderEpoch`) and cuts exactly there. Both are modelled, so the
//!    difference can be shown on the same seed.
//!
//! - [`isr`]: the in-sync rules and the high watermark, as pure functions;
//! - [`leader`]: what a leader tracks about its followers;
//! - [`follower`]: a follower's fetch loop and truncation.

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
