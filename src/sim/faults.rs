//! Carrying out a scenario's fault actions on the turmoil simulation.
//!
//! turmoil's `crash` closes a host's sockets cleanly, which a real power cut does not: peers
//! would see a FIN and react at once. So a *hard* crash here is a network partition of the
//! host from everyone, then `crash`; `restart` brings the host software back (on the same
//! core, whose logs are its disk) and repairs its links. `partition`/`heal` cut and repair
//! links (a two-way cut holds messages until the heal, as TCP's retransmissions would deliver
//! them; a one-way cut drops them), `slow` changes link latency, and `pause` stops a host's loop for a while, like a long
//! garbage-collection pause.

use super::NodeHandle;
use crate::controller::Controller;
use crate::scenario::model::{Action, ClusterSpec, NodeRef};
use crate::types::{NodeName, SimTime};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

/// What the driver has done to the network and hosts so far.
pub struct Faults {
    hosts: BTreeMap<NodeName, NodeHandle>,
    controllers: Vec<(NodeName, Rc<RefCell<Controller>>)>,
    crashed: BTreeSet<NodeName>,
    cuts: BTreeSet<(NodeName, NodeName)>,
    /// The two-way cuts among `cuts`: their messages are held, not dropped (see `partition`).
    held: BTreeSet<(NodeName, NodeName)>,
    cluster: ClusterSpec,
}

impl Faults {
    /// A fault injector over these hosts; `controller` resolves `leader(...)`.
    pub fn new(
        hosts: BTreeMap<NodeName, NodeHandle>,
        controllers: Vec<(NodeName, Rc<RefCell<Controller>>)>,
        cluster: ClusterSpec,
    ) -> Faults {
        assert!(!controllers.is_empty(), "a cluster has at least one controller");
        Faults { hosts, controllers, crashed: BTreeSet::new(), cuts: BTreeSet::new(), held: BTreeSet::new(), cluster }
    }

    /// The live controller that is active (or, failing that, the first live one).
    fn active_controller(&self) -> Option<&(NodeName, Rc<RefCell<Controller>>)> {
        let live = || self.controllers.iter().filter(|(n, _)| !self.crashed.contains(n));
        live().find(|(_, c)| c.borrow().is_active_controller()).or_else(|| live().next())
    }

    /// Call `f` with the active controller's metadata image (`None` when every controller is down).
    pub fn with_image<R>(&self, f: impl FnOnce(Option<&crate::protocol::metadata::MetadataImage>) -> R) -> R {
        match self.active_controller() {
            Some((_, c)) => f(Some(c.borrow().image())),
            None => f(None),
        }
    }

    /// The cores of the hosts that are down, by name.
    pub fn crashed_cores(&self) -> Vec<(NodeName, Rc<RefCell<dyn crate::node::Node>>)> {
        self.crashed.iter().filter_map(|n| self.hosts.get(n).map(|h| (n.clone(), h.core.clone()))).collect()
    }

    /// Resolve a node reference now. `None` when `leader(...)` has no leader.
    fn resolve(&self, node: &NodeRef) -> Option<NodeName> {
        match node {
            NodeRef::Name(n) => Some(n.clone()),
            NodeRef::LeaderOf(tp) => self.active_controller()?.1.borrow().image().leader_node(tp).cloned(),
            NodeRef::ActiveController => self.active_controller().map(|(n, _)| n.clone()),
        }
    }

    fn others(&self, of: &[NodeName]) -> Vec<NodeName> {
        self.hosts.keys().filter(|h| !of.contains(h)).cloned().collect()
    }

    /// Carry out `action` at `now`; returns a description for the trace.
    pub fn apply(&mut self, sim: &mut turmoil::Sim<'_>, now: SimTime, action: &Action) -> String {
        let unresolved = |n: &NodeRef| format!("{} skipped: {n} has no leader now", action.describe());
        match action {
            Action::Crash(n) => match self.resolve(n) {
                Some(name) => self.crash(sim, &name),
                None => unresolved(n),
            },
            Action::Restart(n) => match self.resolve(n) {
                Some(name) => self.restart(sim, &name),
                None => unresolved(n),
            },
            Action::Partition { from, to, oneway } => self.partition(sim, from, to, *oneway),
            Action::Heal => self.heal(sim),
            Action::Slow { node, to, latency } => match self.resolve(node) {
                Some(name) => {
                    let peers: Vec<NodeName> = if to.is_empty() {
                        self.others(std::slice::from_ref(&name))
                    } else {
                        to.iter().filter_map(|t| self.resolve(t)).collect()
                    };
                    for p in &peers {
                        sim.set_link_latency(name.as_str(), p.as_str(), Duration::from_micros(latency.0));
                    }
                    format!("slow {name}: links to {} now {latency} one way", list(&peers))
                }
                None => unresolved(node),
            },
            Action::Pause { node, duration } => match self.resolve(node) {
                Some(name) => {
                    if let Some(h) = self.hosts.get(&name) {
                        h.paused_until.set(now.plus(*duration));
                    }
                    format!("pause {name} for {duration}")
                }
                None => unresolved(node),
            },
            other => format!("{} (not a fault)", other.describe()),
        }
    }

    fn crash(&mut self, sim: &mut turmoil::Sim<'_>, name: &NodeName) -> String {
        if !self.crashed.insert(name.clone()) {
            return format!("crash {name}: already down");
        }
        for other in self.others(std::slice::from_ref(name)) {
            sim.partition(name.as_str(), other.as_str());
        }
        sim.crash(name.as_str());
        format!("crash {name} (hard: its links go silent, its memory is lost)")
    }

    fn restart(&mut self, sim: &mut turmoil::Sim<'_>, name: &NodeName) -> String {
        if !self.crashed.remove(name) {
            return format!("restart {name}: it is not down");
        }
        sim.bounce(name.as_str());
        for other in self.others(std::slice::from_ref(name)) {
            let cut = self.cuts.contains(&(name.clone(), other.clone()))
                || self.cuts.contains(&(other.clone(), name.clone()));
            if !self.crashed.contains(&other) && !cut {
                sim.repair(name.as_str(), other.as_str());
            }
        }
        format!("restart {name}")
    }

    fn partition(&mut self, sim: &mut turmoil::Sim<'_>, from: &[NodeRef], to: &[NodeRef], oneway: bool) -> String {
        let a: Vec<NodeName> = from.iter().filter_map(|n| self.resolve(n)).collect();
        let b: Vec<NodeName> =
            if to.is_empty() { self.others(&a) } else { to.iter().filter_map(|n| self.resolve(n)).collect() };
        for x in &a {
            for y in &b {
                if oneway {
                    sim.partition_oneway(x.as_str(), y.as_str());
                } else {
                    // Real TCP retransmits: a cut link delays segments until it heals, it does
                    // not lose them. (Dropping them would leave a gap that turmoil's in-order
                    // streams never fill, jamming the connection for good after the heal.)
                    sim.hold(x.as_str(), y.as_str());
                    self.held.insert((x.clone(), y.clone()));
                    self.cuts.insert((y.clone(), x.clone()));
                }
                self.cuts.insert((x.clone(), y.clone()));
            }
        }
        let arrow = if oneway { "->" } else { "<->" };
        format!("partition [{}] {arrow} [{}]", list(&a), list(&b))
    }

    fn heal(&mut self, sim: &mut turmoil::Sim<'_>) -> String {
        let cuts = std::mem::take(&mut self.cuts);
        let held = std::mem::take(&mut self.held);
        for (x, y) in &cuts {
            if !self.crashed.contains(x) && !self.crashed.contains(y) {
                if held.contains(&(x.clone(), y.clone())) {
                    sim.release(x.as_str(), y.as_str());
                } else if !held.contains(&(y.clone(), x.clone())) {
                    sim.repair_oneway(x.as_str(), y.as_str());
                }
            }
        }
        let (lo, hi) = (self.cluster.latency_min, self.cluster.latency_max);
        let names: Vec<NodeName> = self.hosts.keys().cloned().collect();
        for x in &names {
            for y in &names {
                if x < y {
                    sim.set_link_latency(x.as_str(), y.as_str(), Duration::from_micros(lo.0));
                    sim.set_link_max_message_latency(x.as_str(), y.as_str(), Duration::from_micros(hi.0));
                }
            }
        }
        format!("heal: {} cut link(s) repaired, latencies restored", cuts.len())
    }
}

fn list(v: &[NodeName]) -> String {
    v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",")
}
