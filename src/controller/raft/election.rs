//! Leader election: the randomised timer, asking for votes, granting them, and winning.
//!
//! A follower that hears nothing from a leader for an election timeout becomes a candidate:
//! it moves to the next term, votes for itself and asks everyone else. A node grants at most
//! one vote per term (the vote is persistent), and only to a candidate whose log is at least
//! as up to date as its own. A candidate with votes from a majority becomes leader. Two
//! majorities always share a member, and that member votes once, so a term has at most one
//! leader (Election Safety); the up-to-date rule means the winner holds every committed entry
//! (Leader Completeness).

use super::config::RaftConfig;
use super::log::{LogIndex, Term};
use super::message::{RaftMessage, RaftOutput};
use super::node::{Command, RaftNode, RoleState};
use super::replication::LeaderState;
use crate::types::{NodeName, SimTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// The election timer: a deadline redrawn at random from the configured range at every reset.
///
/// The randomness comes from a generator seeded by the node's seed, so a run replays exactly.
/// The generator survives a restart (it is the simulation's dice, not the node's memory).
#[derive(Clone, Debug)]
pub(super) struct ElectionTimer {
    rng: ChaCha8Rng,
    min_us: u64,
    max_us: u64,
    /// `None` until the first step: the timer starts when the node does.
    deadline: Option<SimTime>,
}

impl ElectionTimer {
    /// A timer for `config`'s range, its jitter drawn from `seed`.
    pub(super) fn new(config: &RaftConfig, seed: u64) -> ElectionTimer {
        ElectionTimer {
            rng: ChaCha8Rng::seed_from_u64(seed),
            min_us: config.election_timeout_min.0,
            max_us: config.election_timeout_max.0,
            deadline: None,
        }
    }

    /// Start the timer at `now` unless it is already running.
    pub(super) fn start_if_idle(&mut self, now: SimTime) {
        if self.deadline.is_none() {
            self.reset(now);
        }
    }

    /// Draw a fresh timeout starting at `now`.
    pub(super) fn reset(&mut self, now: SimTime) {
        let timeout_us = self.rng.random_range(self.min_us..=self.max_us);
        self.deadline = Some(SimTime(now.0.saturating_add(timeout_us)));
    }

    /// Whether the timeout has run out by `now`.
    pub(super) fn expired(&self, now: SimTime) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }
}

impl<C: Command> RaftNode<C> {
    /// Start an election: next term, vote for self, ask everyone else.
    pub(super) fn campaign(&mut self, now: SimTime) {
        let term = self.term().next();
        let id = self.id.clone();
        self.storage.set_term(term);
        self.storage.vote(&id);
        self.timer.reset(now);
        self.role = RoleState::Candidate { votes: BTreeSet::from([id.clone()]) };
        if self.quorum() == 1 {
            // A single-node quorum: its own vote is a majority.
            self.become_leader(now);
            return;
        }
        let log = self.storage.log();
        let (last_log_index, last_log_term) = (log.last_index(), log.last_term());
        for peer in self.others() {
            let message = RaftMessage::RequestVote { term, candidate: id.clone(), last_log_index, last_log_term };
            self.send(peer, message);
        }
    }

    /// Answer a vote request. Later terms were already adopted by the caller, so `term` is at
    /// most the current term here.
    pub(super) fn on_request_vote(
        &mut self,
        now: SimTime,
        term: Term,
        candidate: NodeName,
        (last_log_index, last_log_term): (LogIndex, Term),
    ) {
        let granted = term == self.term()
            && self.storage.voted_for().is_none_or(|v| *v == candidate)
            && self.storage.log().candidate_is_up_to_date(last_log_term, last_log_index);
        if granted {
            self.storage.vote(&candidate);
            // Granting a vote is a sign an election is under way: give the candidate time.
            self.timer.reset(now);
        }
        let term = self.term();
        self.send(candidate, RaftMessage::VoteResponse { term, granted });
    }

    /// Count a vote. Later terms were already adopted (and turned this node into a follower).
    pub(super) fn on_vote_response(&mut self, now: SimTime, from: NodeName, term: Term, granted: bool) {
        if term != self.term() || !granted {
            return;
        }
        let quorum = self.quorum();
        let RoleState::Candidate { votes } = &mut self.role else {
            return; // A late vote for an election already won or abandoned.
        };
        votes.insert(from);
        if votes.len() >= quorum {
            self.become_leader(now);
        }
    }

    /// Take office: set up each follower's progress, append the no-op that will commit this
    /// term (and with it every earlier entry), and announce leadership with a first append.
    fn become_leader(&mut self, now: SimTime) {
        let term = self.term();
        let last_index = self.storage.log().last_index();
        let state = LeaderState::new(&self.others(), last_index, now, self.config.heartbeat_interval);
        self.role = RoleState::Leader(state);
        self.storage.log_mut().append(term, None);
        self.outbox.push(RaftOutput::BecameLeader { term });
        self.broadcast_append();
        self.advance_commit();
    }
}
