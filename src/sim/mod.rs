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
pub mod framing;
pub mod host;
pub mod recorder;
pub mod seeds;

use crate::node::Node;
use crate::scenario::Scenario;
use crate::trace::Trace;
use crate::types::NodeName;
use host::{run_node, HostConfig};
use recorder::Recorder;
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

fn register<N, F>(
    sim: &mut turmoil::Sim<'_>,
    name: &NodeName,
    listen: bool,
    tick: Duration,
    recorder: &Recorder,
    make: F,
) where
    N: Node + 'static,
    F: Fn() -> N + 'static,
{
    let cfg = HostConfig { name: name.clone(), listen, tick, recorder: recorder.clone() };
    sim.host(name.as_str(), move || run_node(make(), cfg.clone()));
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
    let recorder = Recorder::new(detail);
    add_hosts(&mut sim, scenario, seed, tick, &recorder);
    let fail =
        |sim: &turmoil::Sim<'_>, e: Box<dyn std::error::Error>| SimError { at: sim.elapsed(), reason: e.to_string() };
    while sim.elapsed() < duration {
        sim.step().map_err(|e| fail(&sim, e))?;
    }
    recorder.start_finishing();
    sim.step().map_err(|e| fail(&sim, e))?;
    Ok(recorder.take())
}

fn add_hosts(sim: &mut turmoil::Sim<'_>, s: &Scenario, seed: u64, tick: Duration, recorder: &Recorder) {
    let sc = s.clone();
    register(sim, &NodeName::controller(1), true, tick, recorder, move || build::controller(&sc));
    for id in s.cluster.broker_ids() {
        let sc = s.clone();
        register(sim, &NodeName::broker(id), true, tick, recorder, move || build::broker(&sc, id));
    }
    if !s.actions.is_empty() {
        let sc = s.clone();
        register(sim, &build::admin_node(), false, tick, recorder, move || build::admin(&sc));
    }
    for (i, p) in s.producers.iter().enumerate() {
        let (sc, spec) = (s.clone(), p.clone());
        register(sim, &build::producer_node(&p.name), false, tick, recorder, move || {
            build::producer(&sc, i, &spec, seed)
        });
    }
    for c in &s.consumers {
        let (sc, spec) = (s.clone(), c.clone());
        register(sim, &build::consumer_node(&c.name), false, tick, recorder, move || build::consumer(&sc, &spec));
    }
}
