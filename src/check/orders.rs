//! Orders and notifications: what the `why-mq` comparison reads from a trace.
//!
//! For each order service: how many orders were placed and answered, how many failed, and the
//! latency the customer saw (placement to answer). For each gateway: how many notifications it
//! sent, for how many distinct orders (a retried call can send one twice), and how long after
//! its order each first went out. Like every checker, this reads only trace events
//! (`order-placed`, `order-done`, `notified`).

use crate::check::CheckResult;
use crate::scenario::model::Expectations;
use crate::trace::{Event, Trace};
use crate::types::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One order service's orders.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrderFacts {
    /// Orders placed.
    pub placed: u64,
    /// Orders answered with success.
    pub ok: u64,
    /// Orders answered with an error.
    pub failed: u64,
    /// Every answered order's latency, in microseconds, sorted.
    #[serde(skip)]
    pub latencies_us: Vec<u64>,
    /// Answered orders as (placement time, latency, failed), in answer order (for plots).
    #[serde(skip)]
    pub answers: Vec<(SimTime, SimDuration, bool)>,
}

impl OrderFacts {
    /// The `q`-quantile latency (0.5, 0.99, 1.0), nearest rank; None before any answer.
    pub fn latency(&self, q: f64) -> Option<SimDuration> {
        quantile(&self.latencies_us, q).map(SimDuration)
    }
}

/// One gateway's notifications.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GatewayFacts {
    /// Notifications sent.
    pub sent: u64,
    /// Distinct messages among them.
    pub distinct: u64,
    /// Per order service: delays from order placement to the first notification, in
    /// microseconds, sorted.
    #[serde(skip)]
    pub delays_us: BTreeMap<String, Vec<u64>>,
}

/// Orders and notifications of one run.
#[derive(Clone, Debug, Default)]
pub struct Orders {
    /// By order service name.
    pub services: BTreeMap<String, OrderFacts>,
    /// By gateway host name (`service-sms`).
    pub gateways: BTreeMap<String, GatewayFacts>,
}

/// The order service an order id (`shop#17`) belongs to.
pub fn service_of(order: &str) -> &str {
    order.rsplit_once('#').map_or(order, |(s, _)| s)
}

impl Orders {
    /// Read a trace.
    pub fn of(trace: &Trace) -> Orders {
        let mut o = Orders::default();
        let mut placed: BTreeMap<&str, SimTime> = BTreeMap::new();
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for e in trace.entries() {
            match &e.event {
                Event::OrderPlaced { order } => {
                    o.services.entry(service_of(order).to_string()).or_default().placed += 1;
                    placed.insert(order, e.time);
                }
                Event::OrderDone { order, placed: at, error } => {
                    let f = o.services.entry(service_of(order).to_string()).or_default();
                    let latency = e.time.since(*at);
                    match error {
                        None => f.ok += 1,
                        Some(_) => f.failed += 1,
                    }
                    f.latencies_us.push(latency.0);
                    f.answers.push((*at, latency, error.is_some()));
                }
                Event::Notified { message } => {
                    let g = o.gateways.entry(e.node.0.clone()).or_default();
                    g.sent += 1;
                    if seen.insert((e.node.0.as_str(), message)) {
                        g.distinct += 1;
                        if let Some(at) = placed.get(message.as_str()) {
                            let delays = g.delays_us.entry(service_of(message).to_string()).or_default();
                            delays.push(e.time.since(*at).0);
                        }
                    }
                }
                _ => {}
            }
        }
        for f in o.services.values_mut() {
            f.latencies_us.sort_unstable();
        }
        for g in o.gateways.values_mut() {
            g.delays_us.values_mut().for_each(|d| d.sort_unstable());
        }
        o
    }

    /// Whether the run had any orders or gateways at all.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.gateways.is_empty()
    }
}

/// Nearest-rank quantile of a sorted list.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
}

/// The `[expect]` keys about orders.
pub fn expectations(orders: &Orders, e: &Expectations) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let facts = |name: &str| orders.services.get(name).cloned().unwrap_or_default();
    for (name, want) in &e.orders_failed {
        let got = facts(name).failed;
        out.push(CheckResult {
            name: format!("expect.orders_failed.{name}"),
            passed: got == *want,
            detail: format!("expected {want}, got {got}"),
        });
    }
    for (name, want) in &e.orders_failed_min {
        let got = facts(name).failed;
        out.push(CheckResult {
            name: format!("expect.orders_failed_min.{name}"),
            passed: got >= *want,
            detail: format!("expected at least {want}, got {got}"),
        });
    }
    for (name, want) in &e.order_latency_p99_ms_max {
        let got = facts(name).latency(0.99);
        out.push(CheckResult {
            name: format!("expect.order_latency_p99_ms_max.{name}"),
            passed: got.is_some_and(|g| g.as_millis() <= *want),
            detail: match got {
                Some(g) => format!("expected at most {want} ms, got {} ms", g.as_millis()),
                None => "no order was answered".to_string(),
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&v, 1.0), Some(100));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn order_ids_name_their_service() {
        assert_eq!(service_of("shop-sync#17"), "shop-sync");
        assert_eq!(service_of("odd"), "odd");
    }
}
