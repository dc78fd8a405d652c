//! The order service of the seed's first chapter (订单系统): urgent work, plus notifications.
//!
//! Orders arrive at a fixed rate. Each takes one of `workers` request threads for its urgent
//! part (`work`: stock, payment, the order row), then has its customer notified, in one of two
//! ways:
//! - **call**: the thread calls each gateway in turn (SMS, then e-mail) and waits for its
//!   answer. The customer waits too: the order is done when the last gateway answers, and
//!   fails if one does not answer within `timeout`. While a gateway is slow, threads pile up
//!   waiting for it, and new orders queue for a free thread.
//! - **topic**: the thread hands one record to a Kafka producer (`send()`) and waits only for
//!   its acknowledgement; consumer groups read the topic and call the gateways later. This is
//!   the seed's "give the slow, unimportant task to the minion".
//!
//! The order's latency — placement to answer, including time queued for a thread — is what the
//! `why-mq` scenario compares. The embedded [`Producer`] is the same client every producer in
//! kafkasim runs, so `acks`, retries and failures behave exactly as elsewhere.

use crate::client::producer::Producer;
use crate::node::{Input, Node, Output};
use crate::protocol::notify::NotifyRequest;
use crate::protocol::{CorrelationId, Request, Response};
use crate::trace::Event;
use crate::types::{NodeName, RecordId, SimDuration, SimTime};
use bytes::Bytes;
use std::collections::{BTreeMap, VecDeque};

/// How the customer gets notified.
#[derive(Debug)]
pub enum Notify {
    /// Call these gateways in order, each within `timeout`.
    Call {
        /// The gateways' host names.
        gateways: Vec<NodeName>,
        /// How long to wait for each answer.
        timeout: SimDuration,
    },
    /// Produce one record per order through this producer.
    Topic(Box<Producer>),
}

/// The service's shape.
#[derive(Debug)]
pub struct OrderServiceConfig {
    /// Its name (the prefix of its order ids).
    pub name: String,
    /// When the first order arrives.
    pub start: SimTime,
    /// Time between orders.
    pub interval: SimDuration,
    /// How many orders in all (None: until the run ends).
    pub count: Option<u64>,
    /// Request threads.
    pub workers: u32,
    /// The urgent part of each order.
    pub work: SimDuration,
    /// The notification path.
    pub notify: Notify,
}

/// Where an order is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Doing the urgent work until this time.
    Working(SimTime),
    /// Waiting for gateway number `index` to answer `correlation` by `deadline`.
    Calling { index: usize, correlation: CorrelationId, deadline: SimTime },
    /// Waiting for the producer to acknowledge this record.
    Publishing(RecordId),
}

/// An order holding a thread.
#[derive(Clone, Debug)]
struct Job {
    placed: SimTime,
    stage: Stage,
}

/// One order service.
#[derive(Debug)]
pub struct OrderService {
    config: OrderServiceConfig,
    placed: u64,
    next_at: SimTime,
    /// Orders waiting for a thread: number and placement time.
    waiting: VecDeque<(u64, SimTime)>,
    /// Orders holding a thread, by number.
    active: BTreeMap<u64, Job>,
    next_correlation: u64,
}

impl OrderService {
    /// A service whose first order arrives at `config.start`.
    pub fn new(config: OrderServiceConfig) -> OrderService {
        assert!(config.workers > 0, "an order service needs at least one thread");
        assert!(config.interval > SimDuration::ZERO, "orders need a positive interval");
        let next_at = config.start;
        OrderService {
            config,
            placed: 0,
            next_at,
            waiting: VecDeque::new(),
            active: BTreeMap::new(),
            next_correlation: 0,
        }
    }

    fn order_id(&self, n: u64) -> String {
        format!("{}#{n}", self.config.name)
    }

    fn arrivals(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        while self.config.count.is_none_or(|c| self.placed < c) && self.next_at <= now {
            self.placed += 1;
            self.waiting.push_back((self.placed, self.next_at));
            out.push(Output::Emit(Event::OrderPlaced { order: self.order_id(self.placed) }));
            self.next_at = self.next_at.plus(self.config.interval);
        }
        out
    }

    fn start_jobs(&mut self, now: SimTime) {
        while self.active.len() < self.config.workers as usize {
            let Some((n, placed)) = self.waiting.pop_front() else { break };
            self.active.insert(n, Job { placed, stage: Stage::Working(now.plus(self.config.work)) });
        }
    }

    fn done(&mut self, n: u64, error: Option<String>) -> Output {
        let job = self.active.remove(&n).expect("only active orders finish");
        Output::Emit(Event::OrderDone { order: self.order_id(n), placed: job.placed, error })
    }

    fn call(&mut self, now: SimTime, n: u64, index: usize) -> Output {
        let Notify::Call { gateways, timeout } = &self.config.notify else { unreachable!("call mode only") };
        let (to, deadline) = (gateways[index].clone(), now.plus(*timeout));
        self.next_correlation += 1;
        let correlation = CorrelationId(self.next_correlation);
        let job = self.active.get_mut(&n).expect("calling for an active order");
        job.stage = Stage::Calling { index, correlation, deadline };
        let request = Request::Notify(NotifyRequest { message: self.order_id(n) });
        Output::Send { to, correlation, request }
    }

    /// Orders whose urgent work is finished move on to their notification.
    fn finish_work(&mut self, now: SimTime) -> Vec<Output> {
        let due: Vec<u64> = self
            .active
            .iter()
            .filter(|(_, j)| matches!(j.stage, Stage::Working(t) if t <= now))
            .map(|(n, _)| *n)
            .collect();
        let mut out = Vec::new();
        for n in due {
            let message = self.order_id(n);
            match &mut self.config.notify {
                Notify::Call { gateways, .. } if gateways.is_empty() => out.push(self.done(n, None)),
                Notify::Call { .. } => out.push(self.call(now, n, 0)),
                Notify::Topic(producer) => {
                    let value = Bytes::from(format!("notify customer of order {message}"));
                    let id = producer.enqueue(Some(Bytes::from(message)), value);
                    self.active.get_mut(&n).expect("active").stage = Stage::Publishing(id);
                }
            }
        }
        out
    }

    fn calling(&self, correlation: CorrelationId) -> Option<(u64, usize)> {
        self.active.iter().find_map(|(n, j)| match j.stage {
            Stage::Calling { index, correlation: c, .. } if c == correlation => Some((*n, index)),
            _ => None,
        })
    }

    fn on_answer(&mut self, now: SimTime, correlation: CorrelationId) -> Vec<Output> {
        // A late answer (after the order timed out) finds no order waiting for it.
        let Some((n, index)) = self.calling(correlation) else { return Vec::new() };
        let Notify::Call { gateways, .. } = &self.config.notify else { return Vec::new() };
        if index + 1 < gateways.len() {
            vec![self.call(now, n, index + 1)]
        } else {
            vec![self.done(n, None)]
        }
    }

    /// Calls that got no answer in time, or whose connection broke, fail their orders.
    fn fail_calls(&mut self, now: SimTime, broken: Option<&NodeName>) -> Vec<Output> {
        let Notify::Call { gateways, .. } = &self.config.notify else { return Vec::new() };
        let failed: Vec<(u64, String)> = self
            .active
            .iter()
            .filter_map(|(n, j)| match &j.stage {
                Stage::Calling { index, deadline, .. } => {
                    let peer = &gateways[*index];
                    if broken == Some(peer) {
                        Some((*n, format!("lost the connection to {peer}")))
                    } else if *deadline <= now {
                        Some((*n, format!("{peer} did not answer in time")))
                    } else {
                        None
                    }
                }
                _ => None,
            })
            .collect();
        failed.into_iter().map(|(n, why)| self.done(n, Some(why))).collect()
    }

    /// Step the embedded producer and settle the orders its events decide.
    fn step_producer(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let Notify::Topic(producer) = &mut self.config.notify else { return Vec::new() };
        let out = producer.step(now, input);
        let mut settled = Vec::new();
        for o in &out {
            match o {
                Output::Emit(Event::Acked { ids, .. }) => settled.extend(ids.iter().map(|id| (*id, None))),
                Output::Emit(Event::SendFailed { ids, error }) => {
                    settled.extend(ids.iter().map(|id| (*id, Some(format!("send failed: {error}")))))
                }
                _ => {}
            }
        }
        let mut done = Vec::new();
        for (id, error) in settled {
            let order = self.active.iter().find(|(_, j)| j.stage == Stage::Publishing(id)).map(|(n, _)| *n);
            if let Some(n) = order {
                done.push(self.done(n, error));
            }
        }
        [out, done].concat()
    }

    fn is_gateway(&self, peer: &NodeName) -> bool {
        matches!(&self.config.notify, Notify::Call { gateways, .. } if gateways.contains(peer))
    }
}

impl Node for OrderService {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = match input {
            Input::Response { correlation, response: Response::Notified, .. } => self.on_answer(now, correlation),
            Input::Disconnected { peer } | Input::ConnectFailed { peer } if self.is_gateway(&peer) => {
                self.fail_calls(now, Some(&peer))
            }
            Input::Tick => Vec::new(),
            other => self.step_producer(now, other),
        };
        out.extend(self.step_producer(now, Input::Tick));
        out.extend(self.fail_calls(now, None));
        out.extend(self.arrivals(now));
        self.start_jobs(now);
        out.extend(self.finish_work(now));
        // Records just handed to the producer go out in this same step; orders freed above
        // let waiting ones take their thread.
        out.extend(self.step_producer(now, Input::Tick));
        self.start_jobs(now);
        out
    }

    /// A crashed order service loses every order it held: their customers see an error (it is
    /// recorded at the restart, the first moment the service runs again, so these latencies
    /// run to the restart). Customers who came while it was down were refused at the door and
    /// are not counted as placed. The embedded producer keeps its state, like every producer
    /// in kafkasim.
    fn restart(&mut self, now: SimTime) -> Vec<Output> {
        let mut out = Vec::new();
        for (n, placed) in std::mem::take(&mut self.waiting) {
            self.active.insert(n, Job { placed, stage: Stage::Working(now) });
        }
        let lost: Vec<u64> = self.active.keys().copied().collect();
        for n in lost {
            out.push(self.done(n, Some("the order service crashed".to_string())));
        }
        while self.config.count.is_none_or(|c| self.placed < c) && self.next_at <= now {
            self.placed += 1;
            self.next_at = self.next_at.plus(self.config.interval);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(work_ms: u64, workers: u32, gateways: &[&str]) -> OrderService {
        OrderService::new(OrderServiceConfig {
            name: "shop".into(),
            start: SimTime::ZERO,
            interval: SimDuration::from_millis(10),
            count: Some(3),
            workers,
            work: SimDuration::from_millis(work_ms),
            notify: Notify::Call {
                gateways: gateways.iter().map(|g| NodeName(g.to_string())).collect(),
                timeout: SimDuration::from_millis(500),
            },
        })
    }

    fn sends(out: &[Output]) -> Vec<(String, u64)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send { to, correlation, .. } => Some((to.0.clone(), correlation.0)),
                _ => None,
            })
            .collect()
    }

    fn done(out: &[Output]) -> Vec<(String, Option<String>)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Emit(Event::OrderDone { order, error, .. }) => Some((order.clone(), error.clone())),
                _ => None,
            })
            .collect()
    }

    fn answer(s: &mut OrderService, t: u64, correlation: u64) -> Vec<Output> {
        let input = Input::Response {
            from: NodeName("sms".into()),
            correlation: CorrelationId(correlation),
            response: Response::Notified,
        };
        s.step(SimTime::from_millis(t), input)
    }

    #[test]
    fn calls_each_gateway_in_turn_then_answers() {
        let mut s = service(5, 4, &["sms", "email"]);
        assert!(sends(&s.step(SimTime::ZERO, Input::Tick)).is_empty(), "working first");
        assert_eq!(sends(&s.step(SimTime::from_millis(5), Input::Tick)), vec![("sms".into(), 1)]);
        let out = answer(&mut s, 20, 1);
        assert_eq!(sends(&out), vec![("email".into(), 2)]);
        assert!(done(&out).is_empty(), "the e-mail is still to come");
        assert_eq!(done(&answer(&mut s, 30, 2)), vec![("shop#1".into(), None)]);
    }

    #[test]
    fn a_silent_gateway_fails_the_order_and_holds_the_thread_until_then() {
        let mut s = service(0, 1, &["sms"]);
        s.step(SimTime::ZERO, Input::Tick);
        for t in [10, 20] {
            assert!(sends(&s.step(SimTime::from_millis(t), Input::Tick)).is_empty(), "one thread, still busy");
        }
        let out = s.step(SimTime::from_millis(500), Input::Tick);
        assert_eq!(done(&out), vec![("shop#1".into(), Some("sms did not answer in time".into()))]);
        assert_eq!(sends(&out), vec![("sms".into(), 2)], "the next order gets the thread");
        assert!(answer(&mut s, 501, 1).is_empty(), "a late answer is ignored");
    }

    #[test]
    fn a_crash_fails_the_orders_in_memory_and_refuses_those_that_came_meanwhile() {
        let mut s = service(0, 1, &["sms"]);
        s.step(SimTime::ZERO, Input::Tick);
        s.step(SimTime::from_millis(10), Input::Tick);
        let out = s.restart(SimTime::from_millis(25));
        let failed = done(&out);
        assert_eq!(failed.len(), 2, "the one calling and the one waiting: {failed:?}");
        assert!(failed.iter().all(|(_, e)| e.as_deref() == Some("the order service crashed")));
        let after = s.step(SimTime::from_millis(25), Input::Tick);
        assert!(sends(&after).is_empty(), "order 3 came during the downtime and was refused");
    }

    #[test]
    fn without_gateways_an_order_is_only_its_work() {
        let mut s = service(7, 1, &[]);
        s.step(SimTime::ZERO, Input::Tick);
        assert_eq!(done(&s.step(SimTime::from_millis(7), Input::Tick)), vec![("shop#1".into(), None)]);
    }
}
