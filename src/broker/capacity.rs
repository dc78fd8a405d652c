//! The broker's capacity model: service time for the bytes it moves.
//!
//! turmoil delivers messages after a latency but has no notion of bandwidth, and a simulated
//! broker does its work in zero time. Real brokers are limited by disk and network throughput;
//! the seed's scale-out figure ("each server 300MB/s; 3 servers, 900MB/s") only shows up if
//! that limit is modelled. So each broker owns one service queue: every produce and fetch
//! occupies it for `bytes / capacity` seconds, first come first served, and the answer leaves
//! only when its service completes. A capacity of 0 means unlimited (service is instant).

use crate::types::{SimDuration, SimTime};

/// A single-server FIFO queue measured in bytes per second.
#[derive(Clone, Debug)]
pub struct ServiceQueue {
    bytes_per_s: u64,
    busy_until: SimTime,
    busy_total: SimDuration,
}

impl ServiceQueue {
    /// A queue serving `bytes_per_s` (0: unlimited).
    pub fn new(bytes_per_s: u64) -> ServiceQueue {
        ServiceQueue { bytes_per_s, busy_until: SimTime::ZERO, busy_total: SimDuration::ZERO }
    }

    /// Enqueue work of `bytes` at `now`; returns when it completes.
    pub fn schedule(&mut self, now: SimTime, bytes: u64) -> SimTime {
        if self.bytes_per_s == 0 {
            return now;
        }
        let start = now.max(self.busy_until);
        let micros = (bytes as u128 * 1_000_000).div_ceil(self.bytes_per_s as u128) as u64;
        self.busy_until = start.plus(SimDuration(micros));
        self.busy_total = SimDuration(self.busy_total.0 + micros);
        self.busy_until
    }

    /// Total time spent serving so far (utilisation = this / elapsed time).
    pub fn busy_total(&self) -> SimDuration {
        self.busy_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_is_instant() {
        let mut q = ServiceQueue::new(0);
        assert_eq!(q.schedule(SimTime(5), 1_000_000), SimTime(5));
    }

    #[test]
    fn work_queues_up_first_come_first_served() {
        let mut q = ServiceQueue::new(1_000_000); // 1 byte per microsecond
        assert_eq!(q.schedule(SimTime(0), 1000), SimTime(1000));
        assert_eq!(q.schedule(SimTime(0), 1000), SimTime(2000), "the second waits for the first");
        assert_eq!(q.schedule(SimTime(5000), 10), SimTime(5010), "an idle queue starts at once");
        assert_eq!(q.busy_total(), SimDuration(2010));
    }
}
