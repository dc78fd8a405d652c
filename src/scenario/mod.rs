//! Scenario files: named, scripted runs a teacher can read and edit.
//!
//! A scenario is a TOML file in `scenarios/`: the cluster's shape, `server.properties` keys,
//! topics, producers and consumers with their Kafka configs, scripted actions at simulated
//! times, and the expectations a run must meet. This module reads and checks the file
//! ([`file`](mod@file) is the raw serde shape, [`validate`] turns it into the [`model`], with [`apps`]
//! checking the applications around Kafka); it knows nothing
//! of turmoil or of how the scenario will run.
//!
//! Errors point at the file, line and column ([`error::ScenarioError`]).

pub mod apps;
pub mod condition;
pub mod config;
pub mod duration;
pub mod error;
pub mod file;
pub mod model;
pub mod overrides;
pub mod profile;
pub mod properties;
pub mod validate;

pub use error::ScenarioError;
pub use model::Scenario;

use std::path::{Path, PathBuf};

/// Parse and validate scenario text. `shown_as` names the file in error messages.
pub fn parse(text: &str, shown_as: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let raw: file::ScenarioFile = toml::from_str(text)
        .map_err(|e| ScenarioError::at(shown_as, text, e.span(), e.message().trim().to_string()))?;
    validate::validate(raw, shown_as, text, path)
}

/// Read and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::Io { path: path.to_path_buf(), reason: e.to_string() })?;
    parse(&text, &path.display().to_string(), path)
}

/// The folder holding the shipped scenarios: `./scenarios` if it exists, else the one next to
/// the crate's `Cargo.toml` (so `kafkasim` works from any directory of a checkout).
pub fn default_dir() -> PathBuf {
    let local = PathBuf::from("scenarios");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every `.toml` file in `dir`, sorted by name.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| ScenarioError::Io { path: dir.to_path_buf(), reason: e.to_string() })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Resolve `NAME_OR_PATH`: a path to a `.toml` file, or a scenario's file name in `dir`.
pub fn find(name_or_path: &str, dir: &Path) -> Result<PathBuf, ScenarioError> {
    let as_path = PathBuf::from(name_or_path);
    if as_path.is_file() {
        return Ok(as_path);
    }
    let in_dir = dir.join(format!("{name_or_path}.toml"));
    if in_dir.is_file() {
        return Ok(in_dir);
    }
    // Something that looks like a path is a file the user meant: say that file is missing
    // rather than list scenario names it was never meant to match.
    if name_or_path.contains(['/', '\\']) || name_or_path.ends_with(".toml") {
        return Err(ScenarioError::Io { path: as_path, reason: "no such file".to_string() });
    }
    let available: Vec<String> = files_in(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    Err(ScenarioError::NotFound { name: name_or_path.to_string(), available: available.join(", ") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Scenario, ScenarioError> {
        parse(text, "test.toml", Path::new("test.toml"))
    }

    const MINIMAL: &str = "name = \"t\"\ndescription = \"d\"\nduration = \"1s\"\n";

    #[test]
    fn minimal_scenario_gets_defaults() {
        let s = parse_str(MINIMAL).unwrap();
        assert_eq!(s.cluster.brokers, 1);
        assert_eq!(s.tick.as_millis(), 1);
        assert_eq!(s.broker.text("delete.topic.enable"), "true");
    }

    #[test]
    fn unknown_field_points_at_line_and_column() {
        let err = parse_str(&format!("{MINIMAL}partitons = 3\n")).unwrap_err().to_string();
        assert!(err.starts_with("test.toml:4:1:"), "{err}");
        assert!(err.contains("partitons"), "{err}");
    }

    #[test]
    fn negative_rate_is_rejected_at_its_span() {
        let text = format!("{MINIMAL}[[producers]]\nname = \"p\"\ntopic = \"t\"\nrate_per_s = -5\n");
        let err = parse_str(&text).unwrap_err().to_string();
        assert!(err.starts_with("test.toml:7:14:"), "{err}");
        assert!(err.contains("rate_per_s must be a positive"), "{err}");
    }

    #[test]
    fn a_client_profile_fills_defaults_and_set_keys_win() {
        let text = format!(
            "{MINIMAL}[[producers]]\nname = \"p\"\ntopic = \"t\"\nclient = \"kafka-python-2.0\"\nconfig = {{ \"retries\" = 3 }}\n\
             [[consumers]]\nname = \"c\"\ntopics = [\"t\"]\nclient = \"kafka-python-2.0\"\n\
             [[consumers]]\nname = \"j\"\ntopics = [\"t\"]\n"
        );
        let s = parse_str(&text).unwrap();
        let p = &s.producers[0];
        assert_eq!(p.client, profile::ClientProfile::KafkaPython20);
        assert_eq!(p.config.text("acks"), "1", "the profile beats Java's default");
        assert_eq!(p.config.text("retries"), "3", "the file beats the profile");
        assert_eq!(s.consumers[0].config.text("session.timeout.ms"), "10000");
        assert_eq!(s.consumers[1].client, profile::ClientProfile::Java40, "absent: the Java client");
        assert_eq!(s.consumers[1].config.text("session.timeout.ms"), "45000");
    }

    #[test]
    fn a_key_kafka_python_lacks_is_an_error_at_the_key() {
        let text = format!(
            "{MINIMAL}[[producers]]\nname = \"p\"\ntopic = \"t\"\nclient = \"kafka-python-2.0\"\n\
             config = {{ \"delivery.timeout.ms\" = 5000 }}\n"
        );
        let err = parse_str(&text).unwrap_err().to_string();
        assert!(err.starts_with("test.toml:8:36:") && err.contains("predates delivery.timeout.ms"), "{err}");
        let text = format!("{MINIMAL}[[consumers]]\nname = \"c\"\ntopics = [\"t\"]\nclient = \"kafka-python-2.0\"\nconfig = {{ \"partition.assignment.strategy\" = \"cooperative-sticky\" }}\n");
        let err = parse_str(&text).unwrap_err().to_string();
        assert!(err.contains("no `cooperative-sticky` assignor"), "{err}");
    }

    #[test]
    fn wrong_type_and_bad_config_are_errors() {
        let err = parse_str("name = \"t\"\ndescription = \"d\"\nduration = 5\n").unwrap_err().to_string();
        assert!(err.contains("test.toml:3:12"), "{err}");
        let err = parse_str(&format!("{MINIMAL}[broker]\n\"log.segment.bytez\" = 10\n")).unwrap_err().to_string();
        assert!(err.contains("unknown broker config key"), "{err}");
    }
}
