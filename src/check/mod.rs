//! Checkers: judging a run from its trace.
//!
//! Like Jepsen's checkers or TigerBeetle's VOPR, a checker never trusts the system's own
//! account: it reads the trace (what producers were told, what brokers appended, what
//! consumers received) and says whether Kafka's promises held.
//! - [`lost`]: no acknowledged record is lost;
//! - [`order`]: order holds within each partition (for producers and for consumers);
//! - [`duplicates`]: how many records a consumer received twice;
//! - [`groups`]: consumer groups — exclusivity, unseen records, duplicates by cause;
//! - [`orders`]: order latency and notifications, for the applications around Kafka;
//! - [`liveness`]: every record answered within `delivery.timeout.ms`, no produce stall
//!   longer than a failover, and partitions and groups back within a bound after the last fault;
//! - [`expect`]: the scenario's own `[expect]` table.
//!
//! The invariant checkers always run and are reported; whether a violation fails the run is
//! the scenario's call (`[expect] lost_acked = 0`), because some scenarios exist precisely to
//! show a loss.

pub mod analysis;
pub mod duplicates;
pub mod expect;
pub mod groups;
pub mod liveness;
pub mod lost;
pub mod order;
pub mod orders;

use crate::scenario::model::Expectations;
use crate::trace::Trace;
use analysis::Analysis;
use serde::Serialize;

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    /// `acked-not-lost`, `expect.consumed_min`, ...
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// What was found.
    pub detail: String,
}

/// Everything the checkers concluded about one run.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The facts read from the trace.
    pub analysis: Analysis,
    /// Kafka's promises, checked (informational unless an expectation refers to them).
    pub invariants: Vec<CheckResult>,
    /// The scenario's expectations.
    pub expectations: Vec<CheckResult>,
    /// Per consumer group.
    pub groups: std::collections::BTreeMap<crate::types::GroupId, groups::GroupFacts>,
    /// Orders and notifications (empty without order services or gateways).
    pub orders: orders::Orders,
    /// Liveness facts (None when judged without the scenario's configs: [`judge`]).
    pub liveness: Option<liveness::Liveness>,
}

impl Verdict {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|c| c.passed)
    }
}

/// Run every checker over a trace.
pub fn judge(trace: &Trace, expect: &Expectations) -> Verdict {
    let analysis = Analysis::of(trace);
    let lost = lost::lost_acked(&analysis);
    let order = order::order_violations(&analysis);
    let dups = duplicates::duplicate_deliveries(&analysis);
    let first = |v: &[String]| v.first().cloned().unwrap_or_default();
    let invariants = vec![
        CheckResult {
            name: "acked-not-lost".into(),
            passed: lost.is_empty(),
            detail: format!(
                "{} of {} acknowledged records lost{}",
                lost.len(),
                analysis.acked.len(),
                first(
                    &lost
                        .iter()
                        .take(1)
                        .map(|r| format!(", e.g. {} at {}-{}", r.id, r.tp, r.offset))
                        .collect::<Vec<_>>()
                )
            ),
        },
        CheckResult {
            name: "partition-order".into(),
            passed: order.is_empty(),
            detail: format!(
                "{} violations{}",
                order.len(),
                first(&order.iter().take(1).map(|v| format!(", e.g. {}: {}", v.tp, v.detail)).collect::<Vec<_>>())
            ),
        },
        {
            let spread = order::key_spread_violations(&analysis);
            CheckResult {
                name: "same-key-same-partition".into(),
                passed: spread.is_empty(),
                detail: match spread.first() {
                    None => format!("{} keys, each in one partition", analysis.key_partitions.len()),
                    Some(v) => format!("{} keys spread, e.g. {v}", spread.len()),
                },
            }
        },
        {
            let div = lost::divergent_offsets(&analysis);
            CheckResult {
                name: "replicas-agree".into(),
                passed: div.is_empty(),
                detail: match div.first() {
                    None => "every follower matches its leader below the high watermark".into(),
                    Some((tp, node, o)) => format!(
                        "{} divergent offsets, e.g. {node} differs from the leader at {tp} offset {o}",
                        div.len()
                    ),
                },
            }
        },
        CheckResult {
            name: "no-duplicates".into(),
            passed: dups == 0,
            detail: format!("{dups} records delivered more than once to a consumer"),
        },
    ];
    let groups = groups::analyse(trace);
    let mut invariants = invariants;
    if !groups.is_empty() {
        invariants.extend(group_invariants(&groups));
    }
    let mut expectations = expect::expectations(&analysis, &groups, expect);
    let orders = orders::Orders::of(trace);
    expectations.extend(orders::expectations(&orders, expect));
    Verdict { analysis, invariants, expectations, groups, orders, liveness: None }
}

/// Run every checker over a trace of scenario `s`, the liveness checkers too: their bounds
/// come from the scenario's configured timeouts, which the trace does not carry.
pub fn judge_scenario(trace: &Trace, s: &crate::scenario::Scenario) -> Verdict {
    let mut verdict = judge(trace, &s.expect);
    let live = liveness::check(trace, s);
    verdict.expectations.extend(expect::liveness_expectations(&live, &s.expect));
    verdict.liveness = Some(live);
    verdict
}

/// The consumer-group invariants, over every group.
fn group_invariants(
    groups: &std::collections::BTreeMap<crate::types::GroupId, groups::GroupFacts>,
) -> Vec<CheckResult> {
    let violations: Vec<&String> = groups.values().flat_map(|g| &g.exclusivity_violations).collect();
    let overlaps: u64 = groups.values().map(|g| g.overlaps).sum();
    let unseen: u64 = groups.values().map(|g| g.unseen).sum();
    vec![
        CheckResult {
            name: "group-exclusivity".into(),
            passed: violations.is_empty(),
            detail: match violations.first() {
                None => format!(
                    "no partition owned twice in one generation ({overlaps} zombie overlaps across generations)"
                ),
                Some(v) => format!("{} violations, e.g. {v}", violations.len()),
            },
        },
        CheckResult {
            name: "no-unseen-records".into(),
            passed: unseen == 0,
            detail: format!("{unseen} records in the log never processed by a group that was reading them"),
        },
    ]
}
