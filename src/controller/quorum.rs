//! The controller quorum: KRaft's replicated metadata log.
//!
//! With several controller nodes, one at a time is *active*: the Raft leader of the metadata
//! log. The active controller decides (creates topics, fences brokers, elects partition
//! leaders) on a working copy of the metadata, and proposes each new image to the log. A change
//! counts only once a majority of controllers has it: only then do brokers see it (heartbeats
//! are answered with the *committed* image) and only then is the admin client told it worked.
//! If the active controller dies, the others elect a new one, which starts from the last
//! committed image — so nothing a broker or client was told is ever taken back.
//!
//! kafkasim replicates whole images rather than Kafka's individual metadata records: the images
//! are small, and it keeps one code path for deciding and one for applying.
//!
//! Invariants:
//! - only the Raft leader acts as the active controller;
//! - the image served to brokers is always a committed one.

use super::raft::{RaftConfig, RaftInput, RaftMessage, RaftNode, RaftOutput, Role};
use super::state::Controller;
use crate::node::Output;
use crate::protocol::metadata::MetadataImage;
use crate::protocol::{CorrelationId, Request, Response};
use crate::trace::Event;
use crate::types::{NodeName, SimTime};

/// An answer waiting for its change to commit: (image version, answer).
type Awaiting = (u64, Output);

/// A controller's share of the quorum.
#[derive(Debug)]
pub struct Quorum {
    me: NodeName,
    raft: RaftNode<MetadataImage>,
    committed: MetadataImage,
    proposed_version: u64,
    /// Answers waiting for their change to commit: (image version, answer).
    awaiting: Vec<Awaiting>,
    next_correlation: u64,
}

impl Controller {
    /// Join a quorum of `peers` (all controllers, sorted) as `me`, with a seed for election
    /// timeouts. Call after the start-up topics were created, so every member starts from the
    /// same committed image.
    pub fn join_quorum(&mut self, me: NodeName, peers: Vec<NodeName>, seed: u64) {
        let raft = RaftNode::new(me.clone(), peers, RaftConfig::default(), seed);
        let committed = self.image.clone();
        let proposed_version = committed.version;
        self.quorum = Some(Quorum { me, raft, committed, proposed_version, awaiting: Vec::new(), next_correlation: 0 });
    }

    /// Whether this controller is the active one (for fault targeting and tests).
    pub fn is_active_controller(&self) -> bool {
        self.is_active()
    }

    /// Whether this controller acts: always alone, only as Raft leader in a quorum.
    pub(super) fn is_active(&self) -> bool {
        self.quorum.as_ref().is_none_or(|q| q.raft.role() == Role::Leader)
    }

    /// Who the active controller is, as far as this one knows.
    pub(super) fn active_hint(&self) -> Option<NodeName> {
        self.quorum.as_ref().and_then(|q| q.raft.leader().cloned())
    }

    /// The image brokers may see: the committed one.
    pub(super) fn served(&self) -> &MetadataImage {
        match &self.quorum {
            Some(q) => &q.committed,
            None => &self.image,
        }
    }

    /// Hold answers to requests that changed the metadata until the change commits.
    pub(super) fn hold_until_committed(&mut self, version_before: u64, replies: Vec<Output>) -> Vec<Output> {
        let version = self.image.version;
        match &mut self.quorum {
            Some(q) if version > version_before => {
                q.awaiting.extend(replies.into_iter().map(|r| (version, r)));
                Vec::new()
            }
            _ => replies,
        }
    }

    /// Propose the working image if it changed since the last proposal.
    pub(super) fn propose_if_changed(&mut self, now: SimTime) -> Vec<Output> {
        let image = self.image.clone();
        let active = self.is_active();
        let Some(q) = &mut self.quorum else { return Vec::new() };
        if !active || image.version <= q.proposed_version {
            return Vec::new();
        }
        q.proposed_version = image.version;
        let outputs = q.raft.step(now, RaftInput::Propose(image));
        self.carry_out(now, outputs)
    }

    pub(super) fn tick_raft(&mut self, now: SimTime) -> Vec<Output> {
        let Some(q) = &mut self.quorum else { return Vec::new() };
        let outputs = q.raft.step(now, RaftInput::Tick);
        self.carry_out(now, outputs)
    }

    pub(super) fn on_raft_message(&mut self, now: SimTime, bytes: &[u8]) -> Vec<Output> {
        let Some(q) = &mut self.quorum else { return Vec::new() };
        let Ok((from, message)) = postcard::from_bytes::<(NodeName, RaftMessage<MetadataImage>)>(bytes) else {
            return vec![Output::Emit(Event::BadFrame { error: "undecodable Raft message".into() })];
        };
        if from == q.me || !q.raft.peers().contains(&from) {
            return Vec::new();
        }
        let outputs = q.raft.step(now, RaftInput::Message { from, message });
        self.carry_out(now, outputs)
    }

    /// A crash: Raft keeps its log and vote (its disk); the working image is what committed.
    pub(super) fn restart_quorum(&mut self, now: SimTime) {
        self.parked.clear();
        if let Some(q) = &mut self.quorum {
            q.raft.restart(now);
            q.awaiting.clear();
            self.image = q.committed.clone();
            q.proposed_version = self.image.version;
        }
    }

    fn carry_out(&mut self, now: SimTime, outputs: Vec<RaftOutput<MetadataImage>>) -> Vec<Output> {
        let mut out = Vec::new();
        for o in outputs {
            match o {
                RaftOutput::Send { to, message } => out.push(self.raft_send(to, message)),
                RaftOutput::Committed(entry) => {
                    if let Some(image) = entry.command {
                        out.extend(self.apply_committed(image));
                    }
                }
                RaftOutput::BecameLeader { term } => out.extend(self.take_office(now, term.0)),
                RaftOutput::BecameFollower { .. } => out.extend(self.leave_office()),
                RaftOutput::ProposalRejected { .. } => {}
            }
        }
        out
    }

    fn raft_send(&mut self, to: NodeName, message: RaftMessage<MetadataImage>) -> Output {
        let q = self.quorum.as_mut().expect("only a quorum member sends Raft messages");
        q.next_correlation += 1;
        let bytes = postcard::to_stdvec(&(q.me.clone(), message)).expect("Raft messages always encode");
        Output::Send { to, correlation: CorrelationId(q.next_correlation), request: Request::Raft(bytes) }
    }

    fn apply_committed(&mut self, image: MetadataImage) -> Vec<Output> {
        let active = self.is_active();
        let q = self.quorum.as_mut().expect("commits come from the quorum");
        if image.version <= q.committed.version {
            return Vec::new();
        }
        q.committed = image.clone();
        if !active {
            self.image = image;
        }
        let version = q.committed.version;
        let (ready, waiting): (Vec<Awaiting>, Vec<Awaiting>) =
            std::mem::take(&mut q.awaiting).into_iter().partition(|(v, _)| *v <= version);
        q.awaiting = waiting;
        ready.into_iter().map(|(_, o)| o).collect()
    }

    /// Become the active controller: start from the committed image, give every broker a
    /// fresh session (their heartbeats went to the old controller).
    fn take_office(&mut self, now: SimTime, term: u64) -> Vec<Output> {
        let q = self.quorum.as_mut().expect("only a quorum member takes office");
        // Start from the newest image in our log, committed or not: Raft will commit it with
        // this term's first entry, and deciding from an older one could undo it.
        let newest = q.raft.storage().log().entries().iter().rev().find_map(|e| e.command.clone());
        self.image = match newest {
            Some(img) if img.version > q.committed.version => img,
            _ => q.committed.clone(),
        };
        q.proposed_version = self.image.version;
        for last in self.last_heartbeat.values_mut() {
            *last = now;
        }
        self.next_rebalance_check = now.plus(self.config.leader_imbalance_check_interval);
        vec![Output::Emit(Event::ControllerElected { term })]
    }

    /// Stop acting: waiting answers and parked heartbeats are told to look elsewhere.
    fn leave_office(&mut self) -> Vec<Output> {
        let hint = self.active_hint();
        let Some(q) = self.quorum.as_mut() else { return Vec::new() };
        self.image = q.committed.clone();
        let mut out: Vec<Output> = std::mem::take(&mut q.awaiting)
            .into_iter()
            .filter_map(|(_, o)| match o {
                Output::Reply { conn, correlation, .. } => Some(Output::Reply {
                    conn,
                    correlation,
                    response: Response::NotController { leader: hint.clone() },
                }),
                _ => None,
            })
            .collect();
        for (_, p) in std::mem::take(&mut self.parked) {
            let response = Response::NotController { leader: hint.clone() };
            out.push(Output::Reply { conn: p.conn, correlation: p.correlation, response });
        }
        out
    }
}
