//! Exploring many runs: sweeping seeds, replaying a failure, shrinking it.
//!
//! One run answers "what happens on this seed"; exploring answers "on which seeds does it go
//! wrong, and what is the smallest way to make it go wrong". This is the workflow of
//! TigerBeetle's VOPR (sweep seeds, replay one exactly) and of property-based testing (shrink
//! a failure to a minimal example), applied to Kafka scenarios:
//! - [`sweep`] runs a seed range on worker threads and collects the failing seeds;
//! - [`repro`] is the file a failing run leaves behind, enough to replay it anywhere;
//! - [`shrink`] delta-debugs a failing run's fault schedule and workload;
//! - [`generate`] draws whole scenarios (cluster, clients, configs, overlapping faults) from a
//!   seed, and [`fuzz`] runs many of them against the safety and liveness properties.
//!
//! Every run here is a whole simulation built from a scenario and a seed; nothing in this
//! module touches the simulated world except through `sim::run`.

pub mod fuzz;
pub mod generate;
pub mod repro;
pub mod shrink;
pub mod sweep;
