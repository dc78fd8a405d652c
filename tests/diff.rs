//! `kafkasim run NAME --diff key=v1,v2`: the same seed under several settings, compared side by
//! side. The table is pinned by a snapshot; bad keys and values are clear errors (exit 2).

use assert_cmd::Command;
use std::path::Path;

fn kafkasim() -> Command {
    let mut c = Command::cargo_bin("kafkasim").expect("the binary is built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn out_dir(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kafkasim-diff-test-{name}-{}", std::process::id()));
    dir.display().to_string()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// acks=1 loses acknowledged records on acks1-loss; acks=all does not (and so fails that
/// scenario's expectation). Both columns, the `*` marks and the files are pinned down.
#[test]
fn diff_acks_on_acks1_loss_prints_a_side_by_side_table_and_shared_plots() {
    let out_path = out_dir("acks");
    let out = kafkasim()
        .args(["run", "acks1-loss", "--seed", "42", "--diff", "acks=1,all", "--out", &out_path])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout).replace(&out_path, "<out>");
    assert_eq!(text.lines().next(), Some("seed=42"));
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("diff-acks1-loss-acks", text);
    });
    let out_path = Path::new(&out_path);
    for variant in ["acks=1", "acks=all"] {
        for file in ["scenario.toml", "trace.log", "summary.json", "summary.txt", "throughput.csv"] {
            assert!(out_path.join(variant).join(file).is_file(), "{variant}/{file} not written");
        }
    }
    for file in ["diff-throughput.png", "diff-throughput.svg", "diff-throughput.csv"] {
        assert!(out_path.join(file).is_file(), "{file} not written");
    }
    let csv = std::fs::read_to_string(out_path.join("diff-throughput.csv")).expect("csv");
    assert!(csv.contains(",acks=1,produced,") && csv.contains(",acks=all,consumed,"), "one series per variant");
    let _ = std::fs::remove_dir_all(out_path);
}

fn assert_bad_input(args: &[&str], must_mention: &[&str]) {
    let out = kafkasim().args(args).output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit 2 expected for {args:?}; stderr:\n{err}");
    assert!(!err.contains("panicked"), "a panic for {args:?}:\n{err}");
    for m in must_mention {
        assert!(err.contains(m), "{args:?}: stderr should mention `{m}`:\n{err}");
    }
    assert!(out.stdout.is_empty(), "nothing runs before the input is checked");
}

#[test]
fn diff_with_a_bad_key_or_value_is_a_clear_error() {
    let out = out_dir("bad");
    let run = |diff: &str| ["run", "acks1-loss", "--no-plots", "--out", &out, "--diff", diff].map(str::to_string);
    let args = run("acks.typo=1,2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_bad_input(&args, &["`acks.typo`", "broker, topic, producer and consumer", "`acks`"]);
    let args = run("acks=1,2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_bad_input(&args, &["acks=2", "must be one of"]);
    let args = run("acks");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_bad_input(&args, &["--diff", "KEY=VALUE"]);
    let args = run("linger.ms=5,soon");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_bad_input(&args, &["linger.ms=soon", "whole number"]);
}
