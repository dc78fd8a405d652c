//! The fuzzer end to end: generated cases hold every property they expect, a deliberately
//! wrong property is reported with a scenario file that `kafkasim run FILE` replays, and
//! `kafkasim fuzz` refuses bad flags.

use assert_cmd::Command;
use kafkasim::explore::fuzz;
use kafkasim::explore::generate::GenOptions;
use std::path::PathBuf;

fn kafkasim() -> Command {
    let mut c = Command::cargo_bin("kafkasim").expect("the binary is built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kafkasim-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Short generated cases (low rates, at most two fault episodes) all hold their properties:
/// liveness for every config, safety for the safe ones.
#[test]
fn short_generated_cases_hold_every_property() {
    let opts = GenOptions { short: true, ..GenOptions::default() };
    let results = fuzz::fuzz(1, 12, 2, opts, |_| {});
    assert_eq!(results.len(), 12);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("case {}: {:?}\n{}", r.case.seed, r.failed, r.case.text))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    assert!(results.iter().any(|r| r.case.safe), "some case should be judged as safe");
}

/// Unsafe configs (acks=1, unclean election) judged by the safe-config properties: the
/// fuzzer reports a failure, and the file it writes fails the same way under `kafkasim run`.
#[test]
fn a_wrong_property_is_reported_with_a_replayable_file() {
    let opts = GenOptions { short: false, judge_all_as_safe: true, force_unsafe: true };
    let safety = ["expect.lost_acked", "expect.divergent_offsets", "expect.order_violations"];
    let is_safety = |f: &String| safety.iter().any(|k| f.starts_with(k));
    let found = (1..=30u64).map(|seed| fuzz::run_case(seed, opts)).find(|r| r.failed.iter().any(is_safety));
    let r = found.expect("some unsafe case out of 30 breaks a safety property");
    let dir = temp("broken");
    let path = fuzz::write_failure(&dir, &r).expect("writes");
    let out =
        kafkasim().args(["run", path.to_str().unwrap(), "--out", dir.join("run").to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let key = r.failed.iter().find(|f| is_safety(f)).unwrap().split(':').next().unwrap().to_string();
    assert!(text.contains(&format!("{key}: FAILED")), "replay should fail {key}:\n{text}");
}

#[test]
fn bad_flags_exit_2() {
    for args in [&["fuzz", "--cases", "0"][..], &["fuzz", "--cases", "x"], &["fuzz", "--jobs", "0"]] {
        let out = kafkasim().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_cli_prints_the_pass_count() {
    let dir = temp("cli");
    let out = kafkasim()
        .args(["fuzz", "--cases", "1", "--seed", "3", "--jobs", "1", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fuzz: 1 passed, 0 failed") || text.contains("fuzz: 0 passed, 1 failed"), "{text}");
    if out.status.code() == Some(1) {
        assert!(text.contains("replay: kafkasim run "), "{text}");
    }
}
