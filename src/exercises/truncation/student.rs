//! YOUR FILE for the `truncation` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise truncation`
//!
//! Task: a follower has just learned of a new leader. Return the offset it must truncate its
//! log to before fetching again (every record at or past it is dropped). You get both logs as
//! their leader-epoch caches ([`ReplicaLog`]: each epoch with its first offset, and the log end
//! offset). Play both sides of KIP-101's `OffsetsForLeaderEpoch`:
//! 1. the follower asks about its latest epoch `E` (the last entry of its cache);
//! 2. the leader finds the largest epoch `E' <= E` in its own cache and answers `(E', end)`,
//!    where `end` is the start of the leader's next epoch after `E'`, or the leader's log end
//!    offset if `E'` is its latest;
//! 3. find the largest epoch `F <= E'` in the follower's cache. If `F == E'`, cut at `end` or
//!    at where `E'` ended in the follower's own log, whichever is smaller: done. If `F < E'`
//!    (the follower never saw `E'`), cut at where `F` ended in the follower's log (the start
//!    of its next epoch) and go back to step 1 with the shortened log: KIP-279 loops until the
//!    epochs match. If the follower has no epoch `<= E'`, cut at `end`;
//! 4. never past the follower's own log end offset.
//!
//! The starter keeps everything up to the leader's log end offset: when the follower has
//! records the leader never had (written in an epoch the leader never saw), they survive at
//! offsets where the leader has *different* records — two replicas disagree forever.

use super::ReplicaLog;
use crate::types::Offset;

/// The offset to truncate the follower to.
pub fn truncation_offset(follower: &ReplicaLog, leader: &ReplicaLog) -> Offset {
    follower.log_end_offset.min(leader.log_end_offset)
}
