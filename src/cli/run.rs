//! `kafkasim run NAME_OR_PATH [--seed N] [--out DIR]`: run one scenario.
//!
//! Prints `seed=N` first and `trace_hash=<hex>` last; in between, the console output of the
//! run and its summary. Writes `trace.log`, `summary.json`, the plots and `repro.toml` (see
//! `explore::repro`) to the output folder.

use crate::check;
use crate::explore::repro::Repro;
use crate::report::{console, summary::Summary};
use crate::scenario::{self, Scenario};
use crate::sim;
use crate::trace::Trace;
use clap::Args;
use std::path::{Path, PathBuf};

/// Flags of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scenario name (see `kafkasim list`) or a path to a .toml file.
    pub scenario: String,
    /// The seed (default: the scenario's own).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Where to write trace.log, summary.json and plots (default: target/kafkasim/<scenario>-<seed>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not write plots (faster).
    #[arg(long)]
    pub no_plots: bool,
    /// Run once per value of one config key with the same seed and compare the runs side by
    /// side, e.g. `--diff acks=1,all` (see `cli::diff`).
    #[arg(long, value_name = "KEY=V1,V2", value_parser = super::diff::parse_diff)]
    pub diff: Option<super::diff::DiffSpec>,
}

/// A seed is a whole number from 0 to 2^64-1; say so rather than "invalid digit".
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("`{text}` is not a seed: use a whole number from 0 to {}", u64::MAX))
}

/// Everything one run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The trace.
    pub trace: Trace,
    /// The summary.
    pub summary: Summary,
    /// The console lines.
    pub console: String,
}

/// Run a loaded scenario with a seed (no printing, no files): the library entry point the CLI
/// and the tests share.
pub fn execute(s: &Scenario, seed: u64) -> Result<RunOutcome, sim::SimError> {
    #[allow(clippy::disallowed_methods)] // wall time is reported, never simulated
    let started = std::time::Instant::now();
    let trace = sim::run(s, seed)?;
    let wall_ms = started.elapsed().as_millis() as u64;
    let verdict = check::judge_scenario(&trace, s);
    let summary = Summary::new(s, seed, trace.hash(), &verdict, wall_ms);
    let console = console::render(s, &trace);
    Ok(RunOutcome { trace, summary, console })
}

/// Write a run's trace, summary and (if `plots`) plots into `out`; returns the files written.
pub fn write_outputs(out: &Path, o: &RunOutcome, plots: bool) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let write = |name: &str, text: &str| {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display())).map(|_| p)
    };
    let mut files = vec![write("trace.log", &o.trace.to_text())?];
    let json = serde_json::to_string_pretty(&o.summary).map_err(|e| e.to_string())?;
    files.push(write("summary.json", &json)?);
    if plots {
        files.extend(crate::plot::render_all(&o.trace, out).map_err(|e| e.to_string())?);
    }
    Ok(files)
}

/// Run the subcommand; returns the exit status.
pub fn run(args: &RunArgs, dir: &Path) -> u8 {
    if let Some(spec) = &args.diff {
        return super::diff::run(args, spec, dir);
    }
    let path = match scenario::find(&args.scenario, dir) {
        Ok(p) => p,
        Err(e) => return super::report_bad_input(e),
    };
    let s = match scenario::load(&path) {
        Ok(s) => s,
        Err(e) => return super::report_bad_input(e),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let seed = args.seed.unwrap_or(s.seed);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("target/kafkasim").join(format!("{}-{seed}", s.name)));
    // An output folder that cannot be made is bad input: say so before a long simulation, not after.
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: --out {}: cannot create it: {e}", out.display());
        return super::EXIT_BAD_INPUT;
    }
    report(&s, &text, seed, &out, !args.no_plots)
}

/// One line per producer or consumer whose client profile is not the default (Java 4.0), with
/// the settings that most change what a crash does to it, as they ended up (profile or file).
pub fn print_clients(s: &Scenario) {
    for p in s.producers.iter().filter(|p| !p.client.is_default()) {
        let c = &p.config;
        println!(
            "client: producer {} is {} (acks={} retries={} enable.idempotence={} delivery.timeout.ms={})",
            p.name,
            p.client,
            c.text("acks"),
            c.text("retries"),
            c.text("enable.idempotence"),
            c.text("delivery.timeout.ms")
        );
    }
    for k in s.consumers.iter().filter(|k| !k.client.is_default()) {
        let c = &k.config;
        println!(
            "client: consumer {} is {} (session.timeout.ms={} partition.assignment.strategy={})",
            k.name,
            k.client,
            c.text("session.timeout.ms"),
            c.text("partition.assignment.strategy")
        );
    }
}

/// Print the fault schedule when it is more than the scripted actions a reader already sees.
pub fn print_schedule(s: &Scenario, seed: u64) {
    let plan = sim::schedule::plan(s, seed);
    if !plan.random.is_empty() {
        println!("fault schedule ({} actions drawn from seed {seed}, with the scripted ones):", plan.random.len());
        for line in sim::schedule::describe(&plan.timed) {
            println!("  {line}");
        }
    }
    for line in sim::schedule::describe(&plan.triggered) {
        println!("  trigger: {line}");
    }
}

/// Run `s` with `seed`, print everything, write the outputs (plots if `plots`) and a repro file
/// to `out`; returns the exit status. `run` and `replay` share it.
pub fn report(s: &Scenario, text: &str, seed: u64, out: &Path, plots: bool) -> u8 {
    println!("seed={seed}");
    println!("scenario={} ({})", s.name, s.path.display());
    print_clients(s);
    print_schedule(s, seed);
    let outcome = match execute(s, seed) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            println!("replay: kafkasim run {} --seed {seed}", s.path.display());
            return super::EXIT_FAILED;
        }
    };
    print!("{}", outcome.console);
    print!("{}", outcome.summary.to_text());
    let failed: Vec<String> =
        outcome.summary.expectations.iter().filter(|c| !c.passed).map(|c| c.name.clone()).collect();
    let repro = Repro::new(s, text, seed, &outcome.summary.trace_hash, failed.clone());
    let written = write_outputs(out, &outcome, plots)
        .and_then(|files| repro.save(&out.join("repro.toml")).map(|()| files.len() + 1));
    match written {
        Ok(n) => println!("wrote {n} files to {}", out.display()),
        Err(e) => {
            eprintln!("error: --out {}: {e}", out.display());
            return super::EXIT_BAD_INPUT;
        }
    }
    let code = if outcome.summary.passed {
        super::EXIT_OK
    } else {
        println!("FAILED: {}", failed.join(", "));
        println!("replay: kafkasim replay {}", out.join("repro.toml").display());
        println!("    or: kafkasim run {} --seed {seed}", s.path.display());
        super::EXIT_FAILED
    };
    println!("trace_hash={}", outcome.summary.trace_hash);
    code
}
