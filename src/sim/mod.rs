//! The simulation driver: the only module that touches turmoil and tokio.
//!
//! [`run`] builds a turmoil simulation from a checked scenario — one host per controller,
//! broker and client, each running its sans-IO core behind the thin loop in [`host`] — and
//! steps it tick by tick until the scenario's duration. Determinism comes from here:
//! - turmoil's generator (latency jitter, tokio's scheduler) is seeded with the run's seed;
//!   `.cargo/config.toml` sets `--cfg tokio_unstable`, without which tokio's own RNG would not
//!   be seeded;
//! - the simulated epoch is fixed, and ticks are whole milliseconds;
//! - every other random stream derives from the seed ([`seeds`]);
//! - hosts run one at a time on one thread, in a fixed order, and every `select!` is biased.
//!
//! The run's product is its [`Trace`]; nothing else leaves the simulation.

pub mod build;
pub mod faults;
pub mod framing;
pub mod host;
pub mod recorder;
pub mod schedule;
pub mod seeds;
pub mod triggers;

use crate::node::Node;
use crate::scenario::model::ActionSpec;
use crate::scenario::Scenario;
use crate::trace::Event;
use crate::trace::Trace;
use crate::types::{NodeName, SimTime};
use host::{run_node, HostConfig};
use recorder::Recorder;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};
use thiserror::Error;

/// The simulation itself failed (not the scenario's checks: a host crashed or turmoil gave up).
#[derive(Debug, Error)]
#[error("simulation failed at {at:?}: {reason}")]
pub struct SimError {
    /// Simulated time of the failure.
    pub at: Duration,
    /// turmoil's explanation.
    pub reason: String,
}

/// A fixed simulated wall-clock start (2024-01-01T00:00:00Z), so nothing depends on today.
const EPOCH_SECS: u64 = 1_704_067_200;

/// The driver's handles on one host: to pause it, to count its starts, and to read its final
/// state when it is down at the end of the run.
#[derive(Clone)]
pub struct NodeHandle {
    /// See [`HostConfig::paused_until`].
    pub paused_until: Rc<Cell<SimTime>>,
    /// See [`HostConfig::starts`].
    pub starts: Rc<Cell<u32>>,
    /// The node's core (its disk survives a crash).
    pub core: Rc<RefCell<dyn Node>>,
}

/// Register a host running `core` (shared, so it survives crashes) and return its handle.
fn register<N: Node + 'static>(
    sim: &mut turmoil::Sim<'_>,
    name: &NodeName,
    listen: bool,
    tick: Duration,
    recorder: &Recorder,
    core: Rc<RefCell<N>>,
) -> NodeHandle {
    let handle = NodeHandle { paused_until: Rc::default(), starts: Rc::default(), core: core.clone() };
    let cfg = HostConfig {
        name: name.clone(),
        listen,
        tick,
        recorder: recorder.clone(),
        paused_until: handle.paused_until.clone(),
        starts: handle.starts.clone(),
    };
    sim.host(name.as_str(), move || run_node(core.clone(), cfg.clone()));
    handle
}

pub use recorder::TraceDetail;

/// Run `scenario` with `seed` and return its full trace.
pub fn run(scenario: &Scenario, seed: u64) -> Result<Trace, SimError> {
    run_with(scenario, seed, TraceDetail::Full)
}

/// Counts from a run, for benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    /// Records acknowledged.
    pub acked: u64,
    /// Records consumed.
    pub consumed: u64,
    /// Trace events.
    pub events: u64,
}

/// Run and count, keeping only `detail` of the trace.
pub fn run_stats(scenario: &Scenario, seed: u64, detail: TraceDetail) -> Result<RunStats, SimError> {
    let trace = run_with(scenario, seed, detail)?;
    let mut stats = RunStats { events: trace.entries().len() as u64, ..RunStats::default() };
    for e in trace.entries() {
        match &e.event {
            crate::trace::Event::Acked { ids, .. } => stats.acked += ids.len() as u64,
            crate::trace::Event::Consumed { records, .. } => stats.consumed += records.len() as u64,
            _ => {}
        }
    }
    Ok(stats)
}

/// Run `scenario` with `seed`, keeping `detail` of the trace.
pub fn run_with(scenario: &Scenario, seed: u64, detail: TraceDetail) -> Result<Trace, SimError> {
    let tick = Duration::from_micros(scenario.tick.0);
    let duration = Duration::from_micros(scenario.duration.0);
    let mut sim = turmoil::Builder::new()
        .rng_seed(seed)
        .epoch(UNIX_EPOCH + Duration::from_secs(EPOCH_SECS))
        .tick_duration(tick)
        .simulation_duration(duration + tick * 4)
        .min_message_latency(Duration::from_micros(scenario.cluster.latency_min.0))
        .max_message_latency(Duration::from_micros(scenario.cluster.latency_max.0))
        .tcp_capacity(1 << 16)
        .build();
    let mut recorder = Recorder::new(detail);
    let plan = schedule::plan(scenario, seed);
    let mut triggers = triggers::Triggers::new(plan.triggered);
    let progress = if triggers.needs_progress() { recorder.track_progress() } else { Rc::default() };
    let (hosts, controllers) = add_hosts(&mut sim, scenario, seed, tick, &recorder);
    let mut faults = faults::Faults::new(hosts, controllers, scenario.cluster.clone());
    let mut pending: std::collections::VecDeque<ActionSpec> = plan.timed.into();
    let fail =
        |sim: &turmoil::Sim<'_>, e: Box<dyn std::error::Error>| SimError { at: sim.elapsed(), reason: e.to_string() };
    let sim_node = NodeName("sim".to_string());
    while sim.elapsed() < duration {
        let now = SimTime(sim.elapsed().as_micros() as u64);
        while pending.front().is_some_and(|a| SimTime::ZERO.plus(a.at) <= now) {
            let action = pending.pop_front().expect("front exists");
            let description = faults.apply(&mut sim, now, &action.action);
            recorder.record(now, &sim_node, Event::Fault { description });
        }
        if !triggers.is_empty() {
            let fired = {
                let progress = progress.borrow();
                faults.with_image(|image| triggers.fire(now, &triggers::View { image, progress: &progress }))
            };
            for action in fired {
                let condition = action.trigger.as_ref().map(|c| c.to_string()).unwrap_or_default();
                let description = format!("{} [when {condition}]", faults.apply(&mut sim, now, &action.action));
                recorder.record(now, &sim_node, Event::Fault { description });
            }
        }
        sim.step().map_err(|e| fail(&sim, e))?;
    }
    recorder.start_finishing();
    sim.step().map_err(|e| fail(&sim, e))?;
    let now = SimTime(sim.elapsed().as_micros() as u64);
    for (name, core) in faults.crashed_cores() {
        // A crashed broker's disk still holds its log: report it, but it leads nothing.
        for output in core.borrow_mut().finish(now) {
            if let crate::node::Output::Emit(mut event) = output {
                if let Event::LogEnd { is_leader, .. } = &mut event {
                    *is_leader = false;
                }
                recorder.record(now, &name, event);
            }
        }
    }
    Ok(recorder.take())
}

type Hosts = (BTreeMap<NodeName, NodeHandle>, Vec<(NodeName, Rc<RefCell<crate::controller::Controller>>)>);

fn add_hosts(sim: &mut turmoil::Sim<'_>, s: &Scenario, seed: u64, tick: Duration, recorder: &Recorder) -> Hosts {
    let mut hosts = BTreeMap::new();
    let controller = Rc::new(RefCell::new(build::controller(s, 1, seed)));
    hosts.insert(
        NodeName::controller(1),
        register(sim, &NodeName::controller(1), true, tick, recorder, controller.clone()),
    );
    let mut controllers = vec![(NodeName::controller(1), controller.clone())];
    for n in 2..=s.cluster.controllers {
        let core = Rc::new(RefCell::new(build::controller(s, n, seed)));
        hosts.insert(
            NodeName::controller(n),
            register(sim, &NodeName::controller(n), true, tick, recorder, core.clone()),
        );
        controllers.push((NodeName::controller(n), core));
    }
    for id in s.cluster.broker_ids() {
        let core = Rc::new(RefCell::new(build::broker(s, id)));
        hosts.insert(NodeName::broker(id), register(sim, &NodeName::broker(id), true, tick, recorder, core));
    }
    if s.actions.iter().any(|a| !a.action.is_fault()) {
        let core = Rc::new(RefCell::new(build::admin(s)));
        hosts.insert(build::admin_node(), register(sim, &build::admin_node(), false, tick, recorder, core));
    }
    for (i, p) in s.producers.iter().enumerate() {
        let core = Rc::new(RefCell::new(build::producer(s, i, p, seed)));
        let name = build::producer_node(&p.name);
        hosts.insert(name.clone(), register(sim, &name, false, tick, recorder, core));
    }
    for c in &s.consumers {
        let core = Rc::new(RefCell::new(build::consumer(s, c)));
        let name = build::consumer_node(&c.name);
        hosts.insert(name.clone(), register(sim, &name, false, tick, recorder, core));
    }
    for g in &s.services {
        let core = Rc::new(RefCell::new(build::gateway(g)));
        let name = build::service_node(&g.name);
        hosts.insert(name.clone(), register(sim, &name, true, tick, recorder, core));
    }
    for (i, o) in s.order_services.iter().enumerate() {
        let core = Rc::new(RefCell::new(build::order_service(s, i, o, seed)));
        let name = build::order_service_node(&o.name);
        hosts.insert(name.clone(), register(sim, &name, false, tick, recorder, core));
    }
    (hosts, controllers)
}
