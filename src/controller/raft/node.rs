//! The Raft node: its roles, its `step` function, and the invariants checked after every step.
//!
//! Election and replication logic live in [`election`](super::election) and
//! [`replication`](super::replication); this file routes inputs to them, switches roles, hands
//! committed entries out, and checks that nothing impossible happened.
//!
//! Invariants (asserted after every step):
//! - `applied <= commit_index <= last log index`;
//! - no log holds an entry from a term later than the node's current term;
//! - a leader's last entry is from its own term (it appended a no-op when elected);
//! - leaders and candidates voted for themselves; a candidate never holds a quorum of votes
//!   (it would have become leader);
//! - a leader's view of each follower has `match_index < next_index <= last index + 1`.

use super::config::RaftConfig;
use super::election::ElectionTimer;
use super::log::{LogIndex, Term};
use super::message::{RaftInput, RaftMessage, RaftOutput};
use super::replication::{AppendRequest, LeaderState};
use super::storage::RaftStorage;
use crate::types::{NodeName, SimTime};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Debug;

/// What a replicated command must be: cloneable (it is copied into messages), comparable and
/// printable (for assertions and tests), and serialisable (it travels between nodes).
pub trait Command: Clone + Debug + PartialEq + Serialize + DeserializeOwned {}

impl<T: Clone + Debug + PartialEq + Serialize + DeserializeOwned> Command for T {}

/// The three roles of a Raft node, for drivers and tests to observe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Accepts entries from a leader and votes in elections.
    Follower,
    /// Asking for votes to become leader of its current term.
    Candidate,
    /// Accepts proposals and replicates them.
    Leader,
}

/// The volatile state of each role: lost on restart, rebuilt from messages.
#[derive(Clone, Debug)]
pub(super) enum RoleState {
    /// Following `leader`, once known.
    Follower { leader: Option<NodeName> },
    /// Collecting votes; always includes its own.
    Candidate { votes: BTreeSet<NodeName> },
    /// Leading, with a view of each follower's progress.
    Leader(LeaderState),
}

/// One member of a Raft quorum: a sans-IO state machine driven by [`RaftNode::step`].
///
/// It never reads a clock, sends a packet or draws unseeded randomness: time arrives as `now`,
/// messages as [`RaftInput::Message`], and the election timeout jitter comes from a
/// generator seeded by the `seed` given to [`RaftNode::new`].
#[derive(Clone, Debug)]
pub struct RaftNode<C> {
    pub(super) id: NodeName,
    /// All members, this node included, sorted.
    pub(super) peers: Vec<NodeName>,
    pub(super) config: RaftConfig,
    pub(super) storage: RaftStorage<C>,
    pub(super) role: RoleState,
    pub(super) commit_index: LogIndex,
    pub(super) timer: ElectionTimer,
    /// Outputs of the step in progress; drained when the step returns.
    pub(super) outbox: Vec<RaftOutput<C>>,
    last_now: SimTime,
}

impl<C: Command> RaftNode<C> {
    /// A fresh node `id` in a quorum of `peers` (all members including `id`, sorted).
    ///
    /// It starts as a follower of term 0 with an empty log. Its election timer starts with the
    /// first step, so a node built before the run begins does not time out early.
    pub fn new(id: NodeName, peers: Vec<NodeName>, config: RaftConfig, seed: u64) -> RaftNode<C> {
        config.validate();
        assert!(peers.windows(2).all(|w| w[0] < w[1]), "peers must be sorted and distinct: {peers:?}");
        assert!(peers.contains(&id), "peers must include the node itself ({id}): {peers:?}");
        let timer = ElectionTimer::new(&config, seed);
        RaftNode {
            id,
            peers,
            config,
            storage: RaftStorage::new(),
            role: RoleState::Follower { leader: None },
            commit_index: LogIndex::ZERO,
            timer,
            outbox: Vec::new(),
            last_now: SimTime::ZERO,
        }
    }

    /// Handle `input` at time `now`; return what the driver must do and what it should know.
    pub fn step(&mut self, now: SimTime, input: RaftInput<C>) -> Vec<RaftOutput<C>> {
        assert!(now >= self.last_now, "time never goes backwards: {} after {}", now, self.last_now);
        assert!(self.outbox.is_empty(), "the outbox is drained by every step");
        self.last_now = now;
        self.timer.start_if_idle(now);
        match input {
            RaftInput::Tick => self.on_tick(now),
            RaftInput::Message { from, message } => self.on_message(now, from, message),
            RaftInput::Propose(command) => self.on_propose(command),
        }
        self.apply_committed();
        self.check_invariants();
        std::mem::take(&mut self.outbox)
    }

    /// Model a crash and restart at `now`: keep [`RaftStorage`] (term, vote, log, applied
    /// index), forget everything else. The node comes back as a follower that knows no leader;
    /// its commit index restarts at the applied index, so nothing is handed out twice.
    pub fn restart(&mut self, now: SimTime) {
        assert!(now >= self.last_now, "time never goes backwards: {} after {}", now, self.last_now);
        self.last_now = now;
        self.role = RoleState::Follower { leader: None };
        self.commit_index = self.storage.applied();
        self.outbox.clear();
        self.timer.reset(now);
        self.check_invariants();
    }

    /// This node's name.
    pub fn id(&self) -> &NodeName {
        &self.id
    }

    /// Every member of the quorum, this node included, sorted.
    pub fn peers(&self) -> &[NodeName] {
        &self.peers
    }

    /// The node's current role.
    pub fn role(&self) -> Role {
        match self.role {
            RoleState::Follower { .. } => Role::Follower,
            RoleState::Candidate { .. } => Role::Candidate,
            RoleState::Leader(_) => Role::Leader,
        }
    }

    /// The latest term this node has seen.
    pub fn term(&self) -> Term {
        self.storage.current_term()
    }

    /// The leader of the current term as far as this node knows (itself when it leads).
    pub fn leader(&self) -> Option<&NodeName> {
        match &self.role {
            RoleState::Follower { leader } => leader.as_ref(),
            RoleState::Candidate { .. } => None,
            RoleState::Leader(_) => Some(&self.id),
        }
    }

    /// The highest index known to be committed.
    pub fn commit_index(&self) -> LogIndex {
        self.commit_index
    }

    /// The number of entries in the log (the index of the last one).
    pub fn log_len(&self) -> u64 {
        self.storage.log().last_index().0
    }

    /// The persistent state, for inspection (model tests compare logs across nodes).
    pub fn storage(&self) -> &RaftStorage<C> {
        &self.storage
    }

    /// The size of a majority of the quorum.
    pub(super) fn quorum(&self) -> usize {
        self.peers.len() / 2 + 1
    }

    /// Every member but this one, in name order.
    pub(super) fn others(&self) -> Vec<NodeName> {
        self.peers.iter().filter(|p| **p != self.id).cloned().collect()
    }

    pub(super) fn send(&mut self, to: NodeName, message: RaftMessage<C>) {
        assert_ne!(to, self.id, "a node never sends to itself");
        self.outbox.push(RaftOutput::Send { to, message });
    }

    fn on_tick(&mut self, now: SimTime) {
        if matches!(self.role, RoleState::Leader(_)) {
            self.leader_tick(now);
        } else if self.timer.expired(now) {
            self.campaign(now);
        }
    }

    fn on_message(&mut self, now: SimTime, from: NodeName, message: RaftMessage<C>) {
        assert!(from != self.id && self.peers.contains(&from), "{} got a message from non-member {from}", self.id);
        let term = message.term();
        if term > self.term() {
            // A later term: whatever this node was doing is stale. An append names the leader.
            let leader = match &message {
                RaftMessage::AppendEntries { leader, .. } => Some(leader.clone()),
                _ => None,
            };
            self.become_follower(now, term, leader);
        }
        match message {
            RaftMessage::RequestVote { term, candidate, last_log_index, last_log_term } => {
                assert_eq!(candidate, from, "a candidate asks for its own votes");
                self.on_request_vote(now, term, candidate, (last_log_index, last_log_term));
            }
            RaftMessage::VoteResponse { term, granted } => self.on_vote_response(now, from, term, granted),
            RaftMessage::AppendEntries { term, leader, prev_log_index, prev_log_term, entries, leader_commit } => {
                assert_eq!(leader, from, "only the leader sends appends");
                let request = AppendRequest { term, prev_log_index, prev_log_term, entries, leader_commit };
                self.on_append_entries(now, leader, request);
            }
            RaftMessage::AppendResponse { term, success, match_index } => {
                self.on_append_response(now, from, term, success, match_index);
            }
        }
    }

    fn on_propose(&mut self, command: C) {
        if matches!(self.role, RoleState::Leader(_)) {
            let term = self.term();
            self.storage.log_mut().append(term, Some(command));
            self.broadcast_append();
            self.advance_commit();
        } else {
            let leader_hint = self.leader().cloned();
            self.outbox.push(RaftOutput::ProposalRejected { command, leader_hint });
        }
    }

    /// Follow `leader` (if known) in `term`, adopting the term if it is later. Announces the
    /// change and restarts the election timer whenever the (term, leader) pair changes.
    pub(super) fn become_follower(&mut self, now: SimTime, term: Term, leader: Option<NodeName>) {
        assert!(term >= self.term(), "a node never follows an older term");
        assert!(leader.as_ref() != Some(&self.id), "a node never follows itself");
        let term_changed = term > self.term();
        if term_changed {
            self.storage.set_term(term);
        }
        let same_follower = matches!(&self.role, RoleState::Follower { leader: l } if *l == leader);
        if term_changed || !same_follower {
            self.role = RoleState::Follower { leader: leader.clone() };
            self.timer.reset(now);
            self.outbox.push(RaftOutput::BecameFollower { term, leader });
        }
    }

    /// Hand out, in order, every entry committed since the last step, and remember that they
    /// were applied (in persistent state, so a restart does not hand them out again).
    fn apply_committed(&mut self) {
        let mut index = self.storage.applied().next();
        while index <= self.commit_index {
            let entry = self.storage.log().get(index).expect("committed entries are in the log").clone();
            self.outbox.push(RaftOutput::Committed(entry));
            index = index.next();
        }
        self.storage.set_applied(self.commit_index);
    }

    fn check_invariants(&self) {
        let log = self.storage.log();
        let (id, term) = (&self.id, self.term());
        assert!(self.commit_index <= log.last_index(), "{id}: commit index {} past the log's end", self.commit_index);
        assert!(self.storage.applied() <= self.commit_index, "{id}: applied past the commit index");
        assert!(log.last_term() <= term, "{id}: holds an entry of term {} while in term {term}", log.last_term());
        match &self.role {
            RoleState::Follower { leader } => {
                assert!(leader.as_ref() != Some(id), "{id}: follows itself");
            }
            RoleState::Candidate { votes } => {
                assert_eq!(self.storage.voted_for(), Some(id), "{id}: a candidate votes for itself");
                assert!(votes.contains(id) && votes.len() < self.quorum(), "{id}: a candidate's votes are wrong");
            }
            RoleState::Leader(state) => {
                assert_eq!(self.storage.voted_for(), Some(id), "{id}: a leader voted for itself");
                assert_eq!(log.last_term(), term, "{id}: a leader's last entry is from its own term");
                state.check(log.last_index());
            }
        }
    }
}
