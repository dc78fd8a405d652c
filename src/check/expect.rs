//! Judging a run against its scenario's `[expect]` table.

use super::analysis::Analysis;
use super::groups::GroupFacts;
use super::{duplicates, lost, order, CheckResult};
use crate::scenario::model::Expectations;
use crate::types::GroupId;
use std::collections::BTreeMap;

fn exact(name: &str, want: Option<u64>, got: u64) -> Option<CheckResult> {
    want.map(|w| CheckResult { name: name.to_string(), passed: got == w, detail: format!("expected {w}, got {got}") })
}

fn at_least(name: &str, want: Option<u64>, got: u64) -> Option<CheckResult> {
    want.map(|w| CheckResult {
        name: name.to_string(),
        passed: got >= w,
        detail: format!("expected at least {w}, got {got}"),
    })
}

/// One result per expectation the scenario declares.
pub fn expectations(a: &Analysis, groups: &BTreeMap<GroupId, GroupFacts>, e: &Expectations) -> Vec<CheckResult> {
    let sum = |f: &dyn Fn(&GroupFacts) -> u64| groups.values().map(f).sum::<u64>();
    let idle: u64 = groups
        .values()
        .filter_map(|g| g.generations.last())
        .map(|gen| gen.assignment.iter().filter(|(_, tps)| tps.is_empty()).count() as u64)
        .sum();
    let failures = |name: &str| a.send_failures.iter().filter(|(_, e)| e == name).count() as u64;
    let mut out: Vec<CheckResult> = [
        exact("expect.group_duplicates", e.group_duplicates, sum(&|g| g.duplicate_total())),
        at_least("expect.group_duplicates_min", e.group_duplicates_min, sum(&|g| g.duplicate_total())),
        exact("expect.unseen", e.unseen, sum(&|g| g.unseen)),
        at_least("expect.unseen_min", e.unseen_min, sum(&|g| g.unseen)),
        at_least("expect.generations_min", e.generations_min, sum(&|g| g.generations.len() as u64)),
        at_least("expect.commit_failures_min", e.commit_failures_min, sum(&|g| g.commit_failures.values().sum())),
        exact(
            "expect.exclusivity_violations",
            e.exclusivity_violations,
            sum(&|g| g.exclusivity_violations.len() as u64),
        ),
        at_least("expect.buffer_exhausted_min", e.buffer_exhausted_min, failures("BufferExhausted")),
        at_least("expect.idle_members_min", e.idle_members_min, idle),
        at_least("expect.zombie_overlaps_min", e.zombie_overlaps_min, sum(&|g| g.overlaps)),
        exact("expect.lost_acked", e.lost_acked, lost::lost_acked(a).len() as u64),
        exact("expect.order_violations", e.order_violations, order::order_violations(a).len() as u64),
        exact("expect.duplicates", e.duplicates, duplicates::duplicate_deliveries(a)),
        at_least("expect.acked_min", e.acked_min, a.acked.len() as u64),
        at_least("expect.consumed_min", e.consumed_min, a.consumed()),
        exact("expect.send_failures", e.send_failures, a.send_failures.len() as u64),
        at_least("expect.out_of_range_resets_min", e.out_of_range_resets_min, a.out_of_range_resets),
        at_least(
            "expect.cross_partition_inversions_min",
            e.cross_partition_inversions_min,
            order::cross_partition_inversions(a),
        ),
        at_least("expect.lost_acked_min", e.lost_acked_min, lost::lost_acked(a).len() as u64),
        exact("expect.divergent_offsets", e.divergent_offsets, lost::divergent_offsets(a).len() as u64),
        at_least("expect.divergent_offsets_min", e.divergent_offsets_min, lost::divergent_offsets(a).len() as u64),
        at_least("expect.offline_partitions_min", e.offline_partitions_min, a.offline.len() as u64),
        exact("expect.offline_partitions", e.offline_partitions, a.offline.len() as u64),
        at_least("expect.unclean_elections_min", e.unclean_elections_min, a.unclean_elections()),
        at_least(
            "expect.not_enough_replicas_min",
            e.not_enough_replicas_min,
            a.produce_errors.get("NotEnoughReplicas").copied().unwrap_or(0),
        ),
        at_least("expect.failovers_min", e.failovers_min, a.failovers().len() as u64),
        at_least("expect.segments_deleted_min", e.segments_deleted_min, a.segments_deleted),
        at_least("expect.segments_rolled_min", e.segments_rolled_min, a.segments_rolled),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(want) = &e.admin_errors {
        out.push(CheckResult {
            name: "expect.admin_errors".to_string(),
            passed: *want == a.admin_errors,
            detail: format!("expected {want:?}, got {:?}", a.admin_errors),
        });
    }
    if let Some(r) = &e.throughput_ratio {
        let num = a.consumed_by_topic.get(&r.numerator).copied().unwrap_or(0) as f64;
        let den = a.consumed_by_topic.get(&r.denominator).copied().unwrap_or(0) as f64;
        let ratio = if den > 0.0 { num / den } else { 0.0 };
        out.push(CheckResult {
            name: "expect.throughput_ratio".to_string(),
            passed: ratio >= r.min,
            detail: format!(
                "{} / {} consumed = {num} / {den} = {ratio:.2}, expected at least {}",
                r.numerator, r.denominator, r.min
            ),
        });
    }
    out
}

/// The liveness expectations (`unresolved_records`, `produce_stalls`, `unrecovered_partitions`,
/// `unsettled_groups`), each with its first example in the detail.
pub fn liveness_expectations(l: &super::liveness::Liveness, e: &Expectations) -> Vec<CheckResult> {
    let first = |v: Option<String>| v.map(|x| format!(", e.g. {x}")).unwrap_or_default();
    let unresolved = l.unresolved.first().map(|u| match u.resolved {
        Some(at) => format!(
            "{} on {} sent at {:.1} s, answered only at {:.1} s (deadline {:.1} s)",
            u.id,
            u.tp,
            u.sent.as_secs_f64(),
            at.as_secs_f64(),
            u.deadline.as_secs_f64()
        ),
        None => format!(
            "{} on {} sent at {:.1} s, never answered (deadline {:.1} s)",
            u.id,
            u.tp,
            u.sent.as_secs_f64(),
            u.deadline.as_secs_f64()
        ),
    });
    let judged = if l.recovery_judged { "" } else { " (the run ended before the bound: judged on what it saw)" };
    let with = |name: &str, want: Option<u64>, got: usize, example: Option<String>, note: &str| {
        want.map(|w| CheckResult {
            name: name.to_string(),
            passed: got as u64 == w,
            detail: format!("expected {w}, got {got}{}{note}", first(example)),
        })
    };
    [
        with("expect.unresolved_records", e.unresolved_records, l.unresolved.len(), unresolved, ""),
        with("expect.produce_stalls", e.produce_stalls, l.stalls.len(), l.stalls.first().map(|s| s.to_string()), ""),
        with(
            "expect.unrecovered_partitions",
            e.unrecovered_partitions,
            l.unrecovered.len(),
            l.unrecovered.first().cloned(),
            judged,
        ),
        with(
            "expect.unsettled_groups",
            e.unsettled_groups,
            l.unsettled_groups.len(),
            l.unsettled_groups.first().cloned(),
            judged,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}
