//! What a Raft node must remember across a crash.
//!
//! Raft's safety argument assumes three things survive a restart: the current term (so a node
//! never goes back in time), whom it voted for in that term (so it never votes twice), and its
//! log (so a majority that acknowledged an entry still holds it). kafkasim adds the applied
//! index, so a restarted node does not hand the same committed entry to its state machine twice.
//!
//! Invariants (asserted on every change):
//! - the current term never decreases;
//! - a node votes at most once per term;
//! - the applied index never decreases and never passes the end of the log.

use super::log::{LogIndex, RaftLog, Term};
use crate::types::NodeName;

/// The persistent state of one Raft node: everything [`RaftNode::restart`] keeps.
///
/// In a real controller this would be fsynced to disk (KRaft's `quorum-state` file and the
/// `__cluster_metadata` log); here it simply lives on in memory while the volatile state is
/// thrown away.
///
/// [`RaftNode::restart`]: super::RaftNode::restart
#[derive(Clone, Debug, PartialEq)]
pub struct RaftStorage<C> {
    current_term: Term,
    voted_for: Option<NodeName>,
    log: RaftLog<C>,
    applied: LogIndex,
}

impl<C: Clone> Default for RaftStorage<C> {
    fn default() -> Self {
        RaftStorage { current_term: Term(0), voted_for: None, log: RaftLog::new(), applied: LogIndex::ZERO }
    }
}

impl<C: Clone> RaftStorage<C> {
    /// The state of a node that has never run: term 0, no vote, an empty log.
    pub fn new() -> RaftStorage<C> {
        RaftStorage::default()
    }

    /// The latest term this node has seen.
    pub fn current_term(&self) -> Term {
        self.current_term
    }

    /// The candidate this node voted for in the current term, if any.
    pub fn voted_for(&self) -> Option<&NodeName> {
        self.voted_for.as_ref()
    }

    /// The node's copy of the replicated log.
    pub fn log(&self) -> &RaftLog<C> {
        &self.log
    }

    /// The last index handed out as `Committed`: everything up to it has been applied.
    pub fn applied(&self) -> LogIndex {
        self.applied
    }

    /// Move to a later term, forgetting the vote of the old one.
    pub(super) fn set_term(&mut self, term: Term) {
        assert!(term > self.current_term, "terms only move forward: {} -> {term}", self.current_term);
        self.current_term = term;
        self.voted_for = None;
    }

    /// Record a vote in the current term.
    pub(super) fn vote(&mut self, candidate: &NodeName) {
        assert!(
            self.voted_for.as_ref().is_none_or(|v| v == candidate),
            "a node votes at most once per term: term {} already voted for {:?}, now {candidate}",
            self.current_term,
            self.voted_for
        );
        self.voted_for = Some(candidate.clone());
    }

    /// The log, for the node's own appends and merges.
    pub(super) fn log_mut(&mut self) -> &mut RaftLog<C> {
        &mut self.log
    }

    /// Record that everything up to `index` has been applied.
    pub(super) fn set_applied(&mut self, index: LogIndex) {
        assert!(index >= self.applied, "the applied index never goes back: {} -> {index}", self.applied);
        assert!(index <= self.log.last_index(), "cannot apply past the end of the log");
        self.applied = index;
    }
}
