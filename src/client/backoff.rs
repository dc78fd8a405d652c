//! Exponential retry backoff with jitter, as Kafka's clients do it since KIP-580.
//!
//! A client that retries at a fixed `retry.backoff.ms` hammers a struggling broker at the
//! same rate however long the trouble lasts, and many clients that failed together retry
//! together. Kafka 3.7+ (`org.apache.kafka.common.utils.ExponentialBackoff`) doubles the wait
//! after each failed attempt, from `retry.backoff.ms` up to `retry.backoff.max.ms` (default
//! 1000), and multiplies it by a random factor in `[0.8, 1.2)` so that retries spread out.
//! The random factor here comes from a seeded ChaCha stream the client owns, so a run's
//! retries are reproducible.

use crate::types::SimDuration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Kafka's jitter for client retries (`CommonClientConfigs.RETRY_BACKOFF_JITTER`).
pub const JITTER: f64 = 0.2;
/// Kafka's multiplier for client retries (`CommonClientConfigs.RETRY_BACKOFF_EXP_BASE`).
pub const MULTIPLIER: u32 = 2;

/// `ExponentialBackoff(initialInterval, multiplier, maxInterval, jitter)`.
#[derive(Clone, Debug)]
pub struct ExponentialBackoff {
    initial_ms: u64,
    max_ms: u64,
    /// `log(max / initial) / log(multiplier)`: past this many attempts the wait is capped.
    exp_max: f64,
    rng: ChaCha8Rng,
}

impl ExponentialBackoff {
    /// From `retry.backoff.ms` up to `retry.backoff.max.ms`, drawing jitter from `rng`.
    pub fn new(initial: SimDuration, max: SimDuration, rng: ChaCha8Rng) -> ExponentialBackoff {
        let (initial_ms, max_ms) = (initial.0 / 1000, max.0 / 1000);
        let initial_ms = initial_ms.min(max_ms);
        let exp_max = if max_ms > initial_ms {
            (max_ms as f64 / initial_ms.max(1) as f64).ln() / (MULTIPLIER as f64).ln()
        } else {
            0.0
        };
        ExponentialBackoff { initial_ms, max_ms, exp_max, rng }
    }

    /// The wait before the next try after `attempts` failed ones beyond the first
    /// (`ExponentialBackoff.backoff`: callers pass `attempts - 1`).
    pub fn backoff(&mut self, attempts: u32) -> SimDuration {
        if self.exp_max == 0.0 {
            return SimDuration::from_millis(self.initial_ms);
        }
        let exp = (attempts as f64).min(self.exp_max);
        let term = self.initial_ms as f64 * (MULTIPLIER as f64).powf(exp);
        let factor = self.rng.random_range((1.0 - JITTER)..(1.0 + JITTER));
        let ms = ((factor * term) as u64).min(self.max_ms);
        SimDuration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn backoff(initial: u64, max: u64) -> ExponentialBackoff {
        let ms = SimDuration::from_millis;
        ExponentialBackoff::new(ms(initial), ms(max), ChaCha8Rng::seed_from_u64(1))
    }

    /// KIP-580's defaults: 100 ms doubling to 1 s, each within 20% of 100 * 2^n.
    #[test]
    fn doubles_with_jitter_up_to_the_max() {
        let mut b = backoff(100, 1000);
        for attempts in 0..4 {
            let ms = b.backoff(attempts).0 / 1000;
            let term = 100 * 2u64.pow(attempts);
            assert!(ms * 10 >= term * 8 && ms * 10 < term * 12, "attempt {attempts}: {ms} ms");
        }
        assert!((0..20).all(|_| b.backoff(30).0 / 1000 <= 1000), "capped at retry.backoff.max.ms");
        assert!(b.backoff(30).0 / 1000 >= 800);
    }

    /// `retry.backoff.max.ms` at or below `retry.backoff.ms` means a fixed backoff.
    #[test]
    fn no_growth_when_max_is_not_above_initial() {
        let mut b = backoff(100, 100);
        assert_eq!(b.backoff(5), SimDuration::from_millis(100));
    }
}
