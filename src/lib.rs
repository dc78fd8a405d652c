//! # kafkasim: Apache Kafka, simulated deterministically, for learning
//!
//! kafkasim runs a whole Kafka cluster — a controller, brokers with segmented partition logs,
//! producers and consumers — inside one process, on turmoil's simulated network and clock.
//! The same seed gives the same run, byte for byte, so any behaviour (or failure) seen once
//! can be replayed, explained and taught.
//!
//! ## The layers
//! Each layer imports only from the ones above it:
//!
//! 1. [`types`], [`protocol`], [`trace`], [`node`]: plain data. Ids, offsets and epochs as
//!    newtypes; requests and responses with Kafka's error names; the [`trace::Event`] every
//!    other layer speaks; and the `step(now, input) -> outputs` contract of every node.
//! 2. [`log`]: the partition log — segments named by base offset, a sparse offset index, roll
//!    and retention.
//! 3. [`controller`] and [`client`]: the controller's topic metadata and placement, and the
//!    producer, consumer and admin client state machines (partitioner, batching, retries, fetch
//!    positions).
//!    [`app`] models the applications around Kafka (an order service, notification gateways).
//! 4. [`broker`]: composes logs and request handling (with a service-time capacity model) for
//!    one broker.
//! 5. [`scenario`]: the scenario file schema and its validation.
//! 6. [`sim`]: the ONLY place that touches turmoil and tokio: builds the simulated cluster from
//!    a scenario, runs each node core behind a thin socket loop, applies scripted actions, and
//!    collects the trace.
//! 7. [`check`] and [`report`]: checkers that judge a trace (no acknowledged record lost,
//!    order within a partition, expectations), and the stable text of summaries.
//! 8. [`plot`]: throughput and ordering plots drawn from the trace.
//! 9. [`cli`]: one file per subcommand.
//!
//! ## How a run flows
//! `kafkasim run quickstart` loads `scenarios/quickstart.toml` ([`scenario`]), builds a turmoil
//! simulation seeded from `--seed` ([`sim`]), steps it tick by tick until the scenario's
//! duration, and hands the resulting [`trace::Trace`] to the checkers, the summary and the
//! plots. Nothing above `sim` reads a clock, owns a socket or draws randomness of its own:
//! time and randomness arrive as inputs, which is what makes every run replayable.

pub mod app;
pub mod broker;
pub mod check;
pub mod cli;
pub mod client;
pub mod controller;
pub mod exercises;
pub mod explore;
pub mod group;
pub mod log;
pub mod node;
pub mod plot;
pub mod protocol;
pub mod replication;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod types;
