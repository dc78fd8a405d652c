//! Kafka configuration keys a scenario may set, with Kafka's names, types and defaults.
//!
//! Students should be able to paste what they learn (`server.properties`, producer and
//! consumer configs) into a scenario file. So each scope has a table of known keys; an
//! unknown key is an error (a typo must not be silently ignored), and a value of the wrong
//! type is an error naming the key. Keys from the seed's `server.properties` that have no
//! meaning in a simulation (thread counts, socket buffers, paths) are accepted and documented
//! as having no effect, so a real file can be pasted in unchanged.

use std::collections::BTreeMap;

/// The type of a config value.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number in a range.
    Int {
        /// Smallest legal value.
        min: i64,
        /// Largest legal value.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A comma-separated list of words from a fixed set, in order of preference.
    List(&'static [&'static str]),
    /// Accepted for compatibility with real config files, with no effect here (the reason).
    NoEffect(&'static str),
}

/// One known key.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    /// Kafka's dotted name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Kafka's default, as text.
    pub default: &'static str,
}

const fn int(name: &'static str, min: i64, max: i64, default: &'static str) -> KeySpec {
    KeySpec { name, kind: Kind::Int { min, max }, default }
}

const fn boolean(name: &'static str, default: &'static str) -> KeySpec {
    KeySpec { name, kind: Kind::Bool, default }
}

const fn choice(name: &'static str, words: &'static [&'static str], default: &'static str) -> KeySpec {
    KeySpec { name, kind: Kind::Choice(words), default }
}

const fn list(name: &'static str, words: &'static [&'static str], default: &'static str) -> KeySpec {
    KeySpec { name, kind: Kind::List(words), default }
}

const fn no_effect(name: &'static str, why: &'static str) -> KeySpec {
    KeySpec { name, kind: Kind::NoEffect(why), default: "" }
}

const MAX: i64 = i64::MAX;

/// Broker (`server.properties`) keys.
pub const BROKER_KEYS: &[KeySpec] = &[
    boolean("delete.topic.enable", "true"),
    boolean("auto.create.topics.enable", "true"),
    int("num.partitions", 1, 10_000, "1"),
    int("default.replication.factor", 1, 100, "1"),
    int("log.segment.bytes", 14, MAX, "1073741824"),
    int("log.roll.ms", 1, MAX, "604800000"),
    int("log.roll.hours", 1, MAX, "168"),
    int("log.retention.ms", -1, MAX, "604800000"),
    int("log.retention.minutes", -1, MAX, "10080"),
    int("log.retention.hours", -1, MAX, "168"),
    int("log.retention.bytes", -1, MAX, "-1"),
    int("log.retention.check.interval.ms", 1, MAX, "300000"),
    int("log.index.interval.bytes", 1, MAX, "4096"),
    int("message.max.bytes", 1, MAX, "1048588"),
    int("broker.heartbeat.interval.ms", 1, MAX, "2000"),
    int("min.insync.replicas", 1, 100, "1"),
    boolean("unclean.leader.election.enable", "false"),
    int("replica.lag.time.max.ms", 1, MAX, "30000"),
    int("replica.fetch.wait.max.ms", 0, MAX, "500"),
    int("replica.fetch.max.bytes", 1, MAX, "1048576"),
    int("replica.fetch.backoff.ms", 0, MAX, "1000"),
    int("replica.socket.timeout.ms", 1, MAX, "30000"),
    int("broker.session.timeout.ms", 1, MAX, "9000"),
    int("replica.high.watermark.checkpoint.interval.ms", 1, MAX, "5000"),
    boolean("auto.leader.rebalance.enable", "true"),
    int("leader.imbalance.check.interval.seconds", 1, MAX, "300"),
    int("log.flush.interval.messages", 1, MAX, "9223372036854775807"),
    int("log.flush.interval.ms", 1, MAX, "9223372036854775807"),
    choice("sim.replication.truncation", &["leader-epoch", "high-watermark"], "leader-epoch"),
    int("offsets.topic.num.partitions", 1, 1000, "50"),
    int("offsets.topic.replication.factor", 1, 100, "3"),
    int("group.initial.rebalance.delay.ms", 0, MAX, "3000"),
    int("group.min.session.timeout.ms", 1, MAX, "6000"),
    int("group.max.session.timeout.ms", 1, MAX, "1800000"),
    boolean("sim.page.cache.loss", "false"),
    boolean("sim.broker.epoch.fencing", "true"),
    int("sim.page.cache.writeback.ms", 1, MAX, "30000"),
    int("sim.capacity.bytes.per.s", 0, MAX, "0"),
    no_effect("broker.id", "kafkasim numbers brokers 1..N from [cluster] brokers"),
    no_effect("num.network.threads", "the simulation runs one task per node"),
    no_effect("num.io.threads", "the simulation runs one task per node"),
    no_effect("socket.send.buffer.bytes", "simulated TCP has no socket buffers"),
    no_effect("socket.receive.buffer.bytes", "simulated TCP has no socket buffers"),
    no_effect("socket.request.max.bytes", "frames are capped at 100 MiB regardless"),
    no_effect("log.dirs", "logs live in memory"),
    no_effect("num.recovery.threads.per.data.dir", "logs live in memory"),
    no_effect("zookeeper.connect", "kafkasim's controller is built in (KRaft-style)"),
];

/// Per-topic override keys (`kafka-topics.sh --config`).
pub const TOPIC_KEYS: &[KeySpec] = &[
    int("retention.ms", -1, MAX, "604800000"),
    int("retention.bytes", -1, MAX, "-1"),
    int("segment.bytes", 14, MAX, "1073741824"),
    int("segment.ms", 1, MAX, "604800000"),
    int("index.interval.bytes", 1, MAX, "4096"),
    int("min.insync.replicas", 1, 100, "1"),
    boolean("unclean.leader.election.enable", "false"),
];

/// Producer keys.
pub const PRODUCER_KEYS: &[KeySpec] = &[
    choice("acks", &["0", "1", "all", "-1"], "all"),
    int("linger.ms", 0, MAX, "0"),
    int("batch.size", 1, MAX, "16384"),
    int("max.in.flight.requests.per.connection", 1, 1000, "5"),
    int("retries", 0, i32::MAX as i64, "2147483647"),
    int("retry.backoff.ms", 0, MAX, "100"),
    int("retry.backoff.max.ms", 0, MAX, "1000"),
    int("reconnect.backoff.ms", 0, MAX, "50"),
    int("reconnect.backoff.max.ms", 0, MAX, "1000"),
    int("request.timeout.ms", 1, MAX, "30000"),
    int("delivery.timeout.ms", 1, MAX, "120000"),
    int("buffer.memory", 1, MAX, "33554432"),
    int("max.block.ms", 0, MAX, "60000"),
    int("metadata.max.age.ms", 1, MAX, "300000"),
    // `random`: a random available partition per keyless record, kafka-python's
    // DefaultPartitioner (the `kafka-python-2.0` client profile's default, see profile.rs).
    choice("partitioner.class", &["sticky", "round-robin", "random"], "sticky"),
    boolean("partitioner.adaptive.partitioning.enable", "true"),
    boolean("enable.idempotence", "true"),
];

/// Consumer keys.
pub const CONSUMER_KEYS: &[KeySpec] = &[
    choice("auto.offset.reset", &["earliest", "latest", "none"], "latest"),
    int("fetch.min.bytes", 1, MAX, "1"),
    int("fetch.max.wait.ms", 0, MAX, "500"),
    int("max.partition.fetch.bytes", 1, MAX, "1048576"),
    int("request.timeout.ms", 1, MAX, "30000"),
    int("retry.backoff.ms", 0, MAX, "100"),
    int("metadata.max.age.ms", 1, MAX, "300000"),
    list(
        "partition.assignment.strategy",
        &[
            "range",
            "roundrobin",
            "sticky",
            "cooperative-sticky",
            "org.apache.kafka.clients.consumer.RangeAssignor",
            "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            "org.apache.kafka.clients.consumer.StickyAssignor",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        ],
        "range,cooperative-sticky",
    ),
    boolean("enable.auto.commit", "true"),
    int("auto.commit.interval.ms", 0, MAX, "5000"),
    int("session.timeout.ms", 1, MAX, "45000"),
    int("heartbeat.interval.ms", 1, MAX, "3000"),
    int("max.poll.interval.ms", 1, MAX, "300000"),
    int("max.poll.records", 1, MAX, "500"),
    int("sim.processing.ms.per.record", 0, MAX, "0"),
    choice("sim.commit", &["after-processing", "before-processing"], "after-processing"),
    boolean("sim.commit.sync", "true"),
];

/// A validated set of settings for one scope: every known key has a value (default or set).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Config {
    values: BTreeMap<String, String>,
    explicit: BTreeMap<String, String>,
}

impl Config {
    /// Defaults for every key of `keys`, overlaid with `set` (already validated).
    pub fn with_defaults(keys: &[KeySpec], set: BTreeMap<String, String>) -> Config {
        let mut values: BTreeMap<String, String> =
            keys.iter().map(|k| (k.name.to_string(), k.default.to_string())).collect();
        for (k, v) in &set {
            values.insert(k.clone(), v.clone());
        }
        Config { values, explicit: set }
    }

    /// Like [`Config::with_defaults`], with a client profile's defaults (already resolved by
    /// [`ClientProfile::resolve`](super::profile::ClientProfile::resolve)) between Kafka's
    /// defaults and the keys the scenario set: set beats profile beats Java default.
    pub fn with_profile(keys: &[KeySpec], profile: BTreeMap<String, String>, set: BTreeMap<String, String>) -> Config {
        let mut config = Config::with_defaults(keys, BTreeMap::new());
        for (k, v) in profile {
            assert!(config.values.contains_key(&k), "profile key `{k}` is not declared for this scope");
            config.values.insert(k, v);
        }
        for (k, v) in &set {
            config.values.insert(k.clone(), v.clone());
        }
        config.explicit = set;
        config
    }

    /// A key's value as text. Panics on a key the scope does not know: that is a bug in kafkasim.
    pub fn text(&self, key: &str) -> &str {
        self.values.get(key).unwrap_or_else(|| panic!("config key `{key}` is not declared for this scope"))
    }

    /// A key's value as an integer.
    pub fn int(&self, key: &str) -> i64 {
        let v = self.text(key);
        v.parse().unwrap_or_else(|_| panic!("config `{key}` = `{v}` was validated as an integer"))
    }

    /// A non-negative integer key.
    pub fn uint(&self, key: &str) -> u64 {
        let v = self.int(key);
        assert!(v >= 0, "config `{key}` = {v} must not be negative here");
        v as u64
    }

    /// A boolean key.
    pub fn bool(&self, key: &str) -> bool {
        self.text(key) == "true"
    }

    /// Whether the scenario set this key itself (rather than taking Kafka's default).
    pub fn is_set(&self, key: &str) -> bool {
        self.explicit.contains_key(key)
    }

    /// The keys the scenario set, for summaries.
    pub fn explicit(&self) -> &BTreeMap<String, String> {
        &self.explicit
    }
}

/// Check one `key = value` against a scope's table; returns the value as canonical text.
pub fn validate(keys: &[KeySpec], scope: &str, key: &str, value: &toml::Value) -> Result<String, String> {
    let Some(spec) = keys.iter().find(|k| k.name == key) else {
        let close: Vec<String> = keys
            .iter()
            .filter(|k| super::overrides::edit_distance(k.name, key) <= 2)
            .map(|k| format!("`{}`", k.name))
            .collect();
        if !close.is_empty() {
            return Err(format!("unknown {scope} config key `{key}`; did you mean {}?", close.join(" or ")));
        }
        let known: Vec<&str> = keys.iter().map(|k| k.name).collect();
        return Err(format!("unknown {scope} config key `{key}`; known keys: {}", known.join(", ")));
    };
    match spec.kind {
        Kind::Int { min, max } => validate_int(key, value, min, max),
        Kind::Bool => match value {
            toml::Value::Boolean(b) => Ok(b.to_string()),
            toml::Value::String(s) if s == "true" || s == "false" => Ok(s.clone()),
            other => Err(format!("`{key}` must be true or false, not {}", show(other))),
        },
        Kind::Choice(words) => {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                other => return Err(format!("`{key}` must be one of {words:?}, not {}", show(other))),
            };
            if words.contains(&text.as_str()) {
                Ok(text)
            } else {
                Err(format!("`{key}` must be one of {words:?}, not \"{text}\""))
            }
        }
        Kind::List(words) => validate_list(key, value, words),
        Kind::NoEffect(_) => Ok(show(value)),
    }
}

/// A list may be written `"range, sticky"` or `["range", "sticky"]`; it becomes `range,sticky`.
fn validate_list(key: &str, value: &toml::Value, words: &[&str]) -> Result<String, String> {
    let items: Vec<String> = match value {
        toml::Value::String(s) => s.split(',').map(|w| w.trim().to_string()).collect(),
        toml::Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()).ok_or_else(|| format!("`{key}` items must be strings")))
            .collect::<Result<_, _>>()?,
        other => return Err(format!("`{key}` must be a list of {words:?}, not {}", show(other))),
    };
    if items.is_empty() || items.iter().any(|i| i.is_empty()) {
        return Err(format!("`{key}` must name at least one of {words:?}"));
    }
    if let Some(bad) = items.iter().find(|i| !words.contains(&i.as_str())) {
        return Err(format!("`{key}`: \"{bad}\" is not one of {words:?}"));
    }
    Ok(items.join(","))
}

fn validate_int(key: &str, value: &toml::Value, min: i64, max: i64) -> Result<String, String> {
    let n = match value {
        toml::Value::Integer(i) => *i,
        toml::Value::String(s) => {
            s.trim().parse().map_err(|_| format!("`{key}` must be a whole number, not \"{s}\""))?
        }
        other => return Err(format!("`{key}` must be a whole number, not {}", show(other))),
    };
    if n < min || n > max {
        return Err(format!("`{key}` = {n} is out of range ({min}..={max})"));
    }
    Ok(n.to_string())
}

fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// The effect of a no-effect key, if `key` is one (for the run's notes).
pub fn no_effect_reason(keys: &[KeySpec], key: &str) -> Option<&'static str> {
    keys.iter().find(|k| k.name == key).and_then(|k| match k.kind {
        Kind::NoEffect(why) => Some(why),
        _ => None,
    })
}

/// Why a producer's settings rule out idempotence, if they do: Kafka's
/// `ProducerConfig.postProcessAndValidateIdempotenceConfigs` needs `retries` > 0, `acks=all`
/// and `max.in.flight.requests.per.connection` <= 5 (the broker keeps the last five batches'
/// sequence numbers per producer). Checked only when idempotence is on; the caller decides
/// whether that is an error (set explicitly) or a silent disable (only defaulted).
pub fn idempotence_conflict(c: &Config) -> Option<(&'static str, String)> {
    if !c.bool("enable.idempotence") {
        return None;
    }
    if c.uint("retries") == 0 {
        return Some(("retries", "Must set retries to non-zero when using the idempotent producer".into()));
    }
    let acks = c.text("acks");
    if acks != "all" && acks != "-1" {
        let why = format!(
            "Must set acks to all in order to use the idempotent producer (acks = {acks}). \
             Otherwise we cannot guarantee idempotence"
        );
        return Some(("acks", why));
    }
    let in_flight = c.uint("max.in.flight.requests.per.connection");
    if in_flight > 5 {
        let why = format!(
            "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer (it is {in_flight})"
        );
        return Some(("max.in.flight.requests.per.connection", why));
    }
    None
}

/// Whether a producer with these settings is idempotent: on unless disabled, or silently off
/// when it was only defaulted and another setting conflicts (Kafka logs "Idempotence will be
/// disabled because ..."). An explicit conflict never gets here: validation refused it.
pub fn idempotence_enabled(c: &Config) -> bool {
    c.bool("enable.idempotence") && idempotence_conflict(c).is_none()
}

/// Why a consumer's group timing cannot work, if it cannot: the Java client's `Heartbeat`
/// constructor refuses `heartbeat.interval.ms >= session.timeout.ms` ("Heartbeat must be set
/// lower than the session timeout").
pub fn heartbeat_conflict(c: &Config) -> Option<String> {
    let (hb, session) = (c.uint("heartbeat.interval.ms"), c.uint("session.timeout.ms"));
    (hb >= session).then(|| {
        format!(
            "heartbeat.interval.ms ({hb}) must be lower than session.timeout.ms ({session}): \
             the Java client refuses it (\"Heartbeat must be set lower than the session timeout\")"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_types_and_ranges() {
        let v = |t: &str| toml::Value::String(t.into());
        assert_eq!(validate(PRODUCER_KEYS, "producer", "acks", &v("all")).unwrap(), "all");
        assert_eq!(validate(PRODUCER_KEYS, "producer", "acks", &toml::Value::Integer(1)).unwrap(), "1");
        assert!(validate(PRODUCER_KEYS, "producer", "acks", &v("2")).is_err());
        assert!(validate(PRODUCER_KEYS, "producer", "linger.ms", &toml::Value::Integer(-1)).is_err());
        assert!(validate(BROKER_KEYS, "broker", "delete.topic.enable", &toml::Value::Integer(1)).is_err());
        let err = validate(BROKER_KEYS, "broker", "log.segmnt.bytes", &toml::Value::Integer(1)).unwrap_err();
        assert!(err.contains("unknown broker config key"), "{err}");
    }

    #[test]
    fn defaults_fill_in() {
        let c = Config::with_defaults(CONSUMER_KEYS, BTreeMap::new());
        assert_eq!(c.text("auto.offset.reset"), "latest");
        assert_eq!(c.uint("fetch.max.wait.ms"), 500);
        assert!(!c.is_set("fetch.max.wait.ms"));
    }

    fn producer(set: &[(&str, &str)]) -> Config {
        Config::with_defaults(PRODUCER_KEYS, set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: a conflict disables a
    /// defaulted idempotence and names the key that conflicts.
    #[test]
    fn idempotence_conflicts_follow_the_java_client() {
        assert!(idempotence_enabled(&producer(&[])));
        assert!(!idempotence_enabled(&producer(&[("acks", "1")])));
        assert_eq!(idempotence_conflict(&producer(&[("acks", "1")])).unwrap().0, "acks");
        let c = producer(&[("max.in.flight.requests.per.connection", "6")]);
        assert_eq!(idempotence_conflict(&c).unwrap().0, "max.in.flight.requests.per.connection");
        assert_eq!(idempotence_conflict(&producer(&[("retries", "0")])).unwrap().0, "retries");
        assert!(idempotence_conflict(&producer(&[("acks", "1"), ("enable.idempotence", "false")])).is_none());
        assert!(idempotence_enabled(&producer(&[("max.in.flight.requests.per.connection", "5")])));
    }

    #[test]
    fn heartbeat_must_be_below_the_session_timeout() {
        let c = |hb: &str, s: &str| {
            let set = [("heartbeat.interval.ms", hb), ("session.timeout.ms", s)];
            Config::with_defaults(CONSUMER_KEYS, set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        };
        assert!(heartbeat_conflict(&c("3000", "45000")).is_none());
        assert!(heartbeat_conflict(&c("10000", "10000")).is_some());
    }
}
