//! Overrides: one Kafka config `key=value` applied across a whole scenario, so that
//! `kafkasim run NAME --diff acks=1,all` can run the same scenario under several settings.
//!
//! A student asks "what if this were `acks=all`?" about a scenario, not about one producer in
//! it. So an override names only a key, and where it lands is decided by which config kinds
//! know that key ([`config::BROKER_KEYS`] and its siblings): a producer key goes into every
//! producer's `config`, a consumer key into every consumer's, a broker key into `[broker]`, a
//! topic key into every topic's `config` (the `[[topics]]` and the `create-topic` actions). A
//! key that several kinds know (`min.insync.replicas`, `request.timeout.ms`) goes to all of
//! them, as it would if a user pasted it into every properties file at once.
//!
//! One override is not a config key: `client` (`--diff client=kafka-python-2.0,java-4.0`) sets
//! the client profile ([`super::profile`]) of every producer and every consumer, so one run
//! shows what a client's defaults do to a scenario.
//!
//! The override is applied to the scenario's TOML text, not to the checked model, and the
//! result is parsed and validated again like any scenario file: every rule a hand-written file
//! must follow holds for an overridden one too, and there is no second path into [`Scenario`].
//! Before that, the value is checked against the key's own type, so a bad value is reported
//! against the flag the user typed rather than against generated text.

use super::config::{self, KeySpec};
use super::{Scenario, ScenarioError};
use miette::Diagnostic;
use std::path::Path;
use thiserror::Error;

/// A config kind: one of the four tables of known keys a scenario may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// `[broker]`: `server.properties`.
    Broker,
    /// A topic's `config` (`kafka-topics.sh --config`).
    Topic,
    /// A producer's `config`.
    Producer,
    /// A consumer's `config`.
    Consumer,
}

impl Scope {
    /// Every kind, in the order they are searched and named in messages.
    pub const ALL: [Scope; 4] = [Scope::Broker, Scope::Topic, Scope::Producer, Scope::Consumer];

    /// The word used in messages, as `config::validate` uses it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Broker => "broker",
            Scope::Topic => "topic",
            Scope::Producer => "producer",
            Scope::Consumer => "consumer",
        }
    }

    /// The keys this kind knows.
    pub fn keys(self) -> &'static [KeySpec] {
        match self {
            Scope::Broker => config::BROKER_KEYS,
            Scope::Topic => config::TOPIC_KEYS,
            Scope::Producer => config::PRODUCER_KEYS,
            Scope::Consumer => config::CONSUMER_KEYS,
        }
    }

    /// Whether this kind knows `key`.
    pub fn knows(self, key: &str) -> bool {
        self.keys().iter().any(|k| k.name == key)
    }
}

/// Why an override cannot be applied. Each message names the key, so the user can see which
/// part of the flag was wrong.
#[derive(Debug, Error, Diagnostic)]
pub enum OverrideError {
    /// No config kind knows the key.
    #[error("`{key}` is not a config key kafkasim knows; searched the broker, topic, producer and consumer keys")]
    #[diagnostic(code(kafkasim::unknown_override_key), help("{hint}"))]
    UnknownKey {
        /// The key as typed.
        key: String,
        /// Near misses, or where the key tables live.
        hint: String,
    },
    /// The value does not fit the key's type.
    #[error("{key}={value}: {reason}")]
    #[diagnostic(code(kafkasim::bad_override_value))]
    BadValue {
        /// The key.
        key: String,
        /// The value as typed.
        value: String,
        /// What is wrong with it (from the key's own check).
        reason: String,
    },
    /// The key is known, but the scenario has nothing it could apply to.
    #[error("`{key}` is a {kinds} key, but scenario `{scenario}` has no {kinds}s to apply it to")]
    #[diagnostic(code(kafkasim::override_has_no_target))]
    NoTarget {
        /// The key.
        key: String,
        /// The kinds that know it, joined with "/".
        kinds: String,
        /// The scenario's name.
        scenario: String,
    },
    /// The scenario text itself could not be read as a TOML table.
    #[error("cannot apply {key}={value}: {reason}")]
    #[diagnostic(code(kafkasim::override_unreadable))]
    Unreadable {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// The TOML error.
        reason: String,
    },
    /// The overridden scenario failed validation (e.g. `min.insync.replicas` above the
    /// replication factor, where a scenario rule forbids it).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(#[from] ScenarioError),
}

/// Where an override landed: how many tables of each kind received the key.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Applied {
    /// (kind, how many of its tables got the key), in [`Scope::ALL`] order, zeros left out.
    pub targets: Vec<(Scope, usize)>,
    /// The key was [`CLIENT_KEY`]: it went into the producer and consumer tables themselves,
    /// not into their `config`.
    pub client: bool,
}

impl Applied {
    /// `broker config, 3 topic configs`: where the key went, for the run's header.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .targets
            .iter()
            .map(|(scope, n)| match (scope, n, self.client) {
                (Scope::Broker, _, _) => "[broker]".to_string(),
                (s, 1, true) => format!("1 {}", s.as_str()),
                (s, n, true) => format!("{n} {}s", s.as_str()),
                (s, 1, false) => format!("1 {} config", s.as_str()),
                (s, n, false) => format!("{n} {} configs", s.as_str()),
            })
            .collect();
        parts.join(", ")
    }
}

/// The override that names a client profile rather than a config key.
pub const CLIENT_KEY: &str = "client";

/// The kinds that know `key`, or an error naming the near misses when none does.
pub fn scopes_of(key: &str) -> Result<Vec<Scope>, OverrideError> {
    let scopes: Vec<Scope> = Scope::ALL.into_iter().filter(|s| s.knows(key)).collect();
    if scopes.is_empty() {
        return Err(OverrideError::UnknownKey { key: key.to_string(), hint: near_misses(key) });
    }
    Ok(scopes)
}

/// A hint for an unknown key: known keys sharing its first dotted word, or one edit away.
fn near_misses(key: &str) -> String {
    let first = key.split('.').next().unwrap_or(key);
    let mut close: Vec<&str> = Vec::new();
    for spec in Scope::ALL.into_iter().flat_map(|s| s.keys()) {
        let shares_word = spec.name.split('.').next() == Some(first);
        if (shares_word || edit_distance(spec.name, key) <= 2) && !close.contains(&spec.name) {
            close.push(spec.name);
        }
    }
    if edit_distance(CLIENT_KEY, key) <= 2 {
        close.push(CLIENT_KEY);
    }
    if close.is_empty() {
        "the known keys are listed in src/scenario/config.rs (Kafka's dotted names)".to_string()
    } else {
        format!("did you mean {}?", close.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or "))
    }
}

/// Levenshtein distance, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The value as TOML would spell it in a file: a whole number, `true`/`false`, or a string.
/// The key's own check then accepts `acks = 1` and `acks = "1"` alike, as in a file.
pub fn toml_value(text: &str) -> toml::Value {
    if let Ok(n) = text.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_string()),
    }
}

/// Checks `value` against the key's type in every kind that knows it.
fn check_value(key: &str, value: &str, scopes: &[Scope]) -> Result<toml::Value, OverrideError> {
    let v = toml_value(value);
    for scope in scopes {
        config::validate(scope.keys(), scope.as_str(), key, &v).map_err(|reason| OverrideError::BadValue {
            key: key.to_string(),
            value: value.to_string(),
            reason,
        })?;
    }
    Ok(v)
}

/// Sets `key = value` in the `config` sub-table of every table in the array `table[array]`
/// for which `selected` holds; returns how many got it.
fn set_in_array(
    table: &mut toml::Table,
    array: &str,
    key: &str,
    value: &toml::Value,
    selected: impl Fn(&toml::Table) -> bool,
) -> usize {
    let Some(toml::Value::Array(items)) = table.get_mut(array) else { return 0 };
    let mut n = 0;
    for item in items.iter_mut() {
        let toml::Value::Table(t) = item else { continue };
        if !selected(t) {
            continue;
        }
        let config = t.entry("config").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(c) = config {
            c.insert(key.to_string(), value.clone());
            n += 1;
        }
    }
    n
}

/// Sets the key in every table of one kind; returns how many tables got it.
fn set_in_scope(table: &mut toml::Table, scope: Scope, key: &str, value: &toml::Value) -> usize {
    match scope {
        Scope::Broker => {
            drop_from_server_properties(table, key);
            let broker = table.entry("broker").or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match broker {
                toml::Value::Table(b) => {
                    b.insert(key.to_string(), value.clone());
                    1
                }
                _ => 0,
            }
        }
        Scope::Topic => {
            let creates = |t: &toml::Table| t.get("do").and_then(|d| d.as_str()) == Some("create-topic");
            set_in_array(table, "topics", key, value, |_| true) + set_in_array(table, "actions", key, value, creates)
        }
        Scope::Producer => set_in_array(table, "producers", key, value, |_| true),
        Scope::Consumer => set_in_array(table, "consumers", key, value, |_| true),
    }
}

/// Sets `client = value` on every producer (or consumer) table; returns how many got it.
fn set_client(table: &mut toml::Table, scope: Scope, value: &toml::Value) -> usize {
    let array = if scope == Scope::Producer { "producers" } else { "consumers" };
    let Some(toml::Value::Array(items)) = table.get_mut(array) else { return 0 };
    let mut n = 0;
    for item in items.iter_mut() {
        if let toml::Value::Table(t) = item {
            t.insert(CLIENT_KEY.to_string(), value.clone());
            n += 1;
        }
    }
    n
}

/// A `--diff` of a broker key replaces what a pasted `server_properties` file says of it: its
/// line is commented out there (the key then lives in `[broker]` alone, as validation demands).
fn drop_from_server_properties(table: &mut toml::Table, key: &str) {
    let Some(toml::Value::String(props)) = table.get_mut("server_properties") else { return };
    let entries = super::properties::parse(props);
    let mut text = props.clone();
    for p in entries.iter().rev().filter(|p| p.key == key) {
        text.insert_str(p.at, "# replaced by --diff: ");
    }
    *props = text;
}

/// Applies `key=value` to scenario text; returns the new text and where the key went.
///
/// Pure: text in, text out. Comments and layout of the original are not kept (the result is
/// for the parser and for `scenario.toml` in a variant's output folder, not for editing).
pub fn apply_to_text(text: &str, name: &str, key: &str, value: &str) -> Result<(String, Applied), OverrideError> {
    let unreadable =
        |reason: String| OverrideError::Unreadable { key: key.to_string(), value: value.to_string(), reason };
    let (scopes, v) = if key == CLIENT_KEY {
        let profile = super::profile::ClientProfile::parse(value).map_err(|reason| OverrideError::BadValue {
            key: key.to_string(),
            value: value.to_string(),
            reason,
        })?;
        (vec![Scope::Producer, Scope::Consumer], toml::Value::String(profile.name().to_string()))
    } else {
        let scopes = scopes_of(key)?;
        let v = check_value(key, value, &scopes)?;
        (scopes, v)
    };
    let mut table: toml::Table = toml::from_str(text).map_err(|e| unreadable(e.message().to_string()))?;
    let mut applied = Applied { client: key == CLIENT_KEY, ..Applied::default() };
    for scope in &scopes {
        let n =
            if applied.client { set_client(&mut table, *scope, &v) } else { set_in_scope(&mut table, *scope, key, &v) };
        if n > 0 {
            applied.targets.push((*scope, n));
        }
    }
    if applied.targets.is_empty() {
        let kinds: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        return Err(OverrideError::NoTarget {
            key: key.to_string(),
            kinds: kinds.join("/"),
            scenario: name.to_string(),
        });
    }
    let new_text = toml::to_string(&table).map_err(|e| unreadable(e.to_string()))?;
    Ok((new_text, applied))
}

/// One variant of a scenario: the checked model, the text it was read from, and where the
/// override landed.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The scenario with the override applied, validated.
    pub scenario: Scenario,
    /// Its TOML text, so the variant can be written out and replayed with `kafkasim run`.
    pub text: String,
    /// Where the key went.
    pub applied: Applied,
}

/// Applies `key=value` to the scenario file `path` (whose text is `text`) and validates the
/// result like any scenario file.
pub fn variant(text: &str, path: &Path, name: &str, key: &str, value: &str) -> Result<Variant, OverrideError> {
    let (new_text, applied) = apply_to_text(text, name, key, value)?;
    let shown_as = format!("{} with {key}={value}", path.display());
    let scenario = super::parse(&new_text, &shown_as, path)?;
    Ok(Variant { scenario, text: new_text, applied })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
name = "t"
description = "d"
duration = "1s"

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 2
replication_factor = 3

[[producers]]
name = "a"
topic = "orders"
rate_per_s = 10
config = { "acks" = "1", "linger.ms" = 2 }

[[producers]]
name = "b"
topic = "orders"
rate_per_s = 10

[[consumers]]
name = "c"
group = "g"
topics = ["orders"]

[[actions]]
at = "500ms"
do = "create-topic"
topic = "audit"
"#;

    fn apply(key: &str, value: &str) -> Result<Variant, OverrideError> {
        variant(TEXT, Path::new("t.toml"), "t", key, value)
    }

    #[test]
    fn a_producer_key_reaches_every_producer() {
        let v = apply("acks", "all").unwrap();
        assert!(v.scenario.producers.iter().all(|p| p.config.text("acks") == "all"));
        assert_eq!(v.scenario.producers[0].config.text("linger.ms"), "2", "other keys stay");
        assert_eq!(v.applied.targets, vec![(Scope::Producer, 2)]);
        assert_eq!(v.applied.describe(), "2 producer configs");
        let v = apply("acks", "1").unwrap();
        assert!(v.scenario.producers.iter().all(|p| p.config.text("acks") == "1"));
    }

    #[test]
    fn broker_consumer_and_shared_keys_land_where_known() {
        let v = apply("sim.replication.truncation", "high-watermark").unwrap();
        assert_eq!(v.scenario.broker.text("sim.replication.truncation"), "high-watermark");
        assert_eq!(v.applied.describe(), "[broker]");
        let v = apply("partition.assignment.strategy", "cooperative-sticky").unwrap();
        assert_eq!(v.scenario.consumers[0].config.text("partition.assignment.strategy"), "cooperative-sticky");
        let v = apply("min.insync.replicas", "2").unwrap();
        assert_eq!(v.applied.targets, vec![(Scope::Broker, 1), (Scope::Topic, 2)], "topics and create-topic");
        assert_eq!(v.scenario.topics[0].config.get("min.insync.replicas").map(String::as_str), Some("2"));
        let v = apply("request.timeout.ms", "700").unwrap();
        assert_eq!(v.applied.targets, vec![(Scope::Producer, 2), (Scope::Consumer, 1)]);
    }

    #[test]
    fn a_broker_key_from_a_pasted_server_properties_is_replaced_not_doubled() {
        let text = "name = \"t\"\ndescription = \"d\"\nduration = \"1s\"\nserver_properties = '''\n# c\nnum.partitions=1\nbroker.id=0\n'''\n";
        let v = variant(text, Path::new("t.toml"), "t", "num.partitions", "3").unwrap();
        assert_eq!(v.scenario.broker.text("num.partitions"), "3");
        assert!(v.text.contains("# replaced by --diff: num.partitions=1"), "{}", v.text);
    }

    #[test]
    fn unknown_keys_name_the_key_and_near_misses() {
        let err = apply("acks.typo", "1").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`acks.typo`") && text.contains("broker, topic, producer and consumer"), "{text}");
        let OverrideError::UnknownKey { hint, .. } = err else { panic!("unknown key expected") };
        assert!(hint.contains("`acks`"), "{hint}");
        assert!(near_misses("lingr.ms").contains("`linger.ms`"));
        assert!(near_misses("zzz").contains("config.rs"));
    }

    #[test]
    fn bad_values_are_errors_naming_the_key() {
        let err = apply("acks", "2").unwrap_err().to_string();
        assert!(err.starts_with("acks=2:"), "{err}");
        let err = apply("linger.ms", "soon").unwrap_err().to_string();
        assert!(err.contains("linger.ms"), "{err}");
        let err = apply("enable.idempotence", "yes").unwrap_err().to_string();
        assert!(err.contains("true or false"), "{err}");
    }

    #[test]
    fn a_key_with_nothing_to_apply_to_is_an_error() {
        let text = "name = \"t\"\ndescription = \"d\"\nduration = \"1s\"\n";
        let err = variant(text, Path::new("t.toml"), "t", "acks", "all").unwrap_err().to_string();
        assert!(err.contains("no producers"), "{err}");
        let v = variant(text, Path::new("t.toml"), "t", "min.insync.replicas", "1").unwrap();
        assert_eq!(v.applied.targets, vec![(Scope::Broker, 1)], "the broker is always there");
    }

    #[test]
    fn client_sets_the_profile_of_every_producer_and_consumer() {
        use crate::scenario::profile::ClientProfile;
        let v = apply("client", "kafka-python-2.0").unwrap();
        assert!(v.scenario.producers.iter().all(|p| p.client == ClientProfile::KafkaPython20));
        assert!(v.scenario.consumers.iter().all(|c| c.client == ClientProfile::KafkaPython20));
        assert_eq!(v.scenario.producers[1].config.text("acks"), "1", "the profile's default");
        assert_eq!(v.scenario.producers[0].config.text("acks"), "1", "set in the file (to 1 as well)");
        assert_eq!(v.scenario.consumers[0].config.text("session.timeout.ms"), "10000");
        assert_eq!(v.applied.targets, vec![(Scope::Producer, 2), (Scope::Consumer, 1)]);
        assert_eq!(v.applied.describe(), "2 producers, 1 consumer");
        let v = apply("client", "java-4.0").unwrap();
        assert_eq!(v.scenario.producers[1].config.text("acks"), "all");
        let err = apply("client", "kafka-python").unwrap_err().to_string();
        assert!(err.starts_with("client=kafka-python:") && err.contains("did you mean `kafka-python-2.0`"), "{err}");
        let text = "name = \"t\"\ndescription = \"d\"\nduration = \"1s\"\n";
        let err = variant(text, Path::new("t.toml"), "t", "client", "java-4.0").unwrap_err().to_string();
        assert!(err.contains("no producer/consumers"), "{err}");
    }

    #[test]
    fn values_are_typed_as_a_file_would_type_them() {
        assert_eq!(toml_value("1"), toml::Value::Integer(1));
        assert_eq!(toml_value("-1"), toml::Value::Integer(-1));
        assert_eq!(toml_value("true"), toml::Value::Boolean(true));
        assert_eq!(toml_value("all"), toml::Value::String("all".into()));
        assert_eq!(edit_distance("acks", "ack"), 1);
    }
}
