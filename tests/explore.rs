//! The failure-hunting workflow end to end, as a user types it: sweep a scenario with an
//! unsafe config until a seed fails, replay its repro to the same trace hash, explain it,
//! shrink it to a smaller scenario that still fails; a safe config survives its sweep; bad
//! repro files, seed ranges and `when` expressions are clear errors.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn kafkasim() -> Command {
    let mut c = Command::cargo_bin("kafkasim").expect("the binary is built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kafkasim-explore-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = kafkasim().args(args).output().expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// The number after `label` and `->` in a line like `fault actions: 6 -> 1`.
fn before_after(text: &str, label: &str) -> (u64, u64) {
    let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no `{label}` in:\n{text}"));
    let (a, b) = line[label.len()..].split_once("->").expect("an arrow");
    (a.trim().parse().expect("a number"), b.trim().parse().expect("a number"))
}

#[test]
fn sweep_finds_the_smallest_failing_seed_and_its_repro_replays_explains_and_shrinks() {
    let dir = temp("unsafe");
    let out = dir.to_str().unwrap();
    let (code, text, err) =
        run(&["sweep", "random-faults-acks1", "--seeds", "1..12", "--jobs", "2", "--first-failure", "--out", out]);
    assert_eq!(code, Some(1), "a failing seed exits 1:\n{text}\n{err}");
    assert!(text.contains("expect.lost_acked"), "{text}");
    // Seeds 1..8 pass and 9 loses acknowledged records: --first-failure stops at 9 on any machine.
    assert!(text.contains("1 of 9 seeds failed"), "{text}");
    let repro = Path::new(out).join("seed-9.repro.toml");
    assert!(text.contains(&format!("replay: kafkasim replay {}", repro.display())), "{text}");
    let recorded = std::fs::read_to_string(&repro).expect("repro written");
    let hash_line = recorded.lines().find(|l| l.starts_with("trace_hash")).expect("hash recorded").to_string();
    assert!(recorded.contains("crash broker-1"), "the drawn schedule is in the repro:\n{recorded}");

    let replay_out = dir.join("replay");
    let (code, text, _) =
        run(&["replay", repro.to_str().unwrap(), "--no-plots", "--out", replay_out.to_str().unwrap()]);
    assert_eq!(code, Some(1), "the failure replays:\n{text}");
    assert!(text.contains("reproduced: trace_hash="), "{text}");
    assert!(hash_line.contains(
        text.lines().last().unwrap().trim_start_matches("reproduced: trace_hash=").split(' ').next().unwrap()
    ));

    let (code, text, _) = run(&["explain", replay_out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("acked-not-lost VIOLATED"), "{text}");
    assert!(text.contains("crash broker-1") && text.contains("truncates orders-0"), "{text}");

    let minimal = dir.join("min.toml");
    let (code, text, err) = run(&["shrink", repro.to_str().unwrap(), "--out", minimal.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}\n{err}");
    let faults = before_after(&text, "fault actions:");
    let records = before_after(&text, "records sent:");
    assert!(faults.1 < faults.0 && faults.1 >= 1, "fewer faults: {faults:?}\n{text}");
    assert!(records.1 < records.0, "a smaller workload: {records:?}\n{text}");
    let (code, text, _) =
        run(&["run", minimal.to_str().unwrap(), "--no-plots", "--out", dir.join("min").to_str().unwrap()]);
    assert_eq!(code, Some(1), "the minimal scenario still fails:\n{text}");
    assert!(text.contains("FAILED: expect.lost_acked"), "the same check fails:\n{text}");
}

#[test]
fn a_safe_config_survives_the_same_nemesis() {
    let dir = temp("safe");
    let (code, text, err) =
        run(&["sweep", "random-faults-safe", "--seeds", "1..24", "--jobs", "2", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}\n{err}");
    assert!(text.contains("0 of 24 seeds failed"), "{text}");
    assert!(text.contains("seeds/min"), "{text}");
}

#[test]
fn bad_repro_files_seed_ranges_and_when_expressions_are_clear_errors() {
    let dir = temp("bad");
    let bad = dir.join("bad.repro.toml");
    std::fs::write(&bad, "seed = \"nine\"\n").unwrap();
    for cmd in ["replay", "shrink", "explain"] {
        let (code, _, err) = run(&[cmd, bad.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(err.contains("bad.repro.toml:1:8") && err.contains("not a kafkasim repro file"), "{cmd}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(&["replay", dir.join("missing.toml").to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&["sweep", "quickstart", "--seeds", "10..1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("first seed is above the last"), "{err}");

    let scenario = dir.join("when.toml");
    let text = "name = \"w\"\ndescription = \"d\"\nduration = \"1s\"\n[[topics]]\nname = \"orders\"\n[[actions]]\nwhen = \"isr(orders-0) = 1\"\ndo = \"crash\"\nnode = \"broker-1\"\n";
    std::fs::write(&scenario, text).unwrap();
    let (code, _, err) = run(&["run", scenario.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("when.toml:7:23") && err.contains("expected a comparison"), "{err}");
    let unknown_group = text.replace("isr(orders-0) = 1", "lag(nobody, orders-0) > 5");
    std::fs::write(&scenario, unknown_group).unwrap();
    let (code, _, err) = run(&["run", scenario.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("group `nobody`, which no consumer joins"), "{err}");
    let on_admin = "name = \"w\"\ndescription = \"d\"\nduration = \"1s\"\n[[actions]]\nwhen = \"leo(orders-0) > 1\"\ndo = \"list-topics\"\n";
    std::fs::write(&scenario, on_admin).unwrap();
    let (code, _, err) = run(&["run", scenario.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`when` triggers only fault actions"), "{err}");
    let meteor = "name = \"w\"\ndescription = \"d\"\nduration = \"1s\"\n[faults.random]\nkinds = [\"meteor\"]\n";
    std::fs::write(&scenario, meteor).unwrap();
    let (code, _, err) = run(&["run", scenario.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("when.toml:5:9") && err.contains("unknown fault kind `meteor`"), "{err}");
}
