//! The classroom exercises (`kafkasim exercise`): every reference solution passes, every
//! starter fails with a seed, a replay command and the file to edit, a failure replays to the
//! same verdict, and bad answer files are errors with a file, line and column.

use std::process::{Command, Output};

const CODE_EXERCISES: [&str; 7] =
    ["partitioner", "range-assignor", "roundrobin-assignor", "high-watermark", "isr", "election", "truncation"];
const FILE_EXERCISES: [&str; 2] = ["predict-acks", "break-it"];

fn kafkasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the kafkasim binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn all_exercises() -> Vec<&'static str> {
    CODE_EXERCISES.iter().chain(FILE_EXERCISES.iter()).copied().collect()
}

fn assert_reference_passes(name: &str) {
    let o = kafkasim(&["exercise", name, "--reference"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{name} --reference: {out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with(&format!("PASS {name} (")), "{out}");
}

/// The starter fails helpfully; returns the replay command it printed.
fn assert_starter_fails(name: &str) -> String {
    let o = kafkasim(&["exercise", name]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {out}{}", String::from_utf8_lossy(&o.stderr));
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("FAIL {name}: seed ")), "{out}");
    assert!(first.contains("expected") || first.contains("predicted") || first.contains("lost"), "{out}");
    let replay = out.lines().find_map(|l| l.strip_prefix("replay: kafkasim ")).expect("a replay line");
    assert!(out.lines().any(|l| l.starts_with("hint: ")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("edit: ")), "{out}");
    replay.to_string()
}

#[test]
fn every_code_reference_passes_and_every_starter_fails_and_replays() {
    for name in CODE_EXERCISES {
        assert_reference_passes(name);
        let replay = assert_starter_fails(name);
        let first = stdout(&kafkasim(&["exercise", name])).lines().next().unwrap_or_default().to_string();
        let args: Vec<&str> = replay.split(' ').collect();
        assert_eq!(args[..2], ["exercise", name], "{replay}");
        let again = kafkasim(&args);
        assert_eq!(again.status.code(), Some(1));
        assert_eq!(stdout(&again).lines().next(), Some(first.as_str()), "the replay gives the same verdict");
    }
}

/// The cluster stage: the reference passes it, and each starter's rule, run by a whole cluster,
/// breaks that cluster's promise (election: acknowledged records lost; high watermark: acks=all
/// stalls), leaves the run's outputs to read, and replays to the same verdict.
#[test]
fn the_cluster_stage_runs_a_cluster_on_the_rule() {
    for (name, broken) in [("election", "lost_acked=400"), ("high-watermark", "expect.acked_min")] {
        let reference = stdout(&kafkasim(&["exercise", name, "--reference"]));
        assert!(reference.contains("a cluster ran on it: cluster-"), "{reference}");
        let o = kafkasim(&["exercise", name, "--cluster"]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        let first = out.lines().next().unwrap_or_default().to_string();
        assert!(first.contains("a cluster running your rule fails cluster-") && first.contains(broken), "{out}");
        let kept = first.rsplit("plots are in ").next().expect("an output folder");
        let trace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(kept).join("trace.log");
        assert!(trace.is_file(), "{} missing", trace.display());
        let replay = out.lines().find_map(|l| l.strip_prefix("replay: kafkasim ")).expect("a replay line");
        assert!(replay.contains(" --cluster --scenario cluster-") && replay.ends_with(" --seed 1"), "{replay}");
        let again = kafkasim(&replay.split(' ').collect::<Vec<_>>());
        assert_eq!(stdout(&again).lines().next(), Some(first.as_str()), "the replay gives the same verdict");
    }
}

#[test]
fn predict_acks_reference_passes_and_starter_fails() {
    assert_reference_passes("predict-acks");
    let replay = assert_starter_fails("predict-acks");
    assert_eq!(replay, "run acks1-loss --seed 42 --diff acks=1,all");
}

#[test]
fn break_it_reference_passes_and_starter_fails() {
    assert_reference_passes("break-it");
    let replay = assert_starter_fails("break-it");
    assert!(replay.starts_with("run ") && replay.ends_with("break-it.toml --seed 42"), "{replay}");
}

#[test]
fn break_it_refuses_a_changed_config() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let reference =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/exercises/break-it.reference.toml"))
            .expect("the reference file");
    let safe = reference.replace(r#""acks" = "1""#, r#""acks" = "all""#);
    assert_ne!(safe, reference);
    let path = dir.path().join("break-it.toml");
    std::fs::write(&path, safe).expect("write");
    let o = kafkasim(&["exercise", "break-it", "--file", path.to_str().expect("utf-8 path")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("changes `producers`: only [[actions]] (and the description) may change"), "{err}");
    assert!(!err.contains("reference"), "the refusal must not point at the answer: {err}");
}

#[test]
fn break_it_names_a_typo_once_with_line_and_column() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let reference =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/exercises/break-it.reference.toml"))
            .expect("the reference file");
    let typo = reference.replacen(r#"do = "crash""#, r#"do = "crsh""#, 1);
    assert_ne!(typo, reference);
    let path = dir.path().join("break-it.toml");
    std::fs::write(&path, typo).expect("write");
    let o = kafkasim(&["exercise", "break-it", "--file", path.to_str().expect("utf-8 path")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.matches(&format!("{}:", path.display())).count(), 1, "the location once: {err}");
}

#[test]
fn a_bad_answer_file_is_an_error_with_line_and_column() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("answers.toml");
    std::fs::write(&path, "[acks_1]\nlost_acked = maybe\n").expect("write");
    let o = kafkasim(&["exercise", "predict-acks", "--file", path.to_str().expect("utf-8 path")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}:2:14:", path.display())), "{err}");
}

#[test]
fn list_names_every_exercise_and_unknown_names_are_errors() {
    let out = stdout(&kafkasim(&["exercise", "list"]));
    for name in all_exercises() {
        assert!(out.lines().any(|l| l.starts_with(&format!("{name} "))), "{name} missing from: {out}");
    }
    assert!(all_exercises().len() >= 8);
    let o = kafkasim(&["exercise", "no-such-exercise"]);
    assert_eq!(o.status.code(), Some(2));
}
