//! The command line as a new user types it: list, run by name and by path, exit codes, and
//! clear errors (never a panic) for bad input.

use assert_cmd::Command;
use std::path::Path;

fn kafkasim() -> Command {
    let mut c = Command::cargo_bin("kafkasim").expect("the binary is built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn out_dir(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kafkasim-cli-test-{name}-{}", std::process::id()));
    dir.display().to_string()
}

fn write_scenario(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kafkasim-cli-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario");
    path.display().to_string()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn list_shows_every_scenario_with_a_description() {
    let out = kafkasim().arg("list").output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    for name in ["quickstart", "console", "key-ordering", "segments-retention", "scale-out"] {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing from:\n{text}"));
        assert!(line.len() > name.len() + 10, "{name} has no description: {line}");
    }
}

#[test]
fn run_by_name_prints_seed_first_and_hash_last_and_writes_outputs() {
    let out_path = out_dir("quickstart");
    let out = kafkasim().args(["run", "quickstart", "--seed", "5", "--out", &out_path]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert_eq!(text.lines().next(), Some("seed=5"));
    let last = text.lines().last().expect("output");
    assert!(last.starts_with("trace_hash=") && last.len() == "trace_hash=".len() + 16, "{last}");
    assert!(text.contains("oldboy:0:5: key=None value=b'6'"), "the seed's consumer format:\n{text}");
    for file in ["trace.log", "summary.json", "throughput.png", "throughput.svg", "ordering.png", "ordering.svg"] {
        assert!(Path::new(&out_path).join(file).is_file(), "{file} not written");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&out_path).join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["acked"], 100);
    assert_eq!(json["consumed"], 100);
    let again =
        kafkasim().args(["run", "quickstart", "--seed", "5", "--no-plots", "--out", &out_path]).output().expect("runs");
    assert_eq!(stdout_of(&again).lines().last(), Some(last), "same seed, same hash");
}

#[test]
fn run_by_path_works() {
    let out = kafkasim()
        .args(["run", "scenarios/console.toml", "--no-plots", "--out", &out_dir("console")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("TopicDeletionDisabled"));
}

#[test]
fn a_failed_expectation_exits_1_and_prints_the_replay_command() {
    let path = write_scenario(
        "fails.toml",
        "name = \"fails\"\ndescription = \"expects more than it gets\"\nduration = \"2s\"\n[[producers]]\nname = \"p\"\ntopic = \"t\"\ncount = 3\ninterval = \"100ms\"\n[expect]\nacked_min = 1000\n",
    );
    let out = kafkasim()
        .args(["run", &path, "--seed", "9", "--no-plots", "--out", &out_dir("fails")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    assert!(text.contains("FAILED: expect.acked_min"), "{text}");
    assert!(text.contains(&format!("run {path} --seed 9")), "{text}");
    assert!(text.lines().last().unwrap().starts_with("trace_hash="));
}

fn assert_bad_input(args: &[&str], must_mention: &[&str]) {
    let out = kafkasim().args(args).output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "exit 2 expected for {args:?}; stderr:\n{err}");
    assert!(!err.contains("panicked"), "a panic for {args:?}:\n{err}");
    for m in must_mention {
        assert!(err.contains(m), "{args:?}: stderr should mention `{m}`:\n{err}");
    }
    assert!(err.lines().count() < 40, "the error should fit one screen:\n{err}");
}

#[test]
fn bad_scenario_files_get_file_line_and_column() {
    let malformed = write_scenario("malformed.toml", "name = \"x\"\ndescription = \"d\"\nduration = \"1s\n");
    assert_bad_input(&["run", &malformed], &["malformed.toml:3:"]);
    let unknown =
        write_scenario("unknown.toml", "name = \"x\"\ndescription = \"d\"\nduration = \"1s\"\npartitons = 3\n");
    assert_bad_input(&["run", &unknown], &["unknown.toml:4:1", "partitons"]);
    let wrong_type = write_scenario(
        "wrongtype.toml",
        "name = \"x\"\ndescription = \"d\"\nduration = \"1s\"\n[cluster]\nbrokers = \"three\"\n",
    );
    assert_bad_input(&["run", &wrong_type], &["wrongtype.toml:5:11"]);
    let negative = write_scenario(
        "negative.toml",
        "name = \"x\"\ndescription = \"d\"\nduration = \"1s\"\n[[producers]]\nname = \"p\"\ntopic = \"t\"\nrate_per_s = -10\n",
    );
    assert_bad_input(&["run", &negative], &["negative.toml:7:14", "rate_per_s"]);
    let bad_key = write_scenario(
        "badkey.toml",
        "name = \"x\"\ndescription = \"d\"\nduration = \"1s\"\n[broker]\n\"log.segment.byte\" = 10\n",
    );
    assert_bad_input(&["run", &bad_key], &["badkey.toml:5:", "unknown broker config key"]);
}

#[test]
fn bad_names_and_flags_are_clear_errors() {
    assert_bad_input(&["run", "no-such-scenario"], &["no scenario named `no-such-scenario`", "quickstart"]);
    assert_bad_input(&["run", "quickstart", "--seed", "-3"], &["--seed"]);
    assert_bad_input(&["run", "quickstart", "--seed", "abc"], &["--seed"]);
    assert_bad_input(&["run"], &["SCENARIO"]);
    assert_bad_input(&["frobnicate"], &["frobnicate"]);
}

/// The README's "A scenario file" example is what a new user copies first: it must run and meet
/// its own `[expect]`.
#[test]
fn the_readme_scenario_example_runs_and_passes() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let section = readme.split("## A scenario file").nth(1).expect("the README has a scenario section");
    let toml = section.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("a toml block");
    let path = write_scenario("readme-example.toml", toml);
    let out = kafkasim().args(["run", &path, "--no-plots", "--out", &out_dir("readme")]).output().expect("runs");
    assert!(out.status.success(), "{}\n{}", stdout_of(&out), stderr_of(&out));
    assert!(stdout_of(&out).contains("result: PASS"), "{}", stdout_of(&out));
}

#[test]
fn a_missing_scenario_file_is_named_as_a_file() {
    let out = kafkasim().args(["run", "scenarios/quickstrt.toml"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("scenarios/quickstrt.toml") && err.contains("no such file"), "{err}");
    assert!(!err.contains("available:"), "{err}");
}

#[test]
fn an_action_after_the_end_of_the_run_is_an_error_at_its_line() {
    let text =
        "name = \"late\"\ndescription = \"x\"\nduration = \"10s\"\n\n[[actions]]\nat = \"45s\"\ndo = \"list-topics\"\n";
    let path = write_scenario("late-action.toml", text);
    let out = kafkasim().args(["run", &path]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains(&format!("{path}:6:6")) && err.contains("would never run"), "{err}");
}

#[test]
fn a_bad_key_in_pasted_server_properties_is_an_error_at_its_line() {
    let text = "name = \"props\"\ndescription = \"x\"\nduration = \"1s\"\nserver_properties = '''\n# num.partitons=1 below is the typo\nbroker.id=0\nnum.partitons=1\n'''\n";
    let path = write_scenario("bad-properties.toml", text);
    let out = kafkasim().args(["run", &path]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!("{path}:7:1"))
            && err.contains("unknown broker config key `num.partitons`; did you mean `num.partitions`?"),
        "{err}"
    );
    let twice = text.replace("\nnum.partitons=1\n", "\nnum.partitions=1\n") + "\n[broker]\n\"num.partitions\" = 2\n";
    let path = write_scenario("twice-properties.toml", &twice);
    let err = stderr_of(&kafkasim().args(["run", &path]).output().expect("runs"));
    assert!(err.contains("set both in server_properties and in [broker]"), "{err}");
}

#[test]
fn an_output_folder_that_cannot_be_made_is_refused_before_the_run() {
    let out = kafkasim().args(["run", "quickstart", "--out", "/proc/kafkasim-forbidden"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--out /proc/kafkasim-forbidden: cannot create it"), "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains("summary"), "no simulation ran: {}", stdout_of(&out));
}

#[test]
fn an_unknown_client_profile_is_an_error_at_its_line() {
    let text = "name = \"py\"\ndescription = \"x\"\nduration = \"1s\"\n\n[[producers]]\nname = \"pro.py\"\ntopic = \"oldboy\"\nclient = \"kafka-python\"\n";
    let path = write_scenario("bad-client.toml", text);
    assert_bad_input(
        &["run", &path],
        &[&format!("{path}:8:10"), "unknown client `kafka-python`; did you mean `kafka-python-2.0`?"],
    );
    let no_idempotence =
        text.replace("\"kafka-python\"", "\"kafka-python-2.0\"") + "config = { \"enable.idempotence\" = true }\n";
    let path = write_scenario("python-idempotence.toml", &no_idempotence);
    assert_bad_input(&["run", &path], &[&format!("{path}:9:35"), "no idempotent producer"]);
    assert_bad_input(&["run", "quickstart", "--diff", "client=kafka-python,java-4.0"], &["client=kafka-python:"]);
}
