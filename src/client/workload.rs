//! What an application sends: the records a producer's "user code" hands to `send()`.
//!
//! The seed's `pro.py` sends `str(n)` every 0.5 s for n in 1..=100; a load test sends fixed-size
//! values at some rate with keys drawn from a set of users. A [`Workload`] describes either, and
//! generates the records deterministically: random keys come from a ChaCha stream seeded by
//! the run's seed, so the same seed draws the same keys.

use crate::types::{SimDuration, SimTime};
use bytes::Bytes;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// Where a producer's keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// No key (`key=None`).
    None,
    /// Always this key.
    Fixed(String),
    /// `prefix{lo..hi}suffix`: a key drawn at random (seeded) from the range.
    Range {
        /// Text before the number.
        prefix: String,
        /// Smallest number.
        lo: u64,
        /// One past the largest.
        hi: u64,
        /// Text after the number.
        suffix: String,
    },
}

/// Where a producer's values come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSource {
    /// Exactly these values, in order.
    List(Vec<String>),
    /// A template with `{n}` for the record's number (from 1).
    Template(String),
}

/// The application side of a producer.
#[derive(Clone, Debug)]
pub struct Workload {
    /// When the first record is sent.
    pub start: SimTime,
    /// Time between records, in microseconds.
    pub interval: SimDuration,
    /// How many records in all (None: no limit).
    pub count: Option<u64>,
    /// Values.
    pub values: ValueSource,
    /// Pad values with `.` to this many bytes.
    pub value_bytes: Option<u64>,
    /// Keys.
    pub keys: KeySource,
}

/// A workload being played: how far it got, and its key stream.
#[derive(Clone, Debug)]
pub struct WorkloadCursor {
    workload: Workload,
    rng: ChaCha8Rng,
    generated: u64,
    next_at: SimTime,
    /// Records an application handed over itself (see [`WorkloadCursor::push`]), sent first.
    fed: VecDeque<(Option<Bytes>, Bytes)>,
}

impl WorkloadCursor {
    /// Start playing `workload`, drawing keys from a stream seeded with `seed`.
    pub fn new(workload: Workload, seed: u64) -> WorkloadCursor {
        let next_at = workload.start;
        WorkloadCursor { workload, rng: ChaCha8Rng::seed_from_u64(seed), generated: 0, next_at, fed: VecDeque::new() }
    }

    /// Hand over one record now: an application (the order service) that calls `send()` when
    /// its own work says so, rather than on a schedule.
    pub fn push(&mut self, key: Option<Bytes>, value: Bytes) {
        self.fed.push_back((key, value));
    }

    /// Records pushed and not yet generated.
    pub fn fed(&self) -> usize {
        self.fed.len()
    }

    /// When the workload begins.
    pub fn start(&self) -> SimTime {
        self.workload.start
    }

    /// Whether every record has been generated.
    pub fn is_done(&self) -> bool {
        self.workload.count.is_some_and(|c| self.generated >= c)
    }

    /// Whether a record is due at `now`.
    pub fn is_due(&self, now: SimTime) -> bool {
        !self.fed.is_empty() || (!self.is_done() && now >= self.next_at)
    }

    /// The application was blocked in `send()` until `now`: it does not catch up afterwards.
    pub fn resume_after_block(&mut self, now: SimTime) {
        self.next_at = self.next_at.max(now);
    }

    /// Generate the next record's key and value and schedule the one after.
    pub fn next_record(&mut self) -> (Option<Bytes>, Bytes) {
        if let Some(fed) = self.fed.pop_front() {
            return fed;
        }
        assert!(!self.is_done(), "a finished workload generates nothing");
        self.generated += 1;
        self.next_at = self.next_at.plus(self.workload.interval);
        let n = self.generated;
        let mut value = match &self.workload.values {
            ValueSource::List(list) => list[(n - 1) as usize % list.len()].clone().into_bytes(),
            ValueSource::Template(t) => t.replace("{n}", &n.to_string()).into_bytes(),
        };
        if let Some(size) = self.workload.value_bytes {
            if value.len() < size as usize {
                value.resize(size as usize, b'.');
            }
        }
        let key = match &self.workload.keys {
            KeySource::None => None,
            KeySource::Fixed(k) => Some(Bytes::from(k.clone().into_bytes())),
            KeySource::Range { prefix, lo, hi, suffix } => {
                let k = self.rng.random_range(*lo..*hi);
                Some(Bytes::from(format!("{prefix}{k}{suffix}").into_bytes()))
            }
        };
        (key, Bytes::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(keys: KeySource) -> Workload {
        Workload {
            start: SimTime::from_millis(1000),
            interval: SimDuration::from_millis(500),
            count: Some(3),
            values: ValueSource::Template("{n}".into()),
            value_bytes: None,
            keys,
        }
    }

    #[test]
    fn plays_the_seed_producer() {
        let mut w = WorkloadCursor::new(workload(KeySource::None), 1);
        assert!(!w.is_due(SimTime::ZERO));
        assert!(w.is_due(SimTime::from_millis(1000)));
        assert_eq!(w.next_record(), (None, Bytes::from_static(b"1")));
        assert!(!w.is_due(SimTime::from_millis(1499)));
        assert_eq!(w.next_record().1, Bytes::from_static(b"2"));
        assert_eq!(w.next_record().1, Bytes::from_static(b"3"));
        assert!(w.is_done());
    }

    #[test]
    fn random_keys_follow_the_seed() {
        let keys = KeySource::Range { prefix: "user-".into(), lo: 0, hi: 100, suffix: String::new() };
        let draw = |seed| {
            let mut w = WorkloadCursor::new(workload(keys.clone()), seed);
            (0..3).map(|_| w.next_record().0.unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }
}
