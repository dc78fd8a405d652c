//! The orders part of the summary: what customers of each order service waited, and what each
//! notification gateway sent — the numbers the `why-mq` scenario compares.

use crate::check::orders::{quantile, GatewayFacts, OrderFacts, Orders};
use crate::types::SimDuration;
use serde::Serialize;
use std::fmt::Write as _;

/// One order service's line.
#[derive(Clone, Debug, Serialize)]
pub struct OrderSummary {
    /// The service.
    pub service: String,
    /// Its counts.
    #[serde(flatten)]
    pub facts: OrderFacts,
    /// Median latency in ms (None: no order answered).
    pub latency_p50_ms: Option<u64>,
    /// 99th-percentile latency in ms.
    pub latency_p99_ms: Option<u64>,
    /// Longest latency in ms.
    pub latency_max_ms: Option<u64>,
}

/// One gateway's line.
#[derive(Clone, Debug, Serialize)]
pub struct GatewaySummary {
    /// The gateway's host.
    pub gateway: String,
    /// Its counts.
    #[serde(flatten)]
    pub facts: GatewayFacts,
    /// Per order service: `shop-sync: p50 72ms p99 3.1s after the order`.
    pub delays: Vec<String>,
}

/// `72ms` below a second, `3.104s` above.
fn fmt_ms(us: u64) -> String {
    let ms = SimDuration(us).as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
    }
}

/// The summary lines of a run's orders and gateways.
pub fn summarise(o: &Orders) -> (Vec<OrderSummary>, Vec<GatewaySummary>) {
    let ms = |f: &OrderFacts, q| f.latency(q).map(|d| d.as_millis());
    let orders = o
        .services
        .iter()
        .map(|(name, f)| OrderSummary {
            service: name.clone(),
            latency_p50_ms: ms(f, 0.5),
            latency_p99_ms: ms(f, 0.99),
            latency_max_ms: ms(f, 1.0),
            facts: f.clone(),
        })
        .collect();
    let gateways = o
        .gateways
        .iter()
        .map(|(name, g)| GatewaySummary {
            gateway: name.clone(),
            delays: g
                .delays_us
                .iter()
                .map(|(service, d)| {
                    let q = |q| quantile(d, q).map_or("-".to_string(), fmt_ms);
                    format!("{service}: {} first sent p50 {} p99 {} after the order", d.len(), q(0.5), q(0.99))
                })
                .collect(),
            facts: g.clone(),
        })
        .collect();
    (orders, gateways)
}

/// Append the lines to a summary's text.
pub fn write(orders: &[OrderSummary], gateways: &[GatewaySummary], s: &mut String) {
    for o in orders {
        let q = |v: Option<u64>| v.map_or("-".to_string(), |ms| fmt_ms(ms * 1000));
        let f = &o.facts;
        let _ = writeln!(
            s,
            "orders {}: placed={} ok={} failed={} unanswered={} latency p50={} p99={} max={}",
            o.service,
            f.placed,
            f.ok,
            f.failed,
            f.placed.saturating_sub(f.ok + f.failed),
            q(o.latency_p50_ms),
            q(o.latency_p99_ms),
            q(o.latency_max_ms)
        );
    }
    for g in gateways {
        let twice = g.facts.sent - g.facts.distinct;
        let _ =
            writeln!(s, "gateway {}: sent={} distinct={} resent={twice}", g.gateway, g.facts.sent, g.facts.distinct);
        for d in &g.delays {
            let _ = writeln!(s, "  {d}");
        }
    }
}
