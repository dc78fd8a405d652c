//! Log replication: the leader's view of each follower, appends and their answers, commit.
//!
//! The leader sends each follower the entries from its `next_index` on, together with the
//! index and term of the entry just before them. The follower accepts only if its own log
//! holds that entry: by induction, its log then matches the leader's up to there (Log
//! Matching), and any conflicting tail is replaced. On a refusal the leader moves `next_index`
//! back (by the follower's hint) and tries again, until the logs meet.
//!
//! An entry is committed once a majority stores it *and* it is from the leader's current
//! term; earlier entries commit with it. Counting replicas of an old-term entry is not enough:
//! figure 8 of the Raft paper shows such an entry being overwritten after reaching a majority.

use super::log::{Entry, LogIndex, Term};
use super::message::RaftMessage;
use super::node::{Command, RaftNode, RoleState};
use crate::types::{NodeName, SimDuration, SimTime};
use std::collections::BTreeMap;

/// The most entries one `AppendEntries` carries, so a lagging follower catches up in bounded
/// steps instead of one huge message.
pub const MAX_ENTRIES_PER_APPEND: usize = 64;

/// The fields of an `AppendEntries` a follower acts on (the leader's name travels separately).
#[derive(Clone, Debug)]
pub(super) struct AppendRequest<C> {
    pub(super) term: Term,
    pub(super) prev_log_index: LogIndex,
    pub(super) prev_log_term: Term,
    pub(super) entries: Vec<Entry<C>>,
    pub(super) leader_commit: LogIndex,
}

/// What a leader knows about one follower.
#[derive(Clone, Debug)]
pub(super) struct Progress {
    /// The next entry to send.
    next_index: LogIndex,
    /// The highest entry known to be replicated there.
    match_index: LogIndex,
    /// When the follower last answered in this term (for the leader's quorum check).
    last_heard: SimTime,
}

/// The volatile state of a leader.
#[derive(Clone, Debug)]
pub(super) struct LeaderState {
    progress: BTreeMap<NodeName, Progress>,
    heartbeat_due: SimTime,
}

impl LeaderState {
    /// A new leader's view: it knows nothing of the followers yet, so it optimistically
    /// assumes their logs end where its own does and counts them as just heard (they voted).
    pub(super) fn new(
        followers: &[NodeName],
        last_index: LogIndex,
        now: SimTime,
        heartbeat_interval: SimDuration,
    ) -> LeaderState {
        let fresh = Progress { next_index: last_index.next(), match_index: LogIndex::ZERO, last_heard: now };
        let progress = followers.iter().map(|f| (f.clone(), fresh.clone())).collect();
        LeaderState { progress, heartbeat_due: now.plus(heartbeat_interval) }
    }

    /// The highest index stored on a majority, counting the leader's own log.
    fn quorum_match(&self, own_last: LogIndex, quorum: usize) -> LogIndex {
        let mut matches: Vec<LogIndex> = self.progress.values().map(|p| p.match_index).collect();
        matches.push(own_last);
        matches.sort_unstable_by(|a, b| b.cmp(a));
        matches[quorum - 1]
    }

    /// Whether a majority (the leader included) answered within `window` before `now`.
    fn heard_from_quorum(&self, now: SimTime, window: SimDuration, quorum: usize) -> bool {
        let recent = self.progress.values().filter(|p| now.since(p.last_heard) <= window).count();
        1 + recent >= quorum
    }

    /// Assert the leader's view is consistent with a log ending at `last_index`.
    pub(super) fn check(&self, last_index: LogIndex) {
        for (peer, p) in &self.progress {
            assert!(
                p.match_index < p.next_index,
                "{peer}: match index {} not below next {}",
                p.match_index,
                p.next_index
            );
            assert!(p.next_index <= last_index.next(), "{peer}: next index {} past the log's end", p.next_index);
        }
    }
}

impl<C: Command> RaftNode<C> {
    /// A leader's timer work: resign without a majority's recent answers, heartbeat when due.
    ///
    /// Resigning (Raft's "check quorum", KRaft's fetch timeout on the leader) keeps a leader cut
    /// off in a minority from accepting proposals it can never commit.
    pub(super) fn leader_tick(&mut self, now: SimTime) {
        let (window, quorum, interval) =
            (self.config.election_timeout_max, self.quorum(), self.config.heartbeat_interval);
        let RoleState::Leader(state) = &mut self.role else { unreachable!("leader_tick runs only on a leader") };
        if !state.heard_from_quorum(now, window, quorum) {
            let term = self.term();
            self.become_follower(now, term, None);
            return;
        }
        if now >= state.heartbeat_due {
            state.heartbeat_due = now.plus(interval);
            self.broadcast_append();
        }
    }

    /// Send every follower what it is missing (possibly nothing: a heartbeat).
    pub(super) fn broadcast_append(&mut self) {
        for peer in self.others() {
            self.send_append(peer);
        }
    }

    fn send_append(&mut self, to: NodeName) {
        let RoleState::Leader(state) = &self.role else { unreachable!("only a leader appends") };
        let next_index = state.progress[&to].next_index;
        let log = self.storage.log();
        let prev_log_index = next_index.prev();
        let message = RaftMessage::AppendEntries {
            term: self.term(),
            leader: self.id.clone(),
            prev_log_index,
            prev_log_term: log.term_at(prev_log_index).expect("next_index stays within the log"),
            entries: log.entries_from(next_index, MAX_ENTRIES_PER_APPEND),
            leader_commit: self.commit_index,
        };
        self.send(to, message);
    }

    /// A follower's side: check consistency, store entries, learn the commit index.
    pub(super) fn on_append_entries(&mut self, now: SimTime, leader: NodeName, request: AppendRequest<C>) {
        if request.term < self.term() {
            // A deposed leader: tell it the newer term.
            let message =
                RaftMessage::AppendResponse { term: self.term(), success: false, match_index: LogIndex::ZERO };
            self.send(leader, message);
            return;
        }
        self.assert_single_leader(&leader);
        self.become_follower(now, request.term, Some(leader.clone()));
        self.timer.reset(now);
        let (success, match_index) = self.store_entries(request);
        let message = RaftMessage::AppendResponse { term: self.term(), success, match_index };
        self.send(leader, message);
    }

    /// Election Safety, checked where a breach would show: an append for the current term may
    /// only come from the one leader this node knows for that term.
    fn assert_single_leader(&self, leader: &NodeName) {
        match &self.role {
            RoleState::Leader(_) => panic!("{}: two leaders in term {}: itself and {leader}", self.id, self.term()),
            RoleState::Follower { leader: Some(known) } => {
                assert_eq!(known, leader, "{}: two leaders in term {}", self.id, self.term());
            }
            _ => {}
        }
    }

    /// Run the consistency check and merge; returns the answer's `(success, match_index)`.
    fn store_entries(&mut self, request: AppendRequest<C>) -> (bool, LogIndex) {
        let AppendRequest { prev_log_index, prev_log_term, entries, leader_commit, .. } = request;
        if !self.storage.log().matches(prev_log_index, prev_log_term) {
            let hint = self.conflict_hint(prev_log_index);
            assert!(hint < prev_log_index, "a refusal's hint moves the leader back");
            return (false, hint);
        }
        for (offset, entry) in entries.iter().enumerate() {
            assert_eq!(entry.index.0, prev_log_index.0 + 1 + offset as u64, "appended entries are contiguous");
        }
        let last_new = LogIndex(prev_log_index.0 + entries.len() as u64);
        self.storage.log_mut().merge(entries, self.commit_index);
        // Only what this append vouched for may commit: past `last_new` the log may differ.
        self.commit_index = self.commit_index.max(leader_commit.min(last_new));
        (true, last_new)
    }

    /// Where a leader should retry after a failed check at `prev`: the end of a short log, or
    /// just before the run of the conflicting entry's term (never below what is committed,
    /// which matches every future leader's log).
    fn conflict_hint(&self, prev: LogIndex) -> LogIndex {
        let log = self.storage.log();
        if prev > log.last_index() {
            return log.last_index();
        }
        log.first_index_of_term_at(prev).prev().max(self.commit_index)
    }

    /// The leader's side: record a follower's answer, commit what a majority holds, and send
    /// the follower whatever it still lacks.
    pub(super) fn on_append_response(
        &mut self,
        now: SimTime,
        from: NodeName,
        term: Term,
        success: bool,
        match_index: LogIndex,
    ) {
        let last_index = self.storage.log().last_index();
        let RoleState::Leader(state) = &mut self.role else { return };
        if term != self.storage.current_term() {
            return; // An answer to an older leader of ours.
        }
        let progress = state.progress.get_mut(&from).expect("answers come from members");
        progress.last_heard = now;
        if success {
            assert!(match_index <= last_index, "{from} claims to match index {match_index} past our end");
            progress.match_index = progress.match_index.max(match_index);
            progress.next_index = progress.next_index.max(match_index.next());
        } else {
            progress.next_index = progress.next_index.min(match_index.next()).max(progress.match_index.next());
        }
        let behind = progress.next_index <= last_index;
        if success {
            self.advance_commit();
        }
        if behind {
            self.send_append(from);
        }
    }

    /// Move the commit index to the highest entry of this term stored on a majority.
    pub(super) fn advance_commit(&mut self) {
        let RoleState::Leader(state) = &self.role else { unreachable!("only a leader counts replicas") };
        let log = self.storage.log();
        let candidate = state.quorum_match(log.last_index(), self.quorum());
        if candidate > self.commit_index && log.term_at(candidate) == Some(self.term()) {
            self.commit_index = candidate;
        }
    }
}
