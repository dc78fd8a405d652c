//! Stable text for people: what a run printed as it went, and its summary.
//!
//! Everything here is a pure function of the scenario and the trace, so it can be
//! snapshot-tested: the same seed gives the same text, byte for byte.
//! - [`console`]: the lines the seed's scripts and tools would have printed (`consumer.py`'s
//!   `oldboy:0:5: key=None value=b'6'`, `kafka-topics.sh --list`, ...);
//! - [`orders`]: order latency and gateway notifications (the `why-mq` comparison);
//! - [`summary`]: counts, per-partition offsets, checker verdicts (text and `summary.json`);
//! - [`explain`]: a failed check told as a story, step by step (`kafkasim explain`).

pub mod console;
pub mod explain;
pub mod groups;
pub mod orders;
pub mod summary;
