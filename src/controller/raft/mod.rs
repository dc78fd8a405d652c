//! Raft: how a small quorum of controllers agrees on one metadata log.
//!
//! ## Why Kafka moved its metadata into Raft
//!
//! For its first decade Kafka kept cluster metadata — topics, partitions, replica
//! assignments, ISRs, configs — in ZooKeeper, a separate replicated store with its own
//! deployment, security model and tuning. One broker won a ZooKeeper election to become the
//! *controller*; it read the whole state out of ZooKeeper when it took over and pushed changes
//! to brokers with RPCs. That worked, but it had costs: two systems to run; a controller
//! failover that had to reload everything from ZooKeeper (slow with hundreds of thousands of
//! partitions); and metadata that lived in one place while brokers learned it through another,
//! so the two could disagree.
//!
//! KRaft (KIP-500, production-ready in Kafka 3.3, ZooKeeper removed in 4.0) replaces all that
//! with a log, which is what Kafka is good at. A few controller nodes (typically 3 or 5)
//! replicate a single-partition topic, `__cluster_metadata`, with a Raft-style protocol. The
//! leader of that quorum is the active controller; every metadata change is a record appended
//! to the log; a change counts once a majority of controllers stores it. Standby controllers
//! replay the same log, so a failover needs no reload, and brokers follow the log too (by
//! fetching it), so they see the very same sequence of changes.
//!
//! ## What Raft guarantees
//!
//! Raft (Ongaro and Ousterhout, 2014) keeps a replicated log consistent across crashes,
//! restarts, lost, delayed, duplicated and reordered messages, as long as a majority of nodes
//! is up and can eventually talk. Its safety rests on four properties:
//!
//! - **Election Safety**: at most one leader is elected in a given term. A node votes at most
//!   once per term, and any two majorities share a node.
//! - **Log Matching**: if two logs hold an entry with the same index and term, the logs are
//!   identical up to that index. A leader creates at most one entry per index in its term,
//!   and a follower only accepts entries right after an entry it already shares with the
//!   leader (the consistency check of `AppendEntries`).
//! - **Leader Completeness**: an entry committed in some term is in the log of every leader of
//!   every later term. Nodes only vote for candidates whose log is at least as up to date as
//!   their own, and leaders only count replicas of entries from their *own* term to commit.
//! - **State Machine Safety**: if a node applies the entry at some index, no node ever applies
//!   a different entry at that index. This follows from the three above, and it is what users
//!   care about: every controller builds the same metadata from the same sequence of records.
//!
//! Raft does not promise liveness under every failure (nothing can: FLP), but with randomised
//! election timeouts and a majority that can talk for long enough, a leader emerges and
//! proposals commit.
//!
//! ## How this module maps to it
//!
//! - [`log`]: [`Term`], [`LogIndex`], [`Entry`] and the log itself, with the Log Matching
//!   merge rule and the "at least as up to date" comparison.
//! - [`storage`]: [`RaftStorage`], what survives a crash — current term, vote, log, and the
//!   applied index (so a restarted node does not apply an entry twice).
//! - [`message`]: the two RPCs ([`RaftMessage`]) and the node's inputs and outputs.
//! - [`config`]: [`RaftConfig`], election timeout range and heartbeat interval.
//! - [`election`]: the randomised election timer, `RequestVote`, counting votes, taking office
//!   (a new leader appends a no-op so its term has an entry to commit).
//! - [`replication`]: `AppendEntries` on both sides, backtracking on a conflict, the commit
//!   rule, heartbeats, and a leader stepping down when it loses touch with a majority.
//! - [`node`]: [`RaftNode`], which routes each input, switches [`Role`], hands committed
//!   entries out, and asserts the invariants above after every step.
//!
//! Like every core in kafkasim, [`RaftNode`] is sans-IO: `step(now, input) -> outputs`. It
//! never reads a clock (time arrives as `now` with [`RaftInput::Tick`]), never touches the
//! network (it returns [`RaftOutput::Send`] for the driver to deliver, or not), and draws its
//! election jitter from a generator seeded by the caller. The model test
//! (`tests/raft_model.rs`) drives several nodes over a simulated network that delays, drops,
//! duplicates and reorders messages, partitions nodes, and crashes and restarts them, and
//! checks the guarantees above on every run.
//!
//! Left out, as a teaching core: log compaction and snapshots, membership changes, pre-vote,
//! and pipelining several appends to one follower. KRaft has all of them (and its followers
//! pull entries with `Fetch` rather than being pushed `AppendEntries`), but none changes the
//! safety argument.

pub mod config;
pub mod election;
pub mod log;
pub mod message;
pub mod node;
pub mod replication;
pub mod storage;

#[cfg(test)]
mod tests;

pub use config::RaftConfig;
pub use log::{Entry, LogIndex, RaftLog, Term};
pub use message::{RaftInput, RaftMessage, RaftOutput};
pub use node::{Command, RaftNode, Role};
pub use replication::MAX_ENTRIES_PER_APPEND;
pub use storage::RaftStorage;
