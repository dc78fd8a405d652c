//! `report::explain` on real runs: each narrative names the facts of its trace (the crashed
//! leader, the truncation, the lost offsets, the unclean election, the replayed records), and a
//! run where nothing failed says so plainly.

use kafkasim::check::{self, lost, Verdict};
use kafkasim::cli::run::execute;
use kafkasim::report::explain::explain;
use kafkasim::scenario::{self, Scenario};
use kafkasim::trace::{Event, Trace};
use std::path::PathBuf;

/// Run a shipped scenario on its own seed; return it, its trace, verdict and explanation.
fn explained(name: &str) -> (Scenario, Trace, Verdict, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = execute(&s, s.seed).unwrap_or_else(|e| panic!("{name}: {e}"));
    let verdict = check::judge(&outcome.trace, &s.expect);
    let text = explain(&s, &outcome.trace, &verdict);
    (s, outcome.trace, verdict, text)
}

#[test]
fn acks1_loss_names_the_crashed_leader_the_truncation_and_the_lost_offsets() {
    let (_, trace, verdict, text) = explained("acks1-loss");
    let lost = lost::lost_acked(&verdict.analysis);
    let first = lost.first().expect("acks1-loss loses acknowledged records");
    assert!(text.contains("-- invariant acked-not-lost VIOLATED"), "{text}");
    assert!(text.contains(&format!("The first, {} at {}-{}", first.id, first.tp, first.offset)), "{text}");
    // The leader that appended it is the broker the scenario crashed.
    let crashed = trace.entries().iter().find_map(|e| e.event.crashed_node()).expect("a crash");
    assert!(text.contains(&format!("{crashed} appends it at offset {}", first.offset)), "{text}");
    assert!(text.contains(&format!("fault: crash {crashed}")), "{text}");
    assert!(text.contains("acks=1"), "{text}");
    // The truncation that dropped it, as the trace recorded it.
    let (node, from, to) = trace
        .entries()
        .iter()
        .find_map(|e| match &e.event {
            Event::Truncated { tp, from, to, .. } if *tp == first.tp && *to <= first.offset && first.offset < *from => {
                Some((e.node.clone(), *from, *to))
            }
            _ => None,
        })
        .expect("a truncation covers the lost offset");
    assert!(text.contains(&format!("{node} truncates {} from log end offset {from} to {to}", first.tp)), "{text}");
    // The election that followed, and what took the offset.
    let (_, _, leader, _) = verdict.analysis.elections.first().expect("a failover");
    assert!(text.contains(&format!("elects broker-{leader} leader of {}", first.tp)), "{text}");
    let now = verdict.analysis.leader_log(&first.tp).and_then(|l| l.at(first.offset)).expect("the offset was reused");
    assert!(text.contains(&format!("offset {} now holds {now}", first.offset)), "{text}");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("explain-acks1-loss", text);
    });
}

#[test]
fn unclean_election_is_named_and_the_stale_leader_never_had_the_record() {
    let (_, _, verdict, text) = explained("unclean-election");
    let (_, tp, leader, _) =
        verdict.analysis.elections.iter().find(|e| e.3.contains("UNCLEAN")).expect("an unclean election");
    assert!(text.contains("an UNCLEAN election"), "{text}");
    assert!(text.contains(&format!("elects broker-{leader} leader of {tp}")), "{text}");
    assert!(text.contains(&format!("broker-{leader} never had")), "{text}");
    assert!(text.contains("-- invariant replicas-agree VIOLATED"), "{text}");
}

#[test]
fn hw_truncation_tells_the_high_watermark_truncation_and_kip101_holds() {
    let (_, _, verdict, text) = explained("hw-truncation");
    let (_, node, tp, from, to, _) = verdict.analysis.truncations.first().expect("a truncation");
    assert!(text.contains(&format!("{node} truncates {tp} from log end offset {from} to {to}")), "{text}");
    assert!(text.contains("high watermark"), "{text}");
    assert!(text.contains("-- invariant replicas-agree VIOLATED"), "{text}");
    let (_, _, _, fixed) = explained("hw-truncation-kip101");
    assert!(fixed.contains("every check held"), "{fixed}");
}

#[test]
fn consumer_crash_recovery_explains_the_replay_by_its_cause() {
    let (_, _, verdict, text) = explained("consumer-crash-recovery");
    let (group, facts) = verdict.groups.iter().next().expect("a group");
    assert!(text.contains("every check held"), "{text}");
    assert!(text.contains(&format!("group {group} processed {} records twice", facts.duplicate_total())), "{text}");
    assert!(text.contains("fault: crash consumer-c1"), "{text}");
    assert!(text.contains("session timeout"), "{text}");
    assert!(text.contains("processes") && text.contains("again"), "{text}");
}

#[test]
fn quickstart_says_every_check_held() {
    let (_, _, _, text) = explained("quickstart");
    assert_eq!(
        text,
        "== explain: quickstart ==\nevery check held: no invariant was violated and every [expect] entry was met.\n"
    );
}
