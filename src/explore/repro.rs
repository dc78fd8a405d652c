//! Repro files: everything needed to replay one run on another machine.
//!
//! A repro is a small TOML file: the whole scenario text (so it does not depend on the
//! reader's `scenarios/` folder), the seed, the fault schedule that seed draws (for reading:
//! replay draws it again), what failed, the trace hash the run produced, and the crate version
//! and git commit of the build that made it. `kafkasim replay FILE` runs it again and compares
//! trace hashes; when they differ and the build differs too, it says that is the likely cause.

use crate::scenario::{self, Scenario, ScenarioError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// This build's version, as written into repro files.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// This build's git commit (`unknown` outside a checkout), as written into repro files.
pub const GIT_COMMIT: &str = env!("KAFKASIM_GIT_COMMIT");

/// One replayable run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repro {
    /// The scenario's name.
    pub scenario_name: String,
    /// Where the scenario was read from (for reading; replay uses `scenario`).
    pub scenario_file: String,
    /// The seed.
    pub seed: u64,
    /// The trace hash the run produced.
    pub trace_hash: String,
    /// The checks that failed (empty for a passing run).
    pub failed: Vec<String>,
    /// The fault schedule, one line per action: scripted, triggered and drawn from the seed.
    pub fault_schedule: Vec<String>,
    /// `kafkasim` version of the build that made the file.
    pub kafkasim_version: String,
    /// Its git commit.
    pub git_commit: String,
    /// The whole scenario file.
    pub scenario: String,
}

impl Repro {
    /// A repro of `scenario` (whose file text is `text`) run with `seed`.
    pub fn new(scenario: &Scenario, text: &str, seed: u64, trace_hash: &str, failed: Vec<String>) -> Repro {
        let plan = crate::sim::schedule::plan(scenario, seed);
        let mut schedule = crate::sim::schedule::describe(&plan.timed);
        schedule.extend(crate::sim::schedule::describe(&plan.triggered));
        Repro {
            scenario_name: scenario.name.clone(),
            scenario_file: scenario.path.display().to_string(),
            seed,
            trace_hash: trace_hash.to_string(),
            failed,
            fault_schedule: schedule,
            kafkasim_version: VERSION.to_string(),
            git_commit: GIT_COMMIT.to_string(),
            scenario: text.to_string(),
        }
    }

    /// The file's text, with a header saying how to use it.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("a repro always serialises");
        format!("# kafkasim repro file: replay it with `kafkasim replay <this file>`\n{body}")
    }

    /// Write it to `path`.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(path, self.to_toml()).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Read a repro file, or the `repro.toml` inside a run's output folder.
    pub fn load(path: &Path) -> Result<Repro, ScenarioError> {
        let file = if path.is_dir() { path.join("repro.toml") } else { path.to_path_buf() };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| ScenarioError::Io { path: file.clone(), reason: e.to_string() })?;
        Repro::parse(&text, &file)
    }

    /// Parse repro text; errors name the file, line and column.
    pub fn parse(text: &str, file: &Path) -> Result<Repro, ScenarioError> {
        let shown = file.display().to_string();
        toml::from_str(text).map_err(|e| {
            let message = format!("not a kafkasim repro file: {}", e.message().trim());
            ScenarioError::at(&shown, text, e.span(), message)
        })
    }

    /// Read a repro (file or run folder) and its embedded scenario: what replay, explain and
    /// shrink all start from.
    pub fn load_with_scenario(path: &Path) -> Result<(Repro, Scenario), ScenarioError> {
        let repro = Repro::load(path)?;
        let scenario = repro.load_scenario(path)?;
        Ok((repro, scenario))
    }

    /// The embedded scenario, checked like any scenario file.
    pub fn load_scenario(&self, file: &Path) -> Result<Scenario, ScenarioError> {
        let shown = format!("{} (its embedded scenario)", file.display());
        scenario::parse(&self.scenario, &shown, &PathBuf::from(&self.scenario_file))
    }

    /// How this build differs from the one that wrote the file, if it does.
    pub fn build_difference(&self) -> Option<String> {
        let same = self.kafkasim_version == VERSION && self.git_commit == GIT_COMMIT;
        (!same).then(|| {
            format!(
                "this repro was made by kafkasim {} at commit {}; this is kafkasim {VERSION} at commit {GIT_COMMIT}",
                self.kafkasim_version, self.git_commit
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_repro_names_line_and_column() {
        let err = Repro::parse("seed = \"x\"\n", Path::new("bad.toml")).unwrap_err().to_string();
        assert!(err.starts_with("bad.toml:1:8:"), "{err}");
        assert!(err.contains("not a kafkasim repro file"), "{err}");
        let err = Repro::parse("scenario_name = \"a\"\n", Path::new("r.toml")).unwrap_err().to_string();
        assert!(err.contains("missing field"), "{err}");
    }
}
