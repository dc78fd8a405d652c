//! The replicated log: numbered, term-stamped entries, and the rules that keep it consistent.
//!
//! Invariants (asserted on every change):
//! - the log is dense: the entry at position `i` has index `i + 1` (index 0 is "before the
//!   first entry", with term 0);
//! - terms never decrease along the log;
//! - an entry at or below the commit index is never removed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Raft term: a logical clock that numbers elections.
///
/// Each term has at most one leader. Every message carries its sender's term, and a node that
/// sees a later term than its own adopts it at once, so stale leaders find out they are stale.
/// KRaft calls this the *epoch* of the metadata quorum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Term(pub u64);

impl Term {
    /// The term a candidate moves to when it starts an election.
    pub fn next(self) -> Term {
        Term(self.0 + 1)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The position of an entry in the replicated log, starting at 1.
///
/// Index 0 means "before the first entry": it is where an empty log ends and where the
/// consistency check of the very first append starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogIndex(pub u64);

impl LogIndex {
    /// Before the first entry.
    pub const ZERO: LogIndex = LogIndex(0);

    /// The index right after this one.
    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }

    /// The index right before this one (zero stays zero).
    pub fn prev(self) -> LogIndex {
        LogIndex(self.0.saturating_sub(1))
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One entry of the replicated log: a command stamped with where and when a leader wrote it.
///
/// `(term, index)` identifies an entry across the whole cluster: two logs that hold an entry
/// with the same index and term are identical up to it (the Log Matching property).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<C> {
    /// The term of the leader that appended it.
    pub term: Term,
    /// Its position in the log.
    pub index: LogIndex,
    /// The command, or `None` for the no-op every new leader appends to commit its term.
    pub command: Option<C>,
}

/// A node's copy of the replicated log.
///
/// Only the node's own Raft logic changes it (append as leader, merge as follower); everyone
/// else may read it, which is what the model tests do to compare logs across nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct RaftLog<C> {
    entries: Vec<Entry<C>>,
}

impl<C> Default for RaftLog<C> {
    fn default() -> Self {
        RaftLog { entries: Vec::new() }
    }
}

impl<C: Clone> RaftLog<C> {
    /// An empty log.
    pub fn new() -> RaftLog<C> {
        RaftLog::default()
    }

    /// The index of the last entry (0 when empty).
    pub fn last_index(&self) -> LogIndex {
        LogIndex(self.entries.len() as u64)
    }

    /// The term of the last entry (0 when empty).
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(Term(0), |e| e.term)
    }

    /// The term of the entry at `index`: `Some(Term(0))` for index 0, `None` past the end.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == LogIndex::ZERO {
            return Some(Term(0));
        }
        self.get(index).map(|e| e.term)
    }

    /// The entry at `index`, if the log reaches that far.
    pub fn get(&self, index: LogIndex) -> Option<&Entry<C>> {
        let position = usize::try_from(index.0).ok()?.checked_sub(1)?;
        self.entries.get(position)
    }

    /// All entries, first to last.
    pub fn entries(&self) -> &[Entry<C>] {
        &self.entries
    }

    /// Whether a candidate whose log ends at `(last_term, last_index)` is at least as up to date
    /// as this log: a later last term wins, and with equal last terms the longer log wins.
    /// Voting only for such candidates is what gives Leader Completeness.
    pub fn candidate_is_up_to_date(&self, last_term: Term, last_index: LogIndex) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// Whether this log holds an entry at `index` with `term` (the consistency check of an append).
    pub fn matches(&self, index: LogIndex, term: Term) -> bool {
        self.term_at(index) == Some(term)
    }

    /// Up to `max` entries starting at `from`, cloned to go into a message.
    pub(super) fn entries_from(&self, from: LogIndex, max: usize) -> Vec<Entry<C>> {
        assert!(from > LogIndex::ZERO, "log indexes start at 1");
        let start = (from.0 - 1) as usize;
        self.entries.iter().skip(start).take(max).cloned().collect()
    }

    /// The first index of the run of entries sharing the term of the entry at `index`: a
    /// follower's hint that lets a leader skip a whole conflicting term in one round trip.
    pub(super) fn first_index_of_term_at(&self, index: LogIndex) -> LogIndex {
        let term = self.term_at(index).expect("the hint is asked for an index inside the log");
        let mut first = index;
        while first > LogIndex(1) && self.term_at(first.prev()) == Some(term) {
            first = first.prev();
        }
        first
    }

    /// Append a new entry at the end (the leader's path). Returns its index.
    pub(super) fn append(&mut self, term: Term, command: Option<C>) -> LogIndex {
        let index = self.last_index().next();
        self.push(Entry { term, index, command });
        index
    }

    /// Merge entries a leader sent right after a matching `(prev_log_index, prev_log_term)`.
    ///
    /// Entries already present with the same term are kept (a late or duplicated append must
    /// not cut off entries that arrived after it); the first conflicting entry and everything
    /// after it are dropped and replaced. `commit_index` guards what may never be dropped.
    pub(super) fn merge(&mut self, entries: Vec<Entry<C>>, commit_index: LogIndex) {
        for entry in entries {
            match self.term_at(entry.index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    assert!(
                        entry.index > commit_index,
                        "a leader tried to overwrite committed entry {} (commit index {commit_index})",
                        entry.index
                    );
                    self.entries.truncate((entry.index.0 - 1) as usize);
                    self.push(entry);
                }
                None => self.push(entry),
            }
        }
    }

    fn push(&mut self, entry: Entry<C>) {
        assert_eq!(entry.index, self.last_index().next(), "the log is dense: each entry takes the next index");
        assert!(
            entry.term >= self.last_term(),
            "terms never decrease along the log: entry {} has term {} after term {}",
            entry.index,
            entry.term,
            self.last_term()
        );
        self.entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64, index: u64, command: u32) -> Entry<u32> {
        Entry { term: Term(term), index: LogIndex(index), command: Some(command) }
    }

    #[test]
    fn index_zero_has_term_zero_and_matches_every_empty_log() {
        let log: RaftLog<u32> = RaftLog::new();
        assert!(log.matches(LogIndex::ZERO, Term(0)));
        assert_eq!(log.term_at(LogIndex(1)), None);
        assert_eq!((log.last_index(), log.last_term()), (LogIndex::ZERO, Term(0)));
    }

    #[test]
    fn merge_keeps_matching_entries_and_replaces_a_conflicting_tail() {
        let mut log = RaftLog::new();
        log.merge(vec![entry(1, 1, 10), entry(1, 2, 11), entry(1, 3, 12)], LogIndex::ZERO);
        // A stale, shorter append of the same entries must not cut the log.
        log.merge(vec![entry(1, 1, 10)], LogIndex::ZERO);
        assert_eq!(log.last_index(), LogIndex(3));
        // A later leader's entry at index 2 replaces indexes 2 and 3.
        log.merge(vec![entry(2, 2, 20)], LogIndex(1));
        assert_eq!(log.entries(), &[entry(1, 1, 10), entry(2, 2, 20)]);
    }

    #[test]
    #[should_panic(expected = "overwrite committed entry")]
    fn merge_refuses_to_overwrite_a_committed_entry() {
        let mut log = RaftLog::new();
        log.merge(vec![entry(1, 1, 10)], LogIndex::ZERO);
        log.merge(vec![entry(2, 1, 20)], LogIndex(1));
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let mut log = RaftLog::new();
        log.merge(vec![entry(1, 1, 10), entry(2, 2, 11)], LogIndex::ZERO);
        assert!(log.candidate_is_up_to_date(Term(3), LogIndex(1)));
        assert!(log.candidate_is_up_to_date(Term(2), LogIndex(2)));
        assert!(!log.candidate_is_up_to_date(Term(2), LogIndex(1)));
        assert!(!log.candidate_is_up_to_date(Term(1), LogIndex(9)));
    }

    #[test]
    fn first_index_of_term_skips_back_over_the_run() {
        let mut log = RaftLog::new();
        log.merge(vec![entry(1, 1, 0), entry(2, 2, 0), entry(2, 3, 0), entry(2, 4, 0)], LogIndex::ZERO);
        assert_eq!(log.first_index_of_term_at(LogIndex(4)), LogIndex(2));
        assert_eq!(log.first_index_of_term_at(LogIndex(1)), LogIndex(1));
    }
}
