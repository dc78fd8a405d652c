//! A notification gateway: the SMS or e-mail provider an order system has to call.
//!
//! The seed's story hinges on this service being *slow and not urgent*. It is modelled as a
//! server with `concurrency` workers, each taking `service_time` per request, and a FIFO queue
//! in front of them: the simplest model in which a burst of calls waits, and in which a gateway
//! that stops (a `pause` or `crash` fault) leaves its callers hanging.
//!
//! The gateway does not deduplicate: a caller that retries after a timeout gets its message sent
//! twice, as with a real SMS provider without an idempotency key. The summary counts these.

use crate::node::{ConnId, Input, Node, Output};
use crate::protocol::notify::NotifyRequest;
use crate::protocol::{CorrelationId, Request, Response};
use crate::trace::Event;
use crate::types::{SimDuration, SimTime};
use std::collections::VecDeque;

/// A gateway's capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatewayConfig {
    /// Time to send one notification.
    pub service_time: SimDuration,
    /// Notifications sent at once.
    pub concurrency: u32,
}

/// A request waiting for, or being served by, a worker.
#[derive(Clone, Debug)]
struct Job {
    conn: ConnId,
    correlation: CorrelationId,
    message: String,
}

/// One gateway.
#[derive(Debug)]
pub struct Gateway {
    config: GatewayConfig,
    queue: VecDeque<Job>,
    /// Jobs being served, with the time each finishes (in start order, so finish order too).
    busy: VecDeque<(SimTime, Job)>,
}

impl Gateway {
    /// An idle gateway.
    pub fn new(config: GatewayConfig) -> Gateway {
        assert!(config.concurrency > 0, "a gateway needs at least one worker");
        Gateway { config, queue: VecDeque::new(), busy: VecDeque::new() }
    }

    /// Requests waiting for a worker (for tests).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    fn finish_due(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        while self.busy.front().is_some_and(|(done, _)| *done <= now) {
            let (_, job) = self.busy.pop_front().expect("front exists");
            out.push(Output::Emit(Event::Notified { message: job.message }));
            out.push(Output::Reply { conn: job.conn, correlation: job.correlation, response: Response::Notified });
        }
        out
    }

    fn start_queued(&mut self, now: SimTime) {
        while self.busy.len() < self.config.concurrency as usize {
            let Some(job) = self.queue.pop_front() else { break };
            self.busy.push_back((now.plus(self.config.service_time), job));
        }
    }
}

impl Node for Gateway {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        if let Input::Request { conn, correlation, request } = input {
            match request {
                Request::Notify(NotifyRequest { message }) => self.queue.push_back(Job { conn, correlation, message }),
                other => {
                    let error = format!("a gateway only answers Notify, not {other:?}");
                    return vec![Output::Emit(Event::BadFrame { error })];
                }
            }
        }
        let mut out = self.finish_due(now);
        self.start_queued(now);
        // A zero service time finishes at once.
        out.extend(self.finish_due(now));
        out
    }

    /// A restarted gateway has lost every request it held in memory: their callers time out.
    fn restart(&mut self, _now: SimTime) -> Vec<Output> {
        self.queue.clear();
        self.busy.clear();
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(gw: &mut Gateway, t: u64, n: u64) -> Vec<Output> {
        let request = Request::Notify(NotifyRequest { message: format!("o#{n}") });
        gw.step(SimTime::from_millis(t), Input::Request { conn: ConnId(1), correlation: CorrelationId(n), request })
    }

    fn replies(out: &[Output]) -> Vec<u64> {
        out.iter()
            .filter_map(|o| match o {
                Output::Reply { correlation, .. } => Some(correlation.0),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn serves_in_order_with_limited_workers() {
        let mut gw = Gateway::new(GatewayConfig { service_time: SimDuration::from_millis(100), concurrency: 2 });
        for n in 1..=3 {
            assert!(replies(&request(&mut gw, 0, n)).is_empty());
        }
        assert_eq!(gw.queued(), 1, "two workers busy, one request waits");
        assert_eq!(replies(&gw.step(SimTime::from_millis(99), Input::Tick)), Vec::<u64>::new());
        assert_eq!(replies(&gw.step(SimTime::from_millis(100), Input::Tick)), vec![1, 2]);
        assert_eq!(replies(&gw.step(SimTime::from_millis(200), Input::Tick)), vec![3]);
    }

    #[test]
    fn a_restart_forgets_queued_requests() {
        let mut gw = Gateway::new(GatewayConfig { service_time: SimDuration::from_millis(10), concurrency: 1 });
        request(&mut gw, 0, 1);
        request(&mut gw, 0, 2);
        gw.restart(SimTime::from_millis(5));
        assert!(replies(&gw.step(SimTime::from_millis(50), Input::Tick)).is_empty());
    }
}
