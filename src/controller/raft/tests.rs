//! Unit tests of the Raft node, driven through `step` with a tiny instant-delivery network.

use super::*;
use crate::types::{NodeName, SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

fn names(n: u32) -> Vec<NodeName> {
    (1..=n).map(NodeName::controller).collect()
}

fn name(n: u32) -> NodeName {
    NodeName::controller(n)
}

/// A few nodes with a network that delivers every message at once, unless an end is isolated.
struct Cluster {
    nodes: BTreeMap<NodeName, RaftNode<u32>>,
    queue: VecDeque<(NodeName, NodeName, RaftMessage<u32>)>,
    isolated: BTreeSet<NodeName>,
    now: SimTime,
    committed: BTreeMap<NodeName, Vec<Entry<u32>>>,
    leaders: BTreeMap<Term, BTreeSet<NodeName>>,
}

impl Cluster {
    fn new(n: u32, seed: u64) -> Cluster {
        let peers = names(n);
        let node = |(i, p): (usize, &NodeName)| {
            let node_seed = seed.wrapping_mul(1000).wrapping_add(i as u64);
            (p.clone(), RaftNode::new(p.clone(), peers.clone(), RaftConfig::default(), node_seed))
        };
        let nodes = peers.iter().enumerate().map(node).collect();
        Cluster {
            nodes,
            queue: VecDeque::new(),
            isolated: BTreeSet::new(),
            now: SimTime::ZERO,
            committed: BTreeMap::new(),
            leaders: BTreeMap::new(),
        }
    }

    /// Step one node and carry out its outputs; returns them for inspection.
    fn step(&mut self, node: &NodeName, input: RaftInput<u32>) -> Vec<RaftOutput<u32>> {
        let outputs = self.nodes.get_mut(node).unwrap().step(self.now, input);
        for output in &outputs {
            match output {
                RaftOutput::Send { to, message } => self.queue.push_back((node.clone(), to.clone(), message.clone())),
                RaftOutput::Committed(entry) => {
                    let log = self.committed.entry(node.clone()).or_default();
                    assert_eq!(entry.index.0, log.len() as u64 + 1, "{node} committed out of order or twice");
                    log.push(entry.clone());
                }
                RaftOutput::BecameLeader { term } => {
                    self.leaders.entry(*term).or_default().insert(node.clone());
                }
                _ => {}
            }
        }
        outputs
    }

    fn deliver_all(&mut self) {
        while let Some((from, to, message)) = self.queue.pop_front() {
            if self.isolated.contains(&from) || self.isolated.contains(&to) {
                continue;
            }
            self.step(&to, RaftInput::Message { from, message });
        }
    }

    fn run_ms(&mut self, ms: u64) {
        for _ in 0..ms {
            self.now = self.now.plus(SimDuration::from_millis(1));
            let names: Vec<NodeName> = self.nodes.keys().cloned().collect();
            for node in &names {
                self.step(node, RaftInput::Tick);
            }
            self.deliver_all();
        }
    }

    /// The node that leads the highest term, if any node leads.
    fn leader(&self) -> Option<NodeName> {
        let leaders = self.nodes.values().filter(|n| n.role() == Role::Leader);
        leaders.max_by_key(|n| n.term()).map(|n| n.id().clone())
    }

    fn assert_one_leader_per_term(&self) {
        for (term, leaders) in &self.leaders {
            assert_eq!(leaders.len(), 1, "term {term} had leaders {leaders:?}");
        }
    }
}

#[test]
fn single_node_elects_itself_and_commits_at_once() {
    let me = name(1);
    let mut node: RaftNode<u32> = RaftNode::new(me.clone(), vec![me.clone()], RaftConfig::default(), 7);
    assert!(node.step(SimTime::ZERO, RaftInput::Tick).is_empty(), "the timer starts at the first step");
    assert!(node.step(SimTime::from_millis(149), RaftInput::Tick).is_empty(), "no election before the minimum");
    let outputs = node.step(SimTime::from_millis(300), RaftInput::Tick);
    let noop = Entry { term: Term(1), index: LogIndex(1), command: None };
    assert_eq!(outputs, vec![RaftOutput::BecameLeader { term: Term(1) }, RaftOutput::Committed(noop)]);
    assert_eq!((node.role(), node.leader()), (Role::Leader, Some(&me)));
    let outputs = node.step(SimTime::from_millis(301), RaftInput::Propose(42));
    let entry = Entry { term: Term(1), index: LogIndex(2), command: Some(42) };
    assert_eq!(outputs, vec![RaftOutput::Committed(entry)]);
    assert_eq!((node.commit_index(), node.log_len()), (LogIndex(2), 2));
}

#[test]
fn single_node_restart_keeps_its_log_and_applies_nothing_twice() {
    let me = name(1);
    let mut node: RaftNode<u32> = RaftNode::new(me.clone(), vec![me], RaftConfig::default(), 3);
    node.step(SimTime::ZERO, RaftInput::Tick);
    node.step(SimTime::from_millis(300), RaftInput::Tick);
    node.step(SimTime::from_millis(301), RaftInput::Propose(5));
    node.restart(SimTime::from_millis(400));
    assert_eq!((node.role(), node.term(), node.commit_index()), (Role::Follower, Term(1), LogIndex(2)));
    let outputs = node.step(SimTime::from_millis(700), RaftInput::Tick);
    let noop = Entry { term: Term(2), index: LogIndex(3), command: None };
    assert_eq!(outputs, vec![RaftOutput::BecameLeader { term: Term(2) }, RaftOutput::Committed(noop)]);
}

#[test]
fn three_nodes_elect_exactly_one_leader_per_term() {
    for seed in 0..20 {
        let mut cluster = Cluster::new(3, seed);
        cluster.run_ms(1000);
        let leader = cluster.leader().expect("a leader within a second");
        for node in cluster.nodes.values() {
            assert_eq!(node.leader(), Some(&leader), "seed {seed}: {} knows the leader", node.id());
            assert_eq!(node.commit_index(), LogIndex(1), "seed {seed}: the leader's no-op commits everywhere");
        }
        // Depose the leader a few times; every term still has at most one leader.
        for _ in 0..3 {
            let old = cluster.leader().unwrap();
            cluster.isolated.insert(old.clone());
            cluster.run_ms(1000);
            cluster.isolated.clear();
            cluster.run_ms(1000);
            assert!(cluster.leader().is_some(), "seed {seed}: a leader after healing");
        }
        cluster.assert_one_leader_per_term();
        assert!(cluster.leaders.len() >= 4, "seed {seed}: each isolation forced a new term");
    }
}

#[test]
fn proposals_to_followers_are_rejected_with_a_leader_hint() {
    let mut cluster = Cluster::new(3, 11);
    cluster.run_ms(1000);
    let leader = cluster.leader().unwrap();
    let follower = names(3).into_iter().find(|n| *n != leader).unwrap();
    let outputs = cluster.step(&follower, RaftInput::Propose(9));
    assert_eq!(outputs, vec![RaftOutput::ProposalRejected { command: 9, leader_hint: Some(leader.clone()) }]);
    cluster.step(&leader, RaftInput::Propose(10));
    cluster.deliver_all();
    let leader_log = &cluster.committed[&leader];
    assert_eq!(leader_log.last().unwrap().command, Some(10), "a leader's proposal commits once a majority has it");
}

#[test]
fn a_divergent_follower_log_is_overwritten_by_the_new_leader() {
    let mut cluster = Cluster::new(3, 5);
    cluster.run_ms(1000);
    let old = cluster.leader().unwrap();
    // Cut the leader off, then let it accept a proposal nobody else will ever see.
    cluster.isolated.insert(old.clone());
    cluster.step(&old, RaftInput::Propose(1));
    let orphan = cluster.nodes[&old].storage().log().last_index();
    cluster.run_ms(1000);
    let new = cluster.leader().unwrap();
    assert_ne!(new, old);
    cluster.step(&new, RaftInput::Propose(2));
    cluster.deliver_all();
    // Heal: the old leader learns the newer term and its orphan entry is replaced.
    cluster.isolated.clear();
    cluster.run_ms(1000);
    let old_log = cluster.nodes[&old].storage().log();
    let new_log = cluster.nodes[&new].storage().log();
    assert_eq!(old_log, new_log, "the logs converge to the new leader's");
    assert_ne!(old_log.get(orphan).unwrap().command, Some(1), "the orphan entry was overwritten");
    assert!(cluster.committed[&old].iter().all(|e| e.command != Some(1)), "the orphan never committed");
    assert!(cluster.committed[&old].iter().any(|e| e.command == Some(2)), "the new leader's entry committed");
    cluster.assert_one_leader_per_term();
}

#[test]
fn a_leader_cut_off_from_the_majority_steps_down() {
    let mut cluster = Cluster::new(3, 2);
    cluster.run_ms(1000);
    let old = cluster.leader().unwrap();
    cluster.isolated.insert(old.clone());
    cluster.run_ms(400);
    assert_eq!(cluster.nodes[&old].role(), Role::Follower, "no majority heard within the timeout");
}

#[test]
fn a_restarted_follower_catches_up_without_reapplying() {
    let mut cluster = Cluster::new(3, 9);
    cluster.run_ms(1000);
    let leader = cluster.leader().unwrap();
    let follower = names(3).into_iter().find(|n| *n != leader).unwrap();
    for command in 0..5 {
        cluster.step(&leader, RaftInput::Propose(command));
    }
    cluster.run_ms(200);
    let now = cluster.now;
    cluster.nodes.get_mut(&follower).unwrap().restart(now);
    for command in 5..10 {
        cluster.step(&leader, RaftInput::Propose(command));
    }
    cluster.run_ms(500);
    // `Cluster::step` asserts each node commits every index exactly once, in order.
    let commands: Vec<u32> = cluster.committed[&follower].iter().filter_map(|e| e.command).collect();
    assert_eq!(commands, (0..10).collect::<Vec<u32>>());
}
