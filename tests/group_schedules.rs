//! Property: whatever members join, leave and crash, and whatever assignor the group uses, no
//! partition is owned by two members of one generation, and no record in the log is skipped.
//!
//! Each case writes a small scenario file (one broker, six partitions, two to five consumers
//! with random start, `close()` and crash times), runs the whole simulation and reads the
//! group invariants from its verdict. Whole runs are costly, so the case count is small; the
//! seeds and schedules still differ on every case, and a failure prints the scenario text.

use kafkasim::cli::run::execute;
use kafkasim::scenario;
use proptest::prelude::*;
use std::path::Path;

/// One consumer's life: when it starts, and whether it closes or crashes (and when).
#[derive(Clone, Debug)]
struct Life {
    start_s: u32,
    end: Option<(bool, u32)>,
}

fn life() -> impl Strategy<Value = Life> {
    (0u32..20, proptest::option::of((any::<bool>(), 2u32..20)))
        .prop_map(|(start_s, end)| Life { start_s, end: end.map(|(crash, after)| (crash, start_s + after)) })
}

fn scenario_text(lives: &[Life], strategy: &str) -> String {
    let mut s = String::from(
        r#"name = "schedule"
description = "a random membership schedule"
duration = "45s"
[cluster]
brokers = 1
[broker]
"offsets.topic.replication.factor" = 1
"offsets.topic.num.partitions" = 3
[[topics]]
name = "t"
partitions = 6
replication_factor = 1
[[producers]]
name = "p"
topic = "t"
rate_per_s = 100
keys = "k-{0..60}"
"#,
    );
    let mut actions = String::new();
    for (i, l) in lives.iter().enumerate() {
        s.push_str(&format!(
            "[[consumers]]\nname = \"c{i}\"\ngroup = \"g\"\ntopics = [\"t\"]\nstart = \"{}s\"\n",
            l.start_s
        ));
        match l.end {
            Some((false, at)) => s.push_str(&format!("stop = \"{at}s\"\n")),
            Some((true, at)) => {
                actions.push_str(&format!("[[actions]]\nat = \"{at}s\"\ndo = \"crash\"\nnode = \"consumer-c{i}\"\n"))
            }
            None => {}
        }
        s.push_str(&format!(
            "config = {{ \"auto.offset.reset\" = \"earliest\", \"partition.assignment.strategy\" = \"{strategy}\", \
             \"session.timeout.ms\" = 6000, \"heartbeat.interval.ms\" = 2000, \"sim.processing.ms.per.record\" = 2 }}\n"
        ));
    }
    s + &actions
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn membership_changes_never_break_exclusivity(
        lives in proptest::collection::vec(life(), 2..=5),
        strategy in prop_oneof![Just("range"), Just("roundrobin"), Just("sticky"), Just("cooperative-sticky")],
        seed in 1u64..1_000_000,
    ) {
        let text = scenario_text(&lives, strategy);
        let s = scenario::parse(&text, "schedule.toml", Path::new("schedule.toml")).expect("generated scenarios are valid");
        let outcome = execute(&s, seed).expect("the run completes");
        for name in ["group-exclusivity", "no-unseen-records", "acked-not-lost"] {
            let c = outcome.summary.invariants.iter().find(|c| c.name == name).expect("a group run checks its groups");
            prop_assert!(c.passed, "{name}: {} (seed {seed})\n{text}\n{}", c.detail, outcome.summary.to_text());
        }
    }
}
