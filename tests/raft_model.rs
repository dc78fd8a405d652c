//! Raft nodes over a hostile simulated network, checked against Raft's guarantees.
//!
//! Each case builds a quorum of 1, 3 or 5 [`RaftNode`]s and runs it in two phases. During the
//! *chaos* phase the network delays messages by a random amount (so it also reorders them),
//! drops and duplicates some, partitions the nodes, and a fault plan crashes and restarts
//! nodes while a workload proposes commands to random nodes. During the *stable* phase every
//! node is up, the network is healed and reliable, and a client keeps proposing a final
//! command to whoever leads until it commits.
//!
//! Checked throughout:
//! - Election Safety: at most one node becomes leader in any term;
//! - State Machine Safety: every node commits indexes in order, exactly once over its life,
//!   and no two nodes commit different entries at the same index;
//! - durability: a node's commit index never goes back, across restarts too, and the entries
//!   it committed stay in its log;
//! - Leader Completeness: the last leader's log holds every entry any node committed;
//! - liveness: after the stable phase, a final command is committed on every node.
//!
//! Everything random comes from the case's seed, so a failing case replays exactly; a test
//! at the end runs one plan twice and compares every output.

use kafkasim::controller::raft::{
    Entry, LogIndex, RaftConfig, RaftInput, RaftMessage, RaftNode, RaftOutput, Role, Term,
};
use kafkasim::types::{NodeName, SimDuration, SimTime};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// How long the chaos phase lasts.
const CHAOS_MS: u64 = 3000;
/// How long the stable phase lasts: enough for several elections and many heartbeats.
const STABLE_MS: u64 = 3000;
/// Commands at or above this are the stable phase's final proposals.
const FINAL_BASE: u64 = 1 << 40;

/// Something the fault plan does at a given millisecond of the chaos phase.
#[derive(Clone, Debug)]
enum Fault {
    /// Crash this node (no-op if it is down): it stops receiving ticks and messages.
    Crash(usize),
    /// Restart this node (no-op if it is up): it keeps only its persistent state.
    Restart(usize),
    /// Split the nodes in two by this bit mask (bit `i` is node `i`'s side).
    Partition(u8),
    /// Reconnect everyone.
    Heal,
    /// Crash this node and restart it this many milliseconds later: a quick reboot, which is
    /// when forgetting a vote or a term would do the most harm.
    Bounce(usize, u64),
}

/// One test case: the quorum size, the network's misbehaviour, the fault plan.
#[derive(Clone, Debug)]
struct Plan {
    nodes: usize,
    seed: u64,
    drop_percent: u32,
    duplicate_percent: u32,
    delay_ms_max: u64,
    propose_every_ms: u64,
    /// A narrow election timeout range, so candidates often collide and split the vote.
    tight_timeouts: bool,
    faults: Vec<(u64, Fault)>,
}

/// A message on the wire.
#[derive(Clone, Debug)]
struct InFlight {
    from: usize,
    to: usize,
    message: RaftMessage<u64>,
}

/// The simulated world: nodes, network, and what the checkers have observed so far.
struct World {
    nodes: Vec<RaftNode<u64>>,
    names: Vec<NodeName>,
    up: Vec<bool>,
    /// Each node's side of the current partition; messages cross only between equal sides.
    side: Vec<u8>,
    /// Messages keyed by (delivery time in µs, send sequence number): a deterministic order.
    wire: BTreeMap<(u64, u64), InFlight>,
    sent: u64,
    rng: ChaCha8Rng,
    now: SimTime,
    drop_percent: u32,
    duplicate_percent: u32,
    delay_ms_max: u64,
    next_command: u64,
    /// Who became leader in each term (Election Safety: never more than one).
    leaders: BTreeMap<Term, BTreeSet<usize>>,
    /// Every entry any node committed, by index (State Machine Safety: never two).
    committed: BTreeMap<LogIndex, Entry<u64>>,
    /// What each node committed over its whole life, in order.
    applied: Vec<Vec<Entry<u64>>>,
    /// The highest commit index each node has reported (it must never go back).
    commit_high: Vec<LogIndex>,
    /// Every output, for the determinism test.
    trace: Vec<(SimTime, usize, RaftOutput<u64>)>,
}

impl World {
    fn new(plan: &Plan) -> World {
        let names: Vec<NodeName> = (1..=plan.nodes as u32).map(NodeName::controller).collect();
        let config = if plan.tight_timeouts {
            RaftConfig { election_timeout_max: SimDuration::from_millis(160), ..RaftConfig::default() }
        } else {
            RaftConfig::default()
        };
        let node_seed = |i: usize| plan.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let nodes = names
            .iter()
            .enumerate()
            .map(|(i, n)| RaftNode::new(n.clone(), names.clone(), config.clone(), node_seed(i)))
            .collect();
        World {
            nodes,
            names,
            up: vec![true; plan.nodes],
            side: vec![0; plan.nodes],
            wire: BTreeMap::new(),
            sent: 0,
            rng: ChaCha8Rng::seed_from_u64(plan.seed),
            now: SimTime::ZERO,
            drop_percent: plan.drop_percent,
            duplicate_percent: plan.duplicate_percent,
            delay_ms_max: plan.delay_ms_max,
            next_command: 0,
            leaders: BTreeMap::new(),
            committed: BTreeMap::new(),
            applied: vec![Vec::new(); plan.nodes],
            commit_high: vec![LogIndex::ZERO; plan.nodes],
            trace: Vec::new(),
        }
    }

    fn index_of(&self, name: &NodeName) -> usize {
        self.names.iter().position(|n| n == name).expect("messages go to members")
    }

    /// Step node `i` and carry out and check its outputs.
    fn step(&mut self, i: usize, input: RaftInput<u64>) {
        assert!(self.up[i], "only live nodes are stepped");
        let outputs = self.nodes[i].step(self.now, input);
        for output in outputs {
            self.observe(i, &output);
            if let RaftOutput::Send { to, message } = output {
                let to = self.index_of(&to);
                self.transmit(InFlight { from: i, to, message });
            }
        }
        self.check_commit_monotonic(i);
    }

    fn observe(&mut self, i: usize, output: &RaftOutput<u64>) {
        self.trace.push((self.now, i, output.clone()));
        match output {
            RaftOutput::BecameLeader { term } => {
                let leaders = self.leaders.entry(*term).or_default();
                leaders.insert(i);
                assert_eq!(leaders.len(), 1, "Election Safety: term {term} has leaders {leaders:?}");
            }
            RaftOutput::Committed(entry) => self.record_commit(i, entry),
            _ => {}
        }
    }

    fn record_commit(&mut self, i: usize, entry: &Entry<u64>) {
        let expected = LogIndex(self.applied[i].len() as u64 + 1);
        assert_eq!(entry.index, expected, "node {i} must commit each index once, in order");
        let first = self.committed.entry(entry.index).or_insert_with(|| entry.clone());
        assert_eq!(first, entry, "State Machine Safety: two different entries committed at {}", entry.index);
        self.applied[i].push(entry.clone());
    }

    fn check_commit_monotonic(&mut self, i: usize) {
        let commit = self.nodes[i].commit_index();
        assert!(
            commit >= self.commit_high[i],
            "node {i}'s commit index went back: {} -> {commit}",
            self.commit_high[i]
        );
        self.commit_high[i] = commit;
    }

    /// Put a message on the wire, maybe dropping or duplicating it, with a random delay.
    fn transmit(&mut self, message: InFlight) {
        if self.rng.random_range(0..100) < self.drop_percent {
            return;
        }
        let copies = if self.rng.random_range(0..100) < self.duplicate_percent { 2 } else { 1 };
        for _ in 0..copies {
            let delay_us = self.rng.random_range(100..=self.delay_ms_max * 1000);
            self.sent += 1;
            self.wire.insert((self.now.0 + delay_us, self.sent), message.clone());
        }
    }

    /// Deliver every message due by now, unless its destination is down or cut off.
    fn deliver_due(&mut self) {
        while let Some(entry) = self.wire.first_entry() {
            if entry.key().0 > self.now.0 {
                break;
            }
            let InFlight { from, to, message } = entry.remove();
            if self.up[to] && self.side[from] == self.side[to] {
                let from = self.names[from].clone();
                self.step(to, RaftInput::Message { from, message });
            }
        }
    }

    fn apply(&mut self, fault: &Fault) {
        match *fault {
            Fault::Crash(i) => self.up[i] = false,
            Fault::Restart(i) if !self.up[i] => self.restart(i),
            Fault::Restart(_) => {}
            Fault::Partition(mask) => self.side = (0..self.nodes.len()).map(|i| (mask >> i) & 1).collect(),
            Fault::Heal => self.side = vec![0; self.nodes.len()],
            Fault::Bounce(..) => unreachable!("the chaos loop turns a bounce into a crash and a restart"),
        }
    }

    fn restart(&mut self, i: usize) {
        self.up[i] = true;
        self.nodes[i].restart(self.now);
        self.check_commit_monotonic(i);
        self.check_durable(i);
    }

    /// Every entry node `i` committed is still in its log, unchanged.
    fn check_durable(&self, i: usize) {
        let log = self.nodes[i].storage().log();
        for entry in &self.applied[i] {
            assert_eq!(log.get(entry.index), Some(entry), "node {i} lost committed entry {}", entry.index);
        }
    }

    /// Advance one millisecond: deliver what is due, then tick every live node.
    fn run_ms(&mut self) {
        self.now = self.now.plus(SimDuration::from_millis(1));
        self.deliver_due();
        for i in 0..self.nodes.len() {
            if self.up[i] {
                self.step(i, RaftInput::Tick);
            }
        }
    }

    fn propose(&mut self, i: usize, command: u64) {
        if self.up[i] {
            self.step(i, RaftInput::Propose(command));
        }
    }

    /// The live node leading the highest term, if any.
    fn leader(&self) -> Option<usize> {
        let leaders = (0..self.nodes.len()).filter(|&i| self.up[i] && self.nodes[i].role() == Role::Leader);
        leaders.max_by_key(|&i| self.nodes[i].term())
    }

    fn has_final(&self, i: usize) -> bool {
        self.applied[i].iter().any(|e| e.command.is_some_and(|c| c >= FINAL_BASE))
    }
}

/// Run the chaos phase: faults from the plan, a workload of proposals to random nodes.
fn chaos(world: &mut World, plan: &Plan) {
    let mut faults: BTreeMap<u64, Vec<Fault>> = BTreeMap::new();
    for (at, fault) in &plan.faults {
        faults.entry(*at).or_default().push(fault.clone());
    }
    for ms in 0..CHAOS_MS {
        for fault in faults.remove(&ms).into_iter().flatten() {
            if let Fault::Bounce(i, down_ms) = fault {
                world.apply(&Fault::Crash(i));
                faults.entry(ms + down_ms).or_default().push(Fault::Restart(i));
            } else {
                world.apply(&fault);
            }
        }
        if ms % plan.propose_every_ms == 0 {
            let target = world.rng.random_range(0..plan.nodes);
            let command = world.next_command;
            world.next_command += 1;
            world.propose(target, command);
        }
        world.run_ms();
    }
}

/// Run the stable phase: everyone up, the network healed and reliable, and a client retrying
/// a final command at the leader every 100 ms until the leader has committed one.
fn stable(world: &mut World) {
    world.apply(&Fault::Heal);
    for i in 0..world.nodes.len() {
        world.apply(&Fault::Restart(i));
    }
    (world.drop_percent, world.duplicate_percent, world.delay_ms_max) = (0, 0, 5);
    let mut attempt = 0;
    for ms in 0..STABLE_MS {
        if ms % 100 == 0 {
            if let Some(leader) = world.leader().filter(|&l| !world.has_final(l)) {
                world.propose(leader, FINAL_BASE + attempt);
                attempt += 1;
            }
        }
        world.run_ms();
    }
}

/// The end-of-run checks: durability, Leader Completeness, liveness.
fn check_end(world: &World) {
    for i in 0..world.nodes.len() {
        world.check_durable(i);
        assert!(
            world.has_final(i),
            "liveness: node {i} never committed a final command (commit {})",
            world.commit_high[i]
        );
    }
    let leader = world.leader().expect("a leader after the stable phase");
    let log = world.nodes[leader].storage().log();
    for (index, entry) in &world.committed {
        assert_eq!(log.get(*index), Some(entry), "Leader Completeness: the leader lacks committed entry {index}");
    }
}

fn run(plan: &Plan) -> World {
    let mut world = World::new(plan);
    chaos(&mut world, plan);
    stable(&mut world);
    check_end(&world);
    world
}

fn fault(nodes: usize) -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => (0..nodes).prop_map(Fault::Crash),
        3 => (0..nodes).prop_map(Fault::Restart),
        3 => (0..nodes, 1u64..50).prop_map(|(i, down_ms)| Fault::Bounce(i, down_ms)),
        2 => any::<u8>().prop_map(Fault::Partition),
        2 => Just(Fault::Heal),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    let nodes = prop_oneof![1 => Just(1usize), 4 => Just(3usize), 2 => Just(5usize)];
    nodes
        .prop_flat_map(|nodes| {
            let faults = prop::collection::vec((0..CHAOS_MS, fault(nodes)), 0..60);
            let network = (0u32..30, 0u32..10, 1u64..40);
            (Just(nodes), any::<u64>(), network, 5u64..200, any::<bool>(), faults)
        })
        .prop_map(
            |(
                nodes,
                seed,
                (drop_percent, duplicate_percent, delay_ms_max),
                propose_every_ms,
                tight_timeouts,
                faults,
            )| {
                Plan {
                    nodes,
                    seed,
                    drop_percent,
                    duplicate_percent,
                    delay_ms_max,
                    propose_every_ms,
                    tight_timeouts,
                    faults,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn raft_is_safe_under_faults_and_live_once_stable(plan in plan()) {
        let world = run(&plan);
        prop_assert!(!world.committed.is_empty());
    }
}

/// A fixed, busy plan used by the tests below.
fn busy_plan(seed: u64) -> Plan {
    let faults = vec![
        (300, Fault::Partition(0b001)),
        (900, Fault::Heal),
        (1000, Fault::Crash(1)),
        (1200, Fault::Crash(2)),
        (1500, Fault::Restart(1)),
        (1800, Fault::Partition(0b110)),
        (2200, Fault::Restart(2)),
        (2500, Fault::Heal),
        (2700, Fault::Bounce(0, 20)),
    ];
    Plan {
        nodes: 3,
        seed,
        drop_percent: 10,
        duplicate_percent: 5,
        delay_ms_max: 20,
        propose_every_ms: 10,
        tight_timeouts: false,
        faults,
    }
}

#[test]
fn the_same_plan_gives_the_same_run() {
    let first = run(&busy_plan(42));
    let second = run(&busy_plan(42));
    assert_eq!(first.trace, second.trace, "a run is a function of its plan and seed");
    assert!(first.committed.len() > 10, "the busy plan commits plenty");
}

#[test]
fn a_busy_plan_commits_many_entries_across_several_terms() {
    for seed in 0..8 {
        let world = run(&busy_plan(seed));
        assert!(world.leaders.len() >= 2, "seed {seed}: faults forced more than one term");
        assert!(world.committed.values().filter(|e| e.command.is_some()).count() > 10, "seed {seed}");
    }
}
