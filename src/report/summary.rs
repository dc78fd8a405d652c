//! The run's summary: counts, per-partition offsets and verdicts, as text and as JSON.

use crate::check::{duplicates, lost, order, CheckResult, Verdict};
use crate::scenario::Scenario;
use crate::types::SimTime;
use serde::Serialize;
use std::fmt::Write as _;

/// One partition's line in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct PartitionSummary {
    /// `topic-N`.
    pub partition: String,
    /// Final log start offset.
    pub log_start_offset: Option<u64>,
    /// Final high watermark.
    pub high_watermark: Option<u64>,
    /// Final log end offset.
    pub log_end_offset: Option<u64>,
    /// Records acknowledged.
    pub acked: u64,
    /// Records consumed (all consumers).
    pub consumed: u64,
    /// `ok` or `violated`.
    pub order: String,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// The run's seed.
    pub seed: u64,
    /// The trace hash.
    pub trace_hash: String,
    /// Simulated time of the run, in milliseconds.
    pub simulated_ms: u64,
    /// Wall-clock time the run took, in milliseconds (JSON only: it varies between machines).
    pub wall_ms: u64,
    /// Records handed to `send()`.
    pub sent: u64,
    /// Records acknowledged.
    pub acked: u64,
    /// Records consumed.
    pub consumed: u64,
    /// Sends that failed for good.
    pub send_failures: u64,
    /// Acknowledged records lost.
    pub lost_acked: u64,
    /// Order violations within partitions.
    pub order_violations: u64,
    /// Records delivered more than once to a consumer.
    pub duplicates: u64,
    /// Send-order inversions across partitions (expected, not a violation).
    pub cross_partition_inversions: u64,
    /// Consumer position resets (any cause).
    pub offset_resets: u64,
    /// Resets forced by `OffsetOutOfRange`.
    pub out_of_range_resets: u64,
    /// Segment rolls.
    pub segments_rolled: u64,
    /// Segments deleted by retention.
    pub segments_deleted: u64,
    /// Per partition.
    pub partitions: Vec<PartitionSummary>,
    /// Leader changes after crashes: partition, new leader, time since the fault.
    pub failovers: Vec<String>,
    /// Partitions without a leader at the end.
    pub offline_partitions: Vec<String>,
    /// Unclean leader elections.
    pub unclean_elections: u64,
    /// Offsets where a follower disagrees with its leader.
    pub divergent_offsets: u64,
    /// Produce errors by name (every attempt).
    pub produce_errors: std::collections::BTreeMap<String, u64>,
    /// Consumer groups.
    pub groups: Vec<super::groups::GroupSummary>,
    /// Order services.
    pub orders: Vec<super::orders::OrderSummary>,
    /// Notification gateways.
    pub gateways: Vec<super::orders::GatewaySummary>,
    /// Kafka's promises, checked.
    pub invariants: Vec<CheckResult>,
    /// The scenario's expectations.
    pub expectations: Vec<CheckResult>,
    /// Whether every expectation held.
    pub passed: bool,
    /// The liveness line: records resolved, pending, produce stalls (None without producers).
    pub liveness: Option<String>,
}

impl Summary {
    /// Build the summary of a judged run.
    pub fn new(scenario: &Scenario, seed: u64, trace_hash: String, verdict: &Verdict, wall_ms: u64) -> Summary {
        let a = &verdict.analysis;
        let violations = order::order_violations(a);
        let partitions = a
            .partitions
            .iter()
            // Internal topics (`__consumer_offsets`) would drown the lines that matter.
            .filter(|(tp, _)| !tp.topic.as_str().starts_with("__"))
            .map(|(tp, p)| PartitionSummary {
                partition: tp.to_string(),
                log_start_offset: p.log_start_offset.map(|o| o.0),
                high_watermark: p.high_watermark.map(|o| o.0),
                log_end_offset: p.log_end_offset.map(|o| o.0),
                acked: p.acked,
                consumed: p.consumed,
                order: if violations.iter().any(|v| v.tp == *tp) { "violated".into() } else { "ok".into() },
            })
            .collect();
        let (orders, gateways) = super::orders::summarise(&verdict.orders);
        Summary {
            orders,
            gateways,
            scenario: scenario.name.clone(),
            seed,
            trace_hash,
            simulated_ms: SimTime(scenario.duration.0).as_millis(),
            wall_ms,
            sent: a.sent,
            acked: a.acked.len() as u64,
            consumed: a.consumed(),
            send_failures: a.send_failures.len() as u64,
            lost_acked: lost::lost_acked(a).len() as u64,
            order_violations: violations.len() as u64,
            duplicates: duplicates::duplicate_deliveries(a),
            cross_partition_inversions: order::cross_partition_inversions(a),
            offset_resets: a.offset_resets,
            out_of_range_resets: a.out_of_range_resets,
            segments_rolled: a.segments_rolled,
            segments_deleted: a.segments_deleted,
            partitions,
            failovers: a
                .failovers()
                .iter()
                .map(|(tp, leader, took, why)| {
                    format!("{tp}: broker {leader} leads {} after the fault ({why})", fmt_secs(*took))
                })
                .collect(),
            offline_partitions: a.offline.iter().map(|tp| tp.to_string()).collect(),
            unclean_elections: a.unclean_elections(),
            divergent_offsets: lost::divergent_offsets(a).len() as u64,
            produce_errors: a.produce_errors.clone(),
            groups: verdict.groups.iter().map(|(id, g)| super::groups::GroupSummary::new(id, g)).collect(),
            invariants: verdict.invariants.clone(),
            expectations: verdict.expectations.clone(),
            passed: verdict.passed(),
            liveness: verdict.liveness.as_ref().filter(|l| l.sent > 0).map(|l| l.summary_line()),
        }
    }

    /// The summary as stable text (no wall time).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ =
            writeln!(s, "== summary: {} (seed {}, {} ms simulated) ==", self.scenario, self.seed, self.simulated_ms);
        let _ = writeln!(
            s,
            "records: sent={} acked={} consumed={} send_failures={}",
            self.sent, self.acked, self.consumed, self.send_failures
        );
        let _ = writeln!(
            s,
            "checks: lost_acked={} order_violations={} duplicates={} cross_partition_inversions={} (not a violation)",
            self.lost_acked, self.order_violations, self.duplicates, self.cross_partition_inversions
        );
        let _ = writeln!(
            s,
            "log: segments_rolled={} segments_deleted={} offset_resets={} out_of_range_resets={}",
            self.segments_rolled, self.segments_deleted, self.offset_resets, self.out_of_range_resets
        );
        for p in &self.partitions {
            let show = |o: Option<u64>| o.map_or("-".to_string(), |o| o.to_string());
            let _ = writeln!(
                s,
                "  {:<24} log_start={} hw={} leo={} acked={} consumed={} order={}",
                p.partition,
                show(p.log_start_offset),
                show(p.high_watermark),
                show(p.log_end_offset),
                p.acked,
                p.consumed,
                p.order
            );
        }
        for f in &self.failovers {
            let _ = writeln!(s, "failover: {f}");
        }
        if !self.offline_partitions.is_empty() {
            let _ = writeln!(s, "offline at the end: {}", self.offline_partitions.join(", "));
        }
        if self.unclean_elections > 0 {
            let _ = writeln!(s, "unclean leader elections: {}", self.unclean_elections);
        }
        if !self.produce_errors.is_empty() {
            let errors: Vec<String> = self.produce_errors.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(s, "produce errors (every attempt): {}", errors.join(" "));
        }
        if let Some(line) = &self.liveness {
            let _ = writeln!(s, "{line}");
        }
        for g in &self.groups {
            g.write(&mut s);
        }
        super::orders::write(&self.orders, &self.gateways, &mut s);
        for c in &self.invariants {
            let _ = writeln!(s, "invariant {}: {} ({})", c.name, if c.passed { "holds" } else { "VIOLATED" }, c.detail);
        }
        for c in &self.expectations {
            let _ = writeln!(s, "{}: {} ({})", c.name, if c.passed { "ok" } else { "FAILED" }, c.detail);
        }
        let _ = writeln!(s, "result: {}", if self.passed { "PASS" } else { "FAIL" });
        s
    }
}

/// `5.661s`.
fn fmt_secs(d: crate::types::SimDuration) -> String {
    format!("{}.{:03}s", d.0 / 1_000_000, (d.0 / 1000) % 1000)
}
