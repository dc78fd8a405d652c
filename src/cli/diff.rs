//! `kafkasim run NAME --diff key=v1,v2[,...]`: one scenario, one seed, several settings.
//!
//! The questions a scenario raises are mostly "what if?": what if this producer used
//! `acks=all`, what if followers truncated to the high watermark, what if the group used the
//! cooperative assignor. `--diff` answers them by running the scenario once per value of one
//! config key, with the same seed, so the only difference between the runs is the setting (and
//! whatever it changed downstream). The key goes wherever the scenario has a config that knows
//! it ([`scenario::overrides`]).
//!
//! Output: `seed=N` first, a line per variant (its verdict and trace hash), then one table with
//! a column per variant and a `*` on rows whose figures differ. Each variant's files go to
//! `<out>/<key>=<value>/` (with its `scenario.toml`, so it can be replayed on its own with
//! `kafkasim run`), and the comparison plots, drawn on shared axes, to `<out>/`.
//!
//! Exit status: 0 when every variant ran (whether or not it met the scenario's expectations:
//! the table says which did), 1 when a simulation broke, 2 for bad input. One key per run:
//! comparing a grid of two keys is a job for two `--diff`s, and keeps the table readable.
//! A list-valued key (`partition.assignment.strategy`) takes one item per variant, since the
//! comma separates variants.

use super::run::{execute, RunArgs, RunOutcome};
use crate::report::summary::Summary;
use crate::scenario::{self, overrides, ScenarioError};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `--diff` asked for: a key and the values to try, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffSpec {
    /// The config key, e.g. `acks`.
    pub key: String,
    /// The values, e.g. `["1", "all"]`: one run each.
    pub values: Vec<String>,
}

impl DiffSpec {
    /// The label of one variant, `acks=all`: its column heading and its folder name.
    pub fn label(&self, value: &str) -> String {
        format!("{}={value}", self.key)
    }
}

/// Parses `key=v1,v2,...` (clap's value parser for `--diff`): the shape only; whether the key
/// and the values make sense is checked against the scenario.
pub fn parse_diff(text: &str) -> Result<DiffSpec, String> {
    let Some((key, values)) = text.split_once('=') else {
        return Err(format!("`{text}` is not KEY=VALUE[,VALUE...]; e.g. --diff acks=1,all"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("`{text}` names no key; e.g. --diff acks=1,all"));
    }
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(format!("`{text}` has an empty value; e.g. --diff acks=1,all"));
    }
    if let Some(dup) = values.iter().enumerate().find(|(i, v)| values[..*i].contains(v)).map(|(_, v)| v) {
        return Err(format!("`{text}` lists `{dup}` twice"));
    }
    Ok(DiffSpec { key: key.to_string(), values })
}

/// One variant, ready to run: its label, scenario, and the text it was read from.
struct Prepared {
    /// `acks=all`.
    label: String,
    /// The overridden scenario.
    variant: overrides::Variant,
}

/// Loads the scenario and builds every variant, before anything runs, so a bad value fails
/// fast. Returns the base scenario's path and seed, and the variants.
fn prepare(args: &RunArgs, spec: &DiffSpec, dir: &Path) -> Result<(PathBuf, u64, Vec<Prepared>), u8> {
    let path = scenario::find(&args.scenario, dir).map_err(super::report_bad_input)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| super::report_bad_input(ScenarioError::Io { path: path.clone(), reason: e.to_string() }))?;
    let base = scenario::parse(&text, &path.display().to_string(), &path).map_err(super::report_bad_input)?;
    let mut prepared = Vec::new();
    for value in &spec.values {
        let variant =
            overrides::variant(&text, &path, &base.name, &spec.key, value).map_err(super::report_bad_input)?;
        prepared.push(Prepared { label: spec.label(value), variant });
    }
    Ok((path, args.seed.unwrap_or(base.seed), prepared))
}

/// Run the scenario once per value of `spec`; returns the exit status.
pub fn run(args: &RunArgs, spec: &DiffSpec, dir: &Path) -> u8 {
    let (path, seed, prepared) = match prepare(args, spec, dir) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let name = prepared.first().map_or(String::new(), |p| p.variant.scenario.name.clone());
    println!("seed={seed}");
    println!("scenario={name} ({})", path.display());
    let applied = prepared.first().map_or(String::new(), |p| p.variant.applied.describe());
    println!("diff: {} = {} (set in {applied})", spec.key, spec.values.join(" | "));
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("target/kafkasim").join(format!("{name}-{seed}-diff")));
    let mut outcomes: Vec<(String, RunOutcome)> = Vec::new();
    let mut files = 0;
    for p in &prepared {
        let folder = out.join(&p.label);
        if let Err(e) = write_file(&folder, "scenario.toml", &p.variant.text) {
            return bad_out(&out, &e);
        }
        let outcome = match execute(&p.variant.scenario, seed) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {}: {e}", p.label);
                println!("replay: kafkasim run {} --seed {seed}", folder.join("scenario.toml").display());
                return super::EXIT_FAILED;
            }
        };
        let verdict = if outcome.summary.passed { "PASS" } else { "FAIL" };
        println!("-- {}: {verdict} trace_hash={}", p.label, outcome.summary.trace_hash);
        match write_variant(&folder, &outcome, !args.no_plots) {
            Ok(n) => files += n + 1,
            Err(e) => return bad_out(&out, &e),
        }
        outcomes.push((p.label.clone(), outcome));
    }
    let summaries: Vec<&Summary> = outcomes.iter().map(|(_, o)| &o.summary).collect();
    print!("{}", table_text(&name, seed, &spec.key, &spec.values, &rows(&summaries)));
    if !args.no_plots {
        let runs: Vec<crate::plot::diff::Run<'_>> = outcomes.iter().map(|(l, o)| (l.clone(), &o.trace)).collect();
        match crate::plot::diff::render(&runs, &out) {
            Ok(written) => files += written.len(),
            Err(e) => return bad_out(&out, &e.to_string()),
        }
    }
    println!("wrote {files} files to {}", out.display());
    super::EXIT_OK
}

/// Reports an output folder that could not be written: a bad `--out` is bad input.
fn bad_out(out: &Path, e: &str) -> u8 {
    eprintln!("error: --out {}: {e}", out.display());
    super::EXIT_BAD_INPUT
}

/// Writes `text` to `folder/name`, creating the folder.
fn write_file(folder: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let p = folder.join(name);
    std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    Ok(p)
}

/// Writes one variant's trace, summaries and (optionally) plots; returns how many files.
fn write_variant(folder: &Path, o: &RunOutcome, plots: bool) -> Result<usize, String> {
    write_file(folder, "trace.log", &o.trace.to_text())?;
    write_file(folder, "summary.txt", &o.summary.to_text())?;
    let json = serde_json::to_string_pretty(&o.summary).map_err(|e| e.to_string())?;
    write_file(folder, "summary.json", &json)?;
    let mut n = 3;
    if plots {
        n += crate::plot::render_all(&o.trace, folder).map_err(|e| e.to_string())?.len();
    }
    Ok(n)
}

/// One row of the comparison table: a figure's name and its value in each variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `lost_acked`, `group billing duplicates`, `expect.lost_acked_min`, ...
    pub name: String,
    /// One value per variant, in order (`-` where a variant has no such figure).
    pub values: Vec<String>,
}

impl Row {
    /// Whether the variants disagree on this figure.
    pub fn differs(&self) -> bool {
        self.values.iter().any(|v| *v != self.values[0])
    }
}

/// Builds rows from summaries, in the order the figures are added.
struct Rows<'a> {
    /// One summary per variant.
    summaries: &'a [&'a Summary],
    /// The rows so far.
    rows: Vec<Row>,
}

impl Rows<'_> {
    /// Always shows the figure.
    fn add(&mut self, name: impl Into<String>, value: impl Fn(&Summary) -> String) {
        let values = self.summaries.iter().map(|s| value(s)).collect();
        self.rows.push(Row { name: name.into(), values });
    }

    /// Shows a count only when some variant has a nonzero one, so quiet figures stay out.
    fn add_nonzero(&mut self, name: &str, value: impl Fn(&Summary) -> u64) {
        if self.summaries.iter().any(|s| value(s) > 0) {
            self.add(name, |s| value(s).to_string());
        }
    }

    /// Names that appear in any variant, first appearance first (so a checker's order stays).
    fn union<'s>(&'s self, names: impl Fn(&'s Summary) -> Vec<&'s str>) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for s in self.summaries {
            for n in names(s) {
                if !all.iter().any(|a| a == n) {
                    all.push(n.to_string());
                }
            }
        }
        all
    }
}

/// The figures worth comparing, one row each: the run's verdict, record counts, the checks,
/// then failovers, produce errors, groups, invariants and expectations that any variant has.
pub fn rows(summaries: &[&Summary]) -> Vec<Row> {
    let mut r = Rows { summaries, rows: Vec::new() };
    r.add("result", |s| if s.passed { "PASS" } else { "FAIL" }.to_string());
    r.add("sent", |s| s.sent.to_string());
    r.add("acked", |s| s.acked.to_string());
    r.add("consumed", |s| s.consumed.to_string());
    r.add("send_failures", |s| s.send_failures.to_string());
    r.add("lost_acked", |s| s.lost_acked.to_string());
    r.add("order_violations", |s| s.order_violations.to_string());
    r.add("duplicates", |s| s.duplicates.to_string());
    r.add("failovers", |s| s.failovers.len().to_string());
    r.add_nonzero("offline_partitions", |s| s.offline_partitions.len() as u64);
    r.add_nonzero("unclean_elections", |s| s.unclean_elections);
    r.add_nonzero("divergent_offsets", |s| s.divergent_offsets);
    r.add_nonzero("offset_resets", |s| s.offset_resets);
    r.add_nonzero("out_of_range_resets", |s| s.out_of_range_resets);
    r.add_nonzero("segments_rolled", |s| s.segments_rolled);
    r.add_nonzero("segments_deleted", |s| s.segments_deleted);
    for e in r.union(|s| s.produce_errors.keys().map(String::as_str).collect()) {
        r.add(format!("produce errors {e}"), |s| s.produce_errors.get(&e).copied().unwrap_or(0).to_string());
    }
    group_rows(&mut r);
    for c in r.union(|s| s.invariants.iter().map(|c| c.name.as_str()).collect()) {
        r.add(format!("invariant {c}"), |s| check_word(&s.invariants, &c, "holds", "VIOLATED"));
    }
    for c in r.union(|s| s.expectations.iter().map(|c| c.name.as_str()).collect()) {
        r.add(c.clone(), |s| check_word(&s.expectations, &c, "ok", "FAILED"));
    }
    r.add("trace_hash", |s| s.trace_hash.clone());
    r.rows
}

/// A group's figures, one row each, for every group any variant has.
fn group_rows(r: &mut Rows<'_>) {
    type Figure = fn(&crate::report::groups::GroupSummary) -> u64;
    let figures: [(&str, Figure); 6] = [
        ("processed", |g| g.processed),
        ("generations", |g| g.generations.len() as u64),
        ("duplicates", |g| g.duplicates.values().sum()),
        ("unseen", |g| g.unseen),
        ("commit_failures", |g| g.commit_failures.values().sum()),
        ("zombie_overlaps", |g| g.zombie_overlaps),
    ];
    for group in r.union(|s| s.groups.iter().map(|g| g.group.as_str()).collect()) {
        for (name, figure) in figures {
            r.add(format!("group {group} {name}"), |s| {
                s.groups.iter().find(|g| g.group == group).map_or("-".to_string(), |g| figure(g).to_string())
            });
        }
    }
}

/// `ok`/`FAILED` (or `holds`/`VIOLATED`) for the check named `name`, `-` if the run has none.
fn check_word(checks: &[crate::check::CheckResult], name: &str, yes: &str, no: &str) -> String {
    checks.iter().find(|c| c.name == name).map_or("-", |c| if c.passed { yes } else { no }).to_string()
}

/// The comparison as aligned text: a header, then a row per figure with `*` where the variants
/// differ. Columns are headed by the values alone (the key heads the first column), so a long
/// key does not make every column wide.
pub fn table_text(name: &str, seed: u64, key: &str, labels: &[String], rows: &[Row]) -> String {
    let name_width = rows.iter().map(|r| r.name.len()).chain([key.len()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..labels.len())
        .map(|i| {
            rows.iter().map(|r| r.values.get(i).map_or(0, String::len)).chain([labels[i].len()]).max().unwrap_or(0)
        })
        .collect();
    let line = |mark: &str, first: &str, cells: &[String]| {
        let mut l = format!("{mark} {first:<name_width$}");
        for (cell, w) in cells.iter().zip(&widths) {
            let _ = write!(l, "  {cell:<w$}");
        }
        l.trim_end().to_string()
    };
    let mut s = String::new();
    let _ = writeln!(s, "== diff: {name} (seed {seed}); * marks figures that differ ==");
    let _ = writeln!(s, "{}", line(" ", key, labels));
    for r in rows {
        let _ = writeln!(s, "{}", line(if r.differs() { "*" } else { " " }, &r.name, &r.values));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_key_and_its_values() {
        let d = parse_diff("acks=1,all").unwrap();
        assert_eq!(d, DiffSpec { key: "acks".into(), values: vec!["1".into(), "all".into()] });
        assert_eq!(d.label("all"), "acks=all");
        assert_eq!(parse_diff(" linger.ms = 5 ").unwrap().values, vec!["5"]);
        assert!(parse_diff("acks").unwrap_err().contains("KEY=VALUE"));
        assert!(parse_diff("=1,2").unwrap_err().contains("no key"));
        assert!(parse_diff("acks=1,,all").unwrap_err().contains("empty value"));
        assert!(parse_diff("acks=1,1").unwrap_err().contains("twice"));
    }

    #[test]
    fn the_table_marks_rows_that_differ() {
        let rows = vec![
            Row { name: "sent".into(), values: vec!["10".into(), "10".into()] },
            Row { name: "lost_acked".into(), values: vec!["3".into(), "0".into()] },
        ];
        assert!(!rows[0].differs() && rows[1].differs());
        let text = table_text("s", 7, "acks", &["1".into(), "all".into()], &rows);
        let expected = [
            "== diff: s (seed 7); * marks figures that differ ==",
            "  acks        1   all",
            "  sent        10  10",
            "* lost_acked  3   0",
        ];
        assert_eq!(text, expected.map(|l| format!("{l}\n")).concat());
    }
}
