//! Clients: the programs that talk to a Kafka cluster.
//!
//! Kafka's clients are thick: much of what students think of as "Kafka" — choosing a
//! partition, batching, retrying, tracking positions — happens in the client library, not the
//! broker. Each client here is a sans-IO state machine like the broker:
//! - [`partitioner`]: murmur2 for keyed records, round-robin or sticky for the rest;
//! - [`workload`]: the application code that calls `send()` (the seed's `pro.py` loop);
//! - [`producer`]: accumulator, batching, in-flight limits, retries, delivery timeouts;
//! - [`backoff`]: KIP-580's exponential retry backoff with jitter;
//! - [`consumer`]: positions, fetch long polls, `auto.offset.reset`;
//! - [`admin`]: scripted `kafka-topics.sh` and log dumps.

pub mod admin;
pub mod backoff;
pub mod consumer;
pub mod partitioner;
pub mod producer;
pub mod workload;
