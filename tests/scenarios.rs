//! Every shipped scenario: it meets its expectations on its default seed, its summary and the
//! start of its trace match the snapshot, and two runs with one seed are byte-identical.

use kafkasim::cli::run::execute;
use kafkasim::scenario;
use std::path::PathBuf;

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = scenario::files_in(&dir).expect("scenarios/ is readable");
    assert!(files.len() >= 5, "expected the shipped scenarios, found {files:?}");
    files
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}

/// Each scenario passes, matches its snapshot, and a second run with the same seed gives the
/// byte-identical trace (one test, so that each scenario's first run serves both checks).
#[test]
fn every_scenario_passes_matches_its_snapshot_and_replays_identically() {
    for path in scenario_files() {
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = execute(&s, s.seed).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let again = kafkasim::sim::run(&s, s.seed).expect("runs");
        assert_eq!(outcome.trace.hash(), again.hash(), "{}: same seed, different hash", s.name);
        assert!(outcome.trace.to_text() == again.to_text(), "{}: same seed, different trace text", s.name);
        assert!(outcome.summary.passed, "{} failed its expectations:\n{}", s.name, outcome.summary.to_text());
        let text = format!(
            "{}trace_hash={}\n\n-- console (first 40 lines) --\n{}\n\n-- trace (first 40 lines) --\n{}\n",
            outcome.summary.to_text(),
            outcome.summary.trace_hash,
            first_lines(&outcome.console, 40),
            first_lines(&outcome.trace.to_text(), 40),
        );
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("scenario-{}", s.name), text);
        });
    }
}

#[test]
fn another_seed_gives_another_run_where_latency_jitters() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let s = scenario::load(&path).expect("valid scenario");
    let a = kafkasim::sim::run(&s, 1).expect("runs");
    let b = kafkasim::sim::run(&s, 2).expect("runs");
    assert_ne!(a.hash(), b.hash(), "quickstart has latency jitter: seeds must matter");
}

/// The failure scenarios promise their outcome on every seed, not by luck: check a spread of
/// seeds beyond each file's default.
#[test]
fn failure_scenarios_meet_their_expectations_on_many_seeds() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let names = [
        "leader-crash",
        "acks1-loss",
        "isr-shrink",
        "isr-shrink-safe",
        "unclean-election",
        "hw-truncation",
        "hw-truncation-kip101",
        "power-loss",
        "power-loss-fsync",
        "gc-pause",
        "controller-failover",
        "isr-trigger",
    ];
    for name in names {
        let s = scenario::load(&dir.join(format!("{name}.toml"))).expect("valid scenario");
        for seed in [2, 3, 5, 8, 13] {
            let outcome = execute(&s, seed).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            assert!(outcome.summary.passed, "{name} failed on seed {seed}:\n{}", outcome.summary.to_text());
        }
    }
}

/// Each consumer-group scenario meets its expectation on 20 seeds (issue #4). One test per
/// scenario, so that the test harness spreads them over the machine's cores.
fn group_scenario_holds_on_20_seeds(name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let s = scenario::load(&dir.join(format!("{name}.toml"))).expect("valid scenario");
    for seed in 101..121 {
        let outcome = execute(&s, seed).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
        assert!(outcome.summary.passed, "{name} failed on seed {seed}:\n{}", outcome.summary.to_text());
    }
}

#[test]
fn rebalance_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("rebalance");
}

#[test]
fn rebalance_cooperative_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("rebalance-cooperative");
}

#[test]
fn p2p_vs_pubsub_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("p2p-vs-pubsub");
}

#[test]
fn consumer_crash_recovery_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("consumer-crash-recovery");
}

#[test]
fn commit_semantics_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("commit-semantics");
}

#[test]
fn slow_consumer_eviction_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("slow-consumer-eviction");
}

#[test]
fn more_consumers_than_partitions_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("more-consumers-than-partitions");
}

#[test]
fn scale_out_consumers_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("scale-out-consumers");
}

#[test]
fn peak_burst_holds_on_20_seeds() {
    group_scenario_holds_on_20_seeds("peak-burst");
    group_scenario_holds_on_20_seeds("peak-burst-small-buffer");
}

/// The replication scenarios of issue #12 meet their expectations on 20 seeds: the zombie
/// leader with `acks=all` (nothing acknowledged lost) and with `acks=1` (its lone
/// acknowledgements truncated), and retries without idempotence (duplicates). One test per
/// scenario, as for the group scenarios.
fn replication_scenario_holds_on_20_seeds(name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let s = scenario::load(&dir.join(format!("{name}.toml"))).expect("valid scenario");
    for seed in 101..121 {
        let outcome = execute(&s, seed).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
        assert!(outcome.summary.passed, "{name} failed on seed {seed}:\n{}", outcome.summary.to_text());
    }
}

#[test]
fn zombie_leader_holds_on_20_seeds() {
    replication_scenario_holds_on_20_seeds("zombie-leader");
}

#[test]
fn zombie_leader_acks1_holds_on_20_seeds() {
    replication_scenario_holds_on_20_seeds("zombie-leader-acks1");
}

#[test]
fn duplicate_retries_holds_on_20_seeds() {
    replication_scenario_holds_on_20_seeds("duplicate-retries");
}

/// The other half of `duplicate-retries`: the same faults with `enable.idempotence=true` (what
/// `--diff enable.idempotence=false,true` shows) leave no duplicate and no reordering on any of
/// the 20 seeds, and lose nothing: the leader recognises each retry by its producer id and
/// sequence number (Kafka's `ProducerStateEntry.findDuplicateBatch`).
#[test]
fn duplicate_retries_with_idempotence_has_no_duplicates_on_20_seeds() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/duplicate-retries.toml");
    let text = std::fs::read_to_string(&path).expect("readable scenario");
    let v = scenario::overrides::variant(&text, &path, "duplicate-retries", "enable.idempotence", "true")
        .unwrap_or_else(|e| panic!("{e}"));
    for seed in 101..121 {
        let outcome = execute(&v.scenario, seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let s = &outcome.summary;
        assert_eq!(
            (s.duplicates, s.order_violations, s.lost_acked, s.send_failures),
            (0, 0, 0, 0),
            "idempotent duplicate-retries, seed {seed}:\n{}",
            s.to_text()
        );
        assert!(s.produce_errors.get("RequestTimedOut").is_some_and(|n| *n > 0), "seed {seed}: no retry happened");
    }
}
