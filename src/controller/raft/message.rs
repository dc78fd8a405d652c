//! What goes into and comes out of a Raft node: its inputs, its outputs and its two RPCs.
//!
//! Raft needs only two requests: `RequestVote` (a candidate asks for a vote) and
//! `AppendEntries` (a leader replicates entries; with no entries it is a heartbeat). Each has a
//! response. They are plain, serialisable data so a driver can carry them over any transport.

use super::log::{Entry, LogIndex, Term};
use crate::types::NodeName;
use serde::{Deserialize, Serialize};

/// A message between two members of the quorum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RaftMessage<C> {
    /// A candidate asks for a vote in `term`.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// Who asks (the sender).
        candidate: NodeName,
        /// The index of the candidate's last entry.
        last_log_index: LogIndex,
        /// The term of the candidate's last entry.
        last_log_term: Term,
    },
    /// The answer to a `RequestVote`.
    VoteResponse {
        /// The voter's term (the candidate steps down if it is later than its own).
        term: Term,
        /// Whether the vote was granted.
        granted: bool,
    },
    /// A leader replicates entries (or, with none, asserts its leadership: a heartbeat).
    AppendEntries {
        /// The leader's term.
        term: Term,
        /// Who leads (the sender), so followers can redirect proposals.
        leader: NodeName,
        /// The index of the entry right before `entries`.
        prev_log_index: LogIndex,
        /// The term of that entry: the follower accepts only if its log holds it too.
        prev_log_term: Term,
        /// Entries to store, in index order starting at `prev_log_index + 1`.
        entries: Vec<Entry<C>>,
        /// The leader's commit index.
        leader_commit: LogIndex,
    },
    /// The answer to an `AppendEntries`.
    AppendResponse {
        /// The follower's term (the leader steps down if it is later than its own).
        term: Term,
        /// Whether the consistency check passed and the entries were stored.
        success: bool,
        /// On success, the last index the follower now shares with the leader. On failure, a
        /// hint: the highest index that may still match, where the leader should retry.
        match_index: LogIndex,
    },
}

impl<C> RaftMessage<C> {
    /// The sender's term: every message carries one, which is how stale nodes learn.
    pub fn term(&self) -> Term {
        match self {
            RaftMessage::RequestVote { term, .. }
            | RaftMessage::VoteResponse { term, .. }
            | RaftMessage::AppendEntries { term, .. }
            | RaftMessage::AppendResponse { term, .. } => *term,
        }
    }
}

/// Something that happened to a Raft node.
#[derive(Clone, Debug, PartialEq)]
pub enum RaftInput<C> {
    /// Time passed. Election and heartbeat timers are checked here.
    Tick,
    /// A message arrived from another member.
    Message {
        /// The sender.
        from: NodeName,
        /// The message.
        message: RaftMessage<C>,
    },
    /// A client wants `command` appended to the replicated log.
    Propose(C),
}

/// Something a Raft node wants done or wants known.
#[derive(Clone, Debug, PartialEq)]
pub enum RaftOutput<C> {
    /// Deliver `message` to `to` (the network may delay, drop or reorder it: Raft copes).
    Send {
        /// The destination member.
        to: NodeName,
        /// The message.
        message: RaftMessage<C>,
    },
    /// `entry` is committed: apply it to the state machine. Emitted in index order, exactly
    /// once per node over its whole life, restarts included. No-op entries (`command: None`)
    /// are emitted too, so indexes have no gaps; a state machine skips them.
    Committed(Entry<C>),
    /// This node won the election for `term`.
    BecameLeader {
        /// The term it leads.
        term: Term,
    },
    /// This node follows in `term`; `leader` is whom it follows, once known. Emitted whenever
    /// the pair changes, so a driver always knows where to redirect clients.
    BecameFollower {
        /// The term.
        term: Term,
        /// The leader, if known.
        leader: Option<NodeName>,
    },
    /// A proposal reached a node that is not the leader: it was not appended.
    ProposalRejected {
        /// The command, handed back so the client can retry it elsewhere.
        command: C,
        /// The leader this node knows of, if any: where to retry.
        leader_hint: Option<NodeName>,
    },
}
