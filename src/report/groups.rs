//! The consumer-group part of the summary: each group's generations and assignments, and
//! what its commit policy cost it (duplicates by cause, unseen records, refused commits).

use crate::check::groups::GroupFacts;
use crate::types::GroupId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One group's lines in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    /// `group.id`.
    pub group: String,
    /// `generation 2 at 00:13.004 after "c3-3 joined": c1-1=[orders-0,orders-1] ...`.
    pub generations: Vec<String>,
    /// Distinct records processed.
    pub processed: u64,
    /// Extra processings, by cause.
    pub duplicates: BTreeMap<String, u64>,
    /// Records in the log the group never processed.
    pub unseen: u64,
    /// Refused commits, by error.
    pub commit_failures: BTreeMap<String, u64>,
    /// Records processed while a member of another generation also owned the partition.
    pub zombie_overlaps: u64,
    /// Members the coordinator removed, and why.
    pub removals: Vec<String>,
    /// Last committed offsets: `orders-0=120`.
    pub committed: Vec<String>,
}

impl GroupSummary {
    /// Summarise one group.
    pub fn new(id: &GroupId, g: &GroupFacts) -> GroupSummary {
        let generations = g
            .generations
            .iter()
            .map(|gen| {
                let members: Vec<String> = gen
                    .assignment
                    .iter()
                    .map(|(m, tps)| {
                        let tps: Vec<String> = tps.iter().map(|t| t.to_string()).collect();
                        format!("{m}=[{}]", tps.join(","))
                    })
                    .collect();
                format!("generation {} at {} after \"{}\": {}", gen.generation, gen.at, gen.reason, members.join(" "))
            })
            .collect();
        GroupSummary {
            group: id.to_string(),
            generations,
            processed: g.processed,
            duplicates: g.duplicates.clone(),
            unseen: g.unseen,
            commit_failures: g.commit_failures.clone(),
            zombie_overlaps: g.overlaps,
            removals: g.removals.iter().map(|(t, m, why)| format!("{m} at {t}: {why}")).collect(),
            committed: g.committed.iter().map(|(tp, o)| format!("{tp}={o}")).collect(),
        }
    }

    /// The group's lines of `summary.txt`.
    pub fn write(&self, s: &mut String) {
        let dups: u64 = self.duplicates.values().sum();
        let failures: u64 = self.commit_failures.values().sum();
        let _ = writeln!(
            s,
            "group {}: processed={} generations={} duplicates={dups} unseen={} commit_failures={failures} zombie_overlaps={}",
            self.group,
            self.processed,
            self.generations.len(),
            self.unseen,
            self.zombie_overlaps
        );
        for g in &self.generations {
            let _ = writeln!(s, "  {g}");
        }
        for r in &self.removals {
            let _ = writeln!(s, "  removed {r}");
        }
        for (cause, n) in &self.duplicates {
            let _ = writeln!(s, "  {n} records processed again after \"{cause}\" (at-least-once: progress since the last commit is replayed)");
        }
        if self.unseen > 0 {
            let _ = writeln!(
                s,
                "  {} records never processed (at-most-once: offsets were committed before the records were processed)",
                self.unseen
            );
        }
        for (e, n) in &self.commit_failures {
            let _ = writeln!(s, "  {n} commits refused with {e}");
        }
        if !self.committed.is_empty() {
            let _ = writeln!(s, "  committed: {}", self.committed.join(" "));
        }
    }
}
